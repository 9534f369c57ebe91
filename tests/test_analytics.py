"""Progress analytics (issue 5): adherence, streaks, pain change, weekly buckets, measures.

The pure functions, called with hand-made histories: no data folder. The same figures
through the CLI, with eight scripted weeks worked out by hand, are in test_progress_cli.py.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from backcare.domain.analytics import progress_report
from backcare.domain.clinical import DEFAULT as T
from backcare.domain.history import adherence_percent, aerobic_sessions, monday, streak_days
from backcare.domain.models import (
    Assessment,
    Dose,
    ExerciseLog,
    Goal,
    History,
    PainCheckin,
    PrescribedItem,
    Prescription,
    Profile,
    Session,
)

CATEGORIES = {"walking": "aerobic", "bridge": "strengthening", "knee-to-chest": "stretching"}


def session(d: date, *logs: ExerciseLog, sid: str | None = None) -> Session:
    return Session(
        sid or f"s-{d.isoformat()}-{len(logs)}",
        d,
        logs or (ExerciseLog("bridge", "done", Dose(sets=1, reps=5)),),
    )


def walk(minutes: int, status: str = "done") -> ExerciseLog:
    return ExerciseLog("walking", status, Dose(duration_minutes=minutes))


def bridge(status: str = "done", pain: int | None = None) -> ExerciseLog:
    return ExerciseLog("bridge", status, Dose(sets=2, reps=8), pain)


def report(
    profile: Profile | None,
    history: History,
    start: date,
    end: date,
    today: date,
    prescription: Prescription | None = None,
    goals: tuple[Goal, ...] = (),
) -> Any:
    return progress_report(
        profile, history, prescription, start, end, today, T, CATEGORIES, goals=goals
    )


TODAY = date(2026, 3, 1)
START = date(2026, 1, 5)  # a Monday


def test_adherence_is_null_when_nothing_is_planned() -> None:
    assert adherence_percent(0, 0) is None
    assert adherence_percent(3, 0) is None


def test_adherence_rounds_to_one_decimal_and_is_capped() -> None:
    assert adherence_percent(1, 3) == 33.3  # 33.33...
    assert adherence_percent(2, 3) == 66.7  # 66.66...
    assert adherence_percent(7, 5) == 100.0


def test_nothing_is_planned_before_the_programme_starts() -> None:
    profile = Profile(start_date=date(2026, 3, 1))
    r = report(profile, History(), date(2026, 2, 1), date(2026, 2, 28), date(2026, 2, 28))
    assert (r.sessions_planned, r.sessions_done, r.adherence_percent) == (0, 0, None)
    assert r.streak_days == 0
    # and sessions logged before the start are not counted either
    early = History(sessions=(session(date(2026, 2, 20)),))
    r = report(profile, early, date(2026, 2, 1), date(2026, 2, 28), date(2026, 2, 28))
    assert (r.sessions_planned, r.sessions_done, r.adherence_percent) == (0, 0, None)


def test_nothing_is_planned_after_today() -> None:
    profile = Profile(start_date=date(2026, 3, 2))  # a Monday; every day planned
    r = report(profile, History(), date(2026, 3, 2), date(2026, 3, 15), date(2026, 3, 4))
    assert r.sessions_planned == 2  # 2 and 3 March: today is not over (issue 20)
    assert r.weekly[1].days == 0 and r.weekly[1].adherence_percent is None


def test_today_counts_only_once_it_has_a_session() -> None:
    # Issue 20: planned days up to yesterday; today joins them once it has a session, so a
    # morning's report does not call the day missed.
    profile = Profile(start_date=date(2026, 3, 2))
    history = History(sessions=(session(date(2026, 3, 2)),))
    r = report(profile, history, date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 3))
    assert (r.sessions_planned, r.sessions_done, r.adherence_percent) == (1, 1, 100.0)
    assert r.streak_days == 1
    done = History(sessions=(session(date(2026, 3, 2)), session(date(2026, 3, 3))))
    r = report(profile, done, date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 3))
    assert (r.sessions_planned, r.sessions_done, r.adherence_percent) == (2, 2, 100.0)


def test_extras_are_counted_apart_and_never_raise_adherence() -> None:
    profile = Profile(start_date=date(2026, 3, 2), days_per_week=3)  # Mon, Wed, Fri
    history = History(sessions=tuple(session(date(2026, 3, d)) for d in (2, 3, 5, 7)))
    r = report(profile, history, date(2026, 3, 2), date(2026, 3, 8), date(2026, 3, 9))
    assert (r.sessions_planned, r.sessions_done, r.sessions_extra) == (3, 1, 3)
    assert r.adherence_percent == 33.3
    assert r.to_dict()["sessions_extra"] == 3


def test_a_prescription_sets_the_planned_days_from_its_start() -> None:
    rx = Prescription(
        (PrescribedItem("bridge", Dose(reps=8), ("mon", "thu")),), start=date(2026, 3, 5)
    )
    profile = Profile(start_date=date(2026, 3, 1))
    r = report(
        profile, History(), date(2026, 3, 1), date(2026, 3, 15), date(2026, 3, 15), prescription=rx
    )
    # Before it, the patient's own days (every day, 1 to 4 March); from Thursday 5 March
    # the prescription's: Thu 5, Mon 9, Thu 12 (issue 14: judged by the plan in force).
    assert r.sessions_planned == 4 + 3
    assert r.programme_start == date(2026, 3, 1)


def test_a_prescription_imported_mid_course_leaves_past_adherence_unchanged() -> None:
    from backcare.domain.models import PrescriptionHistory, PrescriptionPeriod

    profile = Profile(start_date=date(2026, 3, 2), days_per_week=3)  # Mon, Wed, Fri
    done = History(sessions=tuple(session(date(2026, 3, d)) for d in (2, 4, 6, 9, 11, 13)))
    walk_daily = Prescription(
        (PrescribedItem("walking", Dose(duration_minutes=15)),), start=date(2026, 3, 2)
    )
    before = report(profile, done, date(2026, 3, 2), date(2026, 3, 15), date(2026, 3, 15))
    assert (before.sessions_planned, before.sessions_done) == (6, 6)
    # Imported on 16 March with a start of 2 March: it applies from the 16th only.
    history = PrescriptionHistory(
        (PrescriptionPeriod(date(2026, 3, 16), walk_daily, "imported", date(2026, 3, 16)),)
    )
    after = report(
        profile, done, date(2026, 3, 2), date(2026, 3, 15), date(2026, 3, 20), prescription=history
    )
    assert (after.sessions_planned, after.sessions_done, after.adherence_percent) == (6, 6, 100.0)
    later = report(
        profile, done, date(2026, 3, 2), date(2026, 3, 18), date(2026, 3, 18), prescription=history
    )
    assert later.sessions_planned == 6 + 2  # 16, 17 March: walking every day (18th: today)


def test_without_a_profile_the_programme_starts_with_the_first_record() -> None:
    history = History(checkins=(PainCheckin(date(2026, 3, 3), 5),))
    r = report(None, history, date(2026, 3, 1), date(2026, 3, 5), date(2026, 3, 5))
    assert r.programme_start == date(2026, 3, 3)
    assert r.sessions_planned == 2  # 3, 4 March (5th: today); no profile plans every day


# --- Streak ------------------------------------------------------------------------------------

DAILY = Profile(start_date=date(2026, 1, 1))  # every day is planned


def days_done(*days: int) -> frozenset[date]:
    return frozenset(date(2026, 3, d) for d in days)


def test_streak_counts_back_over_planned_days_with_a_session() -> None:
    assert streak_days(date(2026, 3, 5), DAILY.start_date, DAILY, None, days_done(2, 3, 4, 5)) == 4


def test_an_unfinished_today_does_not_break_the_streak() -> None:
    assert streak_days(date(2026, 3, 5), DAILY.start_date, DAILY, None, days_done(2, 3, 4)) == 3


def test_a_missed_planned_day_breaks_the_streak() -> None:
    assert streak_days(date(2026, 3, 5), DAILY.start_date, DAILY, None, days_done(1, 2, 4, 5)) == 2
    assert (
        streak_days(date(2026, 3, 5), DAILY.start_date, DAILY, None, days_done(1, 2, 3)) == 0
    )  # yesterday missed


def test_rest_days_neither_count_nor_break_the_streak() -> None:
    three = Profile(start_date=date(2026, 1, 1), days_per_week=3)  # Mon, Wed, Fri
    # Mon 2, Wed 4, Fri 6 March done; Sat 7 and Sun 8 are rest days; today Mon 9 not yet.
    assert streak_days(date(2026, 3, 9), three.start_date, three, None, days_done(2, 4, 6)) == 3
    # A session on a rest day does not add to the streak.
    assert streak_days(date(2026, 3, 9), three.start_date, three, None, days_done(2, 4, 6, 7)) == 3


def test_the_streak_stops_at_the_programme_start() -> None:
    assert (
        streak_days(date(2026, 3, 5), date(2026, 3, 4), DAILY, None, days_done(1, 2, 3, 4, 5)) == 2
    )
    assert streak_days(date(2026, 3, 5), None, DAILY, None, days_done(5)) == 0


# --- Weekly buckets ----------------------------------------------------------------------------


def test_weeks_start_on_monday_and_clip_to_the_report() -> None:
    profile = Profile(start_date=date(2026, 2, 1))
    history = History(
        sessions=(
            session(date(2026, 3, 4), walk(30)),
            session(date(2026, 3, 9), walk(25)),
            session(date(2026, 3, 2), walk(40)),
        ),  # before --from: not counted
        checkins=(
            PainCheckin(date(2026, 3, 4), 4),
            PainCheckin(date(2026, 3, 5), 5),
            PainCheckin(date(2026, 3, 10), 2),
        ),
    )
    # From Wednesday 4 March to Tuesday 10 March.
    r = report(profile, history, date(2026, 3, 4), date(2026, 3, 10), date(2026, 3, 10))
    assert [w.week_start for w in r.weekly] == [date(2026, 3, 2), date(2026, 3, 9)]
    first, second = r.weekly
    assert (first.days, first.sessions_planned, first.sessions_done) == (5, 5, 1)
    assert first.adherence_percent == 20.0
    assert first.mean_pain == 4.5  # (4 + 5) / 2
    assert first.aerobic_minutes == 30
    assert (second.days, second.sessions_planned, second.sessions_done) == (2, 1, 1)
    assert (second.mean_pain, second.aerobic_minutes) == (2.0, 25)


def test_monday() -> None:
    assert monday(date(2026, 3, 1)) == date(2026, 2, 23)  # a Sunday
    assert monday(date(2026, 2, 23)) == date(2026, 2, 23)


def test_only_aerobic_exercises_done_or_partly_done_count_as_aerobic_minutes() -> None:
    d = date(2026, 3, 2)
    history = History(
        sessions=(
            session(
                d,
                walk(30),
                walk(15, "partial"),
                walk(20, "skipped"),
                ExerciseLog("bridge", "done", Dose(duration_minutes=10)),
            ),
        )
    )
    r = report(Profile(start_date=d), history, d, d, d)
    assert r.weekly[0].aerobic_minutes == 45


# --- Pain --------------------------------------------------------------------------------------


def test_pain_baseline_falls_back_to_the_first_check_in() -> None:
    history = History(checkins=(PainCheckin(date(2026, 2, 1), 8), PainCheckin(date(2026, 3, 5), 5)))
    r = report(
        Profile(start_date=date(2026, 2, 1)),
        history,
        date(2026, 3, 1),
        date(2026, 3, 5),
        date(2026, 3, 5),
    )
    # Baseline 8 (1 Feb, before the report), current 5: -3 points, -37.5%.
    assert (r.pain.baseline, r.pain.current, r.pain.change, r.pain.percent_change) == (
        8,
        5.0,
        -3.0,
        -37.5,
    )
    assert r.pain.clinically_important and r.verdict == "improving"


def test_a_thirty_percent_fall_is_important_even_under_two_points() -> None:
    # Baseline 5; check-ins 3 and 4 make the current 3.5.
    history = History(checkins=(PainCheckin(date(2026, 3, 4), 3), PainCheckin(date(2026, 3, 5), 4)))
    r = report(
        Profile(start_date=date(2026, 3, 1), baseline_pain=5),
        history,
        date(2026, 3, 1),
        date(2026, 3, 5),
        date(2026, 3, 5),
    )
    # -1.5 points, -30%: important by the percent rule.
    assert (r.pain.change, r.pain.percent_change, r.pain.clinically_important) == (
        -1.5,
        -30.0,
        True,
    )


def test_pain_percent_change_is_null_from_a_zero_baseline() -> None:
    history = History(checkins=(PainCheckin(date(2026, 3, 5), 2),))
    r = report(
        Profile(start_date=date(2026, 3, 1), baseline_pain=0),
        history,
        date(2026, 3, 1),
        date(2026, 3, 5),
        date(2026, 3, 5),
    )
    assert (r.pain.change, r.pain.percent_change) == (2.0, None)
    assert r.verdict == "worse"  # up 2 points


def test_small_changes_are_no_clear_change() -> None:
    history = History(checkins=(PainCheckin(date(2026, 3, 5), 5),))
    r = report(
        Profile(start_date=date(2026, 3, 1), baseline_pain=6),
        history,
        date(2026, 3, 1),
        date(2026, 3, 5),
        date(2026, 3, 5),
    )
    assert (r.pain.change, r.pain.clinically_important, r.verdict) == (
        -1.0,
        False,
        "no clear change",
    )


def test_current_pain_is_null_without_a_check_in_in_the_last_seven_days() -> None:
    history = History(checkins=(PainCheckin(date(2026, 2, 20), 4),))
    r = report(
        Profile(start_date=date(2026, 2, 1), baseline_pain=6),
        history,
        date(2026, 2, 1),
        date(2026, 3, 5),
        date(2026, 3, 5),
    )
    # 20 Feb is 13 days before 5 March.
    assert (r.pain.current, r.pain.change, r.verdict) == (None, None, None)
    assert r.pain.latest == 4


def test_daily_series_has_the_seven_day_mean() -> None:
    history = History(
        checkins=tuple(PainCheckin(date(2026, 3, d), s) for d, s in ((1, 6), (2, 4), (8, 2)))
    )
    r = report(
        Profile(start_date=date(2026, 3, 1)),
        history,
        date(2026, 3, 2),
        date(2026, 3, 9),
        date(2026, 3, 9),
    )
    means = {d.date.day: d.mean_7d for d in r.daily}
    assert means[2] == 5.0  # (6 + 4) / 2, 1 March counted though before --from
    assert means[7] == 5.0  # 1-7 March: 6, 4
    assert means[8] == 3.0  # 2-8 March: 4, 2
    assert means[9] == 2.0  # 3-9 March: 2


def test_records_after_the_last_day_are_ignored() -> None:
    history = History(
        sessions=(session(date(2026, 3, 6)),), checkins=(PainCheckin(date(2026, 3, 6), 9),)
    )
    r = report(
        Profile(start_date=date(2026, 3, 1), baseline_pain=5),
        history,
        date(2026, 3, 1),
        date(2026, 3, 5),
        date(2026, 3, 10),
    )
    assert r.sessions_done == 0 and r.pain.current is None
    assert r.alerts == () or all(a.rule != "severe-pain" for a in r.alerts)


# --- Measures, flagged exercises, goals --------------------------------------------------------


def test_startback_reports_risk_groups() -> None:
    history = History(
        assessments=(
            Assessment("a", date(2026, 3, 1), "startback", {}, 2, "low"),
            Assessment("b", date(2026, 3, 5), "startback", {}, 5, "high"),
        )
    )
    r = report(
        Profile(start_date=date(2026, 3, 1)),
        history,
        date(2026, 3, 1),
        date(2026, 3, 5),
        date(2026, 3, 5),
    )
    (m,) = r.measures
    assert (m.baseline, m.latest, m.change, m.clinically_important) == ("low", "high", 2.0, False)


def test_a_single_result_is_its_own_baseline() -> None:
    history = History(assessments=(Assessment("a", date(2026, 3, 1), "odi", [], 30.0),))
    r = report(
        Profile(start_date=date(2026, 3, 1)),
        history,
        date(2026, 3, 1),
        date(2026, 3, 5),
        date(2026, 3, 5),
    )
    doc = r.to_dict()["measures"]["odi"]
    # Answered once is not a follow-up (issue 21): nothing to compare, no verdict.
    assert (
        doc["baseline"],
        doc["latest"],
        doc["change"],
        doc["clinically_important"],
        doc["direction"],
    ) == (30.0, 30.0, None, False, None)


def test_flagged_exercises_are_those_logged_above_amber() -> None:
    history = History(
        sessions=(
            session(date(2026, 3, 2), bridge(pain=T.amber_max), walk(10)),
            session(date(2026, 3, 3), bridge(pain=T.amber_max + 1)),
        )
    )
    flagged = report(None, history, date(2026, 3, 2), date(2026, 3, 4), date(2026, 3, 4))
    assert flagged.to_dict()["flagged_exercises"] == [
        {
            "date": "2026-03-03",
            "exercise_id": "bridge",
            "pain": T.amber_max + 1,
            "session_id": "s-2026-03-03-1",
            "next_morning": False,
            "pain_after": None,
            "extra": False,
        }
    ]


def test_goals_show_status_and_their_psfs_activity() -> None:
    history = History(
        assessments=(
            Assessment("a", date(2026, 3, 1), "psfs", {"Walking": 3, "sitting": 5, "x": 1}, 3.0),
            Assessment("b", date(2026, 3, 8), "psfs", {"walking": 5, "sitting": 5, "x": 1}, 3.7),
        )
    )
    goals = (
        Goal(1, "walk to the shop", date(2026, 3, 1), date(2026, 4, 1), "WALKING"),
        Goal(2, "sleep", date(2026, 3, 1), date(2026, 3, 5)),
        Goal(3, "garden", date(2026, 3, 1), None, "gardening", date(2026, 3, 6)),
    )
    r = report(
        Profile(start_date=date(2026, 3, 1)),
        history,
        date(2026, 3, 1),
        date(2026, 3, 9),
        date(2026, 3, 9),
        goals=goals,
    )
    walk_goal, sleep_goal, garden_goal = r.goals
    assert (walk_goal.status, walk_goal.psfs_baseline, walk_goal.psfs_latest) == ("open", 3, 5)
    assert sleep_goal.status == "overdue"
    assert (garden_goal.status, garden_goal.psfs_latest) == ("done", None)


# --- Properties --------------------------------------------------------------------------------

EPOCH = date(2026, 1, 1)


@st.composite
def histories(draw: st.DrawFn) -> tuple[Profile, History, date, date, date]:
    start_offset = draw(st.integers(0, 40))
    profile = Profile(
        start_date=EPOCH + timedelta(days=start_offset), days_per_week=draw(st.integers(1, 7))
    )
    session_days = draw(st.sets(st.integers(0, 80), max_size=60))
    statuses = st.sampled_from(["done", "partial", "skipped"])
    sessions = tuple(
        session(
            EPOCH + timedelta(days=d),
            ExerciseLog("walking", draw(statuses), Dose(duration_minutes=10)),
            sid=f"s{d}",
        )
        for d in sorted(session_days)
    )
    checkins = tuple(
        PainCheckin(EPOCH + timedelta(days=d), draw(st.integers(0, 10)))
        for d in sorted(draw(st.sets(st.integers(0, 80), max_size=60)))
    )
    first = EPOCH + timedelta(days=draw(st.integers(0, 80)))
    last = first + timedelta(days=draw(st.integers(0, 60)))
    today = EPOCH + timedelta(days=draw(st.integers(0, 120)))
    return profile, History(sessions, checkins), first, last, today


@settings(max_examples=150, deadline=None)
@given(histories())
def test_adherence_is_always_between_0_and_100(case: tuple[Any, ...]) -> None:
    profile, history, first, last, today = case
    r = report(profile, history, first, last, today)
    assert r.adherence_percent is None or 0 <= r.adherence_percent <= 100
    assert (r.adherence_percent is None) == (r.sessions_planned == 0)
    for w in r.weekly:
        assert w.adherence_percent is None or 0 <= w.adherence_percent <= 100
    assert sum(w.sessions_planned for w in r.weekly) == r.sessions_planned


@settings(max_examples=150, deadline=None)
@given(histories())
def test_the_streak_is_never_longer_than_the_programme(case: tuple[Any, ...]) -> None:
    profile, history, first, last, today = case
    r = report(profile, history, first, last, today)
    as_of = min(last, today)
    days = max(0, (as_of - profile.start_date).days + 1)
    assert 0 <= r.streak_days <= days
    assert r.streak_days <= len({s.date for s in history.sessions if s.done_any})


@settings(max_examples=100, deadline=None)
@given(histories())
def test_the_aerobic_sessions_alone_are_the_reports(case: tuple[Any, ...]) -> None:
    """The FHIR export takes each session's aerobic minutes without the rest of the report
    (issue 25): the same sessions, days and minutes as the report's, for any history."""
    profile, history, first, last, today = case
    r = report(profile, history, first, last, today)
    assert aerobic_sessions(history, first, min(last, today), CATEGORIES) == r.aerobic_sessions
