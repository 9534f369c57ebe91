"""`backcare edit ID`: correct a recorded session, check-in, questionnaire or visit."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer

from backcare.commands.common import (
    JsonOpt,
    day,
    library,
    not_future,
    planning_history,
    prescriptions,
    store,
    thresholds,
    whole_number,
)
from backcare.commands.records import Found, find, keep_red_flags, names
from backcare.domain import corrections as fix
from backcare.domain import logbook as lb
from backcare.domain.models import Assessment, Dose, PainCheckin, Session, Visit
from backcare.domain.text import check_note
from backcare.errors import BackcareError, SafetyStop, UsageProblem
from backcare.render.ui import emit_json, is_interactive, say

# Which options change which kind of record: those of the command that made it.
OPTIONS: dict[str, tuple[str, ...]] = {
    "sessions": (
        "--done",
        "--partial",
        "--skipped",
        "--hurt",
        "--minutes",
        "--pain-before",
        "--pain-after",
        "--note",
        "--date",
    ),
    "pain_checkins": (
        "--score",
        "--symptom",
        "--both-legs",
        "--flare/--no-flare",
        "--note",
        "--date",
    ),
    "assessments": ("--answers", "--date"),
    "visits": ("--kind", "--note", "--date"),
}


def edit(
    record: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="The record's id, as 'backcare history' shows it.",
            show_default=False,
        ),
    ],
    done: Annotated[
        str | None,
        typer.Option("--done", metavar="ID,...", help="Session: exercises you did fully."),
    ] = None,
    partial: Annotated[
        str | None,
        typer.Option("--partial", metavar="ID,...", help="Session: exercises you did partly."),
    ] = None,
    skipped: Annotated[
        str | None,
        typer.Option("--skipped", metavar="ID,...", help="Session: exercises you skipped."),
    ] = None,
    hurt: Annotated[
        list[str] | None,
        typer.Option(
            "--hurt",
            metavar="ID=PAIN",
            help="Session: ID=PAIN, how much an exercise hurt (0–10), repeatable.",
        ),
    ] = None,
    minutes: Annotated[
        list[str] | None,
        typer.Option(
            "--minutes", metavar="ID=N", help="Session: ID=N minutes done of a timed exercise."
        ),
    ] = None,
    pain_before: Annotated[
        int | None,
        typer.Option(
            "--pain-before", metavar="N", parser=whole_number, help="Session: pain before it, 0–10."
        ),
    ] = None,
    pain_after: Annotated[
        int | None,
        typer.Option(
            "--pain-after", metavar="N", parser=whole_number, help="Session: pain after it, 0–10."
        ),
    ] = None,
    score: Annotated[
        int | None,
        typer.Option(
            "--score",
            metavar="N",
            parser=whole_number,
            help="Pain check-in: the pain, 0–10 (the N of 'backcare pain N').",
        ),
    ] = None,
    symptom: Annotated[
        list[str] | None,
        typer.Option(
            "--symptom",
            metavar="NAME",
            help="Pain check-in: its symptoms, repeatable; they "
            "replace the ones recorded ('none' for none).",
        ),
    ] = None,
    both_legs: Annotated[
        bool,
        typer.Option(
            "--both-legs", help="Pain check-in: the numbness, tingling or weakness is in both legs."
        ),
    ] = False,
    flare: Annotated[
        bool | None,
        typer.Option(
            "--flare/--no-flare", help="Pain check-in: a flare-up, or not.", show_default=False
        ),
    ] = None,
    answers: Annotated[
        str | None,
        typer.Option(
            "--answers",
            metavar="TEXT",
            help="Questionnaire: every answer again, as for 'backcare assess'.",
        ),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option("--kind", metavar="KIND", help="Visit: manual-therapy, assessment or other."),
    ] = None,
    note: Annotated[
        str | None, typer.Option("--note", metavar="TEXT", help="A new note ('' removes it).")
    ] = None,
    date: Annotated[
        str | None,
        typer.Option("--date", metavar="YYYY-MM-DD", help="Move the record to another day."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Correct a recorded session, pain check-in, questionnaire or visit.

    It takes the options of the command that made the record, and changes only what they
    name. With no option, at a terminal, it shows the record and asks for each field, the
    current value as the default. Every correction is kept in the audit trail with the old
    value, and 'backcare undo' reverses it.

    Example: backcare edit s-20260304-1a2b3c4d --partial bridge --hurt bridge=3
    """
    given = {
        "--done": done,
        "--partial": partial,
        "--skipped": skipped,
        "--hurt": hurt,
        "--minutes": minutes,
        "--pain-before": pain_before,
        "--pain-after": pain_after,
        "--score": score,
        "--symptom": symptom,
        "--both-legs": both_legs or None,
        "--flare/--no-flare": flare,
        "--answers": answers,
        "--kind": kind,
        "--note": note,
        "--date": date,
    }
    used = [option for option, value in given.items() if value is not None]
    found = find(record)
    wrong = [o for o in used if o not in OPTIONS[found.table]]
    what = fix.KIND_WORDS[found.table]
    if wrong:
        raise UsageProblem(
            f"{', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} not for "
            f"a {what}; {found.ident} is one (its options: "
            f"{', '.join(OPTIONS[found.table])})"
        )
    moved = not_future(day(date)) if date is not None else None
    if not used:
        if not is_interactive():
            raise UsageProblem(
                f"edit needs an option saying what to change when there is no "
                f"terminal to ask on; for a {what}: "
                f"{', '.join(OPTIONS[found.table])}"
            )
        after = _ask(found)
    elif found.table == "sessions":
        after = _session(
            found, done, partial, skipped, hurt, minutes, pain_before, pain_after, note, moved
        ).to_dict()
    elif found.table == "pain_checkins":
        symptoms = None
        if symptom is not None:
            symptoms = (
                ()
                if [s.strip().lower() for s in symptom] == ["none"]
                else lb.check_symptoms(symptom, False)
            )
        edit_ = fix.CheckinEdit(
            score, symptoms, ("both-legs",) if both_legs else (), flare, _note(note), moved
        )
        after = fix.edit_checkin(PainCheckin.from_dict(found.doc), edit_).to_dict()
    elif found.table == "assessments":
        after = fix.edit_assessment(
            Assessment.from_dict(found.doc), answers, moved, thresholds().odi_min_sections
        ).to_dict()
    else:
        after = fix.edit_visit(
            Visit.from_dict(found.doc), fix.VisitEdit(kind, _note(note), moved)
        ).to_dict()
    save(found, after, as_json)


