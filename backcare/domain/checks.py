"""The checks every record passes, wherever it comes from: a file people write (the exercise
library, a prescription, the settings), an import, and the data folder's own files.

A :class:`Checker` checks the values of one record (an exercise, a prescribed item, an
imported session) and collects every problem under the record's name, with its line when
the file has lines (YAML), so that a file gets all its messages at once.

The log's records and the main file's parts are checked by the same functions when they are
imported and when they are read back from the data folder: a month file that is valid JSON
but holds a record no command could have written (``2026-02-30``, a score of NaN or
"five") is damaged, named, and never written over (issue 17).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any, NamedTuple

from backcare.domain.clinical import PAIN_MAX, PAIN_MIN
from backcare.domain.models import (
    AGE_BANDS,
    EQUIPMENT,
    LEGACY_EQUIPMENT,
    LOGGED_VISIT_KINDS,
    POSITIONS,
    PREGNANCY_WEEK_RANGE,
    STATUSES,
    SYMPTOMS,
    WEEKDAYS,
)
from backcare.domain.safety import BOTH_LEGS
from backcare.domain.suggest import did_you_mean
from backcare.domain.text import NOTE_MAX_CHARS, NOTE_MAX_LINES, kind_of, show, unsafe_char
from backcare.domain.words import plural
from backcare.errors import BackcareError, ProblemList

# Dates backcare accepts (CONTRACT.md): wide enough for any real diary, narrow enough that
# arithmetic on them never leaves the calendar.
EARLIEST = date(1900, 1, 1)
LATEST = date(2999, 12, 31)
_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_iso_day(text: object) -> bool:
    """``YYYY-MM-DD`` naming a real day (no week dates, no times)."""
    if not isinstance(text, str) or not _ISO_DAY.fullmatch(text):
        return False
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def in_range(day: date) -> bool:
    return EARLIEST <= day <= LATEST


class Checker:
    """Checks one record's values. ``entry`` is the record as read (a YAML mapping knows
    the line of each key); ``yaml`` chooses YAML's words ("empty", "a mapping") over
    JSON's ("null", "an object")."""

    def __init__(
        self,
        problems: ProblemList,
        file: str | None,
        record: str | None,
        entry: Any = None,
        *,
        yaml: bool = False,
    ) -> None:
        self.p, self.file, self.record, self.entry, self.yaml = (
            problems,
            file,
            record,
            entry,
            yaml,
        )

    def add(self, message: str, key: str | None = None, line: int | None = None) -> None:
        if line is None and self.entry is not None:
            line_of = getattr(self.entry, "line_of", None)
            line = line_of(key) if key and line_of else getattr(self.entry, "line", None)
        self.p.add(message, file=self.file, line=line, record=self.record)

    def kind(self, value: Any) -> str:
        return kind_of(value, yaml=self.yaml)

    def _ambiguous(self, key: str, value: Any, fix: str, line: int | None) -> bool:
        yaml11 = getattr(value, "yaml11_value", None)
        if yaml11 is None:
            return False
        self.add(f"{key} is {str(value)!r}, which YAML 1.1 reads as {yaml11}; {fix}", key, line)
        return True

    def required(self, d: Any, keys: Iterable[str]) -> bool:
        missing = [k for k in keys if k not in d]
        for key in missing:
            self.add(f"{key} is missing" if not self.yaml else f"missing required field '{key}'")
        return not missing

    def unknown(
        self, d: Any, known: tuple[str, ...], what: str = "field", hint: str | None = None
    ) -> bool:
        """Name every key of ``d`` not in ``known`` (at its own line when ``d`` is a mapping
        read from YAML); ``hint`` replaces the did-you-mean. True when there was none."""
        line_of = getattr(d, "line_of", None)
        clean = True
        for key in d:
            if key not in known:
                said = hint if hint is not None else did_you_mean(str(key), known)
                line = line_of(key) if line_of is not None and d is not self.entry else None
                self.add(f"unknown {what} '{key}'{said}", key, line)
                clean = False
        return clean

    def text(
        self,
        key: str,
        value: Any,
        *,
        optional: bool = False,
        empty_ok: bool = False,
        max_chars: int | None = None,
        multiline: bool = False,
        max_lines: int | None = None,
        controls_ok: bool = False,
        line: int | None = None,
    ) -> str | None:
        """Text with no control characters, trimmed; None (with a problem) if it is not.
        ``controls_ok`` lets control characters through, but never a lone surrogate."""
        if value is None and optional:
            return None
        if self._ambiguous(key, value, "put it in quotes", line):
            return None
        if not isinstance(value, str):
            self.add(f"{key} must be text, not {self.kind(value)}", key, line)
            return None
        if not value.strip() and not empty_ok:
            self.add(
                f"{key} must not be empty"
                if not self.yaml
                else f"{key} must be text, not {self.kind(value)}",
                key,
                line,
            )
            return None
        bad = unsafe_char(value, multiline=multiline)
        if bad is not None and controls_ok and not "\ud800" <= bad <= "\udfff":
            bad = next((ch for ch in value if "\ud800" <= ch <= "\udfff"), None)
        if bad is not None:
            # A lone surrogate cannot be written as UTF-8: it must be refused here, before
            # anything is written, not fail half-way through the writes (issue 17).
            what = (
                "a character that is not valid Unicode (a lone surrogate)"
                if "\ud800" <= bad <= "\udfff"
                else "control characters"
            )
            self.add(f"{key} contains {what}; only plain text is allowed", key, line)
            return None
        if max_chars is not None and len(value) > max_chars:
            self.add(
                f"{key} is {len(value)} characters long; at most {max_chars} allowed", key, line
            )
            return None
        if max_lines is not None and value.count("\n") >= max_lines:
            self.add(
                f"{key} has {value.count(chr(10)) + 1} lines; at most {max_lines} allowed",
                key,
                line,
            )
            return None
        return value if empty_ok else value.strip()

    def whole(
        self,
        key: str,
        value: Any,
        low: int,
        high: int,
        *,
        optional: bool = False,
        line: int | None = None,
    ) -> int | None:
        if value is None and optional:
            return None
        if self._ambiguous(key, value, "write a whole number", line):
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(f"{key} must be a whole number, not {self.kind(value)}", key, line)
            return None
        if not low <= value <= high:
            self.add(f"{key} is {value}; it must be between {low} and {high}", key, line)
            return None
        return value

    def flag(self, key: str, value: Any, *, optional: bool = False) -> bool | None:
        if value is None and optional:
            return None
        if not isinstance(value, bool):
            self.add(f"{key} must be true or false, not {self.kind(value)}", key)
            return None
        return value

    def choice(
        self, key: str, value: Any, allowed: tuple[str, ...], *, line: int | None = None
    ) -> str | None:
        text = self.text(key, value, line=line)
        if text is None:
            return None
        if text not in allowed:
            self.add(
                f"{key} is {show(text)}; it must be one of: {', '.join(allowed)}"
                f"{did_you_mean(text, allowed)}",
                key,
                line,
            )
            return None
        return text

    def names(
        self,
        key: str,
        value: Any,
        allowed: tuple[str, ...] | None = None,
        *,
        min_items: int = 0,
        max_chars: int | None = None,
    ) -> tuple[str, ...] | None:
        """A list of names (from ``allowed`` when given)."""
        if not isinstance(value, list):
            self.add(f"{key} must be a list, not {self.kind(value)}", key)
            return None
        if len(value) < min_items:
            self.add(f"{key} needs at least {plural(min_items, 'item')}", key)
            return None
        out: list[str] = []
        line = getattr(value, "line", None)
        for i, item in enumerate(value):
            label = f"{key} item {i + 1}" if self.yaml else f"{key}[{i}]"
            got = (
                self.choice(label, item, allowed, line=line)
                if allowed
                else self.text(label, item, max_chars=max_chars, line=line)
            )
            if got is not None:
                out.append(got)
        return tuple(out) if len(out) == len(value) else None

    def day(
        self, key: str, value: Any, *, optional: bool = False, latest: date | None = None
    ) -> date | None:
        """A YYYY-MM-DD date from 1900 to 2999 (and not after ``latest`` when given)."""
        if value is None and optional:
            return None
        if not is_iso_day(value):
            self.add(f"{key} is {show(value)}; it must be a real date, YYYY-MM-DD", key)
            return None
        day = date.fromisoformat(value)
        if not EARLIEST <= day <= LATEST:
            self.add(
                f"{key} is {value}; backcare keeps dates from {EARLIEST.isoformat()} "
                f"to {LATEST.isoformat()}",
                key,
            )
            return None
        if latest is not None and day > latest:
            self.add(f"{key} is {value}, which is in the future", key)
            return None
        return day


