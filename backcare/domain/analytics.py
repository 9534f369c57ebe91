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
- **Weekly**: Monday-based weeks from the programme start (weeks before it are not counted,
  nor the days of its first week before it); each week's adherence is computed as above on
  its own days inside the report, ``mean_pain`` is the mean of that week's check-ins, and
  ``aerobic_minutes`` is the sum of ``duration_minutes`` of that week's aerobic exercises
  (library category ``aerobic``) done or partly done. The WHO guideline is 150 minutes a week
  (CLINICAL.md §2).
- **Alerts** (``alerts``): every alert that applied on any day of the report, each with the
  day it fired (and, for a run of days, until when), even if it has cleared since
  (:func:`backcare.domain.alerts.period_alerts`, issue 11). **Flagged exercises**: every red
  attempt in the report, by the planner's own rule (pain during or just after, the session's
  pain just after, or the next morning).
- **Measures**: for each questionnaire with at least one result, ``baseline`` is the first
  result ever and ``latest`` the last one up to the report's last day; ``change`` and
  ``clinically_important`` come from :func:`backcare.domain.scoring.change_verdict`. For STarT Back
  they are risk groups.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from backcare.domain.alerts import Alert, period_alerts
from backcare.domain.clinical import Thresholds
from backcare.domain.history import (
    DAYS_PER_WEEK,
    PAIN_WINDOW_DAYS,
    Earlier,
    HistoryIndex,
    adherence_percent,
    baseline_pain,
    exact_mean_pain,
    index_history,
    mean_pain,
    monday,
    programme_start,
    rounded_mean,
    shift,
    streak_days,
)
from backcare.domain.instruments import INSTRUMENT_IDS
from backcare.domain.models import Assessment, Goal, History, Prescribed, Profile, Visit, iso
from backcare.domain.progression import PainZone, attempts
from backcare.domain.safety import checkin_red_flags, clearance_day
from backcare.domain.schedule import days_between, planned_checker
from backcare.domain.scoring import (
    ACTIVITIES_DIFFER,
    Change,
    compare,
    normalise_activity,
    pain_change,
)
from backcare.domain.words import num
from backcare.errors import BackcareError

IMPROVING = "improving"
NO_CLEAR_CHANGE = "no clear change"
WORSENING = "worse"

# --- The report -------------------------------------------------------------------------------


class WeekSummary(NamedTuple):
    week_start: date  # the Monday
    days: int  # days of this week inside the report, up to its last day
    sessions_planned: int
    sessions_done: int
    adherence_percent: float | None
    mean_pain: float | None
    aerobic_minutes: int
    aerobic_days: int = 0  # days with aerobic exercise done
    # Days exercised that were not planned (a rest day, or a day the programme was stopped
    # for a red flag): listed apart, never in adherence (issue 20).
    extra_days: int = 0

    @property
    def partial(self) -> bool:
        """The week is not wholly inside the report (it is still going on, or the report
        starts or ends inside it)."""
        return self.days < DAYS_PER_WEEK

    def to_dict(self) -> dict[str, Any]:
        return {
            "week_start": self.week_start.isoformat(),
            "adherence_percent": self.adherence_percent,
            "mean_pain": self.mean_pain,
            "aerobic_minutes": self.aerobic_minutes,
            "days": self.days,
            "sessions_planned": self.sessions_planned,
            "sessions_done": self.sessions_done,
            "aerobic_days": self.aerobic_days,
            "extra_days": self.extra_days,
        }


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
        return {
            "baseline": self.baseline,
            "current": self.current,
            "change": self.change,
            "percent_change": self.percent_change,
            "clinically_important": self.clinically_important,
            "important_worsening": self.important_worsening,
            "baseline_date": iso(self.baseline_date),
            "baseline_source": self.baseline_source,
            "current_checkins": self.current_checkins,
            "latest": self.latest,
            "latest_date": iso(self.latest_date),
        }


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
    direction: str | None  # "improved" | "worse" | "no clear change" | "activities differ"
    clinically_important: bool
    rule: str | None
    scores: tuple[tuple[date, float], ...]  # the scores inside the report, for charts
    important_worsening: bool = False  # beyond the instrument's absolute minimum (§3)
    note: str | None = None  # why there is no verdict: PSFS activities that differ

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline,
            "latest": self.latest,
            "change": self.change,
            "clinically_important": self.clinically_important,
            "percent_change": self.percent_change,
            "direction": self.direction,
            "baseline_date": self.baseline_date.isoformat(),
            "latest_date": self.latest_date.isoformat(),
            "count": self.count,
            "rule": self.rule,
            "important_worsening": self.important_worsening,
            "note": self.note,
            "scores": [{"date": d.isoformat(), "score": s} for d, s in self.scores],
        }


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
    """An exercise in the red zone (CLINICAL.md §4): it hurt above amber during or just after
    it, the session's pain just after was red with no other exercise named as the cause, or
    the next morning's pain rose after its session. The same rule as the planner's."""

    date: date
    exercise_id: str
    pain: int | None  # the exercise's own pain answer, when there was one
    session_id: str
    next_morning: bool = False  # red because the next morning's pain rose
    pain_after: int | None = None  # red because of the session's pain just after
    extra: bool = False  # done on top of the day's plan

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "exercise_id": self.exercise_id,
            "pain": self.pain,
            "session_id": self.session_id,
            "next_morning": self.next_morning,
            "pain_after": self.pain_after,
            "extra": self.extra,
        }


