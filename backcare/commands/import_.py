"""`backcare import`: restore or move data from a JSON export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from backcare.clock import today
from backcare.commands.common import JsonOpt, store
from backcare.loading.importer import apply_import, parse_import
from backcare.render.ui import emit_json, say


def import_data(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="A backcare JSON export.")],
    as_json: JsonOpt = False,
) -> None:
    """Restore or move data from a JSON export ('backcare export --format json').

    The whole file is checked first; if any record is wrong nothing is imported, and every
    problem is named. Records you already have are skipped, never overwritten, and your
    own profile and programme are kept.

    Example: backcare import backcare-export.json
    """

    bundle = parse_import(path, today())
    result = apply_import(store(), bundle)
    if as_json:
        emit_json(result.to_dict())
    else:
        say(f"[green]✓[/] Imported {path}: {result.summary()}.")


def register(app: typer.Typer) -> None:
    app.command("import")(import_data)
