"""`backcare assess`: questionnaires given with --answers or asked one item at a time,
scored (CLINICAL.md §3), saved, and compared with the earlier ones (CONTRACT.md)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, snapshot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcare.commands.assess import EXAMPLE_ANSWERS
from backcare.domain.instruments import INSTRUMENT_IDS, ODI_SECTION_TOPICS
from backcare.domain.scoring import parse_answers

CONTRACT_KEYS = {"instrument", "date", "score", "band"}
EXTRA_KEYS = {"id", "answers", "change_since_first", "change_since_previous", "interpretation"}


def saved(home: Path) -> list[Any]:
    from backcare.storage import Store

    return list(Store(home).history().assessments)


def assess_json(cli: Cli, instrument: str, answers: str, when: str) -> dict[str, Any]:
    res = cli("assess", instrument, "--answers", answers, "--date", when, "--json")
    assert res.exit_code == 0, res
    doc: dict[str, Any] = res.json()
    return doc


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Behave as if on a terminal; the answers come from CliRunner's input."""
    monkeypatch.setattr("backcare.render.ui.is_interactive", lambda: True)


# --- help --------------------------------------------------------------------------------------
def test_help_explains_the_formats_and_gives_an_example(cli: Cli) -> None:
    res = cli("assess", "--help")
    assert res.exit_code == 0
    assert "Example: backcare assess odi --answers" in res.stdout
    for instrument in INSTRUMENT_IDS:
        assert instrument in res.stdout


@pytest.mark.parametrize("instrument", INSTRUMENT_IDS)
def test_every_example_in_the_messages_is_valid(instrument: str) -> None:
    parse_answers(instrument, EXAMPLE_ANSWERS[instrument])


# --- every instrument with --answers (the published examples, CLINICAL.md §3) ------------------
def test_odi_16_of_50_is_32_percent_moderate(cli: Cli) -> None:
    doc = assess_json(cli, "odi", "2,2,2,2,2,2,1,1,1,1", "2026-03-02")
    assert (doc["score"], doc["band"]) == (32.0, "moderate")
    assert doc["answers"] == [2, 2, 2, 2, 2, 2, 1, 1, 1, 1]


def test_odi_16_of_45_with_one_section_unanswered_is_35_6_percent(cli: Cli) -> None:
    doc = assess_json(cli, "odi", "2,2,2,2,2,2,2,1,1,-", "2026-03-02")
    assert (doc["score"], doc["band"]) == (35.6, "moderate")
    assert doc["answers"][-1] is None
    assert "1 section left unanswered was left out" in doc["interpretation"]


def test_odi_text_shows_the_score_and_band(cli: Cli) -> None:
    res = cli("assess", "odi", "--answers", "2,2,2,2,2,2,1,1,1,1", "--date", "2026-03-02")
    assert res.exit_code == 0, res
    assert "Oswestry Disability Index: 32.0% — moderate disability" in res.stdout
    assert "21–40% moderate" in res.stdout
    assert "This is your first ODI" in res.stdout


@pytest.mark.parametrize(
    ("answers", "total", "psychosocial", "band"),
    [
        ("y,y,y,n,n,n,n,n,0", 3, 0, "low"),  # 3: the top of low risk
        ("y,y,y,n,n,n,n,n,2", 3, 0, "low"),  # "moderately" on item 9 does not score
        ("y,y,y,n,n,n,n,n,3", 4, 1, "medium"),  # "very much" does: 4 with subscore 1
        ("y,n,n,n,y,y,n,n,3", 4, 3, "medium"),  # subscore 3: the top of medium
        ("n,n,n,n,y,y,y,n,4", 4, 4, "high"),  # subscore 4: the bottom of high
        ("y,y,y,y,y,y,y,y,4", 9, 5, "high"),
        ("n,n,n,n,n,n,n,n,0", 0, 0, "low"),
    ],
)
def test_startback_risk_groups_at_their_boundaries(
    cli: Cli, answers: str, total: int, psychosocial: int, band: str
) -> None:
    doc = assess_json(cli, "startback", answers, "2026-03-02")
    assert (doc["score"], doc["band"]) == (total, band)
    assert doc["details"] == {"total": total, "psychosocial": psychosocial}
    assert "NG59" in doc["interpretation"] and "STarT Back" in doc["interpretation"]


