"""Each month of the log, summarised: what a report needs of the months before its window
(issue 25), so that `progress` reads the weeks it shows and a few bytes for every month
before them, not the years.

The summaries are kept beside the month files, one file a year (``log/2026.summary``), each
month's entry holding:
- the identity of the month file as it was written (size, times, inode) and a hash of its
  bytes: what the entry is checked against;
- the days with an exercise done or partly done, as a bit mask;
- the month's first day with anything recorded;
- its first check-in, its last two, and every one that reported a symptom (the baseline,
  the run-up to the report and the red-flag rules need no others);
- its questionnaires, whole (a handful a month).

A year's file also holds what a report needs of the whole year, made from its months'
entries when the file is written (:class:`Rollup`), and the identity of each month as a
short list read apart from the entries: a report whose window starts after the year checks
the year's months against that list and reads the year's few figures, not its twelve
entries (a century is 100 of these, not 1,200 entries to decode: issue 25). The rollup keeps
of the year's questionnaires the first and the last two of each instrument (every PSFS: a
goal follows one activity's ratings), and the number of each: all that a report's figures
need of them before its window.

They are never a cache that can disagree silently:
- a change writes them with its months, in the same step, before it is confirmed
  (:mod:`journal`): rolled back, settled or undone, the months and their summaries go back
  together;
- every entry is checked against its month's identity before it is used; an entry that
  does not match (a month edited by hand, restored from a backup, or written by a change a
  crash cut short before its summary) is made again from the month, whole, and written back;
- ``doctor`` compares each month's bytes with its entry's hash, and reads the month whole
  only when they differ.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from backcare.storage import lock
from backcare.storage.cache import digest as digest_of
from backcare.storage.files import atomic_write_bytes, read_regular
from backcare.storage.paths import is_month, month_of

SUFFIX = ".summary"
FORMAT = "backcare-log-summary"
VERSION = 2  # 1: the months' entries alone (read, and written again as 2 when used)
MAX_SUMMARY_BYTES = 16 * 1024 * 1024  # a year's summary is a few kilobytes
DONE_STATUSES = ("done", "partial")
CHECKIN_FIELDS = ("date", "score", "note", "symptoms", "flare")
KEPT_WHOLE = ("psfs",)  # instruments whose every result a rollup keeps (goals follow them)


class MonthSummary(NamedTuple):
    """One month's entry. ``checkins`` and ``assessments`` are records as stored."""

    key: str  # the month file's identity when it was written (cache.file_key)
    digest: str  # a hash of its bytes
    exercised: int  # bit d set: something was done on day d
    first_day: int | None  # the month's first day with a session or a check-in
    checkins: tuple[dict[str, Any], ...]
    assessments: tuple[dict[str, Any], ...]

    def to_raw(self) -> list[Any]:
        return [
            self.key,
            self.digest,
            self.exercised,
            self.first_day,
            list(self.checkins),
            list(self.assessments),
        ]

    @classmethod
    def from_raw(cls, raw: Any) -> MonthSummary | None:
        """An entry as read, or None when it is not what we wrote."""
        try:
            key, digest, exercised, first_day, checkins, assessments = raw
        except (TypeError, ValueError):
            return None
        if not (
            isinstance(key, str)
            and isinstance(digest, str)
            and _is_mask(exercised)
            and (first_day is None or (type(first_day) is int and 1 <= first_day <= 31))
            and isinstance(checkins, list)
            and isinstance(assessments, list)
            and all(isinstance(d, dict) for d in (*checkins, *assessments))
        ):
            return None
        return cls(key, digest, exercised, first_day, tuple(checkins), tuple(assessments))

    def same_records(self, other: MonthSummary) -> bool:
        """The same figures, whatever the file's identity and bytes."""
        return self[2:] == other[2:]

    def rollup(self, month: str) -> Rollup:
        """This month's :class:`Rollup` (its records as the entry keeps them)."""
        counts: dict[str, int] = {}
        for a in self.assessments:
            instrument = str(a.get("instrument"))
            counts[instrument] = counts.get(instrument, 0) + 1
        return Rollup(
            {month: self.exercised},
            None if self.first_day is None else f"{month}-{self.first_day:02d}",
            list(self.checkins),
            list(self.assessments),
            counts,
        )


