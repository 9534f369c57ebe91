"""Which days are exercise days. Pure: no clock, no storage.

A patient chooses how many days a week they exercise (``init --days-per-week``); a
physiotherapist's prescription names its own days. Both are spread over the week so that rest
days fall between exercise days where possible.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

from backcare.domain.models import WEEKDAYS, Prescription, Profile

# Weekday numbers (Monday 0) used for N exercise days a week, spread through the week.
SPREAD: dict[int, tuple[int, ...]] = {
    7: (0, 1, 2, 3, 4, 5, 6),
    6: (0, 1, 2, 3, 4, 5),
    5: (0, 1, 2, 3, 4),
    4: (0, 1, 3, 4),
    3: (0, 2, 4),
    2: (1, 4),
    1: (2,),
}


def weekday_name(day: date) -> str:
    return WEEKDAYS[day.weekday()]


def planned_checker(profile: Profile | None,
                    prescription: Prescription | None = None) -> Callable[[date], bool]:
    """A test for "is this an exercise day?" with the profile and prescription fixed, so a
    report over years asks it quickly. Before the programme's start no day is planned."""
    start: date | None
    if prescription is not None and prescription.items:
        start = prescription.start
        names = {name for item in prescription.items for name in item.days}
        weekdays = frozenset(i for i, name in enumerate(WEEKDAYS) if name in names)
    elif profile is None:
        return lambda day: True
    else:
        start = profile.start_date
        weekdays = frozenset(SPREAD[min(max(profile.days_per_week, 1), 7)])
    if start is None:
        return lambda day: day.weekday() in weekdays
    first = start
    return lambda day: day >= first and day.weekday() in weekdays


def is_planned_day(day: date, profile: Profile | None,
                   prescription: Prescription | None = None) -> bool:
    """Is ``day`` an exercise day? Before the programme's start it is not."""
    return planned_checker(profile, prescription)(day)


def days_between(start: date, end: date) -> Iterator[date]:
    """Every day from start to end, inclusive (counting, so 9999-12-31 is no overflow)."""
    for n in range((end - start).days + 1):
        yield start + timedelta(days=n)


def planned_days(start: date, end: date, profile: Profile | None,
                 prescription: Prescription | None = None) -> list[date]:
    return [d for d in days_between(start, end) if is_planned_day(d, profile, prescription)]
