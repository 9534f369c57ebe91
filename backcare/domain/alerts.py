"""Alerts for the physiotherapist (CLINICAL.md §5, modelled on Medbridge Pathways' severity
rules), over the whole period a report covers. Pure: no clock, no storage, no printing.

Each alert has a ``level`` (``low`` | ``high`` | ``critical``), a ``rule`` (a stable kebab-case
id that scripts may rely on), a ``message`` in plain words with the numbers and dates, the
``date`` it fired and, for a run of days, the day it lasted ``until``. All thresholds come
from :class:`~backcare.domain.clinical.Thresholds`. The rules, as we read them:

==========  ========================  ====================================================
level       rule                      fires when
==========  ========================  ====================================================
low         pain-rising               a check-in is ≥ 5 and ≥ 1 above the check-in before
                                      it ("the last report")
low         no-session-3-days         no exercise session on any of the last 3 calendar days,
                                      counting the day itself, once the programme has run
                                      that long
high        pain-up-from-baseline     the pain of the 7 days to that day (their mean) is ≥ 2
                                      above the baseline
high        adherence-below-50        under 50% adherence over the 14 days to that day, once
                                      the programme has run 14 days
high        no-function-gain          a function questionnaire's result shows no improvement
                                      on the one before it, in its good direction
high        function-down-20          a function questionnaire's result is ≥ 20% of its
                                      baseline worse than the baseline, in its bad direction,
                                      and by at least the instrument's absolute minimum
                                      (ODI 10, RMDQ 5, PSFS 2, PEG 1 points)
high        severe-pain               a check-in, or the pain just after a session, is ≥ 7
                                      (a run of them in a row is one alert)
critical    severe-pain-3-days        such a run of 3 or more in a row (docs/clinical.md §5)
critical    red-flag                  a check-in reports a red-flag symptom (bladder/bowel
                                      change, saddle numbness, a change in walking, worsening
                                      leg weakness, fever, night pain, weight loss), or the
                                      profile has a red flag not cleared by a clinician
==========  ========================  ====================================================

"Function questionnaires" are the ODI, RMDQ, PSFS (higher is better) and PEG; STarT Back is a
risk screen, not a measure of function, so it has no function alerts.

**A period, not only its last day** (issue 11). Every alert that applied on any day of the
period is listed, with the day it fired, even if it has cleared since:

- A rule about one record (a check-in, a session, a questionnaire result) fires on that
  record's day and stands until the next record of its kind. It is listed once if it stood
  on any day of the period: one that fired before the period and still stood at its start
  is listed too, dated the day it fired. A red-flag symptom is listed for every day of the
  period it was reported, and a session's pain just after for every session in it.
- A rule about a run of days (no session, pain up from baseline, low adherence) is listed
  once for each run in the period: dated its first day, with the day it lasted ``until``.

:func:`check_alerts` is the same over the one day ``as_of``: the alerts that apply today.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from fractions import Fraction
from typing import Any, NamedTuple

from backcare.domain.clinical import Thresholds
from backcare.domain.history import (
    PAIN_WINDOW_DAYS,
    HistoryIndex,
    adherence_percent,
    baseline_pain,
    index_history,
    programme_start,
    rounded_mean,
    shift,
)
from backcare.domain.instruments import get_instrument
from backcare.domain.models import Assessment, History, Prescribed, Profile
from backcare.domain.safety import ALERT_SYMPTOMS, clearance_day
from backcare.domain.schedule import days_between, planned_checker
from backcare.domain.scoring import ACTIVITIES_DIFFER, IMPROVED, WORSE, compare, round_score
from backcare.domain.words import say_date
from backcare.errors import BackcareError

LOW, HIGH, CRITICAL = "low", "high", "critical"
LEVELS: tuple[str, ...] = (CRITICAL, HIGH, LOW)  # most urgent first, the order alerts are listed

# Check-in symptoms that are red flags (CLINICAL.md §5, NICE CKS): the cauda-equina signs
# (bladder-bowel, saddle-numbness, walking-change, worsening-weakness), fever and night-pain,
# which stop the programme (safety.py), and weight loss without trying, which is advice to
# see the GP: the physiotherapist must hear of every one.
RED_FLAG_SYMPTOMS: tuple[str, ...] = ALERT_SYMPTOMS
# Questionnaires that measure function (CLINICAL.md §3); STarT Back stratifies risk instead.
FUNCTION_INSTRUMENTS: tuple[str, ...] = ("odi", "rmdq", "psfs", "peg")


class Alert(NamedTuple):
    level: str  # "low" | "high" | "critical"
    rule: str  # stable kebab-case id
    message: str
    date: date | None = None  # the day it fired
    until: datetime.date | None = None  # a run of days: its last day in the period

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "rule": self.rule,
            "message": self.message,
            "date": self.date.isoformat() if self.date else None,
            "until": self.until.isoformat() if self.until else None,
        }


def period_alerts(
    profile: Profile | None,
    history: History,
    prescription: Prescribed,
    start: date,
    as_of: date,
    thresholds: Thresholds,
    library_categories: Mapping[str, str] | None = None,
    *,
    index: HistoryIndex | None = None,
    names: Mapping[str, str] | None = None,
) -> list[Alert]:
    """Every alert that applied on any day of [start, as_of], each with the day it fired;
    most urgent first, then the most recent first (CLINICAL.md §5, issue 11).

    ``history`` should reach back to the start of everything (baselines); ``index`` may be
    given when the caller has already indexed it up to ``as_of``.
    """
    if index is None or index.as_of != as_of:
        index = index_history(history, as_of, library_categories or {})
    begun = programme_start(profile, prescription, index.first_record)
    t = thresholds
    found: list[Alert] = [
        *_pain_rising(index, start, t),
        *_no_recent_session(index, start, as_of, begun, t),
        *_pain_up_from_baseline(profile, index, start, as_of, t),
        *_adherence_low(profile, prescription, index, start, as_of, begun, t),
        *_no_function_gain(index, start),
        *_severe_pain(index, history, start, as_of, t),
        *_red_flags(profile, index, start, as_of),
        *_function_down(index, start, t),
        *_exercise_hurt(history, start, as_of, t, names or {}),
    ]
    dated = [a._replace(date=a.date or as_of) for a in found]
    return sorted(dated, key=lambda a: (LEVELS.index(a.level), -(a.date or as_of).toordinal()))


def check_alerts(
    profile: Profile | None,
    history: History,
    prescription: Prescribed,
    as_of: date,
    thresholds: Thresholds,
    library_categories: Mapping[str, str] | None = None,
    *,
    index: HistoryIndex | None = None,
) -> list[Alert]:
    """Every alert that applies on ``as_of``: :func:`period_alerts` over that one day."""
    return period_alerts(
        profile, history, prescription, as_of, as_of, thresholds, library_categories, index=index
    )


# --- How a rule covers a period ----------------------------------------------------------------


def _stood(days: Sequence[date], i: int, start: date) -> bool:
    """Did record ``i`` of a dated series (oldest first, none after the period) stand on a day
    of the period? It stands from its own day until the next record's."""
    return i + 1 == len(days) or days[i + 1] > start


