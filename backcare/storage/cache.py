"""Copies in the data folder that only save time: the validated exercise library, the log in
a compact form, and each month's check-ins that reported a symptom.

A cache is checked, never trusted (issue 17):
- Each entry carries a keyed checksum (BLAKE2b, with a random key kept in ``cache/key``)
  over the entry and the identity of the file it stands for (size, modification and change
  times, inode). A flipped byte, a write a power cut cut short, or a cache copied from
  another folder fails the check.
- The format is lines of text and JSON, read with a size limit: no length field that one
  damaged byte can turn into gigabytes (the trouble with ``marshal``, which the history
  cache used before).
- An entry that fails is dropped and made again from its file, silently; the entries that
  pass are used. ``doctor`` reports a cache with failed entries, and ``--yes`` removes it.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from backcare.domain.models import Assessment, Dose, ExerciseLog, PainCheckin, Session, Visit
from backcare.storage import lock
from backcare.storage.files import (
    DIR_MODE,
    FILE_MODE,
    atomic_write_bytes,
    read_regular,
    write_temp,
)

CACHE_FORMAT = 2  # 1 was the marshal file
MAX_CACHE_BYTES = 256 * 1024 * 1024  # a century of daily history is a few MiB
KEY_BYTES = 32
DIGEST_BYTES = 16
# Files of earlier backcares that nothing reads any more.
LEGACY_FILES = ("history.marshal", "library.json")
# One month's records: sessions, pain check-ins, assessments, visits.
MonthRecords = tuple[list[Session], list[PainCheckin], list[Assessment], list[Visit]]


def file_key(path: Path | str) -> str | None:
    """What must match for a cached month to stand for its file; None for anything that is
    not a plain file (a link is refused by the normal read). The change time cannot be set
    back by hand, so a file edited and given its old modification time still differs."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    return key_of(st)


def key_of(st: os.stat_result) -> str | None:
    """:func:`file_key` from a file's ``lstat``, already taken."""
    if not stat.S_ISREG(st.st_mode):
        return None
    return f"{st.st_size}-{st.st_mtime_ns}-{st.st_ctime_ns}-{st.st_ino}"


# --- the checked file format ----------------------------------------------------------------


class Entry(NamedTuple):
    key: str  # the identity of what the entry was made from
    payload: bytes  # compact JSON, one line


def _secret(folder: Path, create: bool) -> bytes | None:
    """The cache's checksum key: made once per data folder, 0600."""
    path = folder / "key"
    try:
        raw = read_regular(path, KEY_BYTES)
    except (OSError, ValueError):
        raw = None
    if raw is not None and len(raw) == KEY_BYTES:
        return raw
    if not create:
        return None
    secret = os.urandom(KEY_BYTES)
    try:
        if raw is not None:  # a damaged key: every entry made with it fails anyway
            os.unlink(path)
        tmp = write_temp(path, secret, FILE_MODE, durable=False)
        try:
            os.link(tmp, path)  # the first process to make one wins; the others read it
        finally:
            os.unlink(tmp)
    except FileExistsError:
        return _secret(folder, create=False)
    except OSError:
        return None
    return secret


def _blake2b() -> Any:
    """BLAKE2b from CPython's own module: hashlib would load OpenSSL first, which costs every
    command that reads a cache a couple of milliseconds (issue 7)."""
    try:
        from _blake2 import blake2b
    except ImportError:  # another Python
        from hashlib import blake2b
    return blake2b


def digest(raw: bytes) -> str:
    """The unkeyed BLAKE2b of ``raw``, in hex: the identity of some bytes (a month file's
    contents, the library files' identities)."""
    return str(_blake2b()(raw, digest_size=DIGEST_BYTES).hexdigest())


def _digest(secret: bytes, kind: str, name: str, entry: Entry) -> str:
    h = _blake2b()(key=secret, digest_size=DIGEST_BYTES)
    h.update(f"{kind}\0{name}\0{entry.key}\0".encode())
    h.update(entry.payload)
    return h.hexdigest()


def _header(kind: str) -> bytes:
    return f"backcare-cache {kind} {CACHE_FORMAT}\n".encode()


class CacheFile(NamedTuple):
    """A cache file's entries that passed their checks, and how many failed."""

    entries: dict[str, Entry]
    failed: int = 0
    readable: bool = True  # False: missing, of another format, or past the size limit