class GoalProgress(NamedTuple):
    goal: Goal
    status: str  # "open" | "done" | "overdue"
    psfs_baseline: int | None = None
    psfs_latest: int | None = None
    psfs_latest_date: date | None = None

    def to_dict(self) -> dict[str, Any]:
        psfs = None
        if self.goal.psfs_activity:
            psfs = {
                "activity": self.goal.psfs_activity,
                "baseline": self.psfs_baseline,
                "latest": self.psfs_latest,
                "latest_date": iso(self.psfs_latest_date),
            }
        return {**self.goal.to_dict(), "status": self.status, "psfs": psfs}


class AerobicSummary(NamedTuple):
    guideline_minutes_per_week: int
    latest_week_minutes: int
    full_weeks: int  # weeks wholly inside the report and over
    full_weeks_meeting_guideline: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "guideline_minutes_per_week": self.guideline_minutes_per_week,
            "latest_week_minutes": self.latest_week_minutes,
            "full_weeks": self.full_weeks,
            "full_weeks_meeting_guideline": self.full_weeks_meeting_guideline,
        }


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
    aerobic_by_day: tuple[tuple[date, int], ...] = ()  # days with aerobic minutes, in order
    # (session id, day, aerobic minutes) of each session with aerobic minutes, by day
    aerobic_sessions: tuple[tuple[str, date, int], ...] = ()
    sessions_extra: int = 0  # exercise days that were not planned days (issue 20)
    # The routine's exercises over the report (issue 20): planner.RoutineRow, set by the
    # caller, which has the library (``progress``'s "Your routine").
    routine: tuple[Any, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "sessions_planned": self.sessions_planned,
            "sessions_done": self.sessions_done,
            "sessions_extra": self.sessions_extra,
            "routine": [r.to_dict() for r in self.routine],
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
            "daily": [
                {"date": d.isoformat(), "pain": p, "mean_7d": m}  # DayPain.to_dict,
                for d, p, m in self.daily
            ],  # inline: 3,650 of them
            "visits": [{"date": v.date.isoformat(), "kind": v.kind} for v in self.visits],
            "flares": [f.to_dict() for f in self.flares],
            "flagged_exercises": _flagged_dicts(self.flagged),
            "goals": [g.to_dict() for g in self.goals],
        }


def _flagged_dicts(flagged: Sequence[FlaggedExercise]) -> list[dict[str, Any]]:
    """:meth:`FlaggedExercise.to_dict` of each, inline, each day written once: ten years
    flag 11,680 exercises, half the JSON of a report of them all (issue 25)."""
    days: dict[date, str] = {}
    out = []
    for f in flagged:
        day = days.get(f.date)
        if day is None:
            day = days[f.date] = f.date.isoformat()
        out.append(
            {
                "date": day,
                "exercise_id": f.exercise_id,
                "pain": f.pain,
                "session_id": f.session_id,
                "next_morning": f.next_morning,
                "pain_after": f.pain_after,
                "extra": f.extra,
            }
        )
    return out


