"""Changes to the record, kept so that ``undo`` can reverse them, and the audit trail of
corrections (issue 14).

A change (a log, a check-in, an edit, a delete, an import…) is a list of record changes,
each a record's value before (None: it is new) and after (None: it is removed). The store
applies it to the data files in memory and keeps, in ``undo/``, one small file per change:
every record's value before, and where its value after lives. ``undo`` puts the values
before back.

A change touches several files (a month of the log, the audit trail, another month when a
date moves, a dozen months for an import), and no file system replaces several files in
one step. So the undo history is also how a change becomes all or nothing:

1. ``undo/N.pending.json`` is written first: what the change will do, and every value it
   replaces;
2. the data files are written, each atomically;
3. ``N.pending.json`` is renamed ``N.json``: from here the change is done, and only now does
   the command say so.

``undo`` does the same the other way: it writes ``N.undoing.json`` (the entry, and the
audit trail's lines for what it reverses), puts the old values back, then removes both
files. The next command that writes finds a ``.pending`` file a crash left and rolls its
change back (it was never confirmed), or an ``.undoing`` one and finishes the undo (it had
begun). Both are idempotent: each puts a record to a value, or takes one away.

Corrections (edit, delete, a record replaced, undo) also add lines to the audit trail
(``corrections.json``): when, what, and the record's value before and after. Undo never
takes a line out of it; only the roll-back of a change that never completed does.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from backcare.domain.checks import (
    CORRECTION_CHECKS,
    LOG_CHECKS,
    MAIN_CHECKS,
    is_iso_day,
    stored_problem,
)
from backcare.domain.corrections import record_id
from backcare.storage.files import DataFileError, read_json_file, unreadable

if TYPE_CHECKING:
    from backcare.storage.store import Store

UNDO_KEPT = 20  # issue 14: up to the last 20 changes can be undone
LOG_TABLES: tuple[str, ...] = ("sessions", "pain_checkins", "assessments", "visits")
# The tables whose corrections the audit trail keeps: the log's, and the goals (issue 24).
AUDITED: tuple[str, ...] = (*LOG_TABLES, "goals")
# The profile is audited too, as a whole (issue 21: a re-run of init once rewrote the
# baseline unseen): its lines' keys carry this tag, one line a change at most.
PROFILE_TAG = "profile-"
# The field that names a record in each table (a check-in is one a day: its date).
KEY_FIELD: dict[str, str] = {
    "sessions": "id",
    "pain_checkins": "date",
    "assessments": "id",
    "visits": "id",
    "goals": "id",
    "corrections": "key",
}
# Tables of the main file an import may set whole.
WHOLE_TABLES: tuple[str, ...] = ("profile", "programme", "prescriptions")
UNDO_HINT = (
    "it only holds what 'backcare undo' can reverse; delete it (nothing recorded is "
    "lost) or run 'backcare doctor --yes'"
)
PENDING, UNDOING = "pending", "undoing"
# Changes of one new record, and the table it is in; corrections change one record.
ONE_RECORD: dict[str, str] = {
    "log": "sessions",
    "session": "sessions",
    "checkin": "pain_checkins",
    "assessment": "assessments",
    "visit": "visits",
    "goal": "goals",
}
# Changes of whole tables of the main file only: the profile, the prescription.
WHOLE_ONLY: dict[str, frozenset[str]] = {
    "profile": frozenset({"profile"}),
    "programme": frozenset({"programme", "prescriptions"}),
    "swap": frozenset({"profile"}),
}  # a routine swap the patient asked for (issue 20)
# Changes of the profile with one record of their own: a clinician's clearance and its visit
# record (issue 21), a re-run of init and the STarT Back answers it took.
WITH_PROFILE: dict[str, str] = {"clear": "visits", "profile": "assessments"}
CORRECTION_ACTIONS: tuple[str, ...] = ("edit", "delete", "replace")
_RECORD_CHECKS = {**LOG_CHECKS, **MAIN_CHECKS, **CORRECTION_CHECKS}
_COUNTED = re.compile(r"\(([0-9]+) records?\)$")


class RecordChange(NamedTuple):
    """One record's value before a change (None: it is new) and after (None: removed)."""

    table: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class Change(NamedTuple):
    """What a command changes, as one step that undo reverses."""

    action: str  # log | session | checkin | assessment | visit | import | edit | delete | replace
    summary: str  # what it was, in words: what undo says it reversed
    records: tuple[RecordChange, ...] = ()
    # An audited correction ("edit", "delete", "replace"): each record's old value is kept
    # in the audit trail.
    correction: str | None = None
    # Whole tables of the main file this change sets (an import's profile and programme).
    tables: tuple[tuple[str, dict[str, Any]], ...] = ()
    # A profile written first and kept whatever happens to the change: a red flag that a
    # correction takes out of the log moves into it (domain.corrections), and no undo or
    # roll-back takes it back out.
    profile: dict[str, Any] | None = None
    # Its records have passed the checks of the data files already (an import's, checked
    # as they were read, with limits at least as strict): they are not checked again.
    checked: bool = False


