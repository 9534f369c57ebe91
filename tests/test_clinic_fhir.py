"""A FHIR bundle carries the whole patient (issue 22): a patient the clinic adds from FHIR
is the same as the one added from JSON: profile, red flags, conditions, the history of
prescriptions, and so their caseload row, `clinic show` and `clinic prescribe`."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Cli

TODAY = date(2026, 3, 20)
START = date(2026, 3, 2)
D = ("--date", TODAY.isoformat())


def patient_setup(cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *init: str) -> None:
    """A patient with a programme prescribed then cleared, a log, a questionnaire and a goal."""
    monkeypatch.setenv("BACKCARE_TODAY", START.isoformat())
    res = cli(
        "init",
        "--pain",
        "6",
        "--assessed",
        "--yes",
        "--date",
        START.isoformat(),
        "--equipment",
        "mat",
        "--minutes",
        "25",
        *init,
    )
    assert res.exit_code in (0, 3), res.output
    plan = tmp_path / "rx.yaml"
    plan.write_text(
        "prescribed_by: A. Physio\nexercises:\n  - id: walking\n"
        "    duration_minutes: 15\n    days: [mon, thu]\n",
        encoding="utf-8",
    )
    assert cli("programme", "import", str(plan)).exit_code == 0
    monkeypatch.setenv("BACKCARE_TODAY", (START + timedelta(days=9)).isoformat())
    assert cli("programme", "clear").exit_code == 0
    monkeypatch.setenv("BACKCARE_TODAY", TODAY.isoformat())
    for n in range(0, 18, 2):
        day = (START + timedelta(days=n)).isoformat()
        cli("log", "--done", "walking", "--date", day)
        cli("pain", str(4 + n % 3), "--date", day)
    cli("assess", "odi", "--answers", "2,2,2,2,2,2,2,2,2,2", "--date", "2026-03-03")
    cli("goal", "add", "walk the dog", "--by", "2026-04-30", *D)
    cli("assess", "psfs", "--answers", "walking=4,bending=3,sitting=6", "--date", "2026-03-04")
    res = cli("goal", "add", "bend to the floor", "--psfs", "bending", *D)
    assert res.exit_code == 0, res.output


def both_ways(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str = "r4"
) -> tuple[Path, Path]:
    """The patient's JSON export added to one clinic, and their FHIR bundle to another."""
    paths = {}
    for fmt in ("json", "fhir"):
        out = tmp_path / f"export.{fmt}.json"
        more = ("--fhir-version", version) if fmt == "fhir" else ()
        assert cli("export", "--format", fmt, "--out", str(out), *more, *D).exit_code == 0
        clinic = tmp_path / f"clinic-{fmt}"
        monkeypatch.setenv("BACKCARE_CLINIC_HOME", str(clinic))
        res = cli("clinic", "add", str(out), "--as", "Pat", *D)
        assert res.exit_code == 0, res.output
        paths[fmt] = clinic
    return paths["json"], paths["fhir"]


def seen(cli: Cli, monkeypatch: pytest.MonkeyPatch, clinic: Path) -> dict[str, Any]:
    monkeypatch.setenv("BACKCARE_CLINIC_HOME", str(clinic))
    (row,) = cli("clinic", "list", "--json", *D).json()["patients"]
    show = cli("clinic", "show", "pat", "--json", *D).json()
    for doc in (row, show):
        doc.pop("exported_at")
    row.pop("export_age_days")
    return {"row": row, "show": show}


