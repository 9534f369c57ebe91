"""The questions of `programme new` (issue 16): a prescription built one exercise at a time,
searching the library, with each answer checked as it is given.

It returns what was answered in the prescription file's own shape; the command checks the
whole by the file's rules before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, NamedTuple

from rich.prompt import IntPrompt, Prompt

from backcare.domain.library import Library, search_exercises
from backcare.domain.models import DOSE_FIELDS, Exercise
from backcare.render.confirm import Confirm
from backcare.render.ui import err

SHOWN = 12  # matches listed at once: more means the search is too broad


class Rules(NamedTuple):
    """The prescription file's limits (loading.prescription), so each answer is checked as
    it is given."""

    ceiling: Mapping[str, int]  # the highest value of each dose field
    day_names: Mapping[str, str]  # the weekdays as they may be written → mon…sun
    max_items: int


FIELD_WORDS = {
    "sets": "Sets",
    "reps": "Repetitions",
    "hold_seconds": "Hold (seconds)",
    "duration_minutes": "Minutes",
}


def _pick(lib: Library, number: int, taken: set[str]) -> Exercise | None:
    """Search until one exercise is chosen; None when the physiotherapist is done."""
    con = err()
    while True:
        text = Prompt.ask(
            f"\n[bold]Exercise {number}[/]: search by name, category or "
            f"position (Enter alone when done)",
            default="",
            show_default=False,
            console=con,
        ).strip()
        if not text:
            return None
        found = [e for e in search_exercises(lib, text) if e.id not in taken]
        if not found:
            con.print(
                f"[yellow]No exercise matches '{text}'. Try a word of its name, "
                f"a category (stretching, strengthening, aerobic, posture) or a "
                f"position (lying, kneeling, sitting, standing).[/]"
            )
            continue
        if len(found) > SHOWN:
            con.print(
                f"[yellow]{len(found)} exercises match '{text}'; add a word to narrow it down.[/]"
            )
            found = found[:SHOWN]
        for n, e in enumerate(found, 1):
            con.print(f"  {n:>2}  {e.name} ({e.id}: {e.category}, {e.position}, level {e.level})")
        choice = Prompt.ask(
            "Which one? (its number; Enter to search again)",
            default="1" if len(found) == 1 else "",
            show_default=len(found) == 1,
            console=con,
        ).strip()
        if choice.isdigit() and 1 <= int(choice) <= len(found):
            return found[int(choice) - 1]
        if choice:
            con.print(f"[yellow]Give a number from 1 to {len(found)}.[/]")


def _dose(exercise: Exercise, rules: Rules) -> dict[str, int]:
    con = err()
    dose: dict[str, int] = {}
    for field, usual in exercise.dose.ranges().items():
        if field not in DOSE_FIELDS:
            continue
        high = rules.ceiling[field]
        while True:
            value = IntPrompt.ask(
                f"  {FIELD_WORDS[field]} (usual {usual.min}–{usual.max})",
                default=usual.default,
                console=con,
            )
            if 1 <= value <= high:
                dose[field] = value
                break
            con.print(f"[yellow]Give a whole number from 1 to {high}.[/]")
    return dose


def _days(rules: Rules) -> list[str] | None:
    con = err()
    while True:
        text = Prompt.ask(
            "  Days (for example mon,wed,fri; Enter for every day)",
            default="",
            show_default=False,
            console=con,
        ).strip()
        if not text:
            return None
        words = [w.strip().lower() for w in text.replace(" ", ",").split(",") if w.strip()]
        bad = [w for w in words if w not in rules.day_names]
        if not bad and words:
            return list(dict.fromkeys(rules.day_names[w] for w in words))
        con.print(
            f"[yellow]'{bad[0] if bad else text}' is not a day of the week: use mon, "
            f"tue, wed, thu, fri, sat, sun.[/]"
        )


def _start() -> str | None:
    con = err()
    while True:
        text = Prompt.ask(
            "Start date (YYYY-MM-DD; Enter for none)", default="", show_default=False, console=con
        ).strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            con.print("[yellow]Give a date like 2026-03-02, or Enter for none.[/]")


def ask_prescription(lib: Library, rules: Rules) -> dict[str, Any]:
    """Ask for the prescription, in the file's shape (CONTRACT.md)."""
    con = err()
    con.print(
        "[bold]A new prescription.[/] Add the exercises one at a time; each is "
        "checked against the library as you go."
    )
    items: list[dict[str, Any]] = []
    taken: set[str] = set()
    while len(items) < rules.max_items:
        exercise = _pick(lib, len(items) + 1, taken)
        if exercise is None:
            if items:
                break
            con.print("[yellow]A prescription needs at least one exercise.[/]")
            continue
        con.print(f"[bold]{exercise.name}[/]")
        item: dict[str, Any] = {"id": exercise.id, **_dose(exercise, rules)}
        days = _days(rules)
        if days is not None:
            item["days"] = days
        note = Prompt.ask(
            "  A note for the patient (Enter for none)", default="", show_default=False, console=con
        ).strip()
        if note:
            item["note"] = note
        items.append(item)
        taken.add(exercise.id)
    data: dict[str, Any] = {"exercises": items}
    data["allow_progression"] = Confirm.ask(
        "\nMay backcare move the doses on when the sessions go well?", default=False, console=con
    )
    by = Prompt.ask(
        "Prescribed by (Enter to leave out)", default="", show_default=False, console=con
    ).strip()
    if by:
        data["prescribed_by"] = by
    start = _start()
    if start is not None:
        data["start"] = start
    return data