# --- the records of the log and of the main file --------------------------------------------

MAX_ID_CHARS = 200
# Upper bounds that catch nonsense (a typo of 1000 sets), not clinical limits.
DOSE_LIMITS: dict[str, int] = {
    "sets": 100,
    "reps": 1000,
    "hold_seconds": 3600,
    "duration_minutes": 24 * 60,
}
MINUTES_PER_DAY_MAX = 24 * 60
# A check-in's symptoms: the named ones, and "both-legs" for nerve symptoms in both legs.
CHECKIN_SYMPTOMS: tuple[str, ...] = (*SYMPTOMS, BOTH_LEGS)
# What the data folder may hold: notes from before the command line capped them are still
# read, so a stored note is only bounded, never held to today's cap.
STORED_NOTE_MAX_CHARS = 100_000


class Limits(NamedTuple):
    """How strict the checks are. An import is held to the command line's own limits (no
    future dates, the note cap); the data folder's files to what its readers need. (A
    NamedTuple: a frozen dataclass would cost every command its start-up, issue 7.)"""

    latest: date | None = None  # the last day a record may be dated
    note_chars: int = NOTE_MAX_CHARS
    note_lines: int | None = NOTE_MAX_LINES
    note_controls: bool = False  # control characters allowed in a note


# The data folder's own files: whatever older backcares or other tools wrote in a note is
# read (the renderers and exporters make it safe to show); what cannot even be written back
# as UTF-8, a lone surrogate, is not.
STORED = Limits(None, STORED_NOTE_MAX_CHARS, None, note_controls=True)

