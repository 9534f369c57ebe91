"""The exercise library: loading, validating, merging and looking up exercises.

The bundled ``data/exercises.yaml`` is the base; ``$BACKCARE_HOME/exercises.yaml`` (a patient's
or physiotherapist's own file) is merged over it by ``id``; ``$BACKCARE_LIBRARY`` replaces the
bundled file (CONTRACT.md). Every problem is reported with file, line and exercise id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backcare import __version__
from backcare.domain.checks import Checker
from backcare.domain.library import Library
from backcare.domain.models import (
    CATEGORIES,
    DOSE_FIELDS,
    EQUIPMENT,
    LEGACY_EQUIPMENT,
    POSITIONS,
    TAGS,
    TARGETS,
    Exercise,
)
from backcare.domain.poses import POSITION_NAMES, Poses, poses_problems, read_pose
from backcare.domain.suggest import unknown_id_message
from backcare.domain.text import kind_of
from backcare.errors import BackcareError, ProblemList
from backcare.loading.yamlload import LineDict, LineList, load_yaml
from backcare.storage import cache
from backcare.storage.paths import DataPaths, bundled_library, data_home

LIBRARY_FORMAT_VERSION = 1
MAX_LEVEL = 3
REQUIRED = (
    "id",
    "name",
    "category",
    "level",
    "position",
    "equipment",
    "instructions",
    "cues",
    "dose",
    "cautions",
    "source",
)
OPTIONAL = (
    "aliases",
    "per_side",
    "targets",
    "tags",
    "tips",
    "progresses_to",
    "regresses_to",
    "poses",
)
DOSE_KEYS = (*DOSE_FIELDS, "rest_seconds")
RANGE_KEYS = ("default", "min", "max")
# Upper bounds that catch typos (a hold of 300 s, 100 sets) rather than clinical limits.
DOSE_CEILING = {
    "sets": 10,
    "reps": 50,
    "hold_seconds": 120,
    "duration_minutes": 120,
    "rest_seconds": 600,
}


# --- validation -----------------------------------------------------------------------------


def _check_dose(c: Checker, raw: Any, category: str | None) -> dict[str, Any] | None:
    if not isinstance(raw, LineDict):
        c.add(f"dose must be a mapping of {', '.join(DOSE_KEYS)}, not {c.kind(raw)}", "dose")
        return None
    ok = c.unknown(raw, DOSE_KEYS, "dose field")
    out: dict[str, Any] = {}
    for key in DOSE_FIELDS:
        if key not in raw:
            out[key] = None
            continue
        value, line = raw[key], raw.line_of(key)
        if not isinstance(value, LineDict):
            c.add(
                f"dose.{key} must be a mapping like {{default: 5, min: 5, max: 10}}, "
                f"not {c.kind(value)}",
                line=line,
            )
            ok = False
            continue
        nums: dict[str, int] = {}
        ok = (
            c.unknown(value, RANGE_KEYS, "field", hint=f" in dose.{key} (use default, min, max)")
            and ok
        )
        for rk in RANGE_KEYS:
            if rk not in value:
                c.add(f"dose.{key} is missing '{rk}'", line=line)
                ok = False
                continue
            n = c.whole(f"dose.{key}.{rk}", value[rk], 1, DOSE_CEILING[key], line=value.line_of(rk))
            if n is None:
                ok = False
            else:
                nums[rk] = n
        if len(nums) == 3:
            if not nums["min"] <= nums["default"] <= nums["max"]:
                c.add(
                    f"dose.{key} must have min ≤ default ≤ max (got min {nums['min']}, "
                    f"default {nums['default']}, max {nums['max']})",
                    line=line,
                )
                ok = False
            out[key] = dict(nums)
    rest = raw.get("rest_seconds", 0)
    r = c.whole(
        "dose.rest_seconds", rest, 0, DOSE_CEILING["rest_seconds"], line=raw.line_of("rest_seconds")
    )
    ok = ok and r is not None
    out["rest_seconds"] = r
    if not ok:
        return None
    if category == "aerobic":
        if out["duration_minutes"] is None:
            c.add("an aerobic exercise needs dose.duration_minutes", "dose")
            return None
    elif (
        category is not None
        and (out["sets"] is None or out["reps"] is None)
        and out["duration_minutes"] is None
    ):
        c.add("dose needs sets and reps (or duration_minutes)", "dose")
        return None
    if out["reps"] is not None and out["sets"] is None:
        out["sets"] = {"default": 1, "min": 1, "max": 1}
    return out


def _check_poses(c: Checker, raw: Any) -> dict[str, Any] | None:
    """An exercise's key positions (issue 26): start and end, and an optional middle, each a
    posture with joint angles a body can take, resting on what it stands, sits or lies on
    (backcare.domain.poses; docs/pictures.md)."""
    if not isinstance(raw, LineDict):
        c.add(f"poses must be a mapping of start, end (and middle), not {c.kind(raw)}", "poses")
        return None
    ok = c.unknown(raw, POSITION_NAMES, "position", hint=" in poses (use start, middle, end)")
    for name in ("start", "end"):
        if name not in raw:
            c.add(f"poses has no '{name}' position", "poses")
            ok = False
    out: dict[str, Any] = {}
    for name in POSITION_NAMES:
        if name not in raw:
            continue
        value = raw[name]
        pose, problems = read_pose(value)
        for message, key in problems:
            line = (
                value.line_of(key)
                if isinstance(value, LineDict) and key is not None and key in value
                else raw.line_of(name)
            )
            c.add(f"poses.{name}: {message}", line=line)
        if pose is None:
            ok = False
        else:
            out[name] = pose
    if not ok:
        return None
    for name, message in poses_problems(Poses.from_dict(out)):
        c.add(f"poses.{name}: {message}", line=raw.line_of(name))
        ok = False
    return out if ok else None


def _check_entry(
    p: ProblemList, file: str, entry: Any, index: int, list_line: int
) -> dict[str, Any] | None:
    if not isinstance(entry, LineDict):
        p.add(
            f"exercise {index} must be a mapping of fields, not {kind_of(entry, yaml=True)}",
            file=file,
            line=list_line,
        )
        return None
    raw_id = entry.get("id")
    record = raw_id if isinstance(raw_id, str) and raw_id else f"exercise {index}"
    c = Checker(p, file, record, entry, yaml=True)
    before = len(p.problems)
    c.unknown(entry, REQUIRED + OPTIONAL)
    c.required(entry, REQUIRED)
    out: dict[str, Any] = {}
    if "id" in entry:
        ident = c.text("id", entry["id"])
        if ident is not None and not _is_kebab(ident):
            c.add(f"id '{ident}' must be kebab-case: lowercase letters, digits and dashes", "id")
        out["id"] = ident
    if "name" in entry:
        out["name"] = c.text("name", entry["name"])
    out["aliases"] = _check_aliases(c, entry.get("aliases", LineList()), out.get("id"))
    category = c.choice("category", entry["category"], CATEGORIES) if "category" in entry else None
    out["category"] = category
    if "level" in entry:
        out["level"] = c.whole("level", entry["level"], 1, MAX_LEVEL)
    if "position" in entry:
        out["position"] = c.choice("position", entry["position"], POSITIONS)
    if "equipment" in entry:
        legacy = (
            [n for n in entry["equipment"] if n in LEGACY_EQUIPMENT]
            if isinstance(entry["equipment"], list)
            else []
        )
        for name in legacy:
            c.add(
                f"equipment '{name}' is now {' or '.join(LEGACY_EQUIPMENT[name])}: name the "
                "one this exercise needs",
                "equipment",
            )
        if not legacy:
            out["equipment"] = c.names("equipment", entry["equipment"], EQUIPMENT, min_items=1)
    out["targets"] = c.names("targets", entry.get("targets", LineList()), TARGETS)
    # Tags are what the conditions' rules act on (CLINICAL.md §8); cautions say when to stop
    # or leave an exercise out, tips are practical advice (issue 11).
    out["tags"] = c.names("tags", entry.get("tags", LineList()), TAGS)
    out["tips"] = c.names("tips", entry.get("tips", LineList()))
    per_side = entry.get("per_side", False)
    if not isinstance(per_side, bool):
        c.add(f"per_side must be true or false, not {c.kind(per_side)}", "per_side")
    out["per_side"] = per_side
    for key in ("instructions", "cues", "cautions"):
        if key in entry:
            out[key] = c.names(key, entry[key], min_items=1)
    if "source" in entry:
        out["source"] = c.text("source", entry["source"])
    for key in ("progresses_to", "regresses_to"):
        value = entry.get(key)
        out[key] = None if value is None else c.text(key, value)
    if "dose" in entry:
        out["dose"] = _check_dose(c, entry["dose"], category)
    if "poses" in entry:
        out["poses"] = _check_poses(c, entry["poses"])
    if len(p.problems) > before:
        return None
    out["line"] = entry.line
    return out


def _check_aliases(c: Checker, raw: Any, ident: str | None) -> tuple[str, ...] | None:
    """An exercise's former ids (issue 27): kebab-case, each named once, never its own id.
    That none is another exercise's id is checked over the whole library
    (:func:`check_aliases`)."""
    aliases = c.names("aliases", raw)
    if aliases is None:
        return None
    for alias in aliases:
        if not _is_kebab(alias):
            c.add(
                f"alias '{alias}' must be kebab-case: lowercase letters, digits and dashes",
                "aliases",
            )
        elif alias == ident:
            c.add(f"alias '{alias}' is the exercise's own id", "aliases")
    for alias in sorted({a for a in aliases if aliases.count(a) > 1}):
        c.add(f"alias '{alias}' is listed twice", "aliases")
    return aliases


def _where(ex: Exercise) -> tuple[str | None, int | None]:
    file, _, line = ex.origin.rpartition(":")
    return (file or None, int(line) if line.isdigit() else None)


def check_aliases(exercises: dict[str, Exercise]) -> None:
    """A former id means one exercise, and never one that has that id now (issue 27)."""
    p = ProblemList()
    owner: dict[str, str] = {}
    for ex in exercises.values():
        file, line = _where(ex)
        for alias in ex.aliases:
            if alias in exercises:
                p.add(
                    f"alias '{alias}' is the id of another exercise "
                    f"({exercises[alias].name}); an old id may not name two exercises",
                    file=file,
                    line=line,
                    record=ex.id,
                )
            elif alias in owner:
                p.add(
                    f"alias '{alias}' is already an alias of '{owner[alias]}'",
                    file=file,
                    line=line,
                    record=ex.id,
                )
            else:
                owner[alias] = ex.id
    p.raise_if_any("the exercise library's aliases are not consistent")


def merge_over(base: dict[str, Exercise], own: dict[str, Exercise]) -> dict[str, Exercise]:
    """``own`` merged over ``base`` by id (CONTRACT.md). An exercise of ``own`` under a
    former id of one in ``base`` replaces that one, keeping its current id and aliases: a
    physiotherapist's file written before an id was renamed still means what it meant."""
    merged = dict(base)
    renamed = {old: e.id for e in base.values() for old in e.aliases}
    for ident, ex in own.items():
        current = renamed.get(ident)
        if current is not None and current not in own:
            kept = merged.pop(current)
            ex = ex._replace(id=current, aliases=tuple(dict.fromkeys((*kept.aliases, *ex.aliases))))
            ident = current
        merged[ident] = ex
    return merged