@pytest.mark.parametrize(
    ("answers", "meaning"),
    [
        ("n,n,n,n,n,n,n,n,0", "self-management"),
        ("y,y,y,n,n,n,n,n,3", "physiotherapy is recommended"),
        ("y,y,y,y,y,y,y,y,4", "worry, low mood"),
    ],
)
def test_startback_says_what_the_risk_group_means(cli: Cli, answers: str, meaning: str) -> None:
    res = cli("assess", "startback", "--answers", answers, "--date", "2026-03-02")
    assert res.exit_code == 0, res
    assert meaning in res.stdout
    assert "NICE" in res.stdout


def test_rmdq_counts_the_yes_answers(cli: Cli) -> None:
    answers = ",".join(["y"] * 7 + ["n"] * 17)
    doc = assess_json(cli, "rmdq", answers, "2026-03-02")
    assert (doc["score"], doc["band"]) == (7, None)
    assert doc["answers"] == [True] * 7 + [False] * 17


def test_rmdq_of_2_or_less_is_close_to_recovered(cli: Cli) -> None:
    doc = assess_json(cli, "rmdq", ",".join(["Y", "yes"] + ["N"] * 22), "2026-03-02")
    assert doc["score"] == 2
    assert "close to recovered" in doc["interpretation"]


def test_psfs_is_the_mean_of_the_ratings(cli: Cli) -> None:
    doc = assess_json(cli, "psfs", "walking=4, gardening=6 ,lifting=3", "2026-03-02")
    assert (doc["score"], doc["band"]) == (4.3, None)
    assert doc["answers"] == {"walking": 4, "gardening": 6, "lifting": 3}
    res = cli(
        "assess",
        "psfs",
        "--answers",
        "walking=4,gardening=6,lifting=3,sitting=7,stairs=5",
        "--date",
        "2026-03-03",
    )
    assert res.exit_code == 0, res
    assert "5.0/10" in res.stdout and "stairs: 5/10" in res.stdout


def test_peg_is_the_mean_of_three(cli: Cli) -> None:
    doc = assess_json(cli, "peg", "6,5,7", "2026-03-02")
    assert (doc["score"], doc["band"]) == (6.0, None)
    assert doc["answers"] == [6, 5, 7]


def test_the_instrument_name_ignores_case(cli: Cli) -> None:
    assert assess_json(cli, "PEG", "1,2,3", "2026-03-02")["instrument"] == "peg"


# --- --json (CONTRACT.md) and what is stored ---------------------------------------------------
@pytest.mark.parametrize("instrument", INSTRUMENT_IDS)
def test_json_is_one_document_with_the_contract_keys(cli: Cli, instrument: str) -> None:
    res = cli(
        "assess",
        instrument,
        "--answers",
        EXAMPLE_ANSWERS[instrument],
        "--date",
        "2026-03-02",
        "--json",
    )
    assert res.exit_code == 0, res
    doc = res.json()  # the whole of stdout is one JSON document
    assert set(doc) >= CONTRACT_KEYS | EXTRA_KEYS
    assert doc["instrument"] == instrument and doc["date"] == "2026-03-02"
    assert isinstance(doc["score"], (int, float))
    assert doc["band"] is None or isinstance(doc["band"], str)
    assert (doc["band"] is not None) == (instrument in ("odi", "startback"))
    assert doc["change_since_first"] is None and doc["change_since_previous"] is None
    assert doc["id"].startswith("a-20260302-")


