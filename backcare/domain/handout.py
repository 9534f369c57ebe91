"""What a printed handout holds (issue 26): one block per exercise, with its dose, its days,
and the cautions that apply to this patient.

The exercises come from the plan for the coming week, as the planner makes it day by day
(``plan_for``), or from a prescription as the physiotherapist wrote it. Pure: the plans are
made by the caller; nothing here reads a clock or a file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import NamedTuple

from backcare.domain.library import Library
from backcare.domain.models import WEEKDAYS, Dose, Exercise, Prescription
from backcare.domain.planner import Plan

WEEK_DAYS = 7
# A caution written for one condition applies only to a patient who has it (CLINICAL.md
# §8: the library's condition-specific cautions open with these words). Every other caution
# applies to everyone.
CONDITION_CAUTIONS: dict[str, str] = {
    "pregnancy": "if you are pregnant",
    "osteoporosis": "if you have osteoporosis",
}


class HandoutItem(NamedTuple):
    exercise: Exercise
    dose: Dose
    days: tuple[str, ...]  # mon … sun, in week order
    note: str | None
    cautions: tuple[str, ...]


class Handout(NamedTuple):
    title: str
    subtitle: str
    items: tuple[HandoutItem, ...]
    week: tuple[date, ...] | None  # the days of the tick-box row; None: weekday names only
    patient: str | None = None


def cautions_for(exercise: Exercise, conditions: Iterable[str] | None) -> tuple[str, ...]:
    """The exercise's cautions that apply: all of them when the conditions are not known (a
    prescription handed over in the clinic), else those not written for another condition."""
    if conditions is None:
        return exercise.cautions
    have = set(conditions)
    out = []
    for caution in exercise.cautions:
        lower = caution.lower()
        written_for = [c for c, opening in CONDITION_CAUTIONS.items() if lower.startswith(opening)]
        if not written_for or have.intersection(written_for):
            out.append(caution)
    return tuple(out)


def week_of(start: date) -> tuple[date, ...]:
    return tuple(start + timedelta(days=i) for i in range(WEEK_DAYS))


def from_plans(plans: Sequence[Plan], conditions: Iterable[str] | None) -> list[HandoutItem]:
    """Each exercise of a week's plans once, in the order it first comes, with the days it
    is planned and its first dose."""
    conditions = None if conditions is None else tuple(conditions)
    order: list[str] = []
    first: dict[str, tuple[Exercise, Dose, str | None]] = {}
    days: dict[str, list[str]] = {}
    for plan in plans:
        for item in plan.items:
            ident = item.exercise.id
            if ident not in first:
                order.append(ident)
                first[ident] = (item.exercise, item.dose, item.note)
                days[ident] = []
            name = WEEKDAYS[plan.date.weekday()]
            if name not in days[ident]:
                days[ident].append(name)
    out = []
    for ident in order:
        ex, dose, note = first[ident]
        in_order = tuple(d for d in WEEKDAYS if d in days[ident])
        out.append(HandoutItem(ex, dose, in_order, note, cautions_for(ex, conditions)))
    return out


def from_prescription(p: Prescription, library: Library) -> list[HandoutItem]:
    """A prescription's exercises as the physiotherapist wrote them, every caution kept."""
    return [
        HandoutItem(
            library.get(i.exercise_id),
            i.dose,
            i.days,
            i.note,
            cautions_for(library.get(i.exercise_id), None),
        )
        for i in p.items
    ]


def days_text(days: Sequence[str]) -> str:
    if tuple(days) == WEEKDAYS:
        return "every day"
    return ", ".join(d.capitalize() for d in days)
