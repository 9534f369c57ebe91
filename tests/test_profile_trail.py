"""Every change of the profile is a line in the audit trail (issue 21): a re-run of init, a
routine swap, a clinician's clearance, a red flag kept from a check-in, and the undo of each.
A re-run of init once rewrote the baseline pain unseen; now its before and after are kept,
exported, imported, and read by the clinic like the log's corrections."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, Killed

from backcare.domain.trail import replay
from backcare.storage import journal

TODAY = date(2026, 3, 10)
START = date(2026, 3, 1)


def profile_lines(home: Path) -> list[dict[str, Any]]:
    path = home / "corrections.json"
    if not path.exists():
        return []
    lines = json.loads(path.read_text())["corrections"].values()
    return [line for line in lines if line["record"] == "profile"]


def exported(cli: Cli) -> dict[str, Any]:
    res = cli("export", "--format", "json", "--out", "-")
    assert res.exit_code == 0, res.output
    doc: dict[str, Any] = res.json()
    return doc


def test_a_re_run_of_init_is_one_line_with_the_values_before_and_after(
    patient: Cli, backcare_home: Path
) -> None:
    res = patient(
        "init",
        "--no-red-flags",
        "--no-conditions",
        "--pain",
        "3",
        "--minutes",
        "30",
        "--yes",
        "--date",
        START.isoformat(),
    )
    assert res.exit_code == 0, res.output
    assert "pain at the start: 5 → 3" in res.stdout
    [line] = profile_lines(backcare_home)
    assert line["action"] == "edit" and line["id"] == "profile"
    assert (line["before"]["baseline_pain"], line["after"]["baseline_pain"]) == (5, 3)
    assert (line["before"]["minutes_per_day"], line["after"]["minutes_per_day"]) == (20, 30)
    assert line["before"]["start_date"] == line["after"]["start_date"] == START.isoformat()
    # The export carries it, without the data folder's own bookkeeping.
    [sent] = [c for c in exported(patient)["corrections"] if c["record"] == "profile"]
    assert "key" not in sent and "change" not in sent
    assert sent["before"]["baseline_pain"] == 5


def test_undo_of_a_profile_change_is_a_line_of_its_own(patient: Cli, backcare_home: Path) -> None:
    assert (
        patient("init", "--no-red-flags", "--no-conditions", "--pain", "3", "--yes").exit_code == 0
    )
    res = patient("undo")
    assert res.exit_code == 0, res.output
    edit, undo = profile_lines(backcare_home)
    assert undo["action"] == "undo"
    assert undo["before"] == edit["after"] and undo["after"] == edit["before"]
    progress = patient("progress", "--json").json()
    assert progress["pain"]["baseline"] == 5


def test_a_change_that_changes_nothing_adds_no_line(patient: Cli, backcare_home: Path) -> None:
    res = patient(
        "init",
        "--no-red-flags",
        "--no-conditions",
        "--assessed",
        "--pain",
        "5",
        "--yes",
        "--date",
        START.isoformat(),
    )
    assert res.exit_code == 0, res.output
    assert profile_lines(backcare_home) == []


def test_a_routine_swap_and_its_undo_are_in_the_trail(patient: Cli, backcare_home: Path) -> None:
    routine = [r["exercise_id"] for r in patient("plan", "--json").json()["routine"]]
    assert "cat-cow" in routine and "pelvic-tilt" not in routine
    out, to = "cat-cow", "pelvic-tilt"
    res = patient("plan", "swap", out, "--to", to)
    assert res.exit_code == 0, res.output
    [line] = profile_lines(backcare_home)
    assert "routine_swaps" not in line["before"]
    assert [(s["out"], s["in"]) for s in line["after"]["routine_swaps"]] == [(out, to)]
    assert patient("undo").exit_code == 0
    assert [x["action"] for x in profile_lines(backcare_home)] == ["edit", "undo"]


def test_a_red_flag_and_its_clearance_are_in_the_trail(patient: Cli, backcare_home: Path) -> None:
    """The red flag a check-in keeps in the profile is no undoable step (CLINICAL.md §5),
    but it is a change of the profile, and the trail says so; so is the clearance."""
    assert patient("pain", "4", "--symptom", "bladder-bowel").exit_code == 3
    [flag] = profile_lines(backcare_home)
    assert flag["before"]["red_flags"] == [] and flag["after"]["red_flags"] == ["bladder-bowel"]
    assert patient("clear", "--by", "Dr Okafor").exit_code == 0
    flag, cleared = profile_lines(backcare_home)
    assert cleared["before"]["cleared_by_clinician"] is False
    assert cleared["after"]["cleared_by_clinician"] is True
    assert patient("undo").exit_code == 0
    *_, undone = profile_lines(backcare_home)
    assert undone["action"] == "undo" and undone["after"]["cleared_by_clinician"] is False


def test_profile_lines_import_once_and_round_trip(
    patient: Cli, cli: Cli, backcare_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        patient("init", "--no-red-flags", "--no-conditions", "--pain", "3", "--yes").exit_code == 0
    )
    doc = exported(patient)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(doc))
    other = tmp_path / "other"
    monkeypatch.setenv("BACKCARE_HOME", str(other))
    for _ in range(2):
        res = cli("import", str(path))
        assert res.exit_code == 0, res.output
    [line] = profile_lines(other)
    assert line["before"]["baseline_pain"] == 5 and line["after"]["baseline_pain"] == 3


def test_a_profile_line_with_an_impossible_value_is_refused_on_import(
    patient: Cli, cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert (
        patient("init", "--no-red-flags", "--no-conditions", "--pain", "3", "--yes").exit_code == 0
    )
    doc = exported(patient)
    [line] = [c for c in doc["corrections"] if c["record"] == "profile"]
    line["before"]["baseline_pain"] = 99
    path = tmp_path / "export.json"
    path.write_text(json.dumps(doc))
    monkeypatch.setenv("BACKCARE_HOME", str(tmp_path / "other"))
    res = cli("import", str(path))
    assert res.exit_code == 1, res.output
    assert "baseline_pain" in res.stderr and "corrections" in res.stderr
    assert not (tmp_path / "other" / "corrections.json").exists()


def test_the_clinic_replay_leaves_the_profile_to_travel_whole() -> None:
    line = {
        "at": "2026-03-02T09:00:00+00:00",
        "action": "edit",
        "record": "profile",
        "id": "profile",
        "date": "2026-03-02",
        "before": {"baseline_pain": 5},
        "after": {"baseline_pain": 3},
    }
    assert replay([line]) == {}


def test_a_crash_before_the_change_is_confirmed_takes_its_line_out_too(
    patient: Cli, backcare_home: Path, cut_before_confirming: Callable[[], None]
) -> None:
    """The re-run of init died with every file written, its entry still pending: the next
    command rolls back the profile and its audit line together."""
    cut_before_confirming()
    with pytest.raises(Killed):
        patient("init", "--no-red-flags", "--no-conditions", "--pain", "3", "--yes")
    assert len(profile_lines(backcare_home)) == 1  # written, not yet confirmed
    assert patient("progress", "--json").json()["pain"]["baseline"] == 5
    assert profile_lines(backcare_home) == []


def _entry(ops: list[dict[str, Any]], action: str = "profile") -> dict[str, Any]:
    return {"change": "abc", "action": action, "summary": "the change to your profile", "ops": ops}


PROFILE_LINE_OP = {
    "table": "corrections",
    "before": None,
    "slot": None,
    "audit": True,
    "after": {"key": f"abc:{journal.PROFILE_TAG}0", "date": None},
}


@pytest.mark.parametrize("action", ["profile", "swap"])
def test_an_entry_may_name_its_profile_line_only_beside_the_profile(
    action: str, patient: Cli, backcare_home: Path
) -> None:
    whole = json.loads((backcare_home / "backcare.json").read_text())["profile"]

    def with_profile() -> list[dict[str, Any]]:
        return [{"table": "profile", "whole": whole}, dict(PROFILE_LINE_OP)]

    assert journal.content_problem(_entry(with_profile(), action)) is None
    twice = [*with_profile(), dict(PROFILE_LINE_OP)]
    assert journal.content_problem(_entry(twice, action)) is not None
    alone = [dict(PROFILE_LINE_OP)]
    problem = journal.content_problem(_entry(alone, "checkin"))
    assert problem is not None and "profile" in problem