def with_current_links(exercises: dict[str, Exercise]) -> dict[str, Exercise]:
    """Progression links that name a former id name the current one instead."""
    renamed = {old: e.id for e in exercises.values() for old in e.aliases}
    if not renamed:
        return exercises
    return {
        i: e._replace(
            progresses_to=renamed.get(e.progresses_to or "", e.progresses_to),
            regresses_to=renamed.get(e.regresses_to or "", e.regresses_to),
        )
        for i, e in exercises.items()
    }


def _is_kebab(text: str) -> bool:
    parts = text.split("-")
    return all(
        part and part.isascii() and part.isalnum() and part.lower() == part for part in parts
    )


def parse_library_file(path: Path) -> dict[str, Exercise]:
    """Validate one library file on its own; raise BackcareError listing every problem."""
    name = str(path)
    data = load_yaml(path, "an exercise library")
    p = ProblemList()
    if isinstance(data, LineList):
        entries: Any = data
        list_line = data.line
    elif isinstance(data, LineDict):
        for key in data:
            if key not in ("version", "exercises"):
                p.add(
                    f"unknown top-level field '{key}' (expected version and exercises)",
                    file=name,
                    line=data.line_of(key),
                )
        version = data.get("version", LIBRARY_FORMAT_VERSION)
        if version != LIBRARY_FORMAT_VERSION:
            p.add(
                f"library version {version!r} is not supported (this backcare reads "
                f"version {LIBRARY_FORMAT_VERSION})",
                file=name,
                line=data.line_of("version"),
            )
        entries = data.get("exercises")
        list_line = data.line_of("exercises")
        if not isinstance(entries, list):
            p.add("'exercises' must be a list of exercises", file=name, line=list_line)
            p.raise_if_any(f"{name}: not a valid exercise library")
    else:
        raise BackcareError(
            f"{name}:1: expected a mapping with 'exercises', not {kind_of(data, yaml=True)}"
        )
    if not entries:
        p.add("the library lists no exercises", file=name, line=list_line)
    found: dict[str, Exercise] = {}
    first_line: dict[str, int] = {}
    for index, entry in enumerate(entries, 1):
        checked = _check_entry(p, name, entry, index, list_line)
        if checked is None:
            continue
        ident = checked["id"]
        if ident in found:
            p.add(
                f"duplicate id '{ident}' (first defined on line {first_line[ident]})",
                file=name,
                line=checked["line"],
                record=ident,
            )
            continue
        first_line[ident] = checked["line"]
        found[ident] = Exercise.from_dict(checked, origin=f"{name}:{checked['line']}")
    p.raise_if_any(f"{name}: not a valid exercise library")
    check_aliases(found)
    return found


