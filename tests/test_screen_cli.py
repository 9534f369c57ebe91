"""The safety screen asks everything and defaults nothing; re-running init moves nothing
silently (issue 21)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from backcare.storage import Store

Cli = Callable[..., Any]
TODAY = date(2026, 3, 2)  # the clock and the patient fixture's start
DAY = TODAY.isoformat()
OK = ("--no-red-flags", "--no-conditions", "--assessed")

pytestmark = pytest.mark.usefixtures("warm_library_cache")


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", DAY)


def profile(home: Path) -> dict[str, Any]:
    p = Store(home).profile()
    assert p is not None
    return p.to_dict()


# --- nothing is defaulted ----------------------------------------------------------------------


def test_yes_without_a_conditions_answer_is_a_usage_error(cli: Cli, backcare_home: Path) -> None:
    r = cli("init", "--yes", "--no-red-flags", "--pain", "4", "--date", DAY)
    assert r.exit_code == 2
    assert "--no-conditions" in r.stderr and "--condition" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert Store(backcare_home).profile() is None


@pytest.mark.parametrize(
    "args", [("--red-flag", "sexual-dysfunction"), ("--both-legs",), ("--red-flag", "both-legs")]
)
def test_the_new_cauda_equina_signs_at_init_are_an_emergency(
    cli: Cli, backcare_home: Path, args: tuple[str, ...]
) -> None:
    r = cli("init", *args, "--pain", "4", "--date", DAY)
    assert r.exit_code == 3
    assert "emergency department" in r.stderr and "cauda equina" in r.stderr
    assert profile(backcare_home)["red_flags"] in (["sexual-dysfunction"], ["both-legs"])
    assert cli("plan", "--date", DAY).exit_code == 3


def test_sexual_dysfunction_at_a_check_in_stops_the_programme(patient: Cli) -> None:
    r = patient("pain", "3", "--symptom", "sexual-dysfunction", "--date", DAY)
    assert r.exit_code == 3
    assert "emergency department" in r.stderr and "backcare clear --by NAME" in r.stderr
    assert patient("plan", "--date", DAY).exit_code == 3
    alerts = patient("progress", "--json", "--date", DAY).json()["alerts"]
    assert any(a["level"] == "critical" and "sexual-dysfunction" in a["message"] for a in alerts)


@pytest.mark.parametrize("band", ["under-20", "over-50"])
def test_age_at_onset_is_a_reason_to_see_a_gp_not_an_emergency(
    cli: Cli, backcare_home: Path, band: str
) -> None:
    r = cli("init", *OK[:2], "--not-assessed", "--age-band", band, "--yes", "--date", DAY, "--json")
    assert r.exit_code == 0, r.output
    doc = r.json()
    assert doc["blocked"] is False and doc["profile"]["age_band"] == band
    [age] = [a for a in doc["advice"] if a["rule"] == "age-at-onset"]
    assert age["level"] == "prompt" and "GP before you start" in age["message"]
    assert "not an emergency" in age["message"].lower()
    plan = cli("plan", "--json", "--date", DAY)
    assert plan.exit_code == 0 and plan.json()["items"]


def test_an_age_band_in_the_middle_gives_no_advice(cli: Cli) -> None:
    doc = cli("init", *OK, "--age-band", "20-50", "--yes", "--date", DAY, "--json").json()
    assert "age-at-onset" not in {a["rule"] for a in doc["advice"]}
    assert cli("init", "--age-band", "over-70", "--date", DAY).exit_code == 2


def test_weight_loss_at_a_check_in_is_advice_to_see_a_gp_within_days(patient: Cli) -> None:
    """One severity (docs/clinical.md §5): the same words as at init, and no stop."""
    at_checkin = patient("pain", "3", "--symptom", "weight-loss", "--date", DAY)
    assert at_checkin.exit_code == 0
    plan = patient("plan", "--date", DAY)
    assert plan.exit_code == 0
    assert "see your GP in the next few days" in " ".join(plan.stdout.split())


def test_weight_loss_at_init_is_advice_to_see_a_gp_within_days(
    cli: Cli, backcare_home: Path
) -> None:
    r = cli(
        "init",
        "--red-flag",
        "weight-loss",
        "--no-conditions",
        "--assessed",
        "--yes",
        "--date",
        DAY,
        "--json",
    )
    assert r.exit_code == 0, r.output
    doc = r.json()
    assert doc["blocked"] is False and doc["profile"]["red_flags"] == ["weight-loss"]
    [advice] = [a for a in doc["advice"] if a["rule"] == "weight-loss"]
    assert advice["level"] == "prompt" and "next few days" in advice["message"]
    assert cli("plan", "--date", DAY).exit_code == 0
    alerts = cli("progress", "--json", "--date", DAY).json()["alerts"]
    assert any(a["rule"] == "red-flag" and "weight-loss" in a["message"] for a in alerts)
    # With another cancer sign it stops, as that sign does.
    assert (
        cli(
            "init", "--red-flag", "weight-loss", "--red-flag", "night-pain", "--date", DAY
        ).exit_code
        == 3
    )


# --- pregnancy (ACOG Committee Opinion 804) ------------------------------------------------------


def supine_items(cli: Cli) -> set[str]:
    from backcare.loading.library import load_library

    lib = load_library()
    plan = cli("plan", "--json", "--date", DAY).json()
    return {i["exercise_id"] for i in plan["items"] if "supine" in lib.get(i["exercise_id"]).tags}


def left_out(cli: Cli) -> str:
    return " ".join(cli("plan", "--date", DAY).stdout.split())


def test_lying_on_the_back_is_left_out_after_the_first_trimester(cli: Cli) -> None:
    assert (
        cli(
            "init",
            "--no-red-flags",
            "--condition",
            "pregnancy",
            "--pregnancy-week",
            "20",
            "--assessed",
            "--yes",
            "--date",
            DAY,
        ).exit_code
        == 0
    )
    assert supine_items(cli) == set()
    # Week 10: the first trimester, lying on the back is fine (prone and falls still not).
    r = cli("init", "--pregnancy-week", "10", "--date", DAY, "--json")
    assert r.exit_code == 0 and r.json()["profile"]["pregnancy_week"] == 10
    assert supine_items(cli)


def test_without_a_week_the_first_trimester_is_assumed_past(cli: Cli) -> None:
    assert (
        cli(
            "init",
            "--no-red-flags",
            "--condition",
            "pregnancy",
            "--assessed",
            "--yes",
            "--date",
            DAY,
        ).exit_code
        == 0
    )
    assert supine_items(cli) == set()


def test_the_week_goes_with_the_condition(cli: Cli, backcare_home: Path) -> None:
    r = cli("init", *OK, "--pregnancy-week", "12", "--yes", "--date", DAY)
    assert r.exit_code == 2 and "--condition pregnancy" in r.stderr
    assert Store(backcare_home).profile() is None
    r = cli(
        "init",
        "--no-red-flags",
        "--condition",
        "pregnancy",
        "--pregnancy-week",
        "50",
        "--yes",
        "--date",
        DAY,
    )
    assert r.exit_code == 2 and "--pregnancy-week 50" in r.stderr


def test_pregnancy_stop_signs_are_in_the_plan(cli: Cli) -> None:
    assert (
        cli(
            "init",
            "--no-red-flags",
            "--condition",
            "pregnancy",
            "--pregnancy-week",
            "24",
            "--assessed",
            "--yes",
            "--date",
            DAY,
        ).exit_code
        == 0
    )
    plan = cli("plan", "--json", "--date", DAY).json()
    signs = [w for w in plan["warnings"] if w.startswith("Pregnancy: stop exercising")]
    assert len(signs) == 1
    for sign in (
        "vaginal bleeding",
        "regular painful contractions",
        "fluid leaking",
        "dizziness or feeling faint",
        "chest pain",
        "calf pain or swelling",
    ):
        assert sign in signs[0]
    # The session shows the plan's warnings first (tests/test_screen_pty.py at a terminal).


# --- re-running init ---------------------------------------------------------------------------


def test_a_rerun_says_what_changed_and_undo_reverses_it(cli: Cli, backcare_home: Path) -> None:
    assert cli("init", *OK, "--pain", "5", "--yes", "--date", DAY).exit_code == 0
    before = profile(backcare_home)
    same = cli("init", "--date", DAY)
    assert same.exit_code == 0 and "Nothing in your profile changed" in same.stdout
    r = cli("init", "--pain", "3", "--minutes", "30", "--date", DAY, "--json")
    assert r.exit_code == 0, r.output
    assert r.json()["changed"] == ["pain at the start: 5 → 3", "minutes a day: 20 → 30"]
    text = cli("init", "--minutes", "25", "--date", DAY).stdout
    assert "Changed: minutes a day: 30 → 25" in text
    assert cli("undo").exit_code == 0
    assert cli("undo").exit_code == 0
    assert profile(backcare_home) == before


def test_a_rerun_keeps_the_start_date_and_baseline_it_is_not_given(
    cli: Cli, backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("init", *OK, "--pain", "5", "--yes", "--date", "2026-03-01").exit_code == 0
    monkeypatch.setenv("BACKCARE_TODAY", "2026-03-20")
    doc = cli("init", "--equipment", "chair", "--json").json()
    assert doc["changed"] == ["equipment: mat → chair"]
    p = profile(backcare_home)
    assert (p["start_date"], p["baseline_pain"]) == ("2026-03-01", 5)
    report = cli("progress", "--json").json()
    assert report["pain"]["baseline_date"] == "2026-03-01"
