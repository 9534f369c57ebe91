"""`backcare export --format fhir`: a FHIR R4 (default) or R5 Bundle, a collection or a
transaction that a server can take as it is. Every bundle here is validated in full with
fhir.resources (its R4B models for R4). No FHIR server can run here: the tests check the
bundle itself."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import export_document

from backcare.domain.fhir_terms import PATIENT_ID_SYSTEM, RECORD_ID_SYSTEM
from backcare.domain.models import (
    Assessment,
    Dose,
    ExerciseLog,
    PainCheckin,
    Profile,
    Session,
    Visit,
)
from backcare.domain.scoring import StartBackAnswers, score
from backcare.storage import Store

D = date.fromisoformat
PAIN_LOINC = "72514-3"
DURATION_LOINC = "55411-3"
URI = "urn:ietf:rfc:3986"
LAST = D("2026-03-05")
STAMP = "2026-03-05T10:00:00+00:00"


def seed(home: Path) -> Store:
    s = Store(home)
    s.save_profile(
        Profile(
            start_date=D("2026-03-02"),
            baseline_pain=6,
            equipment=["none", "mat"],
            created=D("2026-03-02"),
        )
    )
    s.put_checkin(PainCheckin(D("2026-03-02"), 6, "stiff", ("tingling", "night-pain"), True))
    s.put_checkin(PainCheckin(D("2026-03-03"), 4))
    s.add_session(
        Session(
            "s-20260302-0001",
            D("2026-03-02"),
            (
                ExerciseLog("bridge", "done", Dose(sets=2, reps=10, hold_seconds=5), 3),
                ExerciseLog("walking", "done", Dose(duration_minutes=15), 2),
                ExerciseLog("hamstring-stretch", "done", Dose(sets=1, reps=3, hold_seconds=20)),
            ),
            5,
            4,
            "ok",
        )
    )
    s.add_session(
        Session(
            "s-20260302-0002",
            D("2026-03-02"),
            (ExerciseLog("cycling", "partial", Dose(duration_minutes=10)),),
        )
    )
    s.add_session(
        Session(
            "s-20260303-0003",
            D("2026-03-03"),
            (ExerciseLog("walking", "skipped", Dose(duration_minutes=15)),),
        )
    )
    answers = {
        "odi": [3, 2, None, 2, 2, 3, 2, 3, 2, 2],
        "startback": StartBackAnswers((True,) * 5 + (False,) * 3, 3),
        "psfs": {"walking": 4, "sitting": 6, "lifting": 3},
        "rmdq": [True] * 5 + [False] * 19,
        "peg": [5, 6, 4],
    }
    for i, (inst, given) in enumerate(answers.items()):
        scored = score(inst, given)  # type: ignore[arg-type]
        s.add_assessment(
            Assessment(
                f"a-{inst}",
                D(f"2026-03-0{i % 4 + 2}"),
                inst,
                scored.answers_json,
                scored.score,
                scored.band,
            )
        )
    s.add_visit(Visit("v-1", D("2026-03-04"), "manual-therapy", "mobilisation L4-L5"))
    s.add_visit(Visit("v-2", D("2026-03-05"), "assessment"))
    s.add_goal("walk to the shop", D("2026-03-02"), D("2026-04-30"), None)
    done = s.add_goal("sit through a film", D("2026-03-02"), None, None)
    s.complete_goal(done.id, D("2026-03-04"))
    return s


def validate(bundle: dict[str, Any], version: str) -> Any:
    """Every resource, in full, with the version's models."""
    if version == "r4":
        from fhir.resources.R4B.bundle import Bundle
    else:
        from fhir.resources.bundle import Bundle
    return Bundle.model_validate(bundle)


def export(cli, tmp_path: Path, *extra: str, name: str = "bundle.json") -> dict[str, Any]:
    out = tmp_path / name
    res = cli("export", "--format", "fhir", "--out", str(out), "--date", LAST.isoformat(), *extra)
    assert res.exit_code == 0, res.output
    data: dict[str, Any] = json.loads(out.read_text("utf-8"))
    return data


