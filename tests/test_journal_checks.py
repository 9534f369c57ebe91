"""Validate before writing, and trust no undo history file blindly (issue 24).

- Every path that writes checks the records first, whatever the path: a date outside
  1900–2999 is refused at `programme import` (YAML or CarePlan), `programme new`, `import`,
  and by the store itself; the data files' bytes stay as they were.
- `undo` and `doctor` check an undo history entry against the change it names: a value it
  would put back must pass its table's checks, and it may name no more records than its
  kind of change makes. A tampered entry is refused and reported, never replayed.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, snapshot

START = date(2026, 2, 1)
TODAY = date(2026, 3, 20)

RX = """\
prescribed_by: A. Physio
start: {start}
exercises:
  - id: bridge
    sets: 2
    reps: 10
"""


def data_bytes(home: Path) -> dict[str, bytes]:
    return snapshot(home, skip_cache=True)


@pytest.mark.parametrize("start", ["0999-03-16", "1899-12-31", "3000-01-01"])
def test_programme_import_refuses_a_start_outside_the_dates_kept(
    patient: Cli, backcare_home: Path, tmp_path: Path, start: str
) -> None:
    """It once rewrote backcare.json with the date, then said the file was damaged."""
    rx = tmp_path / "rx.yaml"
    rx.write_text(RX.format(start=start))
    before = data_bytes(backcare_home)
    res = patient("programme", "import", str(rx))
    assert res.exit_code == 1
    assert (
        f"rx.yaml:2: start is {start}; backcare keeps dates from 1900-01-01 to "
        "2999-12-31" in res.stderr
    )
    assert data_bytes(backcare_home) == before
    assert patient("plan", "--json").exit_code == 0


def test_a_careplan_starting_in_1899_is_refused(
    patient: Cli, backcare_home: Path, tmp_path: Path
) -> None:
    rx = tmp_path / "rx.yaml"
    rx.write_text(RX.format(start="2026-03-16"))
    careplan = tmp_path / "careplan.json"
    assert (
        patient(
            "programme", "new", "--out", str(tmp_path / "unused.yaml"), "--exercise", "bridge"
        ).exit_code
        == 0
    )
    assert patient("programme", "import", str(rx)).exit_code == 0
    assert patient("programme", "export", "--format", "fhir", "--out", str(careplan)).exit_code == 0
    doc = json.loads(careplan.read_text())
    assert doc["period"]["start"] == "2026-03-16"
    doc["period"]["start"] = "1899-03-16"
    careplan.write_text(json.dumps(doc))
    before = data_bytes(backcare_home)
    res = patient("programme", "import", str(careplan))
    assert res.exit_code == 1
    assert "start is 1899-03-16" in res.stderr
    assert data_bytes(backcare_home) == before


def test_programme_new_refuses_a_start_of_0999(patient: Cli, tmp_path: Path) -> None:
    """It once wrote a file that import then turned into a damaged data file."""
    out = tmp_path / "rx.yaml"
    res = patient(
        "programme", "new", "--out", str(out), "--exercise", "bridge", "--start", "0999-01-01"
    )
    assert res.exit_code == 2
    assert "--start 0999-01-01" in res.stderr and "1900-01-01 to 2999-12-31" in res.stderr
    assert not out.exists()


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("programme", "0999-03-16", "programme: start is 0999-03-16"),
        ("pain_checkins", "1899-03-10", "date is 1899-03-10"),
        ("goals", "0999-01-05", "created is 0999-01-05"),
    ],
)
def test_import_refuses_a_date_outside_the_dates_kept(
    patient: Cli, backcare_home: Path, tmp_path: Path, field: str, value: str, said: str
) -> None:
    rx = tmp_path / "rx.yaml"
    rx.write_text(RX.format(start="2026-03-16"))
    assert patient("programme", "import", str(rx)).exit_code == 0
    doc = patient("export", "--format", "json", "--out", "-").json()
    if field == "programme":
        doc["programme"]["start"] = value
    elif field == "pain_checkins":
        doc["pain_checkins"] = [
            {
                "id": f"p-{value}",
                "date": value,
                "score": 3,
                "note": None,
                "symptoms": [],
                "flare": False,
            }
        ]
    else:
        doc["goals"] = [
            {
                "id": 1,
                "text": "walk",
                "created": value,
                "by": None,
                "psfs_activity": None,
                "done_on": None,
            }
        ]
    source = tmp_path / "export.json"
    source.write_text(json.dumps(doc))
    before = data_bytes(backcare_home)
    res = patient("import", str(source))
    assert res.exit_code == 1
    assert said in res.stderr and "nothing was imported" in res.stderr
    assert data_bytes(backcare_home) == before


def test_the_store_checks_every_record_before_it_writes(patient: Cli, backcare_home: Path) -> None:
    """The last line of defence, whatever the path: a record that would make the file fail
    to load is refused before any file is written, naming the field."""
    from backcare.errors import BackcareError
    from backcare.storage import Store

    store = Store(backcare_home)
    main = store.load(store.main_path)
    assert main is not None
    profile = next(iter(main["profile"].values()))
    before = data_bytes(backcare_home)
    with pytest.raises(BackcareError, match="start_date is 0999-01-01; backcare keeps dates"):
        store.commit(
            {store.main_path: {**main, "profile": {"1": {**profile, "start_date": "0999-01-01"}}}}
        )
    assert data_bytes(backcare_home) == before


# --- undo history entries checked against the change they name ----------------------------


def latest_entry(home: Path) -> Path:
    return sorted((home / "undo").glob("[0-9]*.json"))[-1]


def rewrite(path: Path, change: Any) -> None:
    doc = json.loads(path.read_text())
    change(doc)
    path.write_text(json.dumps(doc))


def refused_and_reported(cli: Cli, home: Path, entry: Path) -> None:
    before = data_bytes(home)
    res = cli("undo")
    assert res.exit_code == 1
    assert entry.name in res.stderr and "does not match the change it names" in res.stderr
    assert data_bytes(home) == before
    report = cli("doctor", "--json")
    problems = {Path(p["file"]).name: p for p in report.json()["problems"]}
    assert problems[entry.name]["fix"] == "remove"
    assert "never replayed" in problems[entry.name]["problem"]


def test_undo_refuses_an_entry_that_would_put_back_a_score_of_99(
    patient: Cli, backcare_home: Path
) -> None:
    """It once wrote the score into the month file, which then failed to load."""
    assert patient("pain", "4", "--date", "2026-03-10").exit_code == 0
    assert patient("pain", "6", "--date", "2026-03-10").exit_code == 0  # replaces it
    entry = latest_entry(backcare_home)

    def tamper(doc: dict[str, Any]) -> None:
        [record] = [op for op in doc["ops"] if op["table"] == "pain_checkins"]
        record["before"]["score"] = 99

    rewrite(entry, tamper)
    refused_and_reported(patient, backcare_home, entry)
    assert patient("history", "--json").json()["pain_checkins"][0]["score"] == 6
    assert patient("doctor", "--yes").exit_code == 0
    assert not entry.exists()
    assert patient("history", "--json").json()["pain_checkins"][0]["score"] == 6


def test_undo_refuses_an_entry_that_names_more_records_than_its_change_made(
    patient: Cli, backcare_home: Path
) -> None:
    """A check-in's entry forged to name all 30 check-ins once made undo remove them all."""
    days = [(date(2026, 2, 1) + timedelta(days=n)).isoformat() for n in range(30)]
    for day in days:
        assert patient("pain", "3", "--date", day).exit_code == 0
    entry = latest_entry(backcare_home)

    def forge(doc: dict[str, Any]) -> None:
        doc["ops"] = [
            {
                "table": "pain_checkins",
                "before": None,
                "slot": None,
                "after": {"key": day, "date": day},
            }
            for day in days
        ]

    rewrite(entry, forge)
    refused_and_reported(patient, backcare_home, entry)
    assert len(patient("history", "--from", "2026-01-01", "--json").json()["pain_checkins"]) == 30


