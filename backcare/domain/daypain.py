"""A day's pain is every pain the patient reports that day (docs/clinical.md §4 and §5,
issue 20): the baseline given at ``init`` (on the programme's first day), a check-in, and the
pain before and just after a session. The flare-up rule reads all of them.

Pure: no clock, no storage.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from backcare.domain.clinical import Thresholds
from backcare.domain.models import History, Profile
from backcare.domain.words import plural, short_date


def day_pains(
    history: History, profile: Profile | None = None, until: date | None = None
) -> dict[date, int]:
    """Each day's highest reported pain, up to ``until`` (inclusive)."""
    by_date: dict[date, int] = {}

    def add(day: date, score: int | None) -> None:
        if score is not None and (until is None or day <= until) and score > by_date.get(day, -1):
            by_date[day] = score

    if profile is not None:
        add(profile.start_date, profile.baseline_pain)
    for c in history.checkins:
        add(c.date, c.score)
    for s in history.sessions:
        add(s.date, s.pain_before)
        add(s.date, s.pain_after)
    return by_date


def declared_flares(history: History) -> set[date]:
    """The days the patient said a flare-up started (``pain N --flare``)."""
    return {c.date for c in history.checkins if c.flare}


def flare_on(
    day: date, pains: dict[date, int], declared: Iterable[date], t: Thresholds
) -> tuple[bool, str]:
    """docs/clinical.md §4 flare-up, with every pain of a day counted (issue 20): a pain of 7
    or more on any report, or a declared flare, starts one; it lasts until the pain has been
    reported under 7 on 2 days since (``flare_clear_days``). Returns (active, why)."""
    today = pains.get(day)
    if today is not None and today >= t.flare_pain:
        return True, f"your pain on {short_date(day)} is {today}/10"
    severe = [d for d, p in pains.items() if d <= day and p >= t.flare_pain]
    declared_days = [d for d in declared if d <= day]
    starts = severe + declared_days
    if not starts:
        return False, ""
    start = max(starts)
    calm = sum(1 for d in pains if start < d <= day)  # all under 7: start is the latest
    if calm >= t.flare_clear_days:
        return False, ""
    how = (
        f"you reported a flare-up on {short_date(start)}"
        if start in declared_days and start not in severe
        else f"your pain was {pains[start]}/10 on {short_date(start)}"
    )
    return True, (
        f"{how}; plans stay gentle until your pain has been under {t.flare_pain} "
        f"for {plural(t.flare_clear_days, 'day')}"
    )


def flare_days(
    history: History, profile: Profile | None, first: date, last: date, t: Thresholds
) -> set[date]:
    """The days from ``first`` to ``last`` whose plan was a flare-up's: greens from them
    never count towards a progression, nor do their exercises join the routine (issue 20).
    Each day is judged as its plan saw it: the pains of the days before it and that day's
    check-in, not the session done later that day."""
    pains = day_pains(history, profile, last)
    declared = declared_flares(history)
    if not any(p >= t.flare_pain for p in pains.values()) and not declared:
        return set()
    morning = {c.date: c.score for c in history.checkins}
    found = set()
    day = first
    while day <= last:
        seen = {d: p for d, p in pains.items() if d < day}
        if day in morning:
            seen[day] = morning[day]
        if profile is not None and day == profile.start_date and profile.baseline_pain is not None:
            seen[day] = max(seen.get(day, -1), profile.baseline_pain)
        if flare_on(day, seen, declared, t)[0]:
            found.add(day)
        day += timedelta(days=1)
    return found