class Entry(NamedTuple):
    """One change in the undo history, as read from its file."""

    seq: int
    path: Path
    doc: dict[str, Any]

    @property
    def action(self) -> str:
        return str(self.doc.get("action", ""))

    @property
    def summary(self) -> str:
        return str(self.doc.get("summary", ""))

    @property
    def ops(self) -> list[dict[str, Any]]:
        return list(self.doc.get("ops") or [])


def key_of(table: str, doc: Mapping[str, Any]) -> Any:
    return doc[KEY_FIELD[table]]


class FileSet:
    """The data files a change reads and writes, loaded under the lock and changed in
    memory; the store writes the changed ones together."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.tables: dict[Path, dict[str, Any]] = {}
        self.changed: list[Path] = []
        self._changed: set[Path] = set()
        # Each table looked into, indexed by the field that names a record (its first
        # record of each key), and its highest record number: an import of 60,000 audit
        # lines finds and adds each in constant time, not by a scan and a re-sort (issue 24).
        self._index: dict[tuple[Path, str], dict[Any, str]] = {}
        self._top: dict[tuple[Path, str], int] = {}
        # The records put or tables set here, by file: what the store checks before it
        # writes (a record read from a file passed the checks as it was read).
        self.fresh: dict[Path, dict[str, dict[str, Any]]] = {}
        self._main, self._corrections = store.main_path, store.paths.corrections

    def get(self, path: Path) -> dict[str, Any]:
        if path not in self.tables:
            self.tables[path] = self.store.load(path) or {}
        return self.tables[path]

    def mark(self, path: Path) -> None:
        if path not in self._changed:
            self._changed.add(path)
            self.changed.append(path)

    def path_of(self, table: str, day: str | None) -> Path:
        if table in LOG_TABLES:
            if day is None:
                raise ValueError(f"a {table} record needs its date")
            return self.store.paths.month_named(day[:7])
        if table == "corrections":
            return self._corrections
        return self._main

    def find(
        self, table: str, key: Any, day: str | None = None
    ) -> tuple[Path, str, dict[str, Any]] | None:
        """Where the record of ``table`` named ``key`` is: its file, its number in the
        table, and the record. Without ``day``, a log record is looked for in every month."""
        if table in LOG_TABLES and day is None:
            paths = self.store.month_paths()
        else:
            paths = [self.path_of(table, day)]
        for path in paths:
            try:
                slot = self._keys(path, table).get(key)
            except TypeError:  # a key that is no dict key names no record
                return None
            if slot is not None:
                return path, slot, self.get(path)[table][slot]
        return None

    def _keys(self, path: Path, table: str) -> dict[Any, str]:
        """The table's index: each key's first record number, in the table's order."""
        index = self._index.get((path, table))
        if index is None:
            field = KEY_FIELD[table]
            index = {}
            for slot, doc in (self.get(path).get(table) or {}).items():
                if isinstance(doc, dict):
                    with contextlib.suppress(TypeError):
                        index.setdefault(doc.get(field), slot)
            self._index[(path, table)] = index
        return index

    def find_id(self, ident: str, day: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        """Every log record with this id (a check-in's is p-DATE): in ``day``'s month when
        given, else in every month."""
        found = []
        paths = [self.store.paths.month_named(day[:7])] if day else self.store.month_paths()
        for path in paths:
            tables = self.get(path)
            for table in LOG_TABLES:
                for doc in (tables.get(table) or {}).values():
                    if isinstance(doc, dict) and record_id(table, doc) == ident:
                        found.append((table, doc))
        return found

    def remove(self, path: Path, table: str, slot: str) -> None:
        del self.get(path)[table][slot]
        self.fresh.get(path, {}).get(table, {}).pop(slot, None)
        self._index.pop((path, table), None)  # another record of its key may come first
        self.mark(path)

    def put(
        self,
        path: Path,
        table: str,
        doc: dict[str, Any],
        slot: str | None = None,
        checked: bool = False,
    ) -> None:
        """Add a record: at ``slot`` when it is free (a record put back where it was), else
        under the next record number, as tinydb would. The table stays in record order.
        ``checked``: the record has passed the data files' checks already."""
        docs = self.get(path).setdefault(table, {})
        top = self._top.get((path, table))
        if top is None:
            top = max((int(k) for k in docs), default=0)
            self.get(path)[table] = docs = dict(sorted(docs.items(), key=lambda kv: int(kv[0])))
            self._index.pop((path, table), None)
        if slot is None or slot in docs:
            slot = str(top + 1)
        docs[slot] = doc
        if int(slot) <= top:  # put back in its place, among the others
            self.get(path)[table] = dict(sorted(docs.items(), key=lambda kv: int(kv[0])))
        self._top[(path, table)] = max(top, int(slot))
        if not checked:
            self.fresh.setdefault(path, {}).setdefault(table, {})[slot] = doc
        index = self._index.get((path, table))
        if index is not None:
            with contextlib.suppress(TypeError):
                if int(index.setdefault(doc.get(KEY_FIELD[table]), slot)) > int(slot):
                    self._index.pop((path, table))  # it now comes first: index again
        self.mark(path)

    def set_table(self, path: Path, table: str, docs: dict[str, Any]) -> None:
        self.get(path)[table] = dict(docs)
        self.fresh.setdefault(path, {})[table] = self.get(path)[table]
        self._index.pop((path, table), None)
        self._top.pop((path, table), None)
        self.mark(path)


class ChangedMeanwhile(Exception):
    """A record is no longer what the command read: another command changed it."""

    def __init__(self, table: str, doc: dict[str, Any] | None) -> None:
        super().__init__(table)
        self.table, self.doc = table, doc


def _day(table: str, doc: Mapping[str, Any]) -> str | None:
    return str(doc["date"]) if table in LOG_TABLES else None


def forward(files: FileSet, change: Change, at: str, change_id: str) -> list[dict[str, Any]]:
    """Apply ``change`` to the files in memory; return the undo history's operations: for
    each record, its value before (and its place), and where its value after lives."""
    ops: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []
    for rc in change.records:
        op: dict[str, Any] = {"table": rc.table, "before": rc.before, "slot": None, "after": None}
        before_path = None
        if rc.before is not None:
            found = files.find(rc.table, key_of(rc.table, rc.before), _day(rc.table, rc.before))
            if found is None or found[2] != rc.before:
                raise ChangedMeanwhile(rc.table, rc.before)
            before_path, op["slot"], _ = found
            files.remove(before_path, rc.table, op["slot"])
        if rc.after is not None:
            day = _day(rc.table, rc.after)
            key = key_of(rc.table, rc.after)
            if files.find(rc.table, key, day) is not None:
                raise ChangedMeanwhile(rc.table, None)
            path = files.path_of(rc.table, day)
            files.put(
                path,
                rc.table,
                rc.after,
                op["slot"] if path == before_path else None,
                change.checked,
            )
            op["after"] = {"key": key, "date": day}
        ops.append(op)
        if change.correction and rc.table in AUDITED:
            audit.append(
                _audit(change.correction, rc.table, rc.before, rc.after, at, change_id, len(audit))
            )
    for name, docs in change.tables:
        main = files.store.main_path
        old = dict(files.get(main).get(name) or {})
        ops.append({"table": name, "whole": old})
        files.set_table(main, name, docs)
        if name == "profile":
            line = profile_line("edit", only(old), only(docs), at, change_id)
            if line is not None:
                audit.append(line)
    for doc in audit:
        files.put(files.store.paths.corrections, "corrections", doc)
        ops.append(
            {
                "table": "corrections",
                "before": None,
                "slot": None,
                "after": {"key": doc["key"], "date": None},
                "audit": True,
            }
        )
    return ops


def _audit(
    action: str,
    table: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    at: str,
    change_id: str,
    n: int,
    tag: str = "",
) -> dict[str, Any]:
    """One line of the audit trail. ``key`` and ``change`` are the data folder's own: the
    change that wrote it (its roll-back takes it out again), never exported."""
    record = after if after is not None else before
    assert record is not None
    return {
        "key": f"{change_id}:{tag}{n}",
        "change": change_id,
        "at": at,
        "action": action,
        "record": table,
        "id": record_id(table, record),
        "date": record_day(table, record),
        "before": before,
        "after": after,
    }


def only(docs: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The one record of a single table (the profile), or None."""
    return next(iter((docs or {}).values()), None)


def profile_line(
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    at: str,
    change_id: str,
    tag: str = PROFILE_TAG,
) -> dict[str, Any] | None:
    """The audit trail's line for a change of the profile (issue 21): what it was and what
    it became, filed under the day the profile says it changed. None when there is nothing
    to correct: the first profile (init's), or the same one again."""
    if before is None or after is None or before == after:
        return None
    day = max(str(d.get("updated") or "") for d in (before, after)) or at[:10]
    return {
        "key": f"{change_id}:{tag}0",
        "change": change_id,
        "at": at,
        "action": action,
        "record": "profile",
        "id": "profile",
        "date": day,
        "before": before,
        "after": after,
    }


def record_day(table: str, record: Mapping[str, Any]) -> str:
    """The day an audit line is filed under: a log record's date, a goal's creation."""
    return str(record["created"] if table == "goals" else record["date"])


def backward(files: FileSet, ops: Iterable[dict[str, Any]], *, audit: bool) -> None:
    """Put every record back to its value before (the last operation first). ``audit``:
    take out the audit trail's lines the change added too (a roll-back; never an undo)."""
    for op in reversed(list(ops)):
        table = op["table"]
        if "whole" in op:
            files.set_table(files.store.main_path, table, op["whole"])
            continue
        if op.get("audit") and not audit:
            continue
        after = op.get("after")
        if after is not None:
            found = files.find(table, after["key"], after.get("date"))
            if found is not None:
                files.remove(found[0], table, found[1])
        before = op.get("before")
        if before is not None:
            day = _day(table, before)
            found = files.find(table, key_of(table, before), day)
            if found is not None:
                files.remove(found[0], table, found[1])
            files.put(files.path_of(table, day), table, before, op.get("slot"))


def undo_audit(
    files: FileSet,
    entry: Entry,
    at: str,
    ops: Iterable[dict[str, Any]],
    profile: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The audit trail's lines for undoing ``entry`` (its operations ``ops``, without the
    whole tables it leaves as they are): each record's value now, and the value it goes
    back to; the profile's too, ``profile`` if undo keeps one of its own (a red flag)."""
    lines: list[dict[str, Any]] = []
    change = str(entry.doc.get("change"))
    for op in ops:
        table = op["table"]
        if "whole" in op:
            if table == "profile":
                now = only(files.get(files.store.main_path).get("profile"))
                line = profile_line(
                    "undo", now, profile or only(op["whole"]), at, change, f"undo-{PROFILE_TAG}"
                )
                lines += [line] if line is not None else []
            continue
        if table not in AUDITED or op.get("audit"):
            continue
        after = op.get("after")
        found = files.find(table, after["key"], after.get("date")) if after else None
        now = found[2] if found is not None else None
        if now is None and op.get("before") is None:
            continue
        lines.append(_audit("undo", table, now, op.get("before"), at, change, len(lines), "undo-"))
    return lines


# --- the entry files --------------------------------------------------------------------------


def entry_doc(
    seq: int, change_id: str, at: str, change: Change, ops: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "seq": seq,
        "change": change_id,
        "at": at,
        "action": change.action,
        "summary": change.summary,
        "ops": ops,
    }


def encode(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


def listing(folder: Path) -> list[tuple[int, str, Path]]:
    """The undo history's files: (seq, state, path), oldest first; state "" is a done
    change."""
    try:
        names = os.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return []
    except PermissionError:
        raise unreadable(folder) from None
    found = []
    for name in names:
        stem, dot, ext = name.partition(".")
        if not stem.isdigit() or not stem.isascii() or len(stem) != 8:
            continue
        state = ext.removesuffix("json").rstrip(".") if ext.endswith("json") else None
        if state in ("", PENDING, UNDOING):
            found.append((int(stem), state, folder / name))
    return sorted(found)


def read_entry(seq: int, path: Path) -> Entry:
    try:
        doc = read_json_file(path)
    except DataFileError as exc:
        raise DataFileError(path, exc.problem, UNDO_HINT) from None
    if doc is None:
        raise DataFileError(path, "is missing", UNDO_HINT)
    problem = _entry_problem(doc)
    if problem is not None:
        raise DataFileError(path, f"is damaged ({problem})", UNDO_HINT)
    problem = content_problem(doc)
    if problem is not None:
        raise DataFileError(
            path,
            f"does not match the change it names ({problem}), so it is never replayed",
            UNDO_HINT,
        )
    return Entry(seq, path, doc)


def content_problem(doc: dict[str, Any]) -> str | None:
    """What makes a well-formed entry one backcare did not write (issue 24: an entry edited
    by hand once put a score of 99 back into the log, and one naming 30 check-ins made undo
    remove them all): every value it would put back passes the checks of its table, every
    record it names keeps its id, its audit lines are its own, and it names no more records
    than its kind of change makes."""
    change, action, ops = doc["change"], doc["action"], doc["ops"]
    records = [op for op in ops if "whole" not in op and not op.get("audit")]
    audit = [op for op in ops if op.get("audit")]
    for op in ops:
        problem = _op_problem(op, change)
        if problem is not None:
            return problem
    # The profile's line: one at most, and only beside the profile it changed (issue 21).
    of_profile = [op for op in audit if str(op["after"]["key"]) == f"{change}:{PROFILE_TAG}0"]
    if len(of_profile) > 1:
        return f"a change has one audit line of the profile; it names {len(of_profile)}"
    if of_profile and not any("whole" in op and op["table"] == "profile" for op in ops):
        return "an audit line of the profile it names comes with no change of the profile"
    audit = [op for op in audit if op not in of_profile]
    made = [op["table"] for op in records if op.get("before") is None]
    if action in ONE_RECORD:
        if len(records) != 1 or made != [ONE_RECORD[action]] or audit:
            return (
                f"a change of this kind adds one {ONE_RECORD[action]} record; it names "
                f"{len(records)}"
            )
    elif action in CORRECTION_ACTIONS:
        if len(records) != 1 or len(audit) > 1 or records[0].get("before") is None:
            return f"a correction changes one record; it names {len(records)}"
    elif action == "goal-done":
        if (
            len(records) != 1
            or audit
            or records[0]["table"] != "goals"
            or records[0].get("before") is None
            or records[0].get("after") is None
        ):
            return f"marking a goal reached changes one goal; it names {len(records)}"
    elif action in WITH_PROFILE and records:
        wholes = {op["table"] for op in ops if "whole" in op}
        if (
            len(records) != 1
            or made != [WITH_PROFILE[action]]
            or audit
            or not wholes <= {"profile"}
        ):
            return (
                f"a change of this kind adds one {WITH_PROFILE[action]} record and the "
                f"profile; it names {len(records)}"
            )
    elif action in WHOLE_ONLY:
        wholes = {op["table"] for op in ops if "whole" in op}
        if records or audit or not wholes or not wholes <= WHOLE_ONLY[action]:
            return f"a change of the {action} changes only that; it names other records"
    elif action == "import":
        if len(made) != len(records):
            return "an import only adds records; it names one it would put back"
        counted = _COUNTED.search(str(doc.get("summary")))
        logged = sum(1 for table in made if table in LOG_TABLES)
        if counted is not None and int(counted.group(1)) != logged:
            return f"the import added {counted.group(1)} records; it names {logged}"
    else:
        return f"backcare makes no change called {action!r}"
    return None


def _op_problem(op: dict[str, Any], change: str) -> str | None:
    table = op["table"]
    if "whole" in op:
        if table not in WHOLE_TABLES:
            return f"it would put back the whole of {table}"
        problem = stored_problem({table: op["whole"]}, {table: MAIN_CHECKS[table]})
        return None if problem is None else f"a value it would put back: {problem}"
    before, after = op.get("before"), op.get("after")
    if before is None and after is None:
        return "an operation names no record"
    if before is not None:
        problem = stored_problem({table: {"1": before}}, {table: _RECORD_CHECKS[table]})
        if problem is not None:
            return f"a value it would put back: {problem}"
    if after is None:
        return None
    key, day = after.get("key"), after.get("date")
    if (table in LOG_TABLES) != is_iso_day(day) or (day is not None and table not in LOG_TABLES):
        return f"a {table} record it names has no day of its own"
    if op.get("audit"):
        if table != "corrections" or not str(key).startswith(f"{change}:"):
            return "an audit line it would take out is not one it wrote"
    elif table == "pain_checkins":
        if key != day:
            return "a check-in it names is not the one of its day"
    elif before is not None and key != key_of(table, before):
        return f"a {table} record it names is not the one it would put back"
    if (
        table in LOG_TABLES
        and before is not None
        and table != "pain_checkins"
        and not isinstance(key, str)
    ):
        return f"a {table} record it names has no id"
    return None


def _entry_problem(doc: Any) -> str | None:
    if not isinstance(doc, dict):
        return "expected a JSON object"
    for key in ("change", "action", "summary"):
        if not isinstance(doc.get(key), str):
            return f"its {key} is not text"
    ops = doc.get("ops")
    if not isinstance(ops, list):
        return "its operations are not a list"
    for op in ops:
        if not isinstance(op, dict) or op.get("table") not in (*KEY_FIELD, *WHOLE_TABLES):
            return "an operation names no table backcare keeps"
        if "whole" in op:
            if not isinstance(op["whole"], dict):
                return "a whole table is not an object"
            continue
        before, after = op.get("before"), op.get("after")
        if before is not None and (
            not isinstance(before, dict)
            or KEY_FIELD[op["table"]] not in before
            or (op["table"] in LOG_TABLES and "date" not in before)
        ):
            return "a value before is not a record"
        if after is not None and (not isinstance(after, dict) or "key" not in after):
            return "a value after names no record"
    undo_lines = doc.get("undo_audit")
    if undo_lines is not None and not isinstance(undo_lines, list):
        return "its audit lines are not a list"
    return None