def progress_report(
    profile: Profile | None,
    history: History,
    prescription: Prescribed,
    start: date,
    end: date,
    today: date,
    thresholds: Thresholds,
    library_categories: Mapping[str, str],
    goals: Sequence[Goal] = (),
    names: Mapping[str, str] | None = None,
    earlier: Earlier | None = None,
) -> ProgressReport:
    """The progress report for [start, end], as it stands on ``today``.

    ``history`` must hold everything up to ``end`` (earlier records give the baselines), or
    everything from ``earlier.before`` on, with ``earlier`` the months before it summarised
    (``earlier.before`` no later than :func:`whole_from`): the figures are the same.
    ``library_categories`` maps exercise id → library category, to count aerobic minutes.
    """
    if start > end:
        raise BackcareError(
            f"the report would start ({start.isoformat()}) after it ends "
            f"({end.isoformat()}); give a --from on or before --to"
        )
    as_of = min(end, today)
    if earlier is not None:
        history = earlier.joined(history)
    index = index_history(history, as_of, library_categories, earlier)
    p_start = programme_start(profile, prescription, index.first_record)

    stopped = stopped_days(profile, index, as_of)
    weekly = tuple(_weeks(start, end, as_of, p_start, profile, prescription, index, today, stopped))
    # The weeks, clipped to the report, cover [start, as_of] exactly once.
    planned = sum(w.sessions_planned for w in weekly)
    done = sum(w.sessions_done for w in weekly)
    pain = _pain_summary(profile, index, as_of, thresholds)
    verdict, verdict_text = _verdict(pain, thresholds)

    def in_window(d: date) -> bool:
        return start <= d <= as_of

    return ProgressReport(
        start=start,
        end=end,
        today=today,
        as_of=as_of,
        programme_start=p_start,
        sessions_planned=planned,
        sessions_done=done,
        sessions_extra=sum(w.extra_days for w in weekly),
        adherence_percent=adherence_percent(done, planned),
        streak_days=streak_days(as_of, p_start, profile, prescription, index.exercise_days),
        weekly=weekly,
        pain=pain,
        verdict=verdict,
        verdict_text=verdict_text,
        measures=tuple(_measures(index, start)),
        # Every alert of the whole period, each with the day it fired (issue 11).
        alerts=tuple(
            period_alerts(
                profile,
                history,
                prescription,
                start,
                as_of,
                thresholds,
                library_categories,
                index=index,
                names=names,
            )
        ),
        daily=tuple(_daily(start, as_of, index)),
        visits=tuple(v for v in index.visits if in_window(v.date)),
        flares=tuple(
            Flare(c.date, c.score, c.flare)
            for c in index.checkins
            if in_window(c.date) and (c.flare or c.score >= thresholds.flare_pain)
        ),
        flagged=tuple(_flagged(history.between(start, as_of), as_of, thresholds)),
        aerobic=_aerobic(weekly, thresholds),
        goals=tuple(goal_progress(g, index, today) for g in goals),
        has_data=bool(index.first_record or any(index.assessments.values())),
        aerobic_by_day=tuple(
            sorted((d, m) for d, m in index.aerobic_by_day.items() if in_window(d))
        ),
        aerobic_sessions=tuple(
            sorted((s for s in index.aerobic_sessions if in_window(s[1])), key=lambda s: s[1])
        ),
    )


def whole_from(start: date, end: date, today: date, thresholds: Thresholds) -> date:
    """The first day whose records a report of [start, end] on ``today`` reads one by one
    (issue 25): the weeks it shows, and the days before them that its rules look back over
    (the 7 days of a mean, an alert's window, the planner's weeks for the routine). Of the
    days before, only a summary is needed (:class:`~backcare.domain.history.Earlier`)."""
    t = thresholds
    back = (
        max(
            t.planner_lookback_days + 1,
            t.alert_adherence_window_days,
            t.alert_no_session_days,
            PAIN_WINDOW_DAYS,
        )
        + PAIN_WINDOW_DAYS
    )
    return shift(min(start, end, today), -back)


def stopped_days(
    profile: Profile | None, index: HistoryIndex, as_of: date
) -> Callable[[date], bool]:
    """Is a day one on which the programme was stopped for a red flag (CLINICAL.md §5)? From
    the day after a red flag was reported (at the screen: from the start) until the day a
    clinician cleared it; such days are not planned days (issue 20)."""
    cleared = clearance_day(profile)
    spans: list[tuple[date, date | None]] = []
    reported: set[str] = set()
    for c in index.checkins:
        if flags := checkin_red_flags(c):
            reported.update(flags)
            until = cleared if cleared is not None and cleared > c.date else None
            spans.append((c.date + timedelta(days=1), until))
    # A red flag of the safety screen (one no check-in reported): from the start.
    if profile is not None and set(profile.red_flags) - reported:
        if not profile.cleared_by_clinician:
            spans.append((date.min, None))
        elif cleared is not None:
            spans.append((date.min, cleared))
    if not spans:
        return lambda d: False
    return lambda d: any(lo <= d and (hi is None or d < hi) for lo, hi in spans)


