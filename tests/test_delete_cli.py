"""`backcare delete ID`: a record is removed after asking, or with --yes; it is kept in the
audit trail, `undo` brings it back, and a red flag it reported stays (issue 14)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from conftest import Cli, snapshot

START = date(2026, 3, 2)
TODAY = date(2026, 3, 6)
DAY = TODAY - timedelta(days=1)


def count(cli: Cli, kind: str) -> int:
    res = cli("history", "--from", START.isoformat(), "--json")
    return len(res.json()[kind])


def test_delete_needs_yes_without_a_terminal(patient: Cli, backcare_home: Path) -> None:
    ident = patient("visit", "--date", DAY.isoformat(), "--json").json()["id"]
    before = snapshot(backcare_home, skip_cache=True)
    res = patient("delete", ident)
    assert res.exit_code == 2 and "--yes" in res.stderr and "the visit of 5 Mar 2026" in res.stderr
    assert snapshot(backcare_home, skip_cache=True) == before
    res = patient("delete", ident, "--yes")
    assert res.exit_code == 0, res.output
    assert "Deleted the visit of 5 Mar 2026" in res.stderr and "backcare undo" in res.stderr
    assert count(patient, "visits") == 0


def test_each_kind_of_record_can_be_deleted(patient: Cli) -> None:
    assert patient("log", "--date", DAY.isoformat()).exit_code == 0
    assert patient("assess", "peg", "--answers", "5,5,5", "--date", DAY.isoformat()).exit_code == 0
    assert patient("pain", "4", "--date", DAY.isoformat()).exit_code == 0
    doc = patient("history", "--from", START.isoformat(), "--json").json()
    ids = [r["id"] for kind in ("sessions", "pain_checkins", "assessments") for r in doc[kind]]
    assert len(ids) == 3 and f"p-{DAY.isoformat()}" in ids
    for ident in ids:
        res = patient("delete", ident, "--yes", "--json")
        assert res.exit_code == 0, res.output
        assert res.json()["id"] == ident
    doc = patient("history", "--from", START.isoformat(), "--json").json()
    assert doc["sessions"] == doc["pain_checkins"] == doc["assessments"] == []


def test_the_deleted_record_is_kept_in_the_audit_trail(patient: Cli, backcare_home: Path) -> None:
    assert patient("pain", "6", "--date", DAY.isoformat(), "--note", "bad day").exit_code == 0
    assert patient("delete", f"p-{DAY.isoformat()}", "--yes").exit_code == 0
    trail = json.loads((backcare_home / "corrections.json").read_text())["corrections"]
    (line,) = trail.values()
    assert (line["action"], line["id"], line["after"]) == ("delete", f"p-{DAY.isoformat()}", None)
    assert line["before"]["score"] == 6 and line["before"]["note"] == "bad day"


def test_an_unknown_id_is_refused(patient: Cli) -> None:
    res = patient("delete", "v-20260305-ffffffff", "--yes")
    assert res.exit_code == 1 and "no record has the id" in res.stderr
    assert "backcare history" in res.stderr


def test_deleting_a_red_flag_check_in_keeps_the_programme_stopped(patient: Cli) -> None:
    assert patient("pain", "3", "--date", DAY.isoformat(), "--symptom", "fever").exit_code == 3
    res = patient("delete", f"p-{DAY.isoformat()}", "--yes")
    assert res.exit_code == 0, res.output
    assert "stays stopped" in res.stderr and "a fever" in res.stderr
    assert count(patient, "pain_checkins") == 0
    assert patient("plan").exit_code == 3
    # Only a clinician's clearance lifts it.
    assert patient("init", "--cleared-by-clinician").exit_code == 0
    assert patient("plan").exit_code == 0


def test_deleting_a_red_flag_only_the_log_held_moves_it_into_the_profile(
    patient: Cli, tmp_path: Path
) -> None:
    data = json.loads(patient("export", "--format", "json", "--out", "-").stdout)
    data["pain_checkins"] = [
        {
            "date": DAY.isoformat(),
            "score": 3,
            "note": None,
            "symptoms": ["walking-change"],
            "flare": False,
        }
    ]
    path = tmp_path / "with-red-flag.json"
    path.write_text(json.dumps(data))
    assert patient("import", str(path)).exit_code == 0
    assert patient("plan").exit_code == 3
    res = patient("delete", f"p-{DAY.isoformat()}", "--yes")
    assert res.exit_code == 0 and "stays stopped" in res.stderr
    res = patient("plan")
    assert res.exit_code == 3 and "emergency" in res.stderr