def resources(bundle: dict[str, Any], kind: str, code: str | None = None) -> list[dict]:
    found = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]
    if code is not None:
        found = [
            r
            for r in found
            if any(c.get("code") == code for c in r.get("code", {}).get("coding", []))
        ]
    return found


def build(home: Path, version: str = "r4", kind: str = "collection") -> dict[str, Any]:
    """A bundle made by the exporter itself from the seeded folder (the CLI is tested
    below); the same context the command builds."""
    from backcare.exporters import get_exporter

    ctx = context(home, version, kind)
    data: dict[str, Any] = json.loads(get_exporter("fhir").render(ctx).whole()[0])
    return data


def context(home: Path, version: str = "r4", kind: str = "collection") -> Any:
    """The export context of the seeded folder, as the command builds it."""
    from backcare.domain.analytics import progress_report
    from backcare.domain.clinical import DEFAULT
    from backcare.domain.document import patient_key
    from backcare.exporters import ExportContext
    from backcare.loading.library import load_library

    store = Store(home)
    lib = load_library(home)
    history = store.history()
    first = history.first_day()
    assert first is not None
    report = progress_report(
        store.profile(),
        history,
        store.programme(),
        first,
        LAST,
        LAST,
        DEFAULT,
        lib.categories(),
        store.goals(),
    )
    ctx = ExportContext(
        doc=export_document(store, None, None, STAMP),
        exported_at=STAMP,
        aerobic_minutes={ident: minutes for ident, _day, minutes in report.aerobic_sessions},
        exercise_names=lib.names(),
        per_side=frozenset(e.id for e in lib if e.per_side),
        fhir_version=version,
        bundle=kind,
        patient_key=patient_key(store.profile(), history),
    )
    return ctx


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("fhir") / "home"
    seed(path)
    return path


@pytest.fixture(scope="module", params=["r4", "r5"])
def bundle(request: pytest.FixtureRequest, home: Path) -> dict[str, Any]:
    data = build(home, request.param)
    data["_version"] = request.param
    return data


def plain(bundle: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in bundle.items() if not k.startswith("_")}


def test_both_versions_validate_in_full(bundle: dict[str, Any]) -> None:
    parsed = validate(plain(bundle), bundle["_version"])
    assert parsed.type == "collection"
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == {
        "Patient",
        "Observation",
        "Procedure",
        "Questionnaire",
        "QuestionnaireResponse",
        "Encounter",
        "Goal",
    }


def test_r4_names_what_r4_names(home: Path) -> None:
    r4 = build(home, "r4")
    (procedure, *_) = resources(r4, "Procedure")
    assert procedure["performedDateTime"] == "2026-03-02"
    assert "occurrenceDateTime" not in procedure and "reportedBoolean" not in procedure
    visit = resources(r4, "Encounter")[0]
    assert visit["status"] == "finished"
    assert visit["class"] == {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
        "code": "AMB",
        "display": "ambulatory",
    }
    assert visit["period"] == {"start": "2026-03-04", "end": "2026-03-04"}
    assert isinstance(resources(r4, "QuestionnaireResponse")[0]["identifier"], dict)


def test_r5_names_what_r5_names(home: Path) -> None:
    r5 = build(home, "r5")
    (procedure, *_) = resources(r5, "Procedure")
    assert procedure["occurrenceDateTime"] == "2026-03-02" and procedure["reportedBoolean"]
    visit = resources(r5, "Encounter")[0]
    assert visit["status"] == "completed"
    assert visit["class"][0]["coding"][0]["code"] == "AMB"
    assert visit["actualPeriod"] == {"start": "2026-03-04", "end": "2026-03-04"}
    assert isinstance(resources(r5, "QuestionnaireResponse")[0]["identifier"], list)


