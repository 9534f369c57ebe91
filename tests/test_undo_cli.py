"""`backcare undo`: the last change (a log, a check-in, an edit, a delete, an import…) is
reversed and named; a second undo reverses the one before, up to the last 20; the history
survives a restart; every undo is kept in the audit trail; and no undo lifts a red-flag
stop (issue 14)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, snapshot

START = date(2026, 3, 2)
TODAY = date(2026, 3, 6)
DAY = TODAY - timedelta(days=1)


def log(cli: Cli) -> dict[str, Any]:
    res = cli("history", "--from", "2026-01-01", "--json")
    assert res.exit_code == 0, res.output
    doc: dict[str, Any] = res.json()
    return doc


def test_undo_reverses_the_last_change_and_says_what_it_was(patient: Cli) -> None:
    ident = patient("log", "--date", DAY.isoformat(), "--json").json()["id"]
    res = patient("undo")
    assert res.exit_code == 0, res.output
    assert f"Undone: the session of 5 Mar 2026 ({ident}), logged; it is removed." in res.stderr
    assert log(patient)["sessions"] == []


def test_each_undo_reverses_the_change_before(patient: Cli, backcare_home: Path) -> None:
    empty = log(patient)
    ident = patient("log", "--date", DAY.isoformat(), "--json").json()["id"]
    assert patient("pain", "5", "--date", DAY.isoformat()).exit_code == 0
    assert patient("pain", "7", "--date", DAY.isoformat()).exit_code == 0  # replaces it
    assert patient("edit", ident, "--pain-after", "2").exit_code == 0
    assert patient("visit", "--date", DAY.isoformat()).exit_code == 0
    visit = log(patient)["visits"][0]["id"]
    assert patient("delete", visit, "--yes").exit_code == 0
    steps = [
        ("the deletion of the visit of 5 Mar 2026", lambda d: len(d["visits"]) == 1),
        ("the visit of 5 Mar 2026", lambda d: d["visits"] == []),
        ("the edit of the session of 5 Mar 2026", lambda d: d["sessions"][0]["pain_after"] is None),
        ("which replaced an earlier one", lambda d: d["pain_checkins"][0]["score"] == 5),
        ("the pain check-in of 5 Mar 2026", lambda d: d["pain_checkins"] == []),
        ("the session of 5 Mar 2026", lambda d: d["sessions"] == []),
    ]
    for words, holds in steps:
        res = patient("undo")
        assert res.exit_code == 0, res.output
        assert words in res.stderr, res.stderr
        assert holds(log(patient)), (words, log(patient))
    assert log(patient) == empty
    res = patient("undo")
    assert res.exit_code == 1 and "nothing to undo" in res.stderr
    # Every correction and every undo is in the audit trail, none taken back out.
    trail = json.loads((backcare_home / "corrections.json").read_text())["corrections"]
    actions = [line["action"] for line in trail.values()]
    assert actions.count("undo") == 6 and {"edit", "delete", "replace"} <= set(actions)


def test_undo_reaches_back_twenty_changes(patient: Cli) -> None:
    days = [TODAY - timedelta(days=n) for n in range(22)]
    for d in days:
        assert patient("pain", "3", "--date", d.isoformat()).exit_code == 0
    for n in range(20):
        res = patient("undo")
        assert res.exit_code == 0, res.output
        assert f"the pain check-in of {days[-1 - n].day} " in res.stderr
        assert (
            (f"{19 - n} more change" in res.stderr)
            if n < 19
            else "That was the last change that can be undone." in res.stderr
        )
    res = patient("undo")
    assert res.exit_code == 1 and "keeps the last 20" in res.stderr
    # The two first check-ins stay: they are beyond the last 20 changes.
    assert [c["date"] for c in log(patient)["pain_checkins"]] == sorted(
        d.isoformat() for d in days[:2]
    )


def test_undo_reverses_an_import(patient: Cli, tmp_path: Path) -> None:
    before = log(patient)
    doc = json.loads(patient("export", "--format", "json", "--out", "-").stdout)
    doc["sessions"] = [
        {
            "date": DAY.isoformat(),
            "pain_before": None,
            "pain_after": None,
            "note": None,
            "exercises": [
                {
                    "exercise_id": "walking",
                    "status": "done",
                    "sets": None,
                    "reps": None,
                    "hold_seconds": None,
                    "duration_minutes": 20,
                    "pain": None,
                }
            ],
        }
    ]
    doc["visits"] = [{"date": DAY.isoformat(), "kind": "other", "note": None}]
    path = tmp_path / "other-program.json"
    path.write_text(json.dumps(doc))
    assert patient("import", str(path)).exit_code == 0
    assert len(log(patient)["sessions"]) == 1
    res = patient("undo")
    assert res.exit_code == 0, res.output
    assert f"the import of {path} (2 records)" in res.stderr
    assert "what it added is removed" in res.stderr
    assert log(patient) == before


def test_undo_of_an_import_keeps_a_profile_that_holds_a_red_flag(cli: Cli, tmp_path: Path) -> None:
    doc = {
        "format": "backcare-export",
        "version": 1,
        "exported_at": "2026-03-06T10:00:00Z",
        "profile": {"start_date": START.isoformat(), "red_flags": ["fever"]},
        "sessions": [],
        "pain_checkins": [],
        "assessments": [],
        "visits": [],
        "goals": [],
        "programme": None,
    }
    path = tmp_path / "flagged.json"
    path.write_text(json.dumps(doc))
    assert cli("import", str(path)).exit_code == 0
    assert cli("plan").exit_code == 3
    res = cli("undo")
    assert res.exit_code == 0 and "profile from that import is kept" in res.stderr
    assert cli("plan").exit_code == 3


def test_undoing_a_red_flag_check_in_keeps_the_programme_stopped(patient: Cli) -> None:
    assert patient("pain", "3", "--date", DAY.isoformat(), "--symptom", "night-pain").exit_code == 3
    res = patient("undo")
    assert res.exit_code == 0, res.output
    assert "stays stopped" in res.stderr and log(patient)["pain_checkins"] == []
    assert patient("plan").exit_code == 3
    assert patient("init", "--cleared-by-clinician").exit_code == 0
    assert patient("plan").exit_code == 0


def test_undoing_the_deletion_of_a_red_flag_check_in_reports_it_again(patient: Cli) -> None:
    assert patient("init", "--cleared-by-clinician").exit_code == 0
    assert patient("pain", "3", "--date", TODAY.isoformat(), "--symptom", "fever").exit_code == 3
    assert patient("delete", f"p-{TODAY.isoformat()}", "--yes").exit_code == 0
    assert patient("init", "--cleared-by-clinician").exit_code == 0
    assert patient("plan").exit_code == 0
    # Undo reverses the clearance first (issue 21): the stop is back.
    res = patient("undo")
    assert res.exit_code == 0 and "clearance" in res.stderr
    assert patient("plan").exit_code == 3
    # Then the deletion: the check-in comes back, and the programme stays stopped.
    assert patient("undo").exit_code == 0
    assert patient("history", "--json").json()["pain_checkins"]
    assert patient("plan").exit_code == 3


def test_undo_json(patient: Cli) -> None:
    assert patient("visit", "--date", DAY.isoformat()).exit_code == 0
    res = patient("undo", "--json")
    assert res.exit_code == 0
    doc = res.json()
    assert doc["undone"] == "visit" and doc["remaining"] == 0
    assert doc["summary"].startswith("the visit of 5 Mar 2026")


def test_a_refused_undo_writes_nothing(patient: Cli, backcare_home: Path) -> None:
    before = snapshot(backcare_home, skip_cache=True)
    res = patient("undo")
    assert res.exit_code == 1 and len(res.stderr.strip().splitlines()) == 1
    assert snapshot(backcare_home, skip_cache=True) == before


# --- across a restart: each command its own process --------------------------------------------


def script() -> str:
    exe = shutil.which("backcare") or str(Path(sys.executable).parent / "backcare")
    if not Path(exe).exists():
        pytest.skip("the backcare console script is not installed")
    return exe


def test_undo_history_survives_a_restart(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "BACKCARE_HOME": str(tmp_path / "home"),
        "NO_COLOR": "1",
        "BACKCARE_TODAY": TODAY.isoformat(),
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [script(), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            stdin=subprocess.DEVNULL,
        )

    assert (
        run(
            "init",
            "--no-red-flags",
            "--no-conditions",
            "--assessed",
            "--pain",
            "4",
            "--yes",
            "--date",
            START.isoformat(),
        ).returncode
        == 0
    )
    session = json.loads(run("log", "--date", DAY.isoformat(), "--json").stdout)["id"]
    assert run("edit", session, "--pain-after", "6").returncode == 0
    assert run("pain", "4", "--date", DAY.isoformat()).returncode == 0
    assert run("delete", f"p-{DAY.isoformat()}", "--yes").returncode == 0
    for words in (
        "the deletion of the pain check-in",
        "the pain check-in of 5 Mar 2026",
        "the edit of the session",
        "the session of 5 Mar 2026",
    ):
        res = run("undo")
        assert res.returncode == 0 and words in res.stderr, res.stderr
        hist = json.loads(run("history", "--from", START.isoformat(), "--json").stdout)
        if words == "the edit of the session":
            assert hist["sessions"][0]["pain_after"] is None
    assert (
        json.loads(run("history", "--from", START.isoformat(), "--json").stdout)["sessions"] == []
    )
