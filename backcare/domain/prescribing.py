"""A physiotherapist's next prescription, drafted from the patient's plan (issue 16).

Pure: the plans of the coming week are passed in (:func:`draft_week`). Without a
prescription in force they come from the patient's routine (issue 20): its 5–10 exercises at
the doses they have reached, on the weekdays each is done, whatever a passing flare-up would
plan; under a prescription, from the planner's own plans. Each exercise becomes an item, at
the dose of the first day it is planned, on the weekdays it is planned. The
physiotherapist edits the draft; nothing is prescribed by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from backcare.domain.clinical import DEFAULT, Thresholds
from backcare.domain.conditions import plan_rules
from backcare.domain.library import Library
from backcare.domain.models import (
    WEEKDAYS,
    Dose,
    History,
    Prescribed,
    PrescribedItem,
    Prescription,
    Profile,
    regimen,
)
from backcare.domain.planner import Plan, PlanMode, forecast, routine_day
from backcare.domain.safety import red_flag_stop
from backcare.domain.schedule import is_planned_day
from backcare.errors import BackcareError, SafetyStop

DRAFT_DAYS = 7  # a week of plans: every weekday the programme may use


def draft_week(
    first: date,
    days: int,
    profile: Profile | None,
    library: Library,
    prescription: Prescribed,
    history: History,
    t: Thresholds = DEFAULT,
) -> list[Plan]:
    """The plans a draft is made from: the routine's days (issue 20), or, under a
    prescription, the planner's plans. Raises :class:`SafetyStop` while a red flag stands."""
    regime = regimen(prescription)
    if profile is None or regime.on(first) is not None:
        return forecast(first, days, profile, library, prescription, history, t)
    stop = red_flag_stop(profile, history)
    if stop is not None:
        raise SafetyStop(stop)
    plans = []
    for offset in range(days):
        d = first + timedelta(days=offset)
        if is_planned_day(d, profile, regime):
            rday = routine_day(
                d, profile, library, history, regime, t, plan_rules(profile, d), with_changes=False
            )
            if rday.items:
                plans.append(Plan(date=d, mode=PlanMode.NORMAL, items=rday.items, routine=rday))
    return plans


def draft_prescription(
    plans: Sequence[Plan],
    current: Prescription | None,
    prescribed_by: str | None,
    start: date | None,
    allow_progression: bool | None,
) -> Prescription:
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
        raise BackcareError(
            "no exercise is planned in the coming week, so there is nothing "
            "to start a prescription from"
        )
    notes = {i.exercise_id: i.note for i in current.items} if current else {}
    items = tuple(
        PrescribedItem(
            ident, dose, tuple(d for d in WEEKDAYS if d in days[ident]), notes.get(ident)
        )
        for ident, dose in doses.items()
    )
    allow = (
        allow_progression
        if allow_progression is not None
        else bool(current and current.allow_progression)
    )
    return Prescription(items, prescribed_by, start, allow)


def plan_warnings(plans: Sequence[Plan]) -> list[str]:
    """The plans' warnings, each once, in order: they go at the top of the draft."""
    return list(dict.fromkeys(w for plan in plans for w in plan.warnings))