def _runs(first: date, fires: Sequence[bool]) -> list[tuple[date, date]]:
    """The runs of consecutive days on which a rule fires, ``fires[n]`` saying whether it
    does on the n-th day from ``first``: worked out for every day in one pass beforehand
    (a ten-year report judges 3,650 days by each rule), dates made only for the runs."""
    runs: list[tuple[date, date]] = []
    base = first.toordinal()
    begun: int | None = None
    for n, firing in enumerate(fires):
        if firing:
            if begun is None:
                begun = n
        elif begun is not None:
            runs.append((date.fromordinal(base + begun), date.fromordinal(base + n - 1)))
            begun = None
    if begun is not None:
        runs.append((date.fromordinal(base + begun), date.fromordinal(base + len(fires) - 1)))
    return runs


def _lasting(alert: Alert, until: date, as_of: date) -> Alert:
    """A run's alert, saying how long it lasted when that was more than its first day."""
    if alert.date is None or until == alert.date:
        return alert._replace(until=until)
    more = (
        f" Still so on {say_date(as_of)}."
        if until == as_of
        else f" It lasted until {say_date(until)}."
    )
    return alert._replace(message=alert.message + more, until=until)


# --- Low (CLINICAL.md §5: "pain ≥ 5 and up 1 or more since the last report; no session for
# 3 days") ------------------------------------------------------------------------------------


def _pain_rising(index: HistoryIndex, start: date, t: Thresholds) -> Iterable[Alert]:
    # "The last report" is read as the check-in before this one.
    checkins = index.checkins
    days = [c.date for c in checkins]
    for i in range(1, len(checkins)):
        before, latest = checkins[i - 1], checkins[i]
        rise = latest.score - before.score
        if latest.score >= t.alert_low_pain and rise >= t.alert_low_rise and _stood(days, i, start):
            yield Alert(
                LOW,
                "pain-rising",
                f"Pain {latest.score}/10 on {say_date(latest.date)}, up {rise} from "
                f"{before.score}/10 on {say_date(before.date)}.",
                latest.date,
            )