def save(found: Found, after: dict[str, Any], as_json: bool) -> None:
    """Save the corrected record, keeping every red flag standing; say what changed."""
    before = found.doc
    changes = fix.differences(found.table, before, after, names(), library().aliases)
    if after == before or not changes:
        if as_json:
            emit_json(
                {
                    "id": found.ident,
                    "record": found.table,
                    "changed": False,
                    "before": before,
                    "after": before,
                }
            )
        else:
            say("Nothing changed.")
        return
    s = store()
    if found.table == "pain_checkins" and after["date"] != before["date"]:
        clash = s.find_record(f"p-{after['date']}", after["date"])
        if clash:
            raise BackcareError(
                f"{after['date']} already has a pain check-in "
                f"(p-{after['date']}); a day has one. Edit or delete that "
                "one first"
            )
    profile, stop, kept = keep_red_flags(found.table, [before], [after])
    summary = fix.change_summary("edit", fix.describe(found.table, before))
    s.save_change(lambda files: fix_change(found, after, summary, profile))
    new_id = fix.record_id(found.table, after)
    if as_json:
        emit_json(
            {"id": new_id, "record": found.table, "changed": True, "before": before, "after": after}
        )
    else:
        tick = "" if stop else "[green]✓[/] "  # no green tick before a stop (issue 27)
        say(f"{tick}Corrected {fix.describe(found.table, before)}:")
        for line in changes:
            say(f"  {line}")
        say("The old value is kept in the audit trail; 'backcare undo' reverses this.")
        if kept:
            say(f"[bold red]![/] {kept}")
    if stop:
        raise SafetyStop(stop)


