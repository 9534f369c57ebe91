"""`backcare plan`: today's plan (or --date's)."""

from __future__ import annotations

import typer

from backcare.clock import today
from backcare.commands.common import (
    DateOpt,
    JsonOpt,
    day,
    library,
    planning_history,
    prescriptions,
    store,
    thresholds,
)
from backcare.domain.planner import plan_for
from backcare.render.ui import emit_json


def plan(date: DateOpt = None, as_json: JsonOpt = False) -> None:
    """Show the day's exercise plan: what to do, how much, and why.

    The plan fits your minutes, equipment and pain, and adapts to how each exercise felt.
    Example: backcare plan --date 2026-03-02 --json
    """
    from backcare.render import plan as render_plan

    d = day(date)
    s = store()
    profile = s.profile()
    result = plan_for(d, profile, library(), prescriptions(s), planning_history(s, d, profile),
                      thresholds())
    if as_json:
        emit_json(result.to_dict())
    else:
        # The short disclaimer once a day (CLINICAL.md §7); before init, the whole one always.
        render_plan.plan_view(result, short_disclaimer=s.first_time_today("disclaimer",
                                                                          today()),
                              conditions=tuple(profile.conditions) if profile else ())


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
