"""The FHIR transaction bundle, POSTed to a real server's transaction processing: Medplum's
FHIR router with its in-memory repository (``@medplum/fhir-router`` on npm), run in Node by
tests/fhir_server/transaction.mjs. No server of our own: a stand-in would only agree with
us. ``.ci/run`` installs the pinned package (``npm ci`` in tests/fhir_server); without
``node`` or the package the tests skip and say how to get them (issue 28)."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from backcare.domain.fhir_terms import PATIENT_ID_SYSTEM, URI_IDENTIFIER

SERVER = Path(__file__).resolve().parent / "fhir_server"
TODAY = date(2026, 3, 9)
START = date(2026, 3, 2)


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip(
            "node is not installed: the FHIR server tests run Medplum's router in "
            "Node (v20 or later); CI has it"
        )
    if not (SERVER / "node_modules" / "@medplum" / "fhir-router").is_dir():
        pytest.skip(
            "@medplum/fhir-router is not installed: run "
            "'npm ci --prefix tests/fhir_server' (.ci/run does)"
        )
    return node


def post(bundles: list[dict[str, Any]], tmp_path: Path) -> dict[str, Any]:
    """POST the bundles in order to one fresh server; each POST's entry responses, and every
    resource the server then holds."""
    node = _node()
    given = tmp_path / "bundles.json"
    given.write_text(json.dumps(bundles), "utf-8")
    res = subprocess.run(
        [node, str(SERVER / "transaction.mjs"), str(given)],
        cwd=SERVER,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    result: dict[str, Any] = json.loads(res.stdout)
    return result


def export(cli: Any, tmp_path: Path, name: str, day: date, *extra: str) -> dict[str, Any]:
    out = tmp_path / name
    res = cli(
        "export",
        "--format",
        "fhir",
        "--bundle",
        "transaction",
        "--out",
        str(out),
        "--date",
        day.isoformat(),
        *extra,
    )
    assert res.exit_code == 0, res.output
    data: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return data


def identifiers(resource: dict[str, Any]) -> list[dict[str, str]]:
    ids = resource.get("identifier") or []
    return ids if isinstance(ids, list) else [ids]


def own_identifier(resource: dict[str, Any]) -> str:
    return next(i["value"] for i in identifiers(resource) if i["system"] == URI_IDENTIFIER)


def record(cli: Any, *args: str) -> None:
    res = cli(*args)
    assert res.exit_code == 0, res.output


def first_week(cli: Any) -> None:
    record(cli, "pain", "6", "--date", "2026-03-02", "--symptom", "tingling")
    record(
        cli,
        "log",
        "--done",
        "bridge",
        "--hurt",
        "bridge=3",
        "--pain-before",
        "5",
        "--pain-after",
        "4",
        "--date",
        "2026-03-02",
    )
    record(cli, "assess", "odi", "--answers", "3,2,-,2,2,3,2,3,2,2", "--date", "2026-03-03")
    record(
        cli, "visit", "--kind", "manual-therapy", "--note", "mobilisation", "--date", "2026-03-04"
    )
    record(cli, "goal", "add", "walk to the shop", "--date", "2026-03-04")


def second_week(cli: Any) -> None:
    """What made every identifier move before (issue 23): a new check-in, a session, and a
    questionnaire back-filled before the first record."""
    record(cli, "pain", "4", "--date", "2026-03-09")
    record(cli, "log", "--done", "bridge", "--pain-after", "3", "--date", "2026-03-09")
    record(cli, "assess", "peg", "--answers", "5,6,4", "--date", "2026-03-01")
    record(cli, "goal", "add", "sit through a film", "--date", "2026-03-09")


def test_a_server_creates_each_record_once_across_exports(patient: Any, tmp_path: Path) -> None:
    """Export 1, export 1 again, add data, export 2: the second POST creates nothing, the
    third only the new records, and the server ends with one Patient and one resource per
    record."""
    first_week(patient)
    one = export(patient, tmp_path, "one.json", date(2026, 3, 4))
    second_week(patient)
    two = export(patient, tmp_path, "two.json", TODAY)
    result = post([one, one, two], tmp_path)
    first, again, later = result["posts"]
    assert [p["status"] for p in first] == [201] * len(one["entry"])
    assert [p["status"] for p in again] == [200] * len(one["entry"])  # nothing created
    known = {own_identifier(e["resource"]) for e in one["entry"]}
    new = {own_identifier(e["resource"]) for e in two["entry"]} - known
    assert len(new) >= 7  # a check-in, a session and its pain, a PEG and its score, a goal
    for entry, response in zip(two["entry"], later, strict=True):
        expected = 201 if own_identifier(entry["resource"]) in new else 200
        assert response["status"] == expected, (entry["resource"]["resourceType"], response)

    stored = result["stored"]
    patients = [r for r in stored if r["resourceType"] == "Patient"]
    assert len(patients) == 1
    assert len(stored) == len(two["entry"])  # one resource per record, no more
    # The identifiers reached the server as they were sent, none rewritten into an id.
    assert sorted(own_identifier(r) for r in stored) == sorted(
        own_identifier(e["resource"]) for e in two["entry"]
    )
    pid = patients[0]["id"]
    subjects = {r["subject"]["reference"] for r in stored if "subject" in r}
    assert subjects == {f"Patient/{pid}"}
    # The responses still point at the questionnaires' canonical URLs.
    urls = {r["url"] for r in stored if r["resourceType"] == "Questionnaire"}
    assert {
        r["questionnaire"] for r in stored if r["resourceType"] == "QuestionnaireResponse"
    } == urls
    assert all(u.startswith("urn:uuid:") for u in urls)


def test_the_patient_is_found_by_their_stable_identifier(patient: Any, tmp_path: Path) -> None:
    """Every export of one patient resolves to one Patient: the conditional create asks for
    the profile's patient_id, and no other system's identifier can match it by chance."""
    record(patient, "pain", "5", "--date", "2026-03-02")
    one = export(patient, tmp_path, "one.json", date(2026, 3, 2))
    (entry,) = [e for e in one["entry"] if e["resource"]["resourceType"] == "Patient"]
    (pid,) = [
        i["value"] for i in identifiers(entry["resource"]) if i["system"] == PATIENT_ID_SYSTEM
    ]
    assert entry["request"]["ifNoneExist"] == f"identifier={PATIENT_ID_SYSTEM}|{pid}"
    record(patient, "pain", "4", "--date", "2026-03-03")
    two = export(patient, tmp_path, "two.json", date(2026, 3, 3), "--name", "Sam Smith")
    stored = post([one, two], tmp_path)["stored"]
    (found,) = [r for r in stored if r["resourceType"] == "Patient"]
    assert {"system": PATIENT_ID_SYSTEM, "value": pid} in found["identifier"]
    assert len([r for r in stored if r["resourceType"] == "Observation"]) == 2


def test_edits_and_deletions_reach_the_server(patient: Any, tmp_path: Path) -> None:
    """Export 1, add data, edit one record, delete one, export 2: the server that received
    export 1 reaches the patient's state (issue 23)."""
    first_week(patient)
    one = export(patient, tmp_path, "one.json", date(2026, 3, 4))
    history = patient("history", "--json", "--date", TODAY.isoformat()).json()
    session, visit = history["sessions"][0]["id"], history["visits"][0]["id"]
    second_week(patient)
    record(patient, "edit", session, "--pain-after", "2")
    record(patient, "delete", visit, "--yes")
    two = export(patient, tmp_path, "two.json", TODAY)
    result = post([one, two], tmp_path)
    methods = [(p["method"], p["status"]) for p in result["posts"][1]]
    assert ("PUT", 200) in methods and methods.count(("DELETE", 200)) == 2  # visit, its note
    stored = result["stored"]
    sent = [e["resource"] for e in two["entry"] if "resource" in e]
    assert sorted(own_identifier(r) for r in stored) == sorted(own_identifier(r) for r in sent)
    assert not [r for r in stored if r["resourceType"] == "Encounter"]
    after = sorted(
        (
            r
            for r in stored
            if r["resourceType"] == "Observation"
            and r["code"].get("text") == "Pain after the exercise session"
        ),
        key=lambda r: r["effectiveDateTime"],
    )
    assert [r["valueInteger"] for r in after] == [2, 3]  # edited; the second week's
    (procedure, _) = sorted(
        (r for r in stored if r["resourceType"] == "Procedure"),
        key=lambda r: r["performedDateTime"],
    )
    assert [r["partOf"] for r in after][0] == [{"reference": f"Procedure/{procedure['id']}"}]