Check = Callable[[Checker, dict[str, Any], Limits], None]


def _note(c: Checker, key: str, value: Any, limits: Limits) -> None:
    c.text(
        key,
        value,
        optional=True,
        empty_ok=True,
        multiline=True,
        max_chars=limits.note_chars,
        max_lines=limits.note_lines,
        controls_ok=limits.note_controls,
    )


def _pain(c: Checker, key: str, value: Any, *, optional: bool = True) -> None:
    c.whole(key, value, PAIN_MIN, PAIN_MAX, optional=optional)


def _ident(c: Checker, d: dict[str, Any], key: str = "id") -> None:
    if key in d:
        c.text(key, d[key], max_chars=MAX_ID_CHARS)


def _record_day(c: Checker, d: dict[str, Any], limits: Limits) -> None:
    if "date" in d:
        c.day("date", d["date"], latest=limits.latest)


def check_session(c: Checker, d: dict[str, Any], limits: Limits = STORED) -> None:
    c.required(d, ("id", "date", "exercises"))
    _ident(c, d)
    _record_day(c, d, limits)
    _pain(c, "pain_before", d.get("pain_before"))
    _pain(c, "pain_after", d.get("pain_after"))
    _note(c, "note", d.get("note"), limits)
    exercises = d.get("exercises", [])
    if not isinstance(exercises, list):
        c.add(f"exercises must be a list, not {c.kind(exercises)}")
        return
    for i, e in enumerate(exercises):
        if _plain_exercise(e):
            continue  # the usual case, accepted quickly; the checks below say what is wrong
        where = f"exercises[{i}]"
        if not isinstance(e, dict):
            c.add(f"{where} must be an object, not {c.kind(e)}")
            continue
        for key in ("exercise_id", "status"):
            if key not in e:
                c.add(f"{where}.{key} is missing")
        if "exercise_id" in e:
            # Ids need not be in this library: a physiotherapist's own exercises may not be.
            c.text(f"{where}.exercise_id", e["exercise_id"], max_chars=MAX_ID_CHARS)
        if "status" in e:
            c.choice(f"{where}.status", e["status"], STATUSES)
        for key, high in DOSE_LIMITS.items():
            c.whole(f"{where}.{key}", e.get(key), 0, high, optional=True)
        _pain(c, f"{where}.pain", e.get("pain"))
        c.flag(f"{where}.extra", e.get("extra"), optional=True)


