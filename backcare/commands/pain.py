"""`backcare pain N`: the daily pain check-in, with its safety rules (CLINICAL.md §5)."""

from __future__ import annotations

from typing import Annotated

import typer

from backcare.clock import today
from backcare.commands.common import (
    DateOpt,
    JsonOpt,
    NoteOpt,
    day,
    not_future,
    store,
    thresholds,
    whole_number,
)
from backcare.domain import logbook as lb
from backcare.domain.clinical import check_pain
from backcare.domain.planner import history_window
from backcare.domain.safety import checkin_red_flags
from backcare.domain.text import check_note
from backcare.errors import SafetyStop


def pain(
    score: Annotated[
        int, typer.Argument(metavar="N", parser=whole_number, help="Your pain now, 0 (none) to 10.")
    ],
    symptom: Annotated[
        list[str] | None,
        typer.Option(
            "--symptom",
            metavar="NAME",
            help="A symptom (repeatable): numbness, tingling, "
            "weakness, bladder-bowel, saddle-numbness, walking-change (you trip "
            "or your legs give way), worsening-weakness, fever, night-pain, "
            "weight-loss (without trying).",
        ),
    ] = None,
    both_legs: Annotated[
        bool,
        typer.Option("--both-legs", help="The numbness, tingling or weakness is in both legs."),
    ] = False,
    flare: Annotated[
        bool,
        typer.Option(
            "--flare", help="You are having a flare-up: plans stay gentle until it settles."
        ),
    ] = False,
    note: NoteOpt = None,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The daily pain check-in, 0–10. A second check-in the same day replaces the first.

    Warning signs are acted on at once. Example: backcare pain 4 --symptom tingling
    """
    from backcare.render import log as render_log

    d = not_future(day(date))
    check_pain(score, "pain")
    c = lb.checkin(d, score, check_note(note), lb.check_symptoms(symptom, both_legs), flare)
    s = store()
    t = thresholds()
    profile = s.profile()
    flags = checkin_red_flags(c)
    if flags:
        # The stop is the log's (safety.red_flag_stop); the profile says so too, and first:
        # a crash between the two writes then leaves the programme stopped either way, even
        # on the day of a clearance, which covers that day's check-ins (issue 17).
        profile = lb.profile_with_red_flags(profile, flags, d, today())
        s.save_profile(profile)
    replaced = s.put_checkin(c)
    outcome = lb.checkin_outcome(c, profile, s.history(history_window(d, t), d), t)
    render_log.checkin_saved(c, outcome, replaced, as_json)
    if outcome.urgent:
        raise SafetyStop(outcome.urgent)


def register(app: typer.Typer) -> None:
    # A negative score is a bad value (exit 1, "out of range"), not an unknown option.
    app.command("pain", context_settings={"ignore_unknown_options": True})(pain)
