"""Alerts for the physiotherapist (CLINICAL.md §5, modelled on Medbridge Pathways' severity
rules). Pure: no clock, no storage, no printing.

Each alert has a ``level`` (``low`` | ``high`` | ``critical``), a ``rule`` (a stable kebab-case
id that scripts may rely on) and a ``message`` in plain words with the numbers and dates. All
thresholds come from :class:`~backcare.domain.clinical.Thresholds`. The rules, as we read them:

==========  ========================  ====================================================
level       rule                      fires when
==========  ========================  ====================================================
low         pain-rising               the latest check-in is ≥ 5 and ≥ 1 above the check-in
                                      before it ("the last report")
low         no-session-3-days         no exercise session on any of the last 3 calendar days,
                                      counting the report's last day, once the programme has
                                      run that long
high        pain-up-from-baseline     the current pain (mean of the last 7 days) is ≥ 2 above
                                      the baseline
high        adherence-below-50        under 50% adherence over the last 14 days, once the
                                      programme has run 14 days
high        no-function-gain          a function questionnaire's last two results show no
                                      improvement in its good direction
critical    severe-pain               the latest check-in is ≥ 7
critical    red-flag                  a check-in reports a red-flag symptom (bladder/bowel
                                      change, saddle numbness, fever, night pain) since the
                                      last clinician clearance, or the profile has a red flag
                                      not cleared by a clinician
critical    function-down-20          a function questionnaire's latest result is ≥ 20% of its
                                      baseline worse than the baseline, in its bad direction
==========  ========================  ====================================================

"Function questionnaires" are the ODI, RMDQ, PSFS (higher is better) and PEG; STarT Back is a
risk screen, not a measure of function, so it has no function alerts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, NamedTuple

from backcare.domain.clinical import Thresholds
from backcare.domain.history import (
    PAIN_WINDOW_DAYS,
    HistoryIndex,
    adherence_percent,
    baseline_pain,
    exercised_in,
    index_history,
    mean_pain,
    planned_in,
    programme_start,
    shift,
)
from backcare.domain.instruments import get_instrument
from backcare.domain.models import SYMPTOMS, History, Prescription, Profile
from backcare.domain.safety import RED_FLAG_NAMES, clearance_day
from backcare.domain.scoring import IMPROVED, WORSE, compare, round_score
from backcare.domain.words import say_date
from backcare.errors import BackcareError

LOW, HIGH, CRITICAL = "low", "high", "critical"
LEVELS: tuple[str, ...] = (CRITICAL, HIGH, LOW)  # most urgent first, the order alerts are listed

# Check-in symptoms that are red flags (CLINICAL.md §5, NICE CKS): the cauda-equina signs
# bladder-bowel and saddle-numbness, and fever and night-pain, which stop the programme too
# (safety.py), so the physiotherapist must hear of them.
RED_FLAG_SYMPTOMS: tuple[str, ...] = tuple(s for s in SYMPTOMS if s in RED_FLAG_NAMES)
# Questionnaires that measure function (CLINICAL.md §3); STarT Back stratifies risk instead.
FUNCTION_INSTRUMENTS: tuple[str, ...] = ("odi", "rmdq", "psfs", "peg")


class Alert(NamedTuple):
    level: str  # "low" | "high" | "critical"
    rule: str  # stable kebab-case id
    message: str
    date: date | None = None  # the day it fired

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "rule": self.rule, "message": self.message,
                "date": self.date.isoformat() if self.date else None}


def check_alerts(profile: Profile | None, history: History, prescription: Prescription | None,
                 as_of: date, thresholds: Thresholds,
                 library_categories: Mapping[str, str] | None = None, *,
                 index: HistoryIndex | None = None) -> list[Alert]:
    """Every alert that applies on ``as_of``, most urgent first (CLINICAL.md §5).

    ``history`` should reach back to the start (baselines); ``index`` may be given when the
    caller has already indexed it up to ``as_of``.
    """
    if index is None or index.as_of != as_of:
        index = index_history(history, as_of, library_categories or {})
    start = programme_start(profile, prescription, index.first_record)
    found: list[Alert] = [
        *_pain_rising(index, thresholds),
        *_no_recent_session(index, as_of, start, thresholds),
        *_pain_up_from_baseline(profile, index, as_of, thresholds),
        *_adherence_low(profile, prescription, index, as_of, start, thresholds),
        *_no_function_gain(index),
        *_severe_pain(index, thresholds),
        *_red_flags(profile, index),
        *_function_down(index, thresholds),
    ]
    return sorted((a._replace(date=a.date or as_of) for a in found),
                  key=lambda a: LEVELS.index(a.level))


# --- Low (CLINICAL.md §5: "pain ≥ 5 and up 1 or more since the last report; no session for
# 3 days") ------------------------------------------------------------------------------------

def _pain_rising(index: HistoryIndex, t: Thresholds) -> Iterable[Alert]:
    # "The last report" is read as the check-in before the latest one.
    if len(index.checkins) < 2:
        return
    before, latest = index.checkins[-2], index.checkins[-1]
    rise = latest.score - before.score
    if latest.score >= t.alert_low_pain and rise >= t.alert_low_rise:
        yield Alert(LOW, "pain-rising",
                    f"Pain {latest.score}/10 on {say_date(latest.date)}, up {rise} from "
                    f"{before.score}/10 on {say_date(before.date)}.")


def _no_recent_session(index: HistoryIndex, as_of: date, start: date | None,
                       t: Thresholds) -> Iterable[Alert]:
    # Calendar days, counting the report's last day; only once the programme has run that long.
    days = t.alert_no_session_days
    first = shift(as_of, 1 - days)
    if start is None or start > first:
        return
    if exercised_in(first, as_of, start, index.exercise_days):
        return
    last = index.last_exercise_day(start, as_of)
    since = (f"the last was on {say_date(last)}" if last
             else f"none since the programme started on {say_date(start)}")
    yield Alert(LOW, "no-session-3-days",
                f"No exercise session in the {days} days to {say_date(as_of)}; {since}.")


# --- High (CLINICAL.md §5: "pain up 2 or more from baseline; adherence below 50% over 14
# days; no function gain between two assessments") -------------------------------------------

def _pain_up_from_baseline(profile: Profile | None, index: HistoryIndex, as_of: date,
                           t: Thresholds) -> Iterable[Alert]:
    baseline, since, _ = baseline_pain(profile, index)
    current = mean_pain(index.pain_by_day, shift(as_of, 1 - PAIN_WINDOW_DAYS), as_of)
    if baseline is None or current is None:
        return
    rise = round_score(current - baseline)
    if rise >= t.alert_high_rise_from_baseline:
        when = f" ({say_date(since)})" if since else ""
        yield Alert(HIGH, "pain-up-from-baseline",
                    f"Pain averages {current:g}/10 over the {PAIN_WINDOW_DAYS} days to "
                    f"{say_date(as_of)}, {rise:g} points above the baseline of "
                    f"{baseline}/10{when}.")


def _adherence_low(profile: Profile | None, prescription: Prescription | None,
                   index: HistoryIndex, as_of: date, start: date | None,
                   t: Thresholds) -> Iterable[Alert]:
    # Judged over a full window only: a programme a few days old is not yet "over 14 days".
    first = shift(as_of, 1 - t.alert_adherence_window_days)
    if start is None or start > first:
        return
    planned = len(planned_in(first, as_of, start, profile, prescription))
    done = exercised_in(first, as_of, start, index.exercise_days)
    percent = adherence_percent(done, planned)
    if percent is not None and percent < t.alert_high_adherence_percent:
        yield Alert(HIGH, "adherence-below-50",
                    f"Exercised on {done} of {planned} planned days in the "
                    f"{t.alert_adherence_window_days} days to {say_date(as_of)} "
                    f"({percent:g}%, below {t.alert_high_adherence_percent:g}%).")


def _name(instrument: str) -> str:
    try:
        return get_instrument(instrument).short_name
    except BackcareError:
        return instrument


def _no_function_gain(index: HistoryIndex) -> Iterable[Alert]:
    for instrument in FUNCTION_INSTRUMENTS:
        results = index.assessments.get(instrument, ())
        if len(results) < 2:
            continue
        before, latest = results[-2], results[-1]
        change = compare(before, latest)
        if change is not None and change.direction != IMPROVED:
            yield Alert(HIGH, "no-function-gain",
                        f"{_name(instrument)} shows no gain between the last two assessments: "
                        f"{before.score:g} on {say_date(before.date)}, {latest.score:g} on "
                        f"{say_date(latest.date)}.")


# --- Critical (CLINICAL.md §5: "pain ≥ 7; a red-flag symptom reported; function down 20% or
# more") --------------------------------------------------------------------------------------

def _severe_pain(index: HistoryIndex, t: Thresholds) -> Iterable[Alert]:
    if index.checkins and index.checkins[-1].score >= t.alert_critical_pain:
        latest = index.checkins[-1]
        yield Alert(CRITICAL, "severe-pain",
                    f"Pain {latest.score}/10 reported on {say_date(latest.date)}.")


def _red_flags(profile: Profile | None, index: HistoryIndex) -> Iterable[Alert]:
    if profile is not None and profile.blocked_by_red_flag:
        yield Alert(CRITICAL, "red-flag",
                    f"Red flag at the safety screen, not yet cleared by a clinician: "
                    f"{', '.join(profile.red_flags)}.")
    # A clinician's clearance (init --cleared-by-clinician) covers what was reported before it.
    cleared_on = clearance_day(profile)
    reported = [c for c in index.checkins
                if (cleared_on is None or c.date > cleared_on)
                and any(s in RED_FLAG_SYMPTOMS for s in c.symptoms)]
    if reported:
        latest = reported[-1]
        symptoms = sorted({s for c in reported for s in c.symptoms if s in RED_FLAG_SYMPTOMS})
        others = len(reported) - 1
        more = f" (and on {others} earlier day{'s' if others > 1 else ''})" if others else ""
        yield Alert(CRITICAL, "red-flag",
                    f"Red-flag symptom reported on {say_date(latest.date)}{more}: "
                    f"{', '.join(symptoms)}.")


def _function_down(index: HistoryIndex, t: Thresholds) -> Iterable[Alert]:
    for instrument in FUNCTION_INSTRUMENTS:
        results = index.assessments.get(instrument, ())
        if len(results) < 2:
            continue
        first, latest = results[0], results[-1]
        change = compare(first, latest)
        if change is None:
            continue
        # Worse by 20% of the baseline in the instrument's bad direction (PSFS: a fall).
        if (change.direction == WORSE and change.percent_change is not None
                and abs(change.percent_change) >= t.alert_function_drop_percent):
            yield Alert(CRITICAL, "function-down-20",
                        f"{_name(instrument)} is {abs(change.percent_change):g}% worse than at "
                        f"the first assessment: {first.score:g} on {say_date(first.date)}, "
                        f"{latest.score:g} on {say_date(latest.date)}.")
