"""`doctor --clinic` heals the clinic's list against its folders (issue 24): a `clinic
remove` killed after it moved the patient's folder into the backups, and before it wrote
the list, left a patient row with no folder, and doctor reported only a temp file."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from conftest import Cli

START = date(2026, 3, 1)
TODAY = date(2026, 3, 20)


def test_doctor_clinic_takes_a_patient_whose_folder_is_gone_off_the_list(
    patient: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export = tmp_path / "sam.json"
    assert patient("pain", "3", "--date", "2026-03-10").exit_code == 0
    assert patient("export", "--format", "json", "--out", str(export)).exit_code == 0
    clinic = tmp_path / "clinic"
    monkeypatch.setenv("BACKCARE_CLINIC_HOME", str(clinic))
    assert patient("clinic", "add", str(export), "--as", "Sam").exit_code == 0
    [folder] = (clinic / "patients").iterdir()
    kept = clinic / "backups" / date.today().isoformat() / "patients"  # the real day
    for level in (kept.parent.parent, kept.parent, kept):
        level.mkdir(mode=0o700, exist_ok=True)
    os.replace(folder, kept / folder.name)  # the removal's move, then the kill
    report = patient("doctor", "--clinic", "--json")
    [finding] = report.json()["problems"]
    assert finding["file"] == str(folder) and finding["fix"] == "heal"
    assert "Sam" in finding["problem"] and "removal was cut short" in finding["problem"]
    res = patient("doctor", "--clinic", "--yes")
    assert res.exit_code == 0, res.output
    assert "no longer names" in res.stderr
    assert (
        patient("clinic", "list", "--json").json() in ([], {"patients": []})
        or "Sam" not in patient("clinic", "list", "--json").stdout
    )
    assert patient("doctor", "--clinic", "--json").json()["clean"] is True
    assert (kept / folder.name / "backcare.json").is_file()  # the backup is kept
    assert patient("clinic", "add", str(export), "--as", "Sam").exit_code == 0  # again