def read_cache(path: Path, kind: str) -> CacheFile:
    """The entries of a cache file whose checksums hold."""
    try:
        raw = read_regular(path, MAX_CACHE_BYTES)
    except (OSError, ValueError):
        raw = None
    header = _header(kind)
    if raw is None or not raw.startswith(header):
        return CacheFile({}, 0, False)
    secret = _secret(path.parent, create=False)
    entries: dict[str, Entry] = {}
    failed = 0
    for line in raw[len(header) :].split(b"\n"):
        if not line:
            continue
        parts = line.split(b" ", 3)
        try:
            digest, name, key = (p.decode("ascii") for p in parts[:3])
            entry = Entry(key, parts[3])
        except (ValueError, IndexError):
            failed += 1
            continue
        if secret is None or digest != _digest(secret, kind, name, entry):
            failed += 1
            continue
        entries[name] = entry
    return CacheFile(entries, failed)


def write_cache(path: Path, kind: str, entries: dict[str, Entry], lock_path: Path) -> None:
    """Write a cache file, if the data folder's lock is free: a writer holding it may be
    clearing temp files, and a cache only ever saves time."""
    try:
        path.parent.mkdir(mode=DIR_MODE, exist_ok=True)
        with lock.try_exclusive(lock_path) as got:
            if not got:
                return
            secret = _secret(path.parent, create=True)
            if secret is None:
                return
            lines = [_header(kind)]
            for name, entry in sorted(entries.items()):
                lines.append(
                    f"{_digest(secret, kind, name, entry)} {name} {entry.key} ".encode("ascii")
                    + entry.payload
                    + b"\n"
                )
            atomic_write_bytes(path, b"".join(lines), durable=False)
            for legacy in LEGACY_FILES:
                with contextlib.suppress(OSError):
                    os.unlink(path.parent / legacy)
    except (OSError, ValueError, UnicodeError):
        pass  # a cache that cannot be written only costs time


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode(
        "utf-8"
    )


def loads(payload: bytes) -> Any:
    """A payload, or None when it does not parse (a checked entry always does)."""
    try:
        return json.loads(payload)
    except (ValueError, RecursionError):
        return None


# --- the log's records ----------------------------------------------------------------------


class RecordBuilder:
    """Builds the log's records from what is stored, sharing the ones that repeat.

    Years of history repeat a handful of exercise records (an exercise, a status, a dose and
    a pain answer): one shared object per distinct record makes ten years load as a few
    hundred of them, not tens of thousands (issue 7). Records are immutable, so sharing is
    safe. Used by both ways of reading a month: the JSON file and the cache.

    ``renamed`` gives the exercises' former ids and their current ones (Library.aliases,
    issue 27): a log made under an old id reads as the exercise's current id. It is asked
    for at the first exercise record, so that reading only check-ins needs no library."""

    def __init__(self, renamed: Callable[[], Mapping[str, str]] | None = None) -> None:
        self._doses: dict[tuple[Any, ...], Dose] = {}
        self._logs: dict[tuple[Any, ...], ExerciseLog] = {}
        self._renamed_by = renamed
        self._renamed: Mapping[str, str] | None = None

    def dose(self, key: tuple[Any, ...]) -> Dose:
        dose = self._doses.get(key)
        if dose is None:
            dose = self._doses[key] = Dose(*key)
        return dose

    def log(self, key: tuple[Any, ...]) -> ExerciseLog:
        """From (exercise_id, status, sets, reps, hold_seconds, duration_minutes, pain,
        extra)."""
        log = self._logs.get(key)
        if log is None:
            exercise_id, status, sets, reps, hold, minutes, pain, extra = key
            if self._renamed is None:
                self._renamed = self._renamed_by() if self._renamed_by else {}
            exercise_id = self._renamed.get(exercise_id, exercise_id)
            log = self._logs[key] = ExerciseLog(
                exercise_id, status, self.dose((sets, reps, hold, minutes)), pain, bool(extra)
            )
        return log

    def log_from_dict(self, d: dict[str, Any]) -> ExerciseLog:
        return self.log(
            (
                d["exercise_id"],
                d["status"],
                d.get("sets"),
                d.get("reps"),
                d.get("hold_seconds"),
                d.get("duration_minutes"),
                d.get("pain"),
                bool(d.get("extra", False)),
            )
        )

    def session_from_dict(self, d: dict[str, Any]) -> Session:
        return Session(
            d["id"],
            date.fromisoformat(d["date"]),
            tuple([self.log_from_dict(e) for e in d["exercises"]]),
            d.get("pain_before"),
            d.get("pain_after"),
            d.get("note"),
        )

    def month_from_tables(self, tables: dict[str, Any]) -> MonthRecords:
        return (
            [self.session_from_dict(d) for d in tables.get("sessions", {}).values()],
            [PainCheckin.from_dict(d) for d in tables.get("pain_checkins", {}).values()],
            [Assessment.from_dict(d) for d in tables.get("assessments", {}).values()],
            [Visit.from_dict(d) for d in tables.get("visits", {}).values()],
        )

    def month_from_raw(self, raw: Any) -> MonthRecords | None:
        """The records of a cached month, or None if the entry is not what we wrote.

        Built with ``tuple.__new__``: a ten-year report makes 7,000 of these, and the
        NamedTuple constructor calls would be most of its time (issue 7)."""
        try:
            logs_raw, sessions_raw, checkins_raw, assessments_raw, visits_raw = raw
            day = date.fromordinal
            new = tuple.__new__
            log = self.log
            logs = [log(tuple(t)) for t in logs_raw]
            return (
                [
                    new(Session, (i, day(d), tuple([logs[n] for n in refs]), pb, pa, note))
                    for i, d, pb, pa, note, refs in sessions_raw
                ],
                checkins_from_raw(checkins_raw),
                [
                    Assessment(i, day(d), inst, answers, score, band)
                    for i, d, inst, answers, score, band in assessments_raw
                ],
                [Visit(i, day(d), kind, note) for i, d, kind, note in visits_raw],
            )
        except (TypeError, ValueError, OverflowError, IndexError):
            return None


