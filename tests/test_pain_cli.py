"""`backcare pain N`: the daily check-in, its symptoms, flare-ups, and every "seek help" rule
of CLINICAL.md §5, each through the command line.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, snapshot

START = date(2026, 3, 2)
TODAY = date(2026, 3, 31)


def day(n: int) -> str:
    """The programme's day ``n`` (day 0 is the start)."""
    return (START + timedelta(days=n)).isoformat()


@pytest.fixture
def today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", TODAY.isoformat())


def init(cli: Cli, *extra: str, pain: int = 5) -> None:
    args = [
        "init",
        "--no-red-flags",
        "--no-conditions",
        "--pain",
        str(pain),
        "--yes",
        "--date",
        day(0),
        *extra,
    ]
    if not any(a.startswith(("--condition", "--no-conditions")) for a in extra):
        args.append("--no-conditions")
    if not any(a in ("--assessed", "--not-assessed") for a in extra):
        args.append("--assessed")
    res = cli(*args)
    assert res.exit_code == 0, res.output


def pain_json(cli: Cli, *args: str) -> tuple[int, dict[str, Any]]:
    res = cli("pain", *args, "--json")
    assert "Traceback" not in res.output
    return res.exit_code, res.json()


def rules(doc: dict[str, Any]) -> set[str]:
    return {a["rule"] for a in doc["advice"]}


def plan(cli: Cli, n: int) -> Any:
    return cli("plan", "--json", "--date", day(n))


# --- the check-in itself --------------------------------------------------------------------


def test_a_check_in_is_recorded_and_a_second_one_replaces_it(patient: Cli) -> None:
    res = patient("pain", "4", "--date", day(1), "--note", "stiff in the morning")
    assert res.exit_code == 0 and "Pain 4/10 recorded" in res.stderr
    res = patient("pain", "3", "--date", day(1), "--symptom", "tingling")
    assert res.exit_code == 0 and "updated" in res.stderr
    h = patient("history", "--json", "--from", day(1), "--to", day(1)).json()
    (c,) = h["pain_checkins"]
    assert {k: c[k] for k in ("date", "score", "note", "symptoms", "flare")} == {
        "date": day(1),
        "score": 3,
        "note": None,
        "symptoms": ["tingling"],
        "flare": False,
    }


def test_symptoms_may_be_repeated_or_comma_separated(patient: Cli) -> None:
    code, doc = pain_json(
        patient, "2", "--date", day(1), "--symptom", "numbness,tingling", "--symptom", "weakness"
    )
    assert code == 0 and doc["symptoms"] == ["numbness", "tingling", "weakness"]


REFUSED: list[tuple[list[str], int, str]] = [
    (["11"], 2, "pain 11 is out of range"),
    (["-1"], 2, "pain -1 is out of range"),
    (["4", "--symptom", "numbnes"], 2, "did you mean 'numbness'"),
    (["4", "--symptom", "headache"], 2, "--symptom 'headache' is not one of"),
    (["4", "--date", (TODAY + timedelta(days=1)).isoformat()], 1, "in the future"),
    (["4", "--note", "x" * 2001], 1, "--note"),
    (["4", "--date", "2026-02-30"], 2, "2026-02-30"),
    (["four"], 2, "pain is a whole number from 0 to 10, not 'four'"),
    (["4.5"], 2, "pain is a whole number from 0 to 10, not '4.5'"),
]


@pytest.mark.parametrize(
    ("args", "code", "named"), REFUSED, ids=[" ".join(a)[:30] for a, _, _ in REFUSED]
)
def test_bad_input_is_refused_and_nothing_is_written(
    patient: Cli, backcare_home: Path, args: list[str], code: int, named: str
) -> None:
    assert patient("pain", "3", "--date", day(1)).exit_code == 0
    before = snapshot(backcare_home)
    res = patient("pain", *args)
    assert res.exit_code == code, res.output
    assert named in res.stderr
    if code == 1:
        assert len(res.stderr.strip().splitlines()) == 1
    assert snapshot(backcare_home) == before


