"""The library as a clinician checked it (issue 21): cautions, fall-risk tags, balance work
for osteoporosis, a pelvic tilt for pregnancy, clear doses, and the caution that matters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from backcare.domain.conditions import relevant_caution
from backcare.loading.library import load_library

Cli = Callable[..., Any]
MONDAY = date(2026, 3, 2)
NEW = (
    "heel-to-toe-stand",
    "standing-on-one-leg-with-support",
    "heel-to-toe-walking",
    "standing-pelvic-tilt",
)

pytestmark = pytest.mark.usefixtures("warm_library_cache")


@pytest.fixture
def library(cli: Cli) -> dict[str, dict[str, Any]]:
    res = cli("exercises", "list", "--json")
    assert res.exit_code == 0
    return {e["id"]: e for e in res.json()["exercises"]}


def init(cli: Cli, *conditions: str) -> None:
    given = [a for c in conditions for a in ("--condition", c)] or ["--no-conditions"]
    res = cli(
        "init",
        "--no-red-flags",
        *given,
        "--assessed",
        "--minutes",
        "40",
        "--equipment",
        "mat,chair",
        "--yes",
        "--date",
        MONDAY.isoformat(),
    )
    assert res.exit_code == 0, res.output


def week_of_plans(cli: Cli) -> list[dict[str, Any]]:
    days = [MONDAY + timedelta(days=n) for n in range(7)]
    return [cli("plan", "--json", "--date", d.isoformat()).json() for d in days]


def test_the_cautions_the_clinician_asked_for(library: dict[str, dict[str, Any]]) -> None:
    knee_rolls = library["knee-rolls"]["cautions"]
    assert any("hip replacement" in c for c in knee_rolls)
    extension = library["standing-back-bend"]
    assert any("dizzy" in c for c in extension["cautions"])
    assert not any("dizzy" in t for t in extension["tips"])


def test_falls_are_tagged_where_they_can_happen(library: dict[str, dict[str, Any]]) -> None:
    for ident in (
        "getting-up-from-the-floor",
        "step-ups",
        "stair-climbing",
        "standing-on-one-leg-with-support",
        "heel-to-toe-walking",
    ):
        assert "fall-risk" in library[ident]["tags"], ident


def test_the_new_exercises_have_the_shape_of_the_others(library: dict[str, dict[str, Any]]) -> None:
    shape = set(library["pelvic-tilt"])
    for ident in NEW:
        ex = library[ident]
        assert set(ex) == shape, ident
        assert ex["instructions"] and ex["cues"] and ex["cautions"] and ex["source"]
    balance = [i for i in NEW[:3] if "balance" in library[i]["tags"]]
    assert balance == list(NEW[:3])
    levels = [library[i]["level"] for i in NEW[:3]]
    assert levels == sorted(levels) and len(set(levels)) == 3  # graded
    assert "supine" not in library["standing-pelvic-tilt"]["tags"]


def test_doses_and_names_say_what_they_mean(library: dict[str, dict[str, Any]]) -> None:
    for ident, unit in (("carrying-technique", "carry"), ("desk-break", "break")):
        first = library[ident]["instructions"][0]
        assert first.startswith("The dose:") and f"each repetition is one {unit}" in first
    dead_bug = library["dead-bug"]
    assert "march" in dead_bug["name"].lower()
    assert any("lift one foot" in s.lower() for s in dead_bug["instructions"])


def test_osteoporosis_plans_hold_a_balance_exercise(
    cli: Cli, library: dict[str, dict[str, Any]]
) -> None:
    init(cli, "osteoporosis")
    for plan in week_of_plans(cli):
        if not plan["items"]:
            continue
        balance = [i for i in plan["items"] if "balance" in library[i["exercise_id"]]["tags"]]
        assert len(balance) >= 1, plan["date"]
        assert "balance work for osteoporosis" in balance[0]["reason"]


def test_without_osteoporosis_balance_work_is_not_forced(cli: Cli) -> None:
    init(cli)
    reasons = [i["reason"] for p in week_of_plans(cli) for i in p["items"]]
    assert not any("balance work for osteoporosis" in r for r in reasons)


def test_pregnancy_gets_the_standing_pelvic_tilt_not_the_lying_one(cli: Cli) -> None:
    init(cli, "pregnancy")
    ids = [i["exercise_id"] for p in week_of_plans(cli) for i in p["items"]]
    assert "pelvic-tilt" not in ids and "standing-pelvic-tilt" in ids


def test_the_plan_shows_the_caution_that_matters_for_this_patient(cli: Cli) -> None:
    """The seated twist showed its osteoporosis line to everyone."""
    init(cli)
    twist = load_library().get("seated-twist")
    assert relevant_caution(twist, ()) == "Stop if the turn causes sharp pain."
    assert relevant_caution(twist, ("osteoporosis",)) == twist.cautions[0]
    # The routine keeps its exercises (issue 20): the patient swaps the twist in.
    res = cli("plan", "swap", "knee-to-chest", "--to", "seated-twist", "--date", MONDAY.isoformat())
    assert res.exit_code == 0, res.output
    shown = 0
    for n in range(14):
        day = (MONDAY + timedelta(days=n)).isoformat()
        plan = cli("plan", "--json", "--date", day).json()
        if "seated-twist" in {i["exercise_id"] for i in plan["items"]}:
            text = " ".join(cli("plan", "--date", day).stdout.split())
            assert "Take care: Stop if the turn causes sharp pain." in text
            assert "If you have osteoporosis" not in text
            shown += 1
    assert shown


def test_a_pregnant_patients_caution_is_the_one_about_pregnancy(cli: Cli) -> None:
    lib = load_library()
    tilt = lib.get("standing-pelvic-tilt")
    assert "pregnant" in (relevant_caution(tilt, ("pregnancy",)) or "")
    assert relevant_caution(tilt, ()) == tilt.cautions[0]
