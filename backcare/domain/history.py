"""The log as figures over days: the one place exercise days, adherence, streaks and mean
pain are computed. Pure: no clock, no storage, no printing.

:func:`index_history` reads a :class:`~backcare.domain.models.History` once and indexes it by
day; everything else here is a lookup or a short walk over days. The progress report
(:mod:`backcare.domain.analytics`), the physiotherapist's alerts
(:mod:`backcare.domain.alerts`) and the seek-help rules (:mod:`backcare.domain.safety`) are
all built on it, so a figure means the same everywhere it appears.

- **Exercise days**: days with a session in which at least one exercise was done or partly
  done. Three sessions in one day count once.
- **Planned days**: the exercise days of the programme (:mod:`backcare.domain.schedule`), none
  before its start; each day by the prescription in force that day.
- **Adherence**: exercise days ÷ planned days × 100, to 1 decimal, capped at 100; None when
  nothing was planned.
- **Mean pain**: the mean of the check-ins of a run of days (CONTRACT.md: "current" pain is
  the last 7 days').
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from collections.abc import Set as AbstractSet
from datetime import date, timedelta
from fractions import Fraction
from functools import lru_cache
from typing import NamedTuple

from backcare.domain.clinical import round_half_up
from backcare.domain.models import (
    Assessment,
    History,
    PainCheckin,
    Prescribed,
    Profile,
    Visit,
    regimen,
)
from backcare.domain.schedule import days_between, planned_checker, planned_months

AEROBIC = "aerobic"  # the library category whose minutes count (CLINICAL.md §1, §2)
DONE_STATUSES = frozenset({"done", "partial"})  # a skipped exercise is not exercise
PAIN_WINDOW_DAYS = 7  # CONTRACT.md: current pain is the mean of the last 7 days' scores
PERCENT = 100.0
DAYS_PER_WEEK = 7
MAX_MONTH_DAYS = 31


# --- The history, indexed once ----------------------------------------------------------------


class HistoryIndex(NamedTuple):
    """The history up to one day, indexed by date so that every figure is a lookup.

    Built once per report in O(records); the report and the alerts both read it, so ten years
    of daily data cost one pass, not one pass per day.
    """

    as_of: date
    checkins: tuple[PainCheckin, ...]  # by date, up to ``as_of``
    pain_by_day: Mapping[date, int]
    exercise_days: AbstractSet[date]  # days with a session in which something was done
    aerobic_by_day: Mapping[date, int]
    assessments: Mapping[str, tuple[Assessment, ...]]  # by instrument, by date
    visits: tuple[Visit, ...]
    first_record: date | None  # the first session or check-in, if any
    # (session id, day, aerobic minutes) of each session with aerobic minutes, in log order
    aerobic_sessions: tuple[tuple[str, date, int], ...] = ()
    # Results of each instrument summarised away (Earlier.left_out): not in ``assessments``,
    # but counted in a measure's number of results.
    left_out: Mapping[str, int] = {}

    def last_exercise_day(self, first: date, last: date) -> date | None:
        """The most recent exercise day in [first, last], walking back from ``last``."""
        if (last - first).days >= len(self.exercise_days):  # a long gap: scan the days done
            return max((d for d in self.exercise_days if first <= d <= last), default=None)
        return next((d for d in reversed_days(first, last) if d in self.exercise_days), None)


class DaySet(AbstractSet[date]):
    """A set of days kept as one bit mask a month (bit d of month (year, month) is day d):
    ten years of exercise days are 120 numbers, not 3,650 dates made one by one, and a
    month's days are one look-up (issue 25)."""

    __slots__ = ("_months", "_len")

    def __init__(self, recent: AbstractSet[date], months: Mapping[tuple[int, int], int]) -> None:
        masks = {k: v for k, v in months.items() if v}
        for d in recent:
            masks[(d.year, d.month)] = masks.get((d.year, d.month), 0) | 1 << d.day
        self._months = masks
        self._len = sum(m.bit_count() for m in masks.values())

    def __contains__(self, d: object) -> bool:
        try:
            mask = self._months.get((d.year, d.month))  # type: ignore[attr-defined]
            return mask is not None and (mask >> d.day) & 1 == 1  # type: ignore[attr-defined]
        except AttributeError:
            return False

    def __len__(self) -> int:
        return self._len

    def __iter__(self) -> Iterator[date]:
        for (year, month), mask in sorted(self._months.items()):
            for day in range(1, 32):
                if (mask >> day) & 1:
                    yield date(year, month, day)

    def month_mask(self, year: int, month: int) -> int:
        """The days of one month in the set, as a bit mask (bit d: day d)."""
        return self._months.get((year, month), 0)


