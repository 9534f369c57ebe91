"""`backcare export --format csv`: one row per exercise per session, safe in a spreadsheet."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from backcare.domain.models import Assessment, Dose, ExerciseLog, PainCheckin, Session, Visit
from backcare.exporters.csv_export import COLUMNS, neutralise
from backcare.storage import Store

D = date.fromisoformat
NASTY = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+1", "-2+3", "@SUM(A1)", "\tstarts with tab",
         "\rstarts with CR", "plain, with commas", 'with "double quotes"', "two\nlines",
         "ünïcode ✓"]


def seed(home: Path) -> Store:
    s = Store(home)
    for i, note in enumerate(NASTY):
        d = D(f"2026-03-{i + 2:02d}")
        s.add_session(Session(f"s-2026030{i}-{i:04d}", d, (
            ExerciseLog("bridge", "done", Dose(sets=2, reps=10, hold_seconds=5), 3),
            ExerciseLog("=evil-id", "partial", Dose(duration_minutes=12), None),
        ), 5, 4, note))
        s.put_checkin(PainCheckin(d, i % 11, note, ("numbness", "tingling") if i == 1 else (),
                                  i == 2))
    s.add_visit(Visit("v-20260310-1", D("2026-03-10"), "manual-therapy", "-mobilisation"))
    s.add_assessment(Assessment("a-20260302-peg", D("2026-03-02"), "peg", [5, 6, 4], 5.0))
    s.add_session(Session("s-20260320-empty", D("2026-03-20"), ()))
    return s


def read_back(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == COLUMNS
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.fixture
def exported(cli, backcare_home: Path, tmp_path: Path) -> list[dict[str, str]]:
    seed(backcare_home)
    out = tmp_path / "log.csv"
    res = cli("export", "--format", "csv", "--out", str(out), "--json")
    assert res.exit_code == 0, res.output
    rows = read_back(out)
    assert res.json()["records"] == len(rows)
    return rows


def test_one_row_per_exercise_per_session_then_checkins_visits_assessments(
        exported: list[dict[str, str]]) -> None:
    kinds = [r["record_type"] for r in exported]
    assert kinds.count("session") == 2 * len(NASTY) + 1  # + the session with no exercises
    assert kinds.count("pain") == len(NASTY)
    assert kinds.count("visit") == 1 and kinds.count("assessment") == 1
    first = exported[0]
    assert first["date"] == "2026-03-02" and first["exercise_id"] == "bridge"
    assert (first["sets"], first["reps"], first["hold_seconds"], first["pain"]) == \
        ("2", "10", "5", "3")
    assert (first["pain_before"], first["pain_after"]) == ("5", "4")
    assert [r["date"] for r in exported] == sorted(r["date"] for r in exported)
    symptoms = [r["symptoms"] for r in exported if r["record_type"] == "pain"]
    assert "numbness;tingling" in symptoms
    assessment = next(r for r in exported if r["record_type"] == "assessment")
    assert (assessment["instrument"], assessment["score"]) == ("peg", "5.0")
    assert json.loads(assessment["answers"]) == [5, 6, 4]


def test_formula_cells_are_neutralised_everywhere(exported: list[dict[str, str]]) -> None:
    for row in exported:
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
    notes = [r["note"] for r in exported if r["record_type"] == "pain"]
    assert notes[:6] == ["'" + n for n in NASTY[:6]]
    assert {r["exercise_id"] for r in exported if r["record_type"] == "session"} >= \
        {"bridge", "'=evil-id"}
    assert next(r for r in exported if r["record_type"] == "visit")["note"] == "'-mobilisation"


def test_commas_quotes_newlines_and_unicode_survive(exported: list[dict[str, str]]) -> None:
    notes = [r["note"] for r in exported if r["record_type"] == "pain"]
    assert notes[6:] == NASTY[6:]


def test_neutralise_leaves_ordinary_text_alone() -> None:
    assert neutralise("walked 20 min") == "walked 20 min"
    assert neutralise("a=b") == "a=b"
    assert neutralise("=1") == "'=1"
    assert neutralise("") == ""


def test_the_file_is_utf8_with_a_header(cli, tmp_path: Path) -> None:
    out = tmp_path / "empty.csv"
    assert cli("export", "--format", "csv", "--out", str(out)).exit_code == 0
    raw = out.read_bytes()
    assert raw.decode("utf-8").splitlines() == [",".join(COLUMNS)]
    assert list(csv.reader(io.StringIO(raw.decode()))) == [list(COLUMNS)]


def test_a_csv_export_does_not_load_the_heavy_libraries(backcare_home: Path,
                                                        tmp_path: Path) -> None:
    seed(backcare_home)
    out = tmp_path / "x.csv"
    probe = (
        "import sys\n"
        "from backcare.cli import main\n"
        "try:\n"
        f"    main(['export', '--format', 'csv', '--out', {str(out)!r}])\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        "heavy = ('matplotlib', 'fhir', 'fpdf', 'icalendar', 'pypdf')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    env = {**os.environ, "BACKCARE_HOME": str(backcare_home)}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env=env, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert out.exists()
