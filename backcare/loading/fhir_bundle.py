"""A FHIR bundle that backcare wrote (`export --format fhir`), read back into the export
document (issue 16): the clinic adds it as it adds a JSON export, and the same checks
(loading.importer) then hold it to the same rules.

Only backcare's own bundles are read: the Patient must carry backcare's patient identifier,
and every session, visit and questionnaire backcare's id of its record
(domain.fhir_terms). A bundle from anywhere else, or from a backcare too old to write those,
is refused in one line.

Since issue 22 a bundle carries the whole patient (domain.fhir_profile): the profile (the
Patient's settings extension, baseline pain included, Conditions, red-flag Flags and their
clearance) and the history of prescriptions (CarePlans), read back here into the same
document a JSON export is, so that a patient added from FHIR is the one added from JSON.
What an older bundle never held is not invented: it has no profile and no programme.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from backcare.domain.checks import CHECKIN_SYMPTOMS
from backcare.domain.document import FORMAT, VERSION
from backcare.domain.fhir_terms import (
    CHECKIN_TEXT,
    EXERCISE_LOG_EXTENSION,
    FLARE_TEXT,
    PAIN_CODE,
    PATIENT_ID_SYSTEM,
    RECORD_ID_SYSTEM,
    SESSION_PAIN_TEXT,
    SYMPTOM_PREFIX,
    VISIT_TITLES,
    questionnaire_url,
    symptom_words,
)
from backcare.domain.instruments import INSTRUMENT_IDS
from backcare.domain.text import kind_of
from backcare.errors import BackcareError

BUNDLE_TYPES = ("collection", "transaction")
_LOG_FIELDS = {
    "sets": "sets",
    "reps": "reps",
    "hold-seconds": "hold_seconds",
    "duration-minutes": "duration_minutes",
    "pain": "pain",
}
_SYMPTOMS_BY_WORDS = {f"{SYMPTOM_PREFIX}{symptom_words(s)}": s for s in CHECKIN_SYMPTOMS}
_VISIT_KINDS = {title: kind for kind, title in VISIT_TITLES.items()}
_INSTRUMENT_BY_URL = {questionnaire_url(i): i for i in INSTRUMENT_IDS}


class NotOurs(BackcareError):
    """A FHIR bundle that backcare did not write."""


def is_bundle(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("resourceType") == "Bundle"


def bundle_document(doc: dict[str, Any], source: str) -> tuple[dict[str, Any], str]:
    """The export document a backcare FHIR bundle stands for, and the patient's identifier.
    The document is checked afterwards, as every import is."""
    where = f"{source}: " if source else ""
    if doc.get("type") not in BUNDLE_TYPES or not isinstance(doc.get("entry"), list):
        raise NotOurs(
            f"{where}is a FHIR Bundle, but not one backcare writes (a "
            f"collection or transaction with entries)"
        )
    try:
        return _read(doc, where)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        raise BackcareError(
            f"{where}is a FHIR Bundle that backcare cannot read back "
            f"({type(exc).__name__}: {str(exc)[:80]}); was it changed "
            f"after backcare wrote it?"
        ) from None


def _read(doc: dict[str, Any], where: str) -> tuple[dict[str, Any], str]:
    # A transaction's deletes (records the patient deleted: issue 23) hold no resource.
    entries = [
        e
        for e in doc["entry"]
        if not (
            isinstance(e, dict)
            and isinstance(e.get("request"), dict)
            and e["request"].get("method") == "DELETE"
            and "resource" not in e
        )
    ]
    if any(not isinstance(e, dict) or not isinstance(e.get("resource"), dict) for e in entries):
        raise NotOurs(f"{where}is a FHIR Bundle with an entry that holds no resource")
    resources: list[dict[str, Any]] = [e["resource"] for e in entries]
    by_url = {e["fullUrl"]: e["resource"] for e in entries if "fullUrl" in e}
    patients = [r for r in resources if r.get("resourceType") == "Patient"]
    if len(patients) != 1:
        raise NotOurs(
            f"{where}is a FHIR Bundle of {len(patients)} patients; backcare's hold exactly one"
        )
    patient_id = _identifier(patients[0], PATIENT_ID_SYSTEM)
    if patient_id is None:
        raise NotOurs(
            f"{where}is a FHIR Bundle that backcare did not write, or that an "
            f"older backcare wrote: its Patient has no backcare patient "
            f"identifier. Ask the patient for a new export (JSON or FHIR)"
        )
    exported_at = doc.get("timestamp")
    if not isinstance(exported_at, str):
        raise NotOurs(f"{where}is a FHIR Bundle with no timestamp; backcare writes one")
    part_of: dict[str, list[dict[str, Any]]] = {}
    derived: dict[str, list[dict[str, Any]]] = {}
    visit_notes: dict[str, str] = {}
    for r in resources:
        for ref in r.get("partOf") or ():
            part_of.setdefault(ref["reference"], []).append(r)
        for ref in r.get("derivedFrom") or ():
            derived.setdefault(ref["reference"], []).append(r)
        if r.get("resourceType") == "Observation" and "encounter" in r:
            visit_notes[r["encounter"]["reference"]] = r["valueString"]
    urls = {id(r): url for url, r in by_url.items()}
    out: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": exported_at,
        "profile": None,
        "sessions": [],
        "pain_checkins": [],
        "assessments": [],
        "visits": [],
        "goals": [],
        "programme": None,
    }
    for r in resources:
        kind = r.get("resourceType")
        url = urls.get(id(r), "")
        if kind == "Observation" and _is_checkin(r):
            out["pain_checkins"].append(_checkin(r))
        elif kind == "Procedure":
            out["sessions"].append(_session(r, part_of.get(url, []), where))
        elif kind == "QuestionnaireResponse":
            out["assessments"].append(_assessment(r, derived.get(url, []), where))
        elif kind == "Encounter":
            out["visits"].append(_visit(r, visit_notes.get(url), where))
        elif kind == "Goal":
            out["goals"].append(_goal(r, where))
    out["profile"] = _profile(patients[0], resources, patient_id)
    out["prescriptions"], out["programme"] = _prescriptions(resources, where)
    return out, patient_id


# --- the whole patient (issue 22) -------------------------------------------------------------


def _coded(r: dict[str, Any], system: str) -> str | None:
    for coding in (r.get("code") or {}).get("coding") or ():
        if coding.get("system") == system:
            return str(coding.get("code"))
    return None


def _profile(
    patient: dict[str, Any], resources: list[dict[str, Any]], patient_id: str
) -> dict[str, Any] | None:
    """The profile the bundle carries, as the JSON export has it; None when it has none."""
    from backcare.domain.fhir_profile import (
        CLEARANCE_CODE,
        CONDITION_SYSTEM,
        GESTATIONAL_AGE,
        LISTS,
        PROFILE_EXTENSION,
        RED_FLAG_SYSTEM,
        SETTINGS,
    )

    ext = next(
        (
            e
            for e in patient.get("extension") or ()
            if isinstance(e, dict) and e.get("url") == PROFILE_EXTENSION
        ),
        None,
    )
    if ext is None:
        return None
    parts = [p for p in ext.get("extension") or () if isinstance(p, dict)]
    profile: dict[str, Any] = {}
    for key, part, value in SETTINGS:
        profile[key] = next((p.get(value) for p in parts if p.get("url") == part), None)
    for key, part in LISTS:
        profile[key] = [p.get("valueCode") for p in parts if p.get("url") == part]
    other = next((p.get("valueString") for p in parts if p.get("url") == "other"), None)
    if isinstance(other, str):
        extra = json.loads(other)
        if isinstance(extra, dict):
            profile.update(extra)
    profile.update(
        conditions=[],
        red_flags=[],
        cleared_by_clinician=False,
        cleared_on=None,
        patient_id=patient_id,
    )
    for r in resources:
        kind = r.get("resourceType")
        if (
            kind == "Observation"
            and _coded(r, GESTATIONAL_AGE["system"]) == GESTATIONAL_AGE["code"]
        ):
            profile["pregnancy_week"] = int(r["valueQuantity"]["value"])
        elif kind == "Observation" and _coded(r, CLEARANCE_CODE["system"]) is not None:
            profile["cleared_by_clinician"] = r["valueBoolean"]
            profile["cleared_on"] = r.get("effectiveDateTime")
            performers = r.get("performer") or []
            if performers:
                profile["cleared_by"] = performers[0].get("display")
        elif kind == "Condition" and _coded(r, CONDITION_SYSTEM) is not None:
            profile["conditions"].append(_coded(r, CONDITION_SYSTEM))
        elif kind == "Flag" and _coded(r, RED_FLAG_SYSTEM) is not None:
            profile["red_flags"].append(_coded(r, RED_FLAG_SYSTEM))
    return profile


def _prescriptions(
    resources: list[dict[str, Any]], where: str
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The history of prescriptions the bundle's CarePlans carry, in their order, and the
    prescription in use (None: none, or an older bundle)."""
    from backcare.domain.fhir_profile import PRESCRIPTION_EXTENSION
    from backcare.errors import ProblemList
    from backcare.loading.careplan import careplan_as_file

    plans = []
    for r in resources:
        if r.get("resourceType") != "CarePlan":
            continue
        ext = next(
            (
                e
                for e in r.get("extension") or ()
                if isinstance(e, dict) and e.get("url") == PRESCRIPTION_EXTENSION
            ),
            None,
        )
        if ext is not None:
            parts = {p.get("url"): p for p in ext.get("extension") or () if isinstance(p, dict)}
            plans.append((int(parts["order"]["valueInteger"]), r, parts))
    history: list[dict[str, Any]] = []
    current = None
    for _order, plan, parts in sorted(plans, key=lambda x: x[0]):
        programme = None
        if "prescription" in parts:  # an R5 bundle (exporters.fhir_patient)
            programme = json.loads(parts["prescription"]["valueString"])
        elif plan.get("activity"):
            p = ProblemList()
            data = _plain(careplan_as_file(plan, where.rstrip(": "), p))
            p.raise_if_any(f"{where}holds a CarePlan backcare cannot read back")
            start = parts.get("prescription-start")
            programme = {
                "prescribed_by": data.get("prescribed_by"),
                "start": start.get("valueDate") if start else None,
                "allow_progression": bool(data.get("allow_progression", False)),
                "exercises": data.get("exercises", []),
            }
        if "event" in parts:
            recorded = parts.get("recorded")
            history.append(
                {
                    "from": (plan.get("period") or {}).get("start"),
                    "event": parts["event"]["valueCode"],
                    "recorded": recorded.get("valueDate") if recorded else None,
                    "programme": programme,
                }
            )
        if parts.get("current", {}).get("valueBoolean"):
            current = programme
    return history, current


