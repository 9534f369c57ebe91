"""`backcare plan`: the day's plan as a table, or as CONTRACT.md's JSON document."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from backcare.domain.models import Dose, ExerciseLog, PainCheckin, Session
from backcare.storage import Store

Cli = Callable[..., Any]
MONDAY = "2026-03-02"
TOP_KEYS = {"date", "mode", "total_minutes", "items", "warnings"}
ITEM_KEYS = {
    "exercise_id",
    "name",
    "category",
    "sets",
    "reps",
    "hold_seconds",
    "duration_minutes",
    "reason",
}


pytestmark = pytest.mark.usefixtures("warm_library_cache")


def setup(cli: Cli, *args: str) -> None:
    r = cli(
        "init", "--no-red-flags", "--assessed", "--no-conditions", "--yes", "--date", MONDAY, *args
    )
    assert r.exit_code == 0, r.output


def check_contract(doc: dict[str, Any], day: str, mode: str) -> None:
    assert set(doc) >= TOP_KEYS
    assert doc["date"] == day and doc["mode"] == mode
    assert isinstance(doc["warnings"], list)
    assert all(isinstance(w, str) for w in doc["warnings"])
    assert isinstance(doc["total_minutes"], (int, float))
    for item in doc["items"]:
        assert set(item) >= ITEM_KEYS
        assert item["category"] in ("stretching", "strengthening", "aerobic", "posture")
        assert isinstance(item["reason"], str) and item["reason"]
        assert "\n" not in item["reason"] and "\r" not in item["reason"]
        for key in ("sets", "reps", "hold_seconds", "duration_minutes"):
            assert item[key] is None or (isinstance(item[key], int) and item[key] > 0)


def test_plan_json_matches_the_contract(cli: Cli) -> None:
    setup(cli)
    r = cli("plan", "--date", MONDAY, "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)  # exactly one document on stdout
    check_contract(doc, MONDAY, "normal")
    assert {i["category"] for i in doc["items"]} == {
        "stretching",
        "strengthening",
        "aerobic",
        "posture",
    }
    assert doc["total_minutes"] <= 20
    walk = next(i for i in doc["items"] if i["category"] == "aerobic")
    assert walk["duration_minutes"] and walk["sets"] is walk["reps"] is None
    assert walk["hold_seconds"] is None
    bridge_like = next(i for i in doc["items"] if i["category"] == "strengthening")
    assert bridge_like["reps"] and bridge_like["duration_minutes"] is None


def test_the_table_and_the_json_come_from_the_same_plan(cli: Cli) -> None:
    setup(cli)
    doc = cli("plan", "--date", MONDAY, "--json").json()
    text = cli("plan", "--date", MONDAY).stdout
    for item in doc["items"]:
        assert item["name"] in text
    assert f"about {round(doc['total_minutes'])} minutes of your 20" in text  # as said


def test_plan_without_init_gives_a_beginner_plan_and_a_hint(cli: Cli, backcare_home: Path) -> None:
    r = cli("plan", "--date", MONDAY, "--json")
    assert r.exit_code == 0, r.output
    doc = r.json()
    check_contract(doc, MONDAY, "normal")
    assert doc["items"] and "backcare init" in doc["warnings"][0]
    assert all(i["reason"].startswith("new") for i in doc["items"])
    text = cli("plan", "--date", MONDAY)
    assert text.exit_code == 0 and "backcare init" in text.stdout
    assert Store(backcare_home).profile() is None  # plan wrote no profile


def test_before_init_the_plan_shows_the_disclaimer_and_points_to_init(cli: Cli) -> None:
    from backcare.messages import DISCLAIMER

    doc = cli("plan", "--date", MONDAY, "--json").json()
    assert doc["disclaimer"] == DISCLAIMER and doc["items"]
    text = " ".join(cli("plan", "--date", MONDAY).stdout.split())
    assert " ".join(DISCLAIMER.split()) in text
    assert text.count("backcare init") == 1  # one line points to it


def test_after_init_the_plan_shows_the_short_disclaimer_once(cli: Cli) -> None:
    from backcare.messages import DISCLAIMER, DISCLAIMER_SHORT

    setup(cli)
    assert cli("plan", "--date", MONDAY, "--json").json()["disclaimer"] == DISCLAIMER_SHORT
    text = " ".join(cli("plan", "--date", MONDAY).stdout.split())
    assert text.count(" ".join(DISCLAIMER_SHORT.split())) == 1
    assert " ".join(DISCLAIMER.split()) not in text


def test_the_short_disclaimer_is_said_once_a_day(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """CLINICAL.md §7 and issue 11: after init, plan and session say the short form once a
    day; the next day it is said again. (Before init the whole disclaimer, every time.)"""
    from backcare.messages import DISCLAIMER_SHORT

    short = " ".join(DISCLAIMER_SHORT.split())
    monkeypatch.setenv("BACKCARE_TODAY", MONDAY)
    setup(cli)

    def said() -> bool:
        return short in " ".join(cli("plan", "--date", MONDAY).stdout.split())

    assert said() is True
    assert said() is False  # the same day: not again
    assert cli("plan", "--date", MONDAY, "--json").json()["disclaimer"] == DISCLAIMER_SHORT
    monkeypatch.setenv("BACKCARE_TODAY", "2026-03-03")
    assert said() is True  # a new day


def test_each_item_carries_its_exercises_cautions(cli: Cli) -> None:
    """Issue 11: cautions reach the patient where they exercise, not only in
    `exercises show`: all of them in --json, one as a short note on the screen (the session
    shows every one before its exercise). Issue 21: the note is the caution that matters for
    this patient: never a line about a condition they do not have, while another applies."""
    setup(cli)
    doc = cli("plan", "--date", MONDAY, "--json").json()
    shown = {e["id"]: e["cautions"] for e in cli("exercises", "list", "--json").json()["exercises"]}
    text = " ".join(cli("plan", "--date", MONDAY).stdout.split())
    for item in doc["items"]:
        assert item["cautions"] == shown[item["exercise_id"]] and item["cautions"]
        general = [c for c in item["cautions"] if "osteoporosis" not in c and "pregnan" not in c]
        assert "Take care: " + (general or item["cautions"])[0] in text


def test_a_rest_day_has_no_items(cli: Cli) -> None:
    setup(cli, "--days-per-week", "3")
    tuesday = "2026-03-03"
    doc = cli("plan", "--date", tuesday, "--json").json()
    check_contract(doc, tuesday, "normal")
    assert doc["items"] == [] and doc["total_minutes"] == 0
    assert any("rest day" in w for w in doc["warnings"])
    assert "No exercises today" in cli("plan", "--date", tuesday).stdout


def test_a_check_in_of_7_gives_the_flare_plan(cli: Cli, backcare_home: Path) -> None:
    setup(cli)
    Store(backcare_home).put_checkin(PainCheckin(date(2026, 3, 4), 8))
    doc = cli("plan", "--date", "2026-03-04", "--json").json()
    check_contract(doc, "2026-03-04", "flare")
    assert all("flare-up" in i["reason"] for i in doc["items"])
    assert doc["warnings"][0].startswith("Flare-up")
    assert "flare-up" in cli("plan", "--date", "2026-03-04").stdout


def test_a_flare_up_plan_respects_rest_days(cli: Cli, backcare_home: Path) -> None:
    """Issue 14: a flare-up once turned a rest day into a day of exercises."""
    setup(cli, "--days-per-week", "3")  # Monday, Wednesday, Friday
    Store(backcare_home).put_checkin(PainCheckin(date(2026, 3, 3), 8))
    tuesday = cli("plan", "--date", "2026-03-03", "--json").json()
    assert tuesday["mode"] == "flare" and tuesday["items"] == [] and tuesday["rest_day"]
    assert tuesday["warnings"][0].startswith("Flare-up")
    assert any("rest day" in w for w in tuesday["warnings"])
    wednesday = cli("plan", "--date", "2026-03-04", "--json").json()
    assert wednesday["mode"] == "flare" and wednesday["items"]


@pytest.mark.parametrize("bad", ["2026-02-30", "yesterday", "2026-3-2"])
def test_a_bad_date_is_a_usage_error(cli: Cli, bad: str) -> None:
    r = cli("plan", "--date", bad)
    assert r.exit_code == 2 and "--date" in r.stderr and "Traceback" not in r.output


def test_the_plan_reads_well_at_80_columns(
    cli: Cli, backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    setup(cli, "--minutes", "30")
    store = Store(backcare_home)
    day = date(2026, 3, 16)
    for n in (4, 3, 2):
        store.add_session(
            Session(
                f"s{n}",
                day - timedelta(days=n),
                (
                    ExerciseLog("bridge", "done", Dose(1, 5, 5), 1),
                    ExerciseLog("pelvic-tilt", "done", Dose(1, 5, 3), 4),
                ),
                3,
            )
        )
    store.add_session(
        Session(
            "s1",
            day - timedelta(days=1),
            (ExerciseLog("abdominal-bracing", "done", Dose(1, 5, 5), 6),),
            3,
        )
    )
    doc = cli("plan", "--date", day.isoformat(), "--json").json()
    text = cli("plan", "--date", day.isoformat()).stdout
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    # Each exercise on one line with its dose and time; why it is there indented beneath.
    for item in doc["items"]:
        row = next(n for n, line in enumerate(lines) if line.startswith(item["name"]))
        assert lines[row].rstrip().endswith((" s", " min")), lines[row]
        assert lines[row + 1].startswith("  " + item["reason"].split()[0]), lines[row + 1]
    ids = {i["exercise_id"] for i in doc["items"]}
    assert {"abdominal-bracing", "pelvic-tilt"} <= ids
    words = " ".join(text.split())
    assert "Abdominal bracing (flagged)" in text
    assert "noted for your physiotherapist" in words
    assert "same dose: 4/10 on 14 Mar" in words


def test_a_first_day_says_why_once(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    setup(cli)
    text = cli("plan", "--date", MONDAY).stdout
    assert text.count("new to you") == 1
    assert "Why these doses: new to you" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_three_days_of_severe_pain_after_sessions_advise_a_review(cli: Cli) -> None:
    """CLINICAL.md §5: a pain score of 7 or more on 3 consecutive days → a professional
    review, when the patient says it just after their sessions and at no check-in."""
    setup(cli)
    for day in ("2026-03-03", "2026-03-04", "2026-03-05"):
        assert cli("log", "--date", day, "--pain-before", "4", "--pain-after", "8").exit_code == 0
    doc = cli("plan", "--json", "--date", "2026-03-05").json()
    review = [w for w in doc["warnings"] if "7/10 or more for 3 days in a row" in w]
    assert review and "see your GP or physiotherapist" in review[0]
    day_after = cli("plan", "--json", "--date", "2026-03-06").json()
    assert any(
        "was 7/10 or more on 3 days in a row, up to 5 Mar" in w for w in day_after["warnings"]
    )


def test_a_narrow_terminal_shows_each_exercise_as_a_block(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Below 80 columns (issue 27): the name, dose and time on one line, then the caution
    across the whole width, never squeezed into a column beside an empty dose column; a
    plan of 10 exercises fits in 40 lines at 60 columns."""
    monkeypatch.setenv("BACKCARE_TODAY", MONDAY)
    setup(cli, "--assessed", "--pain", "5", "--minutes", "60", "--equipment", "mat,chair,wall")
    assert cli("assess", "odi", "--answers", "2,1,2,1,2,2,1,2,-,3", "--date", MONDAY).exit_code == 0
    items = cli("plan", "--json", "--date", MONDAY).json()["items"]
    assert len(items) == 10
    monkeypatch.setenv("COLUMNS", "60")
    text = cli("plan", "--date", MONDAY).stdout
    lines = text.rstrip("\n").splitlines()
    total = next(n for n, line in enumerate(lines) if line.startswith("Total: "))
    assert total + 1 <= 40, text  # the plan, from its title to its total
    assert len(lines) <= 40 + 5, text  # then the day's tip and the short disclaimer
    assert all(len(line.rstrip()) <= 60 for line in lines)
    for item in items:
        own = [line for line in lines if line.startswith(item["name"] + " · ")]
        assert len(own) == 1, (item["name"], text)  # name · dose · time, on one line
    assert "exercise " not in lines[1]  # no table header
    cautions = [line for line in lines if line.startswith("  ! ")]
    assert len(cautions) == 10 and all(len(c) > 40 for c in cautions)  # the whole width
    monkeypatch.setenv("COLUMNS", "80")
    wide = cli("plan", "--date", MONDAY).stdout
    assert any(line.startswith("exercise") and "dose" in line for line in wide.splitlines())
