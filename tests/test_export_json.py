"""`backcare export --format json`, and what every export shares: --out, --force, 0600."""

from __future__ import annotations

import json
import os
import stat
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import export_document

from backcare.domain.document import FORMAT, VERSION
from backcare.domain.models import (
    Assessment,
    Dose,
    ExerciseLog,
    PainCheckin,
    PrescribedItem,
    Prescription,
    Profile,
    Session,
    Visit,
)
from backcare.domain.scoring import StartBackAnswers, score
from backcare.storage import Store

D = date.fromisoformat


def seed(home: Path) -> Store:
    """A data folder with one of everything, including awkward values."""
    s = Store(home)
    s.save_profile(
        Profile(
            start_date=D("2026-03-02"),
            baseline_pain=6,
            minutes_per_day=25,
            days_per_week=5,
            equipment=["none", "mat"],
            avoid_positions=["kneeling"],
            created=D("2026-03-02"),
        )
    )
    s.save_programme(
        Prescription(
            (
                PrescribedItem(
                    "bridge", Dose(sets=2, reps=10, hold_seconds=5), ("mon", "wed"), "squeeze"
                ),
                PrescribedItem("walking", Dose(duration_minutes=15)),
            ),
            "A. Physio",
            D("2026-03-02"),
            False,
        )
    )
    s.add_session(
        Session(
            "s-20260302-aaaa0001",
            D("2026-03-02"),
            (
                ExerciseLog("bridge", "done", Dose(sets=2, reps=10, hold_seconds=5), 3),
                ExerciseLog("walking", "partial", Dose(duration_minutes=10), None),
                ExerciseLog("my-own-exercise", "skipped", Dose()),
            ),
            5,
            4,
            "Café, “quotes”, ünïcode ✓\nsecond line",
        )
    )
    s.add_session(
        Session(
            "s-20260401-bbbb0002",
            D("2026-04-01"),
            (ExerciseLog("bridge", "done", Dose(sets=2, reps=10, hold_seconds=5), 7),),
            None,
            None,
        )
    )
    s.put_checkin(PainCheckin(D("2026-03-02"), 6, "stiff", ("tingling",), False))
    s.put_checkin(PainCheckin(D("2026-03-03"), 7, None, (), True))
    s.put_checkin(PainCheckin(D("2026-04-02"), 4))
    answers = {
        "odi": [3, 2, None, 2, 2, 3, 2, 3, 2, 2],
        "rmdq": [True] * 5 + [False] * 19,
        "startback": StartBackAnswers((True,) * 5 + (False,) * 3, 3),
        "psfs": {"walking": 4, "sitting": 6, "lifting": 3},
        "peg": [5, 6, 4],
    }
    for i, (inst, given) in enumerate(answers.items()):
        scored = score(inst, given)  # type: ignore[arg-type]
        s.add_assessment(
            Assessment(
                f"a-2026030{i + 2}-{inst}",
                D(f"2026-03-0{i + 2}"),
                inst,
                scored.answers_json,
                scored.score,
                scored.band,
            )
        )
    s.add_visit(Visit("v-20260310-cccc0003", D("2026-03-10"), "manual-therapy", "L4-L5"))
    s.add_goal("walk to the shop", D("2026-03-02"), D("2026-04-30"), None)
    goal = s.add_goal("sit through a film", D("2026-03-03"), None, "sitting")
    s.complete_goal(goal.id, D("2026-03-20"))
    return s


def without_stamp(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "exported_at"}


def test_the_document_has_every_part_of_the_contract(backcare_home: Path) -> None:
    s = seed(backcare_home)
    doc = export_document(s, None, None, "2026-04-05T10:00:00+01:00")
    assert doc["format"] == FORMAT == "backcare-export" and doc["version"] == VERSION == 1
    assert doc["exported_at"] == "2026-04-05T10:00:00+01:00"
    assert set(doc) >= {
        "profile",
        "sessions",
        "pain_checkins",
        "assessments",
        "visits",
        "goals",
        "programme",
    }
    session = doc["sessions"][0]
    assert set(session) >= {"id", "date", "pain_before", "pain_after", "note", "exercises"}
    assert set(session["exercises"][0]) >= {
        "exercise_id",
        "status",
        "sets",
        "reps",
        "hold_seconds",
        "duration_minutes",
        "pain",
    }
    assert set(doc["pain_checkins"][0]) >= {"date", "score", "note", "symptoms", "flare"}
    assert set(doc["assessments"][0]) >= {"date", "instrument", "answers", "score", "band"}
    assert set(doc["visits"][0]) >= {"date", "kind", "note"}
    assert doc["profile"]["baseline_pain"] == 6
    assert doc["programme"]["prescribed_by"] == "A. Physio"
    assert [g["text"] for g in doc["goals"]] == ["walk to the shop", "sit through a film"]
    assert len(doc["assessments"]) == 5