def test_every_resource_has_a_narrative_and_a_stable_identifier(bundle: dict[str, Any]) -> None:
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(urls) == len(set(urls)) and all(u.startswith("urn:uuid:") for u in urls)
    for entry in bundle["entry"]:
        r = entry["resource"]
        assert r["text"]["status"] == "generated"
        div = r["text"]["div"]
        assert div.startswith('<div xmlns="http://www.w3.org/1999/xhtml">') and len(div) > 60
        ids = r["identifier"] if isinstance(r["identifier"], list) else [r["identifier"]]
        assert ids[0]["system"] == URI and ids[0]["value"].startswith("urn:uuid:")
        # Then, where there is one, backcare's own id of the record (or the patient's
        # stable identifier), which the clinic reads back (issue 16).
        assert all(i["system"] in (RECORD_ID_SYSTEM, PATIENT_ID_SYSTEM) for i in ids[1:])
    # No identifier equals a fullUrl: a server rewrites those into its own ids (issue 28).
    values = [i["value"] for e in bundle["entry"] for i in _ids(e["resource"])]
    assert len(set(values) & set(urls)) == 0
    own = [_ids(e["resource"])[0]["value"] for e in bundle["entry"]]
    assert len(own) == len(set(own))


def _ids(resource: dict[str, Any]) -> list[dict[str, str]]:
    ids = resource["identifier"]
    return ids if isinstance(ids, list) else [ids]


def test_the_patient_is_pseudonymous_and_every_resource_points_to_it(
    bundle: dict[str, Any],
) -> None:
    (entry,) = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient"]
    # No name; the one extension is the programme's settings (issue 22), nothing identifying.
    assert set(entry["resource"]) == {"resourceType", "text", "identifier", "extension"}
    from backcare.domain.fhir_profile import PROFILE_EXTENSION

    assert [x["url"] for x in entry["resource"]["extension"]] == [PROFILE_EXTENSION]
    for e in bundle["entry"]:
        subject = e["resource"].get("subject")
        if subject is not None:
            assert subject == {"reference": entry["fullUrl"]}


def test_pain_checkins_with_symptoms_coded_where_a_code_exists(bundle: dict[str, Any]) -> None:
    checkins = [r for r in resources(bundle, "Observation", PAIN_LOINC) if "partOf" not in r]
    assert [(r["effectiveDateTime"], r["valueInteger"]) for r in checkins] == [
        ("2026-03-02", 6),
        ("2026-03-03", 4),
    ]
    first = checkins[0]
    assert first["category"][0]["coding"][0]["code"] == "survey"
    assert first["note"] == [{"text": "stiff"}]
    by_text = {c["code"]["text"]: c for c in first["component"]}
    tingling = by_text["Symptom reported: tingling"]
    assert tingling["code"]["coding"] == [
        {
            "system": "http://snomed.info/sct",
            "code": "62507009",
            "display": "Pins and needles (finding)",
        }
    ]
    assert "coding" not in by_text["Symptom reported: night pain"]["code"]  # words kept
    assert by_text["Flare-up declared by the patient"]["valueBoolean"] is True


def test_sessions_are_procedures_with_their_pain_and_minutes(bundle: dict[str, Any]) -> None:
    procedures = resources(bundle, "Procedure", "229065009")
    assert [p["status"] for p in procedures] == ["completed", "completed", "not-done"]
    text = procedures[0]["note"][0]["text"]
    assert "2 × 10" in text and "1 × 3, hold 20 s each side" in text  # doses as prescribed
    urls = {id(p): e["fullUrl"] for e in bundle["entry"] for p in [e["resource"]]}
    in_session = [r for r in resources(bundle, "Observation", PAIN_LOINC) if "partOf" in r]
    assert sorted(r["valueInteger"] for r in in_session) == [2, 3, 4, 5]
    minutes = resources(bundle, "Observation", DURATION_LOINC)
    # walking 15 in the first session, cycling 10 (partial) in the second; the skipped walk
    # and the bridge (not aerobic) give none.
    assert [
        (m["effectiveDateTime"], m["valueQuantity"]["value"], m["partOf"][0]["reference"])
        for m in minutes
    ] == [("2026-03-02", 15, urls[id(procedures[0])]), ("2026-03-02", 10, urls[id(procedures[1])])]
    assert minutes[0]["valueQuantity"]["code"] == "min"
    codes = {
        c["code"] for r in resources(bundle, "Observation") for c in r["code"].get("coding", [])
    }
    assert not codes & {"68516-4", "89555-7"}  # "on average" and "last 30 days" codes