def _no_recent_session(
    index: HistoryIndex, start: date, as_of: date, begun: date | None, t: Thresholds
) -> Iterable[Alert]:
    # Calendar days, counting the day itself; only once the programme has run that long.
    span = t.alert_no_session_days
    if begun is None:
        return
    first = max(start, shift(begun, span - 1))
    done = index.exercise_days
    # Fires on a day with no exercise day among the span of days to it: a running count.
    opening = shift(first, 1 - span)
    exercised = [d in done for d in days_between(opening, as_of)]
    skip = (first - opening).days
    quiet: list[bool] = []
    recent = 0
    for n, was in enumerate(exercised):
        recent += was
        if n >= span:
            recent -= exercised[n - span]
        if n >= skip:
            quiet.append(not recent)
    for run_start, run_end in _runs(first, quiet):
        last = index.last_exercise_day(begun, run_start)
        since = (
            f"the last was on {say_date(last)}"
            if last
            else f"none since the programme started on {say_date(begun)}"
        )
        yield _lasting(
            Alert(
                LOW,
                "no-session-3-days",
                f"No exercise session in the {span} days to {say_date(run_start)}; {since}.",
                run_start,
            ),
            run_end,
            as_of,
        )


# --- High (CLINICAL.md §5: "pain up 2 or more from baseline; adherence below 50% over 14
# days; no function gain between two assessments") -------------------------------------------


def _pain_up_from_baseline(
    profile: Profile | None, index: HistoryIndex, start: date, as_of: date, t: Thresholds
) -> Iterable[Alert]:
    baseline, since, _ = baseline_pain(profile, index)
    if baseline is None:
        return
    pain = index.pain_by_day
    window: list[tuple[int, int]] = []  # (total, count) of each day's 7 days, from start
    total = count = 0
    first = shift(start, 1 - PAIN_WINDOW_DAYS)
    for d in days_between(first, as_of):  # one pass: a running sum over the 7-day window
        if d in pain:
            total, count = total + pain[d], count + 1
        leaving = shift(d, -PAIN_WINDOW_DAYS)
        if leaving >= first and leaving in pain:
            total, count = total - pain[leaving], count - 1
        if d >= start:
            window.append((total, count))

    rise_min = t.alert_high_rise_from_baseline
    # Judged on the unrounded mean (CLINICAL.md §9), exactly: total/count - baseline >= rise,
    # in whole numbers.
    fires = [count > 0 and total - baseline * count >= rise_min * count for total, count in window]
    when = f" ({say_date(since)})" if since else ""
    for run_start, run_end in _runs(start, fires):
        total, count = window[(run_start - start).days]
        rise = round_score(float(Fraction(total, count) - baseline))
        yield _lasting(
            Alert(
                HIGH,
                "pain-up-from-baseline",
                f"Pain averages {rounded_mean(total, count):g}/10 over the "
                f"{PAIN_WINDOW_DAYS} days to {say_date(run_start)}, {rise:g} "
                f"points above the baseline of {baseline}/10{when}.",
                run_start,
            ),
            run_end,
            as_of,
        )


def _adherence_low(
    profile: Profile | None,
    prescription: Prescribed,
    index: HistoryIndex,
    start: date,
    as_of: date,
    begun: date | None,
    t: Thresholds,
) -> Iterable[Alert]:
    # Judged over a full window only: a programme a few days old is not yet "over 14 days".
    span = t.alert_adherence_window_days
    if begun is None:
        return
    first = max(start, shift(begun, span - 1))
    if first > as_of:
        return
    planned_day = planned_checker(profile, prescription)
    done_days = index.exercise_days
    counts: list[tuple[int, int]] = []  # (planned, done) in each day's window, from first
    planned = done = 0
    opening = max(begun, shift(first, 1 - span))
    for d in days_between(opening, as_of):  # one pass: running counts over the window
        planned += planned_day(d)
        done += d in done_days
        leaving = shift(d, -span)
        if leaving >= opening:
            planned -= planned_day(leaving)
            done -= leaving in done_days
        if d >= first:
            counts.append((planned, done))
    percents = [adherence_percent(n_done, n_planned) for n_planned, n_done in counts]
    fires = [p is not None and p < t.alert_high_adherence_percent for p in percents]
    for run_start, run_end in _runs(first, fires):
        n_planned, n_done = counts[(run_start - first).days]
        yield _lasting(
            Alert(
                HIGH,
                "adherence-below-50",
                f"Exercised on {n_done} of {n_planned} planned days in the "
                f"{span} days to {say_date(run_start)} "
                f"({percents[(run_start - first).days]:g}%, "
                f"below {t.alert_high_adherence_percent:g}%).",
                run_start,
            ),
            run_end,
            as_of,
        )


