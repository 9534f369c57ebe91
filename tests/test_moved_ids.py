"""The index of moved ids (issue 25): `edit` and `delete` find a record in the month its id
names, or, for one an edit moved to another month (or an id from another program), in the
month the index names: one month read, whatever the years. The index is written by the same
change as the months, undone with them, and checked at each use: one that disagrees with
the months after a hand edit is found out and made again. Nothing here is timed: the
look-up is shown to read no month but the one it needs."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli

from backcare.storage import moved
from backcare.storage.journal import FileSet

START = date(2026, 2, 2)
TODAY = date(2026, 3, 10)


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The months each record look-up read: a day, or None for every month."""
    seen: list[str | None] = []
    real = FileSet.find_id

    def find_id(self: FileSet, ident: str, day: str | None = None) -> Any:
        seen.append(day[:7] if day else None)
        return real(self, ident, day)

    monkeypatch.setattr(FileSet, "find_id", find_id)
    return seen


def moved_session(patient: Cli) -> str:
    """A session logged in February, then moved by an edit into March."""
    res = patient("log", "--date", "2026-02-27", "--note", "before", "--json")
    assert res.exit_code == 0, res.output
    ident: str = res.json()["id"]
    assert ident.startswith("s-20260227-")
    res = patient("edit", ident, "--date", "2026-03-02", "--note", "moved")
    assert res.exit_code == 0, res.output
    return ident


def index(home: Path) -> dict[str, list[str]]:
    return moved.read(home / "log") or {}


def notes(patient: Cli) -> dict[str, str | None]:
    doc = patient("history", "--from", START.isoformat(), "--json").json()
    return {s["id"]: s.get("note") for s in doc["sessions"]}


def test_a_session_logged_on_its_day_needs_no_index(
    patient: Cli, backcare_home: Path, scans: list[str | None]
) -> None:
    res = patient("log", "--date", "2026-02-27", "--note", "before", "--json")
    ident = res.json()["id"]
    assert not (backcare_home / "log" / moved.INDEX_FILE).exists()  # no extra write
    assert patient("edit", ident, "--note", "again").exit_code == 0
    assert None not in scans and set(scans) == {"2026-02"}


def test_a_session_moved_to_another_month_is_found_in_that_month_alone(
    patient: Cli, backcare_home: Path, scans: list[str | None]
) -> None:
    ident = moved_session(patient)
    assert index(backcare_home) == {"2026-03": [ident]}
    scans.clear()
    assert patient("edit", ident, "--note", "found").exit_code == 0
    assert None not in scans  # never every month
    assert set(scans) == {"2026-02", "2026-03"}  # the month its id names, then the index's
    assert notes(patient)[ident] == "found"
    scans.clear()
    assert patient("delete", ident, "--yes").exit_code == 0
    assert None not in scans
    assert ident not in notes(patient)
    assert index(backcare_home) == {}


def test_the_index_is_part_of_the_change_undo_takes_it_back(
    patient: Cli, backcare_home: Path
) -> None:
    ident = moved_session(patient)
    assert index(backcare_home) == {"2026-03": [ident]}
    res = patient("undo")
    assert res.exit_code == 0, res.output
    assert index(backcare_home) == {}  # back in February, where its id says
    assert notes(patient)[ident] == "before"


@pytest.mark.parametrize("damage", ["wrong month", "lost", "not json"])
def test_an_index_that_disagrees_with_the_months_is_detected_and_rebuilt(
    patient: Cli, backcare_home: Path, scans: list[str | None], damage: str
) -> None:
    """A hand edit (or a lost file) leaves an index that disagrees with the months: the
    record is still found, by reading every month once, and the index is made again from
    them, so the next look-up reads one month again."""
    ident = moved_session(patient)
    path = backcare_home / "log" / moved.INDEX_FILE
    if damage == "wrong month":
        path.write_bytes(moved.encode({"2026-05": [ident]}))
    elif damage == "lost":
        path.unlink()
    else:
        path.write_text("{half a file")
    scans.clear()
    assert patient("edit", ident, "--note", "found").exit_code == 0
    assert None in scans  # the index could not answer: every month was read
    assert index(backcare_home) == {"2026-03": [ident]}  # and it was made again
    scans.clear()
    assert patient("edit", ident, "--note", "again").exit_code == 0
    assert None not in scans
    assert notes(patient)[ident] == "again"


def test_a_record_moved_by_hand_is_found_and_the_index_follows_it(
    patient: Cli, backcare_home: Path
) -> None:
    """The months are the truth: a session moved from March's file to April's by hand is
    found there, and the index says so afterwards."""
    ident = moved_session(patient)
    march, april = (backcare_home / "log" / f"2026-0{m}.json" for m in (3, 4))
    doc = json.loads(march.read_text())
    [(slot, session)] = [(k, v) for k, v in doc["sessions"].items() if v["id"] == ident]
    del doc["sessions"][slot]
    march.write_text(json.dumps(doc))
    session["date"] = "2026-04-01"
    april.write_text(json.dumps({"sessions": {"1": session}}))
    assert patient("edit", ident, "--note", "april").exit_code == 0
    assert index(backcare_home) == {"2026-04": [ident]}


def test_an_id_from_another_program_is_indexed_when_imported(
    patient: Cli, backcare_home: Path, tmp_path: Path, scans: list[str | None]
) -> None:
    doc = patient("export", "--format", "json", "--out", "-").stdout
    data = json.loads(doc)
    data["sessions"] = [
        {
            "id": "their-42",
            "date": "2026-03-03",
            "pain_before": 3,
            "pain_after": 2,
            "note": "from elsewhere",
            "exercises": [],
        }
    ]
    source = tmp_path / "other.json"
    source.write_text(json.dumps(data))
    res = patient("import", str(source))
    assert res.exit_code == 0, res.output
    assert index(backcare_home) == {"2026-03": ["their-42"]}
    scans.clear()
    assert patient("edit", "their-42", "--note", "ours now").exit_code == 0
    assert None not in scans and scans == ["2026-03"]
