"""Every command that records or reports takes --date (CONTRACT.md), and what it writes
follows it: programme import, show and export, delete, the JSON export's exported_at and the
profile's created (issue 23)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

TODAY = date(2026, 3, 9)
START = date(2026, 3, 2)


def run(cli: Any, *args: str) -> Any:
    res = cli(*args)
    assert res.exit_code == 0, res.output
    return res


def prescription(tmp_path: Path, name: str, exercise: str, start: str | None = None) -> str:
    path = tmp_path / name
    head = f"start: {start}\n" if start else ""
    path.write_text(f"{head}exercises:\n  - id: {exercise}\n    sets: 2\n    reps: 8\n", "utf-8")
    return str(path)


def test_programme_import_starts_on_date_by_default(patient: Any, tmp_path: Path) -> None:
    res = run(
        patient,
        "programme",
        "import",
        prescription(tmp_path, "rx.yaml", "bridge"),
        "--date",
        "2026-03-05",
        "--json",
    )
    assert res.json()["applies_from"] == "2026-03-05"
    plan = run(patient, "plan", "--json", "--date", "2026-03-04").json()
    assert plan["mode"] != "prescribed"  # the days before keep the plan they had
    assert run(patient, "plan", "--json", "--date", "2026-03-05").json()["mode"] == "prescribed"


def test_programme_show_and_export_give_the_prescription_of_date(
    patient: Any, tmp_path: Path
) -> None:
    run(
        patient,
        "programme",
        "import",
        prescription(tmp_path, "a.yaml", "bridge"),
        "--date",
        "2026-03-02",
    )
    run(
        patient,
        "programme",
        "import",
        prescription(tmp_path, "b.yaml", "clam", "2026-03-06"),
        "--date",
        "2026-03-03",
    )
    shown = run(patient, "programme", "show", "--json", "--date", "2026-03-04").json()
    assert [e["id"] for e in shown["exercises"]] == ["bridge"]
    later = run(patient, "programme", "show", "--json", "--date", "2026-03-07").json()
    assert [e["id"] for e in later["exercises"]] == ["clam"]
    out = tmp_path / "careplan.json"
    run(
        patient,
        "programme",
        "export",
        "--format",
        "fhir",
        "--out",
        str(out),
        "--date",
        "2026-03-04",
    )
    careplan = json.loads(out.read_text("utf-8"))
    assert careplan["created"].startswith("2026-03-04T")
    assert "Bridge" in json.dumps(careplan) and "Clam" not in json.dumps(careplan)
    bad = patient("programme", "show", "--date", "2026-02-30")
    assert bad.exit_code == 2 and "--date" in bad.stderr


def test_delete_dates_the_deletion(patient: Any, tmp_path: Path) -> None:
    run(patient, "pain", "5", "--date", "2026-03-03")
    run(patient, "delete", "p-2026-03-03", "--yes", "--date", "2026-03-04")
    out = tmp_path / "e.json"
    run(patient, "export", "--format", "json", "--out", str(out), "--date", "2026-03-05")
    doc = json.loads(out.read_text("utf-8"))
    (correction,) = doc["corrections"]
    assert correction["action"] == "delete" and correction["at"].startswith("2026-03-04T")
    bad = patient("delete", "p-2026-03-03", "--yes", "--date", "soon")
    assert bad.exit_code == 2


def test_exported_at_and_profile_created_follow_date(patient: Any, tmp_path: Path) -> None:
    out = tmp_path / "e.json"
    run(patient, "export", "--format", "json", "--out", str(out), "--date", "2026-03-05")
    doc = json.loads(out.read_text("utf-8"))
    assert doc["exported_at"].startswith("2026-03-05T")
    # init ran with --date 2026-03-02 while the clock said 2026-03-09
    assert doc["profile"]["created"] == "2026-03-02"
