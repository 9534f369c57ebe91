"""Safety rules (CLINICAL.md §4 flare-ups, §5 red flags and when to seek help), and how the
planner obeys them in every mode."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from functools import lru_cache

import pytest

from backcare.domain import logbook
from backcare.domain.checks import CHECKIN_SYMPTOMS
from backcare.domain.clinical import DEFAULT
from backcare.domain.library import Library
from backcare.domain.models import (
    Dose,
    ExerciseLog,
    History,
    PainCheckin,
    PrescribedItem,
    Prescription,
    Profile,
    Session,
)
from backcare.domain.planner import plan_for
from backcare.domain.safety import (
    RED_FLAG_NAMES,
    checkin_red_flags,
    flare_active,
    red_flag_advice,
    red_flag_stop,
    seek_help,
)
from backcare.errors import EXIT_SAFETY, SafetyStop
from backcare.loading.library import load_library_files
from backcare.messages import BLOCKED_UNTIL_CLEARED, URGENT_CAUDA_EQUINA, URGENT_OTHER
from backcare.storage.paths import bundled_library

T = DEFAULT
DAY = date(2026, 3, 16)  # a Monday
PROFILE = Profile(
    start_date=DAY - timedelta(days=3),
    baseline_pain=5,
    equipment=["none", "mat"],
    assessed_by_clinician=True,
)
RX = Prescription((PrescribedItem("bridge", Dose(sets=2, reps=8)),), "A. Physio")


@lru_cache(maxsize=1)
def bundled() -> Library:
    return load_library_files([bundled_library()])


def pains(*scores: int | tuple[int, bool], end: date = DAY) -> tuple[PainCheckin, ...]:
    """Daily check-ins ending on ``end``; (score, True) declares a flare that day."""
    out = []
    for n, s in enumerate(scores):
        d = end - timedelta(days=len(scores) - 1 - n)
        score, flare = s if isinstance(s, tuple) else (s, False)
        out.append(PainCheckin(d, score, flare=flare))
    return tuple(out)


# --- red flags ------------------------------------------------------------------------------


def test_the_red_flag_names_are_the_contracts() -> None:
    assert set(RED_FLAG_NAMES) == {
        "bladder-bowel",
        "saddle-numbness",
        "leg-weakness",
        "walking-change",
        "cancer-history",
        "weight-loss",
        "night-pain",
        "fever",
        "immunosuppressed",
        "trauma",
        # The third round (issue 21): the GIRFT cauda-equina signs.
        "sexual-dysfunction",
        "both-legs",
    }


@pytest.mark.parametrize(
    "flag",
    [
        "bladder-bowel",
        "saddle-numbness",
        "leg-weakness",
        "walking-change",
        "sexual-dysfunction",
        "both-legs",
    ],
)
def test_cauda_equina_signs_send_the_patient_to_an_emergency_department(flag: str) -> None:
    assert red_flag_advice([flag]) == URGENT_CAUDA_EQUINA
    assert "emergency department" in URGENT_CAUDA_EQUINA


@pytest.mark.parametrize(
    "flag", ["cancer-history", "weight-loss", "night-pain", "fever", "immunosuppressed", "trauma"]
)
def test_other_red_flags_send_the_patient_to_a_doctor_first(flag: str) -> None:
    assert red_flag_advice([flag]) == URGENT_OTHER
    assert red_flag_advice([flag, "bladder-bowel"]) == URGENT_CAUDA_EQUINA


@pytest.mark.parametrize("prescription", [None, RX])
def test_a_red_flag_stops_every_plan_until_a_clinician_clears_it(
    prescription: Prescription | None,
) -> None:
    flagged = replace(PROFILE, red_flags=["fever"])
    with pytest.raises(SafetyStop) as stop:
        plan_for(DAY, flagged, bundled(), prescription, History())
    assert stop.value.exit_code == EXIT_SAFETY
    assert BLOCKED_UNTIL_CLEARED in stop.value.message
    cleared = replace(flagged, cleared_by_clinician=True)
    assert plan_for(DAY, cleared, bundled(), prescription, History()).items


# The stop is a consequence of the log (issue 17): a red-flag check-in since the last
# clearance stops every plan, whatever the profile says.
def red_flag_checkin(
    day: date = DAY - timedelta(days=1), symptom: str = "bladder-bowel", *more: str
) -> PainCheckin:
    return PainCheckin(day, 3, None, (symptom, *more))


@pytest.mark.parametrize(
    "symptoms",
    [
        ("bladder-bowel",),
        ("saddle-numbness",),
        ("fever",),
        ("night-pain",),
        ("numbness", "both-legs"),
        ("weakness", "tingling", "both-legs"),
    ],
)
def test_a_red_flag_check_in_stops_plans_whatever_the_profile_says(
    symptoms: tuple[str, ...],
) -> None:
    history = History(checkins=(red_flag_checkin(DAY - timedelta(days=400), *symptoms),))
    assert not PROFILE.blocked_by_red_flag  # the profile's update never happened
    stop = red_flag_stop(PROFILE, history)
    assert stop is not None and BLOCKED_UNTIL_CLEARED in stop
    with pytest.raises(SafetyStop) as raised:
        plan_for(DAY, PROFILE, bundled(), RX, history)
    assert raised.value.message == stop
    assert red_flag_stop(None, history) == stop  # no profile at all: still stopped


def test_a_dated_clearance_covers_the_check_ins_up_to_its_day_only() -> None:
    reported = DAY - timedelta(days=3)
    history = History(checkins=(red_flag_checkin(reported),))
    cleared = replace(PROFILE, cleared_by_clinician=True, cleared_on=reported)
    assert red_flag_stop(cleared, history) is None
    assert plan_for(DAY, cleared, bundled(), None, history).items
    again = history.with_checkins([red_flag_checkin(DAY, "fever")])
    assert red_flag_stop(cleared, again) == red_flag_advice(["fever"]) + " " + BLOCKED_UNTIL_CLEARED
    undated = replace(PROFILE, cleared_by_clinician=True)  # a clearance needs a date
    assert red_flag_stop(undated, history) is not None


def test_symptoms_that_are_no_red_flag_do_not_stop() -> None:
    history = History(checkins=(PainCheckin(DAY, 4, None, ("numbness", "tingling")),))
    assert red_flag_stop(PROFILE, history) is None


def test_the_stop_and_the_check_in_agree_on_what_a_red_flag_is() -> None:
    """Every set of up to three symptoms: what `pain` stores in the profile is what stops."""
    from itertools import combinations

    for n in range(4):
        for symptoms in combinations(CHECKIN_SYMPTOMS, n):
            c = PainCheckin(DAY, 3, None, symptoms)
            outcome = logbook.checkin_outcome(c, PROFILE, History(checkins=(c,)), T)
            assert outcome.new_red_flags == checkin_red_flags(c), symptoms
            assert (outcome.urgent is not None) == bool(checkin_red_flags(c)), symptoms


# --- flare-ups ------------------------------------------------------------------------------


def test_pain_of_7_today_is_a_flare_up() -> None:
    assert flare_active(History(checkins=pains(3, 7)), DAY, T) == (
        True,
        "your pain on 16 Mar is 7/10",
    )
    assert flare_active(History(checkins=pains(3, 6)), DAY, T)[0] is False
    # Issue 11: one rule for the end of every flare, declared or not: 2 days under 7.
    assert flare_active(History(checkins=pains(8, 3)), DAY, T)[0] is True
    assert flare_active(History(checkins=pains(8, 3, 2)), DAY, T)[0] is False


def test_an_undeclared_flare_ends_by_the_same_rule_as_a_declared_one() -> None:
    def active(*scores: int | tuple[int, bool]) -> bool:
        return flare_active(History(checkins=pains(*scores)), DAY, T)[0]

    assert active(8, 4) and not active(8, 4, 3)
    assert active(8, 4, 7, 3)  # a day at 7 starts the count again
    assert "under 7 for 2 days" in flare_active(History(checkins=pains(8, 4)), DAY, T)[1]


def test_a_declared_flare_lasts_until_two_days_under_7() -> None:
    def active(*scores: int | tuple[int, bool]) -> bool:
        return flare_active(History(checkins=pains(*scores)), DAY, T)[0]

    assert active((5, True))
    assert active((5, True), 4)
    assert not active((5, True), 4, 3)
    assert active((5, True), 4, 8, 3)  # a bad day starts the count again
    assert not active((5, True), 4, 8, 3, 2)


def test_check_ins_in_any_order_give_the_same_answer() -> None:
    ordered = pains((5, True), 4, 3)
    assert flare_active(History(checkins=tuple(reversed(ordered))), DAY, T)[0] is False
    assert flare_active(History(checkins=tuple(reversed(pains(2, 7)))), DAY, T)[0] is True


@pytest.mark.parametrize("checkins", [pains(2, 7), pains((4, True))])
def test_a_flare_up_plan_is_gentle_level_1_at_the_lowest_dose(
    checkins: tuple[PainCheckin, ...],
) -> None:
    plan = plan_for(DAY, PROFILE, bundled(), None, History(checkins=checkins))
    assert plan.mode == "flare" and plan.items
    assert plan.warnings[0].startswith("Flare-up")
    assert sum(i.seconds for i in plan.items) <= PROFILE.minutes_per_day * 60
    for i in plan.items:
        assert i.exercise.level == 1 and "flare-up" in i.reason
        if i.exercise.category != "aerobic":
            assert i.dose == i.exercise.start_dose()
    assert {"stretching", "aerobic"} <= {i.exercise.category for i in plan.items}


def test_a_flare_up_never_progresses_even_after_many_green_sessions() -> None:
    top = Dose(sets=3, reps=10, hold_seconds=10)
    sessions = tuple(
        Session(f"s{n}", DAY - timedelta(days=n), (ExerciseLog("bridge", "done", top, 0),))
        for n in range(1, 6)
    )
    plan = plan_for(DAY, PROFILE, bundled(), None, History(sessions, pains(7)))
    assert plan.mode == "flare"
    assert all(i.exercise.id != "single-leg-bridge" for i in plan.items)
    assert all(i.dose != top for i in plan.items)


def test_a_flare_up_pauses_a_prescription_too() -> None:
    plan = plan_for(DAY, PROFILE, bundled(), RX, History(checkins=pains(8)))
    assert plan.mode == "flare"
    assert any("programme is paused" in w for w in plan.warnings)


def test_a_flare_up_plan_fits_ten_minutes() -> None:
    short = replace(PROFILE, minutes_per_day=10)
    for n in range(7):
        d = DAY + timedelta(days=n)
        plan = plan_for(d, short, bundled(), None, History(checkins=pains(9, end=d)))
        assert sum(i.seconds for i in plan.items) <= 600
        assert any(i.exercise.category == "stretching" for i in plan.items)


# --- when to seek professional help ---------------------------------------------------------


def rules(
    profile: Profile | None, checkins: tuple[PainCheckin, ...] = (), day: date = DAY
) -> dict[str, str]:
    return {a.rule: a.level for a in seek_help(profile, History(checkins=checkins), day, T)}


def test_numbness_tingling_or_weakness_needs_a_prompt_review() -> None:
    c = PainCheckin(DAY - timedelta(days=2), 4, symptoms=("tingling",))
    assert rules(PROFILE, (c,)) == {"nerve-symptoms": "prompt"}


@pytest.mark.parametrize("extra", ["both-legs", "bladder-bowel", "saddle-numbness"])
def test_nerve_symptoms_in_both_legs_or_with_cauda_equina_signs_are_urgent(extra: str) -> None:
    c = PainCheckin(DAY, 4, symptoms=("numbness", extra))
    assert rules(PROFILE, (c,)) == {"nerve-symptoms-urgent": "urgent"}


def test_severe_pain_three_days_running_needs_a_review() -> None:
    assert "severe-pain-3-days" in rules(PROFILE, pains(7, 8, 7))
    assert "severe-pain-3-days" in rules(PROFILE, pains(7, 8, 7, end=DAY - timedelta(days=1)))
    assert "severe-pain-3-days" not in rules(PROFILE, pains(7, 6, 7))
    assert "severe-pain-3-days" not in rules(PROFILE, pains(8, 8))


def test_severe_pain_said_before_or_just_after_sessions_counts_too() -> None:
    """CLINICAL.md §5's "a pain score of 7 or more on 3 consecutive days": a session's pain
    before or just after it is a pain score too (§4), with or without a check-in that day."""

    def session(days_ago: int, before: int | None, after: int | None) -> Session:
        return Session(f"s-{days_ago}", DAY - timedelta(days=days_ago), (), before, after)

    three = (session(2, 4, 8), session(1, 7, 5), session(0, None, 7))
    advice = seek_help(PROFILE, History(sessions=three), DAY, T)
    assert [a.message for a in advice if a.rule == "severe-pain-3-days"] == [
        "Your pain has been 7/10 or more for 3 days in a row. Please see your GP or "
        "physiotherapist for a review."
    ]
    mixed = History(sessions=three[:2], checkins=(PainCheckin(DAY, 9),))
    assert "severe-pain-3-days" in {a.rule for a in seek_help(PROFILE, mixed, DAY, T)}
    broken = (session(2, 4, 8), session(1, 3, 6), session(0, None, 7))
    assert "severe-pain-3-days" not in {
        a.rule for a in seek_help(PROFILE, History(sessions=broken), DAY, T)
    }


def test_the_severe_pain_message_names_the_run_it_saw() -> None:
    """Issue 14: "7/10 or more for 3 days in a row" must not appear after a 6."""
    after_a_six = (*pains(7, 8, 7, end=DAY - timedelta(days=1)), PainCheckin(DAY, 6))
    (advice,) = [
        a
        for a in seek_help(PROFILE, History(checkins=after_a_six), DAY, T)
        if a.rule == "severe-pain-3-days"
    ]
    assert "was 7/10 or more on 3 days in a row, up to 15 Mar" in advice.message
    assert "has been" not in advice.message
    (now,) = [
        a
        for a in seek_help(PROFILE, History(checkins=pains(7, 8, 7, 9)), DAY, T)
        if a.rule == "severe-pain-3-days"
    ]
    assert "has been 7/10 or more for 4 days in a row" in now.message


def test_no_clear_improvement_after_two_weeks_needs_a_review() -> None:
    started = replace(PROFILE, start_date=DAY - timedelta(days=14), baseline_pain=6)
    assert "no-improvement-14-days" in rules(started, pains(5, 5, 5))
    assert "no-improvement-14-days" not in rules(started, pains(4, 4, 4))  # 2 points
    early = replace(started, start_date=DAY - timedelta(days=13))
    assert "no-improvement-14-days" not in rules(early, pains(5, 5, 5))
    mild = replace(started, baseline_pain=3)
    assert "no-improvement-14-days" not in rules(mild, pains(2, 2, 2))  # 33% better


def test_an_unknown_assessment_is_treated_as_not_assessed() -> None:
    """Issue 11: "uncertain about the cause" (CLINICAL.md §5) when it was never said."""
    assert rules(replace(PROFILE, assessed_by_clinician=None)) == {"not-assessed": "advice"}


def test_underlying_conditions_and_no_assessment_give_advice() -> None:
    p = replace(PROFILE, conditions=["osteoporosis"], assessed_by_clinician=False)
    found = seek_help(p, History(), DAY, T)
    assert {a.rule for a in found} == {"underlying-condition", "not-assessed"}
    assert any("osteoporosis" in a.message for a in found)
    assert rules(replace(PROFILE, assessed_by_clinician=True)) == {}
    assert rules(None) == {}


def test_the_plan_carries_the_advice_as_warnings() -> None:
    p = replace(PROFILE, assessed_by_clinician=False)
    plan = plan_for(DAY, p, bundled(), None, History())
    assert any("not been assessed" in w for w in plan.warnings)
