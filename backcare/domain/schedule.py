"""Which days are exercise days. Pure: no clock, no storage.

A patient chooses how many days a week they exercise (``init --days-per-week``); a
physiotherapist's prescription names its own days, from the day it applies (issue 14). The
patient's days are spread over the week so that rest days fall between exercise days.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator
from datetime import date, timedelta

from backcare.domain.models import WEEKDAYS, Prescribed, Prescription, Profile, regimen

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


def planned_checker(
    profile: Profile | None, prescription: Prescribed = None
) -> Callable[[date], bool]:
    """A test for "is this an exercise day?" with the profile and prescriptions fixed, so a
    report over years asks it quickly. Each day is judged by the prescription in force that
    day (issue 14), else by the patient's own days; before the programme's start no day is
    planned."""
    history = regimen(prescription)
    own = _own_days(profile)
    if not history.periods:
        return own
    starts = history.starts()
    in_force = [history.on(date.min), *(history.on(d) for d in starts)]
    days = [None if p is None else _weekdays(p) for p in in_force]

    def planned(day: date) -> bool:
        weekdays = days[bisect_right(starts, day)]
        return own(day) if weekdays is None else day.weekday() in weekdays

    return planned


def planned_months(
    profile: Profile | None, prescription: Prescribed = None
) -> Callable[[int, int], int]:
    """The exercise days of a month as a bit mask (bit d: day d), by the rule of
    :func:`planned_checker`. Between two days the rule may change on (the programme's start,
    a prescription's), it depends on the weekday only, so a month with no such day inside
    it is made from its first week, and months of the same shape share their mask: a
    century of months costs a few hundred tests, not 36,500 (issue 25)."""
    planned = planned_checker(profile, prescription)
    changes = sorted(
        {*regimen(prescription).starts(), *([profile.start_date] if profile is not None else [])}
    )
    shapes: dict[tuple[int, int, int], int] = {}

    def month(year: int, month: int) -> int:
        first = date(year, month, 1)
        length = MONTH_DAYS[month - 1] + (month == 2 and _leap(year))
        segment = bisect_right(changes, first)
        inside = segment < len(changes) and changes[segment] < first + timedelta(days=length)
        if inside:  # the rule changes within the month: each day by itself
            return sum(1 << n for n in range(1, length + 1) if planned(first.replace(day=n)))
        shape = (segment, first.weekday(), length)
        mask = shapes.get(shape)
        if mask is None:
            week = [planned(first + timedelta(days=k)) for k in range(min(7, length))]
            mask = shapes[shape] = sum(1 << n for n in range(1, length + 1) if week[(n - 1) % 7])
        return mask

    return month


MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # February 29 in a leap year


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _weekdays(prescription: Prescription) -> frozenset[int]:
    names = {name for item in prescription.items for name in item.days}
    return frozenset(i for i, name in enumerate(WEEKDAYS) if name in names)


def _own_days(profile: Profile | None) -> Callable[[date], bool]:
    """The patient's own exercise days: ``--days-per-week`` spread over the week, from the
    programme's start (every day without a profile)."""
    if profile is None:
        return lambda day: True
    first = profile.start_date
    weekdays = frozenset(SPREAD[min(max(profile.days_per_week, 1), 7)])
    return lambda day: day >= first and day.weekday() in weekdays


def is_planned_day(day: date, profile: Profile | None, prescription: Prescribed = None) -> bool:
    """Is ``day`` an exercise day? Before the programme's start it is not."""
    return planned_checker(profile, prescription)(day)


def days_between(start: date, end: date) -> Iterator[date]:
    """Every day from start to end, inclusive (counting, so 9999-12-31 is no overflow). By
    day number: a ten-year report walks 3,650 days in several of its rules, and a date
    made from its number is a fifth of the cost of one made by adding days (issue 25)."""
    return map(date.fromordinal, range(start.toordinal(), end.toordinal() + 1))
