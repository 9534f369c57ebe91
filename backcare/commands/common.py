"""What every command shares: its options, the data folder, the library, the settings, and
loading the patient's record for the domain.

Commands are thin (STYLE.md §2): they parse their options here, load what the domain needs
through the store, call the domain, and hand the result to a renderer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import TYPE_CHECKING, Annotated, NamedTuple

import typer

from backcare.clock import parse_date, today
from backcare.context import Environment, current
from backcare.domain.models import (
    Goal,
    History,
    PainCheckin,
    Prescription,
    PrescriptionHistory,
    Profile,
)
from backcare.domain.safety import checkin_red_flags, clearance_day
from backcare.errors import BackcareError
from backcare.loading.library import load_library
from backcare.loading.settings import load_thresholds
from backcare.render.ui import warn
from backcare.storage import Store, open_store

if TYPE_CHECKING:
    from backcare.domain.analytics import ProgressReport
    from backcare.domain.clinical import Thresholds
    from backcare.domain.history import Earlier
    from backcare.domain.library import Library
    from backcare.loading.settings import Display

DateOpt = Annotated[
    str | None,
    typer.Option("--date", metavar="YYYY-MM-DD", help="The day this is for (default: today)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead.")]
NoteOpt = Annotated[
    str | None, typer.Option("--note", metavar="TEXT", help="A short note in your own words.")
]
NoPagerOpt = Annotated[
    bool,
    typer.Option(
        "--no-pager",
        help="Print straight to the terminal, without a pager (one is used only "
        "at a terminal, for output longer than the screen: $BACKCARE_PAGER, "
        "else $PAGER, else less).",
    ),
]


def whole_number(value: object) -> int:
    """An option or argument that is a whole number: ``5``, ``-1``; never ``5.0``, ``1e1``
    or ``five`` (typer would read ``5.0`` as 5). Its range is the command's to check."""
    text = str(value).strip()
    digits = text.removeprefix("-").removeprefix("+")
    if not digits or not digits.isascii() or not digits.isdigit():
        # Said in plain words by commands.usage, with the option's range and the value.
        raise ValueError(f"{text[:40]!r} is not a whole number")
    return int(text)


def day(text: str | None, option: str = "--date") -> date:
    return parse_date(text, option)


def not_future(d: date, option: str = "--date", doing: str = "record") -> date:
    """Records are of what happened, and reports of what has happened: a future date is
    refused (issues 4 and 27). ``doing`` is what the command does with the day."""
    if d > today():
        raise BackcareError(
            f"{option} {d.isoformat()} is in the future; you can only "
            f"{doing} days up to today ({today().isoformat()})"
        )
    return d


def period(
    date_from: str | None,
    date_to: str | None,
    default_end: date,
    default_start: Callable[[date], date | None],
) -> tuple[date | None, date]:
    """The dates of a report or export from ``--from``/``--to``: ``--to`` defaults to
    ``default_end`` and ``--from`` to ``default_start(end)``. A period that ends before it
    starts is refused, naming both options."""
    end = day(date_to, "--to") if date_to is not None else default_end
    start = day(date_from, "--from") if date_from is not None else default_start(end)
    if start is not None and start > end:
        raise BackcareError(
            f"--from {start.isoformat()} is after --to {end.isoformat()}; "
            "the period must start on or before the day it ends"
        )
    return start, end


def store() -> Store:
    """The data folder's store, opened once an invocation (:mod:`backcare.context`)."""
    return current().once(_open_store)


def library() -> Library:
    """The exercise library in use, loaded once an invocation."""
    return current().once(_load_library)


def thresholds() -> Thresholds:
    """The clinical thresholds, with the settings' overrides, read once an invocation."""
    return current().once(_load_thresholds)


def _open_store(env: Environment) -> Store:
    """The data folder's store. Widened permissions are warned about at every start."""
    s = open_store()
    s.renamed_by = former_ids
    problem = s.home_problem()
    if problem is not None:  # a file, below a file, unreachable, another user's (issue 17)
        raise BackcareError(f"{s.home}: the data folder {problem}")
    for problem in s.permission_problems():
        warn(f"{problem}. Your health data should be private: run 'backcare doctor' to fix.")
    return s


def _load_library(env: Environment) -> Library:
    return load_library(env.once(_open_store).home)