def summarise(tables: Mapping[str, Any], key: str, digest: str) -> MonthSummary:
    """A month's entry from its tables (as stored, already checked)."""
    exercised = 0
    days: list[int] = []
    for doc in (tables.get("sessions") or {}).values():
        day = int(doc["date"][8:10])
        days.append(day)
        if any(e.get("status") in DONE_STATUSES for e in doc.get("exercises") or ()):
            exercised |= 1 << day
    checkins = sorted(
        (doc for doc in (tables.get("pain_checkins") or {}).values()), key=lambda doc: doc["date"]
    )
    days += [int(doc["date"][8:10]) for doc in checkins]
    kept = [
        c for n, c in enumerate(checkins) if n == 0 or n >= len(checkins) - 2 or c.get("symptoms")
    ]
    assessments = sorted(
        (doc for doc in (tables.get("assessments") or {}).values()),
        key=lambda doc: (doc["date"], doc["id"]),
    )
    return MonthSummary(
        key,
        digest,
        exercised,
        min(days, default=None),
        tuple({f: c.get(f) for f in CHECKIN_FIELDS} for c in kept),
        tuple(assessments),
    )


def is_summary_file(name: str) -> bool:
    return name.endswith(SUFFIX) and len(name) == 4 + len(SUFFIX) and name[:4].isdigit()


def read_year(path: Path) -> dict[str, MonthSummary]:
    """A year's entries that can be read, month (YYYY-MM) → entry; {} when there is no
    file, or it is not one we wrote whole (its months are then summarised again)."""
    year = read_year_file(path)
    return (year.months() if year is not None else None) or {}


class Rollup(NamedTuple):
    """What a report needs of some months (:meth:`MonthSummary.rollup`, :func:`combine`):
    their exercise days, their first day with a record, the check-ins kept by the rule of
    the entries (the first, the last two, every one with a symptom), and of the
    questionnaires the first and last two of each instrument (all of :data:`KEPT_WHOLE`),
    with how many there are of each. Records as stored."""

    exercised: dict[str, int]  # month (YYYY-MM) → bit mask of exercise days
    first: str | None  # the first day with a session or a check-in (YYYY-MM-DD)
    checkins: list[dict[str, Any]]
    assessments: list[dict[str, Any]]
    counts: dict[str, int]  # instrument → how many results, kept or not

    @classmethod
    def from_raw(cls, raw: Any) -> Rollup | None:
        try:
            exercised, first, checkins, assessments, counts = raw
        except (TypeError, ValueError):
            return None
        if not (
            isinstance(exercised, dict)
            and isinstance(counts, dict)
            and all(is_month(m) and _is_mask(v) for m, v in exercised.items())
            and all(type(n) is int and n >= 0 for n in counts.values())
            and (first is None or isinstance(first, str))
            and isinstance(checkins, list)
            and isinstance(assessments, list)
            and all(isinstance(d, dict) for d in (*checkins, *assessments))
        ):
            return None
        return cls(exercised, first, checkins, assessments, counts)


def _is_mask(value: Any) -> bool:
    """A month's exercise days as written: bit N for day N, days 1 to 31."""
    return type(value) is int and 0 <= value < 1 << 32


