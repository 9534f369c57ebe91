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
    prescriptions,
    store,
    thresholds,
    whole_number,
)
from backcare.domain import logbook as lb
from backcare.domain.clinical import check_pain
from backcare.domain.library import Library
from backcare.domain.models import Session
from backcare.domain.planner import plan_for
from backcare.domain.text import check_note
from backcare.errors import BackcareError
from backcare.render.ui import emit_json
from backcare.storage import new_id


def log(
    done: Annotated[
        str | None,
        typer.Option(
            "--done", metavar="ID,...", help="Exercises you did fully, comma-separated ids."
        ),
    ] = None,
    partial: Annotated[
        str | None, typer.Option("--partial", metavar="ID,...", help="Exercises you did partly.")
    ] = None,
    skipped: Annotated[
        str | None, typer.Option("--skipped", metavar="ID,...", help="Exercises you skipped.")
    ] = None,
    hurt: Annotated[
        list[str] | None,
        typer.Option(
            "--hurt",
            metavar="ID=PAIN",
            help="ID=PAIN for an exercise that hurt (0–10), repeatable.",
        ),
    ] = None,
    minutes: Annotated[
        list[str] | None,
        typer.Option(
            "--minutes",
            metavar="ID=N",
            help="ID=N minutes done of a timed (aerobic) exercise; fewer than planned is partly "
            "done.",
        ),
    ] = None,
    pain_before: Annotated[
        int | None,
        typer.Option(
            "--pain-before", metavar="N", parser=whole_number, help="Pain before the session, 0–10."
        ),
    ] = None,
    pain_after: Annotated[
        int | None,
        typer.Option(
            "--pain-after", metavar="N", parser=whole_number, help="Pain after the session, 0–10."
        ),
    ] = None,
    note: NoteOpt = None,
    add: Annotated[
        bool,
        typer.Option(
            "--add", help="Record a second session the same day, of exercises already logged."
        ),
    ] = False,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a session done without the guide: what you type is what is recorded.

    \b
    - No lists: the day's whole plan, done.
    - With lists: only the exercises they name. Plan exercises you leave out are not
      recorded (not even as skipped); they are named, so you can add them.
    - --minutes ID=N records the minutes you did: fewer than planned is partly done.
    - An exercise not in the day's plan is recorded as an extra.
    - A second log of the same exercises on one day is refused (a repeat would count them
      twice): change the first with 'backcare edit ID', or add --add for a second session.

    Example: backcare log --done bridge,walking --hurt bridge=6 --pain-after 3
    """
    from backcare.render import log as render_log

    d = not_future(day(date))
    req = lb.LogRequest(
        done=lb.split_ids(done, "--done"),
        partial=lb.split_ids(partial, "--partial"),
        skipped=lb.split_ids(skipped, "--skipped"),
        hurt=lb.parse_pairs(hurt, "--hurt", 0, 10, "pain"),
        minutes=lb.parse_pairs(minutes, "--minutes", 1, 300, "minutes"),
        pain_before=check_pain(pain_before, "--pain-before"),
        pain_after=check_pain(pain_after, "--pain-after"),
        note=check_note(note),
    )
    s = store()
    t = thresholds()
    lib = library()
    profile = s.profile()
    plan = plan_for(
        d, profile, lib, prescriptions(s), planning_history(s, d, profile), t, detail=False
    )
    logged = lb.session_from_log(d, plan, lib, req, new_id("s", d))
    session = logged.session
    first, same = lb.repeated(session, s.history(d, d).sessions)
    replaced = False
    if same and not add and not _add_or_replace(first, same, lib):
        session = session._replace(id=first.id)
        replaced = True
    if replaced:
        s.replace_session(first, session)
    else:
        s.add_session(session)
    if as_json:
        emit_json(session.to_dict())  # the session as stored; what it left out, on stderr
    else:
        render_log.session_saved(session, lib, t)
    render_log.log_notes(logged._replace(session=session), lib, replaced)


def _add_or_replace(first: Session, same: tuple[str, ...], lib: Library) -> bool:
    """A second log of exercises already logged that day: at a terminal, ask whether it is
    a second session (True) or replaces the first (False); else refuse, naming the first."""
    from backcare.render import ui

    names = ", ".join(lib.get(i).name if i in lib else i for i in same)
    if not ui.is_interactive():
        raise BackcareError(
            f"{first.date.isoformat()} already has a session with {names} ({first.id}); "
            f"a repeat would count them twice. To change it: backcare edit {first.id} "
            f"(with --done, --hurt, ...); for a genuine second session add --add"
        )
    from backcare.render.log import ask_add_or_replace

    answer = ask_add_or_replace(first, names)
    if answer is None:
        raise BackcareError("nothing was recorded")
    return answer


def register(app: typer.Typer) -> None:
    app.command("log")(log)
