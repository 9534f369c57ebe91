"""`backcare log`: record a session done without the guide."""

from __future__ import annotations

from typing import Annotated

import typer

from backcare.commands.common import (
    DateOpt,
    JsonOpt,
    NoteOpt,
    day,
    library,
    not_future,
    planning_history,
    store,
    thresholds,
    whole_number,
)
from backcare.domain import logbook as lb
from backcare.domain.clinical import check_pain
from backcare.domain.planner import plan_for
from backcare.domain.text import check_note
from backcare.render.ui import emit_json
from backcare.storage import new_id


def log(
    done: Annotated[str | None, typer.Option(
        "--done", metavar="ID,...", help="Exercises you did fully, comma-separated ids.")] = None,
    partial: Annotated[str | None, typer.Option(
        "--partial", metavar="ID,...", help="Exercises you did partly.")] = None,
    skipped: Annotated[str | None, typer.Option(
        "--skipped", metavar="ID,...", help="Exercises you skipped.")] = None,
    hurt: Annotated[list[str] | None, typer.Option(
        "--hurt", metavar="ID=PAIN",
        help="ID=PAIN for an exercise that hurt (0–10), repeatable.")] = None,
    minutes: Annotated[list[str] | None, typer.Option(
        "--minutes", metavar="ID=N",
        help="ID=N minutes done of a timed (aerobic) exercise.")] = None,
    pain_before: Annotated[int | None, typer.Option(
        "--pain-before", metavar="N", parser=whole_number,
        help="Pain before the session, 0–10.")] = None,
    pain_after: Annotated[int | None, typer.Option(
        "--pain-after", metavar="N", parser=whole_number,
        help="Pain after the session, 0–10.")] = None,
    note: NoteOpt = None,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a session done without the guide. With no lists, the day's whole plan is
    recorded as done; plan exercises the lists leave out count as skipped.

    Example: backcare log --done bridge,walking --hurt bridge=6 --pain-after 3
    """
    from backcare.render import log as render_log

    d = not_future(day(date))
    req = lb.LogRequest(
        done=lb.split_ids(done, "--done"), partial=lb.split_ids(partial, "--partial"),
        skipped=lb.split_ids(skipped, "--skipped"),
        hurt=lb.parse_pairs(hurt, "--hurt", 0, 10, "pain"),
        minutes=lb.parse_pairs(minutes, "--minutes", 1, 300, "minutes"),
        pain_before=check_pain(pain_before, "--pain-before"),
        pain_after=check_pain(pain_after, "--pain-after"),
        note=check_note(note))
    s = store()
    t = thresholds()
    lib = library()
    profile = s.profile()
    plan = plan_for(d, profile, lib, s.programme(), planning_history(s, d, profile), t)
    session = lb.session_from_log(d, plan, lib, req, new_id("s", d))
    s.add_session(session)
    if as_json:
        emit_json(session.to_dict())
    else:
        render_log.session_saved(session, lib, t)


def register(app: typer.Typer) -> None:
    app.command("log")(log)