def check_links(exercises: dict[str, Exercise], require_entry_points: bool = True) -> None:
    """Progression links must exist, stay in one category and never loop."""
    p = ProblemList()

    for ex in exercises.values():
        file, line = _where(ex)
        for key in ("progresses_to", "regresses_to"):
            target = getattr(ex, key)
            if target is None:
                continue
            if target == ex.id:
                p.add(f"{key} points to itself", file=file, line=line, record=ex.id)
            elif target not in exercises:
                p.add(
                    f"{key}: {unknown_id_message(target, exercises)}",
                    file=file,
                    line=line,
                    record=ex.id,
                )
            elif exercises[target].category != ex.category:
                p.add(
                    f"{key} '{target}' is {exercises[target].category}, not {ex.category}",
                    file=file,
                    line=line,
                    record=ex.id,
                )
            elif (
                exercises[target].level <= ex.level
                if key == "progresses_to"
                else exercises[target].level >= ex.level
            ):
                # The library's own rule (data/exercises.yaml): the harder variant has the
                # higher level, so that progression only ever moves a patient up.
                want = "higher" if key == "progresses_to" else "lower"
                p.add(
                    f"{key} '{target}' is level {exercises[target].level}; it must be "
                    f"{want} than this exercise's level {ex.level}",
                    file=file,
                    line=line,
                    record=ex.id,
                )
    for key in ("progresses_to", "regresses_to"):
        reported: set[str] = set()
        for start in exercises.values():
            seen = [start.id]
            nxt = getattr(start, key)
            if nxt == start.id:
                continue  # already reported above as pointing to itself
            while nxt in exercises and nxt not in reported:
                if nxt in seen:
                    cycle = seen[seen.index(nxt) :] + [nxt]
                    file, line = _where(exercises[nxt])
                    p.add(
                        f"{key} links form a cycle: {' → '.join(cycle)}",
                        file=file,
                        line=line,
                        record=nxt,
                    )
                    reported.update(cycle)
                    break
                seen.append(nxt)
                nxt = getattr(exercises[nxt], key)
    if require_entry_points:
        for cat in CATEGORIES:
            if not any(e.category == cat and e.level == 1 for e in exercises.values()):
                p.add(f"no level-1 {cat} exercise: every category needs an easy entry point")
    p.raise_if_any("the exercise library's progression links are not consistent")


