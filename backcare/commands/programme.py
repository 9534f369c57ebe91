"""`backcare programme import/show/clear`: a physiotherapist's prescription."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from backcare.commands.common import JsonOpt, library, store
from backcare.loading.careplan import read_prescription
from backcare.render.ui import emit_json, say

programme_app = typer.Typer(help="A physiotherapist's prescription: new, import, export, show or "
                                 "clear it.",
                            no_args_is_help=True)


@programme_app.command("import")
def import_programme(
    file: Annotated[Path, typer.Argument(
        metavar="FILE", help="The prescription file (YAML), or a FHIR CarePlan that "
                             "'programme export --format fhir' wrote.")],
    as_json: JsonOpt = False,
) -> None:
    """Use a physiotherapist's prescription; the plan follows it exactly.

    The format is in the README. Example: backcare programme import my-programme.yaml
    """
    from backcare.render import plan as render_plan

    lib = library()
    p = read_prescription(file, lib)
    store().save_programme(p)
    if as_json:
        emit_json(p.to_dict())
        return
    say(f"[green]✓[/] Prescription with {len(p.items)} exercises imported. "
        "'backcare plan' now follows it.")
    render_plan.programme_view(p, lib)


@programme_app.command("show")
def show_programme(as_json: JsonOpt = False) -> None:
    """Show the prescription in use.

    Example: backcare programme show
    """
    from backcare.render import plan as render_plan

    p = store().programme()
    if as_json:
        emit_json(p.to_dict() if p else None)
    elif p is None:
        say("No prescription is in use; backcare builds your plan itself. "
            "A physiotherapist's file can be added with 'backcare programme import FILE'.")
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
    s.save_programme(None)
    say("[green]✓[/] Prescription cleared. Your log is kept.")


def register(app: typer.Typer) -> None:
    from backcare.commands import programme_tools  # new, export (issue 16)

    programme_tools.register(programme_app)
    app.add_typer(programme_app, name="programme")
