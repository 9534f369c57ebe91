"""`backcare session`: the guided walk-through of today's plan."""

from __future__ import annotations

import time
from datetime import date
from typing import Annotated

import typer

from backcare.clock import today
from backcare.commands.common import (
    DateOpt,
    day,
    display,
    library,
    not_future,
    patient_record,
    planning_history,
    prescriptions,
    progress_for,
    store,
    thresholds,
    whole_number,
)
from backcare.domain import logbook as lb
from backcare.domain.guide import Guide
from backcare.domain.history import monday
from backcare.domain.models import PainCheckin, Session
from backcare.domain.planner import plan_for
from backcare.domain.safety import red_flag_stop
from backcare.errors import SafetyStop, UsageProblem
from backcare.render.ui import is_interactive
from backcare.storage import new_id


def session(
    date: DateOpt = None,
    pain_before: Annotated[
        int | None,
        typer.Option(
            "--pain-before",
            metavar="N",
            parser=whole_number,
            help="Your pain now, 0–10 (asked if not given).",
        ),
    ] = None,
    no_pictures: Annotated[
        bool,
        typer.Option(
            "--no-pictures",
            help="Leave out each exercise's pictures (the setting "
            "display.pictures: false does so always).",
        ),
    ] = False,
) -> None:
    """Guided session: each exercise with its steps and cues, countdowns for holds and
    rests, a rep counter, and pain questions. Keys act at once, without Enter: Enter skips
    any timer; s skips an exercise; p pauses a timer; q or Ctrl-C stops, and what you did
    is kept. Each exercise shows its start and end positions as pictures first, when the
    terminal is at least 60 columns wide.

    Needs a terminal; to record a session without the guide, use 'backcare log'.
    Example: backcare session
    """
    from backcare.render import session as render_session
    from backcare.render.terminal import TerminalIO

    d = not_future(day(date))
    lb.check_pain(pain_before, "--pain-before")
    s = store()
    t = thresholds()
    profile = s.profile()
    stop = red_flag_stop(profile, planning_history(s, d, profile))
    if stop is not None:  # before anything is asked or written
        raise SafetyStop(stop)
    if not is_interactive():
        raise UsageProblem(
            "the guided session needs a terminal to answer its questions; "
            "record a session without it with 'backcare log' (for example "
            "--done ID,... --pain-before N)"
        )
    io = TerminalIO(pictures=not no_pictures and display().pictures)
    render_session.welcome(profile, s.first_time_today("disclaimer", today()))
    if pain_before is None:
        pain_before = io.ask_pain("Before we start: how is your back pain right now, 0 to 10?")
    # The day's check-in is offered here too (issue 4); it also decides a flare-up plan.
    if pain_before is not None and not any(c.date == d for c in s.history(d, d).checkins):
        s.put_checkin(PainCheckin(d, pain_before, None, (), False))
    history = lb.with_pain_now(planning_history(s, d, profile), d, pain_before)
    plan = plan_for(d, profile, library(), prescriptions(s), history, t, detail=False)
    render_session.plan_intro(plan)
    if not plan.items:
        return
    started = time.monotonic()
    guide = Guide(plan, io, t, s.put_session, new_id("s", d))
    try:
        result = guide.run(pain_before)
    except KeyboardInterrupt:
        guide.progress.stopped = True
        result = guide.progress.session(plan)
        s.put_session(result)
        _summary(result, d, time.monotonic() - started, interrupted=True)
        raise typer.Exit(130) from None
    _summary(result, d, time.monotonic() - started, interrupted=guide.progress.stopped)


def _summary(result: Session, d: date, seconds: float, interrupted: bool) -> None:
    """The end of the session, with this week's figures from the progress report."""
    from backcare.render import session as render_session

    week = progress_for(patient_record(d, start=monday(d)), monday(d), d, d)
    render_session.summary(
        render_session.summary_lines(result, week, d, seconds, thresholds(), interrupted)
    )


def register(app: typer.Typer) -> None:
    app.command("session")(session)