def load_library_files(files: list[Path]) -> Library:
    merged: dict[str, Exercise] = {}
    for path in files:
        merged = merge_over(merged, parse_library_file(path))  # later files override by id
    check_aliases(merged)
    merged = with_current_links(merged)
    check_links(merged)
    return Library(merged, tuple(str(f) for f in files))


# --- cache ----------------------------------------------------------------------------------
# Parsing YAML in pure Python costs more than the rest of a command put together, so the
# validated library is kept as JSON in the data folder, keyed by each file's path, size and
# modification time (issue 7). Any change to a file, or to backcare, makes a new parse.


def _cache_key(files: list[Path]) -> list[Any]:

    key: list[Any] = [__version__]
    for f in files:
        st = f.stat()
        key.append([str(f.resolve()), st.st_size, st.st_mtime_ns, st.st_ctime_ns])
    return key


def load_library(
    home: Path | None = None, files: list[Path] | None = None, use_cache: bool = True
) -> Library:
    """The merged library for a data folder, from the cache when it is still valid."""
    paths = DataPaths(home or data_home())
    files = files or paths.library_files()
    try:
        key = _cache_key(files)
    except OSError:
        return load_library_files(files)  # reports the missing file clearly
    if use_cache:
        cached = cache.read_library_cache(paths.library_cache, key)
        if cached is not None:
            try:
                return Library(
                    {e["id"]: Exercise.from_dict(e) for e in cached}, tuple(str(f) for f in files)
                )
            except (KeyError, TypeError, ValueError, AttributeError):
                pass  # a damaged cache: parse again
    library = load_library_files(files)
    if use_cache and paths.home.is_dir():
        cache.write_library_cache(
            paths.library_cache,
            key,
            [{**e.to_dict(), "origin": e.origin} for e in library],
            paths.lock,
        )
    return library


