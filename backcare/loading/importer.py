"""Reading a JSON export back (`backcare import`), all or nothing.

:func:`parse_import` checks every part of the file first and names each bad record
("sessions[3] (id s-…): pain_after is 14; it must be between 0 and 10"); only a file with no
problem at all reaches the store. Records already present (same id; pain check-ins are one
a day, so the same date) are skipped, never overwritten. A record without an id gets a
stable one; the audit trail and the history of prescriptions come along when the file has
them (issue 14).
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backcare.domain.checks import (
    LOG_CHECKS,
    MAIN_CHECKS,
    MAX_ID_CHARS,
    Check,
    Checker,
    Limits,
    check_correction,
    check_prescription_period,
    check_score_agrees,
    is_iso_day,
    scored,
)
from backcare.domain.checks import record_label as _label
from backcare.domain.document import FORMAT, LOG_KINDS, TOP_KEYS, VERSION
from backcare.domain.models import (
    Assessment,
    Goal,
    PainCheckin,
    Prescription,
    PrescriptionPeriod,
    Profile,
    Session,
    Visit,
)
from backcare.domain.text import kind_of, show
from backcare.domain.words import plural
from backcare.errors import BackcareError, ProblemList

if TYPE_CHECKING:
    from backcare.storage import Store

# A lifetime of daily records is a few MiB; anything much bigger is not an export of ours,
# and reading it whole would only use up the patient's memory.
MAX_IMPORT_BYTES = 64 * 1024 * 1024
MAX_PROBLEMS_SHOWN = 20  # a badly broken file gets the first problems, not ten thousand
_KIND_WORDS = {
    "sessions": ("session", "sessions"),
    "pain_checkins": ("pain check-in", "pain check-ins"),
    "assessments": ("assessment", "assessments"),
    "visits": ("visit", "visits"),
    "goals": ("goal", "goals"),
}


# --- reading the file -----------------------------------------------------------------------


def read_import_file(path: Path) -> Any:
    """The JSON in ``path``, refusing quickly and in one line what is not a plain, readable,
    UTF-8 file of a sensible size. Nothing but a regular file is opened for reading (a FIFO
    once hung the import forever: issue 17), and the read is bounded whatever the file's
    size says."""
    from backcare.storage.files import NotRegularFile, TooBig, read_regular

    try:
        st = os.lstat(path)
    except FileNotFoundError:
        raise BackcareError(f"{path}: no such file") from None
    except OSError as exc:
        raise BackcareError(f"{path}: cannot be read ({exc.strerror})") from None
    if stat.S_ISLNK(st.st_mode):
        raise BackcareError(f"{path}: is a symbolic link; give the path of the export file itself")
    if stat.S_ISDIR(st.st_mode):
        raise BackcareError(f"{path}: is a folder, not an export file")
    try:
        raw = read_regular(path, MAX_IMPORT_BYTES)
    except NotRegularFile as exc:
        raise BackcareError(f"{path}: {exc.strerror}; an export is a regular file") from None
    except TooBig as exc:
        raise BackcareError(
            f"{path}: is {exc.size / 2**20:.0f} MiB; an export is never "
            f"over {MAX_IMPORT_BYTES // 2**20} MiB, so this is not one"
        ) from None
    except OSError as exc:
        raise BackcareError(f"{path}: cannot be read ({exc.strerror})") from None
    if raw is None:
        raise BackcareError(f"{path}: no such file")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BackcareError(
            f"{path}: is not UTF-8 text (bad byte at position {exc.start}); "
            f"a backcare export is UTF-8 JSON"
        ) from None
    del raw
    if not text.strip():
        raise BackcareError(f"{path}: is empty")
    try:
        return json.loads(text, parse_constant=_no_constant, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise BackcareError(f"{path}: is nested too deeply to be a backcare export") from None
    except json.JSONDecodeError as exc:
        raise BackcareError(
            f"{path}:{exc.lineno}: is not valid JSON ({exc.msg}, column {exc.colno})"
        ) from None
    except ValueError as exc:
        raise BackcareError(f"{path}: is not valid JSON ({exc})") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"the key {key!r} appears twice in one object")
        out[key] = value
    return out


# --- what a checked import holds, and what it did -------------------------------------------


@dataclass
class ImportBundle:
    """A checked import: log records as the store keeps them, and the main file's parts."""

    tables: dict[str, list[dict[str, Any]]]
    profile: Profile | None
    goals: list[Goal]
    programme: Prescription | None
    source: str = ""
    corrections: list[dict[str, Any]] | None = None  # the audit trail (issue 14)
    prescriptions: list[dict[str, Any]] | None = None  # their history, when the file has it
    derived: frozenset[str] = frozenset()  # the ids derived for records that had none

    def totals(self) -> dict[str, int]:
        return {**{k: len(v) for k, v in self.tables.items()}, "goals": len(self.goals)}