@pytest.mark.parametrize(
    "args",
    [
        ("pain", "5.0"),
        ("pain", "1e1"),
        ("pain", "five"),
        ("log", "--pain-before", "3.0"),
        ("init", "--yes", "--pain", "4.5"),
        ("init", "--yes", "--minutes", "20.0"),
    ],
)
def test_a_number_that_is_not_whole_is_refused(
    patient: Cli, backcare_home: Path, args: tuple[str, ...]
) -> None:
    before = snapshot(backcare_home, skip_cache=True)
    res = patient(*args)
    assert res.exit_code == 2, res.output
    assert "is a whole number" in res.stderr and "Traceback" not in res.stderr
    assert snapshot(backcare_home, skip_cache=True) == before


# --- red flags: urgent, exit 3, and the plan refuses until a clinician clears it -------------


@pytest.mark.parametrize("sign", ["bladder-bowel", "saddle-numbness"])
def test_cauda_equina_signs_are_urgent_and_stop_the_programme(patient: Cli, sign: str) -> None:
    res = patient("pain", "4", "--date", day(1), "--symptom", sign)
    assert res.exit_code == 3
    assert "emergency department" in res.stderr and "cauda equina" in res.stderr
    for args in (("plan",), ("plan", "--json"), ("session", "--pain-before", "2"), ("log",)):
        blocked = patient(*args, "--date", day(2))
        assert blocked.exit_code == 3, args
        assert "backcare clear --by" in blocked.stderr
    # The check-in itself is kept.
    h = patient("history", "--json", "--from", day(1), "--to", day(1)).json()
    assert h["pain_checkins"][0]["symptoms"] == [sign]
    assert patient("init", "--cleared-by-clinician").exit_code == 0
    assert plan(patient, 2).exit_code == 0


def test_a_red_flag_before_init_still_stops_the_plan(cli: Cli, today: None) -> None:
    assert cli("pain", "4", "--date", day(1), "--symptom", "saddle-numbness").exit_code == 3
    assert plan(cli, 2).exit_code == 3
    assert cli("init", "--cleared-by-clinician", "--no-red-flags", "--yes").exit_code == 0
    assert plan(cli, 2).exit_code == 0


@pytest.mark.parametrize("sign", ["walking-change", "worsening-weakness"])
def test_a_change_in_walking_or_worsening_weakness_is_cauda_equina(patient: Cli, sign: str) -> None:
    """Issue 11: cauda-equina signs at a check-in too, exit 3 as for the others."""
    res = patient("pain", "3", "--date", day(1), "--symptom", sign)
    assert res.exit_code == 3
    assert "emergency department" in res.stderr and "cauda equina" in res.stderr
    assert plan(patient, 2).exit_code == 3
    assert "backcare clear --by" in plan(patient, 2).stderr
    report = patient(
        "progress", "--json", "--from", day(0), "--to", day(2), "--date", day(2)
    ).json()
    assert any(a["rule"] == "red-flag" and sign in a["message"] for a in report["alerts"])
    assert patient("init", "--cleared-by-clinician").exit_code == 0
    assert plan(patient, 2).exit_code == 0


def test_weight_loss_at_a_check_in_advises_the_gp(patient: Cli) -> None:
    code, doc = pain_json(patient, "3", "--date", day(1), "--symptom", "weight-loss")
    assert code == 0 and doc["urgent"] is None
    advice = [a for a in doc["advice"] if a["rule"] == "weight-loss"]
    assert len(advice) == 1 and "see your GP" in advice[0]["message"]
    assert any("see your GP" in w for w in plan(patient, 2).json()["warnings"])
    report = patient(
        "progress", "--json", "--from", day(0), "--to", day(2), "--date", day(2)
    ).json()
    assert any(a["rule"] == "red-flag" and "weight-loss" in a["message"] for a in report["alerts"])


