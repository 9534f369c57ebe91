"""`backcare handout`: the coming week's exercises as a printable PDF, with pictures."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from backcare.commands.common import (
    DateOpt,
    JsonOpt,
    day,
    display,
    library,
    planning_history,
    prescriptions,
    store,
    thresholds,
)
from backcare.render.ui import emit_json, say


class Paper(StrEnum):
    a4 = "a4"
    letter = "letter"


def handout(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            metavar="FILE.pdf",
            help="The PDF to write. An existing file is only replaced with --force.",
        ),
    ],
    date: DateOpt = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            metavar="TEXT",
            help="A name to print at the top. backcare stores no "
            "name; without it the handout is anonymous.",
        ),
    ] = None,
    paper: Annotated[
        Paper | None,
        typer.Option(
            "--paper",
            case_sensitive=False,
            metavar="a4|letter",
            help="The paper size (default: the setting display.paper, else your locale's).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Print your exercises for the week from --date as a PDF handout: each exercise with
    pictures of its start and end, its dose and days, the steps, what to feel, the cautions
    that apply to you, and a box to tick each day. With a physiotherapist's programme, it
    is that programme.

    Example: backcare handout --out my-exercises.pdf
    """
    from backcare.commands.export import check_name
    from backcare.domain.handout import Handout, from_plans, week_of
    from backcare.domain.planner import plan_for
    from backcare.exporters import handout as pdf_handout
    from backcare.storage.files import check_out, write_out

    start = day(date)
    patient = check_name(name)
    check_out(out, force)  # before any work: a refusal should be instant
    s = store()
    profile = s.profile()
    lib, t, regimen = library(), thresholds(), prescriptions(s)
    history = planning_history(s, start, profile)
    # The plan for each day of the coming week, as `backcare plan --date` would show it.
    week = week_of(start)
    plans = [plan_for(d, profile, lib, regimen, history, t) for d in week]
    items = from_plans(plans, profile.conditions if profile else None)
    prescribed = regimen.on(start)
    by = f" from {prescribed.prescribed_by}" if prescribed and prescribed.prescribed_by else ""
    subtitle = f"The week of {start.strftime('%A')} {start.day} {start.strftime('%B %Y')}" + (
        f": your physiotherapist's programme{by}."
        if prescribed is not None
        else ": your plan from backcare."
    )
    doc = Handout("Your home exercises", subtitle, tuple(items), week, patient)
    size = paper.value if paper is not None else display().paper_size()
    data, pages = pdf_handout.render(doc, size)
    write_out(out, data, force)
    if as_json:
        emit_json(
            {
                "out": str(out),
                "paper": size,
                "pages": pages,
                "from": start.isoformat(),
                "to": (start + timedelta(days=6)).isoformat(),
                "exercises": [{"exercise_id": i.exercise.id, "days": list(i.days)} for i in items],
            }
        )
    else:
        say(
            f"[green]✓[/] Wrote {out} ({len(items)} exercises, {pages} "
            f"page{'s' if pages != 1 else ''}, {size.upper() if size == 'a4' else 'Letter'})."
        )


def register(app: typer.Typer) -> None:
    app.command("handout")(handout)