def _plain_exercise(e: Any) -> bool:
    """An exercise record that the checks of :func:`check_session` would pass, seen at C
    speed: every record of a data file is checked as it is read, and a month holds hundreds
    of these. Anything less plain goes through the checks themselves, which say what is
    wrong; this only ever accepts what they accept."""
    if type(e) is not dict:
        return False
    ident, status = e.get("exercise_id"), e.get("status")
    if (
        type(ident) is not str
        or not 0 < len(ident) <= MAX_ID_CHARS
        or not ident.strip()
        or not ident.isprintable()
        or status not in STATUSES
    ):
        return False
    for key, high in DOSE_LIMITS.items():
        value = e.get(key)
        if value is not None and (type(value) is not int or not 0 <= value <= high):
            return False
    extra = e.get("extra")
    if extra is not None and type(extra) is not bool:
        return False
    pain = e.get("pain")
    return pain is None or (type(pain) is int and PAIN_MIN <= pain <= PAIN_MAX)


def check_checkin(c: Checker, d: dict[str, Any], limits: Limits = STORED) -> None:
    c.required(d, ("date", "score"))
    _record_day(c, d, limits)
    if "score" in d:
        _pain(c, "score", d["score"], optional=False)
    _note(c, "note", d.get("note"), limits)
    if d.get("symptoms") is not None:
        c.names("symptoms", d["symptoms"], CHECKIN_SYMPTOMS)
    c.flag("flare", d.get("flare"), optional=True)
    if "id" in d and isinstance(d.get("date"), str) and d["id"] != f"p-{d['date']}":
        c.add(f"id is {show(d['id'])}; a check-in's id is p-DATE, here 'p-{d['date']}'")


# A stored score is rounded to one decimal (scoring.round_score): one rounded elsewhere may
# differ by half a step.
SCORE_TOLERANCE = 0.05


def check_assessment(c: Checker, d: dict[str, Any], limits: Limits = STORED) -> None:
    from backcare.domain.instruments import INSTRUMENT_IDS, INSTRUMENTS
    from backcare.domain.scoring import answers_from_json

    c.required(d, ("id", "date", "instrument", "answers", "score"))
    _ident(c, d)
    _record_day(c, d, limits)
    instrument = d.get("instrument")
    if "instrument" in d:
        c.choice("instrument", instrument, INSTRUMENT_IDS)
    known = instrument if isinstance(instrument, str) and instrument in INSTRUMENTS else None
    if known and "answers" in d:
        try:
            answers_from_json(known, d["answers"])
        except BackcareError as exc:
            c.add(f"answers: {exc.message}")
    if "score" in d:
        score = d["score"]
        if (
            isinstance(score, bool)
            or not isinstance(score, (int, float))
            or not math.isfinite(score)
        ):
            c.add(f"score must be a number, not {c.kind(score)}")
        elif known:
            inst = INSTRUMENTS[known]
            if not inst.score_min <= score <= inst.score_max:
                c.add(
                    f"score is {score:g}; a {inst.short_name} score is "
                    f"{inst.score_min:g}–{inst.score_max:g}"
                )
    c.text("band", d.get("band"), optional=True, max_chars=MAX_ID_CHARS)