@dataclass
class ImportResult:
    """What an import did: counts of records added and skipped, per kind."""

    source: str
    added: dict[str, int]
    skipped: dict[str, int]
    profile: str  # "added" | "kept" (one was there already) | "none" (the file has none)
    programme: str  # same

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "added": dict(self.added),
            "skipped": dict(self.skipped),
            "profile": self.profile,
            "programme": self.programme,
        }

    def summary(self) -> str:
        """One line for the patient: what was added, and what was already there."""
        parts = [_count_words(n, k) for k, n in self.added.items() if n]
        added = ", ".join(parts) if parts else "no new records"
        skipped = sum(self.skipped.values())
        text = f"added {added}"
        if skipped:
            text += f"; skipped {skipped} already present"
        if self.profile == "added":
            text += "; profile added"
        elif self.profile == "kept":
            text += "; your own profile was kept"
        if self.programme == "added":
            text += "; programme added"
        elif self.programme == "kept":
            text += "; your current programme was kept"
        return text


def _count_words(n: int, kind: str) -> str:
    one, many = _KIND_WORDS.get(kind, (kind, kind))
    return f"{n} {one if n == 1 else many}"


# --- checking each kind of record ---------------------------------------------------------

_MODELS: dict[str, Any] = {
    "sessions": Session,
    "pain_checkins": PainCheckin,
    "assessments": Assessment,
    "visits": Visit,
}


# --- the whole document ---------------------------------------------------------------------


def parse_import(doc_or_path: Any, today: date | None = None) -> ImportBundle:
    """Check a whole export document (or the file holding one) and return it ready to store.

    Every problem is collected; if there is any, :class:`BackcareError` lists them, each
    naming its record, and nothing is returned to be written. The records are held to the
    command line's limits: nothing dated after ``today``, notes within their cap, no
    control characters, and nothing that cannot be written as UTF-8 (issue 17)."""
    if isinstance(doc_or_path, (str, Path)):
        path = Path(doc_or_path)
        source = str(path)
        doc = read_import_file(path)
    else:
        source, doc = "", doc_or_path
    file = source or None
    try:
        return parse_export(doc, file, source, Limits(latest=today))
    except RecursionError:
        raise BackcareError(
            f"{source or 'the import'}: is nested too deeply to be a backcare export"
        ) from None


