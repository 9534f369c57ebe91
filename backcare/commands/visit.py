"""`backcare visit`: record a clinic visit, such as manual therapy (CLINICAL.md §1)."""

from __future__ import annotations

from typing import Annotated

import typer

from backcare.commands.common import DateOpt, JsonOpt, NoteOpt, day, not_future, store
from backcare.domain.models import VISIT_KINDS, Visit
from backcare.domain.text import check_note
from backcare.errors import UsageProblem
from backcare.render.ui import emit_json, say
from backcare.storage import new_id


def visit(
    kind: Annotated[
        str, typer.Option("--kind", metavar="KIND", help="manual-therapy, assessment or other.")
    ] = "other",
    note: NoteOpt = None,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record a clinic visit, such as manual therapy given by your physiotherapist.

    Example: backcare visit --kind manual-therapy --note "mobilisation, lower back"
    """

    d = not_future(day(date))
    if kind not in VISIT_KINDS:
        raise UsageProblem(f"--kind '{kind[:40]}' is not one of {', '.join(VISIT_KINDS)}")
    v = Visit(new_id("v", d), d, kind, check_note(note))
    store().add_visit(v)
    if as_json:
        emit_json(v.to_dict())
    else:
        say(f"[green]✓[/] Visit recorded: {kind.replace('-', ' ')} on {d.isoformat()}.")


def register(app: typer.Typer) -> None:
    app.command("visit")(visit)
