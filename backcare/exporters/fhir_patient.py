"""The whole patient in the FHIR export (issue 22): the profile and the history of
prescriptions, beside the log that exporters.fhir_export writes. What goes in, and as what,
is domain.fhir_profile's; loading.fhir_bundle reads it back. Every resource goes through the
export's one Builder, so its identifiers are made in one place.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from backcare.domain.fhir_profile import (
    CLEARANCE_CODE,
    CONDITION_CLINICAL,
    CONDITION_SYSTEM,
    ENCODED_KEYS,
    FLAG_CATEGORY,
    GESTATIONAL_AGE,
    GOAL_UID_EXTENSION,
    LISTS,
    PRESCRIPTION_EXTENSION,
    PROFILE_EXTENSION,
    PSFS_GOAL_EXTENSION,
    RED_FLAG_SYSTEM,
    SETTINGS,
)
from backcare.domain.fhir_terms import RECORD_ID_SYSTEM, UCUM
from backcare.domain.models import Prescription

if TYPE_CHECKING:
    from backcare.exporters import ExportContext
    from backcare.exporters.fhir_export import Builder

SURVEY = [
    {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "survey",
                "display": "Survey",
            }
        ]
    }
]


def settings(b: Builder, ctx: ExportContext) -> None:
    """The profile's settings, on the Patient (the first entry, held by ``b``)."""
    profile = ctx.doc.get("profile")
    if profile:
        _settings(b, profile)


def patient_parts(b: Builder, ctx: ExportContext, pid: str) -> None:
    """The rest of the profile (as Observations, Conditions and Flags) and every
    prescription of the history (CarePlans)."""
    profile = ctx.doc.get("profile")
    if profile:
        _conditions(b, profile, pid)
        _red_flags(b, profile, pid)
    _careplans(b, ctx, pid)


def _ref(url: str) -> dict[str, str]:
    return {"reference": url}


def goal_activities(b: Builder, ctx: ExportContext) -> None:
    """A goal's PSFS activity, and its stable uid (issue 23: kept through a merge), on the
    Goal the export wrote for it (found by its record id), among the entries ``b`` holds."""
    from backcare.domain.models import Goal

    goals = {str(g["id"]): g for g in ctx.doc.get("goals", [])}
    for entry in b.entries:
        goal = entry["resource"]
        if goal["resourceType"] != "Goal":
            continue
        ident = next(
            (
                i.get("value")
                for i in goal.get("identifier") or ()
                if i.get("system") == RECORD_ID_SYSTEM
            ),
            None,
        )
        g = goals.get(str(ident))
        if g is None:
            continue
        ext = goal.setdefault("extension", [])
        if g.get("psfs_activity"):
            ext.append({"url": PSFS_GOAL_EXTENSION, "valueString": g["psfs_activity"]})
        ext.append({"url": GOAL_UID_EXTENSION, "valueString": Goal.from_dict(g).key})


def _settings(b: Builder, profile: dict[str, Any]) -> None:
    parts: list[dict[str, Any]] = []
    for key, part, kind in SETTINGS:
        if profile.get(key) is not None:
            parts.append({"url": part, kind: profile[key]})
    for key, part in LISTS:
        parts += [{"url": part, "valueCode": v} for v in profile.get(key) or ()]
    other = {k: v for k, v in profile.items() if k not in ENCODED_KEYS}
    if other:
        parts.append({"url": "other", "valueString": json.dumps(other, sort_keys=True)})
    patient = b.entries[0]["resource"]  # the Patient is the bundle's first entry
    patient.setdefault("extension", []).append({"url": PROFILE_EXTENSION, "extension": parts})


def _conditions(b: Builder, profile: dict[str, Any], pid: str) -> None:
    for name in profile.get("conditions") or ():
        words = name.replace("-", " ")
        url = b.add(
            b.url("condition", name),
            {
                "resourceType": "Condition",
                "clinicalStatus": {"coding": [{"system": CONDITION_CLINICAL, "code": "active"}]},
                "code": {
                    "coding": [{"system": CONDITION_SYSTEM, "code": name, "display": words}],
                    "text": words,
                },
                "subject": _ref(pid),
            },
            f"Condition reported at the safety screen: {words}",
        )
        week = profile.get("pregnancy_week")
        if name == "pregnancy" and isinstance(week, int):
            b.add(
                b.url("pregnancy-week", "profile"),
                {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"coding": [GESTATIONAL_AGE], "text": "Week of pregnancy"},
                    "subject": _ref(pid),
                    "focus": [_ref(url)],
                    "effectiveDateTime": profile.get("updated") or profile["start_date"],
                    "valueQuantity": {"value": week, "unit": "wk", "system": UCUM, "code": "wk"},
                },
                f"Pregnancy: week {week}",
            )


