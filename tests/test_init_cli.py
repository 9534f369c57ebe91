"""`backcare init`: the red-flag screen, the profile, and what re-running it keeps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from backcare.domain.models import Visit
from backcare.storage import Store

Cli = Callable[..., Any]
START = "2026-03-02"
OK = ("--no-red-flags", "--no-conditions", "--assessed")


pytestmark = pytest.mark.usefixtures("warm_library_cache")


def profile(home: Path) -> dict[str, Any]:
    p = Store(home).profile()
    assert p is not None
    return p.to_dict()


def test_yes_takes_the_defaults_for_comfort_settings(cli: Cli, backcare_home: Path) -> None:
    r = cli("init", "--yes", "--no-red-flags", "--no-conditions", "--date", START)
    assert r.exit_code == 0, r.output
    p = profile(backcare_home)
    assert (p["minutes_per_day"], p["days_per_week"], p["equipment"]) == (20, 7, ["none", "mat"])
    assert p["red_flags"] == [] and p["start_date"] == START
    assert "Profile saved" in r.stdout
    # Not said to be assessed: an uncertain cause, with its advice (issue 11).
    assert p["assessed_by_clinician"] is False
    assert "not been assessed" in r.stdout


def test_yes_never_answers_the_red_flag_questions(cli: Cli, backcare_home: Path) -> None:
    """Issue 11: `init --yes` without --no-red-flags or --red-flag must not save "no red
    flags". With no terminal it is a usage error naming the option, and nothing is saved."""
    r = cli("init", "--yes", "--pain", "4", "--date", START)
    assert r.exit_code == 2, r.output
    assert "--no-red-flags" in r.stderr and "--yes never answers a safety question" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert Store(backcare_home).profile() is None
    assert cli("init", "--yes", "--json", "--date", START).exit_code == 2


def test_a_history_of_cancer_is_a_red_flag(cli: Cli, backcare_home: Path) -> None:
    """Issue 11: --no-red-flags --condition cancer contradicts itself (exit 2); --condition
    cancer alone is the red flag cancer-history, cleared as any other."""
    r = cli("init", "--no-red-flags", "--condition", "cancer", "--yes", "--date", START)
    assert r.exit_code == 2
    assert "--no-red-flags contradicts --condition cancer" in r.stderr
    assert "--red-flag cancer-history" in r.stderr
    assert Store(backcare_home).profile() is None
    stop = cli("init", "--condition", "cancer", "--yes", "--date", START)
    assert stop.exit_code == 3 and "STOP" in stop.stderr
    assert profile(backcare_home)["red_flags"] == ["cancer-history"]
    assert cli("plan", "--date", START).exit_code == 3
    cleared = cli("init", "--cleared-by-clinician")
    assert cleared.exit_code == 0, cleared.output
    assert cli("plan", "--json", "--date", START).json()["items"]


def test_cancer_cleared_at_once_still_needs_the_red_flag_screen(cli: Cli) -> None:
    r = cli("init", "--condition", "cancer", "--cleared-by-clinician", "--yes", "--date", START)
    assert r.exit_code == 2 and "--no-red-flags" in r.stderr


@pytest.mark.parametrize(
    ("flag", "act"), [("fever", "contact your GP"), ("walking-change", "emergency department")]
)
def test_a_red_flag_cleared_by_a_clinician_still_gets_its_advice_once(
    cli: Cli, flag: str, act: str
) -> None:
    r = cli(
        "init",
        "--red-flag",
        flag,
        "--cleared-by-clinician",
        "--no-conditions",
        "--assessed",
        "--yes",
        "--date",
        START,
    )
    assert r.exit_code == 0, r.output
    said = " ".join(r.stdout.split())
    assert said.count("A clinician has checked it") == 1 and act in said
    doc = cli("init", "--minutes", "25", "--json").json()  # a later run: not again
    assert "red-flag-cleared" not in {a["rule"] for a in doc["advice"]}