def parse_export(doc: Any, file: str | None, source: str, limits: Limits) -> ImportBundle:
    where = f"{file}: " if file else ""
    if not isinstance(doc, dict):
        raise BackcareError(
            f"{where}is not a backcare export (expected a JSON object, found {kind_of(doc)})"
        )
    if doc.get("format") != FORMAT:
        raise BackcareError(
            f"{where}is not a backcare export (its format is "
            f"{show(doc.get('format'))}, not '{FORMAT}')"
        )
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise BackcareError(
            f"{where}has an unknown export version {show(version)}; "
            f"this backcare reads version {VERSION}"
        )
    if version != VERSION:
        newer = (
            " It was written by a newer backcare: update backcare, then import it."
            if version > VERSION
            else ""
        )
        raise BackcareError(
            f"{where}is export version {version}, which this backcare does "
            f"not know (it reads version {VERSION}).{newer}"
        )
    p = ProblemList()
    top = Checker(p, file, "the export")
    missing = [k for k in TOP_KEYS if k not in doc]
    if missing:
        top.add(f"is missing {', '.join(missing)}")
    if "exported_at" in doc:
        top.text("exported_at", doc["exported_at"], max_chars=MAX_ID_CHARS)
    derived: set[str] = set()
    tables = {kind: _records(p, file, top, doc, kind, limits, derived) for kind in LOG_KINDS}
    corrections = [
        {k: v for k, v in d.items() if k not in ("key", "change")}
        for d in _optional_list(p, file, top, doc, "corrections", check_correction, limits)
    ]
    prescriptions = None
    if doc.get("prescriptions") is not None:
        prescriptions = [
            PrescriptionPeriod.from_dict(d).to_dict()
            for d in _optional_list(
                p, file, top, doc, "prescriptions", check_prescription_period, limits
            )
        ]
    profile = _optional_single(p, file, doc.get("profile"), "profile", Profile.from_dict, limits)
    programme = _optional_single(
        p, file, doc.get("programme"), "programme", Prescription.from_dict, limits
    )
    check_goal, _ = MAIN_CHECKS["goals"]
    goals = [
        Goal.from_dict(d)
        for d in _checked(p, file, top, _goal_defaults(doc), "goals", check_goal, "id", limits)
    ]
    if p:
        shown = p.problems[:MAX_PROBLEMS_SHOWN]
        if len(p.problems) > MAX_PROBLEMS_SHOWN:
            rest = len(p.problems) - MAX_PROBLEMS_SHOWN
            p.add(f"… and {plural(rest, 'more problem')}; nothing was imported", file=file)
        else:
            p.add("nothing was imported", file=file)
        shown.append(p.problems[-1])
        raise BackcareError(
            f"{file or 'the export'}: "
            f"{plural(len(p.problems) - 1, 'problem')}; "
            f"nothing was imported",
            shown,
        )
    return ImportBundle(
        tables,
        profile,
        goals,
        programme,
        source,
        corrections,
        prescriptions or None,
        frozenset(derived),
    )


def _checked(
    p: ProblemList,
    file: str | None,
    top: Checker,
    doc: dict[str, Any],
    kind: str,
    check: Check,
    key: str,
    limits: Limits,
    derived: set[str] | None = None,
) -> list[dict[str, Any]]:
    """The records of one list that pass their checks, each unique by ``key``. A log
    record without an id gets a stable one (issue 14), added to ``derived``."""
    docs = doc.get(kind, [])
    if not isinstance(docs, list):
        top.add(f"{kind} must be a list, not {kind_of(docs)}")
        return []
    good: list[dict[str, Any]] = []
    seen: dict[Any, int] = {}
    ids = _IdDeriver()
    for i, d in enumerate(docs):
        c = Checker(p, file, _label(kind, i, d, key))
        if not isinstance(d, dict):
            c.add(f"must be an object, not {kind_of(d)}")
            continue
        given = d.get("id")
        d = ids.with_id(kind, d)
        if derived is not None and "id" in d and given is None and kind != "pain_checkins":
            derived.add(d["id"])
        before = len(p.problems)
        check(c, d, limits)
        _writable(c, d)
        if len(p.problems) > before:
            continue
        ident = d[key]
        if ident in seen:
            what = "date (one pain check-in a day)" if key == "date" else "id"
            c.add(f"has the same {what} as {kind}[{seen[ident]}]")
            continue
        seen[ident] = i
        good.append(d)
    return good


