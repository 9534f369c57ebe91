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
from backcare.storage.files import atomic_write_bytes, read_regular

SUFFIX = ".summary"
FORMAT = "backcare-log-summary"
VERSION = 1
MAX_SUMMARY_BYTES = 16 * 1024 * 1024  # a year's summary is a few kilobytes
DONE_STATUSES = ("done", "partial")
CHECKIN_FIELDS = ("date", "score", "note", "symptoms", "flare")


class MonthSummary(NamedTuple):
    """One month's entry. ``checkins`` and ``assessments`` are records as stored."""

    key: str  # the month file's identity when it was written (cache.file_key)
    digest: str  # a hash of its bytes
    exercised: int  # bit d set: something was done on day d
    first_day: int | None  # the month's first day with a session or a check-in
    checkins: tuple[dict[str, Any], ...]
    assessments: tuple[dict[str, Any], ...]

    def to_raw(self) -> list[Any]:
        return [self.key, self.digest, self.exercised, self.first_day,
                list(self.checkins), list(self.assessments)]

    @classmethod
    def from_raw(cls, raw: Any) -> MonthSummary | None:
        """An entry as read, or None when it is not what we wrote."""
        try:
            key, digest, exercised, first_day, checkins, assessments = raw
        except (TypeError, ValueError):
            return None
        if not (isinstance(key, str) and isinstance(digest, str)
                and isinstance(exercised, int) and not isinstance(exercised, bool)
                and (first_day is None or isinstance(first_day, int))
                and isinstance(checkins, list) and isinstance(assessments, list)
                and all(isinstance(d, dict) for d in (*checkins, *assessments))):
            return None
        return cls(key, digest, exercised, first_day, tuple(checkins), tuple(assessments))

    def same_records(self, other: MonthSummary) -> bool:
        """The same figures, whatever the file's identity and bytes."""
        return self[2:] == other[2:]


def digest_of(raw: bytes) -> str:
    """BLAKE2b from CPython's own module, as the caches do (hashlib loads OpenSSL)."""
    try:
        from _blake2 import blake2b
    except ImportError:  # another Python
        from hashlib import blake2b
    return blake2b(raw, digest_size=16).hexdigest()


def summarise(tables: Mapping[str, Any], key: str, digest: str) -> MonthSummary:
    """A month's entry from its tables (as stored, already checked)."""
    exercised = 0
    days: list[int] = []
    for doc in (tables.get("sessions") or {}).values():
        day = int(doc["date"][8:10])
        days.append(day)
        if any(e.get("status") in DONE_STATUSES for e in doc.get("exercises") or ()):
            exercised |= 1 << day
    checkins = sorted((doc for doc in (tables.get("pain_checkins") or {}).values()),
                      key=lambda doc: doc["date"])
    days += [int(doc["date"][8:10]) for doc in checkins]
    kept = [c for n, c in enumerate(checkins)
            if n == 0 or n >= len(checkins) - 2 or c.get("symptoms")]
    assessments = sorted((doc for doc in (tables.get("assessments") or {}).values()),
                         key=lambda doc: (doc["date"], doc["id"]))
    return MonthSummary(key, digest, exercised, min(days, default=None),
                        tuple({f: c.get(f) for f in CHECKIN_FIELDS} for c in kept),
                        tuple(assessments))


def is_summary_file(name: str) -> bool:
    return name.endswith(SUFFIX) and len(name) == 4 + len(SUFFIX) and name[:4].isdigit()


def read_year(path: Path) -> dict[str, MonthSummary]:
    """A year's entries that can be read, month (YYYY-MM) → entry; {} when there is no
    file, or it is not one we wrote whole (its months are then summarised again)."""
    try:
        raw = read_regular(path, MAX_SUMMARY_BYTES)
    except (OSError, ValueError):
        return {}
    return parse_year(raw) or {}


def parse_year(raw: bytes | None) -> dict[str, MonthSummary] | None:
    """The entries of a year's file; None when it is not one we wrote whole: a first line
    naming the format and the hash of the second, then the months as JSON."""
    if raw is None:
        return None
    head, _, body = raw.partition(b"\n")
    try:
        name, version, digest = head.decode("ascii").split(" ")
        doc = json.loads(body) if digest == digest_of(body) else None
    except (ValueError, RecursionError):
        return None
    if name != FORMAT or version != str(VERSION) or not isinstance(doc, dict):
        return None
    out = {}
    for month, entry in doc.items():
        summary = MonthSummary.from_raw(entry)
        if summary is None:
            return None
        out[month] = summary
    return out


def encode_year(months: Mapping[str, MonthSummary]) -> bytes:
    body = json.dumps({m: months[m].to_raw() for m in sorted(months)}, ensure_ascii=False,
                      separators=(",", ":"), allow_nan=False).encode("utf-8")
    return f"{FORMAT} {VERSION} {digest_of(body)}\n".encode("ascii") + body


def month_of(path: Path) -> str:
    return path.name[:7]


class Written(NamedTuple):
    """A month a change writes: its path, its tables and its bytes."""

    path: Path
    tables: Mapping[str, Any]
    raw: bytes


def year_bytes(log_dir: Path, year: str, written: Iterable[Written],
               key_of: Any) -> bytes:
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
    return {n[:7] for n in names if n.startswith(f"{year}-") and n.endswith(".json")
            and len(n) == len("2026-11.json")}


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