def test_from_and_to_limit_the_log_but_not_profile_goals_or_programme(backcare_home: Path) -> None:
    s = seed(backcare_home)
    doc = export_document(s, D("2026-04-01"), D("2026-04-30"), "x")
    assert [x["id"] for x in doc["sessions"]] == ["s-20260401-bbbb0002"]
    assert [c["date"] for c in doc["pain_checkins"]] == ["2026-04-02"]
    assert doc["assessments"] == [] and doc["visits"] == []
    assert doc["profile"] is not None and len(doc["goals"]) == 2


def test_an_empty_data_folder_exports_an_empty_document(cli, tmp_path: Path) -> None:
    out = tmp_path / "empty.json"
    res = cli("export", "--format", "json", "--out", str(out))
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text("utf-8"))
    assert doc["profile"] is None and doc["programme"] is None and doc["sessions"] == []


def test_round_trip_into_an_empty_folder_is_exact(
    cli, backcare_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(backcare_home)
    first = tmp_path / "first.json"
    assert cli("export", "--format", "json", "--out", str(first)).exit_code == 0
    monkeypatch.setenv("BACKCARE_HOME", str(tmp_path / "elsewhere"))
    res = cli("import", str(first), "--json")
    assert res.exit_code == 0, res.output
    assert res.json()["added"] == {
        "sessions": 2,
        "pain_checkins": 3,
        "assessments": 5,
        "visits": 1,
        "goals": 2,
    }
    second = tmp_path / "second.json"
    assert cli("export", "--format", "json", "--out", str(second)).exit_code == 0
    a, b = (json.loads(p.read_text("utf-8")) for p in (first, second))
    assert without_stamp(a) == without_stamp(b)
    assert a["sessions"][0]["note"] == "Café, “quotes”, ünïcode ✓\nsecond line"


def test_json_flag_prints_format_out_and_records(cli, backcare_home: Path, tmp_path: Path) -> None:
    seed(backcare_home)
    out = tmp_path / "e.json"
    res = cli("export", "--format", "json", "--out", str(out), "--json")
    assert res.exit_code == 0
    assert res.json() == {"format": "json", "out": str(out), "records": 11}


@pytest.mark.parametrize("fmt", ["json", "csv", "fhir", "ics"])
def test_never_overwrites_without_force_and_writes_0600(
    cli, backcare_home: Path, tmp_path: Path, fmt: str
) -> None:
    seed(backcare_home)
    out = tmp_path / f"export.{fmt}"
    out.write_text("precious")
    res = cli("export", "--format", fmt, "--out", str(out), "--date", "2026-04-06")
    assert res.exit_code == 1
    assert "already exists" in res.stderr and "--force" in res.stderr
    assert "Traceback" not in res.output
    assert out.read_text() == "precious"
    res = cli("export", "--format", fmt, "--out", str(out), "--date", "2026-04-06", "--force")
    assert res.exit_code == 0, res.output
    assert out.read_bytes() != b"precious"
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp left


def test_new_files_are_private(cli, tmp_path: Path) -> None:
    out = tmp_path / "new.json"
    old = os.umask(0o022)
    try:
        assert cli("export", "--format", "json", "--out", str(out)).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_out_is_required(cli) -> None:
    res = cli("export", "--format", "json")
    assert res.exit_code == 2
    assert "--out" in res.output


def test_an_unknown_format_is_a_usage_error_listing_the_formats(cli, tmp_path: Path) -> None:
    res = cli("export", "--format", "xml", "--out", str(tmp_path / "x"))
    assert res.exit_code == 2
    for name in ("json", "csv", "fhir", "pdf", "ics"):
        assert name in res.output
    assert not (tmp_path / "x").exists()


def test_out_in_a_missing_folder_or_a_folder_is_refused(cli, tmp_path: Path) -> None:
    res = cli("export", "--format", "json", "--out", str(tmp_path / "nope" / "e.json"))
    assert res.exit_code == 1 and "does not exist" in res.stderr
    res = cli("export", "--format", "json", "--out", str(tmp_path), "--force")
    assert res.exit_code == 1 and "is a folder" in res.stderr


def test_from_after_to_is_refused(cli, tmp_path: Path) -> None:
    res = cli(
        "export",
        "--format",
        "json",
        "--out",
        str(tmp_path / "e.json"),
        "--from",
        "2026-04-02",
        "--to",
        "2026-04-01",
    )
    assert res.exit_code == 1 and "--from" in res.stderr
    res = cli(
        "export", "--format", "json", "--out", str(tmp_path / "e.json"), "--from", "2026-02-30"
    )
    assert res.exit_code == 2 and "--from" in res.stderr


def test_out_dash_writes_the_document_to_stdout(cli, backcare_home: Path, tmp_path: Path) -> None:
    seed(backcare_home)
    res = cli("export", "--format", "json", "--out", "-")
    assert res.exit_code == 0, res.output
    out = tmp_path / "same.json"
    assert cli("export", "--format", "json", "--out", str(out)).exit_code == 0
    streamed, written = json.loads(res.stdout), json.loads(out.read_text("utf-8"))
    streamed.pop("exported_at"), written.pop("exported_at")
    assert streamed == written
    assert not (Path.cwd() / "-").exists()  # not a file named "-"


def test_out_dash_and_json_cannot_share_stdout(cli) -> None:
    res = cli("export", "--format", "json", "--out", "-", "--json")
    assert res.exit_code == 2 and "--json cannot be used with --out -" in res.stderr
    assert res.stdout == ""


# --- the audit trail and the history of prescriptions (issue 14) ---------------------------


def corrected(cli: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """A folder with an edit, a delete and a replaced check-in; its export."""
    monkeypatch.setenv("BACKCARE_TODAY", "2026-03-06")
    assert (
        cli(
            "init",
            "--yes",
            "--no-red-flags",
            "--no-conditions",
            "--assessed",
            "--pain",
            "5",
            "--date",
            "2026-03-02",
        ).exit_code
        == 0
    )
    session = cli("log", "--date", "2026-03-03", "--json").json()["id"]
    assert cli("edit", session, "--pain-after", "3").exit_code == 0
    visit = cli("visit", "--date", "2026-03-04", "--json").json()["id"]
    assert cli("delete", visit, "--yes").exit_code == 0
    assert cli("pain", "6", "--date", "2026-03-05").exit_code == 0
    assert cli("pain", "4", "--date", "2026-03-05").exit_code == 0
    res = cli("export", "--format", "json", "--out", "-")
    assert res.exit_code == 0, res.output
    doc: dict[str, Any] = json.loads(res.stdout)
    return doc


def test_the_export_carries_the_audit_trail(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = corrected(cli, monkeypatch)
    trail = doc["corrections"]
    assert [(c["action"], c["record"]) for c in trail] == [
        ("edit", "sessions"),
        ("delete", "visits"),
        ("replace", "pain_checkins"),
    ]
    edit, delete, replace = trail
    assert edit["before"]["pain_after"] is None and edit["after"]["pain_after"] == 3
    assert delete["after"] is None and delete["before"]["kind"] == "other"
    assert replace["before"]["score"] == 6 and replace["after"]["score"] == 4
    assert all(c["at"].startswith("2026-03-06T") for c in trail)
    assert all(
        set(c) == {"at", "action", "record", "id", "date", "before", "after"} for c in trail
    )  # the data folder's own bookkeeping stays in it


def test_import_restores_the_audit_trail_exactly(
    cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    first = corrected(cli, monkeypatch)
    path = tmp_path / "first.json"
    path.write_text(json.dumps(first))
    monkeypatch.setenv("BACKCARE_HOME", str(tmp_path / "elsewhere"))
    assert cli("import", str(path)).exit_code == 0
    assert cli("import", str(path)).exit_code == 0  # twice: nothing is added twice
    second = json.loads(cli("export", "--format", "json", "--out", "-").stdout)
    assert without_stamp(first) == without_stamp(second)
    table = cli("history", "--from", "2026-03-01").stdout
    assert table.count("edited on 6 Mar 2026") == 2  # the session, and the check-in


def test_the_period_limits_the_audit_trail_to_its_records(
    cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    corrected(cli, monkeypatch)
    res = cli("export", "--format", "json", "--out", "-", "--from", "2026-03-05")
    assert [c["record"] for c in json.loads(res.stdout)["corrections"]] == ["pain_checkins"]


def test_a_version_1_file_without_the_new_keys_still_imports(
    cli, backcare_home: Path, tmp_path: Path
) -> None:
    seed(backcare_home)
    doc = json.loads(cli("export", "--format", "json", "--out", "-").stdout)
    del doc["corrections"], doc["prescriptions"]
    path = tmp_path / "older.json"
    path.write_text(json.dumps(doc))
    res = cli("import", str(path), "--json")
    assert res.exit_code == 0, res.output
    assert res.json()["skipped"]["sessions"] == 2  # all there already: nothing added
    assert doc["version"] == 1


def test_the_history_of_prescriptions_goes_with_the_export(
    cli, backcare_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(backcare_home)
    Store(backcare_home).set_programme(None, D("2026-03-20"), D("2026-03-20"))
    doc = json.loads(cli("export", "--format", "json", "--out", "-").stdout)
    assert [(p["from"], p["event"]) for p in doc["prescriptions"]] == [
        ("2026-03-02", "imported"),
        ("2026-03-20", "cleared"),
    ]
    assert doc["programme"] is None
    path = tmp_path / "cleared.json"
    path.write_text(json.dumps(doc))
    monkeypatch.setenv("BACKCARE_HOME", str(tmp_path / "elsewhere"))
    assert cli("import", str(path)).exit_code == 0
    again = json.loads(cli("export", "--format", "json", "--out", "-").stdout)
    assert without_stamp(again) == without_stamp(doc)
