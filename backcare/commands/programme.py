"""`backcare programme import/show/clear`: a physiotherapist's prescription."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from backcare.clock import today
from backcare.commands.common import DateOpt, JsonOpt, day, library, store
from backcare.domain.planner import missing_equipment
from backcare.domain.words import plural
from backcare.loading.careplan import read_prescription
from backcare.render.ui import emit_json, say

programme_app = typer.Typer(
    help="A physiotherapist's prescription: new, import, export, show or clear it.",
    no_args_is_help=True,
)


@programme_app.command("import")
def import_programme(
    file: Annotated[
        Path,
        typer.Argument(
            metavar="FILE",
            help="The prescription file (YAML), or a FHIR CarePlan that "
            "'programme export --format fhir' wrote.",
        ),
    ],
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Use a physiotherapist's prescription; the plan follows it exactly.

    It applies from its start (--date when it has none, or when its start is before
    --date: days gone by keep the plan they had); a start to come leaves the plan as it is
    until then. The format is in the README. Example: backcare programme import
    my-programme.yaml
    """
    from backcare.render import plan as render_plan

    lib = library()
    p = read_prescription(file, lib)
    s = store()
    on = day(date)
    # A prescription applies from its start, and never to days already past (issue 14):
    # they keep the plan they had, and adherence is judged by it.
    applies = max(p.start, on) if p.start else on
    s.set_programme(p, applies, on)
    profile = s.profile()
    lacking = {
        i.exercise_id: missing_equipment(lib.get(i.exercise_id), profile)
        for i in p.items
        if profile is not None and i.exercise_id in lib
    }
    if as_json:
        emit_json(
            {
                **p.to_dict(),
                "applies_from": applies.isoformat(),
                "missing_equipment": {k: list(v) for k, v in lacking.items() if v},
            }
        )
        return
    say(f"[green]✓[/] Prescription with {plural(len(p.items), 'exercise')} imported.")
    if p.start and p.start < on:
        say(
            f"Its start, {p.start.isoformat()}, is past: it applies from today "
            f"({on.isoformat()}); the days before keep the plan they had."
        )
    elif applies > on:
        say(f"It starts on {applies.isoformat()}; until then your plan stays as it is.")
    else:
        say("'backcare plan' now follows it.")
    for ident, needs in lacking.items():
        if needs:
            say(
                f"[yellow]![/] {lib.get(ident).name} needs {', '.join(needs)}, which your "
                "profile does not list. It stays in your plan, marked; ask your "
                "physiotherapist if you cannot get it."
            )
    render_plan.programme_view(p, lib)


@programme_app.command("show")
def show_programme(date: DateOpt = None, as_json: JsonOpt = False) -> None:
    """Show the prescription in use (with --date, the one in force that day).

    Example: backcare programme show --date 2026-03-02
    """
    from backcare.commands.programme_tools import in_force
    from backcare.render import plan as render_plan

    p = in_force(date)
    if as_json:
        emit_json(p.to_dict() if p else None)
    elif p is None:
        say(
            "No prescription is in use; backcare builds your plan itself. "
            "A physiotherapist's file can be added with 'backcare programme import FILE'."
        )
    else:
        render_plan.programme_view(p, library())


@programme_app.command("clear")
def clear_programme() -> None:
    """Stop following the prescription; backcare plans by itself again. The log is kept.

    Example: backcare programme clear
    """

    s = store()
    if s.programme() is None:
        say("No prescription was in use.")
        return
    s.set_programme(None, today(), today())
    say("[green]✓[/] Prescription cleared. Your log is kept.")


def register(app: typer.Typer) -> None:
    from backcare.commands import programme_tools  # new, export (issue 16)

    programme_tools.register(programme_app)
    app.add_typer(programme_app, name="programme")