def scored(d: dict[str, Any]) -> tuple[float, str | None] | None:
    """The score and band an assessment's answers give, worked out again (None when its
    instrument or answers are not ones backcare knows: the checks above say so). Any number
    of ODI sections is scored here: a record is judged, not a new questionnaire."""
    from backcare.domain.instruments import INSTRUMENTS
    from backcare.domain.scoring import answers_from_json, score

    instrument = d.get("instrument")
    if not isinstance(instrument, str) or instrument not in INSTRUMENTS:
        return None
    try:
        result = score(
            instrument, answers_from_json(instrument, d.get("answers")), odi_min_sections=1
        )
    except BackcareError:
        return None
    return result.score, result.band


def check_score_agrees(c: Checker, d: dict[str, Any]) -> None:
    """An imported questionnaire's score and band are its answers' (issue 23): a document
    that says otherwise is refused, naming the record, rather than believed."""
    got = scored(d)
    stored = d.get("score")
    if got is None or isinstance(stored, bool) or not isinstance(stored, (int, float)):
        return
    from backcare.domain.instruments import INSTRUMENTS

    name = INSTRUMENTS[d["instrument"]].short_name
    value, band = got
    if abs(float(stored) - value) > SCORE_TOLERANCE:
        c.add(f"score is {stored:g}, but its answers give a {name} score of {value:g}")
    elif d.get("band") is not None and d.get("band") != band:
        given = f"band {d['band']!r}"
        c.add(
            f"{given} contradicts its answers, which give "
            f"{'no band' if band is None else repr(band)} ({name} score {value:g})"
        )


def check_visit(c: Checker, d: dict[str, Any], limits: Limits = STORED) -> None:
    c.required(d, ("id", "date", "kind"))
    _ident(c, d)
    _record_day(c, d, limits)
    if "kind" in d:
        c.choice("kind", d["kind"], LOGGED_VISIT_KINDS)
    _note(c, "note", d.get("note"), limits)


