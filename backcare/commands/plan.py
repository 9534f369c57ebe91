"""`backcare plan`: today's plan (or --date's); `plan --routine` and `backcare routine`: the
routine it comes from; `plan swap ID`: the patient's own change to the routine (issue 20)."""

from __future__ import annotations

from typing import Annotated

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
from backcare.domain.planner import Plan, plan_for
from backcare.errors import BackcareError, UsageProblem
from backcare.render.ui import emit_json

RoutineOpt = Annotated[
    bool,
    typer.Option(
        "--routine",
        help="Show the routine the plan comes from: its exercises, when each "
        "joined, its dose now and how it changed.",
    ),
]

app = typer.Typer(no_args_is_help=False)


def _plan(d_text: str | None) -> Plan:
    d = day(d_text)
    s = store()
    profile = s.profile()
    return plan_for(
        d, profile, library(), prescriptions(s), planning_history(s, d, profile), thresholds()
    )


@app.callback(invoke_without_command=True)
def plan(
    ctx: typer.Context, date: DateOpt = None, as_json: JsonOpt = False, routine: RoutineOpt = False
) -> None:
    """Show the day's exercise plan: what to do, how much, and why.

    The plan comes from your routine: the same few exercises each training day, at doses
    that go up as they stay comfortable. It fits your minutes, equipment and pain.
    'plan swap ID' offers another exercise of the same kind.
    Example: backcare plan --date 2026-03-02 --json
    """
    if ctx.invoked_subcommand is not None:
        return
    if routine:
        show_routine(date, as_json)
        return
    result = _plan(date)
    if as_json:
        emit_json(result.to_dict())
        return
    from backcare.render import plan as render_plan

    s = store()
    profile = s.profile()
    # The short disclaimer once a day (CLINICAL.md §7); before init, the whole one always.
    render_plan.plan_view(
        result,
        short_disclaimer=s.first_time_today("disclaimer", today()),
        conditions=tuple(profile.conditions) if profile else (),
    )


def show_routine(date: str | None, as_json: bool) -> None:
    result = _plan(date)
    if as_json:
        doc = result.to_dict()
        emit_json(
            {"date": doc["date"], **{k: v for k, v in doc.items() if k.startswith("routine")}}
        )
        return
    from backcare.render import plan as render_plan

    render_plan.routine_view(result)


def routine(date: DateOpt = None, as_json: JsonOpt = False) -> None:
    """Show your routine: the exercises your plans come from, when each joined, its dose
    now, and why it changed.

    Example: backcare routine --date 2026-03-02
    """
    show_routine(date, as_json)


@app.command("swap")
def swap(
    exercise: Annotated[
        str, typer.Argument(metavar="ID", help="The routine exercise to swap, by its id.")
    ],
    to: Annotated[
        str | None,
        typer.Option(
            "--to", metavar="ID", help="The exercise to take its place (one of those offered)."
        ),
    ] = None,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Swap an exercise of your routine for another of the same kind.

    It offers the others you can do, those done in the same position first. The swap is
    kept from --date on; 'backcare undo' takes it back. Without a terminal, give --to.
    Example: backcare plan swap knee-to-chest --to seated-buttock-stretch
    """
    from backcare.domain.planner import swap_choice, with_swap
    from backcare.render import plan as render_plan
    from backcare.render.ui import is_interactive, say

    d = day(date)
    s = store()
    profile = s.profile()
    if profile is None:
        raise BackcareError("there is no routine before 'backcare init'")
    lib = library()
    choice = swap_choice(
        d, profile, lib, planning_history(s, d, profile), prescriptions(s), exercise, thresholds()
    )
    if not choice.options:
        raise BackcareError(
            f"no other {choice.current.category} exercise fits your "
            "equipment, positions and conditions; ask your physiotherapist"
        )
    ids = [e.id for e in choice.options]
    if to is None:
        if not is_interactive() or as_json:
            raise UsageProblem(
                f"plan swap needs --to ID without a terminal; the choices for "
                f"{choice.current.id} are: {', '.join(ids)}"
            )
        to = render_plan.ask_swap(choice)
        if to is None:
            raise BackcareError("nothing was changed")
    typed, to = to, lib.canonical(to)  # a former id names its exercise (issue 27)
    if to not in ids:
        raise UsageProblem(
            f"--to {typed!r} is not one of the choices for {choice.current.id}: {', '.join(ids)}"
        )
    new = lib.get(to)
    s.update_profile(
        lambda p: with_swap(p, d, choice.current.id, to),
        "swap",
        f"the swap of {choice.current.name} for {new.name}",
    )
    if as_json:
        emit_json({"date": d.isoformat(), "out": choice.current.id, "in": to})
        return
    say(
        f"[green]✓[/] From {d.isoformat()}, {new.name} takes the place of "
        f"{choice.current.name} in your routine. 'backcare undo' takes it back."
    )


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="plan")
    root.command("routine")(routine)
