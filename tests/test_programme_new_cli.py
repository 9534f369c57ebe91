"""`programme new` and `programme export`, and `programme import` of a CarePlan (issue 16):
prescriptions without hand-written YAML. The interactive builder is in
test_programme_new_pty.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli

from backcare.domain.fhir_terms import (
    EXERCISE_SYSTEM,
    HOLD_EXTENSION,
    PER_SIDE_EXTENSION,
    SETS_EXTENSION,
)

BRIDGE = "bridge sets=2 reps=10 hold=5 days=mon,wed,fri"


def prescription(imported: dict[str, Any]) -> dict[str, Any]:
    """What `programme import --json` says of the prescription itself, without the day it
    applies from and the equipment the patient lacks (issue 14)."""
    assert "applies_from" in imported and "missing_equipment" in imported
    return {k: v for k, v in imported.items() if k not in ("applies_from", "missing_equipment")}


def test_new_by_options_writes_a_file_programme_import_accepts(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    res = cli(
        "programme",
        "new",
        "--out",
        str(out),
        "--exercise",
        BRIDGE,
        "--exercise",
        "walking minutes=15",
        "--note",
        "bridge=squeeze: gently, no",
        "--by",
        "A. Physio",
        "--start",
        "2026-03-02",
        "--allow-progression",
    )
    assert res.exit_code == 0, res.output
    assert (out.stat().st_mode & 0o777) == 0o600
    imported = cli("programme", "import", str(out), "--json")
    assert imported.exit_code == 0, imported.output
    assert prescription(imported.json()) == {
        "prescribed_by": "A. Physio",
        "start": "2026-03-02",
        "allow_progression": True,
        "exercises": [
            {
                "id": "bridge",
                "sets": 2,
                "reps": 10,
                "hold_seconds": 5,
                "days": ["mon", "wed", "fri"],
                "note": "squeeze: gently, no",
            },
            {
                "id": "walking",
                "duration_minutes": 15,
                "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                "note": None,
            },
        ],
    }


def test_a_dose_not_given_is_the_librarys_usual_one(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    assert cli("programme", "new", "--out", str(out), "--exercise", "bridge").exit_code == 0
    usual = cli("exercises", "show", "bridge", "--json").json()["dose"]
    got = cli("programme", "import", str(out), "--json").json()["exercises"][0]
    for field in ("sets", "reps", "hold_seconds"):
        assert got[field] == usual[field]["default"]


@pytest.mark.parametrize(
    ("spec", "code", "said"),
    [
        ("brdge", 1, "did you mean 'bridge'"),
        ("bridge sets=500", 1, "sets is 500"),
        ("bridge duration_minutes=5", 1, "does not apply to Bridge"),
        ("bridge days=someday", 1, "'someday' is not a day of the week"),
        ("bridge sets=two", 2, "sets must be a whole number"),
        ("bridge colour=red", 2, "'colour=red' is not one of"),
    ],
)
def test_a_wrong_exercise_is_named_and_nothing_is_written(
    cli: Cli, tmp_path: Path, spec: str, code: int, said: str
) -> None:
    out = tmp_path / "plan.yaml"
    res = cli("programme", "new", "--out", str(out), "--exercise", spec)
    assert res.exit_code == code, res.output
    assert said in res.stderr and "Traceback" not in res.output
    assert not out.exists()


def test_without_a_terminal_the_exercises_must_be_given(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    res = cli("programme", "new", "--out", str(out))
    assert res.exit_code == 2 and "--exercise" in res.stderr
    assert not out.exists()
    assert (
        cli(
            "programme", "new", "--out", str(out), "--exercise", "bridge", "--note", "walking=x"
        ).exit_code
        == 2
    )


def test_new_never_replaces_a_file_without_force(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    out.write_text("mine")
    res = cli("programme", "new", "--out", str(out), "--exercise", "bridge")
    assert res.exit_code == 1 and "--force" in res.stderr and out.read_text() == "mine"
    assert (
        cli("programme", "new", "--out", str(out), "--exercise", "bridge", "--force").exit_code == 0
    )


# --- the CarePlan ------------------------------------------------------------------------------


def careplan(cli: Cli, tmp_path: Path, *specs: str) -> tuple[Path, dict[str, Any]]:
    plan = tmp_path / "plan.yaml"
    args = [a for s in specs for a in ("--exercise", s)]
    assert (
        cli(
            "programme",
            "new",
            "--out",
            str(plan),
            *args,
            "--by",
            "A. Physio",
            "--start",
            "2026-03-02",
            "--note",
            "bridge=slowly",
        ).exit_code
        == 0
    )
    assert cli("programme", "import", str(plan)).exit_code == 0
    out = tmp_path / "careplan.json"
    res = cli("programme", "export", "--format", "fhir", "--out", str(out))
    assert res.exit_code == 0, res.output
    return out, json.loads(out.read_text())


def test_careplan_round_trip_gives_the_same_plan(cli: Cli, tmp_path: Path) -> None:
    out, _ = careplan(cli, tmp_path, BRIDGE, "walking minutes=15 days=sat,sun", "knee-to-chest")
    before = cli("programme", "show", "--json").json()
    assert cli("programme", "clear").exit_code == 0
    res = cli("programme", "import", str(out), "--json")
    assert res.exit_code == 0, res.output
    assert prescription(res.json()) == before
    assert cli("programme", "show", "--json").json() == before
    # And back again: the CarePlan of the imported plan is the same CarePlan.
    again = tmp_path / "again.json"
    cli("programme", "export", "--format", "fhir", "--out", str(again))
    first, second = json.loads(out.read_text()), json.loads(again.read_text())
    first.pop("created"), second.pop("created")
    assert first == second


def test_each_activity_references_its_exercise_and_carries_its_dose(
    patient: Cli, tmp_path: Path
) -> None:
    _, plan = careplan(patient, tmp_path, BRIDGE, "walking minutes=15 days=sat,sun")
    assert plan["resourceType"] == "CarePlan" and plan["status"] == "active"
    assert plan["intent"] == "plan" and plan["author"] == {"display": "A. Physio"}
    assert plan["period"] == {"start": "2026-03-02"}
    assert plan["subject"]["identifier"]["value"].startswith("pt-")
    contained = {c["id"]: c for c in plan["contained"]}
    bridge, walking = (a["detail"] for a in plan["activity"])
    (ref,) = bridge["instantiatesCanonical"]
    definition = contained[ref.removeprefix("#")]
    assert definition["resourceType"] == "ActivityDefinition"
    assert definition["code"]["coding"][0] == {
        "system": EXERCISE_SYSTEM,
        "code": "bridge",
        "display": "Bridge",
    }
    assert "Lie on your back" in definition["description"]
    assert bridge["code"]["coding"][0]["code"] == "bridge"
    assert bridge["scheduledTiming"] == {
        "repeat": {
            "frequency": 1,
            "period": 1,
            "periodUnit": "d",
            "dayOfWeek": ["mon", "wed", "fri"],
        }
    }
    assert bridge["quantity"] == {
        "value": 10,
        "unit": "repetitions",
        "system": "http://unitsofmeasure.org",
        "code": "{repetitions}",
    }
    assert {
        e["url"]: e.get("valueInteger", e.get("valueBoolean")) for e in bridge["extension"]
    } == {SETS_EXTENSION: 2, HOLD_EXTENSION: 5, PER_SIDE_EXTENSION: False}
    assert bridge["description"] == "slowly"
    assert walking["scheduledTiming"]["repeat"]["duration"] == 15
    assert walking["scheduledTiming"]["repeat"]["durationUnit"] == "min"
    assert walking["scheduledTiming"]["repeat"]["dayOfWeek"] == ["sat", "sun"]
    assert "quantity" not in walking


def test_the_careplan_keeps_each_side(cli: Cli, tmp_path: Path) -> None:
    """ "Clam: 2 × 8 each side", as programme show says it: in words and as an extension,
    read back by programme import (issue 23)."""
    out, plan = careplan(cli, tmp_path, "clam sets=2 reps=8", BRIDGE)
    clam, bridge = (a["detail"] for a in plan["activity"])
    flags = {e["url"]: e.get("valueBoolean") for e in clam["extension"]}
    assert flags[PER_SIDE_EXTENSION] is True
    assert clam["quantity"]["unit"] == "repetitions each side"
    assert bridge["quantity"]["unit"] == "repetitions"
    assert "Clam: 2 × 8 each side" in plan["text"]["div"]
    assert "Bridge: 2 × 10, hold 5 s;" in plan["text"]["div"]
    shown = cli("programme", "show").stdout
    assert "each side" in shown
    assert cli("programme", "clear").exit_code == 0
    assert cli("programme", "import", str(out)).exit_code == 0
    again = tmp_path / "again.json"
    assert cli("programme", "export", "--format", "fhir", "--out", str(again)).exit_code == 0
    second = json.loads(again.read_text())
    assert second["activity"] == plan["activity"] and second["text"] == plan["text"]
    # A CarePlan that says otherwise than this library is refused, not believed.
    for ext in clam["extension"]:
        if ext["url"] == PER_SIDE_EXTENSION:
            ext["valueBoolean"] = False
    out.write_text(json.dumps(plan))
    res = cli("programme", "import", str(out))
    assert res.exit_code == 1
    assert "activity[0]" in res.stderr and "not on each side" in res.stderr


def test_the_careplan_validates_as_fhir_r4(cli: Cli, tmp_path: Path) -> None:
    pytest.importorskip("fhir.resources")
    from fhir.resources.R4B.careplan import CarePlan

    _, plan = careplan(cli, tmp_path, BRIDGE, "walking minutes=15", "clam")
    CarePlan.model_validate(plan)


def test_a_prescription_file_exports_without_being_imported(cli: Cli, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    cli("programme", "new", "--out", str(plan), "--exercise", BRIDGE)
    res = cli("programme", "export", "--format", "fhir", "--file", str(plan), "--out", "-")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["subject"] == {"display": "the patient"}
    assert cli("programme", "show", "--json").json() is None  # nothing was imported
    yaml_out = cli("programme", "export", "--format", "yaml", "--file", str(plan), "--out", "-")
    assert "- id: bridge" in yaml_out.stdout
    res = cli("programme", "export", "--format", "fhir", "--out", str(tmp_path / "x.json"))
    assert res.exit_code == 1 and "no prescription is in use" in res.stderr


def _edited(path: Path, change: Any) -> Path:
    doc = json.loads(path.read_text())
    change(doc)
    out = path.with_name("edited.json")
    out.write_text(json.dumps(doc))
    return out


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (lambda d: d.update(resourceType="Patient"), "is not a FHIR CarePlan (it is Patient)"),
        (lambda d: d.update(activity=[]), "has no activity"),
        (
            lambda d: (
                d["activity"][0]["detail"]["code"]["coding"][0].update(code="brdge")
                or d["contained"][0]["code"]["coding"][0].update(code="brdge")
            ),
            "did you mean 'bridge'",
        ),
        (
            lambda d: d["activity"][0]["detail"].update(instantiatesCanonical=[], code={}),
            "activity[0]: names no exercise",
        ),
        (lambda d: d["activity"][0]["detail"]["quantity"].update(value=5000), "reps is 5000"),
        (lambda d: d["activity"][0]["detail"]["quantity"].update(code="kg"), "repetitions"),
        (
            lambda d: d["activity"][0]["detail"]["scheduledTiming"]["repeat"].update(
                dayOfWeek=["funday"]
            ),
            "'funday' is not a day",
        ),
    ],
)
def test_a_careplan_that_is_not_backcares_is_refused(
    cli: Cli, tmp_path: Path, change: Any, said: str
) -> None:
    out, _ = careplan(cli, tmp_path, BRIDGE)
    before = cli("programme", "show", "--json").json()
    res = cli("programme", "import", str(_edited(out, change)))
    assert res.exit_code == 1, res.output
    assert said in res.stderr and "Traceback" not in res.output
    assert ":0:" not in res.stderr  # a CarePlan has no lines to name
    assert cli("programme", "show", "--json").json() == before


def test_every_uri_of_backcares_own_is_in_the_interoperability_page() -> None:
    from backcare.domain import fhir_terms

    page = (Path(__file__).resolve().parent.parent / "docs" / "interoperability.md").read_text()
    for name in (
        "PATIENT_ID_SYSTEM",
        "RECORD_ID_SYSTEM",
        "EXERCISE_SYSTEM",
        "EXERCISE_LOG_EXTENSION",
        "SETS_EXTENSION",
        "HOLD_EXTENSION",
        "PROGRESSION_EXTENSION",
    ):
        assert getattr(fhir_terms, name) in page, name