def test_the_assessment_is_saved_as_it_was_reported(cli: Cli, backcare_home: Path) -> None:
    doc = assess_json(cli, "odi", "2,2,2,2,2,2,2,1,1,-", "2026-03-02")
    [record] = saved(backcare_home)
    assert record.to_dict() == {
        "id": doc["id"],
        "date": "2026-03-02",
        "instrument": "odi",
        "answers": doc["answers"],
        "score": 35.6,
        "band": "moderate",
    }


def test_the_default_date_is_today(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", "2026-04-01")
    res = cli("assess", "peg", "--answers", "1,1,1", "--json")
    assert res.exit_code == 0, res
    assert res.json()["date"] == "2026-04-01"


# --- refusals: nothing is written ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("instrument", "answers", "named"),
    [
        ("odi", "2,2,2,2,2,2,7,1,1,1", "'7'"),
        ("odi", "-,-,-,-,-,-,-,-,-,-", "No ODI section was answered"),
        ("rmdq", ",".join(["y"] * 23), "got 23"),
        ("rmdq", ",".join(["y"] * 23 + ["maybe"]), "'maybe'"),
        ("startback", "y,n,y,n,n,y,n,n,5", "'5'"),
        ("psfs", "walking=11,gardening=6,lifting=3", "'11'"),
        ("psfs", "walking=4,gardening=6", "got 2"),
        ("peg", "a,1,2", "'a'"),
        ("peg", "", "No PEG answers"),
    ],
)
def test_bad_answers_exit_2_naming_the_value_and_write_nothing(
    cli: Cli, backcare_home: Path, instrument: str, answers: str, named: str
) -> None:
    """Answers typed with --answers that cannot be scored are input not accepted as typed:
    exit 2 (issue 27)."""
    assess_json(cli, "peg", "1,2,3", "2026-03-01")  # existing data must stay as it is
    before = snapshot(backcare_home)
    res = cli("assess", instrument, "--answers", answers, "--date", "2026-03-02")
    assert res.exit_code == 2, res
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], res.stderr
    assert "Traceback" not in res.output and res.stdout == ""
    assert snapshot(backcare_home) == before


def test_bad_answers_in_an_empty_folder_create_nothing(cli: Cli, backcare_home: Path) -> None:
    res = cli("assess", "odi", "--answers", "1,2,3")
    assert res.exit_code == 2
    assert not backcare_home.exists()


@pytest.mark.parametrize("instrument", INSTRUMENT_IDS)
def test_no_terminal_and_no_answers_exits_2_naming_the_option(
    cli: Cli, backcare_home: Path, instrument: str
) -> None:
    res = cli("assess", instrument)
    assert res.exit_code == 2, res
    assert "needs --answers" in res.stderr
    assert f"(for example: --answers {EXAMPLE_ANSWERS[instrument]})" in res.stderr
    assert snapshot(backcare_home) == {}


def test_an_unknown_instrument_exits_2_listing_the_valid_ones(cli: Cli) -> None:
    res = cli("assess", "sf36", "--answers", "1,2,3")
    assert res.exit_code == 2
    assert "sf36" in res.stderr and "odi, rmdq, startback, psfs, peg" in res.stderr


