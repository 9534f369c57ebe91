"""A physiotherapist's next prescription, drafted from the patient's plan (issue 16).

Pure: the planner's plans of the coming week are passed in. Each exercise planned in that
week becomes an item, at the dose of the first day it is planned (the planner's own
progression, CLINICAL.md §4, has already moved it on where the sessions allowed), on the
weekdays it is planned. The physiotherapist edits the draft; nothing is prescribed by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from backcare.domain.models import WEEKDAYS, Dose, PrescribedItem, Prescription
from backcare.domain.planner import Plan
from backcare.errors import BackcareError

DRAFT_DAYS = 7  # a week of plans: every weekday the programme may use


def draft_prescription(plans: Sequence[Plan], current: Prescription | None,
                       prescribed_by: str | None, start: date | None,
                       allow_progression: bool | None) -> Prescription:
    """The next prescription from a week of ``plans``; the current programme's notes are
    kept for the exercises that stay, and its progression setting unless one is given."""
    doses: dict[str, Dose] = {}
    days: dict[str, set[str]] = {}
    for plan in plans:
        weekday = WEEKDAYS[plan.date.weekday()]
        for item in plan.items:
            doses.setdefault(item.exercise.id, item.dose)
            days.setdefault(item.exercise.id, set()).add(weekday)
    if not doses:
        raise BackcareError("no exercise is planned in the coming week, so there is nothing "
                            "to start a prescription from")
    notes = {i.exercise_id: i.note for i in current.items} if current else {}
    items = tuple(PrescribedItem(ident, dose,
                                 tuple(d for d in WEEKDAYS if d in days[ident]),
                                 notes.get(ident))
                  for ident, dose in doses.items())
    allow = allow_progression if allow_progression is not None else \
        bool(current and current.allow_progression)
    return Prescription(items, prescribed_by, start, allow)


def plan_warnings(plans: Sequence[Plan]) -> list[str]:
    """The plans' warnings, each once, in order: they go at the top of the draft."""
    return list(dict.fromkeys(w for plan in plans for w in plan.warnings))
