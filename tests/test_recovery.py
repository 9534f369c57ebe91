"""Recovery on every open (issue 24): a change a crash cut short is settled by the next
command that reads the data folder, not only by the next one that writes; a reader that
cannot take the lock reads the last committed state, and never writes.

A crash is made here by stopping a change just before it is confirmed (the rename of its
``N.pending.json``): every data file is already written, so without recovery the reads see
the half-done change. tests/test_crash.py kills the real console script at every point.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, Killed, snapshot

START = date(2026, 2, 1)
TODAY = date(2026, 3, 20)
FEB, MARCH = "2026-02-27", "2026-03-02"


def sessions(cli: Cli) -> list[tuple[str, str]]:
    res = cli("history", "--from", "2026-01-01", "--json")
    assert res.exit_code == 0, res.output
    return [(s["id"], s["date"]) for s in res.json()["sessions"]]


def exported(cli: Cli) -> dict[str, Any]:
    res = cli("export", "--format", "json", "--out", "-")
    assert res.exit_code == 0, res.output
    doc: dict[str, Any] = res.json()
    return doc


def pending(home: Path) -> list[str]:
    return sorted(p.name for p in (home / "undo").glob("*.pending.json"))


def moved_half_way(patient: Cli, cut: Callable[[], None]) -> str:
    ident: str = patient("log", "--date", FEB, "--json").json()["id"]
    cut()
    with pytest.raises(Killed):
        patient("edit", ident, "--date", MARCH)
    return ident


def test_a_read_settles_a_move_a_crash_cut_short(
    patient: Cli, backcare_home: Path, cut_before_confirming: Callable[[], None]
) -> None:
    """The edit died with both months written: the session is in February's file and in
    March's. The first read (history) rolls the change back before reading; every read then
    sees the session once, where it was; doctor finds nothing."""
    ident = moved_half_way(patient, cut_before_confirming)
    assert len(pending(backcare_home)) == 1
    assert sessions(patient) == [(ident, FEB)]
    assert pending(backcare_home) == []
    assert [s["id"] for s in exported(patient)["sessions"]] == [ident]
    progress = patient("progress", "--json")
    assert progress.exit_code == 0 and progress.json()["sessions_done"] == 1
    doctor = patient("doctor", "--json")
    assert doctor.json()["clean"] is True, doctor.stdout
    assert patient("edit", ident, "--date", MARCH).exit_code == 0  # it can be made again
    assert sessions(patient) == [(ident, MARCH)]


@pytest.mark.parametrize(
    "first",
    [
        ["goal", "list", "--json"],
        ["doctor"],
        ["programme", "show"],
        ["export", "--format", "csv", "--out", "-"],
    ],
)
def test_every_reading_command_settles_first(
    patient: Cli, backcare_home: Path, cut_before_confirming: Callable[[], None], first: list[str]
) -> None:
    ident = moved_half_way(patient, cut_before_confirming)
    patient(*first)
    assert pending(backcare_home) == []
    assert sessions(patient) == [(ident, FEB)]


def test_doctor_says_what_it_settled(
    patient: Cli, cut_before_confirming: Callable[[], None]
) -> None:
    moved_half_way(patient, cut_before_confirming)
    res = patient("doctor")
    assert res.exit_code == 0, res.output
    assert "was interrupted before it was saved; it has been rolled back" in res.stderr
    assert "the edit of the session of 27 Feb 2026" in res.stderr


def test_a_reader_that_cannot_take_the_lock_reads_the_last_committed_state(
    patient: Cli, backcare_home: Path, cut_before_confirming: Callable[[], None]
) -> None:
    """Another backcare holds the lock (it might be writing that very change): the reader
    writes nothing, and reads the files the change touched as they were before it."""
    from backcare.storage import lock

    ident = moved_half_way(patient, cut_before_confirming)
    before = snapshot(backcare_home, skip_cache=True)
    with lock.exclusive(backcare_home / ".lock"):
        assert sessions(patient) == [(ident, FEB)]
        doc = exported(patient)
        assert [(s["id"], s["date"]) for s in doc["sessions"]] == [(ident, FEB)]
        assert doc["corrections"] == []  # the edit's audit line is not committed either
        progress = patient("progress", "--json")
        assert progress.json()["sessions_done"] == 1
        assert snapshot(backcare_home, skip_cache=True) == before
    assert sessions(patient) == [(ident, FEB)]  # the lock is free: now it is settled
    assert pending(backcare_home) == []


def test_a_half_done_move_never_hides_a_red_flag_stop(
    patient: Cli, backcare_home: Path, tmp_path: Path, cut_before_confirming: Callable[[], None]
) -> None:
    """The stop lives only in the log (a check-in that came by import); a move of that
    check-in to another month dies half-way. plan still stops, locked out or not."""
    from backcare.storage import lock

    export = exported(patient)
    export["pain_checkins"] = [
        {
            "id": "p-2026-03-10",
            "date": "2026-03-10",
            "score": 4,
            "note": None,
            "symptoms": ["bladder-bowel"],
            "flare": False,
        }
    ]
    source = tmp_path / "flag.json"
    source.write_text(json.dumps(export))
    assert patient("import", str(source)).exit_code in (0, 3)
    assert patient("plan", "--json").exit_code == 3
    cut_before_confirming()
    with pytest.raises(Killed):
        patient("edit", "p-2026-03-10", "--date", "2026-02-20")
    with lock.exclusive(backcare_home / ".lock"):
        assert patient("plan", "--json").exit_code == 3
        assert pending(backcare_home)
    assert patient("plan", "--json").exit_code == 3
    assert pending(backcare_home) == []


def test_a_damaged_pending_entry_stops_reads_until_doctor_removes_it(
    patient: Cli, backcare_home: Path, cut_before_confirming: Callable[[], None]
) -> None:
    """Half-done, and what it did cannot be read back: no command reads on as if nothing
    had happened; the message names the file and the way out, and doctor --yes takes it."""
    moved_half_way(patient, cut_before_confirming)
    [name] = pending(backcare_home)
    (backcare_home / "undo" / name).write_text("{not json")
    res = patient("history", "--json")
    assert res.exit_code == 1
    assert name in res.stderr and "doctor --yes" in res.stderr
    report = patient("doctor", "--json")
    assert report.exit_code == 0
    assert any(name in p["file"] for p in report.json()["problems"])
    assert patient("doctor", "--yes").exit_code == 0
    assert patient("history", "--json").exit_code == 0