def checkins_to_raw(checkins: Iterable[PainCheckin]) -> list[Any]:
    return [[c.date.toordinal(), c.score, c.note, list(c.symptoms), c.flare] for c in checkins]


def checkins_from_raw(raw: Any) -> list[PainCheckin]:
    """Raises TypeError, ValueError or OverflowError when ``raw`` is not what we wrote."""
    new = tuple.__new__
    day = date.fromordinal
    return [
        new(PainCheckin, (day(d), score, note, tuple(symptoms), flare))
        for d, score, note, symptoms, flare in raw
    ]


def month_to_raw(month: MonthRecords) -> list[Any]:
    """A month as plain JSON values: the distinct exercise records once, and each session
    pointing at them by number (a third of the size, and quicker to read)."""
    sessions, checkins, assessments, visits = month
    table: list[list[Any]] = []
    numbers: dict[ExerciseLog, int] = {}

    def number(e: ExerciseLog) -> int:
        n = numbers.get(e)
        if n is None:
            n = numbers[e] = len(table)
            table.append([e.exercise_id, e.status, *e.dose, e.pain, e.extra])
        return n

    return [
        table,  # filled while the sessions below are listed
        [
            [
                s.id,
                s.date.toordinal(),
                s.pain_before,
                s.pain_after,
                s.note,
                [number(e) for e in s.exercises],
            ]
            for s in sessions
        ],
        checkins_to_raw(checkins),
        [[a.id, a.date.toordinal(), a.instrument, a.answers, a.score, a.band] for a in assessments],
        [[v.id, v.date.toordinal(), v.kind, v.note] for v in visits],
    ]


# --- the exercise library -------------------------------------------------------------------

LIBRARY_ENTRY = "library"


def library_key(key: list[Any]) -> str:
    """The library files' identity (their paths, sizes and times) as one token."""
    return digest(dumps(key))


def read_library_cache(path: Path, key: list[Any]) -> list[dict[str, Any]] | None:
    """The cached library's exercises when the cache was made from the same files."""
    entry = read_cache(path, "library").entries.get(LIBRARY_ENTRY)
    if entry is None or entry.key != library_key(key):
        return None
    exercises = loads(entry.payload)
    return exercises if isinstance(exercises, list) else None


def write_library_cache(
    path: Path, key: list[Any], exercises: list[dict[str, Any]], lock_path: Path
) -> None:
    try:
        payload = dumps(exercises)
    except (TypeError, ValueError):
        return
    write_cache(path, "library", {LIBRARY_ENTRY: Entry(library_key(key), payload)}, lock_path)


# --- notices said once a day ----------------------------------------------------------------


def first_time_today(path: Path, what: str, day: date, lock_path: Path) -> bool:
    """True the first time ``what`` is asked about on ``day``, which is then recorded. A
    lost or damaged record only means the notice is said again."""
    current = read_cache(path, "notices").entries
    seen = current.get(what)
    if seen is not None and seen.key == day.isoformat():
        return False
    write_cache(path, "notices", {**current, what: Entry(day.isoformat(), b"1")}, lock_path)
    return True
