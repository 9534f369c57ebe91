"""FHIR identifiers that never move (issues 28 and 23): a record's identifier comes from the
patient's patient_id and the record's own id, and nothing else, so export after export of a
growing, corrected record gives each resource the same identifier; edits travel as
conditional updates and deletions as conditional deletes. R4 and R5 alike, each bundle
validated in full with fhir.resources."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from backcare.domain.fhir_terms import (
    IDENTIFIER_NAMESPACE,
    NAMESPACE,
    PATIENT_ID_SYSTEM,
    URI_IDENTIFIER,
    record_identifier,
)

TODAY = date(2026, 3, 9)
START = date(2026, 3, 2)


def validate(bundle: dict[str, Any], version: str) -> None:
    if version == "r4":
        from fhir.resources.R4B.bundle import Bundle
    else:
        from fhir.resources.bundle import Bundle
    Bundle.model_validate(bundle)


def run(cli: Any, *args: str) -> Any:
    res = cli(*args)
    assert res.exit_code == 0, res.output
    return res


def export(cli: Any, tmp_path: Path, name: str, day: str, version: str) -> dict[str, Any]:
    out = tmp_path / name
    run(
        cli,
        "export",
        "--format",
        "fhir",
        "--bundle",
        "transaction",
        "--fhir-version",
        version,
        "--out",
        str(out),
        "--date",
        day,
    )
    data: dict[str, Any] = json.loads(out.read_text("utf-8"))
    validate(data, version)
    return data


def own(resource: dict[str, Any]) -> str:
    ids = resource["identifier"]
    return next(
        i["value"]
        for i in (ids if isinstance(ids, list) else [ids])
        if i["system"] == URI_IDENTIFIER
    )


def by_identifier(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {own(e["resource"]): e for e in bundle["entry"] if "resource" in e}


def session_id(cli: Any, day: str) -> str:
    doc = run(cli, "history", "--json", "--date", TODAY.isoformat()).json()
    ident: str = next(s["id"] for s in doc["sessions"] if s["date"] == day)
    return ident


def visit_id(cli: Any) -> str:
    doc = run(cli, "history", "--json", "--date", TODAY.isoformat()).json()
    ident: str = doc["visits"][0]["id"]
    return ident


def first_records(cli: Any) -> None:
    run(cli, "pain", "6", "--date", "2026-03-02")
    run(
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
    run(cli, "assess", "odi", "--answers", "3,2,-,2,2,3,2,3,2,2", "--date", "2026-03-03")
    run(cli, "visit", "--kind", "manual-therapy", "--note", "mobilisation", "--date", "2026-03-04")
    run(cli, "goal", "add", "walk to the shop", "--date", "2026-03-04")


@pytest.mark.parametrize("version", ["r4", "r5"])
def test_identifiers_stay_as_data_grows_and_corrections_travel(
    patient: Any, tmp_path: Path, version: str
) -> None:
    """Export 1, add data, edit one record, delete one, export 2."""
    first_records(patient)
    one = export(patient, tmp_path, "one.json", "2026-03-04", version)
    session = session_id(patient, "2026-03-02")
    visit = visit_id(patient)
    # Each of these changed every identifier before (issue 23): a check-in, the first log
    # of a day, a questionnaire back-filled before the first record.
    run(patient, "pain", "4", "--date", "2026-03-05")
    run(patient, "log", "--done", "bridge", "--date", "2026-03-05")
    run(patient, "assess", "peg", "--answers", "5,6,4", "--date", "2026-03-01")
    run(patient, "edit", session, "--pain-after", "2", "--hurt", "bridge=5")
    run(patient, "delete", visit, "--yes")
    two = export(patient, tmp_path, "two.json", TODAY.isoformat(), version)

    before, after = by_identifier(one), by_identifier(two)
    deletes = {e["request"]["url"] for e in two["entry"] if e["request"]["method"] == "DELETE"}
    deleted = {u.split("|", 1)[1] for u in deletes}
    kinds_deleted = sorted(u.split("?", 1)[0] for u in deletes)
    # The visit and its note, nothing else.
    assert kinds_deleted == ["Encounter", "Observation"]
    assert all(u.split("?", 1)[1].startswith(f"identifier={URI_IDENTIFIER}|") for u in deletes)
    # Every identifier of export 1 that still exists is in export 2, unchanged.
    assert set(before) - deleted <= set(after)
    assert deleted <= set(before) and not deleted & set(after)
    # The new records are new, and conditional creates.
    new = set(after) - set(before)
    assert sorted(after[v]["resource"]["resourceType"] for v in new) == [
        "Observation",
        "Observation",
        "Procedure",
        "Questionnaire",
        "QuestionnaireResponse",
    ]  # a check-in, a session, a PEG, its score and Questionnaire
    for value in new:
        assert after[value]["request"]["method"] == "POST"
    # The edited session, its pain and its exercise's pain are updates on their identifier.
    updated = {v for v, e in after.items() if e["request"]["method"] == "PUT"}
    procedure = next(v for v in updated if after[v]["resource"]["resourceType"] == "Procedure")
    assert procedure in before
    for value in updated:
        entry = after[value]
        kind = entry["resource"]["resourceType"]
        assert entry["request"]["url"] == f"{kind}?identifier={URI_IDENTIFIER}|{value}"
        assert value in before
    pains = sorted(
        after[v]["resource"].get("valueInteger")
        for v in updated
        if after[v]["resource"]["resourceType"] == "Observation"
    )
    assert pains == [2, 5, 5]  # after, with bridge, before
    # The rest were not touched: conditional creates that find what is there.
    untouched = set(before) - deleted - updated
    assert untouched and all(after[v]["request"]["method"] == "POST" for v in untouched)
    assert all(
        after[v]["resource"] == before[v]["resource"]
        for v in untouched
        if after[v]["resource"]["resourceType"] != "Patient"
    )


def test_the_identifier_is_the_patient_id_and_the_record_id_and_never_a_full_url(
    patient: Any, tmp_path: Path
) -> None:
    first_records(patient)
    bundle = export(patient, tmp_path, "b.json", "2026-03-04", "r4")
    (pat,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    (pid,) = [i["value"] for i in pat["identifier"] if i["system"] == PATIENT_ID_SYSTEM]
    session = session_id(patient, "2026-03-02")
    procedure = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Procedure")
    assert own(procedure["resource"]) == record_identifier(pid, "session", session)
    checkin = by_identifier(bundle)[record_identifier(pid, "pain", "p-2026-03-02")]
    assert checkin["resource"]["valueInteger"] == 6
    assert IDENTIFIER_NAMESPACE != NAMESPACE
    urls = {e["fullUrl"] for e in bundle["entry"]}
    assert not urls & set(by_identifier(bundle))


def test_two_patients_records_never_share_an_identifier() -> None:
    """Check-in ids are their dates: the patient's id keeps two patients' check-ins apart."""
    assert record_identifier("pt-0000000000000001", "pain", "p-2026-03-02") != record_identifier(
        "pt-0000000000000002", "pain", "p-2026-03-02"
    )
    assert record_identifier("pt-0000000000000001", "pain", "p-2026-03-02") == record_identifier(
        "pt-0000000000000001", "pain", "p-2026-03-02"
    )


def test_the_clinic_reads_a_transaction_with_deletes(patient: Any, tmp_path: Path) -> None:
    """A delete entry holds no resource; the clinic's reader passes over it (issue 16)."""
    first_records(patient)
    run(patient, "delete", visit_id(patient), "--yes")
    bundle = export(patient, tmp_path, "b.json", "2026-03-04", "r4")
    assert [e["request"]["method"] for e in bundle["entry"]].count("DELETE") == 2
    res = run(patient, "clinic", "add", str(tmp_path / "b.json"), "--as", "Me", "--json")
    (added,) = res.json()["added"]
    # The check-in, the session, the questionnaire and the goal; the deleted visit is not.
    assert added["format"] == "fhir" and added["records_added"] == 4


