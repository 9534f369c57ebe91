"""The questions of an interactive ``backcare edit``: the record, then each of its fields,
with the current value as the default (Enter keeps it; ``-`` clears what may be empty)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from rich.markup import escape
from rich.prompt import Prompt

from backcare.clock import parse_date
from backcare.domain import corrections as fix
from backcare.domain.library import Library
from backcare.domain.logbook import check_symptoms
from backcare.domain.models import SYMPTOMS, VISIT_KINDS, Assessment, PainCheckin, Session, Visit
from backcare.domain.scoring import answers_from_json, format_answers
from backcare.domain.text import check_note
from backcare.errors import BackcareError
from backcare.render.ui import err

T = TypeVar("T")
CLEAR = "-"
STATUS_ANSWERS = {
    "done": "done",
    "d": "done",
    "partial": "partial",
    "p": "partial",
    "partly": "partial",
    "skipped": "skipped",
    "s": "skipped",
    "skip": "skipped",
}


def _ask(question: str, default: str, parse: Callable[[str], T]) -> T:
    """Ask until the answer reads; a bad one is said in plain words, then asked again."""
    while True:
        text = Prompt.ask(question, default=default, console=err())
        try:
            return parse(text.strip())
        except BackcareError as exc:
            err().print(f"[yellow]{escape(exc.message)}[/]")


def _day(current: date) -> date:
    return _ask("Date", current.isoformat(), lambda t: parse_date(t, "the date"))


def _number(low: int, high: int, empty_ok: bool) -> Callable[[str], int | None]:
    def parse(text: str) -> int | None:
        if text == CLEAR and empty_ok:
            return None
        if text.isascii() and text.isdigit() and low <= int(text) <= high:
            return int(text)
        extra = f", or {CLEAR} for none" if empty_ok else ""
        raise BackcareError(f"give a whole number from {low} to {high}{extra}")

    return parse


def _shown(value: Any) -> str:
    return CLEAR if value is None else str(value)


def _note(current: str | None) -> dict[str, Any]:
    """The note: Enter keeps it, '-' removes it, anything else replaces it."""
    if current:
        err().print(f"  Note now: {escape(current)}")

    def parse(text: str) -> dict[str, Any]:
        if not text:
            return {}
        if text == CLEAR:
            return {"note": None} if current else {}
        note = check_note(text, "the note")
        return {} if note == current else {"note": note}

    return _ask(f"Note (Enter keeps it{', - removes it' if current else ''})", "", parse)


def _intro(table: str, doc: dict[str, Any]) -> None:
    con = err()
    con.print(f"[bold]Editing {escape(fix.describe(table, doc))}[/]")
    con.print("Enter keeps each value as it is; - clears one that may be empty.")


def ask_session(session: Session, library: Library) -> fix.SessionEdit:
    _intro("sessions", session.to_dict())
    day = _day(session.date)
    statuses: dict[str, str] = {}
    hurt: dict[str, int | None] = {}
    minutes: dict[str, int] = {}

    def status(text: str) -> str:
        found = STATUS_ANSWERS.get(text.lower())
        if found is None:
            raise BackcareError("answer done, partial or skipped")
        return found

    for e in session.exercises:
        name = library.get(e.exercise_id).name if e.exercise_id in library else e.exercise_id
        now = _ask(f"{escape(name)}: done, partial or skipped", e.status, status)
        if now != e.status:
            statuses[e.exercise_id] = now
        if now == "skipped":
            continue
        timed = (
            e.exercise_id in library
            and "duration_minutes" in library.get(e.exercise_id).dose.ranges()
        )
        if timed:
            got = _ask(
                "  Minutes done",
                _shown(e.dose.duration_minutes),
                _number(1, 300, e.dose.duration_minutes is None),
            )
            if got is not None and got != e.dose.duration_minutes:
                minutes[e.exercise_id] = got
        pain = _ask("  Pain during or just after it, 0–10", _shown(e.pain), _number(0, 10, True))
        if pain != e.pain:
            hurt[e.exercise_id] = pain

    def more(text: str) -> list[str]:
        ids = [t.strip() for t in text.split(",") if t.strip()] if text != CLEAR else []
        for ident in ids:
            if ident not in library:
                from backcare.domain.suggest import unknown_id_message

                raise BackcareError(unknown_id_message(ident, library.exercises))
        return ids

    for ident in _ask("Another exercise you did (ids, comma-separated; - for none)", CLEAR, more):
        statuses[ident] = "done"
    fields: dict[str, Any] = {}
    for key, label in (
        ("pain_before", "Pain before the session"),
        ("pain_after", "Pain after the session"),
    ):
        value = _ask(f"{label}, 0–10", _shown(getattr(session, key)), _number(0, 10, True))
        if value != getattr(session, key):
            fields[key] = value
    fields.update(_note(session.note))
    return fix.SessionEdit(statuses, hurt, minutes, fields, day if day != session.date else None)


def ask_checkin(checkin: PainCheckin) -> fix.CheckinEdit:
    _intro("pain_checkins", checkin.to_dict())
    day = _day(checkin.date)
    score = _ask("Pain, 0–10", str(checkin.score), _number(0, 10, False))

    def symptoms(text: str) -> tuple[str, ...]:
        if text == CLEAR:
            return ()
        return check_symptoms([text], False)

    err().print(f"  Symptoms: {', '.join(SYMPTOMS)}, both-legs")
    named = _ask(
        "Symptoms (comma-separated; - for none)", ",".join(checkin.symptoms) or CLEAR, symptoms
    )

    def yes_no(text: str) -> bool:
        if text.lower() in ("y", "yes"):
            return True
        if text.lower() in ("n", "no"):
            return False
        raise BackcareError("answer y or n")

    flare = _ask("A flare-up? (y/n)", "y" if checkin.flare else "n", yes_no)
    return fix.CheckinEdit(
        score if score != checkin.score else None,
        named if named != checkin.symptoms else None,
        (),
        flare if flare != checkin.flare else None,
        _note(checkin.note),
        day if day != checkin.date else None,
    )


def ask_visit(visit: Visit) -> fix.VisitEdit:
    _intro("visits", visit.to_dict())
    day = _day(visit.date)

    def kind(text: str) -> str:
        if text not in VISIT_KINDS:
            raise BackcareError(f"answer one of {', '.join(VISIT_KINDS)}")
        return text

    chosen = _ask(f"Kind ({', '.join(VISIT_KINDS)})", visit.kind, kind)
    return fix.VisitEdit(
        chosen if chosen != visit.kind else None,
        _note(visit.note),
        day if day != visit.date else None,
    )


def ask_assessment(assessment: Assessment) -> tuple[str | None, date | None]:
    """The answers, all at once as for --answers, and the date."""
    _intro("assessments", assessment.to_dict())
    day = _day(assessment.date)
    current = format_answers(
        assessment.instrument, answers_from_json(assessment.instrument, assessment.answers)
    )

    def answers(text: str) -> str:
        from backcare.domain.scoring import parse_answers

        parse_answers(assessment.instrument, text)
        return text

    text = _ask("Answers (as for 'backcare assess --answers')", current, answers)
    return (text if text != current else None), (day if day != assessment.date else None)