@pytest.mark.parametrize("sign", ["fever", "night-pain"])
def test_other_red_flag_symptoms_are_urgent(patient: Cli, sign: str) -> None:
    res = patient("pain", "4", "--date", day(1), "--symptom", sign)
    assert res.exit_code == 3 and "GP" in res.stderr
    assert plan(patient, 2).exit_code == 3


@pytest.mark.parametrize("sign", ["numbness", "tingling", "weakness"])
def test_nerve_symptoms_advise_a_prompt_review(patient: Cli, sign: str) -> None:
    res = patient("pain", "4", "--date", day(1), "--symptom", sign)
    assert res.exit_code == 0
    assert f"You reported {sign}" in res.stderr and "review" in res.stderr
    code, doc = pain_json(patient, "4", "--date", day(1), "--symptom", sign)
    assert code == 0 and doc["urgent"] is None
    assert [a["level"] for a in doc["advice"] if a["rule"] == "nerve-symptoms"] == ["prompt"]
    assert plan(patient, 1).exit_code == 0  # the programme may go on meanwhile


def test_nerve_symptoms_in_both_legs_are_urgent(patient: Cli) -> None:
    res = patient("pain", "4", "--date", day(1), "--symptom", "tingling", "--both-legs")
    assert res.exit_code == 3 and "emergency department" in res.stderr
    assert plan(patient, 2).exit_code == 3
    assert patient("init", "--cleared-by-clinician").exit_code == 0
    assert plan(patient, 2).exit_code == 0


def test_once_cleared_a_later_check_in_is_not_stopped_by_the_old_one(patient: Cli) -> None:
    assert (
        patient("pain", "4", "--date", day(1), "--symptom", "numbness", "--both-legs").exit_code
        == 3
    )
    assert patient("init", "--cleared-by-clinician").exit_code == 0
    res = patient("pain", "3", "--date", day(2))
    assert res.exit_code == 0, res.output
    assert plan(patient, 3).exit_code == 0


def _profile_without_the_flag(home: Path, before: bytes) -> None:
    """The main file as it was before the check-in: what a kill between the check-in and
    the profile's update left, or what doctor restoring that morning's backup puts back."""
    main = home / "backcare.json"
    main.write_bytes(before)
    main.chmod(0o600)