def fix_change(
    found: Found, after: dict[str, Any], summary: str, profile: dict[str, Any] | None
) -> Any:
    from backcare.storage.journal import Change, RecordChange

    return Change(
        "edit", summary, (RecordChange(found.table, found.doc, after),), "edit", profile=profile
    )


def _note(note: str | None) -> dict[str, Any]:
    """The note field to set: none when --note is not given; '' removes it."""
    if note is None:
        return {}
    return {"note": check_note(note)}


def _session(
    found: Found,
    done: str | None,
    partial: str | None,
    skipped: str | None,
    hurt: list[str] | None,
    minutes: list[str] | None,
    pain_before: int | None,
    pain_after: int | None,
    note: str | None,
    moved: date | None,
) -> Session:
    statuses: dict[str, str] = {}
    for status, text in (("done", done), ("partial", partial), ("skipped", skipped)):
        for ident in lb.split_ids(text, f"--{status}"):
            if statuses.get(ident, status) != status:
                raise BackcareError(f"'{ident}' is both --{statuses[ident]} and --{status}")
            statuses[ident] = status
    fields: dict[str, Any] = _note(note)
    if pain_before is not None:
        fields["pain_before"] = pain_before
    if pain_after is not None:
        fields["pain_after"] = pain_after
    session = Session.from_dict(found.doc)
    pains: dict[str, int | None] = dict(lb.parse_pairs(hurt, "--hurt", 0, 10, "pain"))
    request = fix.SessionEdit(
        statuses, pains, lb.parse_pairs(minutes, "--minutes", 1, 300, "minutes"), fields, moved
    )
    lib = library()
    new = [i for i in statuses if i not in {e.exercise_id for e in session.exercises}]
    planned = planned_doses(moved or session.date) if new else None
    return fix.edit_session(session, request, lib, planned)


def planned_doses(d: date) -> dict[str, Dose] | None:
    """The day's plan, exercise by dose: an exercise added to a session is in it, or an
    extra (issue 11). None while a red flag stops the programme (no plan to be in)."""
    from backcare.domain.planner import plan_for

    s = store()
    profile = s.profile()
    try:
        plan = plan_for(
            d,
            profile,
            library(),
            prescriptions(s),
            planning_history(s, d, profile),
            thresholds(),
            detail=False,
        )
    except SafetyStop:
        return None
    return {i.exercise.id: i.dose for i in plan.items}


def _ask(found: Found) -> dict[str, Any]:
    """The record, asked field by field at the terminal (current values as defaults)."""
    from backcare.render import edit_prompts

    lib = library()
    try:
        if found.table == "sessions":
            session = Session.from_dict(found.doc)
            answers = edit_prompts.ask_session(session, lib)
            planned = None
            if any(i not in {e.exercise_id for e in session.exercises} for i in answers.statuses):
                planned = planned_doses(answers.day or session.date)
            if answers.day is not None:
                not_future(answers.day)
            return fix.edit_session(session, answers, lib, planned).to_dict()
        if found.table == "pain_checkins":
            checkin = PainCheckin.from_dict(found.doc)
            edit_ = edit_prompts.ask_checkin(checkin)
            if edit_.day is not None:
                not_future(edit_.day)
            return fix.edit_checkin(checkin, edit_).to_dict()
        if found.table == "assessments":
            assessment = Assessment.from_dict(found.doc)
            text, when = edit_prompts.ask_assessment(assessment)
            if when is not None:
                not_future(when)
            return fix.edit_assessment(
                assessment, text, when, thresholds().odi_min_sections
            ).to_dict()
        visit = Visit.from_dict(found.doc)
        edit_v = edit_prompts.ask_visit(visit)
        if edit_v.day is not None:
            not_future(edit_v.day)
        return fix.edit_visit(visit, edit_v).to_dict()
    except (KeyboardInterrupt, EOFError):
        raise Stopped("stopped; nothing was changed") from None


class Stopped(BackcareError):
    """The patient stopped the questions: nothing is saved (the shell's code for Ctrl-C)."""

    exit_code = 130


def register(app: typer.Typer) -> None:
    app.command("edit")(edit)