def _red_flags(b: Builder, profile: dict[str, Any], pid: str) -> None:
    cleared = bool(profile.get("cleared_by_clinician"))
    for name in profile.get("red_flags") or ():
        words = name.replace("-", " ")
        b.add(
            b.url("red-flag", name),
            {
                "resourceType": "Flag",
                "status": "inactive" if cleared else "active",
                "category": [{"coding": [FLAG_CATEGORY]}],
                "code": {
                    "coding": [{"system": RED_FLAG_SYSTEM, "code": name, "display": words}],
                    "text": f"Red flag at the safety screen: {words}",
                },
                "subject": _ref(pid),
            },
            f"Red flag at the safety screen: {words}"
            f"{' (cleared by a clinician)' if cleared else ''}",
        )
    if cleared or profile.get("cleared_on"):
        obs: dict[str, Any] = {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [CLEARANCE_CODE], "text": CLEARANCE_CODE["display"]},
            "subject": _ref(pid),
            "valueBoolean": cleared,
        }
        if profile.get("cleared_on"):
            obs["effectiveDateTime"] = profile["cleared_on"]
        if profile.get("cleared_by"):
            obs["performer"] = [{"display": profile["cleared_by"]}]
        b.add(
            b.url("clearance", "profile"),
            obs,
            f"Red flags cleared by {profile.get('cleared_by') or 'a clinician'}"
            f"{' on ' + profile['cleared_on'] if profile.get('cleared_on') else ''}",
        )


def _careplans(b: Builder, ctx: ExportContext, pid: str) -> None:
    """Each prescription of the history as a CarePlan in force for its period (the last
    one's is open-ended); the one in use now says so. A cleared prescription is a CarePlan
    with no activity, revoked."""
    from backcare.exporters.careplan import careplan

    periods = list(ctx.doc.get("prescriptions") or [])
    current = ctx.doc.get("programme")
    if not periods and current:  # kept before there was a history of prescriptions
        periods = [{"from": None, "event": "imported", "recorded": None, "programme": current}]
    profile = ctx.doc.get("profile") or {}
    marked = False
    for n, period in enumerate(periods):
        programme = period.get("programme")
        last = n == len(periods) - 1
        is_current = last and programme is not None and programme == current
        marked = marked or is_current
        _careplan(
            b,
            careplan,
            ctx,
            pid,
            profile,
            n,
            period,
            programme,
            is_current,
            None if last else periods[n + 1].get("from"),
        )
    if current and not marked:
        _careplan(b, careplan, ctx, pid, profile, len(periods), None, current, True, None)


def _careplan(
    b: Builder,
    careplan: Any,
    ctx: ExportContext,
    pid: str,
    profile: dict[str, Any],
    n: int,
    period: dict[str, Any] | None,
    programme: dict[str, Any] | None,
    is_current: bool,
    until: str | None,
) -> None:
    parts: list[dict[str, Any]] = [
        {"url": "order", "valueInteger": n},
        {"url": "current", "valueBoolean": is_current},
    ]
    if period is not None:
        parts.append({"url": "event", "valueCode": period.get("event") or "imported"})
        if period.get("recorded"):
            parts.append({"url": "recorded", "valueDate": period["recorded"]})
    if programme is not None:
        p = Prescription.from_dict(programme)
        plan = careplan(p, ctx.exercise_names, {}, ctx.exported_at, profile.get("patient_id"))
        plan.pop("text", None)
        plan.pop("subject", None)
        if p.start:
            parts.append({"url": "prescription-start", "valueDate": p.start.isoformat()})
        if b.version != "r4":
            # R5's CarePlan has no activity detail (a planned activity is a resource of its
            # own): the exercises travel in backcare's extension, as the JSON export has them.
            for key in ("activity", "contained", "author"):
                plan.pop(key, None)
            parts.append(
                {"url": "prescription", "valueString": json.dumps(p.to_dict(), sort_keys=True)}
            )
    else:
        plan = {
            "resourceType": "CarePlan",
            "intent": "plan",
            "title": "Prescription cleared: backcare plans by itself",
        }
    plan["status"] = "active" if is_current else "revoked" if programme is None else "completed"
    plan["subject"] = _ref(pid)
    window: dict[str, str] = {}
    if period is not None and period.get("from"):
        window["start"] = period["from"]
    if until:
        window["end"] = (
            (date.fromisoformat(until) - timedelta(days=1)).isoformat()
            if period is not None and period.get("from") and until > period["from"]
            else until
        )
    if window:
        plan["period"] = window
    else:
        plan.pop("period", None)
    plan["extension"] = [
        *plan.get("extension", []),
        {"url": PRESCRIPTION_EXTENSION, "extension": parts},
    ]
    span = f" from {window['start']}" if "start" in window else ""
    span += f" to {window['end']}" if "end" in window else ""
    b.add(
        b.url("prescription", str(n)),
        plan,
        f"{'Prescription' if programme else 'Prescription cleared'}{span}"
        f"{' (in use)' if is_current else ''}",
    )