def test_every_answer_can_be_given_as_an_option(cli: Cli, backcare_home: Path) -> None:
    r = cli(
        "init",
        *OK,
        "--pain",
        "6",
        "--minutes",
        "30",
        "--days-per-week",
        "5",
        "--equipment",
        "chair,mat,resistance-band",
        "--avoid-position",
        "kneeling",
        "--date",
        START,
        "--json",
    )
    assert r.exit_code == 0, r.output
    doc = r.json()
    assert doc["profile"] == profile(backcare_home)
    p = doc["profile"]
    assert (p["baseline_pain"], p["minutes_per_day"], p["days_per_week"]) == (6, 30, 5)
    assert p["equipment"] == ["none", "chair", "mat", "resistance-band"]
    assert p["avoid_positions"] == ["kneeling"] and doc["blocked"] is False


def test_without_a_terminal_the_red_flag_questions_need_an_answer(
    cli: Cli, backcare_home: Path
) -> None:
    r = cli("init", "--pain", "4", "--minutes", "20")
    assert r.exit_code == 2
    assert "--no-red-flags" in r.stderr and "Traceback" not in r.output
    assert Store(backcare_home).profile() is None


@pytest.mark.parametrize("flag", ["fever", "bladder-bowel"])
def test_a_red_flag_stops_with_exit_3_and_says_where_to_get_help(
    cli: Cli, backcare_home: Path, flag: str
) -> None:
    r = cli("init", "--red-flag", flag, "--pain", "5", "--date", START)
    assert r.exit_code == 3
    assert "STOP" in r.stderr and "backcare clear --by" in r.stderr
    if flag == "bladder-bowel":
        assert "emergency department" in r.stderr
    assert profile(backcare_home)["red_flags"] == [flag]


def test_plan_and_session_refuse_until_a_clinician_clears_the_red_flag(cli: Cli) -> None:
    assert (
        cli("init", "--red-flag", "trauma", "--red-flag", "night-pain", "--date", START).exit_code
        == 3
    )
    for args in (("plan",), ("plan", "--json"), ("session", "--pain-before", "3", "--date", START)):
        r = cli(*args)
        assert r.exit_code == 3, (args, r.output)
        assert "STOP" in r.stderr and r.stdout == ""
    # Answering "no" on a later run does not lift a red flag: only a clinician's check does.
    again = cli("init", "--no-red-flags")
    assert again.exit_code == 3
    assert cli("plan").exit_code == 3
    cleared = cli("init", "--cleared-by-clinician")
    assert cleared.exit_code == 0, cleared.output
    r = cli("plan", "--json", "--date", START)
    assert r.exit_code == 0 and r.json()["items"]


def test_a_new_red_flag_after_clearance_stops_the_programme_again(cli: Cli) -> None:
    assert (
        cli(
            "init",
            "--red-flag",
            "fever",
            "--cleared-by-clinician",
            "--no-conditions",
            "--yes",
            "--date",
            START,
        ).exit_code
        == 0
    )
    assert cli("plan").exit_code == 0
    assert cli("init", "--red-flag", "night-pain").exit_code == 3
    assert cli("plan").exit_code == 3


def test_rerunning_init_updates_the_profile_and_keeps_the_log(
    cli: Cli, backcare_home: Path
) -> None:
    assert cli("init", *OK, "--pain", "6", "--date", START, "--yes").exit_code == 0
    visit = Visit("v-1", date(2026, 3, 3), "manual-therapy", "mobilisation")
    Store(backcare_home).add_visit(visit)
    r = cli("init", "--minutes", "45", "--equipment", "chair")
    assert r.exit_code == 0, r.output
    assert "Profile updated" in r.stdout
    p = profile(backcare_home)
    assert p["minutes_per_day"] == 45 and p["equipment"] == ["none", "chair"]
    assert p["baseline_pain"] == 6 and p["start_date"] == START  # what was not given stays
    assert Store(backcare_home).history().visits == (visit,)


