"""Progress over time: adherence, streaks, pain and questionnaire trends (issue 5).

Pure: no clock, no storage, no printing. The report's dates are passed in, and the history is
already loaded. :func:`progress_report` builds one :class:`ProgressReport`; its ``to_dict()`` is
the ``progress --json`` document of CONTRACT.md, and the terminal view and the PDF export are
drawn from the same object, so they cannot disagree (STYLE.md §5).

How the figures are defined (README-ready):

- **The report's last day** ("as of") is the earlier of ``--to`` and today: nothing after it is
  counted, and nothing in the future is "planned".
- **Programme start**: the prescription's ``start`` when a physiotherapist's programme has one;
  else the profile's start date (``init --date``); else, with no profile, the first day
  anything was logged. No day before it is ever planned.
- **Planned days** (``sessions_planned``): the exercise days (:func:`backcare.domain.schedule.
  is_planned_day`: the prescription's days, else ``--days-per-week`` spread over the week)
  between ``from`` and the report's last day, from the programme start. Today counts.
- **Exercise days** (``sessions_done``): the days in the same range, from the programme start,
  with at least one session in which at least one exercise was done or partly done. Days are
  counted, not sessions: three sessions in one day count once. A session on a rest day counts
  too (swapping a day is fine), which is why adherence is capped.
- **Adherence** (``adherence_percent``): exercise days ÷ planned days × 100, to 1 decimal,
  capped at 100; null when nothing was planned (for example before the programme starts).
- **Streak** (``streak_days``): the number of planned days in a row, counting back from the
  report's last day, on which there was an exercise session. Rest days neither count nor break
  it; today counts when done, and an unfinished today does not break it. It may reach back
  before ``from`` (a streak is a streak), but never before the programme start.
- **Pain baseline**: the profile's baseline pain (``init --pain``), else the first check-in
  ever. **Current pain**: the mean of the check-ins of the 7 days ending on the report's last
  day (null when there are none), to 1 decimal. **Change** = current − baseline;
  **percent change** = change ÷ baseline × 100 (null when the baseline is 0).
  **Clinically important**: a fall of 2 points or 30% or more (Ostelo et al. 2008,
  CLINICAL.md §3; the thresholds come from :class:`~backcare.domain.clinical.Thresholds`).
- **Verdict**: "improving" when the pain change is clinically important; "worse" when pain
  rose by the same amount; otherwise "no clear change"; null without a current figure.
- **Weekly**: Monday-based weeks; each week's adherence is computed as above on its own days
  inside the report, ``mean_pain`` is the mean of that week's check-ins, and
  ``aerobic_minutes`` is the sum of ``duration_minutes`` of that week's aerobic exercises
  (library category ``aerobic``) done or partly done. The WHO guideline is 150 minutes a week
  (CLINICAL.md §2).
- **Measures**: for each questionnaire with at least one result, ``baseline`` is the first
  result ever and ``latest`` the last one up to the report's last day; ``change`` and
  ``clinically_important`` come from :func:`backcare.domain.scoring.change_verdict`. For STarT Back
  they are risk groups.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from backcare.domain.clinical import Thresholds
from backcare.domain.instruments import INSTRUMENT_IDS, ChangeRule
from backcare.domain.models import (
    Assessment,
    Goal,
    History,
    PainCheckin,
    Prescription,
    Profile,
    Visit,
    iso,
)
from backcare.domain.schedule import days_between, planned_checker
from backcare.domain.scoring import (
    Change,
    change_verdict,
    normalise_activity,
    pain_change,
    round_score,
)
from backcare.errors import BackcareError

if TYPE_CHECKING:
    from backcare.domain.alerts import Alert
    from backcare.domain.library import Library
    from backcare.storage import Store

AEROBIC = "aerobic"  # the library category whose minutes count (CLINICAL.md §1, §2)
DONE_STATUSES = frozenset({"done", "partial"})  # a skipped exercise is not exercise
PAIN_WINDOW_DAYS = 7  # CONTRACT.md: current pain is the mean of the last 7 days' scores
PERCENT = 100.0
DAYS_PER_WEEK = 7

IMPROVING = "improving"
NO_CLEAR_CHANGE = "no clear change"
WORSENING = "worse"

PAIN_SOURCE = ("Ostelo et al. 2008, Spine 33:90-94 (CLINICAL.md §3); thresholds from "
               "backcare's settings")


# --- The history, indexed once ----------------------------------------------------------------

class HistoryIndex(NamedTuple):
    """The history up to one day, indexed by date so that every figure is a lookup.

    Built once per report in O(records); the report and the alerts both read it, so ten years
    of daily data cost one pass, not one pass per day.
    """

    as_of: date
    checkins: tuple[PainCheckin, ...]  # by date, up to ``as_of``
    pain_by_day: Mapping[date, int]
    exercise_days: frozenset[date]  # days with a session in which something was done
    aerobic_by_day: Mapping[date, int]
    assessments: Mapping[str, tuple[Assessment, ...]]  # by instrument, by date
    visits: tuple[Visit, ...]
    first_record: date | None  # the first session or check-in, if any

    def last_exercise_day(self, first: date, last: date) -> date | None:
        """The most recent exercise day in [first, last], walking back from ``last``."""
        if (last - first).days >= len(self.exercise_days):  # a long gap: scan the days done
            return max((d for d in self.exercise_days if first <= d <= last), default=None)
        return next((d for d in reversed_days(first, last) if d in self.exercise_days), None)


def index_history(history: History, as_of: date,
                  library_categories: Mapping[str, str]) -> HistoryIndex:
    """Index ``history`` up to ``as_of`` (inclusive). Records after it are ignored."""
    checkins = sorted((c for c in history.checkins if c.date <= as_of), key=lambda c: c.date)
    exercise_days: set[date] = set()
    aerobic: dict[date, int] = {}
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
    by_instrument: dict[str, list[Assessment]] = {}
    for a in history.assessments:
        if a.date <= as_of:
            by_instrument.setdefault(a.instrument, []).append(a)
    return HistoryIndex(
        as_of=as_of,
        checkins=tuple(checkins),
        pain_by_day={c.date: c.score for c in checkins},
        exercise_days=frozenset(exercise_days),
        aerobic_by_day=aerobic,
        assessments={k: tuple(sorted(v, key=lambda a: (a.date, a.id)))
                     for k, v in by_instrument.items()},
        visits=tuple(sorted((v for v in history.visits if v.date <= as_of),
                            key=lambda v: v.date)),
        first_record=first,
    )


# --- Small pure building blocks (also used by alerts.py) --------------------------------------

def shift(d: date, days: int) -> date:
    """``d`` moved by ``days``, held inside the calendar (a --date of 0001-01-01 or
    9999-12-31 must not crash a report)."""
    try:
        return d + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def reversed_days(first: date, last: date) -> Iterator[date]:
    """Each day from ``last`` back to ``first`` inclusive; never steps before ``first``."""
    return (last - timedelta(days=n) for n in range((last - first).days + 1))


def programme_start(profile: Profile | None, prescription: Prescription | None,
                    first_record: date | None = None) -> date | None:
    """The first day of the programme: the prescription's start, else the profile's, else the
    first day anything was logged (None when there is nothing at all)."""
    if prescription is not None and prescription.items and prescription.start:
        return prescription.start
    if profile is not None:
        return profile.start_date
    return first_record


def planned_in(first: date, last: date, start: date | None, profile: Profile | None,
               prescription: Prescription | None) -> list[date]:
    """The planned exercise days in [first, last], none before the programme start."""
    if start is None:
        return []
    lo = max(first, start)
    planned = planned_checker(profile, prescription)
    return [d for d in days_between(lo, last) if planned(d)]


def exercised_in(first: date, last: date, start: date | None,
                 exercise_days: frozenset[date]) -> int:
    """How many days in [first, last], from the programme start, had an exercise session."""
    if start is None:
        return 0
    lo = max(first, start)
    if (last - lo).days + 1 > len(exercise_days):  # fewer lookups on a long range
        return sum(1 for d in exercise_days if lo <= d <= last)
    return sum(1 for d in days_between(lo, last) if d in exercise_days)


@lru_cache(maxsize=4096)  # few (done, planned) pairs recur across hundreds of weeks
def adherence_percent(done: int, planned: int) -> float | None:
    """done ÷ planned × 100 to 1 decimal, capped at 100; None when nothing was planned."""
    if planned <= 0:
        return None
    return min(PERCENT, round_score(done / planned * PERCENT))


def streak_days(as_of: date, floor: date | None, profile: Profile | None,
                prescription: Prescription | None, exercise_days: frozenset[date]) -> int:
    """Planned days in a row with a session, counting back from ``as_of`` to ``floor``.

    Rest days are skipped (they neither count nor break the streak). ``as_of`` counts when it
    was done; when it is planned and not (yet) done it does not break the streak, since the day
    is not over.
    """
    if floor is None or as_of < floor:
        return 0
    count = 0
    planned = planned_checker(profile, prescription)
    for d in reversed_days(floor, as_of):
        if d == as_of and d not in exercise_days:
            continue  # an unfinished today does not break the streak
        if planned(d):
            if d not in exercise_days:
                break
            count += 1
    return count


@lru_cache(maxsize=4096)
def rounded_mean(total: int, count: int) -> float:
    """total ÷ count to 1 decimal, half up. Scores are whole numbers 0-10, so few (total,
    count) pairs occur: caching them keeps a ten-year daily series quick."""
    return round_score(total / count)


def mean_pain(pain_by_day: Mapping[date, int], first: date, last: date) -> float | None:
    """The mean check-in score over [first, last], to 1 decimal; None without a check-in."""
    scores = [pain_by_day[d] for d in days_between(first, last) if d in pain_by_day]
    return rounded_mean(sum(scores), len(scores)) if scores else None


def pain_rule(thresholds: Thresholds) -> ChangeRule:
    """The NRS minimal important change, 2 points or 30% by default (CLINICAL.md §3)."""
    return ChangeRule(thresholds.pain_mic_points, thresholds.pain_mic_percent, "MIC",
                      PAIN_SOURCE)


def baseline_pain(profile: Profile | None, index: HistoryIndex) -> tuple[int | None, date | None,
                                                                         str | None]:
    """(score, date, source): the profile's baseline, else the first check-in's score."""
    if profile is not None and profile.baseline_pain is not None:
        return profile.baseline_pain, profile.created or profile.start_date, "profile"
    if index.checkins:
        first = index.checkins[0]
        return first.score, first.date, "first check-in"
    return None, None, None


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


# --- The report -------------------------------------------------------------------------------

class WeekSummary(NamedTuple):
    week_start: date  # the Monday
    days: int  # days of this week inside the report, up to its last day
    sessions_planned: int
    sessions_done: int
    adherence_percent: float | None
    mean_pain: float | None
    aerobic_minutes: int

    def to_dict(self) -> dict[str, Any]:
        return {"week_start": self.week_start.isoformat(),
                "adherence_percent": self.adherence_percent, "mean_pain": self.mean_pain,
                "aerobic_minutes": self.aerobic_minutes, "days": self.days,
                "sessions_planned": self.sessions_planned,
                "sessions_done": self.sessions_done}


class PainSummary(NamedTuple):
    baseline: int | None
    baseline_date: date | None
    baseline_source: str | None  # "profile" | "first check-in"
    current: float | None
    current_checkins: int  # how many check-ins the current mean is made of
    change: float | None
    percent_change: float | None
    clinically_important: bool
    important_worsening: bool
    latest: int | None  # the latest single check-in, and its date
    latest_date: date | None

    def to_dict(self) -> dict[str, Any]:
        return {"baseline": self.baseline, "current": self.current, "change": self.change,
                "percent_change": self.percent_change,
                "clinically_important": self.clinically_important,
                "important_worsening": self.important_worsening,
                "baseline_date": iso(self.baseline_date),
                "baseline_source": self.baseline_source,
                "current_checkins": self.current_checkins,
                "latest": self.latest, "latest_date": iso(self.latest_date)}


@dataclass(frozen=True)
class MeasureSummary:  # a dataclass: its field 'count' would shadow tuple.count
    instrument: str
    baseline: float | str  # a score, or a STarT Back risk group
    baseline_date: date
    latest: float | str
    latest_date: date
    count: int
    change: float | None
    percent_change: float | None
    direction: str | None  # "improved" | "worse" | "no clear change"
    clinically_important: bool
    rule: str | None
    scores: tuple[tuple[date, float], ...]  # the scores inside the report, for charts

    def to_dict(self) -> dict[str, Any]:
        return {"baseline": self.baseline, "latest": self.latest, "change": self.change,
                "clinically_important": self.clinically_important,
                "percent_change": self.percent_change, "direction": self.direction,
                "baseline_date": self.baseline_date.isoformat(),
                "latest_date": self.latest_date.isoformat(), "count": self.count,
                "rule": self.rule,
                "scores": [{"date": d.isoformat(), "score": s} for d, s in self.scores]}


class DayPain(NamedTuple):
    date: date
    pain: int | None
    mean_7d: float | None  # the mean of the 7 days ending on this day

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "pain": self.pain, "mean_7d": self.mean_7d}


class Flare(NamedTuple):
    date: date
    score: int
    declared: bool  # the patient said so (pain flare); else the score reached the flare level

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "score": self.score, "declared": self.declared}


class FlaggedExercise(NamedTuple):
    """An exercise logged with pain in the red zone (above amber, CLINICAL.md §4)."""

    date: date
    exercise_id: str
    pain: int
    session_id: str

    def to_dict(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "exercise_id": self.exercise_id,
                "pain": self.pain, "session_id": self.session_id}


class GoalProgress(NamedTuple):
    goal: Goal
    status: str  # "open" | "done" | "overdue"
    psfs_baseline: int | None = None
    psfs_latest: int | None = None
    psfs_latest_date: date | None = None

    def to_dict(self) -> dict[str, Any]:
        psfs = None
        if self.goal.psfs_activity:
            psfs = {"activity": self.goal.psfs_activity, "baseline": self.psfs_baseline,
                    "latest": self.psfs_latest, "latest_date": iso(self.psfs_latest_date)}
        return {**self.goal.to_dict(), "status": self.status, "psfs": psfs}


class AerobicSummary(NamedTuple):
    guideline_minutes_per_week: int
    latest_week_minutes: int
    full_weeks: int  # weeks wholly inside the report and over
    full_weeks_meeting_guideline: int

    def to_dict(self) -> dict[str, Any]:
        return {"guideline_minutes_per_week": self.guideline_minutes_per_week,
                "latest_week_minutes": self.latest_week_minutes,
                "full_weeks": self.full_weeks,
                "full_weeks_meeting_guideline": self.full_weeks_meeting_guideline}


class ProgressReport(NamedTuple):
    """Everything ``backcare progress`` shows; ``to_dict()`` is the CONTRACT.md document."""

    start: date
    end: date
    today: date
    as_of: date
    programme_start: date | None
    sessions_planned: int
    sessions_done: int
    adherence_percent: float | None
    streak_days: int
    weekly: tuple[WeekSummary, ...]
    pain: PainSummary
    verdict: str | None
    verdict_text: str
    measures: tuple[MeasureSummary, ...]
    alerts: tuple[Alert, ...]
    daily: tuple[DayPain, ...] = ()
    visits: tuple[Visit, ...] = ()
    flares: tuple[Flare, ...] = ()
    flagged: tuple[FlaggedExercise, ...] = ()
    aerobic: AerobicSummary | None = None
    goals: tuple[GoalProgress, ...] = ()
    has_data: bool = False  # anything logged or assessed at all, up to the last day

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "sessions_planned": self.sessions_planned,
            "sessions_done": self.sessions_done,
            "adherence_percent": self.adherence_percent,
            "streak_days": self.streak_days,
            "weekly": [w.to_dict() for w in self.weekly],
            "pain": self.pain.to_dict(),
            "measures": {m.instrument: m.to_dict() for m in self.measures},
            "alerts": [a.to_dict() for a in self.alerts],
            "date": self.today.isoformat(),
            "as_of": self.as_of.isoformat(),
            "programme_start": iso(self.programme_start),
            "verdict": self.verdict,
            "verdict_text": self.verdict_text,
            "aerobic": self.aerobic.to_dict() if self.aerobic else None,
            "daily": [{"date": d.isoformat(), "pain": p, "mean_7d": m}  # DayPain.to_dict,
                      for d, p, m in self.daily],                   # inline: 3,650 of them
            "visits": [{"date": v.date.isoformat(), "kind": v.kind} for v in self.visits],
            "flares": [f.to_dict() for f in self.flares],
            "flagged_exercises": [f.to_dict() for f in self.flagged],
            "goals": [g.to_dict() for g in self.goals],
        }


def progress_report(profile: Profile | None, history: History,
                    prescription: Prescription | None, start: date, end: date, today: date,
                    thresholds: Thresholds, library_categories: Mapping[str, str],
                    goals: Sequence[Goal] = ()) -> ProgressReport:
    """The progress report for [start, end], as it stands on ``today``.

    ``history`` must hold everything up to ``end`` (earlier records give the baselines);
    ``library_categories`` maps exercise id → library category, to count aerobic minutes.
    """
    from backcare.domain.alerts import check_alerts  # alerts builds on this module's blocks

    if start > end:
        raise BackcareError(f"the report would start ({start.isoformat()}) after it ends "
                            f"({end.isoformat()}); give a --from on or before --to")
    as_of = min(end, today)
    index = index_history(history, as_of, library_categories)
    p_start = programme_start(profile, prescription, index.first_record)

    weekly = tuple(_weeks(start, end, as_of, p_start, profile, prescription, index))
    # The weeks, clipped to the report, cover [start, as_of] exactly once.
    planned = sum(w.sessions_planned for w in weekly)
    done = sum(w.sessions_done for w in weekly)
    pain = _pain_summary(profile, index, as_of, thresholds)
    verdict, verdict_text = _verdict(pain, thresholds)

    def in_window(d: date) -> bool:
        return start <= d <= as_of

    return ProgressReport(
        start=start, end=end, today=today, as_of=as_of, programme_start=p_start,
        sessions_planned=planned,
        sessions_done=done,
        adherence_percent=adherence_percent(done, planned),
        streak_days=streak_days(as_of, p_start, profile, prescription, index.exercise_days),
        weekly=weekly,
        pain=pain,
        verdict=verdict,
        verdict_text=verdict_text,
        measures=tuple(_measures(index, start)),
        alerts=tuple(check_alerts(profile, history, prescription, as_of, thresholds,
                                  library_categories, index=index)),
        daily=tuple(_daily(start, as_of, index)),
        visits=tuple(v for v in index.visits if in_window(v.date)),
        flares=tuple(Flare(c.date, c.score, c.flare) for c in index.checkins
                     if in_window(c.date) and (c.flare or c.score >= thresholds.flare_pain)),
        flagged=tuple(sorted((f for f in _flagged(history, thresholds) if in_window(f.date)),
                             key=lambda f: (f.date, f.session_id))),
        aerobic=_aerobic(weekly, thresholds),
        goals=tuple(goal_progress(g, index, today) for g in goals),
        has_data=bool(index.first_record or any(index.assessments.values())),
    )


def _weeks(start: date, end: date, as_of: date, p_start: date | None,
           profile: Profile | None, prescription: Prescription | None,
           index: HistoryIndex) -> Iterable[WeekSummary]:
    """Monday-based weeks. One pass over the days: a ten-year report has 3,650 of them."""
    planned_day = planned_checker(profile, prescription)
    exercise_days, aerobic_by_day = index.exercise_days, index.aerobic_by_day
    pain_by_day = index.pain_by_day
    first = monday(start)
    last = min(end, as_of)
    days = [first + timedelta(days=n) for n in range(max((last - first).days + 1, 0))]
    for n in range((end - first).days // DAYS_PER_WEEK + 1):
        week = first + timedelta(days=n * DAYS_PER_WEEK)
        lo, hi = max(week, start), min(shift(week, DAYS_PER_WEEK - 1), end, as_of)
        if hi < lo:  # a week wholly after the report's last day
            yield WeekSummary(week, 0, 0, 0, None, None, 0)
            continue
        planned = done = aerobic = pain_total = pain_count = 0
        for d in days[(lo - first).days:(hi - first).days + 1]:
            if p_start is not None and d >= p_start:  # nothing counts before the start
                planned += planned_day(d)
                done += d in exercise_days
            aerobic += aerobic_by_day.get(d, 0)
            score = pain_by_day.get(d)
            if score is not None:
                pain_total += score
                pain_count += 1
        yield WeekSummary(week, (hi - lo).days + 1, planned, done,
                          adherence_percent(done, planned),
                          rounded_mean(pain_total, pain_count) if pain_count else None,
                          aerobic)


def _pain_summary(profile: Profile | None, index: HistoryIndex, as_of: date,
                  thresholds: Thresholds) -> PainSummary:
    baseline, baseline_date, source = baseline_pain(profile, index)
    first = shift(as_of, 1 - PAIN_WINDOW_DAYS)
    current = mean_pain(index.pain_by_day, first, as_of)
    count = sum(1 for d in days_between(first, as_of) if d in index.pain_by_day)
    latest = index.checkins[-1] if index.checkins else None
    change: Change | None = None
    if baseline is not None and current is not None:
        change = pain_change(baseline, current, rule=pain_rule(thresholds))
    return PainSummary(
        baseline=baseline, baseline_date=baseline_date, baseline_source=source,
        current=current, current_checkins=count,
        change=change.change if change else None,
        percent_change=change.percent_change if change else None,
        clinically_important=bool(change and change.clinically_important),
        important_worsening=bool(change and change.important_worsening),
        latest=latest.score if latest else None,
        latest_date=latest.date if latest else None,
    )


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _verdict(pain: PainSummary, thresholds: Thresholds) -> tuple[str | None, str]:
    """"improving" / "no clear change" / "worse" by the NRS minimal important change
    (2 points or 30%, CLINICAL.md §3), with a sentence for the patient."""
    mic = f"{thresholds.pain_mic_points:g} points or {thresholds.pain_mic_percent:g}%"
    if pain.current is None:
        if pain.latest is None:
            return None, ("No pain check-ins yet. Record how your back feels each day, for "
                          "example: backcare pain 4")
        return None, ("No pain check-in in the last 7 days, so there is no current figure. "
                      "Record today's pain, for example: backcare pain 4")
    if pain.baseline is None or pain.change is None:
        return None, f"Your pain averages {_fmt(pain.current)} out of 10 over the last 7 days."
    moved = f"from {pain.baseline} to {_fmt(pain.current)} out of 10"
    if pain.clinically_important:
        return IMPROVING, (f"Improving: your pain has come down {moved}, a clinically "
                           f"important improvement ({mic} or more). Well done.")
    if pain.important_worsening:
        return WORSENING, (f"Worse: your pain has gone up {moved}. Please tell your "
                           "physiotherapist or GP, especially if it keeps rising.")
    return NO_CLEAR_CHANGE, (f"No clear change yet: your pain has gone {moved}. A change of "
                             f"{mic} is what counts as a clear difference; keep going.")


def _measures(index: HistoryIndex, start: date) -> Iterable[MeasureSummary]:
    order = {name: n for n, name in enumerate(INSTRUMENT_IDS)}
    for instrument in sorted(index.assessments, key=lambda i: order.get(i, len(order))):
        results = index.assessments[instrument]
        if not results:
            continue
        first, last = results[0], results[-1]
        baseline: float | str = first.score
        latest: float | str = last.score
        if instrument == "startback":  # CONTRACT.md: for STarT Back, latest is the risk group
            baseline, latest = first.band or "", last.band or ""
        change: Change | None
        try:
            change = change_verdict(instrument, baseline, latest)
        except BackcareError:  # an unknown instrument or a damaged score: show it, unjudged
            change = None
        yield MeasureSummary(
            instrument=instrument, baseline=baseline, baseline_date=first.date,
            latest=latest, latest_date=last.date, count=len(results),
            change=change.change if change else None,
            percent_change=change.percent_change if change else None,
            direction=change.direction if change else None,
            clinically_important=bool(change and change.clinically_important),
            rule=change.rule if change else None,
            scores=tuple((a.date, a.score) for a in results if a.date >= start),
        )


def _daily(start: date, as_of: date, index: HistoryIndex) -> Iterable[DayPain]:
    """Each day's check-in and the mean of the 7 days ending on it, as a running sum.

    A ten-year report has 3,650 days: the records are made with ``tuple.__new__`` and the
    window is kept as plain running totals."""
    pain_by_day = index.pain_by_day
    first = shift(start, 1 - PAIN_WINDOW_DAYS)
    count = (as_of - first).days + 1
    scores = [pain_by_day.get(first + timedelta(days=n)) for n in range(max(count, 0))]
    new = tuple.__new__
    total = seen = 0
    for n, score in enumerate(scores):
        if score is not None:
            total += score
            seen += 1
        if n >= PAIN_WINDOW_DAYS:  # the day leaving the 7-day window
            old = scores[n - PAIN_WINDOW_DAYS]
            if old is not None:
                total -= old
                seen -= 1
        day = first + timedelta(days=n)
        if day >= start:  # (near 0001-01-01 the window is shorter than 7 days)
            yield new(DayPain, (day, score, rounded_mean(total, seen) if seen else None))


def _aerobic(weekly: Sequence[WeekSummary], thresholds: Thresholds) -> AerobicSummary:
    """Weekly aerobic minutes against the WHO 150 minutes a week (CLINICAL.md §2)."""
    full = [w for w in weekly if w.days == DAYS_PER_WEEK]
    latest = next((w for w in reversed(weekly) if w.days), None)
    return AerobicSummary(
        guideline_minutes_per_week=thresholds.aerobic_week_minutes,
        latest_week_minutes=latest.aerobic_minutes if latest else 0,
        full_weeks=len(full),
        full_weeks_meeting_guideline=sum(1 for w in full
                                         if w.aerobic_minutes >= thresholds.aerobic_week_minutes),
    )


def _flagged(history: History, thresholds: Thresholds) -> Iterable[FlaggedExercise]:
    for session in history.sessions:
        for log in session.exercises:
            if log.pain is not None and log.pain > thresholds.amber_max:
                yield FlaggedExercise(session.date, log.exercise_id, log.pain, session.id)


def flagged_exercises(history: History, thresholds: Thresholds) -> list[dict[str, Any]]:
    """Exercises logged with pain in the red zone (above ``amber_max``, CLINICAL.md §4), oldest
    first: each ``{date, exercise_id, pain, session_id}``. For the physiotherapist's report."""
    return [f.to_dict() for f in sorted(_flagged(history, thresholds),
                                        key=lambda f: (f.date, f.session_id))]