def _plain(value: Any) -> Any:
    """A mapping read as a file's (with its lines) as plain data."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _identifier(resource: dict[str, Any], system: str) -> str | None:
    ids = resource.get("identifier")
    for ident in ids if isinstance(ids, list) else [ids]:
        if isinstance(ident, dict) and ident.get("system") == system:
            value = ident.get("value")
            return value if isinstance(value, str) else None
    return None


def _record_id(resource: dict[str, Any], where: str, *also: dict[str, Any]) -> str:
    for r in (resource, *also):
        found = _identifier(r, RECORD_ID_SYSTEM)
        if found is not None:
            return found
    raise NotOurs(
        f"{where}its {resource.get('resourceType')} resources carry no backcare "
        f"record id: it was not written by this backcare. Ask the patient for a "
        f"new export (JSON or FHIR)"
    )


def _codes(resource: dict[str, Any]) -> set[str]:
    return {c.get("code") for c in (resource.get("code") or {}).get("coding") or ()}


def _is_checkin(r: dict[str, Any]) -> bool:
    return PAIN_CODE["code"] in _codes(r) and (r.get("code") or {}).get("text") == CHECKIN_TEXT


def _notes(r: dict[str, Any]) -> list[str]:
    return [n["text"] for n in r.get("note") or ()]


def _checkin(r: dict[str, Any]) -> dict[str, Any]:
    symptoms, flare = [], False
    for component in r.get("component") or ():
        text = component["code"]["text"]
        if text == FLARE_TEXT:
            flare = True
        else:  # a symptom whose words are not backcare's is kept as it is, and refused
            symptoms.append(_SYMPTOMS_BY_WORDS.get(text, text))
    notes = _notes(r)
    day = r["effectiveDateTime"]
    return {
        "id": f"p-{day}",
        "date": day,
        "score": r["valueInteger"],
        "note": notes[0] if notes else None,
        "symptoms": symptoms,
        "flare": flare,
    }


def _session(r: dict[str, Any], parts: Iterable[dict[str, Any]], where: str) -> dict[str, Any]:
    day = r.get("performedDateTime") or r.get("occurrenceDateTime")
    exercises = [
        _exercise(e) for e in r.get("extension") or () if e.get("url") == EXERCISE_LOG_EXTENSION
    ]
    notes = _notes(r)
    # The exercises in words come first, then the patient's own note (fhir_export).
    note = (
        notes[1] if exercises and len(notes) > 1 else (None if exercises or not notes else notes[0])
    )
    pain = {}
    for obs in parts:
        text = (obs.get("code") or {}).get("text")
        for when in ("before", "after"):
            if text == SESSION_PAIN_TEXT.format(when=when):
                pain[f"pain_{when}"] = obs["valueInteger"]
    return {
        "id": _record_id(r, where),
        "date": day,
        "pain_before": pain.get("pain_before"),
        "pain_after": pain.get("pain_after"),
        "note": note,
        "exercises": exercises,
    }


def _exercise(extension: dict[str, Any]) -> dict[str, Any]:
    parts = {p["url"]: p for p in extension["extension"]}
    log: dict[str, Any] = {
        "exercise_id": parts["exercise"]["valueCoding"]["code"],
        "status": parts["status"]["valueCode"],
    }
    for part, key in _LOG_FIELDS.items():
        log[key] = parts[part]["valueInteger"] if part in parts else None
    if "extra" in parts:
        log["extra"] = parts["extra"]["valueBoolean"]
    return log


def _answer(item: dict[str, Any]) -> Any:
    answers = item.get("answer") or []
    if not answers:
        return None
    value = answers[0]
    for key in ("valueBoolean", "valueInteger", "valueDecimal", "valueString"):
        if key in value:
            return value[key]
    raise ValueError(f"an answer of a kind backcare does not write ({sorted(value)})")


def _assessment(r: dict[str, Any], derived: list[dict[str, Any]], where: str) -> dict[str, Any]:
    instrument = _INSTRUMENT_BY_URL.get(r.get("questionnaire", ""))
    if instrument is None:
        raise NotOurs(
            f"{where}holds a QuestionnaireResponse to a questionnaire backcare "
            f"does not ask ({kind_of(r.get('questionnaire'))})"
        )
    score = next((d for d in derived if "valueQuantity" in d), None)
    band = next((d for d in derived if "valueCodeableConcept" in d), None)
    if score is None:
        raise NotOurs(
            f"{where}holds a questionnaire response with no score; backcare writes one beside each"
        )
    items = r.get("item") or []
    answers: Any
    if instrument == "psfs":
        answers = {item["text"]: _answer(item) for item in items}
    else:
        answers = [_answer(item) for item in items]
        if instrument == "startback":
            answers = {"items": answers[:-1], "bothersomeness": answers[-1] if answers else None}
    return {
        "id": _record_id(r, where, score),
        "date": r["authored"],
        "instrument": instrument,
        "answers": answers,
        "score": score["valueQuantity"]["value"],
        "band": band["valueCodeableConcept"]["text"] if band else None,
    }


def _visit(r: dict[str, Any], note: str | None, where: str) -> dict[str, Any]:
    period = r.get("period") or r.get("actualPeriod") or {}
    title = (r.get("type") or [{}])[0].get("text")
    return {
        "id": _record_id(r, where),
        "date": period.get("start"),
        "kind": _VISIT_KINDS.get(title, title),
        "note": note,
    }


def _goal(r: dict[str, Any], where: str) -> dict[str, Any]:
    ident = _record_id(r, where)
    achieved = "achievementStatus" in r
    target = (r.get("target") or [{}])[0]
    from backcare.domain.fhir_profile import GOAL_UID_EXTENSION, PSFS_GOAL_EXTENSION

    def extension(url: str) -> Any:
        return next(
            (
                e.get("valueString")
                for e in r.get("extension") or ()
                if isinstance(e, dict) and e.get("url") == url
            ),
            None,
        )

    goal = {
        "id": int(ident) if ident.isdigit() else ident,
        "text": r["description"]["text"],
        "created": r["startDate"],
        "by": target.get("dueDate"),
        "psfs_activity": extension(PSFS_GOAL_EXTENSION),
        "done_on": r.get("statusDate") if achieved else None,
    }
    uid = extension(GOAL_UID_EXTENSION)
    return {**goal, "uid": uid} if isinstance(uid, str) and uid else goal