def test_undo_refuses_an_entry_that_would_take_out_audit_lines_it_did_not_write(
    patient: Cli, backcare_home: Path
) -> None:
    ident = patient("log", "--date", "2026-03-10", "--json").json()["id"]
    assert patient("edit", ident, "--note", "first").exit_code == 0
    assert patient("edit", ident, "--note", "second").exit_code == 0
    entry = latest_entry(backcare_home)
    first = sorted((backcare_home / "undo").glob("[0-9]*.json"))[-2]
    other = json.loads(first.read_text())["change"]

    def forge(doc: dict[str, Any]) -> None:
        for op in doc["ops"]:
            if op.get("audit"):
                op["after"]["key"] = f"{other}:0"

    rewrite(entry, forge)
    refused_and_reported(patient, backcare_home, entry)


def test_a_tampered_pending_entry_is_never_replayed(patient: Cli, backcare_home: Path) -> None:
    """The roll-back of a change a crash cut short checks the entry as undo does: a forged
    one stops reads (naming it) until doctor --yes removes it; it never rewrites the log."""
    assert patient("pain", "4", "--date", "2026-03-10").exit_code == 0
    assert patient("pain", "6", "--date", "2026-03-10").exit_code == 0
    entry = latest_entry(backcare_home)

    def tamper(doc: dict[str, Any]) -> None:
        doc["ops"][0]["before"]["score"] = 99

    rewrite(entry, tamper)
    pending = entry.with_name(entry.name.replace(".json", ".pending.json"))
    entry.rename(pending)
    before = data_bytes(backcare_home)
    res = patient("history", "--json")
    assert res.exit_code == 1 and pending.name in res.stderr
    assert data_bytes(backcare_home) == before
    assert patient("doctor", "--yes").exit_code == 0
    assert patient("history", "--json").json()["pain_checkins"][0]["score"] == 6
