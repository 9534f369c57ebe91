"""`backcare goal add/list/done`: the patient's own goals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from backcare.domain.models import Assessment

Cli = Callable[..., Any]
DAY = "2026-03-02"


def test_add_then_list(cli: Cli) -> None:
    res = cli("goal", "add", "  walk to the   shop ", "--by", "2026-04-01", "--date", DAY)
    assert res.exit_code == 0, res.output
    assert "Goal 1 set, by 2026-04-01" in res.stderr
    doc = cli("goal", "list", "--json", "--date", DAY).json()
    uid = doc["goals"][0].pop("uid")  # its stable id, as every record has (issue 23)
    assert uid.startswith("g-20260302-") and len(uid) == len("g-20260302-1a2b3c4d")
    assert doc["goals"] == [
        {
            "id": 1,
            "text": "walk to the shop",
            "created": DAY,
            "by": "2026-04-01",
            "psfs_activity": None,
            "done_on": None,
            "status": "open",
            "psfs": None,
        }
    ]
    out = cli("goal", "list", "--date", DAY).stdout
    assert "walk to the shop" in out and "by 1 Apr 2026" in out


def test_add_json_prints_the_goal(cli: Cli) -> None:
    doc = cli("goal", "add", "sleep through the night", "--date", DAY, "--json").json()
    assert (doc["id"], doc["text"], doc["by"], doc["status"]) == (
        1,
        "sleep through the night",
        None,
        "open",
    )


def test_ids_count_up(cli: Cli) -> None:
    cli("goal", "add", "one", "--date", DAY)
    cli("goal", "add", "two", "--date", DAY)
    assert [g["id"] for g in cli("goal", "list", "--json").json()["goals"]] == [1, 2]


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_an_empty_goal_is_refused(cli: Cli, text: str) -> None:
    res = cli("goal", "add", text, "--date", DAY)
    assert res.exit_code == 1
    assert "the goal is empty" in res.stderr
    assert cli("goal", "list", "--json").json()["goals"] == []


def test_a_goal_over_200_characters_is_refused(cli: Cli) -> None:
    assert cli("goal", "add", "x" * 200, "--date", DAY).exit_code == 0
    res = cli("goal", "add", "x" * 201, "--date", DAY)
    assert res.exit_code == 1
    assert "201 characters" in res.stderr and "200" in res.stderr


def test_control_characters_are_refused(cli: Cli) -> None:
    res = cli("goal", "add", "walk\x1b[31m", "--date", DAY)
    assert res.exit_code == 1 and "control character" in res.stderr


def test_a_target_date_before_today_is_refused(cli: Cli) -> None:
    res = cli("goal", "add", "walk", "--by", "2026-03-01", "--date", DAY)
    assert res.exit_code == 1
    assert "--by 2026-03-01 is before today (2026-03-02)" in res.stderr
    assert cli("goal", "add", "walk", "--by", DAY, "--date", DAY).exit_code == 0


def test_a_bad_target_date_is_a_usage_error(cli: Cli) -> None:
    res = cli("goal", "add", "walk", "--by", "next week")
    assert res.exit_code == 2 and "--by" in res.stderr


def test_done_marks_a_goal_reached(cli: Cli) -> None:
    cli("goal", "add", "walk", "--date", DAY)
    res = cli("goal", "done", "1", "--date", "2026-03-10")
    assert res.exit_code == 0
    assert "Goal 1 reached on 2026-03-10" in res.stderr
    (goal,) = cli("goal", "list", "--json", "--date", "2026-03-11").json()["goals"]
    assert (goal["done_on"], goal["status"]) == ("2026-03-10", "done")


def test_done_twice_says_so(cli: Cli) -> None:
    cli("goal", "add", "walk", "--date", DAY)
    cli("goal", "done", "1", "--date", "2026-03-10")
    res = cli("goal", "done", "1", "--date", "2026-03-12")
    assert res.exit_code == 0
    assert "already done on 2026-03-10" in res.stderr
    (goal,) = cli("goal", "list", "--json").json()["goals"]
    assert goal["done_on"] == "2026-03-10"  # unchanged


def test_an_unknown_goal_is_refused(cli: Cli) -> None:
    res = cli("goal", "done", "7")
    assert res.exit_code == 1
    assert "there is no goal 7" in res.stderr and "goal list" in res.stderr
    assert "Traceback" not in res.output


def test_a_goal_id_must_be_a_number(cli: Cli) -> None:
    assert cli("goal", "done", "walk").exit_code == 2


def test_a_goal_cannot_be_done_before_it_was_set(cli: Cli) -> None:
    cli("goal", "add", "walk", "--date", DAY)
    res = cli("goal", "done", "1", "--date", "2026-03-01")
    assert res.exit_code == 1 and "before goal 1 was set" in res.stderr


def test_overdue_goals_are_listed_first(cli: Cli) -> None:
    cli("goal", "add", "later", "--date", DAY)
    cli("goal", "add", "soon", "--by", "2026-03-05", "--date", DAY)
    goals = cli("goal", "list", "--json", "--date", "2026-03-09").json()["goals"]
    assert [(g["id"], g["status"]) for g in goals] == [(1, "open"), (2, "overdue")]
    out = cli("goal", "list", "--date", "2026-03-09").stdout
    assert out.index("soon") < out.index("later")
    assert "was due 5 Mar 2026" in out


def test_no_goals_yet(cli: Cli) -> None:
    res = cli("goal", "list")
    assert res.exit_code == 0 and "No goals yet" in res.stdout


def test_a_psfs_goal_shows_the_activitys_latest_rating(cli: Cli, backcare_home: Path) -> None:
    from backcare.storage import Store

    store = Store(backcare_home)
    store.add_assessment(
        Assessment("p1", date(2026, 3, 1), "psfs", {"Walking": 3, "sitting": 4, "lifting": 2}, 3.0)
    )
    store.add_assessment(
        Assessment("p2", date(2026, 3, 15), "psfs", {"Walking": 6, "sitting": 4, "lifting": 2}, 4.0)
    )
    res = cli("goal", "add", "walk to the shop", "--psfs", "  walking ", "--date", DAY)
    assert res.exit_code == 0
    assert "No PSFS answer" not in res.stderr
    (goal,) = cli("goal", "list", "--json", "--date", "2026-03-20").json()["goals"]
    # Stored as spelt in the PSFS; the ratings are matched whatever the case.
    assert goal["psfs_activity"] == "Walking"
    assert goal["psfs"] == {
        "activity": "Walking",
        "baseline": 3,
        "latest": 6,
        "latest_date": "2026-03-15",
    }
    out = cli("goal", "list", "--date", "2026-03-20").stdout
    assert "Walking rated 3 → 6 out of 10 on 15 Mar 2026" in " ".join(out.split())


def test_a_psfs_goal_for_an_activity_not_rated_yet_warns(cli: Cli) -> None:
    res = cli("goal", "add", "garden", "--psfs", "gardening", "--date", DAY)
    assert res.exit_code == 0
    assert "No PSFS answer rates 'gardening' yet" in res.stderr
    out = cli("goal", "list").stdout
    assert "gardening not rated yet" in out


def test_an_empty_psfs_activity_is_refused(cli: Cli) -> None:
    res = cli("goal", "add", "garden", "--psfs", "  ", "--date", DAY)
    assert res.exit_code == 1 and "--psfs needs an activity" in res.stderr


def test_goal_text_is_shown_as_written(cli: Cli) -> None:
    cli("goal", "add", "lift [the shopping] [bold]", "--date", DAY)
    assert "lift [the shopping] [bold]" in cli("goal", "list").stdout  # rich, not markup
    res = cli("goal", "done", "1", "--date", DAY)
    assert "lift [the shopping]" in res.stderr


@pytest.mark.parametrize("command", ["add", "list", "done"])
def test_every_command_has_help_with_an_example(cli: Cli, command: str) -> None:
    res = cli("goal", command, "--help")
    assert res.exit_code == 0 and "Example: backcare goal" in res.stdout
