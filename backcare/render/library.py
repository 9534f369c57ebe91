"""Rendering the exercise library: a table of exercises, and one exercise's panel."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rich import box
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from backcare.domain.library import Library
from backcare.domain.models import Exercise
from backcare.domain.words import plural
from backcare.render.ui import out

CATEGORY_STYLE = {
    "stretching": "cyan",
    "strengthening": "magenta",
    "aerobic": "green",
    "posture": "yellow",
}


def _equipment(ex: Exercise) -> str:
    return ", ".join(e for e in ex.equipment if e != "none") or "none"


# The other columns of the table at their narrowest: level, position and what it needs,
# the dose it starts at, with the gaps between columns. Narrower, a list is shown instead.
OTHER_COLUMNS_WIDTH = 7 + 17 + 16


def exercise_table(exercises: Sequence[Exercise]) -> None:
    """Grouped by category, each exercise's name with its id under it, so that the table
    reads at 80 columns. An id is never broken across lines (issue 14: ids are what
    patients type): its column is as wide as the longest, and a terminal too narrow for
    that gets a list, one exercise to a few lines, each id on a line of its own."""
    con = out()
    if not exercises:
        con.print("No exercise matches. Try 'backcare exercises list' without filters.")
        return
    widest = max(len(ex.id) for ex in exercises)
    if con.width < widest + 2 + OTHER_COLUMNS_WIDTH:
        _exercise_list(exercises)
        return
    table = Table(
        title=plural(len(exercises), "exercise"), box=box.SIMPLE_HEAD, expand=False, pad_edge=False
    )
    table.add_column("exercise (id)", width=widest)  # as wide as the longest id
    table.add_column("level", justify="center", no_wrap=True)
    table.add_column("position, needs")
    table.add_column("starts at")
    category = None
    for ex in exercises:
        if ex.category != category:
            category = ex.category
            table.add_row(f"[bold {CATEGORY_STYLE[category]}]{category.upper()}[/]", "", "", "")
        needs = _equipment(ex)
        table.add_row(
            f"{escape(ex.name)}\n[dim]{ex.id}[/]",
            str(ex.level),
            ex.position + (f"\n{needs}" if needs != "none" else ""),
            ex.start_dose().describe(ex.per_side),
        )
    con.print(table)
    con.print("Details of one: backcare exercises show ID")


def _exercise_list(exercises: Sequence[Exercise]) -> None:
    from rich.text import Text

    con = out()
    con.print(plural(len(exercises), "exercise"))
    category = None
    for ex in exercises:
        if ex.category != category:
            category = ex.category
            con.print(f"\n[bold {CATEGORY_STYLE[category]}]{category.upper()}[/]")
        con.print(Text(ex.id, style="bold"), soft_wrap=True)  # whole, however narrow
        con.print(
            Text(
                f"  {ex.name} · level {ex.level} · {ex.position} · needs "
                f"{_equipment(ex)} · starts at {ex.start_dose().describe(ex.per_side)}"
            )
        )
    con.print("Details of one: backcare exercises show ID")


def plain_source(source: str) -> str:
    """An exercise's source as a patient reads it: no section numbers, file names or
    "seed article" (issue 21). "docs/clinical.md §2 (NHS Inform: ...)" says "NHS Inform: ..."."""
    text = _DOC_REF.sub(lambda m: m.group(1) or "", source)
    text = re.sub(r"seed article", "a physiotherapy guide to back pain", text)
    parts = [p.strip(" ;,") for p in text.split(";")]
    return "; ".join(p for p in parts if p)


_DOC_REF = re.compile(r"(?:docs/)?clinical\.md\s*§\s*\d+(?:\s*\(([^()]*)\))?")


def exercise_panel(ex: Exercise, library: Library) -> None:

    lines = [
        (
            f"[bold]{ex.name}[/]  ·  [{CATEGORY_STYLE[ex.category]}]{ex.category}[/]  ·  "
            f"level {ex.level}  ·  {ex.position}  ·  equipment: {_equipment(ex)}"
        ),
        "",
    ]
    lines.append("[bold]How to do it[/]")
    lines += [f"  {i}. {step}" for i, step in enumerate(ex.instructions, 1)]
    lines += ["", "[bold]What to feel, what to avoid[/]"] + [f"  • {c}" for c in ex.cues]
    ranges = ex.dose.ranges()
    dose_bits = [f"{name.replace('_', ' ')} {r.min}–{r.max}" for name, r in ranges.items()]
    lines += [
        "",
        "[bold]Dose[/]",
        f"  starts at {ex.start_dose().describe(ex.per_side)}; range: "
        f"{', '.join(dose_bits)}"
        + (f"; rest {ex.dose.rest_seconds} s between sets" if ex.dose.rest_seconds else ""),
    ]
    # Cautions (when to stop, or to leave it out) apart from practical tips (issue 11).
    lines += ["", "[bold red]Cautions: when to stop or leave it out[/]"] + [
        f"  • {escape(c)}" for c in ex.cautions
    ]
    if ex.tips:
        lines += ["", "[bold]Tips[/]"] + [f"  • {escape(t)}" for t in ex.tips]
    links = []
    if ex.regresses_to and ex.regresses_to in library:
        links.append(f"easier: {library.get(ex.regresses_to).name} ({ex.regresses_to})")
    if ex.progresses_to and ex.progresses_to in library:
        links.append(f"harder: {library.get(ex.progresses_to).name} ({ex.progresses_to})")
    if links:
        lines += ["", "[bold]Variants[/]"] + [f"  {link}" for link in links]
    if ex.aliases:  # a former id still works wherever an id is typed (issue 27)
        lines += ["", f"[dim]Formerly: {', '.join(ex.aliases)}[/]"]
    # Tags, section numbers and file names stay in --json and the docs (issue 21).
    source = plain_source(ex.source)
    if source:
        lines += ["", f"[dim]Based on: {escape(source)}[/]"]
    out().print(Panel("\n".join(lines), title=ex.id, expand=False))