def test_questionnaires_resolve_inside_the_bundle(bundle: dict[str, Any]) -> None:
    questionnaires = {q["url"]: q for q in resources(bundle, "Questionnaire")}
    responses = resources(bundle, "QuestionnaireResponse")
    assert len(questionnaires) == len(responses) == 5  # one instrument each
    for r in responses:
        q = questionnaires[r["questionnaire"]]
        links = {i["linkId"] for i in q["item"]}
        assert {i["linkId"] for i in r["item"]} <= links
    assert "backcare.local" not in json.dumps(plain(bundle))
    odi = next(q for q in questionnaires.values() if q["title"] == "Oswestry Disability Index")
    assert odi["code"][0]["code"] == "97908-8" and len(odi["item"]) == 10


def test_scores_and_bands_are_observations_derived_from_the_response(
    bundle: dict[str, Any],
) -> None:
    response_url = {
        e["resource"]["questionnaire"]: e["fullUrl"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    }
    for r in resources(bundle, "QuestionnaireResponse"):
        assert not {i["linkId"] for i in r["item"]} & {"score", "band"}
    derived = [r for r in resources(bundle, "Observation") if "derivedFrom" in r]
    assert {d["derivedFrom"][0]["reference"] for d in derived} == set(response_url.values())
    (odi,) = resources(bundle, "Observation", "97909-6")
    assert odi["valueQuantity"] == {
        "value": 46.7,
        "unit": "%",
        "system": "http://unitsofmeasure.org",
        "code": "%",
    }
    (risk,) = resources(bundle, "Observation", "91352-5")
    assert risk["valueCodeableConcept"]["coding"][0]["code"] in {"LA9194-7", "LA8982-6", "LA9193-9"}
    assert resources(bundle, "Observation", "91351-7")  # STarT Back total
    odi_band = [d for d in derived if d["code"].get("text") == "Oswestry Disability Index band"]
    assert odi_band[0]["valueCodeableConcept"] == {"text": "severe"}


def test_questionnaire_answers_are_items(bundle: dict[str, Any]) -> None:
    by_q = {}
    for r in resources(bundle, "QuestionnaireResponse"):
        by_q[r["authored"] + r["item"][0]["linkId"]] = r
    odi = next(r for r in resources(bundle, "QuestionnaireResponse") if len(r["item"]) == 10)
    items = {i["linkId"]: i for i in odi["item"]}
    assert items["1"]["answer"] == [{"valueInteger": 3}]
    assert "answer" not in items["3"]  # the unanswered section
    psfs = next(
        r
        for r in resources(bundle, "QuestionnaireResponse")
        if r["item"][0]["linkId"] == "activity-1"
    )
    assert [i["text"] for i in psfs["item"]] == ["walking", "sitting", "lifting"]


def test_visit_notes_are_kept_with_their_encounter(bundle: dict[str, Any]) -> None:
    visits = {
        e["fullUrl"]: e["resource"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "Encounter"
    }
    assert len(visits) == 2
    notes = [r for r in resources(bundle, "Observation") if "encounter" in r]
    assert [(n["valueString"], n["encounter"]["reference"] in visits) for n in notes] == [
        ("mobilisation L4-L5", True)
    ]


def test_goals_with_their_state(bundle: dict[str, Any]) -> None:
    goals = {g["description"]["text"]: g for g in resources(bundle, "Goal")}
    assert goals["walk to the shop"]["lifecycleStatus"] == "active"
    assert goals["walk to the shop"]["target"] == [{"dueDate": "2026-04-30"}]
    done = goals["sit through a film"]
    assert done["lifecycleStatus"] == "completed" and done["statusDate"] == "2026-03-04"


@pytest.mark.parametrize("version", ["r4", "r5"])
def test_a_transaction_bundle_creates_nothing_twice(home: Path, version: str) -> None:
    tx = build(home, version, "transaction")
    assert validate(tx, version).type == "transaction"
    urls = {e["fullUrl"] for e in tx["entry"]}
    for entry in tx["entry"]:
        r = entry["resource"]
        request = entry["request"]
        assert request["method"] == "POST" and request["url"] == r["resourceType"]
        ids = _ids(r)
        if r["resourceType"] == "Patient":  # found by the patient's stable identifier
            assert request["ifNoneExist"] == f"identifier={ids[-1]['system']}|{ids[-1]['value']}"
        else:
            assert request["ifNoneExist"] == f"identifier={URI}|{ids[0]['value']}"
    # Every reference is to an entry of the bundle, which the server resolves on POST; a
    # response's questionnaire is a Questionnaire's canonical URL, which is not a fullUrl.
    text = json.dumps(tx)
    canonical = {
        e["resource"]["url"]
        for e in tx["entry"]
        if e["resource"]["resourceType"] == "Questionnaire"
    }
    assert not canonical & urls
    for entry in tx["entry"]:
        for ref in _references(entry["resource"]):
            assert ref in urls | canonical, ref
    assert "urn:uuid:" in text
    again = build(home, version, "transaction")
    assert again == tx  # two exports of the same data: the same identifiers


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["reference"]] if isinstance(node.get("reference"), str) else []
        if "questionnaire" in node and isinstance(node["questionnaire"], str):
            found.append(node["questionnaire"])
        return found + [r for v in node.values() for r in _references(v)]
    if isinstance(node, list):
        return [r for v in node for r in _references(v)]
    return []


def test_two_patients_never_share_an_identifier(tmp_path: Path) -> None:
    """Check-in ids are their dates: without the patient's key two patients' check-ins of
    one day would be one resource on the server."""
    a, b = tmp_path / "a", tmp_path / "b"
    for home, sid in ((a, "s-20260302-aaaa0001"), (b, "s-20260302-bbbb0002")):
        s = Store(home)
        s.put_checkin(PainCheckin(D("2026-03-02"), 5))
        s.add_session(
            Session(sid, D("2026-03-02"), (ExerciseLog("bridge", "done", Dose(sets=2, reps=10)),))
        )
    ids_a = {e["fullUrl"] for e in build(a)["entry"]}
    ids_b = {e["fullUrl"] for e in build(b)["entry"]}
    assert not ids_a & ids_b


def test_the_command_defaults_to_an_r4_collection(cli, backcare_home: Path, tmp_path: Path) -> None:
    seed(backcare_home)
    a = export(cli, tmp_path, "--name", "Sam Smith", name="a.json")
    validate(a, "r4")
    assert a["type"] == "collection" and "performedDateTime" in resources(a, "Procedure")[0]
    (patient,) = resources(a, "Patient")
    assert patient["name"] == [{"text": "Sam Smith"}]  # a name only with --name
    b = export(cli, tmp_path, "--name", "Sam Smith", name="b.json")
    a.pop("timestamp"), b.pop("timestamp")
    assert a == b


def test_the_command_writes_r5_and_transactions(cli, backcare_home: Path, tmp_path: Path) -> None:
    seed(backcare_home)
    r5 = export(cli, tmp_path, "--fhir-version", "r5", "--bundle", "transaction")
    validate(r5, "r5")
    assert r5["type"] == "transaction" and all("request" in e for e in r5["entry"])


def test_fhir_options_are_for_fhir_only(cli, tmp_path: Path) -> None:
    for option, value in (("--fhir-version", "r4"), ("--bundle", "transaction")):
        res = cli("export", "--format", "json", "--out", str(tmp_path / "x.json"), option, value)
        assert res.exit_code == 2 and f"{option} is for --format fhir only" in res.stderr
    res = cli(
        "export", "--format", "fhir", "--out", str(tmp_path / "x.json"), "--fhir-version", "r3"
    )
    assert res.exit_code == 2


def test_out_dash_writes_the_bundle_to_stdout(cli, backcare_home: Path) -> None:
    seed(backcare_home)
    res = cli("export", "--format", "fhir", "--out", "-", "--date", LAST.isoformat())
    assert res.exit_code == 0, res.output
    validate(json.loads(res.stdout), "r4")


def test_an_empty_folder_gives_a_valid_bundle_with_only_the_patient(cli, tmp_path: Path) -> None:
    bundle = export(cli, tmp_path)
    validate(bundle, "r4")
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == ["Patient"]


def test_with_the_extra_the_bundle_is_checked_before_it_is_written(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from backcare.errors import BackcareError
    from backcare.exporters import fhir_export

    good = build(home)
    assert fhir_export.check(good, "r4") is True
    broken = json.loads(json.dumps(good))
    broken["entry"][1]["resource"]["reportedBoolean"] = True  # an R5 field in an R4 bundle
    with pytest.raises(BackcareError, match="did not validate"):
        fhir_export.check(broken, "r4")


def test_without_the_extra_the_export_still_works(
    cli, backcare_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    for name in [m for m in sys.modules if m == "fhir" or m.startswith("fhir.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "fhir", None)  # as if fhir.resources were not installed
    from backcare.exporters import fhir_export

    assert fhir_export.bundle_model("r4") is None
    assert fhir_export.check({"entry": []}, "r4") is False
    seed(backcare_home)
    out = tmp_path / "no-extra.json"
    res = cli("export", "--format", "fhir", "--out", str(out), "--date", LAST.isoformat())
    assert res.exit_code == 0, res.output
    monkeypatch.delitem(sys.modules, "fhir")
    validate(json.loads(out.read_text("utf-8")), "r4")


@pytest.mark.parametrize("kind", ["collection", "transaction"])
def test_the_streamed_bundle_is_the_bundle_built_whole(
    home: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file is written a few resources at a time (issue 25): the same bytes, in the
    same order, as the bundle built whole in memory, and the count is its entries'."""
    from backcare.exporters import fhir_export, get_exporter
    from backcare.exporters.fhir_export import build_bundle

    monkeypatch.setattr(fhir_export, "BATCH", 4)  # 256 in use: this bundle would be one
    ctx = context(home, "r4", kind)
    pieces: list[bytes] = []
    count = get_exporter("fhir").render(ctx).write(pieces.append)
    whole = build_bundle(ctx)
    # the envelope's head and tail, and a piece for every 4 entries: never one block
    assert len(pieces) == 2 + -(-len(whole["entry"]) // 4)
    assert b"".join(pieces) == (
        json.dumps(whole, ensure_ascii=False, separators=(",", ":")) + "\n"
    ).encode("utf-8")
    assert count == len(whole["entry"]) > 20


def test_a_bundle_that_fails_its_check_half_way_leaves_no_file(
    cli, backcare_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Streamed, the check runs as the entries are written: one that fails half way stops
    the export, and neither the file nor its temporary copy is left (issue 25)."""
    from backcare.errors import BackcareError
    from backcare.exporters import fhir_export

    seed(backcare_home)
    seen = []

    def failing(self: Any, entry: dict[str, Any]) -> None:
        seen.append(entry)
        if len(seen) == 15:
            raise BackcareError("the FHIR bundle did not validate (a test); please report this")

    monkeypatch.setattr(fhir_export.Checker, "__call__", failing)
    out = tmp_path / "half.json"
    res = cli("export", "--format", "fhir", "--out", str(out), "--date", LAST.isoformat())
    assert res.exit_code == 1, res.output
    assert "did not validate" in res.output
    assert len(seen) == 15
    assert sorted(p.name for p in tmp_path.iterdir() if p != backcare_home) == []
    assert list((backcare_home / "outbox").iterdir()) == []