def test_a_future_date_is_refused(
    cli: Cli, backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", "2026-03-10")
    res = cli("assess", "peg", "--answers", "1,2,3", "--date", "2026-03-11")
    assert res.exit_code == 1
    assert "in the future" in res.stderr
    assert snapshot(backcare_home) == {}
    assert cli("assess", "peg", "--answers", "1,2,3", "--date", "2026-03-10").exit_code == 0


@pytest.mark.parametrize("bad", ["2026-02-30", "3 Feb", "2026-2-3"])
def test_a_date_that_is_not_real_is_a_usage_error(cli: Cli, bad: str) -> None:
    res = cli("assess", "peg", "--answers", "1,2,3", "--date", bad)
    assert res.exit_code == 2
    assert "--date" in res.stderr


# --- change since the first and the previous result ----------------------------------------------
def test_two_assessments_give_the_change_since_the_first(cli: Cli) -> None:
    assess_json(cli, "odi", "3,3,3,3,2,2,2,2,1,1", "2026-02-03")  # 22/50 = 44.0
    res = cli("assess", "odi", "--answers", "2,2,2,2,2,2,1,1,1,1", "--date", "2026-02-20")
    assert res.exit_code == 0, res
    assert "first (44.0%)" in res.stdout
    assert "down 12 points since 3 Feb — a clinically important improvement" in res.stdout
    assert "previous" not in res.stdout  # the first is the previous: said once
    doc = assess_json(cli, "odi", "2,2,2,2,2,2,1,1,1,1", "2026-02-21")
    assert doc["change_since_first"]["sentence"] == (
        "down 12 points since 3 Feb — a clinically important improvement"
    )
    assert doc["change_since_previous"]["sentence"] == "no change since 20 Feb"


def test_three_assessments_compare_with_the_first_and_the_previous(cli: Cli) -> None:
    first = assess_json(cli, "odi", "3,3,3,3,2,2,2,2,1,1", "2026-02-03")  # 44.0
    second = assess_json(cli, "odi", "2,2,2,2,2,2,1,1,1,1", "2026-02-20")  # 32.0
    doc = assess_json(cli, "odi", "2,2,2,2,2,1,1,1,1,1", "2026-03-05")  # 30.0
    since_first, since_previous = doc["change_since_first"], doc["change_since_previous"]
    assert since_first["since"] == "2026-02-03" and since_first["assessment_id"] == first["id"]
    assert (since_first["baseline"], since_first["latest"], since_first["change"]) == (
        44.0,
        30.0,
        -14.0,
    )
    assert since_first["clinically_important"] is True
    assert since_first["direction"] == "improved"
    assert since_first["sentence"] == (
        "down 14 points since 3 Feb — a clinically important improvement"
    )
    assert since_previous["assessment_id"] == second["id"]
    assert since_previous["clinically_important"] is False
    assert since_previous["sentence"] == (
        "down 2 points since 20 Feb — an improvement, but less than the 10 points or 30% that "
        "counts as clinically important"
    )
    res = cli("assess", "odi", "--answers", "4,4,4,4,4,4,4,4,4,4", "--date", "2026-03-06")
    assert "up 36 points since 3 Feb — a clinically important worsening" in res.stdout
    assert "up 50 points since 5 Mar — a clinically important worsening" in res.stdout


def test_other_instruments_and_later_results_are_not_compared(cli: Cli) -> None:
    assess_json(cli, "peg", "8,8,8", "2026-02-01")
    assess_json(cli, "odi", "2,2,2,2,2,2,1,1,1,1", "2026-03-01")
    backfilled = assess_json(cli, "odi", "3,3,3,3,2,2,2,2,1,1", "2026-02-15")
    assert backfilled["change_since_first"] is None  # the March one is later
    doc = assess_json(cli, "odi", "1,1,1,1,1,1,1,1,1,1", "2026-03-02")
    assert doc["change_since_first"]["since"] == "2026-02-15"
    assert doc["change_since_previous"]["since"] == "2026-03-01"


def test_a_result_from_another_year_names_the_year(cli: Cli) -> None:
    assess_json(cli, "rmdq", ",".join(["y"] * 12 + ["n"] * 12), "2025-12-03")
    doc = assess_json(cli, "rmdq", ",".join(["y"] * 4 + ["n"] * 20), "2026-01-10")
    assert doc["change_since_first"]["sentence"] == (
        "down 8 points since 3 Dec 2025 — a clinically important improvement"
    )


def test_startback_compares_risk_groups(cli: Cli) -> None:
    assess_json(cli, "startback", "y,y,y,y,y,y,y,y,4", "2026-01-05")  # high
    doc = assess_json(cli, "startback", "n,n,n,n,n,n,n,n,0", "2026-01-20")  # low
    assert doc["change_since_first"]["sentence"] == (
        "from high to low risk since 5 Jan — a lower risk group"
    )
    res = cli("assess", "startback", "--answers", "y,y,y,n,n,n,n,n,3", "--date", "2026-02-01")
    assert "from high to medium risk since 5 Jan — a lower risk group" in res.stdout
    assert "from low to medium risk since 20 Jan — a higher risk group" in res.stdout
    assert "first (high risk)" in res.stdout and "previous (low risk)" in res.stdout


def test_psfs_higher_is_better(cli: Cli) -> None:
    assess_json(cli, "psfs", "walking=2,gardening=3,lifting=4", "2026-01-05")  # 3.0
    doc = assess_json(cli, "psfs", "walking=6,gardening=6,lifting=6", "2026-01-20")
    assert doc["change_since_first"]["sentence"] == (
        "up 3 points since 5 Jan — a clinically important improvement"
    )


# --- clinic wording -----------------------------------------------------------------------------
def write_wording(home: Path, instrument: str, count: int, options: list[str]) -> Path:
    folder = home / "questionnaires"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{instrument}.yaml"
    lines = ["items:"]
    for n in range(1, count + 1):
        lines += [
            f'  - text: "Clinic wording {n}"',
            "    options: [" + ", ".join(f'"{o}"' for o in options) + "]",
        ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_the_clinic_wording_is_used_when_supplied(
    cli: Cli, backcare_home: Path, terminal: None
) -> None:
    write_wording(backcare_home, "odi", 10, [f"Clinic option {k}" for k in range(6)])
    res = cli(
        "assess", "odi", "--date", "2026-03-02", "--json", input="2\n2\n2\n2\n2\n2\n1\n1\n1\n1\n"
    )
    assert res.exit_code == 0, res
    assert "Clinic wording 1" in res.stderr and "Clinic wording 10" in res.stderr
    assert "Clinic option 5" in res.stderr
    assert ODI_SECTION_TOPICS[0] not in res.stderr
    assert "can supply it" not in res.stderr
    assert res.json()["score"] == 32.0


def test_without_clinic_wording_the_odi_shows_topics_and_says_how_to_supply_it(
    cli: Cli, backcare_home: Path, terminal: None
) -> None:
    res = cli("assess", "odi", "--date", "2026-03-02", input="2\n" * 10)
    assert res.exit_code == 0, res
    assert res.stderr.count("can supply it") == 1
    assert str(backcare_home / "questionnaires" / "odi.yaml") in " ".join(res.stderr.split())
    for topic in ODI_SECTION_TOPICS:
        assert topic in res.stderr
    assert "0 = no difficulty" in res.stderr
    assert "40.0% — moderate disability" in res.stdout


def test_clinic_wording_with_letters_for_yes_and_no(
    cli: Cli, backcare_home: Path, terminal: None
) -> None:
    write_wording(backcare_home, "rmdq", 24, ["Nein", "Ja"])
    res = cli("assess", "rmdq", "--json", input="j\n" * 5 + "n\n" * 19)
    assert res.exit_code == 0, res
    assert "Clinic wording 24" in res.stderr and "Ja" in res.stderr
    assert res.json()["score"] == 5


def test_a_broken_clinic_wording_file_is_named(
    cli: Cli, backcare_home: Path, terminal: None
) -> None:
    path = write_wording(backcare_home, "peg", 2, ["0", "1"])
    res = cli("assess", "peg", input="1\n1\n1\n")
    assert res.exit_code == 1
    assert str(path) in res.stderr and "has 3 items" in res.stderr
    assert "Traceback" not in res.output
    assert saved(backcare_home) == []


def test_clinic_wording_is_not_needed_with_answers(cli: Cli, backcare_home: Path) -> None:
    write_wording(backcare_home, "peg", 2, ["0", "1"])  # broken, and not read
    assert assess_json(cli, "peg", "1,2,3", "2026-03-02")["score"] == 2.0


# --- asking on a terminal -----------------------------------------------------------------------
def test_rmdq_is_asked_one_item_at_a_time(cli: Cli, backcare_home: Path, terminal: None) -> None:
    answers = ["y", "n", "yes", "NO", "1", "0"] + ["n"] * 18
    res = cli("assess", "rmdq", "--date", "2026-03-02", input="\n".join(answers) + "\n")
    assert res.exit_code == 0, res
    assert "Item 1 of 24" in res.stderr and "Item 24 of 24" in res.stderr
    assert "My back keeps me at home most of the time." in res.stderr
    assert "0 (n)  no" in res.stderr and "1 (y)  yes" in res.stderr
    assert "Roland-Morris Disability Questionnaire: 3/24" in res.stdout
    [record] = saved(backcare_home)
    assert record.answers == [True, False, True, False, True] + [False] * 19


def test_a_wrong_answer_is_asked_again_with_a_reason(
    cli: Cli, backcare_home: Path, terminal: None
) -> None:
    res = cli("assess", "peg", "--json", input="11\n\nseven\n[red]\n7\n5\n3\n")
    assert res.exit_code == 0, res
    assert res.stderr.count("is not an answer: type 0–10") == 3
    assert "Please give an answer: type 0–10" in res.stderr
    assert "'[red]' is not an answer" in res.stderr
    assert res.json()["answers"] == [7, 5, 3]


def test_odi_sections_can_be_skipped_with_enter_or_dash(cli: Cli, terminal: None) -> None:
    res = cli("assess", "odi", "--json", input="2\n\n2\n2\n2\n2\n2\n2\n-\n2\n")
    assert res.exit_code == 0, res
    assert res.stderr.count("Left unanswered") == 2
    doc = res.json()
    assert doc["answers"] == [2, None, 2, 2, 2, 2, 2, 2, None, 2]
    assert doc["score"] == 40.0 and doc["details"]["sections_answered"] == 8


def test_odi_needs_at_least_8_answered_sections(cli: Cli, terminal: None) -> None:
    """CLINICAL.md §9 (issue 11): no more than 2 of the 10 sections may be skipped."""
    res = cli("assess", "odi", "--json", input="-\n-\n-\n\n3\n" + "2\n" * 7)
    assert res.exit_code == 0, res
    assert res.stderr.count("a score needs at least 8 of the 10 sections answered") == 2
    doc = res.json()
    assert doc["details"]["sections_answered"] == 8 and doc["score"] == 42.5


def test_startback_accepts_agree_and_disagree_letters(cli: Cli, terminal: None) -> None:
    res = cli("assess", "startback", "--json", input="a\nd\ny\nn\nagree\n1\n0\nd\nvery much\n")
    assert res.exit_code == 0, res
    assert "0 (d)  disagree" in res.stderr and "4  extremely" in res.stderr
    doc = res.json()
    assert doc["answers"] == {
        "items": [True, False, True, False, True, True, False, False],
        "bothersomeness": 3,
    }
    assert (doc["score"], doc["band"]) == (5, "medium")


def test_psfs_asks_three_to_five_activities(cli: Cli, terminal: None) -> None:
    res = cli(
        "assess",
        "psfs",
        "--json",
        input="\nwalking\n12\n4\nWalking\na=b\ngardening\n6\nlifting\n3\n\n",
    )
    assert res.exit_code == 0, res
    assert "Please name an activity" in res.stderr
    assert "Please give a whole number from 0 to 10" in res.stderr
    assert "You have already rated that one" in res.stderr
    assert "That name contains ','" in res.stderr
    assert "or press Enter to finish" in res.stderr
    assert res.json()["answers"] == {"walking": 4, "gardening": 6, "lifting": 3}


def test_psfs_stops_after_five_activities(cli: Cli, terminal: None) -> None:
    pairs = [("walking", 1), ("sitting", 2), ("lifting", 3), ("stairs", 4), ("driving", 5)]
    typed = "".join(f"{name}\n{rating}\n" for name, rating in pairs)
    res = cli("assess", "psfs", "--json", input=typed)
    assert res.exit_code == 0, res
    assert res.json()["answers"] == dict(pairs) and res.json()["score"] == 3.0


def test_json_on_a_terminal_keeps_the_questions_off_stdout(cli: Cli, terminal: None) -> None:
    res = cli("assess", "peg", "--json", input="1\n2\n3\n")
    assert res.exit_code == 0, res
    assert res.json()["score"] == 2.0
    assert "Item 1 of 3" in res.stderr and "Item" not in res.stdout


def test_input_that_ends_early_saves_nothing(cli: Cli, backcare_home: Path, terminal: None) -> None:
    res = cli("assess", "rmdq", input="y\nn\n")
    assert res.exit_code == 130
    assert "stopped; nothing was saved" in res.stderr
    assert snapshot(backcare_home) == {}


def test_ctrl_c_saves_nothing(
    cli: Cli, backcare_home: Path, terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    typed = iter(["3", "4"])

    def ask(question: str) -> str:
        try:
            return next(typed)
        except StopIteration:
            raise KeyboardInterrupt from None

    monkeypatch.setattr("backcare.render.assess._ask", ask)
    res = cli("assess", "peg")
    assert res.exit_code == 130
    assert res.stderr.strip().endswith("backcare: stopped; nothing was saved")
    assert snapshot(backcare_home) == {}


def test_answers_given_on_a_terminal_are_not_asked(cli: Cli, terminal: None) -> None:
    res = cli("assess", "peg", "--answers", "1,2,3", "--json")  # no input: nothing is read
    assert res.exit_code == 0, res
    assert "Item" not in res.stderr


# --- properties ---------------------------------------------------------------------------------
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.booleans(), min_size=24, max_size=24))
def test_rmdq_score_is_the_number_of_yes_answers(cli: Cli, answers: list[bool]) -> None:
    text = ",".join("y" if a else "n" for a in answers)
    doc = assess_json(cli, "rmdq", text, "2026-03-02")
    assert doc["score"] == sum(answers)
    assert doc["change_since_first"] is None or doc["change_since_first"]["latest"] == sum(answers)


# --- a real terminal ----------------------------------------------------------------------------
def console_script() -> str | None:
    found = shutil.which("backcare") or str(Path(sys.executable).parent / "backcare")
    return found if found and os.access(found, os.X_OK) else None


def spawn(*args: str) -> Any:
    pexpect = pytest.importorskip("pexpect")
    script = console_script()
    if script is None:
        pytest.skip("the backcare console script is not installed")
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    return pexpect.spawn(script, list(args), env=env, encoding="utf-8", timeout=20)


@pytest.mark.pty
def test_rmdq_in_a_real_terminal(backcare_home: Path) -> None:
    import pexpect

    child = spawn("assess", "rmdq", "--date", "2026-03-02")
    child.expect("Item 1 of 24")
    child.expect(r"Your answer \(y/n, or 1/0\): ")
    child.sendline("maybe")
    child.expect("'maybe' is not an answer")
    for number in range(1, 25):
        if number > 1:
            child.expect(f"Item {number} of 24")
        child.expect(r"Your answer .*: ")
        child.sendline("y" if number <= 6 else "n")
    child.expect("Roland-Morris Disability Questionnaire: 6/24")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    [record] = saved(backcare_home)
    assert record.score == 6 and record.date.isoformat() == "2026-03-02"


@pytest.mark.pty
def test_ctrl_c_in_a_real_terminal_saves_nothing(backcare_home: Path) -> None:
    import pexpect

    child = spawn("assess", "peg")
    child.expect(r"Your answer .*: ")
    child.sendline("4")
    child.expect("Item 2 of 3")
    child.expect(r"Your answer .*: ")
    child.sendintr()
    child.expect("stopped; nothing was saved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert snapshot(backcare_home) == {}


# --- the numbers that judge change (issue 11, CLINICAL.md §9) ----------------------------------
@pytest.mark.parametrize(
    ("instrument", "first", "second"),
    [
        ("odi", "2,1,1,1,1,1,1,1,1,-", "1,1,1,1,1,1,1,0,0,-"),  # 10/45 -> 7/45: 22.2 -> 15.6
        ("peg", "7,7,6", "5,5,4"),  # 20/3 -> 14/3: 6.7 -> 4.7
    ],
)
def test_a_change_of_exactly_30_percent_is_important_from_the_unrounded_scores(
    cli: Cli, instrument: str, first: str, second: str
) -> None:
    assess_json(cli, instrument, first, "2026-03-02")
    doc = assess_json(cli, instrument, second, "2026-03-16")
    change = doc["change_since_first"]
    assert change["percent_change"] == -30.0  # rounded scores would give -29.7 / -29.9
    assert change["clinically_important"] is True


def test_psfs_results_rating_different_activities_get_no_verdict(cli: Cli) -> None:
    assess_json(cli, "psfs", "walking=3,stairs=4,sitting=5", "2026-03-02")
    doc = assess_json(cli, "psfs", "walking=6,stairs=7,gardening=9", "2026-03-16")
    change = doc["change_since_first"]
    assert change["direction"] == "activities differ"
    assert change["clinically_important"] is False and change["important_worsening"] is False
    assert "walking, stairs were rated both times" in change["note"]
    res = cli(
        "assess", "psfs", "--answers", "walking=6,stairs=7,gardening=9", "--date", "2026-03-17"
    )
    said = " ".join(res.stdout.split())
    assert "not compared" in said and "clinically important" not in said


def test_an_odi_with_fewer_than_8_sections_is_refused_and_the_rule_is_configurable(
    cli: Cli, backcare_home: Path
) -> None:
    res = cli("assess", "odi", "--answers", "2,2,2,2,2,2,2,-,-,-", "--date", "2026-03-02")
    assert res.exit_code == 2
    assert "at least 8 of its 10 sections answered" in res.stderr and "7 were" in res.stderr
    assert saved(backcare_home) == []
    backcare_home.mkdir(exist_ok=True)
    (backcare_home / "settings.yaml").write_text(
        "thresholds:\n  odi_min_sections: 7\n", encoding="utf-8"
    )
    assert assess_json(cli, "odi", "2,2,2,2,2,2,2,-,-,-", "2026-03-02")["score"] == 40.0


def test_the_patient_never_sees_fairbanks_crippled_or_bed_bound(
    cli: Cli, backcare_home: Path
) -> None:
    """Issue 11: plain words on the terminal; Fairbank's bands stay in the exports."""
    for answers, when, band, words in (
        ("4,4,4,3,3,3,3,3,3,3", "2026-03-02", "crippled", "very severe"),
        ("5,5,5,5,5,5,4,4,4,4", "2026-03-03", "bed-bound", "extreme"),
    ):
        res = cli("assess", "odi", "--answers", answers, "--date", when)
        assert res.exit_code == 0, res
        text = res.stdout.lower()
        assert "crippled" not in text and "bed-bound" not in text
        assert f"{words} disability" in text
        assert assess_json(cli, "odi", answers, when)["band"] == band
    history = cli("history", "--from", "2026-03-01", "--to", "2026-03-03").stdout.lower()
    assert "crippled" not in history and "very severe" in history
    out = backcare_home.parent / "export.json"
    assert (
        cli("export", "--format", "json", "--out", str(out), "--date", "2026-03-03").exit_code == 0
    )
    assert '"crippled"' in out.read_text(encoding="utf-8")