def test_underlying_conditions_and_no_assessment_give_advice(cli: Cli) -> None:
    r = cli(
        "init",
        "--no-red-flags",
        "--condition",
        "osteoporosis",
        "--condition",
        "pregnancy",
        "--not-assessed",
        "--yes",
        "--date",
        START,
    )
    assert r.exit_code == 0
    assert "osteoporosis" in r.stdout and "pregnancy" in r.stdout
    assert "not been assessed" in r.stdout
    doc = cli("init", "--json").json()
    assert {a["rule"] for a in doc["advice"]} == {
        "underlying-condition",
        "not-assessed",
        "pregnancy-stop-signs",
    }


# A value out of its range or list is a usage error (exit 2); a combination refused is 1.
@pytest.mark.parametrize(
    ("args", "words", "code"),
    [
        (("--pain", "11"), "--pain 11", 2),
        (("--pain", "-1"), "--pain -1", 2),
        (("--minutes", "5"), "--minutes 5", 2),
        (("--minutes", "181"), "--minutes 181", 2),
        (("--days-per-week", "8"), "--days-per-week 8", 2),
        (("--equipment", "rocket"), "rocket", 2),
        (("--equipment", "mat,chiar"), "did you mean 'chair'", 2),
        (("--avoid-position", "lying,sitting,standing"), "--avoid-position", 1),
        (("--avoid-position", "upside-down"), "upside-down", 2),
        (("--red-flag", "fevre"), "did you mean 'fever'", 2),
        (("--condition", "flu"), "--condition", 2),
        (("--startback", "y,y"), "STarT Back", 2),
    ],
)
def test_bad_values_are_refused_and_nothing_is_written(
    cli: Cli, backcare_home: Path, args: tuple[str, ...], words: str, code: int
) -> None:
    r = cli("init", *OK, "--yes", *args)
    assert r.exit_code == code, r.output
    assert words in r.stderr and "Traceback" not in r.output
    assert len(r.stderr.strip().splitlines()) == 1
    assert Store(backcare_home).profile() is None
    # … and on a re-run, the profile stays as it was.
    assert cli("init", *OK, "--yes", "--minutes", "25").exit_code == 0
    before = profile(backcare_home)
    assert cli("init", *args).exit_code == code
    assert profile(backcare_home) == before


def test_startback_answers_are_scored_and_stored_as_an_assessment(
    cli: Cli, backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    r = cli("init", *OK, "--yes", "--date", START, "--json", "--startback", "y,y,y,y,y,y,y,n,4")
    assert r.exit_code == 0, r.output
    assert r.json()["startback"] == {"score": 8, "band": "high"}
    [a] = Store(backcare_home).history().assessments
    assert (a.instrument, a.score, a.band, a.date.isoformat()) == ("startback", 8, "high", START)
    # Answered again weeks later: dated that day, not at the programme's start.
    monkeypatch.setenv("BACKCARE_TODAY", "2026-04-13")
    low = cli("init", "--startback", "n,n,n,n,n,n,n,n,0")
    assert low.exit_code == 0 and "low risk" in low.stdout
    assert [(a.date.isoformat(), a.band) for a in Store(backcare_home).history().assessments] == [
        (START, "high"),
        ("2026-04-13", "low"),
    ]


def test_the_old_bike_is_refused_and_a_saved_one_becomes_both_bikes(
    cli: Cli, backcare_home: Path
) -> None:
    r = cli("init", *OK, "--yes", "--equipment", "mat,bike", "--date", START)
    assert r.exit_code == 2
    assert "'bike' is now exercise-bike and bicycle" in r.stderr
    assert cli("init", *OK, "--yes", "--equipment", "exercise-bike", "--date", START).exit_code == 0
    assert profile(backcare_home)["equipment"] == ["none", "exercise-bike"]
    # A profile saved before the split (equipment "bike") keeps both kinds of cycling.
    main = backcare_home / "backcare.json"
    main.write_text(
        main.read_text(encoding="utf-8").replace('"exercise-bike"', '"bike"'), encoding="utf-8"
    )
    assert profile(backcare_home)["equipment"] == ["none", "exercise-bike", "bicycle"]
    res = cli("plan", "--json", "--date", START)
    assert res.exit_code == 0 and res.json()["items"]  # the older profile still plans