def test_a_checkin_moved_to_another_day_is_deleted_where_it_was(
    patient: Any, tmp_path: Path
) -> None:
    """A check-in's id is its day: moved, it is a new record, and the old one goes."""
    run(patient, "pain", "5", "--date", "2026-03-03")
    one = export(patient, tmp_path, "one.json", "2026-03-03", "r4")
    run(patient, "edit", "p-2026-03-03", "--date", "2026-03-04")
    two = export(patient, tmp_path, "two.json", "2026-03-04", "r4")
    (old,) = [
        own(e["resource"]) for e in one["entry"] if e["resource"]["resourceType"] == "Observation"
    ]
    (delete,) = [e["request"]["url"] for e in two["entry"] if "resource" not in e]
    assert delete == f"Observation?identifier={URI_IDENTIFIER}|{old}"
    (moved,) = [
        e for e in two["entry"] if e.get("resource", {}).get("resourceType") == "Observation"
    ]
    assert moved["resource"]["effectiveDateTime"] == "2026-03-04" and own(moved["resource"]) != old


def test_a_record_deleted_and_made_again_is_an_update(patient: Any, tmp_path: Path) -> None:
    """The server may hold the deleted version: the new one replaces it, and is not
    deleted."""
    run(patient, "pain", "5", "--date", "2026-03-03", "--note", "stiff")
    run(patient, "delete", "p-2026-03-03", "--yes", "--date", "2026-03-04")
    run(patient, "pain", "3", "--date", "2026-03-03")
    bundle = export(patient, tmp_path, "b.json", "2026-03-04", "r5")
    (entry,) = [
        e for e in bundle["entry"] if e.get("resource", {}).get("resourceType") == "Observation"
    ]
    assert entry["request"]["method"] == "PUT" and entry["resource"]["valueInteger"] == 3
    assert "note" not in entry["resource"]
    assert not [e for e in bundle["entry"] if e["request"]["method"] == "DELETE"]


@pytest.mark.parametrize("name", ["", "pt-1/pain:p-2026-03-02", "Ünïcode ✓ 名前", "x" * 500])
def test_the_fast_uuid5_is_uuid5(name: str) -> None:
    import uuid

    from backcare.domain.fhir_terms import uuid5_urn

    for namespace in (NAMESPACE, IDENTIFIER_NAMESPACE, uuid.NAMESPACE_URL):
        assert uuid5_urn(namespace, name) == f"urn:uuid:{uuid.uuid5(namespace, name)}"