def kept_checkins(checkins: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Of check-ins in date order, the first, the last two and every one with a symptom:
    the baseline, the run-up to a window, the red-flag rules. Kept again from a union of
    kept lists, it gives what it gives from all of them."""
    last = len(checkins) - 2
    return [c for n, c in enumerate(checkins) if n == 0 or n >= last or c.get("symptoms")]


def kept_assessments(assessments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Of questionnaires in (date, id) order, the first and last two of each instrument
    (every one of :data:`KEPT_WHOLE`): a measure's baseline, and the results a window's
    rules compare with its own. Like :func:`kept_checkins`, it may be applied again."""
    by_instrument: dict[Any, list[int]] = {}
    for n, a in enumerate(assessments):
        by_instrument.setdefault(a.get("instrument"), []).append(n)
    keep = {
        n
        for instrument, ns in by_instrument.items()
        for n in (ns if instrument in KEPT_WHOLE else {ns[0], *ns[-2:]})
    }
    return [a for n, a in enumerate(assessments) if n in keep]


def combine(parts: Iterable[Rollup]) -> Rollup:
    """The rollup of consecutive months from theirs, in order."""
    exercised: dict[str, int] = {}
    firsts: list[str] = []
    checkins: list[dict[str, Any]] = []
    assessments: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for part in parts:
        exercised.update(part.exercised)
        if part.first is not None:
            firsts.append(part.first)
        checkins += part.checkins
        assessments += part.assessments
        for instrument, n in part.counts.items():
            counts[instrument] = counts.get(instrument, 0) + n
    assessments.sort(key=lambda a: (str(a.get("date")), str(a.get("id"))))
    return Rollup(
        exercised,
        min(firsts, default=None),
        kept_checkins(checkins),
        kept_assessments(assessments),
        counts,
    )


class YearFile(NamedTuple):
    """A year's file, its first lines' hash checked: each month's identity and the year's
    rollup (None in a file of version 1), and its entries, decoded (and their own hash
    checked) only when asked for."""

    keys: dict[str, str] | None
    rollup: Rollup | None
    body: bytes
    body_digest: str

    def months(self) -> dict[str, MonthSummary] | None:
        if digest_of(self.body) != self.body_digest:
            return None
        try:
            doc = json.loads(self.body)
        except (ValueError, RecursionError):
            return None
        if not isinstance(doc, dict):
            return None
        out = {}
        for month, entry in doc.items():
            summary = MonthSummary.from_raw(entry)
            if summary is None:
                return None
            out[month] = summary
        return out


def read_year_file(path: Path) -> YearFile | None:
    try:
        raw = read_regular(path, MAX_SUMMARY_BYTES)
    except (OSError, ValueError):
        return None
    return split_year(raw)


def split_year(raw: bytes | None) -> YearFile | None:
    """A year's file; None when it is not one we wrote whole: a first line naming the
    format and its version, then (version 2) the hash of the second line and of the rest;
    the second line the months' identities and the rollup, as JSON; the rest the months'
    entries, as JSON. (Version 1: one hash, of the entries, which follow the first line.)
    A report that reads the rollup hashes its line alone."""
    if raw is None:
        return None
    head, _, rest = raw.partition(b"\n")
    try:
        name, version, *digests = head.decode("ascii").split(" ")
    except ValueError:
        return None
    if name != FORMAT:
        return None
    if version == "1" and len(digests) == 1:
        return YearFile(None, None, rest, digests[0])
    if version != str(VERSION) or len(digests) != 2:
        return None
    index, _, body = rest.partition(b"\n")
    if digest_of(index) != digests[0]:
        return None
    try:
        keys, rollup = json.loads(index)
    except (ValueError, TypeError, RecursionError):
        return None
    if not (isinstance(keys, dict) and all(isinstance(k, str) for k in keys.values())):
        return None
    rolled = Rollup.from_raw(rollup)
    return None if rolled is None else YearFile(keys, rolled, body, digests[1])


def encode_year(months: Mapping[str, MonthSummary]) -> bytes:
    order = sorted(months)
    rollup = combine(months[m].rollup(m) for m in order)
    index = json.dumps(
        [{m: months[m].key for m in order}, list(rollup)],
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
    ).encode("utf-8")
    body = json.dumps(
        {m: months[m].to_raw() for m in order},
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
    ).encode("utf-8")
    return (
        f"{FORMAT} {VERSION} {digest_of(index)} {digest_of(body)}\n".encode("ascii")
        + index
        + b"\n"
        + body
    )


class Written(NamedTuple):
    """A month a change writes: its path, its tables and its bytes."""

    path: Path
    tables: Mapping[str, Any]
    raw: bytes


def year_bytes(log_dir: Path, year: str, written: Iterable[Written], key_of: Any) -> bytes:
    """A year's summary file once the months of a change are written: their new entries
    (their identity read now, after the write), and the year's other entries as they
    were."""
    months = read_year(log_dir / f"{year}{SUFFIX}")
    for w in written:
        key = key_of(w.path)
        if key is None:
            months.pop(month_of(w.path), None)
            continue
        months[month_of(w.path)] = summarise(w.tables, key, digest_of(w.raw))
    live = _live_months(log_dir, year)
    return encode_year({m: s for m, s in months.items() if m in live})


def _live_months(log_dir: Path, year: str) -> set[str]:
    try:
        names = os.listdir(log_dir)
    except OSError:
        return set()
    return {
        n[:7]
        for n in names
        if n.startswith(f"{year}-") and n.endswith(".json") and len(n) == len("2026-11.json")
    }


def write_back(log_dir: Path, fresh: Mapping[str, MonthSummary], lock_path: Path) -> None:
    """Put entries made again from their months (after a hand edit, a restore, a change a
    crash cut short) into their years' files, when the data folder's lock is free: a writer
    holding it writes the summaries of what it changes itself."""
    with contextlib.suppress(OSError), lock.try_exclusive(lock_path) as got:
        if got:
            put(log_dir, fresh)


def put(log_dir: Path, fresh: Mapping[str, MonthSummary]) -> None:
    """Write entries into their years' files (the lock is held). Only an entry whose month
    still has the identity it was made from is written."""
    from backcare.storage.cache import file_key

    by_year: dict[str, dict[str, MonthSummary]] = {}
    for month, entry in fresh.items():
        by_year.setdefault(month[:4], {})[month] = entry
    for year, entries in by_year.items():
        path = log_dir / f"{year}{SUFFIX}"
        months = read_year(path)
        changed = False
        for month, entry in entries.items():
            if file_key(log_dir / f"{month}.json") == entry.key:
                months[month] = entry
                changed = True
        if changed:
            atomic_write_bytes(path, encode_year(months))