class Earlier(NamedTuple):
    """The log before ``before``, summarised month by month (issue 25): what a report
    whose window starts later needs of it, and nothing more. Every figure made with it is
    the one the whole log gives (tests/test_window.py checks it)."""

    before: date
    exercised: Mapping[tuple[int, int], int]  # (year, month) → bit mask of exercise days
    first_record: date | None  # the first session or check-in
    # The first check-in, the last two before ``before``, and every one with a symptom:
    # the baseline, the check-in a report's first one rose from, and the red-flag rules.
    checkins: tuple[PainCheckin, ...]
    # Of each instrument's questionnaires, the first (a measure's baseline) and the last two
    # (what a window's first results are compared with); every PSFS (a goal follows one
    # activity's ratings). ``left_out``: how many others of each there were.
    assessments: tuple[Assessment, ...]
    left_out: Mapping[str, int] = {}

    def joined(self, history: History) -> History:
        """``history`` (from ``before`` on) with the records kept of the months before it."""
        later = history.between(self.before, None)
        return later._replace(
            checkins=tuple(sorted((*self.checkins, *later.checkins), key=lambda c: c.date)),
            assessments=tuple(
                sorted((*self.assessments, *later.assessments), key=lambda a: (a.date, a.id))
            ),
        )


def index_history(
    history: History,
    as_of: date,
    library_categories: Mapping[str, str],
    earlier: Earlier | None = None,
) -> HistoryIndex:
    """Index ``history`` up to ``as_of`` (inclusive). Records after it are ignored.
    ``earlier``: the months before ``history``'s, summarised (``history`` is then
    :meth:`Earlier.joined` with them)."""
    checkins = sorted((c for c in history.checkins if c.date <= as_of), key=lambda c: c.date)
    exercise_days: set[date] = set()
    aerobic: dict[date, int] = {}
    aerobic_sessions: list[tuple[str, date, int]] = []
    first: date | None = checkins[0].date if checkins else None
    aerobic_ids = {ex for ex, category in library_categories.items() if category == AEROBIC}
    for session in history.sessions:  # ten years hold 29,000 exercise records: keep it lean
        day = session.date
        if day > as_of:
            continue
        if first is None or day < first:
            first = day
        done = False
        minutes = 0
        for log in session.exercises:
            if log.status in DONE_STATUSES:
                done = True
                if log.exercise_id in aerobic_ids:
                    minutes += log.dose.duration_minutes or 0
        if done:
            exercise_days.add(day)
            if minutes:
                aerobic[day] = aerobic.get(day, 0) + minutes
                aerobic_sessions.append((session.id, day, minutes))
    by_instrument: dict[str, list[Assessment]] = {}
    for a in history.assessments:
        if a.date <= as_of:
            by_instrument.setdefault(a.instrument, []).append(a)
    days: AbstractSet[date] = frozenset(exercise_days)
    if earlier is not None:
        days = DaySet(days, earlier.exercised)
        if earlier.first_record is not None and (first is None or earlier.first_record < first):
            first = earlier.first_record
    return HistoryIndex(
        as_of=as_of,
        checkins=tuple(checkins),
        pain_by_day={c.date: c.score for c in checkins},
        exercise_days=days,
        aerobic_by_day=aerobic,
        assessments={
            k: tuple(sorted(v, key=lambda a: (a.date, a.id))) for k, v in by_instrument.items()
        },
        visits=tuple(sorted((v for v in history.visits if v.date <= as_of), key=lambda v: v.date)),
        first_record=first,
        aerobic_sessions=tuple(aerobic_sessions),
        left_out=earlier.left_out if earlier is not None else {},
    )


def aerobic_sessions(
    history: History, start: date, as_of: date, library_categories: Mapping[str, str]
) -> tuple[tuple[str, date, int], ...]:
    """(session id, day, aerobic minutes) of each session in [start, as_of] with aerobic
    minutes, by day: the progress report's ``aerobic_sessions``, from the same index, for an
    export that needs them and nothing else of the report (the FHIR bundle: issue 25)."""
    index = index_history(history, as_of, library_categories)
    return tuple(
        sorted((s for s in index.aerobic_sessions if start <= s[1] <= as_of), key=lambda s: s[1])
    )


# --- Small pure building blocks -------------------------------------------------------------


def shift(d: date, days: int) -> date:
    """``d`` moved by ``days``, held inside the calendar (a --date of 0001-01-01 or
    9999-12-31 must not crash a report)."""
    try:
        return d + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def reversed_days(first: date, last: date) -> Iterator[date]:
    """Each day from ``last`` back to ``first`` inclusive; never steps before ``first``."""
    return map(date.fromordinal, range(last.toordinal(), first.toordinal() - 1, -1))


def programme_start(
    profile: Profile | None, prescription: Prescribed, first_record: date | None = None
) -> date | None:
    """The first day of the programme: the profile's start, or the first day a
    prescription was in force if that is earlier; without either, the first day anything
    was logged (None when there is nothing at all)."""
    starts = [
        d
        for d in (
            profile.start_date if profile is not None else None,
            regimen(prescription).first_start(),
        )
        if d is not None
    ]
    if starts:
        return min(starts)
    return first_record


