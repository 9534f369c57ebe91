"""Progress analytics (issue 5): adherence, streaks, pain change, weekly buckets, measures.

The acceptance test scripts eight weeks of a patient's log through the store and checks
`backcare progress --json` against figures worked out by hand in the comments. The unit tests
call the pure functions with hand-made histories and need no data folder.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backcare.domain.analytics import (
    adherence_percent,
    flagged_exercises,
    monday,
    progress_report,
    streak_days,
)
from backcare.domain.clinical import DEFAULT as T
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
    Visit,
)

CATEGORIES = {"walking": "aerobic", "bridge": "strengthening", "knee-to-chest": "stretching"}


def session(d: date, *logs: ExerciseLog, sid: str | None = None) -> Session:
    return Session(sid or f"s-{d.isoformat()}-{len(logs)}", d,
                   logs or (ExerciseLog("bridge", "done", Dose(sets=1, reps=5)),))


def walk(minutes: int, status: str = "done") -> ExerciseLog:
    return ExerciseLog("walking", status, Dose(duration_minutes=minutes))


def bridge(status: str = "done", pain: int | None = None) -> ExerciseLog:
    return ExerciseLog("bridge", status, Dose(sets=2, reps=8), pain)


def report(profile: Profile | None, history: History, start: date, end: date, today: date,
           prescription: Prescription | None = None, goals: tuple[Goal, ...] = ()) -> Any:
    return progress_report(profile, history, prescription, start, end, today, T, CATEGORIES,
                           goals=goals)


# --- Acceptance: eight scripted weeks through the store and the CLI ---------------------------

# The report is for Sunday 1 March 2026, default window: --weeks 8 = the week of Monday
# 23 February and the 7 weeks before it, so 5 January .. 1 March 2026 (56 days, 8 full weeks).
TODAY = date(2026, 3, 1)
START = date(2026, 1, 5)  # a Monday, and the programme's start


def fill_eight_weeks(home: Path) -> None:
    from backcare.storage import Store

    store = Store(home)
    # 5 days a week: Monday to Friday are planned (schedule.SPREAD[5]).
    store.save_profile(Profile(start_date=START, baseline_pain=6, days_per_week=5,
                               created=START))
    for week in range(8):
        monday_ = START + timedelta(weeks=week)
        # Weeks 1-4: Monday, Wednesday and Friday only, with a 10-minute walk.
        # Weeks 5-8: every weekday, with a 20-minute walk.
        days = (0, 2, 4) if week < 4 else (0, 1, 2, 3, 4)
        minutes = 10 if week < 4 else 20
        for offset in days:
            store.add_session(session(monday_ + timedelta(days=offset), bridge(), walk(minutes)))
    # Tuesday of week 2: a session with everything skipped is not an exercise day, and its
    # walk is not counted.
    store.add_session(session(date(2026, 1, 13), bridge("skipped"), walk(30, "skipped")))
    # Friday 27 Feb: a second session the same day counts once (days, not sessions); its
    # partial 10-minute walk counts towards aerobic minutes.
    store.add_session(session(date(2026, 2, 27), walk(10, "partial"), sid="second"))
    # Saturday 28 Feb, a rest day: an hour's walk. It counts as an exercise day.
    store.add_session(session(date(2026, 2, 28), walk(60)))

    # Pain: 6 every day of weeks 1-4, 5 every day of weeks 5-7, then week 8 as listed.
    for n in range(49):
        d = START + timedelta(days=n)
        store.put_checkin(PainCheckin(d, 6 if n < 28 else 5))
    for d, score in zip((date(2026, 2, 23) + timedelta(days=n) for n in range(7)),
                        (3, 3, 3, 3, 3, 2, 5), strict=True):
        store.put_checkin(PainCheckin(d, score))

    # Questionnaires.
    for n, (d, odi) in enumerate(((START, 40.0), (date(2026, 2, 2), 36.0),
                                  (date(2026, 2, 16), 36.0))):
        store.add_assessment(Assessment(f"odi-{n}", d, "odi", [2] * 10, odi, "moderate"))
    store.add_assessment(Assessment("rmdq-0", START, "rmdq", [True] * 12 + [False] * 12, 12))
    store.add_assessment(Assessment("rmdq-1", date(2026, 2, 23), "rmdq",
                                    [True] * 6 + [False] * 18, 6))
    store.add_assessment(Assessment("sb-0", START, "startback",
                                    {"items": [True] * 8, "bothersomeness": 3}, 6, "medium"))
    store.add_assessment(Assessment("sb-1", date(2026, 2, 23), "startback",
                                    {"items": [False] * 8, "bothersomeness": 1}, 1, "low"))
    store.add_assessment(Assessment("psfs-0", START, "psfs",
                                    {"walking": 3, "sitting": 4, "lifting": 2}, 3.0))
    store.add_assessment(Assessment("psfs-1", date(2026, 2, 23), "psfs",
                                    {"walking": 6, "sitting": 5, "lifting": 2}, 4.3))
    store.add_visit(Visit("v-1", date(2026, 2, 10), "manual-therapy"))
    store.add_goal("Walk to the shop without stopping", START, date(2026, 4, 1), "Walking")


def test_progress_json_for_eight_scripted_weeks(cli: Callable[..., Any],
                                                backcare_home: Path) -> None:
    fill_eight_weeks(backcare_home)
    res = cli("progress", "--json", "--date", "2026-03-01")
    assert res.exit_code == 0, res.output
    doc = res.json()

    assert doc["from"] == "2026-01-05" and doc["to"] == "2026-03-01"
    # Planned: Monday-Friday for 8 weeks = 8 x 5 = 40 days.
    assert doc["sessions_planned"] == 40
    # Exercise days: weeks 1-4 three a week = 12; weeks 5-8 five a week = 20; plus Saturday
    # 28 Feb = 33. The all-skipped Tuesday and Friday's second session add nothing.
    assert doc["sessions_done"] == 33
    # 33 / 40 x 100 = 82.5
    assert doc["adherence_percent"] == 82.5
    # Sunday 1 Mar is a rest day. Counting back over planned days: 27, 26, 25, 24, 23 Feb (5),
    # the 15 weekdays of weeks 5-7 (20), Friday 30 Jan (21); Thursday 29 Jan was missed.
    assert doc["streak_days"] == 21

    weekly = doc["weekly"]
    assert [w["week_start"] for w in weekly] == [
        (START + timedelta(weeks=n)).isoformat() for n in range(8)]
    # 3 of 5 = 60% in weeks 1-4; 5 of 5 in weeks 5-7; 6 of 5 capped to 100% in week 8.
    assert [w["adherence_percent"] for w in weekly] == [60.0] * 4 + [100.0] * 4
    # Week 8: (3+3+3+3+3+2+5) / 7 = 22/7 = 3.142... -> 3.1
    assert [w["mean_pain"] for w in weekly] == [6.0] * 4 + [5.0] * 3 + [3.1]
    # 3 x 10 in weeks 1-4; 5 x 20 in weeks 5-7; week 8: 5 x 20 + 10 (partial) + 60 = 170.
    assert [w["aerobic_minutes"] for w in weekly] == [30] * 4 + [100] * 3 + [170]

    pain = doc["pain"]
    # Baseline from the profile: 6. Current: the last 7 days, 22/7 -> 3.1.
    # Change 3.1 - 6 = -2.9; -2.9 / 6 x 100 = -48.33 -> -48.3; <= -2 points: important.
    assert pain == {**pain, "baseline": 6, "current": 3.1, "change": -2.9,
                    "percent_change": -48.3, "clinically_important": True}
    assert doc["verdict"] == "improving"

    measures = doc["measures"]
    assert set(measures) == {"odi", "rmdq", "startback", "psfs"}  # no PEG was taken
    # ODI 40 -> 36: -4 points, -10%; under 10 points or 30%, so not important.
    assert {k: measures["odi"][k] for k in ("baseline", "latest", "change",
                                            "clinically_important")} == {
        "baseline": 40.0, "latest": 36.0, "change": -4.0, "clinically_important": False}
    # RMDQ 12 -> 6: -6 points, >= 5: important.
    assert measures["rmdq"]["change"] == -6.0
    assert measures["rmdq"]["clinically_important"] is True
    # STarT Back: the risk groups, medium -> low, one group down.
    assert measures["startback"]["baseline"] == "medium"
    assert measures["startback"]["latest"] == "low"
    assert measures["startback"]["clinically_important"] is True
    # PSFS (higher is better): 3.0 -> 4.3 = +1.3, under the 2 points that count.
    assert measures["psfs"]["change"] == 1.3
    assert measures["psfs"]["clinically_important"] is False

    # Alerts, most urgent first:
    # - high, no-function-gain: the last two ODI results are 36 and 36;
    # - low, pain-rising: 5 on 1 Mar is >= 5 and 3 up on 28 Feb's 2.
    # Not firing: sessions on 27 and 28 Feb (no-session-3-days); 14-day adherence 100%;
    # pain 3.1 is below baseline; latest pain 5 < 7; no red flags; ODI better than baseline.
    assert [(a["level"], a["rule"]) for a in doc["alerts"]] == [
        ("high", "no-function-gain"), ("low", "pain-rising")]
    assert all(a["message"] for a in doc["alerts"])

    # Extra keys: the visit, and the goal tied to the PSFS "walking" activity (3 -> 6).
    assert doc["visits"] == [{"date": "2026-02-10", "kind": "manual-therapy"}]
    goal = doc["goals"][0]
    assert goal["status"] == "open"
    assert goal["psfs"] == {"activity": "Walking", "baseline": 3, "latest": 6,
                            "latest_date": "2026-02-23"}


def test_progress_json_has_every_contract_key(cli: Callable[..., Any],
                                              backcare_home: Path) -> None:
    fill_eight_weeks(backcare_home)
    doc = cli("progress", "--json", "--date", "2026-03-01").json()
    for key in ("from", "to", "sessions_planned", "sessions_done", "adherence_percent",
                "streak_days", "weekly", "pain", "measures", "alerts"):
        assert key in doc
    for week in doc["weekly"]:
        assert {"week_start", "adherence_percent", "mean_pain", "aerobic_minutes"} <= set(week)
    assert {"baseline", "current", "change", "percent_change",
            "clinically_important"} <= set(doc["pain"])
    for measure in doc["measures"].values():
        assert {"baseline", "latest", "change", "clinically_important"} <= set(measure)
    for alert in doc["alerts"]:
        assert set(alert) == {"level", "rule", "message"}


def test_from_to_and_weeks_choose_the_window(cli: Callable[..., Any],
                                             backcare_home: Path) -> None:
    fill_eight_weeks(backcare_home)
    doc = cli("progress", "--json", "--date", "2026-03-01", "--weeks", "2").json()
    assert (doc["from"], doc["to"]) == ("2026-02-16", "2026-03-01")
    # Weeks 7-8: 10 planned weekdays, all done, plus Saturday: 11, capped at 100%.
    assert (doc["sessions_planned"], doc["sessions_done"]) == (10, 11)
    assert doc["adherence_percent"] == 100.0
    doc = cli("progress", "--json", "--date", "2026-03-01", "--from", "2026-01-05",
              "--to", "2026-01-11").json()
    # Week 1 only: 3 of 5, and the last day is 11 Jan, so the current pain is week 1's 6.
    assert (doc["sessions_planned"], doc["sessions_done"], doc["adherence_percent"]) == (
        5, 3, 60.0)
    assert doc["pain"]["current"] == 6.0
    assert doc["measures"]["odi"]["latest"] == 40.0  # later results are not counted


def test_from_after_to_is_refused(cli: Callable[..., Any]) -> None:
    res = cli("progress", "--from", "2026-03-02", "--to", "2026-03-01", "--date", "2026-03-05")
    assert res.exit_code == 1
    assert "--from 2026-03-02 is after --to 2026-03-01" in res.stderr
    assert "Traceback" not in res.output


@pytest.mark.parametrize("option", ["--date", "--from", "--to"])
def test_bad_dates_are_usage_errors(cli: Callable[..., Any], option: str) -> None:
    res = cli("progress", option, "2026-02-30")
    assert res.exit_code == 2
    assert option in res.stderr


def test_weeks_must_be_positive(cli: Callable[..., Any]) -> None:
    assert cli("progress", "--weeks", "0").exit_code == 2


def test_a_report_over_20_years_is_refused(cli: Callable[..., Any]) -> None:
    res = cli("progress", "--from", "2000-01-01", "--to", "2026-01-01", "--date", "2026-01-01")
    assert res.exit_code == 1 and "at most 1040 weeks" in res.stderr


@pytest.mark.parametrize("args", [
    ("--date", "1900-01-03"), ("--date", "2999-12-31"), ("--to", "2999-12-31"),
    ("--from", "1900-01-01", "--to", "1900-01-01"), ("--date", "2999-12-31", "--weeks", "1040"),
])
def test_the_ends_of_the_calendar_do_not_break_the_report(cli: Callable[..., Any],
                                                         backcare_home: Path,
                                                         args: tuple[str, ...]) -> None:
    fill_eight_weeks(backcare_home)
    res = cli("progress", "--json", *args)
    assert res.exit_code == 0, res.output
    assert 0 <= (res.json()["adherence_percent"] or 0) <= 100
    assert cli("progress", *args).exit_code == 0


@pytest.mark.parametrize("args", [
    ("--date", "0001-01-03"), ("--date", "9999-12-31"), ("--to", "9999-12-31"),
    ("--from", "0001-01-01", "--to", "0001-01-01"), ("--date", "2026-W02-3"),
])
def test_dates_beyond_the_kept_range_are_usage_errors(cli: Callable[..., Any],
                                                      args: tuple[str, ...]) -> None:
    res = cli("progress", "--json", *args)
    assert res.exit_code == 2, res.output
    assert "YYYY-MM-DD" in res.stderr or "1900-01-01 to 2999-12-31" in res.stderr


# --- Adherence ---------------------------------------------------------------------------------

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
    assert r.sessions_planned == 3  # 2, 3 and 4 March
    assert r.weekly[1].days == 0 and r.weekly[1].adherence_percent is None


def test_today_counts_as_planned() -> None:
    # The brief's definition: planned days up to today. Today not yet done shows as missed
    # in adherence (but not in the streak).
    profile = Profile(start_date=date(2026, 3, 2))
    history = History(sessions=(session(date(2026, 3, 2)),))
    r = report(profile, history, date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 3))
    assert (r.sessions_planned, r.sessions_done, r.adherence_percent) == (2, 1, 50.0)
    assert r.streak_days == 1


def test_a_prescription_sets_the_planned_days_and_start() -> None:
    rx = Prescription((PrescribedItem("bridge", Dose(reps=8), ("mon", "thu")),),
                      start=date(2026, 3, 5))
    profile = Profile(start_date=date(2026, 3, 1))
    r = report(profile, History(), date(2026, 3, 1), date(2026, 3, 15), date(2026, 3, 15),
               prescription=rx)
    # From Thursday 5 March: Thu 5, Mon 9, Thu 12 = 3 planned days.
    assert r.sessions_planned == 3
    assert r.programme_start == date(2026, 3, 5)


def test_without_a_profile_the_programme_starts_with_the_first_record() -> None:
    history = History(checkins=(PainCheckin(date(2026, 3, 3), 5),))
    r = report(None, history, date(2026, 3, 1), date(2026, 3, 5), date(2026, 3, 5))
    assert r.programme_start == date(2026, 3, 3)
    assert r.sessions_planned == 3  # 3, 4, 5 March; no profile plans every day


# --- Streak ------------------------------------------------------------------------------------

DAILY = Profile(start_date=date(2026, 1, 1))  # every day is planned


def days_done(*days: int) -> frozenset[date]:
    return frozenset(date(2026, 3, d) for d in days)


def test_streak_counts_back_over_planned_days_with_a_session() -> None:
    assert streak_days(date(2026, 3, 5), DAILY.start_date, DAILY, None,
                       days_done(2, 3, 4, 5)) == 4


def test_an_unfinished_today_does_not_break_the_streak() -> None:
    assert streak_days(date(2026, 3, 5), DAILY.start_date, DAILY, None,
                       days_done(2, 3, 4)) == 3


def test_a_missed_planned_day_breaks_the_streak() -> None:
    assert streak_days(date(2026, 3, 5), DAILY.start_date, DAILY, None,
                       days_done(1, 2, 4, 5)) == 2
    assert streak_days(date(2026, 3, 5), DAILY.start_date, DAILY, None,
                       days_done(1, 2, 3)) == 0  # yesterday missed


def test_rest_days_neither_count_nor_break_the_streak() -> None:
    three = Profile(start_date=date(2026, 1, 1), days_per_week=3)  # Mon, Wed, Fri
    # Mon 2, Wed 4, Fri 6 March done; Sat 7 and Sun 8 are rest days; today Mon 9 not yet.
    assert streak_days(date(2026, 3, 9), three.start_date, three, None,
                       days_done(2, 4, 6)) == 3
    # A session on a rest day does not add to the streak.
    assert streak_days(date(2026, 3, 9), three.start_date, three, None,
                       days_done(2, 4, 6, 7)) == 3


def test_the_streak_stops_at_the_programme_start() -> None:
    assert streak_days(date(2026, 3, 5), date(2026, 3, 4), DAILY, None,
                       days_done(1, 2, 3, 4, 5)) == 2
    assert streak_days(date(2026, 3, 5), None, DAILY, None, days_done(5)) == 0


# --- Weekly buckets ----------------------------------------------------------------------------

def test_weeks_start_on_monday_and_clip_to_the_report() -> None:
    profile = Profile(start_date=date(2026, 2, 1))
    history = History(
        sessions=(session(date(2026, 3, 4), walk(30)), session(date(2026, 3, 9), walk(25)),
                  session(date(2026, 3, 2), walk(40))),  # before --from: not counted
        checkins=(PainCheckin(date(2026, 3, 4), 4), PainCheckin(date(2026, 3, 5), 5),
                  PainCheckin(date(2026, 3, 10), 2)),
    )
    # From Wednesday 4 March to Tuesday 10 March.
    r = report(profile, history, date(2026, 3, 4), date(2026, 3, 10), date(2026, 3, 10))
    assert [w.week_start for w in r.weekly] == [date(2026, 3, 2), date(2026, 3, 9)]
    first, second = r.weekly
    assert (first.days, first.sessions_planned, first.sessions_done) == (5, 5, 1)
    assert first.adherence_percent == 20.0
    assert first.mean_pain == 4.5  # (4 + 5) / 2
    assert first.aerobic_minutes == 30
    assert (second.days, second.sessions_planned, second.sessions_done) == (2, 2, 1)
    assert (second.mean_pain, second.aerobic_minutes) == (2.0, 25)


def test_monday() -> None:
    assert monday(date(2026, 3, 1)) == date(2026, 2, 23)  # a Sunday
    assert monday(date(2026, 2, 23)) == date(2026, 2, 23)


def test_only_aerobic_exercises_done_or_partly_done_count_as_aerobic_minutes() -> None:
    d = date(2026, 3, 2)
    history = History(sessions=(session(d, walk(30), walk(15, "partial"), walk(20, "skipped"),
                                        ExerciseLog("bridge", "done",
                                                    Dose(duration_minutes=10))),))
    r = report(Profile(start_date=d), history, d, d, d)
    assert r.weekly[0].aerobic_minutes == 45


# --- Pain --------------------------------------------------------------------------------------

def test_pain_baseline_falls_back_to_the_first_check_in() -> None:
    history = History(checkins=(PainCheckin(date(2026, 2, 1), 8),
                                PainCheckin(date(2026, 3, 5), 5)))
    r = report(Profile(start_date=date(2026, 2, 1)), history, date(2026, 3, 1),
               date(2026, 3, 5), date(2026, 3, 5))
    # Baseline 8 (1 Feb, before the report), current 5: -3 points, -37.5%.
    assert (r.pain.baseline, r.pain.current, r.pain.change, r.pain.percent_change) == (
        8, 5.0, -3.0, -37.5)
    assert r.pain.clinically_important and r.verdict == "improving"


def test_a_thirty_percent_fall_is_important_even_under_two_points() -> None:
    # Baseline 5; check-ins 3 and 4 make the current 3.5.
    history = History(checkins=(PainCheckin(date(2026, 3, 4), 3),
                                PainCheckin(date(2026, 3, 5), 4)))
    r = report(Profile(start_date=date(2026, 3, 1), baseline_pain=5), history,
               date(2026, 3, 1), date(2026, 3, 5), date(2026, 3, 5))
    # -1.5 points, -30%: important by the percent rule.
    assert (r.pain.change, r.pain.percent_change, r.pain.clinically_important) == (
        -1.5, -30.0, True)


def test_pain_percent_change_is_null_from_a_zero_baseline() -> None:
    history = History(checkins=(PainCheckin(date(2026, 3, 5), 2),))
    r = report(Profile(start_date=date(2026, 3, 1), baseline_pain=0), history,
               date(2026, 3, 1), date(2026, 3, 5), date(2026, 3, 5))
    assert (r.pain.change, r.pain.percent_change) == (2.0, None)
    assert r.verdict == "worse"  # up 2 points


def test_small_changes_are_no_clear_change() -> None:
    history = History(checkins=(PainCheckin(date(2026, 3, 5), 5),))
    r = report(Profile(start_date=date(2026, 3, 1), baseline_pain=6), history,
               date(2026, 3, 1), date(2026, 3, 5), date(2026, 3, 5))
    assert (r.pain.change, r.pain.clinically_important, r.verdict) == (
        -1.0, False, "no clear change")


def test_current_pain_is_null_without_a_check_in_in_the_last_seven_days() -> None:
    history = History(checkins=(PainCheckin(date(2026, 2, 20), 4),))
    r = report(Profile(start_date=date(2026, 2, 1), baseline_pain=6), history,
               date(2026, 2, 1), date(2026, 3, 5), date(2026, 3, 5))
    # 20 Feb is 13 days before 5 March.
    assert (r.pain.current, r.pain.change, r.verdict) == (None, None, None)
    assert r.pain.latest == 4


def test_daily_series_has_the_seven_day_mean() -> None:
    history = History(checkins=tuple(PainCheckin(date(2026, 3, d), s)
                                     for d, s in ((1, 6), (2, 4), (8, 2))))
    r = report(Profile(start_date=date(2026, 3, 1)), history, date(2026, 3, 2),
               date(2026, 3, 9), date(2026, 3, 9))
    means = {d.date.day: d.mean_7d for d in r.daily}
    assert means[2] == 5.0  # (6 + 4) / 2, 1 March counted though before --from
    assert means[7] == 5.0  # 1-7 March: 6, 4
    assert means[8] == 3.0  # 2-8 March: 4, 2
    assert means[9] == 2.0  # 3-9 March: 2


def test_records_after_the_last_day_are_ignored() -> None:
    history = History(sessions=(session(date(2026, 3, 6)),),
                      checkins=(PainCheckin(date(2026, 3, 6), 9),))
    r = report(Profile(start_date=date(2026, 3, 1), baseline_pain=5), history,
               date(2026, 3, 1), date(2026, 3, 5), date(2026, 3, 10))
    assert r.sessions_done == 0 and r.pain.current is None
    assert r.alerts == () or all(a.rule != "severe-pain" for a in r.alerts)


# --- Measures, flagged exercises, goals --------------------------------------------------------

def test_startback_reports_risk_groups() -> None:
    history = History(assessments=(
        Assessment("a", date(2026, 3, 1), "startback", {}, 2, "low"),
        Assessment("b", date(2026, 3, 5), "startback", {}, 5, "high")))
    r = report(Profile(start_date=date(2026, 3, 1)), history, date(2026, 3, 1),
               date(2026, 3, 5), date(2026, 3, 5))
    (m,) = r.measures
    assert (m.baseline, m.latest, m.change, m.clinically_important) == ("low", "high", 2.0,
                                                                        False)


def test_a_single_result_is_its_own_baseline() -> None:
    history = History(assessments=(Assessment("a", date(2026, 3, 1), "odi", [], 30.0),))
    r = report(Profile(start_date=date(2026, 3, 1)), history, date(2026, 3, 1),
               date(2026, 3, 5), date(2026, 3, 5))
    doc = r.to_dict()["measures"]["odi"]
    assert (doc["baseline"], doc["latest"], doc["change"], doc["clinically_important"]) == (
        30.0, 30.0, 0.0, False)


def test_flagged_exercises_are_those_logged_above_amber() -> None:
    history = History(sessions=(
        session(date(2026, 3, 2), bridge(pain=T.amber_max), walk(10)),
        session(date(2026, 3, 3), bridge(pain=T.amber_max + 1)),
    ))
    assert flagged_exercises(history, T) == [
        {"date": "2026-03-03", "exercise_id": "bridge", "pain": T.amber_max + 1,
         "session_id": "s-2026-03-03-1"}]


def test_goals_show_status_and_their_psfs_activity() -> None:
    history = History(assessments=(
        Assessment("a", date(2026, 3, 1), "psfs", {"Walking": 3, "sitting": 5, "x": 1}, 3.0),
        Assessment("b", date(2026, 3, 8), "psfs", {"walking": 5, "sitting": 5, "x": 1}, 3.7)))
    goals = (Goal(1, "walk to the shop", date(2026, 3, 1), date(2026, 4, 1), "WALKING"),
             Goal(2, "sleep", date(2026, 3, 1), date(2026, 3, 5)),
             Goal(3, "garden", date(2026, 3, 1), None, "gardening", date(2026, 3, 6)))
    r = report(Profile(start_date=date(2026, 3, 1)), history, date(2026, 3, 1),
               date(2026, 3, 9), date(2026, 3, 9), goals=goals)
    walk_goal, sleep_goal, garden_goal = r.goals
    assert (walk_goal.status, walk_goal.psfs_baseline, walk_goal.psfs_latest) == ("open", 3, 5)
    assert sleep_goal.status == "overdue"
    assert (garden_goal.status, garden_goal.psfs_latest) == ("done", None)


# --- Properties --------------------------------------------------------------------------------

EPOCH = date(2026, 1, 1)


@st.composite
def histories(draw: st.DrawFn) -> tuple[Profile, History, date, date, date]:
    start_offset = draw(st.integers(0, 40))
    profile = Profile(start_date=EPOCH + timedelta(days=start_offset),
                      days_per_week=draw(st.integers(1, 7)))
    session_days = draw(st.sets(st.integers(0, 80), max_size=60))
    statuses = st.sampled_from(["done", "partial", "skipped"])
    sessions = tuple(session(EPOCH + timedelta(days=d),
                             ExerciseLog("walking", draw(statuses), Dose(duration_minutes=10)),
                             sid=f"s{d}")
                     for d in sorted(session_days))
    checkins = tuple(PainCheckin(EPOCH + timedelta(days=d), draw(st.integers(0, 10)))
                     for d in sorted(draw(st.sets(st.integers(0, 80), max_size=60))))
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
