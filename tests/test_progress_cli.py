"""`backcare progress` in the terminal: every width, with and without colour, and no data."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from backcare.domain.models import (
    Assessment,
    Dose,
    ExerciseLog,
    PainCheckin,
    Profile,
    Session,
    Visit,
)

# The report is for Sunday 1 March 2026, default window: --weeks 8 = the week of Monday
# 23 February and the 7 weeks before it, so 5 January .. 1 March 2026 (56 days, 8 full weeks).
TODAY = date(2026, 3, 1)
START = date(2026, 1, 5)  # a Monday, and the programme's start
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


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


def fill(home: Path, days: int = 56) -> None:
    """Eight weeks with something in every section: charts, alerts, flares, visits, goals."""
    from backcare.storage import Store

    store = Store(home)
    start = TODAY - timedelta(days=days - 1)
    store.save_profile(Profile(start_date=start, baseline_pain=6, days_per_week=5, created=start))
    for n in range(days):
        d = start + timedelta(days=n)
        store.put_checkin(PainCheckin(d, max(1, 7 - n * 5 // days), flare=n == 20))
        if d.weekday() < 5 and n % 6:
            store.add_session(
                Session(
                    f"s{n}",
                    d,
                    (
                        ExerciseLog("bridge", "done", Dose(sets=2, reps=8), 7 if n == 30 else 2),
                        ExerciseLog("walking", "done", Dose(duration_minutes=20 + n)),
                    ),
                )
            )
    for n, score in enumerate((44.0, 40.0, 40.0)):
        store.add_assessment(
            Assessment(f"o{n}", start + timedelta(days=n * 20), "odi", [2] * 10, score, "severe")
        )
    for n, ratings in enumerate(
        ({"walking": 3, "sitting": 4, "lifting": 2}, {"walking": 6, "sitting": 5, "lifting": 2})
    ):
        store.add_assessment(
            Assessment(
                f"p{n}",
                start + timedelta(days=n * 40),
                "psfs",
                ratings,
                round(sum(ratings.values()) / 3, 1),
            )
        )
    store.add_visit(Visit("v1", start + timedelta(days=12), "manual-therapy"))
    store.add_goal(
        "Walk to the shop [and back] without stopping", start, TODAY + timedelta(days=30), "walking"
    )
    done = store.add_goal("Sleep through the night", start, None, None)
    store.complete_goal(done.id, TODAY - timedelta(days=3))


def widest(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


@pytest.mark.parametrize("columns", [40, 80, 120, 200])
def test_progress_fits_the_terminal(
    cli: Callable[..., Any], backcare_home: Path, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    fill(backcare_home)
    monkeypatch.setenv("COLUMNS", str(columns))
    res = cli("progress", "--date", TODAY.isoformat())
    assert res.exit_code == 0, res.output
    assert widest(res.stdout) <= columns
    assert not ANSI.search(res.stdout)
    # The figures are always there, whatever the width.
    text = " ".join(res.stdout.split())
    for words in (
        "planned days",
        "Streak",
        "6/10 at the start",
        "Alerts for your physiotherapist",
        "ODI",
        "Walk to the shop [and back]",
    ):
        assert words in text


@pytest.mark.parametrize("columns", [80, 120])
def test_charts_are_drawn_when_there_is_room(
    cli: Callable[..., Any], backcare_home: Path, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    fill(backcare_home)
    monkeypatch.setenv("COLUMNS", str(columns))
    out = cli("progress", "--date", TODAY.isoformat()).stdout
    for title in (
        "Pain each day",
        "Adherence each week",
        "Aerobic minutes each week",
        "ODI, disability",
    ):
        assert title in out
    assert "┊ clinic visit" in out and "▲ flare-up" in out


def test_a_first_weeks_adherence_bar_keeps_its_width(
    cli: Callable[..., Any], backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One week of data: its bar is a bar, as in the aerobic chart, not a block filling the
    whole chart."""
    monkeypatch.setenv("BACKCARE_TODAY", TODAY.isoformat())
    monkeypatch.setenv("COLUMNS", "100")
    day = TODAY.isoformat()
    for argv in (
        ("init", "--no-red-flags", "--no-conditions", "--yes", "--pain", "5", "--date", day),
        ("log", "--date", day, "--pain-before", "5", "--pain-after", "4"),
    ):
        assert cli(*argv).exit_code == 0
    lines = cli("progress", "--date", day).stdout.splitlines()
    top = lines.index(next(line for line in lines if "Adherence each week" in line)) + 2
    row = lines[top]  # the 100% row: "100┤   ████   │"
    inside = row[row.index("┤") + 1 : row.rindex("│")]
    assert "█" in inside
    assert inside.startswith(" ") and inside.endswith(" ")