# CONTRACT.md's export format lists ids only for sessions: a file from another program may
# have none. Each record without one gets a stable id from what it holds (the same file
# gives the same ids, so importing it twice adds nothing twice); a check-in's id is always
# p-DATE, whatever the file calls it (issue 14).
_ID_PREFIX = {"sessions": "s", "assessments": "a", "visits": "v"}


class _IdDeriver:
    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def with_id(self, kind: str, d: dict[str, Any]) -> dict[str, Any]:
        day = d.get("date")
        if kind == "pain_checkins":
            if is_iso_day(day) and d.get("id", f"p-{day}") != f"p-{day}":
                return {**d, "id": f"p-{day}"}
            return d
        if "id" in d or kind not in _ID_PREFIX:
            return d
        content = json.dumps(d, sort_keys=True, ensure_ascii=False, default=str)
        n = self.seen.get(content, 0)
        self.seen[content] = n + 1  # two identical records in one file are two records
        digest = hashlib.sha256(f"{kind}#{n}#{content}".encode("utf-8", "replace"))
        stamp = str(day).replace("-", "") if is_iso_day(day) else "00000000"
        return {**d, "id": f"{_ID_PREFIX[kind]}-{stamp}-{digest.hexdigest()[:8]}"}


def _goal_defaults(doc: dict[str, Any]) -> dict[str, Any]:
    """Goals without ``id`` or ``created`` are accepted, as other records are (issue 23): a
    goal without a number takes the next after the file's own, and one without a day the
    export's day (else the checks name the missing field). Its stable id is then derived
    from what it says and that day (models.Goal.key), so the same file gives the same ids."""
    goals = doc.get("goals")
    if not isinstance(goals, list) or all(
        not isinstance(g, dict) or ("id" in g and "created" in g) for g in goals
    ):
        return doc
    numbers = [g["id"] for g in goals if isinstance(g, dict) and type(g.get("id")) is int]
    next_id = max(numbers, default=0) + 1
    stamp = doc.get("exported_at")
    day = stamp[:10] if isinstance(stamp, str) and is_iso_day(stamp[:10]) else None
    out = []
    for g in goals:
        if isinstance(g, dict) and "id" not in g:
            g = {**g, "id": next_id}
            next_id += 1
        if isinstance(g, dict) and "created" not in g and day is not None:
            g = {**g, "created": day}
        out.append(g)
    return {**doc, "goals": out}


def _optional_list(
    p: ProblemList,
    file: str | None,
    top: Checker,
    doc: dict[str, Any],
    kind: str,
    check: Check,
    limits: Limits,
) -> list[dict[str, Any]]:
    """A list added after the first release: optional, each entry checked (issue 14)."""
    docs = doc.get(kind)
    if docs is None:
        return []
    if not isinstance(docs, list):
        top.add(f"{kind} must be a list, not {kind_of(docs)}")
        return []
    good = []
    for i, d in enumerate(docs):
        c = Checker(p, file, f"{kind}[{i}]")
        if not isinstance(d, dict):
            c.add(f"must be an object, not {kind_of(d)}")
            continue
        before = len(p.problems)
        check(c, d, limits)
        _writable(c, d)
        if len(p.problems) == before:
            good.append(d)
    return good


def _records(
    p: ProblemList,
    file: str | None,
    top: Checker,
    doc: dict[str, Any],
    kind: str,
    limits: Limits,
    derived: set[str],
) -> list[dict[str, Any]]:
    check, key = LOG_CHECKS[kind]
    if kind == "assessments":  # every score worked out again from its answers (issue 23)
        check = _with_score_check(check)
    # Through the model and back: exactly what `export` will write again.
    return [
        _MODELS[kind].from_dict(_rescored(kind, d)).to_dict()
        for d in _checked(p, file, top, doc, kind, check, key, limits, derived)
    ]


def _with_score_check(check: Check) -> Check:
    def both(c: Checker, d: dict[str, Any], limits: Limits) -> None:
        before = len(c.p.problems)
        check(c, d, limits)
        if len(c.p.problems) == before:
            check_score_agrees(c, d)

    return both


