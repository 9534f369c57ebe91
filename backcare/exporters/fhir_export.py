"""`export --format fhir`: the log as a FHIR R5 Bundle of type "collection" (CLINICAL.md §6).

What goes in, and as what:
- a **Patient** placeholder: no identifiers, no birth date; a name only when the user gives
  ``--name``. backcare never knows who the patient is, and should not invent it;
- each **pain check-in**: an Observation, LOINC 72514-3 (0–10 NRS), ``valueInteger``,
  category ``survey``; symptoms and a declared flare-up as components, the note as a note;
- each **questionnaire** (ODI, RMDQ, STarT Back, PSFS, PEG): a QuestionnaireResponse, one item
  per question (linkId = its number), plus ``score`` and ``band`` items;
- **aerobic minutes** per day: an Observation, LOINC 68516-4 (minutes per day of moderate to
  strenuous exercise, HL7 Physical Activity IG), ``valueQuantity`` in UCUM ``min``; and per
  week the days active, LOINC 89555-7, in ``d/wk`` (CLINICAL.md §6);
- each **exercise session**: a Procedure, SNOMED CT 229065009 "Exercise therapy". A session
  is something the patient *did*, not something measured: FHIR's Procedure covers "physical
  interventions … physiotherapy" performed by or for the patient, and it carries a status
  (completed, or not-done when every exercise was skipped), a performer and notes. The
  Physical Activity IG's measures are Observations, and so are the session's pain scores
  (72514-3, ``partOf`` the Procedure);
- each **clinic visit**: an Encounter; each **goal**: a Goal.

Every ``fullUrl`` is a uuid5 of the record's id, so the same data always gives the same
bundle and a receiving system can recognise a record it has seen. The bundle is validated
with ``fhir.resources`` before it is written.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from html import escape
from typing import TYPE_CHECKING, Any

from backcare.domain.models import Dose
from backcare.errors import BackcareError
from backcare.exporters import Rendered

if TYPE_CHECKING:
    from backcare.domain.analytics import ProgressReport
    from backcare.exporters import ExportContext, Rendered

# A fixed namespace: uuid5(NAMESPACE, "session:s-…") is the same on every machine.
NAMESPACE = uuid.UUID("6f1d7c3e-4b8a-5e21-9c5d-2a7e0b3f9d41")
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
QUESTIONNAIRE_BASE = "http://backcare.local/Questionnaire/"

PAIN_CODE = {"system": LOINC, "code": "72514-3",
             "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported"}
MINUTES_CODE = {"system": LOINC, "code": "68516-4",
                "display": "On those days that you engage in moderate to strenuous exercise, "
                           "how many minutes, on average, do you exercise"}
DAYS_CODE = {"system": LOINC, "code": "89555-7",
             "display": "How many days per week did you engage in moderate to strenuous "
                        "physical activity in the last 30 days"}
EXERCISE_THERAPY = {"system": SNOMED, "code": "229065009",
                    "display": "Exercise therapy (regime/therapy)"}
INSTRUMENT_TITLES = {
    "odi": "Oswestry Disability Index", "rmdq": "Roland-Morris Disability Questionnaire",
    "startback": "Keele STarT Back Screening Tool", "psfs": "Patient-Specific Functional Scale",
    "peg": "PEG (pain, enjoyment of life, general activity)",
}
VISIT_TITLES = {"manual-therapy": "Clinic visit: manual therapy",
                "assessment": "Clinic visit: assessment", "other": "Clinic visit"}


def full_url(kind: str, ident: str) -> str:
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, f'{kind}:{ident}')}"


def _category(code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBS_CATEGORY, "code": code, "display": display}]}]


def _notes(*texts: str | None) -> dict[str, Any]:
    notes = [{"text": t} for t in texts if t]
    return {"note": notes} if notes else {}


def _pain_obs(subject: str, day: str, score: int, text: str | None = None,
              **extra: Any) -> dict[str, Any]:
    code: dict[str, Any] = {"coding": [PAIN_CODE]}
    if text:
        code["text"] = text
    return {"resourceType": "Observation", "status": "final",
            "category": _category("survey", "Survey"), "code": code,
            "subject": {"reference": subject}, "effectiveDateTime": day,
            "valueInteger": score, **extra}


def _dose_words(e: dict[str, Any]) -> str:

    return Dose.from_dict(e).describe()


def build_bundle(ctx: ExportContext) -> dict[str, Any]:
    """The bundle as plain JSON data (validated and written by :func:`render`)."""
    doc = ctx.doc
    names = ctx.exercise_names
    patient_url = full_url("patient", "self")
    patient: dict[str, Any] = {"resourceType": "Patient"}
    if ctx.patient_name:
        patient["name"] = [{"text": ctx.patient_name}]
    entries: list[tuple[str, dict[str, Any]]] = [(patient_url, patient)]
    subject = {"reference": patient_url}

    for c in doc.get("pain_checkins", []):
        components = [{"code": {"text": f"Symptom reported: {s}"}, "valueBoolean": True}
                      for s in c.get("symptoms") or []]
        if c.get("flare"):
            components.append({"code": {"text": "Flare-up declared by the patient"},
                               "valueBoolean": True})
        extra: dict[str, Any] = {"component": components} if components else {}
        entries.append((full_url("pain", c["date"]),
                        _pain_obs(patient_url, c["date"], c["score"], None,
                                  **extra, **_notes(c.get("note")))))

    for s in doc.get("sessions", []):
        url = full_url("session", s["id"])
        lines = []
        for e in s.get("exercises", []):
            name = names.get(e["exercise_id"], e["exercise_id"])
            dose = _dose_words(e)
            pain = f", pain {e['pain']}/10" if e.get("pain") is not None else ""
            lines.append(f"{name}: {e['status']}{', ' + dose if dose else ''}{pain}")
        done = any(e.get("status") != "skipped" for e in s.get("exercises", []))
        entries.append((url, {
            "resourceType": "Procedure", "status": "completed" if done else "not-done",
            "code": {"coding": [EXERCISE_THERAPY], "text": "Home exercise session"},
            "subject": subject, "occurrenceDateTime": s["date"], "reportedBoolean": True,
            "performer": [{"actor": subject}],
            **_notes("; ".join(lines) if lines else None, s.get("note")),
        }))
        part_of = [{"reference": url}]
        for when in ("before", "after"):
            value = s.get(f"pain_{when}")
            if value is not None:
                entries.append((full_url(f"session-pain-{when}", s["id"]), _pain_obs(
                    patient_url, s["date"], value, f"Pain {when} the exercise session",
                    partOf=part_of)))
        for i, e in enumerate(s.get("exercises", [])):
            if e.get("pain") is not None:
                name = names.get(e["exercise_id"], e["exercise_id"])
                entries.append((full_url("exercise-pain", f"{s['id']}:{i}"), _pain_obs(
                    patient_url, s["date"], e["pain"], f"Pain with the exercise: {name}",
                    partOf=part_of)))

    entries += _aerobic(ctx.report, patient_url)

    for a in doc.get("assessments", []):
        entries.append((full_url("assessment", a["id"]), _questionnaire(a, subject)))

    for v in doc.get("visits", []):
        entries.append((full_url("visit", v["id"]), {
            "resourceType": "Encounter", "status": "completed",
            "class": [{"coding": [{"system": ACT_CODE, "code": "AMB",
                                   "display": "ambulatory"}]}],
            "type": [{"text": VISIT_TITLES.get(v["kind"], "Clinic visit")}],
            "subject": subject, "actualPeriod": {"start": v["date"], "end": v["date"]},
        }))

    for g in doc.get("goals", []):
        target = [{"dueDate": g["by"]}] if g.get("by") else []
        goal: dict[str, Any] = {
            "resourceType": "Goal",
            "lifecycleStatus": "completed" if g.get("done_on") else "active",
            "description": {"text": g["text"]}, "subject": subject,
            "startDate": g["created"],
        }
        if target:
            goal["target"] = target
        if g.get("done_on"):
            goal["achievementStatus"] = {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                "code": "achieved", "display": "Achieved"}]}
            goal["statusDate"] = g["done_on"]
        entries.append((full_url("goal", str(g["id"])), goal))

    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "collection",
                              "timestamp": ctx.exported_at,
                              "entry": [{"fullUrl": u, "resource": r} for u, r in entries]}
    return bundle


def _aerobic(report: ProgressReport | None,
             patient_url: str) -> list[tuple[str, dict[str, Any]]]:
    """Aerobic minutes per day (68516-4) and active days per week (89555-7), as the progress
    report counts them."""
    if report is None:
        return []
    out: list[tuple[str, dict[str, Any]]] = []
    category = _category("activity", "Activity")
    for day, minutes in report.aerobic_by_day:
        out.append((full_url("aerobic-minutes", day.isoformat()), {
            "resourceType": "Observation", "status": "final", "category": category,
            "code": {"coding": [MINUTES_CODE], "text": "Aerobic exercise minutes that day"},
            "subject": {"reference": patient_url}, "effectiveDateTime": day.isoformat(),
            "valueQuantity": {"value": minutes, "unit": "min", "system": UCUM,
                              "code": "min"},
        }))
    for week in report.weekly:
        if not week.aerobic_days:
            continue
        monday = week.week_start
        out.append((full_url("aerobic-days", monday.isoformat()), {
            "resourceType": "Observation", "status": "final", "category": category,
            "code": {"coding": [DAYS_CODE], "text": "Days with aerobic exercise that week"},
            "subject": {"reference": patient_url},
            "effectivePeriod": {"start": monday.isoformat(),
                                "end": (monday + timedelta(days=6)).isoformat()},
            "valueQuantity": {"value": week.aerobic_days, "unit": "days per week",
                              "system": UCUM, "code": "d/wk"},
        }))
    return out


def _answer(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []  # an unanswered question (the ODI allows some)
    if isinstance(value, bool):
        return [{"valueBoolean": value}]
    if isinstance(value, int):
        return [{"valueInteger": value}]
    if isinstance(value, float):
        return [{"valueDecimal": value}]
    if isinstance(value, str):
        return [{"valueString": value}]
    return [{"valueString": json.dumps(value, ensure_ascii=False)}]


def _items(answers: Any) -> list[dict[str, Any]]:
    """One item per question, whatever shape the stored answers have."""
    items: list[dict[str, Any]] = []
    if isinstance(answers, dict) and set(answers) == {"items", "bothersomeness"}:
        # STarT Back: items 1–8 agree/disagree, item 9 bothersomeness 0–4.
        seq = [*answers["items"], answers["bothersomeness"]]
        answers = seq
    if isinstance(answers, list):
        for i, value in enumerate(answers, 1):
            item: dict[str, Any] = {"linkId": str(i)}
            got = _answer(value)
            if got:
                item["answer"] = got
            items.append(item)
    elif isinstance(answers, dict):  # PSFS: activity → rating
        for i, (activity, rating) in enumerate(answers.items(), 1):
            item = {"linkId": f"activity-{i}", "text": str(activity)}
            got = _answer(rating)
            if got:
                item["answer"] = got
            items.append(item)
    elif answers is not None:
        items.append({"linkId": "answers", "answer": _answer(answers)})
    return items


def _questionnaire(a: dict[str, Any], subject: dict[str, str]) -> dict[str, Any]:
    instrument = a["instrument"]
    items = _items(a.get("answers"))
    score = a["score"]
    items.append({"linkId": "score", "text": "Score",
                  "answer": [{"valueDecimal": float(score)}]})
    if a.get("band"):
        label = "Risk group" if instrument == "startback" else "Band"
        items.append({"linkId": "band", "text": label,
                      "answer": [{"valueString": a["band"]}]})
    return {
        "resourceType": "QuestionnaireResponse", "status": "completed",
        "questionnaire": QUESTIONNAIRE_BASE + instrument,
        "subject": subject, "authored": a["date"], "item": items,
        "text": {"status": "generated",
                 "div": _div(f"{INSTRUMENT_TITLES.get(instrument, instrument)}: "
                             f"score {score:g}")},
    }


def _div(text: str) -> str:

    return f'<div xmlns="http://www.w3.org/1999/xhtml">{escape(text)}</div>'


def render(ctx: ExportContext) -> Rendered:
    from fhir.resources.bundle import Bundle
    from pydantic import ValidationError

    data = build_bundle(ctx)
    try:
        Bundle.model_validate(data)
    except ValidationError as exc:  # a bug in this module, not in the patient's data
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BackcareError(f"the FHIR bundle did not validate ({where}: {first['msg']}); "
                            f"please report this") from None
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return Rendered(text.encode("utf-8"), len(data["entry"]))