def _weeks(
    start: date,
    end: date,
    as_of: date,
    p_start: date | None,
    profile: Profile | None,
    prescription: Prescribed,
    index: HistoryIndex,
    today: date | None = None,
    stopped: Callable[[date], bool] = lambda d: False,
) -> Iterable[WeekSummary]:
    """Monday-based weeks, from the programme's start: a week before it is not counted,
    and the days of its first week before it are not either (issue 14). One pass over the
    days: a ten-year report has 3,650 of them.

    A planned day counts once it is over, or once it has a session (today counts only when
    done); a day exercised that was not planned is an extra, listed apart; days the
    programme was stopped for a red flag are not planned (issue 20)."""
    planned_day = planned_checker(profile, prescription)
    exercise_days, aerobic_by_day = index.exercise_days, index.aerobic_by_day
    pain_by_day = index.pain_by_day
    if p_start is not None and p_start > start:
        start = min(p_start, end)
    first = monday(start)
    last = min(end, as_of)
    days = [first + timedelta(days=n) for n in range(max((last - first).days + 1, 0))]
    for n in range((end - first).days // DAYS_PER_WEEK + 1):
        week = first + timedelta(days=n * DAYS_PER_WEEK)
        lo, hi = max(week, start), min(shift(week, DAYS_PER_WEEK - 1), end, as_of)
        if hi < lo:  # a week wholly after the report's last day
            yield WeekSummary(week, 0, 0, 0, None, None, 0)
            continue
        planned = done = extra = aerobic = aerobic_days = pain_total = pain_count = 0
        for d in days[(lo - first).days : (hi - first).days + 1]:
            if p_start is not None and d >= p_start:  # nothing counts before the start
                exercised = d in exercise_days
                if planned_day(d) and not stopped(d):
                    if d != today or exercised:  # today counts once it has a session
                        planned += 1
                        done += exercised
                else:
                    extra += exercised
            minutes = aerobic_by_day.get(d, 0)
            aerobic += minutes
            aerobic_days += minutes > 0
            score = pain_by_day.get(d)
            if score is not None:
                pain_total += score
                pain_count += 1
        yield WeekSummary(
            week,
            (hi - lo).days + 1,
            planned,
            done,
            adherence_percent(done, planned),
            rounded_mean(pain_total, pain_count) if pain_count else None,
            aerobic,
            aerobic_days,
            extra,
        )


def _pain_summary(
    profile: Profile | None, index: HistoryIndex, as_of: date, thresholds: Thresholds
) -> PainSummary:
    baseline, baseline_date, source = baseline_pain(profile, index)
    first = shift(as_of, 1 - PAIN_WINDOW_DAYS)
    current = mean_pain(index.pain_by_day, first, as_of)
    exact = exact_mean_pain(index.pain_by_day, first, as_of)  # judged unrounded (§9)
    count = sum(1 for d in days_between(first, as_of) if d in index.pain_by_day)
    latest = index.checkins[-1] if index.checkins else None
    change: Change | None = None
    if baseline is not None and exact is not None:
        change = pain_change(baseline, exact, thresholds)
    return PainSummary(
        baseline=baseline,
        baseline_date=baseline_date,
        baseline_source=source,
        current=current,
        current_checkins=count,
        change=change.change if change else None,
        percent_change=change.percent_change if change else None,
        clinically_important=bool(change and change.clinically_important),
        important_worsening=bool(change and change.important_worsening),
        latest=latest.score if latest else None,
        latest_date=latest.date if latest else None,
    )


def _verdict(pain: PainSummary, thresholds: Thresholds) -> tuple[str | None, str]:
    """ "improving" / "no clear change" / "worse" by the NRS minimal important change
    (2 points or 30%, CLINICAL.md §3), with a sentence for the patient."""
    mic = f"{thresholds.pain_mic_points:g} points or {thresholds.pain_mic_percent:g}%"
    if pain.current is None:
        if pain.latest is None:
            return None, (
                "No pain check-ins yet. Record how your back feels each day, for "
                "example: backcare pain 4"
            )
        return None, (
            "No pain check-in in the last 7 days, so there is no current figure. "
            "Record today's pain, for example: backcare pain 4"
        )
    if pain.baseline is None or pain.change is None:
        return None, f"Your pain averages {num(pain.current)} out of 10 over the last 7 days."
    moved = f"from {pain.baseline} to {num(pain.current)} out of 10"
    if pain.clinically_important:
        return IMPROVING, (
            f"Improving: your pain has come down {moved}, a clinically "
            f"important improvement ({mic} or more). Well done."
        )
    if pain.important_worsening:
        return WORSENING, (
            f"Worse: your pain has gone up {moved}. Please tell your "
            "physiotherapist or GP, especially if it keeps rising."
        )
    return NO_CLEAR_CHANGE, (
        f"No clear change yet: your pain has gone {moved}. A change of "
        f"{mic} is what counts as a clear difference; keep going."
    )


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
        # Answered once is not a follow-up: no change to judge (issue 21). PSFS results that
        # rate different activities are not compared: no change and no verdict anywhere
        # (CLINICAL.md §9), only the note that says why.
        change = compare(first, last) if len(results) > 1 else None
        note = None
        if change is not None and change.direction == ACTIVITIES_DIFFER:
            note, change = change.note, None
        yield MeasureSummary(
            instrument=instrument,
            baseline=baseline,
            baseline_date=first.date,
            latest=latest,
            latest_date=last.date,
            count=len(results) + index.left_out.get(instrument, 0),
            change=change.change if change else None,
            percent_change=change.percent_change if change else None,
            direction=change.direction if change else ACTIVITIES_DIFFER if note else None,
            clinically_important=bool(change and change.clinically_important),
            rule=change.rule if change else None,
            scores=tuple((a.date, a.score) for a in results if a.date >= start),
            important_worsening=bool(change and change.important_worsening),
            note=note if note is None else f"not compared: {note}",
        )


def _daily(start: date, as_of: date, index: HistoryIndex) -> Iterable[DayPain]:
    """Each day's check-in and the mean of the 7 days ending on it, as a running sum (a
    ten-year report has 3,650 days: one pass, not a window summed again each day)."""
    pain_by_day = index.pain_by_day
    first = shift(start, 1 - PAIN_WINDOW_DAYS)
    count = (as_of - first).days + 1
    scores = [pain_by_day.get(first + timedelta(days=n)) for n in range(max(count, 0))]
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
            yield DayPain(day, score, rounded_mean(total, seen) if seen else None)


def _aerobic(weekly: Sequence[WeekSummary], thresholds: Thresholds) -> AerobicSummary:
    """Weekly aerobic minutes against the WHO 150 minutes a week (CLINICAL.md §2)."""
    full = [w for w in weekly if w.days == DAYS_PER_WEEK]
    latest = next((w for w in reversed(weekly) if w.days), None)
    return AerobicSummary(
        guideline_minutes_per_week=thresholds.aerobic_week_minutes,
        latest_week_minutes=latest.aerobic_minutes if latest else 0,
        full_weeks=len(full),
        full_weeks_meeting_guideline=sum(
            1 for w in full if w.aerobic_minutes >= thresholds.aerobic_week_minutes
        ),
    )


def _flagged(history: History, as_of: date, thresholds: Thresholds) -> Iterable[FlaggedExercise]:
    """Every red attempt up to ``as_of``, by the planner's own rule (CLINICAL.md §4), by
    day and session id: the sessions are put in that order first (a ten-year report has
    3,650 of them, and flags 11,680 exercises), and attempts keep it."""
    ordered = history._replace(
        sessions=tuple(sorted(history.sessions, key=lambda s: (s.date, s.id)))
    )
    for a in attempts(ordered, thresholds, before=shift(as_of, 1), red_only=True):
        if a.zone is PainZone.RED:
            yield FlaggedExercise(
                a.day, a.exercise_id, a.pain, a.session_id, a.next_morning, a.after, a.extra
            )


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
            names.update(
                {_psfs_key(n): normalise_activity(n) for n in a.answers if isinstance(n, str)}
            )
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
    rated = [
        (a.date, r)
        for a in index.assessments.get("psfs", ())
        if (r := psfs_rating(a, goal.psfs_activity)) is not None
    ]
    if not rated:
        return GoalProgress(goal, status)
    return GoalProgress(goal, status, rated[0][1], rated[-1][1], rated[-1][0])