def _psfs_key(activity: str) -> str:
    return normalise_activity(activity).casefold()


def psfs_rating(assessment: Assessment, activity: str) -> int | None:
    """The rating of ``activity`` in a PSFS result (names compared ignoring case)."""
    answers = assessment.answers
    if not isinstance(answers, Mapping):
        return None
    key = _psfs_key(activity)
    for name, rating in answers.items():
        if isinstance(name, str) and _psfs_key(name) == key and isinstance(rating, int):
            return rating
    return None


def psfs_activities(assessments: Iterable[Assessment]) -> dict[str, str]:
    """The activities named in PSFS results, keyed ignoring case, as last spelt."""
    names: dict[str, str] = {}
    for a in assessments:
        if a.instrument == "psfs" and isinstance(a.answers, Mapping):
            names.update({_psfs_key(n): normalise_activity(n) for n in a.answers
                          if isinstance(n, str)})
    return names


def goal_progress(goal: Goal, index: HistoryIndex, today: date) -> GoalProgress:
    """A goal's status on ``today``, and for a PSFS-tied goal its activity's ratings."""
    if goal.done_on is not None:
        status = "done"
    elif goal.by is not None and goal.by < today:
        status = "overdue"
    else:
        status = "open"
    if not goal.psfs_activity:
        return GoalProgress(goal, status)
    rated = [(a.date, r) for a in index.assessments.get("psfs", ())
             if (r := psfs_rating(a, goal.psfs_activity)) is not None]
    if not rated:
        return GoalProgress(goal, status)
    return GoalProgress(goal, status, rated[0][1], rated[-1][1], rated[-1][0])


# --- Loading from the store (the one part that is not pure) ----------------------------------
# The command and the PDF export both build their report here, so they cannot disagree.

def load_progress(store: Store, library: Library, thresholds: Thresholds, start: date,
                  end: date, today: date) -> ProgressReport:
    """Load what the report needs from ``store`` and build it.

    The history is read once, from the beginning (baselines may be older than the report) up to
    ``end``; everything after that is indexed by date.
    """
    categories = {e.id: e.category for e in library}
    return progress_report(store.profile(), store.history(None, end), store.programme(),
                           start, end, today, thresholds, categories, goals=store.goals())


def build_progress_for_export(store: Store, library: Library, thresholds: Thresholds,
                              start: date, end: date, today: date) -> dict[str, Any]:
    """The ``progress --json`` document, for the exports."""
    return load_progress(store, library, thresholds, start, end, today).to_dict()