def _load_thresholds(env: Environment) -> Thresholds:
    return load_thresholds(env.once(_open_store).paths.settings)


def former_ids() -> Mapping[str, str]:
    """The library's former exercise ids and their current ones, for reading the log
    (issue 27). A command that uses no exercise (pain, clear) must not fail because a
    library file is broken: one that does says so when it loads the library itself."""
    try:
        return library().aliases
    except BackcareError:
        return {}


def display() -> Display:
    """The display settings (pictures at the terminal, the handout's paper)."""
    from backcare.loading.settings import read_display

    return read_display(store().paths.settings)


class PatientRecord(NamedTuple):
    """Everything the figures are computed from, loaded once."""

    profile: Profile | None
    programme: Prescription | None  # the latest prescription (it may start later)
    goals: list[Goal]
    history: History
    prescriptions: PrescriptionHistory = PrescriptionHistory()  # which one, on each day


def planning_history(s: Store, d: date, profile: Profile | None) -> History:
    """The log the planner reads for day ``d``: its last weeks, and every check-in since
    the last clinician clearance that reported a red flag, however long ago. Any of those
    stops the programme, whatever the profile says (safety.red_flag_stop, issue 17)."""
    from backcare.domain.planner import history_window  # the commands that plan load it

    return s.history(history_window(d, thresholds()), d).with_checkins(
        red_flag_checkins(s, profile)
    )


def prescriptions(s: Store) -> PrescriptionHistory:
    """The history of prescriptions: which one is in force on each day (issue 14)."""
    return s.prescriptions()


def red_flag_checkins(s: Store, profile: Profile | None) -> list[PainCheckin]:
    """The check-ins since the last clinician clearance that reported a red flag."""
    return [c for c in s.symptom_checkins(clearance_day(profile)) if checkin_red_flags(c)]


def record_of(s: Store, end: date | None = None, start: date | None = None) -> PatientRecord:
    """A data folder's profile, programme (with its history of prescriptions), goals and
    the log from ``start`` (default: the beginning, which baselines need) to ``end``: the
    one loader of a patient's record, for their own commands and the clinic's copy of
    them alike (issue 22)."""
    return PatientRecord(
        s.profile(), s.programme(), s.goals(), s.history(start, end), s.prescriptions()
    )


def patient_record(end: date | None = None, start: date | None = None) -> PatientRecord:
    """The patient's own record (:func:`record_of` their data folder)."""
    return record_of(store(), end, start)


def progress_for(
    rec: PatientRecord, start: date, end: date, on: date, earlier: Earlier | None = None
) -> ProgressReport:
    """The one computation of every figure (domain.analytics), for [start, end] as it
    stands on ``on``: `progress`, the report, the FHIR export and the session summary all
    come from here. ``earlier``: the months before ``rec``'s history, summarised."""

    from backcare.domain.report import full_report

    return full_report(
        rec.profile,
        rec.history,
        rec.prescriptions,
        start,
        end,
        on,
        library(),
        thresholds(),
        rec.goals,
        earlier,
    )


def window_record(s: Store, start: date, end: date, on: date) -> tuple[PatientRecord, Earlier]:
    """What a report of [start, end] on ``on`` reads (issue 25): the log of its weeks and
    of the days its rules look back over, whole, and the months before them summarised:
    work in proportion to the window, the same figures as the whole log."""
    from backcare.domain.analytics import whole_from

    earlier = s.earlier(whole_from(start, end, on, thresholds()))
    return record_of(s, end, earlier.before), earlier


def report_record(
    s: Store, start: date | None, end: date, on: date
) -> tuple[PatientRecord, Earlier, date]:
    """:func:`window_record` for a report whose start may be the default (the programme's
    start, at most 12 weeks back: the PDF report), and that start: the window is read
    from the earliest day the default could be."""
    from backcare.domain.history import (
        MAX_DEFAULT_REPORT_DAYS,
        programme_start,
        report_start,
        shift,
    )

    first = start if start is not None else shift(end, 1 - MAX_DEFAULT_REPORT_DAYS)
    rec, earlier = window_record(s, first, end, on)
    if start is None:
        days = [d for d in (earlier.first_record, rec.history.first_day()) if d is not None]
        start = report_start(
            programme_start(rec.profile, rec.prescriptions, min(days, default=None)), end
        )
    return rec, earlier, start