# A report's default period: the programme's start to its last day, but at most the last
# 12 weeks, so that years of history still make a report a clinician can read (issue 13);
# the `progress` view and the PDF report share it (issue 14).
MAX_DEFAULT_REPORT_DAYS = 12 * 7
DEFAULT_REPORT_DAYS = 28  # a report with nothing recorded covers the last four weeks


def report_start(start: date | None, end: date) -> date:
    """The first day of a report that ends on ``end``: the programme's ``start`` (four
    weeks back without one), never more than 12 weeks back, never after ``end``."""
    first = start if start is not None else shift(end, 1 - DEFAULT_REPORT_DAYS)
    return min(max(first, shift(end, 1 - MAX_DEFAULT_REPORT_DAYS)), end)


@lru_cache(maxsize=4096)  # few (done, planned) pairs recur across hundreds of weeks
def adherence_percent(done: int, planned: int) -> float | None:
    """done ÷ planned × 100 to 1 decimal, capped at 100; None when nothing was planned."""
    if planned <= 0:
        return None
    return min(PERCENT, round_half_up(done / planned * PERCENT))


def streak_days(
    as_of: date,
    floor: date | None,
    profile: Profile | None,
    prescription: Prescribed,
    exercise_days: AbstractSet[date],
) -> int:
    """Planned days in a row with a session, counting back from ``as_of`` to ``floor``.

    Rest days are skipped (they neither count nor break the streak). ``as_of`` counts when it
    was done; when it is planned and not (yet) done it does not break the streak, since the day
    is not over.
    """
    if floor is None or as_of < floor:
        return 0
    if isinstance(exercise_days, DaySet):
        return _streak_by_month(as_of, floor, planned_months(profile, prescription), exercise_days)
    planned = planned_checker(profile, prescription)
    count = 0
    for d in reversed_days(floor, as_of):
        if d == as_of and d not in exercise_days:
            continue  # an unfinished today does not break the streak
        if planned(d):
            if d not in exercise_days:
                break
            count += 1
    return count


def _streak_by_month(
    as_of: date, floor: date, planned: Callable[[int, int], int], days: DaySet
) -> int:
    """:func:`streak_days` a month at a time, with bit masks: a century of daily sessions
    is a streak of 36,500 days (issue 25). The same rule: an unexercised ``as_of`` is
    skipped, a planned day without exercise ends the streak."""
    count = 0
    year, month, hi = as_of.year, as_of.month, as_of.day
    last = (floor.year, floor.month)
    while (year, month) >= last:  # the months as numbers: a century is 1,200 of them
        lo = floor.day if (year, month) == last else 1
        exercised = days.month_mask(year, month)
        inside = ((1 << (hi + 1)) - 1) & ~((1 << lo) - 1)
        wanted = planned(year, month) & inside
        if (
            hi == as_of.day
            and (year, month) == (as_of.year, as_of.month)
            and not (exercised >> hi) & 1
        ):
            wanted &= ~(1 << hi)  # an unfinished today does not break the streak
        missed = wanted & ~exercised
        if missed:
            return count + (wanted >> missed.bit_length()).bit_count()
        count += wanted.bit_count()
        if month > 1:
            month -= 1
        elif year > 1:
            year, month = year - 1, 12
        else:
            break
        hi = MAX_MONTH_DAYS  # a month's mask has no bit past its last day
    return count


@lru_cache(maxsize=4096)
def rounded_mean(total: int, count: int) -> float:
    """total ÷ count to 1 decimal, half up. Scores are whole numbers 0-10, so few (total,
    count) pairs occur: caching them keeps a ten-year daily series quick."""
    return round_half_up(total / count)


def mean_pain(pain_by_day: Mapping[date, int], first: date, last: date) -> float | None:
    """The mean check-in score over [first, last], to 1 decimal; None without a check-in."""
    scores = [pain_by_day[d] for d in days_between(first, last) if d in pain_by_day]
    return rounded_mean(sum(scores), len(scores)) if scores else None


def exact_mean_pain(pain_by_day: Mapping[date, int], first: date, last: date) -> Fraction | None:
    """The mean check-in score over [first, last], unrounded: what a change is judged on
    (CLINICAL.md §9); :func:`mean_pain` is the same figure as shown."""
    scores = [pain_by_day[d] for d in days_between(first, last) if d in pain_by_day]
    return Fraction(sum(scores), len(scores)) if scores else None


def baseline_pain(
    profile: Profile | None, index: HistoryIndex
) -> tuple[int | None, date | None, str | None]:
    """(score, date, source): the profile's baseline, else the first check-in's score. The
    profile's baseline is the pain at the programme's start, dated so (issue 21: not the
    day init ran)."""
    if profile is not None and profile.baseline_pain is not None:
        return profile.baseline_pain, profile.start_date, "profile"
    if index.checkins:
        first = index.checkins[0]
        return first.score, first.date, "first check-in"
    return None, None, None


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())