def _objects(c: Checker, key: str, value: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each object of a list field, with where it is ("exercises[2]"); a field that is not a
    list, or an entry that is not an object, is a problem (None: no such field)."""
    if value is None:
        return
    if not isinstance(value, list):
        c.add(f"{key} must be a list, not {c.kind(value)}")
        return
    for i, item in enumerate(value):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            c.add(f"{where} must be an object, not {c.kind(item)}")
            continue
        yield where, item


def check_profile(c: Checker, d: dict[str, Any], limits: Limits = STORED) -> None:
    c.required(d, ("start_date",))
    if "start_date" in d:
        c.day("start_date", d["start_date"])
    _pain(c, "baseline_pain", d.get("baseline_pain"))
    c.whole("minutes_per_day", d.get("minutes_per_day"), 1, MINUTES_PER_DAY_MAX, optional=True)
    c.whole("days_per_week", d.get("days_per_week"), 1, len(WEEKDAYS), optional=True)
    # An older record may name the legacy "bike"; the profile reads it as what it became.
    for key, allowed in (
        ("equipment", (*EQUIPMENT, *LEGACY_EQUIPMENT)),
        ("avoid_positions", POSITIONS),
        ("red_flags", None),
        ("conditions", None),
    ):
        if d.get(key) is not None:
            c.names(key, d[key], allowed, max_chars=MAX_ID_CHARS)
    c.flag("cleared_by_clinician", d.get("cleared_by_clinician"), optional=True)
    c.day("cleared_on", d.get("cleared_on"), optional=True)
    c.flag("assessed_by_clinician", d.get("assessed_by_clinician"), optional=True)
    c.day("created", d.get("created"), optional=True)
    c.day("updated", d.get("updated"), optional=True)
    c.text("patient_id", d.get("patient_id"), optional=True, max_chars=MAX_ID_CHARS)
    if d.get("age_band") is not None:
        c.choice("age_band", d["age_band"], AGE_BANDS)
    c.whole("pregnancy_week", d.get("pregnancy_week"), *PREGNANCY_WEEK_RANGE, optional=True)
    c.day("pregnancy_week_on", d.get("pregnancy_week_on"), optional=True)
    for where, swap in _objects(c, "routine_swaps", d.get("routine_swaps")):
        c.required(swap, ("date", "out", "in"))
        c.day(f"{where}.date", swap.get("date"), optional=True)
        c.text(f"{where}.out", swap.get("out"), optional=True, max_chars=MAX_ID_CHARS)
        c.text(f"{where}.in", swap.get("in"), optional=True, max_chars=MAX_ID_CHARS)


def check_goal(c: Checker, d: dict[str, Any], limits: Limits = STORED) -> None:
    c.required(d, ("id", "text", "created"))
    if "id" in d:
        c.whole("id", d["id"], 1, 10**9)
    if "text" in d:
        c.text("text", d["text"], max_chars=10_000)
    if "created" in d:
        c.day("created", d["created"], latest=limits.latest)
    c.day("by", d.get("by"), optional=True)
    c.day("done_on", d.get("done_on"), optional=True, latest=limits.latest)
    c.text("psfs_activity", d.get("psfs_activity"), optional=True, empty_ok=True)
    c.text("uid", d.get("uid"), optional=True, max_chars=MAX_ID_CHARS)


def check_programme(c: Checker, d: dict[str, Any], limits: Limits = STORED) -> None:
    c.required(d, ("exercises",))
    c.text("prescribed_by", d.get("prescribed_by"), optional=True, empty_ok=True)
    c.day("start", d.get("start"), optional=True)
    c.flag("allow_progression", d.get("allow_progression"), optional=True)
    for where, item in _objects(c, "exercises", d.get("exercises", [])):
        if "id" not in item:
            c.add(f"{where}.id is missing")
        else:
            c.text(f"{where}.id", item["id"], max_chars=MAX_ID_CHARS)
        for key, high in DOSE_LIMITS.items():
            c.whole(f"{where}.{key}", item.get(key), 0, high, optional=True)
        if item.get("days") is not None:
            c.names(f"{where}.days", item["days"], WEEKDAYS)
        _note(c, f"{where}.note", item.get("note"), limits)


# --- the audit trail and the history of prescriptions (issue 14) ---------------------------

# What a correction did to a record: changed it (``edit``), removed it (``delete``), put a new
# one in its place (``replace``: a second check-in the same day, a session logged again), or
# reversed an earlier change (``undo``).
CORRECTION_ACTIONS: tuple[str, ...] = ("edit", "delete", "replace", "undo")
PRESCRIPTION_EVENTS: tuple[str, ...] = ("imported", "replaced", "cleared")
_ISO_MOMENT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?"
)


def check_correction(c: Checker, d: dict[str, Any], limits: Limits = STORED) -> None:
    """One entry of the audit trail: when, what, which record, and its value before and
    after (null: the record did not exist, or no longer does)."""
    c.required(d, ("at", "action", "record", "id", "date", "before", "after"))
    at = d.get("at")
    if "at" in d and (
        not isinstance(at, str) or not _ISO_MOMENT.fullmatch(at) or not is_iso_day(at[:10])
    ):
        c.add(f"at is {show(at)}; it must be a date and time like 2026-03-04T09:30:00+01:00")
    if "action" in d:
        c.choice("action", d["action"], CORRECTION_ACTIONS)
    record = d.get("record")
    if "record" in d:
        c.choice("record", record, tuple(AUDITED_CHECKS))
    _ident(c, d)
    if "date" in d:
        c.day("date", d["date"])
    for key in ("key", "change"):  # the data folder's own bookkeeping, never exported
        if key in d:
            c.text(key, d[key], max_chars=MAX_ID_CHARS)
    check = (
        AUDITED_CHECKS[record][0] if isinstance(record, str) and record in AUDITED_CHECKS else None
    )
    for key in ("before", "after"):
        value = d.get(key)
        if value is None:
            continue
        if not isinstance(value, dict):
            c.add(f"{key} must be an object or null, not {c.kind(value)}")
        elif check is not None:
            check(Checker(c.p, c.file, f"{c.record}: {key}" if c.record else key), value, STORED)
    if d.get("before") is None and d.get("after") is None and "before" in d and "after" in d:
        c.add("before and after are both null; a correction changes a record")


def check_prescription_period(c: Checker, d: dict[str, Any], limits: Limits = STORED) -> None:
    """One entry of the history of prescriptions: from which day it is in force (null: from
    the beginning), what happened (imported, replaced, cleared), the day it was recorded,
    and the prescription (null once cleared)."""
    c.required(d, ("from", "event", "programme"))
    c.day("from", d.get("from"), optional=True)
    if "event" in d:
        c.choice("event", d["event"], PRESCRIPTION_EVENTS)
    c.day("recorded", d.get("recorded"), optional=True)
    programme = d.get("programme")
    if programme is not None:
        if not isinstance(programme, dict):
            c.add(f"programme must be an object or null, not {c.kind(programme)}")
        else:
            check_programme(
                Checker(c.p, c.file, f"{c.record}: programme" if c.record else "programme"),
                programme,
                limits,
            )


# Each table of a data file, the check of its records, and the key that names a record.
LOG_CHECKS: dict[str, tuple[Check, str]] = {
    "sessions": (check_session, "id"),
    "pain_checkins": (check_checkin, "date"),
    "assessments": (check_assessment, "id"),
    "visits": (check_visit, "id"),
}
MAIN_CHECKS: dict[str, tuple[Check, str]] = {
    "profile": (check_profile, "start_date"),
    "programme": (check_programme, "prescribed_by"),
    "prescriptions": (check_prescription_period, "from"),
    "goals": (check_goal, "id"),
}
# The records whose corrections the audit trail keeps: the log's, and goals (issue 24).
# And the profile, as a whole (issue 21).
AUDITED_CHECKS: dict[str, tuple[Check, str]] = {
    **LOG_CHECKS,
    "goals": MAIN_CHECKS["goals"],
    "profile": MAIN_CHECKS["profile"],
}
CORRECTION_CHECKS: dict[str, tuple[Check, str]] = {
    "corrections": (check_correction, "id"),
}
SINGLE_TABLES = frozenset({"profile", "programme"})


def record_label(kind: str, index: int, doc: Any, key: str = "id") -> str:
    """How a message names a record: ``sessions[3] (id s-2026…)``."""
    ident = doc.get(key) if isinstance(doc, dict) else None
    if isinstance(ident, (str, int)) and not isinstance(ident, bool):
        shown = str(ident)
        shown = shown if len(shown) <= 40 else shown[:40] + "…"
        return f"{kind}[{index}] ({key} {shown})"
    return f"{kind}[{index}]"


def stored_problem(
    tables: dict[str, Any], checks: dict[str, tuple[Check, str]], month: str | None = None
) -> str | None:
    """The first thing wrong with a data file's records, in words; None when every record
    is one that backcare could have written. ``month`` (YYYY-MM) is the month a log file
    holds: a record dated in another month does not belong in it."""
    for table, (check, key) in checks.items():
        docs = tables.get(table)
        if docs is None:
            continue
        if not isinstance(docs, dict):
            return f"table '{table}' is not an object"
        if table in SINGLE_TABLES and len(docs) > 1:
            return f"table '{table}' holds {len(docs)} records; it holds one at most"
        for index, (doc_id, doc) in enumerate(docs.items()):
            label = table if table in SINGLE_TABLES else record_label(table, index, doc, key)
            if not doc_id.isdigit() or not doc_id.isascii():
                return f"{label}: its key {show(doc_id)} is not a record number"
            if not isinstance(doc, dict):
                return f"{label}: must be an object, not {kind_of(doc)}"
            problems = ProblemList()
            check(Checker(problems, None, label), doc, STORED)
            if problems:
                return str(problems.problems[0])
            if month is not None and "date" in doc and doc["date"][:7] != month:
                return f"{label}: date {doc['date']} is not in {month}, the month this file holds"
    return None
