"""Copies in the data folder that only save time: the validated exercise library, and the
log in a compact form. A cache that is missing, stale or damaged is rebuilt, never trusted.
"""

from __future__ import annotations

import json
import os
import stat
from datetime import date
from pathlib import Path
from typing import Any

from backcare.domain.models import Assessment, Dose, ExerciseLog, PainCheckin, Session, Visit
from backcare.storage.files import DIR_MODE, atomic_write_bytes, atomic_write_text

HISTORY_CACHE_FORMAT = 1
# One month's records: sessions, pain check-ins, assessments, visits.
MonthRecords = tuple[list[Session], list[PainCheckin], list[Assessment], list[Visit]]


def file_key(path: Path) -> tuple[int, int, int] | None:
    """What must match for a cached month to stand for its file; None for anything that is
    not a plain file (a link is refused by the normal read)."""
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


class RecordBuilder:
    """Builds the log's records from what is stored, sharing the ones that repeat.

    Years of history repeat a handful of exercise records (an exercise, a status, a dose and
    a pain answer): one shared object per distinct record makes ten years load as a few
    hundred of them, not tens of thousands (issue 7). Records are immutable, so sharing is
    safe. Used by both ways of reading a month: the JSON file and the cache."""

    def __init__(self) -> None:
        self._doses: dict[tuple[Any, ...], Dose] = {}
        self._logs: dict[tuple[Any, ...], ExerciseLog] = {}

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
            log = self._logs[key] = ExerciseLog(exercise_id, status,
                                                self.dose((sets, reps, hold, minutes)), pain,
                                                bool(extra))
        return log

    def log_from_dict(self, d: dict[str, Any]) -> ExerciseLog:
        return self.log((d["exercise_id"], d["status"], d.get("sets"), d.get("reps"),
                         d.get("hold_seconds"), d.get("duration_minutes"), d.get("pain"),
                         bool(d.get("extra", False))))

    def session_from_dict(self, d: dict[str, Any]) -> Session:
        return Session(d["id"], date.fromisoformat(d["date"]),
                       tuple([self.log_from_dict(e) for e in d["exercises"]]),
                       d.get("pain_before"), d.get("pain_after"), d.get("note"))

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
            sessions_raw, checkins_raw, assessments_raw, visits_raw = raw
            day = date.fromordinal
            new = tuple.__new__
            logs_seen = self._logs
            log = self.log
            return (
                [new(Session, (i, day(d), tuple([logs_seen.get(t) or log(t) for t in logs]),
                               pb, pa, note))
                 for i, d, pb, pa, note, logs in sessions_raw],
                [new(PainCheckin, (day(d), score, note, tuple(symptoms), flare))
                 for d, score, note, symptoms, flare in checkins_raw],
                [Assessment(i, day(d), inst, answers, score, band)
                 for i, d, inst, answers, score, band in assessments_raw],
                [Visit(i, day(d), kind, note) for i, d, kind, note in visits_raw],
            )
        except (TypeError, ValueError, OverflowError):
            return None


def month_to_raw(month: MonthRecords) -> tuple[Any, ...]:
    sessions, checkins, assessments, visits = month
    return (
        tuple((s.id, s.date.toordinal(), s.pain_before, s.pain_after, s.note,
               tuple((e.exercise_id, e.status, *e.dose, e.pain, e.extra)
                     for e in s.exercises))
              for s in sessions),
        tuple((c.date.toordinal(), c.score, c.note, tuple(c.symptoms), c.flare)
              for c in checkins),
        tuple((a.id, a.date.toordinal(), a.instrument, a.answers, a.score, a.band)
              for a in assessments),
        tuple((v.id, v.date.toordinal(), v.kind, v.note) for v in visits),
    )


def read_history_cache(path: Path) -> dict[str, Any]:
    """The cached months, by file name; empty when there is no usable cache."""
    import marshal

    try:
        data = marshal.loads(path.read_bytes())
        if isinstance(data, dict) and data.get("format") == HISTORY_CACHE_FORMAT:
            return dict(data["months"])
    except (OSError, ValueError, EOFError, TypeError, KeyError):
        pass  # no cache, or a damaged one: it is only ever a copy
    return {}


def write_history_cache(path: Path, months: dict[str, Any]) -> None:
    import marshal

    doc = {"format": HISTORY_CACHE_FORMAT, "months": months}
    try:
        path.parent.mkdir(mode=DIR_MODE, exist_ok=True)
        atomic_write_bytes(path, marshal.dumps(doc))
    except (OSError, ValueError):
        pass  # a cache that cannot be written only costs time


def read_library_cache(path: Path, key: list[Any]) -> list[dict[str, Any]] | None:
    """The cached library's exercises when the cache was made from the same files."""
    try:
        with open(path, encoding="utf-8") as fh:
            cached = json.load(fh)
        if cached.get("key") == key:
            exercises = cached["exercises"]
            if isinstance(exercises, list):
                return exercises
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # no cache, or a stale or damaged one: parse again
    return None


def write_library_cache(path: Path, key: list[Any], exercises: list[dict[str, Any]]) -> None:
    try:
        path.parent.mkdir(mode=DIR_MODE, exist_ok=True)
        atomic_write_text(path, json.dumps({"key": key, "exercises": exercises}))
    except OSError:
        pass  # a cache that cannot be written only costs time