def _rescored(kind: str, d: dict[str, Any]) -> dict[str, Any]:
    """An assessment with the score and band its answers give (the same as it says, or
    rounded as backcare rounds, with a band where one was left out)."""
    got = scored(d) if kind == "assessments" else None
    if got is None:
        return d
    return {**d, "score": got[0], "band": got[1]}


def _optional_single(
    p: ProblemList,
    file: str | None,
    value: Any,
    name: str,
    build: Callable[[dict[str, Any]], Any],
    limits: Limits,
) -> Any:
    if value is None:
        return None
    c = Checker(p, file, name)
    if not isinstance(value, dict):
        c.add(f"must be an object or null, not {kind_of(value)}")
        return None
    before = len(p.problems)
    check, _ = MAIN_CHECKS[name]
    check(c, value, limits)
    _writable(c, value)
    return build(value) if len(p.problems) == before else None


def _writable(c: Checker, d: dict[str, Any]) -> None:
    """Every value that will be written can be: the checks above look at the fields they
    know; this looks at the whole record, whatever it holds, so that nothing fails half-way
    through the writes, after earlier months were stored (issue 17)."""
    try:
        json.dumps(d, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except UnicodeEncodeError:
        c.add("holds text that is not valid Unicode (a lone surrogate)")
    except ValueError:
        c.add("holds a number JSON does not allow (NaN or infinity)")
    except TypeError:
        c.add("holds a value JSON cannot hold")


# --- storing it -----------------------------------------------------------------------------

# What an assessment and a visit are known by when their file gave them no id (issue 23).
_CONTENT_KEYS = {
    "assessments": ("date", "instrument", "answers"),
    "visits": ("date", "kind", "note"),
}


def _content(kind: str, d: dict[str, Any]) -> str:
    return json.dumps([d.get(k) for k in _CONTENT_KEYS[kind]], sort_keys=True, ensure_ascii=False)


def _known_by_content(store: Store, bundle: ImportBundle) -> dict[str, list[dict[str, Any]]]:
    """The import's records, where one whose id was derived is a record already there (an
    assessment of the same day, instrument and answers; a visit of the same day, kind and
    note) taking that record's id: re-importing one's own export without its ids adds
    nothing (issue 23)."""
    kinds = [
        k for k in _CONTENT_KEYS if any(d["id"] in bundle.derived for d in bundle.tables.get(k, ()))
    ]
    if not kinds:
        return bundle.tables
    history = store.history()
    tables = dict(bundle.tables)
    for kind in kinds:
        mine = history.assessments if kind == "assessments" else history.visits
        ids: dict[str, list[str]] = {}
        for r in mine:
            ids.setdefault(_content(kind, r.to_dict()), []).append(r.id)
        out = []
        for d in tables[kind]:
            same = ids.get(_content(kind, d)) if d["id"] in bundle.derived else None
            out.append({**d, "id": same.pop(0)} if same else d)
        tables[kind] = out
    return tables


def apply_import(store: Store, bundle: ImportBundle) -> ImportResult:
    """Add a checked import to the store; what is already there is kept as it is."""
    had_profile = store.profile() is not None
    had_programme = store.programme() is not None
    tables = _known_by_content(store, bundle)
    added, added_goals = store.import_all(
        tables,
        bundle.profile,
        bundle.goals,
        bundle.programme,
        source=bundle.source,
        corrections=bundle.corrections,
        prescriptions=bundle.prescriptions,
    )
    totals = bundle.totals()
    added_all = {**{k: added.get(k, 0) for k in LOG_KINDS}, "goals": added_goals}
    skipped = {k: totals[k] - added_all[k] for k in added_all}

    def fate(value: Any, had: bool) -> str:
        return "none" if value is None else ("kept" if had else "added")

    return ImportResult(
        bundle.source,
        added_all,
        skipped,
        fate(bundle.profile, had_profile),
        fate(bundle.programme, had_programme),
    )
