"""Conditions change the plan (CLINICAL.md §8, issue 11 §3), through the command line with
--date on every call: a week of plans for each condition, compared with the same patient
without it, and every item a rule leaves out or changes saying why.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli

START = date(2026, 3, 2)
TODAY = date(2026, 4, 30)
WEEK = range(7)


def day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


def init(cli: Cli, *args: str) -> None:
    res = cli(
        "init",
        "--no-red-flags",
        "--assessed",
        "--pain",
        "4",
        "--minutes",
        "40",
        "--equipment",
        "mat,chair,step,exercise-bike,bicycle",
        "--yes",
        "--date",
        day(0),
        *args,
    )
    assert res.exit_code == 0, res.output


def week(cli: Cli, first: int = 0) -> list[dict[str, Any]]:
    plans = []
    for n in WEEK:
        res = cli("plan", "--json", "--date", day(first + n))
        assert res.exit_code == 0, res.output
        plans.append(res.json())
    return plans


def tags(cli: Cli) -> dict[str, set[str]]:
    exercises = cli("exercises", "list", "--json").json()["exercises"]
    return {e["id"]: set(e["tags"]) for e in exercises}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", TODAY.isoformat())


@pytest.mark.parametrize(
    ("condition", "ruled_out", "source"),
    [
        ("pregnancy", {"supine", "prone", "fall-risk", "high-impact"}, "ACOG"),
        (
            "osteoporosis",
            {"loaded-flexion", "end-range-flexion", "end-range-twist"},
            "Too Fit To Fracture",
        ),
    ],
)
def test_a_condition_leaves_exercises_out_of_a_whole_week(
    cli: Cli, clock: None, condition: str, ruled_out: set[str], source: str
) -> None:
    init(cli, "--no-conditions")
    by_tag = tags(cli)
    before = week(cli)
    planned_before = {i["exercise_id"] for p in before for i in p["items"]}
    assert any(by_tag[i] & ruled_out for i in planned_before)  # the rule has work to do
    init(cli, "--condition", condition)
    after = week(cli)
    for plan in after:
        assert plan["items"] and {i["category"] for i in plan["items"]} == {
            "stretching",
            "strengthening",
            "aerobic",
            "posture",
        }
        assert not any(by_tag[i["exercise_id"]] & ruled_out for i in plan["items"]), plan
        left = {e["exercise_id"]: e["reason"] for e in plan["left_out"]}
        assert {i for i in planned_before if by_tag[i] & ruled_out} <= set(left)
        assert all(condition in why and source in why for why in left.values())
    text = cli("plan", "--date", day(0)).stdout
    assert f"Left out for {condition}" in " ".join(text.split())


def small_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def entry(
        ident: str,
        category: str,
        level: int = 1,
        tags: str = "",
        up: str = "null",
        down: str = "null",
        top: int = 10,
    ) -> str:
        dose = (
            "      duration_minutes: {default: 10, min: 10, max: 30}"
            if category == "aerobic"
            else f"      sets: {{default: 1, min: 1, max: {1 if top == 5 else 3}}}\n"
            f"      reps: {{default: 5, min: 5, max: {top}}}"
        )
        return (
            f"  - id: {ident}\n    name: {ident.replace('-', ' ').capitalize()}\n"
            f"    category: {category}\n    level: {level}\n    position: standing\n"
            f"    equipment: [none]\n    tags: [{tags}]\n    instructions: [Do it.]\n"
            f"    cues: [Breathe.]\n    dose:\n{dose}\n    progresses_to: {up}\n"
            f"    regresses_to: {down}\n    cautions: [Stop if it hurts.]\n"
            f"    source: a small test library\n"
        )

    path = tmp_path / "small.yaml"
    path.write_text(
        "version: 1\nexercises:\n"
        + "".join(
            [
                entry("calf-stretch", "stretching"),
                entry("spine-wave", "stretching", tags="spinal-mobility"),
                entry("step-balance", "strengthening", up="one-leg-balance", top=5),  # one dose
                entry(
                    "one-leg-balance",
                    "strengthening",
                    level=2,
                    tags="fall-risk",
                    down="step-balance",
                ),
                entry("walk", "aerobic"),
                entry("stand-tall", "posture"),
            ]
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("BACKCARE_LIBRARY", str(path))


@pytest.fixture
def small(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small_library(tmp_path, monkeypatch)


def items(cli: Cli, n: int) -> dict[str, dict[str, Any]]:
    return {i["exercise_id"]: i for i in cli("plan", "--json", "--date", day(n)).json()["items"]}


def log_green(cli: Cli, n: int) -> None:
    assert cli("log", "--date", day(n), "--pain-after", "1").exit_code == 0


def test_a_variant_left_out_is_replaced_and_the_item_says_why(
    cli: Cli, clock: None, small: None
) -> None:
    init(cli, "--no-conditions")
    for n in range(3):
        log_green(cli, n)
    assert "one-leg-balance" in items(cli, 3)  # progressed to the harder variant
    init(cli, "--condition", "pregnancy")
    now = items(cli, 3)
    assert "one-leg-balance" not in now
    assert "in place of One leg balance, left out for pregnancy" in now["step-balance"]["reason"]
    # Done before the pregnancy was recorded: the easier variant takes its place.
    init(cli, "--no-conditions")
    log_green(cli, 3)
    init(cli, "--condition", "pregnancy")
    now = items(cli, 4)
    assert "one-leg-balance" not in now
    assert "in place of One leg balance, left out for pregnancy" in now["step-balance"]["reason"]


def test_recent_surgery_holds_starting_doses_until_a_programme_is_imported(
    cli: Cli, clock: None, small: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    init(cli, "--condition", "recent-surgery")
    for n in range(7):
        plan = items(cli, n)
        assert all(
            i["reason"].startswith("starting dose: recent spinal surgery") for i in plan.values()
        ), plan
        assert plan["step-balance"]["reps"] == 5 and plan["walk"]["duration_minutes"] == 10
        log_green(cli, n)
    rx = tmp_path / "rx.yaml"
    rx.write_text("exercises:\n  - id: step-balance\n    reps: 8\n", encoding="utf-8")
    monkeypatch.setenv("BACKCARE_TODAY", day(7))  # it applies from the day it is imported
    assert cli("programme", "import", str(rx)).exit_code == 0
    doc = cli("plan", "--json", "--date", day(7)).json()
    assert doc["mode"] == "prescribed" and doc["items"][0]["reps"] == 8


def test_inflammatory_back_pain_keeps_the_mobility_work_every_day(
    cli: Cli, clock: None, small: None
) -> None:
    init(cli, "--condition", "inflammatory", "--minutes", "10")
    for n in range(7):
        plan = items(cli, n)
        assert "spine-wave" in plan and "calf-stretch" not in plan, plan
        assert "inflammatory back pain" in plan["spine-wave"]["reason"]
        assert "NICE NG65" in plan["spine-wave"]["reason"]
    assert cli("pain", "8", "--date", day(7)).exit_code == 0
    flare = cli("plan", "--json", "--date", day(7)).json()
    assert flare["mode"] == "flare"
    assert any(i["exercise_id"] == "spine-wave" for i in flare["items"])


def test_a_prescription_is_followed_but_a_condition_is_pointed_out(
    cli: Cli, clock: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    init(cli, "--condition", "pregnancy")
    rx = tmp_path / "rx.yaml"
    rx.write_text("exercises:\n  - id: bridge\n  - id: walking\n", encoding="utf-8")
    monkeypatch.setenv("BACKCARE_TODAY", day(1))  # it applies from the day it is imported
    assert cli("programme", "import", str(rx)).exit_code == 0
    doc = cli("plan", "--json", "--date", day(1)).json()
    assert [i["exercise_id"] for i in doc["items"]] == ["bridge", "walking"]
    assert any("Your programme includes Bridge" in w and "pregnancy" in w for w in doc["warnings"])
