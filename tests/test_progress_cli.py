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

TODAY = date(2026, 3, 1)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def fill(home: Path, days: int = 56) -> None:
    """Eight weeks with something in every section: charts, alerts, flares, visits, goals."""
    from backcare.storage import Store

    store = Store(home)
    start = TODAY - timedelta(days=days - 1)
    store.save_profile(Profile(start_date=start, baseline_pain=6, days_per_week=5,
                               created=start))
    for n in range(days):
        d = start + timedelta(days=n)
        store.put_checkin(PainCheckin(d, max(1, 7 - n * 5 // days), flare=n == 20))
        if d.weekday() < 5 and n % 6:
            store.add_session(Session(f"s{n}", d, (
                ExerciseLog("bridge", "done", Dose(sets=2, reps=8), 7 if n == 30 else 2),
                ExerciseLog("walking", "done", Dose(duration_minutes=20 + n)))))
    for n, score in enumerate((44.0, 40.0, 40.0)):
        store.add_assessment(Assessment(f"o{n}", start + timedelta(days=n * 20), "odi",
                                        [2] * 10, score, "severe"))
    for n, ratings in enumerate(({"walking": 3, "sitting": 4, "lifting": 2},
                                 {"walking": 6, "sitting": 5, "lifting": 2})):
        store.add_assessment(Assessment(f"p{n}", start + timedelta(days=n * 40), "psfs",
                                        ratings, round(sum(ratings.values()) / 3, 1)))
    store.add_visit(Visit("v1", start + timedelta(days=12), "manual-therapy"))
    store.add_goal("Walk to the shop [and back] without stopping", start,
                   TODAY + timedelta(days=30), "walking")
    done = store.add_goal("Sleep through the night", start, None, None)
    store.complete_goal(done.id, TODAY - timedelta(days=3))


def widest(text: str) -> int:
    return max((len(line) for line in text.splitlines()), default=0)


@pytest.mark.parametrize("columns", [40, 80, 120, 200])
def test_progress_fits_the_terminal(cli: Callable[..., Any], backcare_home: Path,
                                    monkeypatch: pytest.MonkeyPatch, columns: int) -> None:
    fill(backcare_home)
    monkeypatch.setenv("COLUMNS", str(columns))
    res = cli("progress", "--date", TODAY.isoformat())
    assert res.exit_code == 0, res.output
    assert widest(res.stdout) <= columns
    assert not ANSI.search(res.stdout)
    # The figures are always there, whatever the width.
    text = " ".join(res.stdout.split())
    for words in ("planned days", "Streak", "6/10 at the start",
                  "Alerts for your physiotherapist", "ODI", "Walk to the shop [and back]"):
        assert words in text


@pytest.mark.parametrize("columns", [80, 120])
def test_charts_are_drawn_when_there_is_room(cli: Callable[..., Any], backcare_home: Path,
                                             monkeypatch: pytest.MonkeyPatch,
                                             columns: int) -> None:
    fill(backcare_home)
    monkeypatch.setenv("COLUMNS", str(columns))
    out = cli("progress", "--date", TODAY.isoformat()).stdout
    for title in ("Pain each day", "Adherence each week", "Aerobic minutes each week",
                  "ODI, disability"):
        assert title in out
    assert "┊ clinic visit" in out and "▲ flare-up" in out


def test_narrow_terminals_get_the_figures_without_charts(cli: Callable[..., Any],
                                                         backcare_home: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    fill(backcare_home)
    monkeypatch.setenv("COLUMNS", "30")
    res = cli("progress", "--date", TODAY.isoformat())
    assert res.exit_code == 0
    assert "Pain each day" not in res.stdout
    assert "planned" in res.stdout
    assert widest(res.stdout) <= 30


def test_without_no_color_piped_output_has_no_escape_codes(
        cli: Callable[..., Any], backcare_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fill(backcare_home)
    monkeypatch.delenv("NO_COLOR")
    res = cli("progress", "--date", TODAY.isoformat())
    assert res.exit_code == 0 and not ANSI.search(res.stdout)


@pytest.mark.parametrize("width", [80, 120])
def test_colour_terminals_get_coloured_charts_that_fit(backcare_home: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       width: int) -> None:
    from rich.console import Console

    from backcare.domain.analytics import load_progress
    from backcare.domain.clinical import DEFAULT
    from backcare.loading.library import load_library
    from backcare.render.progress import render
    from backcare.storage import Store

    monkeypatch.delenv("NO_COLOR")
    fill(backcare_home)
    report = load_progress(Store(backcare_home), load_library(backcare_home), DEFAULT,
                           date(2026, 1, 5), TODAY, TODAY)
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
    assert (doc["sessions_planned"], doc["adherence_percent"], doc["streak_days"]) == (
        0, None, 0)
    assert doc["pain"]["current"] is None and doc["measures"] == {} and doc["alerts"] == []


def test_a_programme_starting_later_says_when(cli: Callable[..., Any],
                                              backcare_home: Path) -> None:
    from backcare.storage import Store

    Store(backcare_home).save_profile(Profile(start_date=date(2026, 3, 9)))
    out = " ".join(cli("progress", "--date", TODAY.isoformat()).stdout.split())
    assert "Your programme starts on 9 Mar 2026" in out


def test_json_output_is_only_the_document(cli: Callable[..., Any],
                                          backcare_home: Path) -> None:
    fill(backcare_home)
    res = cli("progress", "--json", "--date", TODAY.isoformat())
    assert res.stdout.lstrip().startswith("{") and res.json()["to"] == TODAY.isoformat()
    assert not ANSI.search(res.stdout)


def test_the_json_and_the_table_tell_the_same_story(cli: Callable[..., Any],
                                                    backcare_home: Path) -> None:
    fill(backcare_home)
    doc = cli("progress", "--json", "--date", TODAY.isoformat()).json()
    text = " ".join(cli("progress", "--date", TODAY.isoformat()).stdout.split())
    assert (f"You exercised on {doc['sessions_done']} of {doc['sessions_planned']} planned "
            f"days ({doc['adherence_percent']:g}%)") in text
    assert f"Streak: {doc['streak_days']} planned" in text
    for alert in doc["alerts"]:
        assert " ".join(alert["message"].split()) in text


def test_a_long_report_stays_readable(cli: Callable[..., Any], backcare_home: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    fill(backcare_home, days=400)
    monkeypatch.setenv("COLUMNS", "80")
    res = cli("progress", "--date", TODAY.isoformat(), "--weeks", "60")
    assert res.exit_code == 0
    assert "The latest 12 of 60 weeks" in " ".join(res.stdout.split())
    assert widest(res.stdout) <= 80


def test_help_has_an_example(cli: Callable[..., Any]) -> None:
    res = cli("progress", "--help")
    assert res.exit_code == 0 and "Example: backcare progress" in res.stdout
