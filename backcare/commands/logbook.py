"""`backcare log`, `pain`, `visit` and `history`: recording and reading the log."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from backcare.commands.common import DateOpt, JsonOpt

NoteOpt = Annotated[Optional[str], typer.Option(  # noqa: UP045
    "--note", help="A short note in your own words.")]


def log(
    done: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--done", help="Exercises you did fully, comma-separated ids.")] = None,
    partial: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--partial", help="Exercises you did partly.")] = None,
    skipped: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--skipped", help="Exercises you skipped.")] = None,
    hurt: Annotated[Optional[list[str]], typer.Option(  # noqa: UP045
        "--hurt", help="ID=PAIN for an exercise that hurt (0–10), repeatable.")] = None,
    minutes: Annotated[Optional[list[str]], typer.Option(  # noqa: UP045
        "--minutes", help="ID=N minutes done of a timed (aerobic) exercise.")] = None,
    pain_before: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--pain-before", help="Pain before the session, 0–10.")] = None,
    pain_after: Annotated[Optional[int], typer.Option(  # noqa: UP045
        "--pain-after", help="Pain after the session, 0–10.")] = None,
    note: NoteOpt = None,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a session done without the guide. With no lists, the day's whole plan is
    recorded as done; plan exercises the lists leave out count as skipped.

    Example: backcare log --done bridge,walking --hurt bridge=6 --pain-after 3
    """
    from backcare.commands.common import day, library, not_future, store, thresholds
    from backcare.domain import logbook as lb
    from backcare.domain.planner import history_window, plan_for
    from backcare.render import log as render_log
    from backcare.render.ui import emit_json

    d = not_future(day(date))
    req = lb.LogRequest(
        done=lb.split_ids(done, "--done"), partial=lb.split_ids(partial, "--partial"),
        skipped=lb.split_ids(skipped, "--skipped"),
        hurt=lb.parse_pairs(hurt, "--hurt", 0, 10, "pain"),
        minutes=lb.parse_pairs(minutes, "--minutes", 1, 300, "minutes"),
        pain_before=lb.check_pain(pain_before, "--pain-before"),
        pain_after=lb.check_pain(pain_after, "--pain-after"),
        note=lb.check_note(note))
    s = store()
    t = thresholds()
    lib = library()
    plan = plan_for(d, s.profile(), lib, s.programme(), s.history(history_window(d, t), d), t)
    session = lb.session_from_log(d, plan, lib, req)
    s.add_session(session)
    if as_json:
        emit_json(session.to_dict())
    else:
        render_log.session_saved(session, lib, t)


def pain(
    score: Annotated[int, typer.Argument(metavar="N", help="Your pain now, 0 (none) to 10.")],
    symptom: Annotated[Optional[list[str]], typer.Option(  # noqa: UP045
        "--symptom", help="A symptom (repeatable): numbness, tingling, weakness, "
                          "bladder-bowel, saddle-numbness, fever, night-pain.")] = None,
    both_legs: Annotated[bool, typer.Option(
        "--both-legs", help="The numbness, tingling or weakness is in both legs.")] = False,
    flare: Annotated[bool, typer.Option(
        "--flare", help="You are having a flare-up: plans stay gentle until it settles.")
    ] = False,
    note: NoteOpt = None,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The daily pain check-in, 0–10. A second check-in the same day replaces the first.

    Warning signs are acted on at once. Example: backcare pain 4 --symptom tingling
    """
    from backcare.clock import today
    from backcare.commands.common import day, not_future, store, thresholds
    from backcare.domain import logbook as lb
    from backcare.domain.planner import history_window
    from backcare.errors import SafetyStop
    from backcare.render import log as render_log

    d = not_future(day(date))
    lb.check_pain(score, "pain")
    c = lb.checkin(d, score, lb.check_note(note), lb.check_symptoms(symptom, both_legs), flare)
    s = store()
    t = thresholds()
    replaced = s.put_checkin(c)
    profile = s.profile()
    outcome = lb.checkin_outcome(c, profile, s.history(history_window(d, t), d), t)
    if outcome.new_red_flags:
        s.save_profile(lb.profile_with_red_flags(profile, outcome.new_red_flags, d, today()))
    render_log.checkin_saved(c, outcome, replaced, as_json)
    if outcome.urgent:
        raise SafetyStop(outcome.urgent)


def visit(
    kind: Annotated[str, typer.Option(
        "--kind", help="manual-therapy, assessment or other.")] = "other",
    note: NoteOpt = None,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a clinic visit, such as manual therapy given by your physiotherapist.

    Example: backcare visit --kind manual-therapy --note "mobilisation, lower back"
    """
    from backcare.commands.common import day, not_future, store
    from backcare.domain import logbook as lb
    from backcare.domain.models import VISIT_KINDS, Visit, new_id
    from backcare.errors import BackcareError
    from backcare.render.ui import emit_json, say

    d = not_future(day(date))
    if kind not in VISIT_KINDS:
        raise BackcareError(f"--kind '{kind[:40]}' is not one of {', '.join(VISIT_KINDS)}")
    v = Visit(new_id("v", d), d, kind, lb.check_note(note))
    store().add_visit(v)
    if as_json:
        emit_json(v.to_dict())
    else:
        say(f"[green]✓[/] Visit recorded: {kind.replace('-', ' ')} on {d.isoformat()}.")


def history(
    from_: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--from", metavar="YYYY-MM-DD", help="First day (default: 4 weeks before --to).")
    ] = None,
    to: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--to", metavar="YYYY-MM-DD", help="Last day (default: today).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The log as a table: sessions with each exercise's status and pain, check-ins and
    visits.

    Example: backcare history --from 2026-03-01 --json
    """
    from datetime import timedelta

    from backcare.commands.common import day, library, store, thresholds
    from backcare.errors import BackcareError
    from backcare.render import log as render_log
    from backcare.render.ui import emit_json

    end = day(to, "--to")
    start = day(from_, "--from") if from_ else end - timedelta(days=27)
    if start > end:
        raise BackcareError(f"--from {start.isoformat()} is after --to {end.isoformat()}")
    h = store().history(start, end)
    doc = {"from": start.isoformat(), "to": end.isoformat(),
           "sessions": [x.to_dict() for x in h.sessions],
           "pain_checkins": [x.to_dict() for x in h.checkins],
           "assessments": [x.to_dict() for x in h.assessments],
           "visits": [x.to_dict() for x in h.visits]}
    if as_json:
        emit_json(doc)
    else:
        render_log.history_view(h, start, end, library(), thresholds())


def register(app: typer.Typer) -> None:
    app.command("log")(log)
    # A negative score is a bad value (exit 1, "out of range"), not an unknown option.
    app.command("pain", context_settings={"ignore_unknown_options": True})(pain)
    app.command("visit")(visit)
    app.command("history")(history)
