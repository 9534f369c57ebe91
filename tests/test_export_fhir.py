"""`backcare export --format fhir`: a FHIR R5 collection Bundle that fhir.resources accepts."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import export_document

from backcare.domain.models import Assessment, Dose, ExerciseLog, PainCheckin, Session, Visit
from backcare.domain.scoring import StartBackAnswers, score
from backcare.storage import Store

D = date.fromisoformat
PAIN_LOINC = "72514-3"
MINUTES_LOINC = "68516-4"
DAYS_LOINC = "89555-7"


def seed(home: Path) -> Store:
    s = Store(home)
    s.put_checkin(PainCheckin(D("2026-03-02"), 6, "stiff", ("tingling",), True))
    s.put_checkin(PainCheckin(D("2026-03-03"), 4))
    s.add_session(Session("s-20260302-0001", D("2026-03-02"), (
        ExerciseLog("bridge", "done", Dose(sets=2, reps=10, hold_seconds=5), 3),
        ExerciseLog("walking", "done", Dose(duration_minutes=15), 2),
    ), 5, 4, "ok"))
    s.add_session(Session("s-20260302-0002", D("2026-03-02"), (
        ExerciseLog("cycling", "partial", Dose(duration_minutes=10)),)))
    s.add_session(Session("s-20260303-0003", D("2026-03-03"), (
        ExerciseLog("walking", "skipped", Dose(duration_minutes=15)),)))
    for i, (inst, given) in enumerate({
            "odi": [3, 2, None, 2, 2, 3, 2, 3, 2, 2],
            "startback": StartBackAnswers((True,) * 5 + (False,) * 3, 3),
            "psfs": {"walking": 4, "sitting": 6, "lifting": 3}}.items()):
        scored = score(inst, given)  # type: ignore[arg-type]
        s.add_assessment(Assessment(f"a-{inst}", D(f"2026-03-0{i + 2}"), inst,
                                    scored.answers_json, scored.score, scored.band))
    s.add_visit(Visit("v-1", D("2026-03-04"), "manual-therapy", "mobilisation"))
    s.add_goal("walk to the shop", D("2026-03-02"), D("2026-04-30"), None)
    return s


def export(cli, tmp_path: Path, *extra: str, name: str = "bundle.json") -> dict[str, Any]:
    out = tmp_path / name
    res = cli("export", "--format", "fhir", "--out", str(out), *extra)
    assert res.exit_code == 0, res.output
    return json.loads(out.read_text("utf-8"))


def resources(bundle: dict[str, Any], kind: str, code: str | None = None) -> list[dict]:
    found = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]
    if code is not None:
        found = [r for r in found if any(c.get("code") == code
                                         for c in r.get("code", {}).get("coding", []))]
    return found


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One bundle for the module's content tests, made by the exporter itself (the CLI is
    tested below); building it once keeps the suite quick."""
    from backcare.domain.analytics import progress_report
    from backcare.domain.clinical import DEFAULT
    from backcare.exporters import ExportContext, get_exporter
    from backcare.loading.library import load_library

    home = tmp_path_factory.mktemp("fhir") / "home"
    store = seed(home)
    lib = load_library(home)
    history = store.history()
    first = history.first_day()
    assert first is not None
    last = date(2026, 3, 5)
    report = progress_report(store.profile(), history, store.programme(), first, last, last,
                             DEFAULT, lib.categories(), store.goals())
    ctx = ExportContext(doc=export_document(store, None, None, "2026-03-05T10:00:00+00:00"),
                        exported_at="2026-03-05T10:00:00+00:00", report=report,
                        exercise_names=lib.names())
    return json.loads(get_exporter("fhir").render(ctx).data)


def test_the_written_file_validates_and_the_same_data_gives_the_same_bundle(
        cli, backcare_home: Path, tmp_path: Path) -> None:
    from fhir.resources.bundle import Bundle

    seed(backcare_home)
    a = export(cli, tmp_path, "--name", "Sam Smith", name="a.json")
    parsed = Bundle.model_validate(a)
    assert parsed.type == "collection" and a["resourceType"] == "Bundle"
    urls = [e["fullUrl"] for e in a["entry"]]
    assert len(urls) == len(set(urls)) and all(u.startswith("urn:uuid:") for u in urls)
    (patient,) = resources(a, "Patient")
    assert patient["name"] == [{"text": "Sam Smith"}]  # a name only with --name
    b = export(cli, tmp_path, "--name", "Sam Smith", name="b.json")
    a.pop("timestamp"), b.pop("timestamp")
    assert a == b  # uuid5 fullUrls from record ids: stable exports


