"""The exercise library: loading, validating, merging and looking up exercises.

The bundled ``data/exercises.yaml`` is the base; ``$BACKCARE_HOME/exercises.yaml`` (a patient's
or physiotherapist's own file) is merged over it by ``id``; ``$BACKCARE_LIBRARY`` replaces the
bundled file (CONTRACT.md). Every problem is reported with file, line and exercise id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backcare.domain.models import CATEGORIES, DOSE_FIELDS, EQUIPMENT, POSITIONS, TARGETS, Exercise
from backcare.errors import BackcareError, ProblemList
from backcare.loading.yamlload import Ambiguous, LineDict, LineList, load_yaml

LIBRARY_FORMAT_VERSION = 1
MAX_LEVEL = 3
REQUIRED = ("id", "name", "category", "level", "position", "equipment", "instructions", "cues",
            "dose", "cautions", "source")
OPTIONAL = ("per_side", "targets", "progresses_to", "regresses_to")
DOSE_KEYS = (*DOSE_FIELDS, "rest_seconds")
RANGE_KEYS = ("default", "min", "max")
# Upper bounds that catch typos (a hold of 300 s, 100 sets) rather than clinical limits.
DOSE_CEILING = {"sets": 10, "reps": 50, "hold_seconds": 120, "duration_minutes": 120,
                "rest_seconds": 600}


@dataclass(frozen=True)
class Library:
    exercises: dict[str, Exercise]
    files: tuple[str, ...]

    def get(self, exercise_id: str) -> Exercise:
        try:
            return self.exercises[exercise_id]
        except KeyError:
            raise BackcareError(unknown_id_message(exercise_id, self.exercises)) from None

    def __contains__(self, exercise_id: object) -> bool:
        return exercise_id in self.exercises

    def __iter__(self) -> Any:
        return iter(self.exercises.values())

    def __len__(self) -> int:
        return len(self.exercises)

    def by_category(self, category: str) -> list[Exercise]:
        return [e for e in self.exercises.values() if e.category == category]


def close_matches(word: str, options: Iterable[str], n: int = 1,
                  cutoff: float = 0.6) -> list[str]:
    """Did-you-mean candidates. difflib loads only when something was mistyped."""
    import difflib

    return difflib.get_close_matches(word, list(options), n=n, cutoff=cutoff)


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """" (did you mean 'x'?)" for a near miss, else nothing: one wording for every message."""
    close = close_matches(word, options, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unknown_id_message(exercise_id: str, known: Iterable[str]) -> str:
    close = close_matches(exercise_id, list(known), n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else \
        "; 'backcare exercises list' shows them all"
    return f"no exercise with id '{exercise_id}'{hint}"


# --- validation -----------------------------------------------------------------------------

class _Checker:
    """Checks one exercise entry, collecting every problem with its line."""

    def __init__(self, problems: ProblemList, file: str, entry: LineDict, record: str | None):
        self.p, self.file, self.entry, self.record = problems, file, entry, record

    def add(self, message: str, key: str | None = None, line: int | None = None) -> None:
        where = line if line is not None else (
            self.entry.line_of(key) if key else self.entry.line)
        self.p.add(message, file=self.file, line=where, record=self.record)

    def text(self, key: str, value: Any, line: int | None = None) -> str | None:
        if isinstance(value, Ambiguous):
            self.add(f"{key} is {value!r}, which YAML 1.1 reads as {value.yaml11_value}; "
                     f"put it in quotes", key, line)
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(f"{key} must be text, not {_kind(value)}", key, line)
            return None
        return value.strip()

    def integer(self, key: str, value: Any, low: int, high: int,
                line: int | None = None) -> int | None:
        if isinstance(value, Ambiguous):
            self.add(f"{key} is {value!r}, which YAML 1.1 reads as {value.yaml11_value}; "
                     f"write a whole number", key, line)
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(f"{key} must be a whole number, not {_kind(value)}", key, line)
            return None
        if not low <= value <= high:
            self.add(f"{key} is {value}; it must be between {low} and {high}", key, line)
            return None
        return value

    def choice(self, key: str, value: Any, allowed: tuple[str, ...],
               line: int | None = None) -> str | None:
        text = self.text(key, value, line)
        if text is None:
            return None
        if text not in allowed:
            hint = did_you_mean(text, allowed)
            self.add(f"{key} '{text}' is not one of: {', '.join(allowed)}{hint}", key, line)
            return None
        return text

    def text_list(self, key: str, value: Any, allowed: tuple[str, ...] | None = None,
                  min_items: int = 1) -> tuple[str, ...] | None:
        if not isinstance(value, list):
            self.add(f"{key} must be a list, not {_kind(value)}", key)
            return None
        if len(value) < min_items:
            self.add(f"{key} needs at least {min_items} item(s)", key)
            return None
        out: list[str] = []
        line = getattr(value, "line", None)
        for i, item in enumerate(value, 1):
            label = f"{key} item {i}"
            got = self.choice(label, item, allowed, line) if allowed else \
                self.text(label, item, line)
            if got is not None:
                out.append(got)
        return tuple(out) if len(out) == len(value) else None


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, Ambiguous):  # `per_side: yes` must not read as a plain word
        return f"{str(value)!r}, which YAML 1.1 reads as {value.yaml11_value}"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return "empty text" if not value.strip() else f"text ({value!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _check_dose(c: _Checker, raw: Any, category: str | None) -> dict[str, Any] | None:
    if not isinstance(raw, LineDict):
        c.add(f"dose must be a mapping of {', '.join(DOSE_KEYS)}, not {_kind(raw)}", "dose")
        return None
    ok = True
    out: dict[str, Any] = {}
    for key in raw:
        if key not in DOSE_KEYS:
            c.add(f"unknown dose field '{key}'{did_you_mean(key, DOSE_KEYS)}",
                  line=raw.line_of(key))
            ok = False
    for key in DOSE_FIELDS:
        if key not in raw:
            out[key] = None
            continue
        value, line = raw[key], raw.line_of(key)
        if not isinstance(value, LineDict):
            c.add(f"dose.{key} must be a mapping like {{default: 5, min: 5, max: 10}}, "
                  f"not {_kind(value)}", line=line)
            ok = False
            continue
        nums: dict[str, int] = {}
        for rk in value:
            if rk not in RANGE_KEYS:
                c.add(f"unknown field '{rk}' in dose.{key} (use default, min, max)",
                      line=value.line_of(rk))
                ok = False
        for rk in RANGE_KEYS:
            if rk not in value:
                c.add(f"dose.{key} is missing '{rk}'", line=line)
                ok = False
                continue
            n = c.integer(f"dose.{key}.{rk}", value[rk], 1, DOSE_CEILING[key],
                          value.line_of(rk))
            if n is None:
                ok = False
            else:
                nums[rk] = n
        if len(nums) == 3:
            if not nums["min"] <= nums["default"] <= nums["max"]:
                c.add(f"dose.{key} must have min ≤ default ≤ max (got min {nums['min']}, "
                      f"default {nums['default']}, max {nums['max']})", line=line)
                ok = False
            out[key] = dict(nums)
    rest = raw.get("rest_seconds", 0)
    r = c.integer("dose.rest_seconds", rest, 0, DOSE_CEILING["rest_seconds"],
                  raw.line_of("rest_seconds"))
    ok = ok and r is not None
    out["rest_seconds"] = r
    if not ok:
        return None
    if category == "aerobic":
        if out["duration_minutes"] is None:
            c.add("an aerobic exercise needs dose.duration_minutes", "dose")
            return None
    elif (category is not None and (out["sets"] is None or out["reps"] is None)
          and out["duration_minutes"] is None):
        c.add("dose needs sets and reps (or duration_minutes)", "dose")
        return None
    if out["reps"] is not None and out["sets"] is None:
        out["sets"] = {"default": 1, "min": 1, "max": 1}
    return out


def _check_entry(p: ProblemList, file: str, entry: Any, index: int,
                 list_line: int) -> dict[str, Any] | None:
    if not isinstance(entry, LineDict):
        p.add(f"exercise {index} must be a mapping of fields, not {_kind(entry)}",
              file=file, line=list_line)
        return None
    raw_id = entry.get("id")
    record = raw_id if isinstance(raw_id, str) and raw_id else f"exercise {index}"
    c = _Checker(p, file, entry, record)
    before = len(p.problems)
    known = REQUIRED + OPTIONAL
    for key in entry:
        if key not in known:
            c.add(f"unknown field '{key}'{did_you_mean(key, known)}", key)
    for key in REQUIRED:
        if key not in entry:
            c.add(f"missing required field '{key}'")
    out: dict[str, Any] = {}
    if "id" in entry:
        ident = c.text("id", entry["id"])
        if ident is not None and not _is_kebab(ident):
            c.add(f"id '{ident}' must be kebab-case: lowercase letters, digits and dashes",
                  "id")
        out["id"] = ident
    if "name" in entry:
        out["name"] = c.text("name", entry["name"])
    category = c.choice("category", entry["category"], CATEGORIES) if "category" in entry \
        else None
    out["category"] = category
    if "level" in entry:
        out["level"] = c.integer("level", entry["level"], 1, MAX_LEVEL)
    if "position" in entry:
        out["position"] = c.choice("position", entry["position"], POSITIONS)
    if "equipment" in entry:
        out["equipment"] = c.text_list("equipment", entry["equipment"], EQUIPMENT)
    out["targets"] = c.text_list("targets", entry.get("targets", LineList()), TARGETS,
                                 min_items=0)
    per_side = entry.get("per_side", False)
    if not isinstance(per_side, bool):
        c.add(f"per_side must be true or false, not {_kind(per_side)}", "per_side")
    out["per_side"] = per_side
    for key in ("instructions", "cues", "cautions"):
        if key in entry:
            out[key] = c.text_list(key, entry[key])
    if "source" in entry:
        out["source"] = c.text("source", entry["source"])
    for key in ("progresses_to", "regresses_to"):
        value = entry.get(key)
        out[key] = None if value is None else c.text(key, value)
    if "dose" in entry:
        out["dose"] = _check_dose(c, entry["dose"], category)
    if len(p.problems) > before:
        return None
    out["line"] = entry.line
    return out


def _is_kebab(text: str) -> bool:
    parts = text.split("-")
    return all(part and part.isascii() and part.isalnum() and part.lower() == part
               for part in parts)


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
                p.add(f"unknown top-level field '{key}' (expected version and exercises)",
                      file=name, line=data.line_of(key))
        version = data.get("version", LIBRARY_FORMAT_VERSION)
        if version != LIBRARY_FORMAT_VERSION:
            p.add(f"library version {version!r} is not supported (this backcare reads "
                  f"version {LIBRARY_FORMAT_VERSION})", file=name, line=data.line_of("version"))
        entries = data.get("exercises")
        list_line = data.line_of("exercises")
        if not isinstance(entries, list):
            p.add("'exercises' must be a list of exercises", file=name, line=list_line)
            p.raise_if_any(f"{name}: not a valid exercise library")
    else:
        raise BackcareError(f"{name}:1: expected a mapping with 'exercises', not {_kind(data)}")
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
            p.add(f"duplicate id '{ident}' (first defined on line {first_line[ident]})",
                  file=name, line=checked["line"], record=ident)
            continue
        first_line[ident] = checked["line"]
        found[ident] = Exercise.from_dict(checked, origin=f"{name}:{checked['line']}")
    p.raise_if_any(f"{name}: not a valid exercise library")
    return found


def check_links(exercises: dict[str, Exercise], require_entry_points: bool = True) -> None:
    """Progression links must exist, stay in one category and never loop."""
    p = ProblemList()

    def where(ex: Exercise) -> tuple[str | None, int | None]:
        file, _, line = ex.origin.rpartition(":")
        return (file or None, int(line) if line.isdigit() else None)

    for ex in exercises.values():
        file, line = where(ex)
        for key in ("progresses_to", "regresses_to"):
            target = getattr(ex, key)
            if target is None:
                continue
            if target == ex.id:
                p.add(f"{key} points to itself", file=file, line=line, record=ex.id)
            elif target not in exercises:
                p.add(f"{key}: {unknown_id_message(target, exercises)}", file=file, line=line,
                      record=ex.id)
            elif exercises[target].category != ex.category:
                p.add(f"{key} '{target}' is {exercises[target].category}, not {ex.category}",
                      file=file, line=line, record=ex.id)
            elif (exercises[target].level <= ex.level if key == "progresses_to"
                  else exercises[target].level >= ex.level):
                # The library's own rule (data/exercises.yaml): the harder variant has the
                # higher level, so that progression only ever moves a patient up.
                want = "higher" if key == "progresses_to" else "lower"
                p.add(f"{key} '{target}' is level {exercises[target].level}; it must be "
                      f"{want} than this exercise's level {ex.level}", file=file, line=line,
                      record=ex.id)
    for key in ("progresses_to", "regresses_to"):
        reported: set[str] = set()
        for start in exercises.values():
            seen = [start.id]
            nxt = getattr(start, key)
            if nxt == start.id:
                continue  # already reported above as pointing to itself
            while nxt in exercises and nxt not in reported:
                if nxt in seen:
                    cycle = seen[seen.index(nxt):] + [nxt]
                    file, line = where(exercises[nxt])
                    p.add(f"{key} links form a cycle: {' → '.join(cycle)}", file=file,
                          line=line, record=nxt)
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
        merged.update(parse_library_file(path))  # later files override by id
    check_links(merged)
    return Library(merged, tuple(str(f) for f in files))


# --- cache ----------------------------------------------------------------------------------
# Parsing YAML in pure Python costs more than the rest of a command put together, so the
# validated library is kept as JSON in the data folder, keyed by each file's path, size and
# modification time (issue 7). Any change to a file, or to backcare, makes a new parse.

def _cache_key(files: list[Path]) -> list[Any]:
    from backcare import __version__

    key: list[Any] = [__version__]
    for f in files:
        st = f.stat()
        key.append([str(f.resolve()), st.st_size, st.st_mtime_ns])
    return key


def load_library(home: Path | None = None, files: list[Path] | None = None,
                 use_cache: bool = True) -> Library:
    """The merged library for a data folder, from the cache when it is still valid."""
    from backcare.storage.paths import data_home, library_files

    home = home or data_home()
    files = files or library_files(home)
    try:
        key = _cache_key(files)
    except OSError:
        return load_library_files(files)  # reports the missing file clearly
    cache = home / "cache" / "library.json"
    if use_cache:
        try:
            with open(cache, encoding="utf-8") as fh:
                cached = json.load(fh)
            if cached.get("key") == key:
                return Library({e["id"]: Exercise.from_dict(e) for e in cached["exercises"]},
                               tuple(str(f) for f in files))
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no cache, or a stale or damaged one: parse again
    library = load_library_files(files)
    if use_cache and home.is_dir():
        _write_cache(cache, key, library)
    return library


def _write_cache(cache: Path, key: list[Any], library: Library) -> None:
    from backcare.storage.store import atomic_write_text

    doc = {"key": key, "exercises": [{**e.to_dict(), "origin": e.origin} for e in library]}
    try:
        cache.parent.mkdir(mode=0o700, exist_ok=True)
        atomic_write_text(cache, json.dumps(doc))
    except OSError:
        pass  # a cache that cannot be written only costs time


def filter_exercises(library: Library, category: str | None,
                     equipment: str | None) -> list[Exercise]:
    """Exercises of one category and/or doable with one piece of equipment (plus none)."""
    if category is not None and category not in CATEGORIES:
        raise BackcareError(f"--category '{category}' is not one of: {', '.join(CATEGORIES)}")
    if equipment is not None and equipment not in EQUIPMENT:
        raise BackcareError(f"--equipment '{equipment}' is not one of: {', '.join(EQUIPMENT)}")
    chosen = [e for e in library if category is None or e.category == category]
    if equipment is not None:
        chosen = [e for e in chosen if set(e.equipment) <= {"none", equipment}]
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(chosen, key=lambda e: (order[e.category], e.level, e.name))


def check_file(file: Path | None, home: Path) -> tuple[int, list[str]]:
    """Validate a library file, or the library in use. A partial file (a physiotherapist's
    additions) is checked merged over the base library in use ($BACKCARE_LIBRARY, else the
    bundled one), as backcare would use it."""
    from backcare.storage.paths import library_files

    files = library_files(home)
    if file is None:
        lib = load_library_files(files)
        return len(lib), [str(f) for f in files]
    own = parse_library_file(file)
    base = files[0]
    if file.resolve() != base.resolve() and base.exists():
        merged = {**parse_library_file(base), **own}
        check_links(merged)
    else:
        check_links(own)
    return len(own), [str(file)]