def _name(instrument: str) -> str:
    try:
        return get_instrument(instrument).short_name
    except BackcareError:
        return instrument


def _results(index: HistoryIndex) -> Iterable[tuple[str, Sequence[Assessment]]]:
    for instrument in FUNCTION_INSTRUMENTS:
        results = index.assessments.get(instrument, ())
        if len(results) >= 2:
            yield instrument, results


def _no_function_gain(index: HistoryIndex, start: date) -> Iterable[Alert]:
    for instrument, results in _results(index):
        days = [r.date for r in results]
        for k in range(1, len(results)):
            if not _stood(days, k, start):  # first: a century holds 2,600 results
                continue
            before, latest = results[k - 1], results[k]
            change = compare(before, latest)
            # Different PSFS activities are not compared (CLINICAL.md §9): no verdict.
            if change is not None and change.direction not in (IMPROVED, ACTIVITIES_DIFFER):
                yield Alert(
                    HIGH,
                    "no-function-gain",
                    f"{_name(instrument)} shows no gain between two assessments: "
                    f"{before.score:g} on {say_date(before.date)}, {latest.score:g} "
                    f"on {say_date(latest.date)}.",
                    latest.date,
                )


# --- Critical (docs/clinical.md §5: pain ≥ 7; a red-flag symptom reported; critical is
# for safety only) ------------------------------------------------------------------------------


def _severe_pain(
    index: HistoryIndex, history: History, start: date, as_of: date, t: Thresholds
) -> Iterable[Alert]:
    """Check-ins of 7 or more, and sessions whose pain just after was 7 or more (a pain report
    too: CLINICAL.md §4, issue 11). A run of them in a row is one alert."""
    checkins = index.checkins
    days = [c.date for c in checkins]
    standing = [
        (c.date, c.score) if _stood(days, i, start) else None for i, c in enumerate(checkins)
    ]
    for run in _severe_runs(standing, t):
        yield _severe_alert(run, "reported on", "check-ins", t)
    sessions = sorted(
        (s for s in history.sessions if start <= s.date <= as_of), key=lambda s: s.date
    )
    after = [(s.date, s.pain_after) if s.pain_after is not None else None for s in sessions]
    for run in _severe_runs(after, t):
        yield _severe_alert(run, "just after the session on", "sessions", t)


def _exercise_hurt(
    history: History, start: date, as_of: date, t: Thresholds, names: Mapping[str, str]
) -> Iterable[Alert]:
    """An exercise that hurt 7/10 or more, by its own answer (``--hurt``, or the guided
    session's question after it): a safety alert, one for each exercise and day, naming the
    exercise, the pain and the date (issue 20; docs/clinical.md §4 and §5). backcare takes
    it out of the routine; the physiotherapist should know why."""
    for s in history.sessions:
        if not start <= s.date <= as_of:
            continue
        for e in s.exercises:
            if e.status != "skipped" and e.pain is not None and e.pain >= t.hurt_swap_pain:
                name = names.get(e.exercise_id, e.exercise_id)
                yield Alert(
                    CRITICAL,
                    "exercise-hurt",
                    f"{name} hurt {e.pain}/10 on {say_date(s.date)}; it is out of "
                    "the patient's routine until reviewed.",
                    s.date,
                )


def _severe_runs(
    reports: Sequence[tuple[date, int] | None], t: Thresholds
) -> list[list[tuple[date, int]]]:
    """Runs of reports in a row at the critical pain or above (None breaks a run)."""
    runs: list[list[tuple[date, int]]] = [[]]
    for report in reports:
        if report is not None and report[1] >= t.alert_critical_pain:
            runs[-1].append(report)
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def _severe_alert(run: list[tuple[date, int]], on: str, what: str, t: Thresholds) -> Alert:
    """Severe pain on 3 days in a row is critical, a safety rule (docs/clinical.md §5); a
    shorter run, or one day, is high: ``severe-pain-3-days`` and ``severe-pain`` are two
    alerts, never one."""
    (first, score), last = run[0], run[-1][0]
    if len(run) == 1:
        return Alert(HIGH, "severe-pain", f"Pain {score}/10 {on} {say_date(first)}.", first)
    low, high = min(p for _, p in run), max(p for _, p in run)
    words = "reported on" if what == "check-ins" else "just after"
    level, rule = (
        (CRITICAL, "severe-pain-3-days") if len(run) >= t.severe_days else (HIGH, "severe-pain")
    )
    return Alert(
        level,
        rule,
        f"Pain of {low}/10 or more {words} {len(run)} {what} in a row, from "
        f"{say_date(first)} to {say_date(last)} (up to {high}/10).",
        first,
        last,
    )