@pytest.mark.parametrize("version", ["r4", "r5"])
def test_a_patient_added_from_fhir_is_the_patient_added_from_json(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    patient_setup(cli, tmp_path, monkeypatch, "--no-red-flags", "--condition", "osteoporosis")
    from_json, from_fhir = both_ways(cli, tmp_path, monkeypatch, version)
    assert seen(cli, monkeypatch, from_fhir) == seen(cli, monkeypatch, from_json)
    from backcare.storage import Store

    (json_folder,) = (from_json / "patients").iterdir()
    (fhir_folder,) = (from_fhir / "patients").iterdir()
    a, b = Store(json_folder), Store(fhir_folder)
    assert b.profile() == a.profile() and b.profile() is not None
    assert b.profile().conditions == ["osteoporosis"] and b.profile().baseline_pain == 6
    assert b.prescriptions() == a.prescriptions() and len(b.prescriptions().periods) == 2
    assert b.programme() == a.programme() is None  # cleared
    assert b.history() == a.history()
    assert b.goals() == a.goals() and b.goals()[1].psfs_activity == "bending"


def test_a_red_flag_at_the_screen_travels_as_a_flag_and_leads_the_caseload(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    patient_setup(cli, tmp_path, monkeypatch, "--red-flag", "bladder-bowel", "--no-conditions")
    bundle = tmp_path / "b.json"
    assert cli("export", "--format", "fhir", "--out", str(bundle), *D).exit_code == 0
    doc = json.loads(bundle.read_text())
    flags = [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Flag"]
    assert [f["status"] for f in flags] == ["active"]
    assert "bladder bowel" in flags[0]["code"]["text"]
    monkeypatch.setenv("BACKCARE_CLINIC_HOME", str(tmp_path / "clinic"))
    assert cli("clinic", "add", str(bundle), "--as", "Flagged", *D).exit_code == 0
    (row,) = cli("clinic", "list", "--json", *D).json()["patients"]
    assert row["alert"]["rule"] == "red-flag" and row["alert"]["level"] == "critical"
    assert row["alert"]["symptoms"] == ["bladder-bowel"]


@pytest.mark.parametrize(
    ("condition", "tag"),
    [("pregnancy", "supine"), ("osteoporosis", "end-range-flexion")],
    ids=["pregnant-no-supine", "osteoporotic-no-end-range-flexion"],
)
def test_a_patient_added_from_fhir_gets_a_draft_within_their_condition(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, condition: str, tag: str
) -> None:
    patient_setup(cli, tmp_path, monkeypatch, "--no-red-flags", "--condition", condition)
    _json, from_fhir = both_ways(cli, tmp_path, monkeypatch)
    monkeypatch.setenv("BACKCARE_CLINIC_HOME", str(from_fhir))
    draft = tmp_path / "draft.yaml"
    res = cli("clinic", "prescribe", "pat", "--out", str(draft), *D)
    assert res.exit_code == 0, res.output
    ids = [e["id"] for e in yaml.safe_load(draft.read_text())["exercises"]]
    from backcare.loading.library import load_library

    lib = load_library(None)
    assert ids and not [i for i in ids if tag in lib.get(i).tags], ids


@pytest.mark.parametrize("version", ["r4", "r5"])
def test_the_whole_patient_bundle_validates(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    pytest.importorskip("fhir.resources")
    patient_setup(
        cli,
        tmp_path,
        monkeypatch,
        "--red-flag",
        "fever",
        "--condition",
        "pregnancy",
        "--cleared-by-clinician",
    )
    out = tmp_path / "b.json"
    res = cli("export", "--format", "fhir", "--fhir-version", version, "--out", str(out), *D)
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    module = "fhir.resources.R4B.bundle" if version == "r4" else "fhir.resources.bundle"
    import importlib

    importlib.import_module(module).Bundle.model_validate(doc)
    kinds = {e["resource"]["resourceType"] for e in doc["entry"]}
    assert {"Condition", "Flag", "CarePlan"} <= kinds
    flags = [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == "Flag"]
    assert [f["status"] for f in flags] == ["inactive"]  # cleared


def test_every_uri_of_the_whole_patient_is_in_the_interoperability_page() -> None:
    from backcare.domain import fhir_profile

    page = (Path(__file__).resolve().parent.parent / "docs" / "interoperability.md").read_text()
    for uri in (
        fhir_profile.PROFILE_EXTENSION,
        fhir_profile.CONDITION_SYSTEM,
        fhir_profile.RED_FLAG_SYSTEM,
        fhir_profile.CLEARANCE_CODE["system"],
        fhir_profile.PRESCRIPTION_EXTENSION,
        fhir_profile.PSFS_GOAL_EXTENSION,
    ):
        assert uri in page, uri


def test_the_profile_travels_whole_and_pregnancys_week_as_gestational_age() -> None:
    """Writer and reader, pure: every field of a profile comes back, those with no resource
    of their own (and any added later) in the settings extension."""
    from backcare.exporters import ExportContext
    from backcare.exporters.fhir_export import build_bundle
    from backcare.loading.fhir_bundle import bundle_document

    profile = {
        "start_date": "2026-03-02",
        "baseline_pain": 6,
        "minutes_per_day": 25,
        "days_per_week": 5,
        "equipment": ["none", "mat"],
        "avoid_positions": ["kneeling"],
        "red_flags": ["fever"],
        "cleared_by_clinician": True,
        "conditions": ["pregnancy", "osteoporosis"],
        "assessed_by_clinician": None,
        "created": "2026-03-01",
        "updated": "2026-03-04",
        "cleared_on": "2026-03-04",
        "patient_id": "pt-x1",
        "pregnancy_week": 24,
        "cleared_by": "Dr A. Physio",
        "age_band": "20-50",
    }
    doc = {
        "format": "backcare-export",
        "version": 1,
        "exported_at": "2026-03-05T10:00:00",
        "profile": profile,
        "sessions": [],
        "pain_checkins": [],
        "assessments": [],
        "visits": [],
        "goals": [],
        "programme": None,
        "prescriptions": [],
    }
    bundle = build_bundle(ExportContext(doc=doc, exported_at=doc["exported_at"], patient_key="k"))
    weeks = [
        e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Observation"
        and e["resource"]["code"]["coding"][0]["code"] == "49051-6"
    ]
    assert [w["valueQuantity"]["value"] for w in weeks] == [24]
    read, pid = bundle_document(bundle, "b.json")
    assert pid == "pt-x1" and read["profile"] == profile
