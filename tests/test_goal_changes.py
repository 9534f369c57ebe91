"""Goals and the profile through the journal (issue 24): `goal edit` and `goal delete`
exist, `undo` reverses a goal's add, done, edit and delete and a change to the profile, and
the audit trail keeps a goal's edit and delete."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, snapshot

START = date(2026, 3, 1)
TODAY = date(2026, 3, 20)


def goals(cli: Cli) -> list[dict[str, Any]]:
    res = cli("goal", "list", "--json")
    assert res.exit_code == 0, res.output
    return [{k: g[k] for k in ("id", "text", "by", "done_on")} for g in res.json()["goals"]]


def trail(cli: Cli) -> list[dict[str, Any]]:
    doc = cli("export", "--format", "json", "--out", "-").json()
    return [c for c in doc["corrections"] if c["record"] == "goals"]


def two_goals(cli: Cli) -> None:
    assert cli("goal", "add", "walk to the shop", "--date", "2026-03-02").exit_code == 0
    assert (
        cli(
            "goal", "add", "sit through a film", "--by", "2026-04-01", "--date", "2026-03-03"
        ).exit_code
        == 0
    )


def test_undo_after_goal_add_takes_the_goal_away_not_the_check_in_before(patient: Cli) -> None:
    """It once reversed a check-in made hours before, and left the goal."""
    assert patient("pain", "4", "--date", "2026-03-05").exit_code == 0
    assert patient("goal", "add", "walk to the shop", "--date", "2026-03-05").exit_code == 0
    res = patient("undo")
    assert res.exit_code == 0, res.output
    assert "Undone: goal 1, set on 5 Mar 2026; it is removed." in res.stderr
    assert goals(patient) == []
    checkins = patient("history", "--json").json()["pain_checkins"]
    assert [c["score"] for c in checkins] == [4]


def test_undo_reopens_a_goal_marked_done_by_mistake(patient: Cli) -> None:
    two_goals(patient)
    assert patient("goal", "done", "1", "--date", "2026-03-10").exit_code == 0
    res = patient("undo")
    assert "marked as reached; it is open again" in res.stderr
    assert [g["done_on"] for g in goals(patient)] == [None, None]


def test_goal_edit_changes_what_is_named_and_is_kept_in_the_audit_trail(patient: Cli) -> None:
    two_goals(patient)
    res = patient("goal", "edit", "2", "--text", "sit through  a whole film", "--by", "2026-04-15")
    assert res.exit_code == 0, res.output
    assert goals(patient)[1] == {
        "id": 2,
        "text": "sit through a whole film",
        "by": "2026-04-15",
        "done_on": None,
    }
    [line] = trail(patient)
    assert (line["action"], line["id"]) == ("edit", "g-2")
    assert line["before"]["text"] == "sit through a film"
    assert line["after"]["by"] == "2026-04-15"
    assert patient("undo").exit_code == 0
    assert goals(patient)[1]["text"] == "sit through a film"
    assert [c["action"] for c in trail(patient)] == ["edit", "undo"]


def test_goal_delete_asks_first_and_undo_brings_the_goal_back(
    patient: Cli, backcare_home: Path
) -> None:
    two_goals(patient)
    before = snapshot(backcare_home, skip_cache=True)
    refused = patient("goal", "delete", "1")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    assert snapshot(backcare_home, skip_cache=True) == before
    assert patient("goal", "delete", "1", "--yes").exit_code == 0
    assert [g["id"] for g in goals(patient)] == [2]
    assert [c["action"] for c in trail(patient)] == ["delete"]
    res = patient("undo")
    assert "Undone: the deletion of goal 1, set on 2 Mar 2026; it is back." in res.stderr
    assert [g["id"] for g in goals(patient)] == [1, 2]


def test_goal_edit_and_delete_refuse_what_they_cannot_do(patient: Cli, backcare_home: Path) -> None:
    two_goals(patient)
    before = snapshot(backcare_home, skip_cache=True)
    nothing = patient("goal", "edit", "1")
    assert nothing.exit_code == 2 and "--text, --by or --psfs" in nothing.stderr
    missing = patient("goal", "edit", "9", "--text", "run")
    assert missing.exit_code == 1 and "there is no goal 9" in missing.stderr
    early = patient("goal", "edit", "2", "--by", "2026-03-01")
    assert early.exit_code == 1 and "before goal 2 was set" in early.stderr
    same = patient("goal", "edit", "1", "--text", "walk to the shop")
    assert same.exit_code == 1 and "nothing was changed" in same.stderr
    assert patient("goal", "delete", "9", "--yes").exit_code == 1
    assert snapshot(backcare_home, skip_cache=True) == before


def test_a_goals_audit_lines_travel_with_an_export(
    patient: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another data folder imports the goal lines of an export's audit trail."""
    two_goals(patient)
    assert patient("goal", "edit", "1", "--by", "2026-05-01").exit_code == 0
    export = tmp_path / "export.json"
    assert patient("export", "--format", "json", "--out", str(export)).exit_code == 0
    monkeypatch.setenv("BACKCARE_HOME", str(tmp_path / "elsewhere"))
    res = patient("import", str(export))
    assert res.exit_code == 0, res.output
    [line] = trail(patient)
    assert (line["id"], line["after"]["by"]) == ("g-1", "2026-05-01")
    assert [g["by"] for g in goals(patient)] == ["2026-05-01", "2026-04-01"]


def test_undo_reverses_a_change_to_the_profile_but_never_a_red_flag(patient: Cli) -> None:
    assert (
        patient(
            "init",
            "--yes",
            "--no-red-flags",
            "--no-conditions",
            "--assessed",
            "--pain",
            "7",
            "--date",
            START.isoformat(),
        ).exit_code
        == 0
    )
    res = patient("undo")
    assert res.exit_code == 0, res.output
    assert "the change to your profile" in res.stderr
    assert (
        patient("export", "--format", "json", "--out", "-").json()["profile"]["baseline_pain"] == 5
    )
    # A red flag goes into the profile as its own write, which undo never takes back.
    assert patient("pain", "4", "--symptom", "bladder-bowel", "--date", "2026-03-10").exit_code == 3
    res = patient("undo")  # the check-in goes; the stop stays
    assert res.exit_code == 0 and "The programme stays stopped" in res.stderr
    assert "That was the last change that can be undone." in res.stderr
    assert patient("plan", "--json").exit_code == 3


def test_undo_takes_back_a_prescription_imported(patient: Cli, tmp_path: Path) -> None:
    rx = tmp_path / "rx.yaml"
    rx.write_text(
        "prescribed_by: A. Physio\nstart: 2026-03-16\nexercises:\n"
        "  - id: bridge\n    sets: 2\n    reps: 10\n"
    )
    assert patient("programme", "import", str(rx)).exit_code == 0
    assert patient("export", "--format", "json", "--out", "-").json()["programme"]
    res = patient("undo")
    assert res.exit_code == 0, res.output
    assert "Undone: the prescription imported; the prescription before it is back." in res.stderr
    doc = patient("export", "--format", "json", "--out", "-").json()
    assert doc["programme"] is None and doc["prescriptions"] == []
