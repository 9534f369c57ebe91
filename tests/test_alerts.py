"""Alerts for the physiotherapist (CLINICAL.md §5): each rule, firing and not firing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from backcare.domain.alerts import CRITICAL, HIGH, LOW, Alert, check_alerts, period_alerts
from backcare.domain.clinical import DEFAULT as T
from backcare.domain.clinical import Thresholds
from backcare.domain.models import (
    Assessment,
    Dose,
    ExerciseLog,
    History,
    PainCheckin,
    Profile,
    Session,
)

TODAY = date(2026, 3, 20)  # a Friday
STARTED = Profile(start_date=date(2026, 2, 1))  # every day planned, well before TODAY


def exercised(*days: date) -> tuple[Session, ...]:
    return tuple(Session(f"s-{d}", d, (ExerciseLog("bridge", "done", Dose(reps=5)),)) for d in days)


def every_day(until: date = TODAY, since: date = STARTED.start_date) -> tuple[Session, ...]:
    return exercised(*(since + timedelta(days=n) for n in range((until - since).days + 1)))


def pain(*scores: int, until: date = TODAY, **kw: object) -> tuple[PainCheckin, ...]:
    """Daily check-ins ending on ``until``, oldest first."""
    first = until - timedelta(days=len(scores) - 1)
    return tuple(
        PainCheckin(first + timedelta(days=n), s, **kw)  # type: ignore[arg-type]
        for n, s in enumerate(scores)
    )


def odi(*scores: float, instrument: str = "odi") -> tuple[Assessment, ...]:
    return tuple(
        Assessment(
            f"{instrument}-{n}", date(2026, 2, 1) + timedelta(weeks=2 * n), instrument, [], s
        )
        for n, s in enumerate(scores)
    )


def alerts(
    history: History,
    profile: Profile | None = STARTED,
    today: date = TODAY,
    thresholds: Thresholds = T,
) -> list[Alert]:
    return check_alerts(profile, history, None, today, thresholds)


def rules(history: History, **kw: object) -> set[str]:
    return {a.rule for a in alerts(history, **kw)}  # type: ignore[arg-type]


def the(rule: str, history: History, **kw: object) -> Alert:
    (found,) = [a for a in alerts(history, **kw) if a.rule == rule]  # type: ignore[arg-type]
    return found


QUIET = History(sessions=every_day(), checkins=pain(3, 3, 3))


def test_a_quiet_history_raises_no_alert() -> None:
    assert alerts(QUIET) == []


def test_no_data_and_no_profile_raise_no_alert() -> None:
    assert alerts(History(), profile=None) == []


# --- Low ---------------------------------------------------------------------------------------


def test_pain_rising_fires_at_5_and_up_1_since_the_last_check_in() -> None:
    history = History(sessions=every_day(), checkins=pain(4, 5))
    alert = the("pain-rising", history)
    assert alert.level == LOW
    assert alert.message == "Pain 5/10 on 20 Mar 2026, up 1 from 4/10 on 19 Mar 2026."


@pytest.mark.parametrize("scores", [(3, 4), (5, 5), (6, 5), (5,)])
def test_pain_rising_does_not_fire(scores: tuple[int, ...]) -> None:
    # under 5; not up; down; no earlier check-in
    assert "pain-rising" not in rules(History(sessions=every_day(), checkins=pain(*scores)))


def test_pain_rising_compares_with_the_previous_check_in_whatever_its_date() -> None:
    checkins = (PainCheckin(date(2026, 3, 1), 4), PainCheckin(TODAY, 5))
    assert "pain-rising" in rules(History(sessions=every_day(), checkins=checkins))


def test_no_session_for_3_days_fires() -> None:
    history = History(sessions=every_day(until=TODAY - timedelta(days=3)))
    alert = the("no-session-3-days", history)
    assert alert.level == LOW
    assert "17 Mar 2026" in alert.message and "20 Mar 2026" in alert.message


def test_no_session_for_3_days_counts_today() -> None:
    # Last session the day before yesterday: yesterday and today make 2 days only.
    history = History(sessions=every_day(until=TODAY - timedelta(days=2)))
    assert "no-session-3-days" not in rules(history)


def test_no_session_for_3_days_waits_for_the_programme_to_run_3_days() -> None:
    just_started = Profile(start_date=TODAY - timedelta(days=1))
    assert "no-session-3-days" not in rules(History(), profile=just_started)
    three_days = Profile(start_date=TODAY - timedelta(days=2))
    alert = the("no-session-3-days", History(), profile=three_days)
    assert "none since the programme started on 18 Mar 2026" in alert.message


# --- High --------------------------------------------------------------------------------------


def test_pain_up_2_from_baseline_fires() -> None:
    profile = Profile(start_date=STARTED.start_date, baseline_pain=3)
    history = History(sessions=every_day(), checkins=pain(5, 5, 5))
    alert = the("pain-up-from-baseline", history, profile=profile)
    assert alert.level == HIGH
    assert "5/10" in alert.message and "2 points above the baseline of 3/10" in alert.message


def test_pain_up_less_than_2_from_baseline_does_not_fire() -> None:
    profile = Profile(start_date=STARTED.start_date, baseline_pain=3)
    history = History(sessions=every_day(), checkins=pain(4, 5, 4))  # mean 4.3: +1.3
    assert "pain-up-from-baseline" not in rules(history, profile=profile)


def test_pain_up_from_baseline_uses_the_first_check_in_without_a_profile_baseline() -> None:
    checkins = (PainCheckin(date(2026, 2, 1), 2), *pain(4, 4))
    assert "pain-up-from-baseline" in rules(History(sessions=every_day(), checkins=checkins))


def test_adherence_below_50_over_14_days_fires() -> None:
    # 6 sessions in the 14 days to 20 March, every day planned: 6/14 = 42.9%.
    days = [TODAY - timedelta(days=n) for n in range(0, 12, 2)]
    alert = the("adherence-below-50", History(sessions=exercised(*days)))
    assert alert.level == HIGH
    assert alert.message.startswith("Exercised on 6 of 14 planned days")
    assert "42.9%" in alert.message


def test_adherence_of_50_over_14_days_does_not_fire() -> None:
    days = [TODAY - timedelta(days=n) for n in range(0, 14, 2)]  # 7 of 14
    assert "adherence-below-50" not in rules(History(sessions=exercised(*days)))


def test_adherence_is_not_judged_before_14_days_of_programme() -> None:
    new = Profile(start_date=TODAY - timedelta(days=12))
    assert "adherence-below-50" not in rules(History(), profile=new)


def test_no_function_gain_between_two_assessments_fires() -> None:
    alert = the("no-function-gain", History(sessions=every_day(), assessments=odi(40, 30, 30)))
    assert alert.level == HIGH
    assert "ODI" in alert.message and "30 on 15 Feb 2026, 30 on 1 Mar 2026" in alert.message


@pytest.mark.parametrize("scores", [(40, 38), (40,)])
def test_no_function_gain_does_not_fire_on_a_gain_or_a_single_result(
    scores: tuple[float, ...],
) -> None:
    assert "no-function-gain" not in rules(History(sessions=every_day(), assessments=odi(*scores)))


def test_psfs_gain_is_a_rise() -> None:
    up = History(sessions=every_day(), assessments=odi(4, 5, instrument="psfs"))
    down = History(sessions=every_day(), assessments=odi(5, 4.5, instrument="psfs"))
    assert "no-function-gain" not in rules(up)
    assert "no-function-gain" in rules(down)


def test_startback_is_not_a_function_measure() -> None:
    sb = tuple(
        Assessment(f"sb{n}", date(2026, 3, 1 + n), "startback", {}, 5, "high") for n in range(2)
    )
    assert alerts(History(sessions=every_day(), assessments=sb)) == []


# --- Critical ----------------------------------------------------------------------------------


def test_pain_7_fires() -> None:
    alert = the("severe-pain", History(sessions=every_day(), checkins=pain(7, 7)))
    assert alert.level == HIGH  # one day: critical is for safety rules (CLINICAL.md §12)
    assert alert.message == "Pain 7/10 reported on 20 Mar 2026."


def test_severe_pain_on_3_days_in_a_row_is_critical_and_its_own_alert() -> None:
    """Issue 21: a single 8/10 day and a 3-day run are two alerts, never one."""
    checkins = (*pain(8, 3, until=TODAY - timedelta(days=6)), *pain(7, 9, 8))
    found = [
        (a.level, a.rule, a.message)
        for a in period_alerts(
            STARTED,
            History(sessions=every_day(), checkins=checkins),
            None,
            TODAY - timedelta(days=10),
            TODAY,
            T,
        )
        if a.rule.startswith("severe-pain")
    ]
    assert found == [
        (
            CRITICAL,
            "severe-pain-3-days",
            "Pain of 7/10 or more reported on 3 check-ins in a "
            "row, from 18 Mar 2026 to 20 Mar 2026 (up to 9/10).",
        ),
        (HIGH, "severe-pain", "Pain 8/10 reported on 13 Mar 2026."),
    ]


def test_pain_6_does_not_fire_severe_pain() -> None:
    assert "severe-pain" not in rules(History(sessions=every_day(), checkins=pain(6, 6)))


def test_pain_7_earlier_but_lower_now_does_not_fire() -> None:
    assert "severe-pain" not in rules(History(sessions=every_day(), checkins=pain(8, 3)))


@pytest.mark.parametrize("symptom", ["bladder-bowel", "saddle-numbness", "fever", "night-pain"])
def test_a_red_flag_symptom_at_a_check_in_fires(symptom: str) -> None:
    checkins = (
        PainCheckin(TODAY - timedelta(days=5), 3, symptoms=(symptom,)),
        PainCheckin(TODAY, 3),
    )
    alert = the("red-flag", History(sessions=every_day(), checkins=checkins))
    assert alert.level == CRITICAL
    assert symptom in alert.message and "15 Mar 2026" in alert.message


def test_other_symptoms_are_not_red_flags() -> None:
    checkins = pain(3, 3, symptoms=("numbness", "tingling"))
    assert "red-flag" not in rules(History(sessions=every_day(), checkins=checkins))


def test_a_red_flag_symptom_before_a_clinicians_clearance_does_not_fire() -> None:
    checkins = (PainCheckin(date(2026, 3, 1), 3, symptoms=("bladder-bowel",)),)
    cleared = Profile(
        start_date=STARTED.start_date,
        cleared_by_clinician=True,
        updated=date(2026, 3, 2),
        cleared_on=date(2026, 3, 2),
    )
    history = History(sessions=every_day(), checkins=checkins)
    assert "red-flag" not in rules(history, profile=cleared)
    assert "red-flag" in rules(history)
    # A clearance needs a date: one without is no clearance of the log (issue 17).
    undated = Profile(start_date=STARTED.start_date, cleared_by_clinician=True)
    assert "red-flag" in rules(history, profile=undated)
    # A stored profile cleared before clearances had dates took its last update's day.
    stored = Profile.from_dict({**undated.to_dict(), "updated": "2026-03-02", "cleared_on": None})
    assert stored.cleared_on == date(2026, 3, 2)


def test_a_red_flag_at_the_safety_screen_not_cleared_fires() -> None:
    flagged = Profile(start_date=STARTED.start_date, red_flags=["cancer-history"])
    alert = the("red-flag", QUIET, profile=flagged)
    assert "cancer-history" in alert.message
    cleared = Profile(
        start_date=STARTED.start_date, red_flags=["cancer-history"], cleared_by_clinician=True
    )
    assert "red-flag" not in rules(QUIET, profile=cleared)


def test_function_down_20_percent_fires() -> None:
    # ODI 30 -> 40 is +10 points, +33% of the baseline: worse by 20%, and by 10 points.
    alert = the("function-down-20", History(sessions=every_day(), assessments=odi(30, 40)))
    assert alert.level == HIGH  # a questionnaire is high at most (CLINICAL.md §12)
    assert "33.3% worse" in alert.message
    assert (
        the("function-down-20", History(sessions=every_day(), assessments=odi(20, 40))).level
        == HIGH
    )


@pytest.mark.parametrize(
    ("instrument", "scores"),
    [
        ("odi", (4, 6)),  # +50%, but 2 points: within measurement error (issue 21)
        ("odi", (30, 36)),  # +20%, 6 points
        ("rmdq", (4, 8)),  # +100%, 4 points (RMDQ: 5)
        ("psfs", (5, 4)),  # -20%, 1 point (PSFS: 2)
        ("peg", (2, 2.6)),  # +30%, 0.6 points (PEG: 1)
    ],
)
def test_a_worsening_within_measurement_error_raises_no_function_alert(
    instrument: str, scores: tuple[float, ...]
) -> None:
    history = History(sessions=every_day(), assessments=odi(*scores, instrument=instrument))
    assert "function-down-20" not in rules(history)
    assert all(a.level != CRITICAL for a in alerts(history))


def test_function_down_less_than_20_percent_does_not_fire() -> None:
    assert "function-down-20" not in rules(History(sessions=every_day(), assessments=odi(30, 35.5)))


def test_function_down_for_the_psfs_is_a_fall() -> None:
    down = History(sessions=every_day(), assessments=odi(5, 3, instrument="psfs"))  # -40%
    up = History(sessions=every_day(), assessments=odi(5, 7, instrument="psfs"))
    assert "function-down-20" in rules(down)
    assert "function-down-20" not in rules(up)


# --- Order and thresholds ----------------------------------------------------------------------


def test_alerts_are_listed_most_urgent_first() -> None:
    history = History(
        sessions=every_day(until=TODAY - timedelta(days=3)),
        checkins=pain(4, 8),
        assessments=odi(30, 30),
    )
    # Baseline 4 (the first check-in), current (4 + 8) / 2 = 6: up 2 as well.
    found = [(a.level, a.rule) for a in alerts(history)]
    assert [level for level, _ in found] == [HIGH, HIGH, HIGH, LOW, LOW]
    assert {rule for _, rule in found} == {
        "severe-pain",
        "pain-up-from-baseline",
        "no-function-gain",
        "pain-rising",
        "no-session-3-days",
    }
    flagged = Profile(start_date=STARTED.start_date, red_flags=["fever"])
    assert alerts(history, profile=flagged)[0].level == CRITICAL


def test_thresholds_come_from_the_settings() -> None:
    history = History(sessions=every_day(), checkins=pain(6, 6))
    assert "severe-pain" not in rules(history)
    assert "severe-pain" in rules(history, thresholds=Thresholds(alert_critical_pain=6))


# --- Over a period (issue 11) --------------------------------------------------------------------


def test_an_alert_that_fired_before_the_period_and_still_stands_keeps_its_date() -> None:
    checkins = (PainCheckin(date(2026, 3, 1), 8),)  # nothing since
    history = History(sessions=every_day(), checkins=checkins)
    found = period_alerts(STARTED, history, None, date(2026, 3, 10), TODAY, T)
    assert [(a.rule, a.date) for a in found] == [("severe-pain", date(2026, 3, 1))]


def test_a_session_with_severe_pain_just_after_it_is_an_alert() -> None:
    sessions = tuple(
        s._replace(pain_after=8) if s.date == date(2026, 3, 12) else s for s in every_day()
    )
    found = period_alerts(
        STARTED, History(sessions=sessions, checkins=pain(3)), None, date(2026, 3, 1), TODAY, T
    )
    assert [(a.rule, a.message) for a in found] == [
        ("severe-pain", "Pain 8/10 just after the session on 12 Mar 2026.")
    ]
    assert (
        check_alerts(STARTED, History(sessions=sessions, checkins=pain(3)), None, TODAY, T) == []
    )  # today, it no longer applies