def test_the_patient_is_a_placeholder_that_every_resource_points_to(
        bundle: dict[str, Any]) -> None:
    (patient_entry,) = [e for e in bundle["entry"]
                        if e["resource"]["resourceType"] == "Patient"]
    assert patient_entry["resource"] == {"resourceType": "Patient"}  # no name, no identifier
    for e in bundle["entry"]:
        subject = e["resource"].get("subject")
        if subject is not None:
            assert subject == {"reference": patient_entry["fullUrl"]}


def test_pain_checkins_are_loinc_72514_3_survey_observations(bundle: dict[str, Any]) -> None:
    checkins = [r for r in resources(bundle, "Observation", PAIN_LOINC) if "partOf" not in r]
    assert [(r["effectiveDateTime"], r["valueInteger"]) for r in checkins] == \
        [("2026-03-02", 6), ("2026-03-03", 4)]
    first = checkins[0]
    assert first["status"] == "final"
    assert first["category"][0]["coding"][0]["system"] == \
        "http://terminology.hl7.org/CodeSystem/observation-category"
    assert first["category"][0]["coding"][0]["code"] == "survey"
    assert first["note"] == [{"text": "stiff"}]
    assert {c["code"]["text"] for c in first["component"]} == \
        {"Symptom reported: tingling", "Flare-up declared by the patient"}


def test_sessions_are_procedures_with_their_pain_as_observations(
        bundle: dict[str, Any]) -> None:
    procedures = resources(bundle, "Procedure", "229065009")
    assert [p["status"] for p in procedures] == ["completed", "completed", "not-done"]
    assert procedures[0]["occurrenceDateTime"] == "2026-03-02"
    assert "2 × 10" in procedures[0]["note"][0]["text"]
    in_session = [r for r in resources(bundle, "Observation", PAIN_LOINC) if "partOf" in r]
    assert sorted(r["valueInteger"] for r in in_session) == [2, 3, 4, 5]


def test_aerobic_minutes_per_day_and_days_per_week(bundle: dict[str, Any]) -> None:
    minutes = resources(bundle, "Observation", MINUTES_LOINC)
    # walking 15 + cycling 10 on the 2nd; the skipped walk on the 3rd does not count;
    # the bridge is not aerobic.
    assert [(r["effectiveDateTime"], r["valueQuantity"]["value"]) for r in minutes] == \
        [("2026-03-02", 25)]
    quantity = minutes[0]["valueQuantity"]
    assert (quantity["unit"], quantity["system"], quantity["code"]) == \
        ("min", "http://unitsofmeasure.org", "min")
    (week,) = resources(bundle, "Observation", DAYS_LOINC)
    assert week["valueQuantity"]["value"] == 1
    assert week["effectivePeriod"] == {"start": "2026-03-02", "end": "2026-03-08"}


def test_questionnaires_are_questionnaire_responses_with_items_and_a_score(
        bundle: dict[str, Any]) -> None:
    responses = {r["questionnaire"].rsplit("/", 1)[1]: r
                 for r in resources(bundle, "QuestionnaireResponse")}
    assert set(responses) == {"odi", "startback", "psfs"}
    odi = responses["odi"]
    assert odi["status"] == "completed" and odi["authored"] == "2026-03-02"
    items = {i["linkId"]: i for i in odi["item"]}
    assert items["1"]["answer"] == [{"valueInteger": 3}]
    assert "answer" not in items["3"]  # the unanswered section
    assert items["score"]["answer"] == [{"valueDecimal": 46.7}]
    assert items["band"]["answer"] == [{"valueString": "severe"}]
    startback = {i["linkId"]: i for i in responses["startback"]["item"]}
    assert startback["1"]["answer"] == [{"valueBoolean": True}]
    assert startback["9"]["answer"] == [{"valueInteger": 3}]
    psfs = [i for i in responses["psfs"]["item"] if i["linkId"].startswith("activity")]
    assert [i["text"] for i in psfs] == ["walking", "sitting", "lifting"]


def test_visits_and_goals_are_included(bundle: dict[str, Any]) -> None:
    (visit,) = resources(bundle, "Encounter")
    assert visit["actualPeriod"]["start"] == "2026-03-04"
    (goal,) = resources(bundle, "Goal")
    assert goal["description"]["text"] == "walk to the shop"
    assert goal["lifecycleStatus"] == "active"


def test_an_empty_folder_gives_a_valid_bundle_with_only_the_patient(
        cli, tmp_path: Path) -> None:
    from fhir.resources.bundle import Bundle

    bundle = export(cli, tmp_path)
    Bundle.model_validate(bundle)
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient"]