def test_narrow_terminals_get_the_figures_without_charts(
    cli: Callable[..., Any], backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(backcare_home)
    monkeypatch.setenv("COLUMNS", "30")
    res = cli("progress", "--date", TODAY.isoformat())
    assert res.exit_code == 0
    assert "Pain each day" not in res.stdout
    assert "planned" in res.stdout
    assert widest(res.stdout) <= 30


def test_without_no_color_piped_output_has_no_escape_codes(
    cli: Callable[..., Any], backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(backcare_home)
    monkeypatch.delenv("NO_COLOR")
    res = cli("progress", "--date", TODAY.isoformat())
    assert res.exit_code == 0 and not ANSI.search(res.stdout)


@pytest.mark.parametrize("width", [80, 120])
def test_colour_terminals_get_coloured_charts_that_fit(
    backcare_home: Path, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    from rich.console import Console

    from backcare.domain.analytics import progress_report
    from backcare.domain.clinical import DEFAULT
    from backcare.loading.library import load_library
    from backcare.render.progress import render
    from backcare.storage import Store

    monkeypatch.delenv("NO_COLOR")
    fill(backcare_home)
    store = Store(backcare_home)
    report = progress_report(
        store.profile(),
        store.history(None, TODAY),
        store.programme(),
        date(2026, 1, 5),
        TODAY,
        TODAY,
        DEFAULT,
        load_library(backcare_home).categories(),
        store.goals(),
    )
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=True, color_system="256")
    render(report, console)
    raw = buffer.getvalue()
    assert ANSI.search(raw)
    assert widest(ANSI.sub("", raw)) <= width
    assert "Pain each day" in ANSI.sub("", raw)


def test_no_data_yet_says_what_to_do(cli: Callable[..., Any]) -> None:
    res = cli("progress", "--date", TODAY.isoformat())
    assert res.exit_code == 0
    text = " ".join(res.stdout.split())
    assert "Nothing recorded yet" in text
    for command in ("backcare init", "backcare pain 4", "backcare session"):
        assert command in text
    assert widest(res.stdout) <= 120


def test_no_data_json_is_still_a_full_document(cli: Callable[..., Any]) -> None:
    doc = cli("progress", "--json", "--date", TODAY.isoformat()).json()
    assert (doc["sessions_planned"], doc["adherence_percent"], doc["streak_days"]) == (0, None, 0)
    assert doc["pain"]["current"] is None and doc["measures"] == {} and doc["alerts"] == []


def test_a_programme_starting_later_says_when(cli: Callable[..., Any], backcare_home: Path) -> None:
    from backcare.storage import Store

    Store(backcare_home).save_profile(Profile(start_date=date(2026, 3, 9)))
    out = " ".join(cli("progress", "--date", TODAY.isoformat()).stdout.split())
    assert "Your programme starts on 9 Mar 2026" in out


def test_json_output_is_only_the_document(cli: Callable[..., Any], backcare_home: Path) -> None:
    fill(backcare_home)
    res = cli("progress", "--json", "--date", TODAY.isoformat())
    assert res.stdout.lstrip().startswith("{") and res.json()["to"] == TODAY.isoformat()
    assert not ANSI.search(res.stdout)


def test_the_json_and_the_table_tell_the_same_story(
    cli: Callable[..., Any], backcare_home: Path
) -> None:
    fill(backcare_home)
    doc = cli("progress", "--json", "--date", TODAY.isoformat()).json()
    text = " ".join(cli("progress", "--date", TODAY.isoformat()).stdout.split())
    assert (
        f"You exercised on {doc['sessions_done']} of {doc['sessions_planned']} planned "
        f"days ({doc['adherence_percent']:g}%)"
    ) in text
    assert f"Streak: {doc['streak_days']} planned" in text
    for alert in doc["alerts"]:
        assert " ".join(alert["message"].split()) in text


def test_a_long_report_stays_readable(
    cli: Callable[..., Any], backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(backcare_home, days=400)
    monkeypatch.setenv("COLUMNS", "80")
    res = cli("progress", "--date", TODAY.isoformat(), "--weeks", "60")
    assert res.exit_code == 0
    # 60 weeks asked for, 58 since the programme started: weeks before it are not counted.
    assert "The latest 12 of 58 weeks" in " ".join(res.stdout.split())
    assert widest(res.stdout) <= 80


def test_by_default_it_covers_the_programme_from_its_start(
    cli: Callable[..., Any], backcare_home: Path
) -> None:
    """Issue 14: weeks before the start were counted ("0 of 7 full weeks" in the third
    week) and charted."""
    from backcare.storage import Store

    start = TODAY - timedelta(days=16)  # a Friday, two full weeks and a half ago
    store = Store(backcare_home)
    store.save_profile(Profile(start_date=start, baseline_pain=5))
    for n in range(0, 17, 2):
        store.put_checkin(PainCheckin(start + timedelta(days=n), 4))
        store.add_session(
            Session(
                f"s{n}",
                start + timedelta(days=n),
                (ExerciseLog("walking", "done", Dose(duration_minutes=20)),),
            )
        )
    doc = cli("progress", "--json", "--date", TODAY.isoformat()).json()
    assert doc["from"] == start.isoformat() and doc["to"] == TODAY.isoformat()
    assert [w["week_start"] for w in doc["weekly"]][0] == "2026-02-09"  # the start's week
    assert doc["aerobic"]["full_weeks"] == 2
    text = " ".join(cli("progress", "--date", TODAY.isoformat()).stdout.split())
    assert "0 of 2 full weeks" in text and "of 7 full weeks" not in text
    # Asked for more weeks than the programme has run, the weeks before it still don't count.
    doc = cli("progress", "--json", "--date", TODAY.isoformat(), "--weeks", "8").json()
    assert doc["from"] == "2026-01-05" and doc["aerobic"]["full_weeks"] == 2


def test_by_default_it_covers_at_most_the_last_12_weeks(
    cli: Callable[..., Any], backcare_home: Path
) -> None:
    from backcare.storage import Store

    Store(backcare_home).save_profile(Profile(start_date=TODAY - timedelta(days=300)))
    doc = cli("progress", "--json", "--date", TODAY.isoformat()).json()
    assert doc["from"] == (TODAY - timedelta(days=83)).isoformat()


def test_a_startback_in_the_same_group_says_so(
    cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", TODAY.isoformat())
    for d in ("2026-02-01", "2026-02-20"):
        assert (
            cli("assess", "startback", "--answers", "y,n,y,n,n,y,n,n,2", "--date", d).exit_code == 0
        )
    text = cli("progress", "--from", "2026-02-01").stdout
    assert "same group" in text and "+0" not in text


def test_help_has_an_example(cli: Callable[..., Any]) -> None:
    res = cli("progress", "--help")
    assert res.exit_code == 0 and "Example: backcare progress" in res.stdout


# --- moved from test_analytics: the eight scripted weeks through the CLI -------------


def fill_eight_weeks(home: Path) -> None:
    from backcare.storage import Store

    store = Store(home)
    # 5 days a week: Monday to Friday are planned (schedule.SPREAD[5]).
    store.save_profile(Profile(start_date=START, baseline_pain=6, days_per_week=5, created=START))
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
    for d, score in zip(
        (date(2026, 2, 23) + timedelta(days=n) for n in range(7)),
        (3, 3, 3, 3, 3, 2, 5),
        strict=True,
    ):
        store.put_checkin(PainCheckin(d, score))

    # Questionnaires.
    for n, (d, odi) in enumerate(
        ((START, 40.0), (date(2026, 2, 2), 36.0), (date(2026, 2, 16), 36.0))
    ):
        store.add_assessment(Assessment(f"odi-{n}", d, "odi", [2] * 10, odi, "moderate"))
    store.add_assessment(Assessment("rmdq-0", START, "rmdq", [True] * 12 + [False] * 12, 12))
    store.add_assessment(
        Assessment("rmdq-1", date(2026, 2, 23), "rmdq", [True] * 6 + [False] * 18, 6)
    )
    store.add_assessment(
        Assessment(
            "sb-0", START, "startback", {"items": [True] * 8, "bothersomeness": 3}, 6, "medium"
        )
    )
    store.add_assessment(
        Assessment(
            "sb-1",
            date(2026, 2, 23),
            "startback",
            {"items": [False] * 8, "bothersomeness": 1},
            1,
            "low",
        )
    )
    store.add_assessment(
        Assessment("psfs-0", START, "psfs", {"walking": 3, "sitting": 4, "lifting": 2}, 3.0)
    )
    store.add_assessment(
        Assessment(
            "psfs-1", date(2026, 2, 23), "psfs", {"walking": 6, "sitting": 5, "lifting": 2}, 4.3
        )
    )
    store.add_visit(Visit("v-1", date(2026, 2, 10), "manual-therapy"))
    store.add_goal("Walk to the shop without stopping", START, date(2026, 4, 1), "Walking")


def test_progress_json_for_eight_scripted_weeks(
    cli: Callable[..., Any], backcare_home: Path
) -> None:
    fill_eight_weeks(backcare_home)
    res = cli("progress", "--json", "--date", "2026-03-01")
    assert res.exit_code == 0, res.output
    doc = res.json()

    assert doc["from"] == "2026-01-05" and doc["to"] == "2026-03-01"
    # Planned: Monday-Friday for 8 weeks = 8 x 5 = 40 days.
    assert doc["sessions_planned"] == 40
    # Exercise days: weeks 1-4 three a week = 12; weeks 5-8 five a week = 20 = 32; Saturday
    # 28 Feb is an extra. The all-skipped Tuesday and Friday's second session add nothing.
    assert doc["sessions_done"] == 32
    assert doc["sessions_extra"] == 1  # Saturday 28 Feb: apart, never in adherence
    # 32 / 40 x 100 = 80
    assert doc["adherence_percent"] == 80.0
    # Sunday 1 Mar is a rest day. Counting back over planned days: 27, 26, 25, 24, 23 Feb (5),
    # the 15 weekdays of weeks 5-7 (20), Friday 30 Jan (21); Thursday 29 Jan was missed.
    assert doc["streak_days"] == 21

    weekly = doc["weekly"]
    assert [w["week_start"] for w in weekly] == [
        (START + timedelta(weeks=n)).isoformat() for n in range(8)
    ]
    # 3 of 5 = 60% in weeks 1-4; 5 of 5 in weeks 5-7; 6 of 5 capped to 100% in week 8.
    assert [w["adherence_percent"] for w in weekly] == [60.0] * 4 + [100.0] * 4
    # Week 8: (3+3+3+3+3+2+5) / 7 = 22/7 = 3.142... -> 3.1
    assert [w["mean_pain"] for w in weekly] == [6.0] * 4 + [5.0] * 3 + [3.1]
    # 3 x 10 in weeks 1-4; 5 x 20 in weeks 5-7; week 8: 5 x 20 + 10 (partial) + 60 = 170.
    assert [w["aerobic_minutes"] for w in weekly] == [30] * 4 + [100] * 3 + [170]

    pain = doc["pain"]
    # Baseline from the profile: 6. Current: the last 7 days, 22/7 -> 3.1.
    # Change 22/7 - 6 = -20/7 = -2.857 -> -2.9; judged and given unrounded (CLINICAL.md §9):
    # -20/7 / 6 x 100 = -47.62 -> -47.6 (the rounded -2.9 / 6 would say -48.3); important.
    assert pain == {
        **pain,
        "baseline": 6,
        "current": 3.1,
        "change": -2.9,
        "percent_change": -47.6,
        "clinically_important": True,
    }
    assert doc["verdict"] == "improving"

    measures = doc["measures"]
    assert set(measures) == {"odi", "rmdq", "startback", "psfs"}  # no PEG was taken
    # ODI 40 -> 36: -4 points, -10%; under 10 points or 30%, so not important.
    assert {
        k: measures["odi"][k] for k in ("baseline", "latest", "change", "clinically_important")
    } == {"baseline": 40.0, "latest": 36.0, "change": -4.0, "clinically_important": False}
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
        ("high", "no-function-gain"),
        ("low", "pain-rising"),
    ]
    assert all(a["message"] for a in doc["alerts"])

    # Extra keys: the visit, and the goal tied to the PSFS "walking" activity (3 -> 6).
    assert doc["visits"] == [{"date": "2026-02-10", "kind": "manual-therapy"}]
    goal = doc["goals"][0]
    assert goal["status"] == "open"
    assert goal["psfs"] == {
        "activity": "Walking",
        "baseline": 3,
        "latest": 6,
        "latest_date": "2026-02-23",
    }


def test_progress_json_has_every_contract_key(cli: Callable[..., Any], backcare_home: Path) -> None:
    fill_eight_weeks(backcare_home)
    doc = cli("progress", "--json", "--date", "2026-03-01").json()
    for key in (
        "from",
        "to",
        "sessions_planned",
        "sessions_done",
        "adherence_percent",
        "streak_days",
        "weekly",
        "pain",
        "measures",
        "alerts",
    ):
        assert key in doc
    for week in doc["weekly"]:
        assert {"week_start", "adherence_percent", "mean_pain", "aerobic_minutes"} <= set(week)
    assert {"baseline", "current", "change", "percent_change", "clinically_important"} <= set(
        doc["pain"]
    )
    for measure in doc["measures"].values():
        assert {"baseline", "latest", "change", "clinically_important"} <= set(measure)
    for alert in doc["alerts"]:
        assert {"level", "rule", "message"} <= set(alert)  # more keys are welcome


def test_from_to_and_weeks_choose_the_window(cli: Callable[..., Any], backcare_home: Path) -> None:
    fill_eight_weeks(backcare_home)
    doc = cli("progress", "--json", "--date", "2026-03-01", "--weeks", "2").json()
    assert (doc["from"], doc["to"]) == ("2026-02-16", "2026-03-01")
    # Weeks 7-8: 10 planned weekdays, all done, plus Saturday: 11, capped at 100%.
    assert (doc["sessions_planned"], doc["sessions_done"], doc["sessions_extra"]) == (10, 10, 1)
    assert doc["adherence_percent"] == 100.0
    doc = cli(
        "progress", "--json", "--date", "2026-03-01", "--from", "2026-01-05", "--to", "2026-01-11"
    ).json()
    # Week 1 only: 3 of 5, and the last day is 11 Jan, so the current pain is week 1's 6.
    assert (doc["sessions_planned"], doc["sessions_done"], doc["adherence_percent"]) == (5, 3, 60.0)
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


@pytest.mark.parametrize(
    "args",
    [
        ("--date", "1900-01-03"),
        ("--date", "2999-12-31"),
        ("--to", "2999-12-31"),
        ("--from", "1900-01-01", "--to", "1900-01-01"),
        ("--date", "2999-12-31", "--weeks", "1040"),
    ],
)
def test_the_ends_of_the_calendar_do_not_break_the_report(
    cli: Callable[..., Any],
    backcare_home: Path,
    args: tuple[str, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", "2999-12-31")  # a report is of days gone by
    fill_eight_weeks(backcare_home)
    res = cli("progress", "--json", *args)
    assert res.exit_code == 0, res.output
    assert 0 <= (res.json()["adherence_percent"] or 0) <= 100
    assert cli("progress", *args).exit_code == 0


@pytest.mark.parametrize(
    "args",
    [
        ("--date", "0001-01-03"),
        ("--date", "9999-12-31"),
        ("--to", "9999-12-31"),
        ("--from", "0001-01-01", "--to", "0001-01-01"),
        ("--date", "2026-W02-3"),
    ],
)
def test_dates_beyond_the_kept_range_are_usage_errors(
    cli: Callable[..., Any], args: tuple[str, ...]
) -> None:
    res = cli("progress", "--json", *args)
    assert res.exit_code == 2, res.output
    assert "YYYY-MM-DD" in res.stderr or "1900-01-01 to 2999-12-31" in res.stderr


# --- Adherence ---------------------------------------------------------------------------------


def test_pain_change_is_judged_on_the_unrounded_mean(
    cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 11 (CLINICAL.md §9): a daily pain of 3 -> 2.14 (15/7) is -28.6%, not important,
    although the rounded 2.1 would make it -30%."""
    monkeypatch.setenv("BACKCARE_TODAY", "2026-03-31")
    assert (
        cli(
            "init",
            "--no-red-flags",
            "--no-conditions",
            "--assessed",
            "--pain",
            "3",
            "--yes",
            "--date",
            "2026-03-02",
        ).exit_code
        == 0
    )
    for n, score in enumerate((2, 2, 2, 2, 2, 2, 3)):
        assert cli("pain", str(score), "--date", f"2026-03-{10 + n:02d}").exit_code == 0
    doc = cli(
        "progress", "--json", "--from", "2026-03-02", "--to", "2026-03-16", "--date", "2026-03-16"
    ).json()
    pain = doc["pain"]
    assert (pain["current"], pain["percent_change"]) == (2.1, -28.6)
    assert pain["clinically_important"] is False and doc["verdict"] == "no clear change"


# --- the whole period, not only its last day (issue 11) ----------------------------------------


def test_a_report_of_a_period_that_had_alerts_lists_them_with_their_dates(
    cli: Callable[..., Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three days at 7-8/10 early in the period, a gap in the sessions, then better days:
    as of its last day nothing applies, but the report lists what fired, and when."""
    monkeypatch.setenv("BACKCARE_TODAY", "2026-03-31")
    assert (
        cli(
            "init",
            "--no-red-flags",
            "--no-conditions",
            "--assessed",
            "--pain",
            "5",
            "--yes",
            "--date",
            "2026-03-02",
        ).exit_code
        == 0
    )
    scores = [4, 7, 8, 7, 4, 3, 3, 3, 3, 3, 3, 3, 3, 3]
    for n, score in enumerate(scores):
        day = f"2026-03-{2 + n:02d}"
        assert cli("pain", str(score), "--date", day).exit_code == 0
        if not 6 <= n <= 9:  # no session from 8 to 11 March
            assert cli("log", "--date", day, "--pain-after", "2").exit_code == 0
    end = "2026-03-15"
    today_only = cli("progress", "--json", "--from", end, "--to", end, "--date", end).json()
    assert today_only["alerts"] == []  # nothing applies on the last day
    doc = cli("progress", "--json", "--from", "2026-03-02", "--to", end, "--date", end).json()
    found = {(a["rule"], a["date"], a["until"]) for a in doc["alerts"]}
    assert ("severe-pain-3-days", "2026-03-03", "2026-03-05") in found  # 7, 8, 7 in a row
    assert ("pain-rising", "2026-03-03", None) in found  # 4 -> 7
    assert ("no-session-3-days", "2026-03-10", "2026-03-11") in found
    severe = next(a for a in doc["alerts"] if a["rule"] == "severe-pain-3-days")
    assert severe["level"] == "critical" and "3 check-ins in a row" in severe["message"]
    assert doc["alerts"][0]["level"] == "critical"  # most urgent first
    text = " ".join(
        cli("progress", "--from", "2026-03-02", "--to", end, "--date", end).stdout.split()
    )
    assert "3 check-ins in a row, from 3 Mar 2026 to 5 Mar 2026" in text
    # The physiotherapist's PDF has them too, not "No alerts in this period".
    from pypdf import PdfReader

    out = tmp_path / "report.pdf"
    assert (
        cli(
            "export",
            "--format",
            "pdf",
            "--out",
            str(out),
            "--from",
            "2026-03-02",
            "--to",
            end,
            "--date",
            end,
        ).exit_code
        == 0
    )
    page = " ".join((PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text() or "").split())
    assert "No alerts in this period" not in page
    assert "3 check-ins in a row" in page


def test_exercises_red_by_the_next_morning_rule_stay_flagged_for_the_whole_period(
    cli: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", "2026-03-31")
    assert (
        cli(
            "init",
            "--no-red-flags",
            "--no-conditions",
            "--assessed",
            "--pain",
            "3",
            "--yes",
            "--date",
            "2026-03-02",
        ).exit_code
        == 0
    )
    assert cli("pain", "3", "--date", "2026-03-02").exit_code == 0
    first = cli("log", "--date", "2026-03-02", "--pain-after", "2", "--json").json()
    for n in range(3, 13):  # 5 the next morning, then settled days
        day = f"2026-03-{n:02d}"
        assert cli("pain", "5" if n == 3 else "2", "--date", day).exit_code == 0
        assert cli("log", "--date", day, "--pain-after", "1").exit_code == 0
    doc = cli(
        "progress", "--json", "--from", "2026-03-02", "--to", "2026-03-12", "--date", "2026-03-12"
    ).json()
    red = [f for f in doc["flagged_exercises"] if f["date"] == "2026-03-02"]
    assert {f["exercise_id"] for f in red} == {e["exercise_id"] for e in first["exercises"]}
    assert all(f["next_morning"] for f in red)


def test_a_date_in_the_future_is_refused_as_it_is_for_log(
    cli: Callable[..., Any], backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing has happened yet on a day to come: `progress --date` in the future is
    refused, with the same words and exit code as `log` (issue 27)."""
    monkeypatch.setenv("BACKCARE_TODAY", TODAY.isoformat())
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    for args in (("progress",), ("progress", "--json")):
        res = cli(*args, "--date", tomorrow)
        assert res.exit_code == 1, res
        assert f"--date {tomorrow} is in the future" in res.stderr and res.stdout == ""
    assert cli("progress", "--date", TODAY.isoformat()).exit_code == 0
