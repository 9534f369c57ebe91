"""Exports stream (issue 25): the json and csv files are written piece by piece from a
document whose log records are made one at a time, and are the same files as before. The
FHIR bundle's streaming is in test_export_fhir.py. Nothing here is timed or measured: the
benchmark (benchmarks/run.py) does that."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import Cli

from backcare.domain.document import Records, document
from backcare.storage import Store

TODAY = date(2026, 3, 20)
START = date(2026, 2, 20)


def seeded(patient: Cli) -> None:
    for n in range(0, 28, 3):
        day = (START + timedelta(days=n)).isoformat()
        assert patient("log", "--date", day, "--note", f"day {n}").exit_code == 0
        assert patient("pain", str(2 + n % 5), "--date", day).exit_code == 0


def test_the_lazy_document_holds_the_same_records(patient: Cli, backcare_home: Path) -> None:
    seeded(patient)
    s = Store(backcare_home)
    args = (s.profile(), s.history(), s.goals(), s.programme(), "2026-03-20T10:00:00+00:00")
    plain, lazy = document(*args), document(*args, lazy=True)
    for table in ("sessions", "pain_checkins", "assessments", "visits"):
        records = lazy[table]
        assert isinstance(records, Records)
        assert list(records) == plain[table] and len(records) == len(plain[table])
        assert records[1:3] == plain[table][1:3]
        if plain[table]:
            assert records[-1] == plain[table][-1]
            assert records[0] is not records[0]  # made when read, never kept
    assert len(plain["sessions"]) == 10


def test_the_streamed_json_is_the_whole_document(
    patient: Cli, backcare_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded(patient)
    out = tmp_path / "all.json"
    res = patient("export", "--format", "json", "--out", str(out), "--date", TODAY.isoformat())
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    doc = json.loads(text)
    s = Store(backcare_home)
    expected = document(
        s.profile(),
        s.history(),
        s.goals(),
        s.programme(),
        doc["exported_at"],
        s.corrections(),
        s.prescriptions(),
    )
    assert doc == json.loads(json.dumps(expected))
    # one record a line: a file a person (or grep) can read, written record by record
    assert sum(line.startswith('    {"id": "s-') for line in text.splitlines()) == 10
    # and it imports into an empty folder, whose export is the same document
    monkeypatch.setenv("BACKCARE_HOME", str(tmp_path / "other"))
    res = patient("import", str(out))
    assert res.exit_code == 0, res.output
    again = tmp_path / "again.json"
    res = patient("export", "--format", "json", "--out", str(again), "--date", TODAY.isoformat())
    assert res.exit_code == 0, res.output
    back = json.loads(again.read_text(encoding="utf-8"))
    for key in ("sessions", "pain_checkins", "assessments", "visits", "profile"):
        assert back[key] == doc[key], key


def test_the_streamed_csv_has_every_row_once_in_order(patient: Cli, tmp_path: Path) -> None:
    seeded(patient)
    out = tmp_path / "all.csv"
    res = patient("export", "--format", "csv", "--out", str(out), "--date", TODAY.isoformat())
    assert res.exit_code == 0, res.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    kinds = [r["record"] for r in rows]
    assert kinds.count("session") == 10 and kinds.count("checkin") == 10
    dates = [r["date"] for r in rows if r["record"] != "goal"]
    assert dates == sorted(dates)
    # on each day the session, then its exercises, then the check-in
    first = [r["record"] for r in rows if r["date"] == START.isoformat()]
    assert first[0] == "session" and first[-1] == "checkin"
    assert set(first[1:-1]) == {"exercise"}
    assert "(csv, " in res.output and f"{len(rows)} rows" in res.output