def require_poses(path: Path, exercises: dict[str, Exercise]) -> None:
    """Every exercise of a library with pictures has poses (issue 26): the bundled library,
    and any file in which one exercise has them. A file with none at all (a
    physiotherapist's own, say) is a library without pictures: each draws as a plain card."""
    drawn = [e for e in exercises.values() if e.poses is not None]
    if not drawn and path.resolve() != bundled_library().resolve():
        return
    p = ProblemList()
    for ex in exercises.values():
        if ex.poses is None:
            file, _, line = ex.origin.rpartition(":")
            p.add(
                "has no poses: give it a start and an end position (docs/pictures.md)",
                file=file or str(path),
                line=int(line) if line.isdigit() else None,
                record=ex.id,
            )
    p.raise_if_any(f"{path}: every exercise needs poses for its pictures")


def check_file(file: Path | None, home: Path) -> tuple[int, list[str]]:
    """Validate a library file, or the library in use. A partial file (a physiotherapist's
    additions) is checked merged over the base library in use ($BACKCARE_LIBRARY, else the
    bundled one), as backcare would use it."""
    files = DataPaths(home).library_files()
    if file is None:
        lib = load_library_files(files)
        for f in files:
            require_poses(f, parse_library_file(f))
        return len(lib), [str(f) for f in files]
    own = parse_library_file(file)
    require_poses(file, own)
    base = files[0]
    if file.resolve() != base.resolve() and base.exists():
        merged = merge_over(parse_library_file(base), own)
        check_aliases(merged)
        check_links(with_current_links(merged))
    else:
        check_links(with_current_links(own))
    return len(own), [str(file)]