def test_a_red_flag_check_in_stops_the_programme_whatever_the_profile_says(
    patient: Cli, backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = (backcare_home / "backcare.json").read_bytes()
    assert patient("pain", "4", "--date", day(1), "--symptom", "bladder-bowel").exit_code == 3
    _profile_without_the_flag(backcare_home, before)
    assert patient("init", "--json", "--yes").json()["profile"]["red_flags"] == []
    for args in (("plan",), ("session", "--pain-before", "2"), ("log",)):
        blocked = patient(*args, "--date", day(2))
        assert blocked.exit_code == 3, (args, blocked.output)
        assert "emergency department" in blocked.stderr
        assert "backcare clear --by" in blocked.stderr
    res = patient("init", "--yes", "--json")  # re-running init says so too
    assert res.exit_code == 3 and res.json()["blocked"] is True
    cleared = patient("init", "--cleared-by-clinician", "--json")
    assert cleared.exit_code == 0
    assert cleared.json()["profile"]["cleared_on"] == TODAY.isoformat()
    assert plan(patient, 2).exit_code == 0
    # A red flag after the clearance stops it again, even if the profile misses it again.
    monkeypatch.setenv("BACKCARE_TODAY", (TODAY + timedelta(days=1)).isoformat())
    before = (backcare_home / "backcare.json").read_bytes()
    assert patient("pain", "3", "--symptom", "fever").exit_code == 3
    _profile_without_the_flag(backcare_home, before)
    assert plan(patient, 30).exit_code == 3


def test_an_uncleared_red_flag_of_long_ago_still_stops_the_plan(
    patient: Cli, backcare_home: Path
) -> None:
    before = (backcare_home / "backcare.json").read_bytes()
    long_ago = (TODAY - timedelta(days=700)).isoformat()
    assert patient("pain", "4", "--date", long_ago, "--symptom", "saddle-numbness").exit_code == 3
    for month in range(1, 24):  # two years of check-ins since: far beyond the planner's weeks
        assert (
            patient(
                "pain", "2", "--date", (TODAY - timedelta(days=700 - 30 * month)).isoformat()
            ).exit_code
            == 0
        )
    _profile_without_the_flag(backcare_home, before)
    assert plan(patient, 29).exit_code == 3
    assert patient("init", "--cleared-by-clinician").exit_code == 0
    assert plan(patient, 29).exit_code == 0


def test_doctor_restoring_the_main_file_does_not_lift_the_stop(
    patient: Cli, backcare_home: Path
) -> None:
    assert patient("goal", "add", "walk to the shop").exit_code == 0  # the day's backup
    assert patient("pain", "4", "--date", day(1), "--symptom", "bladder-bowel").exit_code == 3
    main = backcare_home / "backcare.json"
    main.write_bytes(main.read_bytes()[:30])  # damaged; the morning's backup has no flag
    assert patient("doctor", "--yes").exit_code == 0
    assert "bladder-bowel" not in main.read_text(encoding="utf-8")
    assert plan(patient, 2).exit_code == 3


# --- "when to seek professional help" -------------------------------------------------------


def test_pain_7_or_more_three_days_running_advises_a_review(patient: Cli) -> None:
    for n, expected in ((1, False), (2, False), (3, True)):
        code, doc = pain_json(patient, "7", "--date", day(n))
        assert code == 0
        assert ("severe-pain-3-days" in rules(doc)) is expected, n
    res = patient("pain", "8", "--date", day(3))
    assert "3 days in a row" in " ".join(res.stderr.split())


def test_a_break_in_the_run_of_severe_days_resets_it(patient: Cli) -> None:
    for n, score in ((1, 8), (2, 8), (3, 5), (4, 8)):
        _, doc = pain_json(patient, str(score), "--date", day(n))
    assert "severe-pain-3-days" not in rules(doc)


def test_no_improvement_after_14_days_advises_a_review(patient: Cli) -> None:
    # Baseline 5; the 7-day mean stays at 4, down only 1 point (20%): not enough.
    for n in range(15):
        code, doc = pain_json(patient, "4", "--date", day(n))
        assert code == 0
        assert ("no-improvement-14-days" in rules(doc)) is (n >= 14), n
    res = patient("pain", "4", "--date", day(14))
    assert "not clearly eased" in " ".join(res.stderr.split())
    assert any("not clearly eased" in w for w in plan(patient, 14).json()["warnings"])


def test_a_clear_improvement_after_14_days_needs_no_review(patient: Cli) -> None:
    # Baseline 5; the last 7 days at 3: down 2 points (40%), the minimal important change.
    for n in range(15):
        _, doc = pain_json(patient, "5" if n < 8 else "3", "--date", day(n))
    assert "no-improvement-14-days" not in rules(doc)


@pytest.mark.parametrize("condition", ["osteoporosis", "pregnancy", "inflammatory"])
def test_an_underlying_condition_at_init_advises_a_check(
    cli: Cli, today: None, condition: str
) -> None:
    res = cli(
        "init",
        "--no-red-flags",
        "--no-conditions",
        "--pain",
        "4",
        "--yes",
        "--date",
        day(0),
        "--assessed",
        "--condition",
        condition,
        "--json",
    )
    assert res.exit_code == 0, res.output
    advice = [a for a in res.json()["advice"] if a["rule"] == "underlying-condition"]
    assert len(advice) == 1
    assert any("check with your doctor" in w for w in plan(cli, 0).json()["warnings"])
    # A check-in does not repeat it every day.
    _, doc = pain_json(cli, "3", "--date", day(1))
    assert "underlying-condition" not in rules(doc)


def test_not_assessed_by_a_clinician_advises_an_assessment(cli: Cli, today: None) -> None:
    init(cli, "--not-assessed")
    res = cli("init", "--json")
    assert "not-assessed" in {a["rule"] for a in res.json()["advice"]}
    p = plan(cli, 0)
    assert p.exit_code == 0  # the programme may still start
    assert any("not been assessed" in w for w in p.json()["warnings"])


def test_assessed_patients_are_not_told_to_get_assessed(patient: Cli) -> None:
    assert not any("assessed" in w for w in plan(patient, 0).json()["warnings"])


# --- flare-ups ------------------------------------------------------------------------------


def test_a_declared_flare_gives_flare_plans_until_two_days_under_7(patient: Cli) -> None:
    res = patient("pain", "5", "--flare", "--date", day(1))
    assert res.exit_code == 0 and "Flare-up" in res.stderr
    modes = {}
    for n, score in ((2, 6), (3, 4), (4, 3)):
        p = plan(patient, n - 1).json()
        modes[n - 1] = p["mode"]
        assert patient("pain", str(score), "--date", day(n)).exit_code == 0
    modes[4] = plan(patient, 4).json()["mode"]
    # Day 1 declared; days 2 and 3 under 7 → over from day 3.
    assert modes == {1: "flare", 2: "flare", 3: "normal", 4: "normal"}
    flare = plan(patient, 1).json()
    assert all("flare-up" in i["reason"] for i in flare["items"])
    assert flare["warnings"][0].startswith("Flare-up")


def test_severe_pain_in_a_declared_flare_keeps_it_going(patient: Cli) -> None:
    for n, score in ((1, 6), (2, 5), (3, 8), (4, 5)):
        args = ["pain", str(score), "--date", day(n)] + (["--flare"] if n == 1 else [])
        assert patient(*args).exit_code == 0
    assert plan(patient, 4).json()["mode"] == "flare"  # only 1 day under 7 since the 8


def test_pain_of_7_or_more_gives_flare_plans_until_two_days_under_7(patient: Cli) -> None:
    """Issue 11: an undeclared flare ends by the same rule as a declared one, and as this
    command's own message says: under 7 for 2 days. Not on the first day under 7."""
    code, doc = pain_json(patient, "8", "--date", day(1))
    assert code == 0 and doc["flare_plan"] is True and doc["flare"] is False
    said = patient("pain", "8", "--date", day(1))
    assert "until your pain has been under 7 for 2 days" in " ".join(said.stderr.split())
    assert plan(patient, 1).json()["mode"] == "flare"
    assert patient("pain", "4", "--date", day(2)).exit_code == 0
    second = plan(patient, 2).json()
    assert second["mode"] == "flare"
    assert not any(i["reason"].startswith("progressed") for i in second["items"])
    assert "your pain was 8/10 on" in second["warnings"][0]
    assert patient("pain", "3", "--date", day(3)).exit_code == 0
    assert plan(patient, 3).json()["mode"] == "normal"


def test_a_cleared_red_flag_no_longer_tells_the_plan_to_stop(patient: Cli) -> None:
    assert (
        patient("pain", "4", "--date", day(1), "--symptom", "numbness", "--both-legs").exit_code
        == 3
    )
    assert patient("init", "--cleared-by-clinician").exit_code == 0
    p = plan(patient, 3).json()
    assert p["items"]
    assert not any("Do not do your exercises" in w for w in p["warnings"])


def test_no_green_tick_before_a_stop(patient: Cli) -> None:
    """The check-in is recorded, but what the patient must read is the stop (issue 27)."""
    res = patient("pain", "4", "--date", day(1), "--symptom", "saddle-numbness")
    assert res.exit_code == 3
    assert "✓" not in res.stderr and "Pain 4/10 recorded" in res.stderr
    assert "STOP" in res.stderr