def _red_flags(
    profile: Profile | None, index: HistoryIndex, start: date, as_of: date
) -> Iterable[Alert]:
    when = (
        profile.updated
        if profile is not None and profile.updated and profile.updated <= as_of
        else as_of
    )
    if profile is not None and profile.blocked_by_red_flag:
        yield Alert(
            CRITICAL,
            "red-flag",
            f"Red flag at the safety screen, not yet cleared by a clinician: "
            f"{', '.join(profile.red_flags)}.",
            when,
        )
    elif (
        profile is not None
        and not profile.cleared_by_clinician
        and set(profile.red_flags) & set(RED_FLAG_SYMPTOMS)
    ):
        # Weight loss without trying, alone: advised to see a GP within days, the same as
        # at a check-in (docs/clinical.md §5); the physiotherapist hears of it as of one.
        yield Alert(
            CRITICAL,
            "red-flag",
            f"Red flag at the safety screen (advised to see a GP within days): "
            f"{', '.join(profile.red_flags)}.",
            when,
        )
    # A clinician's clearance (init --cleared-by-clinician) covers what was reported before it.
    cleared_on = clearance_day(profile)

    def symptoms(c: Any) -> list[str]:
        return [s for s in c.symptoms if s in RED_FLAG_SYMPTOMS]

    reported = [c for c in index.checkins if symptoms(c)]
    for c in reported:  # every day of the period a red-flag symptom was reported
        if c.date >= start:
            cleared = (
                " A clinician has since cleared it."
                if cleared_on is not None and c.date <= cleared_on
                else ""
            )
            yield Alert(
                CRITICAL,
                "red-flag",
                f"Red-flag symptom reported on {say_date(c.date)}: "
                f"{', '.join(symptoms(c))}.{cleared}",
                c.date,
            )
    standing = [
        c for c in reported if c.date < start and (cleared_on is None or c.date > cleared_on)
    ]
    if standing:  # reported before the period, and still not cleared in it
        latest = standing[-1]
        named = sorted({s for c in standing for s in symptoms(c)})
        others = len(standing) - 1
        more = f" (and on {others} earlier day{'s' if others > 1 else ''})" if others else ""
        yield Alert(
            CRITICAL,
            "red-flag",
            f"Red-flag symptom reported on {say_date(latest.date)}{more}: {', '.join(named)}.",
            latest.date,
        )


def _function_down(index: HistoryIndex, start: date, t: Thresholds) -> Iterable[Alert]:
    for instrument, results in _results(index):
        first = results[0]
        days = [r.date for r in results]
        for k in range(1, len(results)):
            if not _stood(days, k, start):
                continue
            latest = results[k]
            change = compare(first, latest)
            # Worse by 20% of the baseline in the instrument's bad direction (PSFS: a fall),
            # and by the instrument's absolute minimum, above measurement error: ODI 4 -> 6
            # is 50% but noise. High at most: critical is for safety (docs/clinical.md §5).
            if (
                change is not None
                and change.direction == WORSE
                and change.percent_change is not None
                and abs(change.percent_change) >= t.alert_function_drop_percent
                and _beyond_error(instrument, first, latest)
            ):
                yield Alert(
                    HIGH,
                    "function-down-20",
                    f"{_name(instrument)} is {abs(change.percent_change):g}% worse "
                    f"than at the first assessment: {first.score:g} on "
                    f"{say_date(first.date)}, {latest.score:g} on "
                    f"{say_date(latest.date)}.",
                    latest.date,
                )


def _beyond_error(instrument: str, first: Assessment, latest: Assessment) -> bool:
    """The change reaches the instrument's absolute minimum for a worsening (docs/clinical.md
    §3): the same floor as the verdict's ``important_worsening``."""
    try:
        floor = get_instrument(instrument).change_rule.worse_points
    except BackcareError:
        return True
    change = compare(first, latest)
    return floor is None or (change is not None and abs(change.change) >= floor)
