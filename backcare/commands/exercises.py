"""`backcare exercises list/show/check`: browse the library, and validate a library file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from backcare.commands.common import JsonOpt, NoPagerOpt, display, library, store
from backcare.domain.library import filter_exercises
from backcare.domain.words import plural
from backcare.loading.library import check_file
from backcare.render.pager import paged
from backcare.render.ui import emit_json, say

exercises_app = typer.Typer(
    help="Browse the exercise library, or check a library file.", no_args_is_help=True
)


@exercises_app.command("list")
def list_exercises(
    category: Annotated[
        str | None,
        typer.Option(
            metavar="CATEGORY",
            help="Only this category: stretching, strengthening, aerobic or posture.",
        ),
    ] = None,
    equipment: Annotated[
        str | None,
        typer.Option(
            metavar="NAME", help="Only exercises you can do with this equipment (for example: mat)."
        ),
    ] = None,
    as_json: JsonOpt = False,
    no_pager: NoPagerOpt = False,
) -> None:
    """List the exercises, grouped by category.

    Example: backcare exercises list --category stretching
    """
    from backcare.render import library as render_library

    chosen = filter_exercises(library(), category, equipment)
    if as_json:
        emit_json({"count": len(chosen), "exercises": [e.to_dict() for e in chosen]})
    else:
        with paged(not no_pager):
            render_library.exercise_table(chosen)


@exercises_app.command("show")
def show_exercise(
    exercise_id: Annotated[str, typer.Argument(metavar="ID", help="The exercise's id.")],
    svg: Annotated[
        Path | None,
        typer.Option(
            "--svg", metavar="FILE", help="Also write the exercise's pictures to FILE as SVG."
        ),
    ] = None,
    no_pictures: Annotated[
        bool,
        typer.Option(
            "--no-pictures",
            help="Leave out the pictures (the setting display.pictures: false does so always).",
        ),
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --svg file if it exists.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show one exercise: its start and end positions as pictures, then the steps, cues,
    dose, cautions and where it leads.

    Example: backcare exercises show bridge --svg bridge.svg
    """
    from backcare.render import library as render_library

    lib = library()
    exercise = lib.get(exercise_id.strip())
    if svg is not None:
        from backcare.exporters.figure_svg import exercise_svg

        _write_named(svg, "--svg", exercise_svg(exercise).encode("utf-8"), force)
    if as_json:
        emit_json(exercise.to_dict())
        return
    if not no_pictures and display().pictures:
        from backcare.render.figure import print_figure

        print_figure(exercise)
    render_library.exercise_panel(exercise, lib)
    if svg is not None:
        say(f"[green]✓[/] pictures written to {svg}")


def _write_named(path: Path, option: str, data: bytes, force: bool) -> None:
    """A file the user named, written as export's --out is (private, atomic, never over
    another without --force); messages name the option that was typed."""
    from backcare.errors import BackcareError
    from backcare.storage.files import write_out

    try:
        write_out(path, data, force)
    except BackcareError as exc:
        raise BackcareError(exc.message.replace("--out", option)) from None


@exercises_app.command("check")
def check_library(
    file: Annotated[
        Path | None,
        typer.Argument(
            metavar="FILE", help="A library file to check (default: the library in use)."
        ),
    ] = None,
) -> None:
    """Validate an exercise library file; every problem is listed with its line.

    Example: backcare exercises check my-exercises.yaml
    """

    count, files = check_file(file, store().home)
    say(f"[green]✓[/] {plural(count, 'exercise')}, no problems found in {', '.join(files)}")


def register(app: typer.Typer) -> None:
    app.add_typer(exercises_app, name="exercises")
