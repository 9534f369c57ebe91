"""A prescription as a FHIR R4 ``CarePlan`` (issue 16): the hand-over a clinic system can
store, and that `programme import` reads back (loading.careplan).

- The plan: ``status`` active, ``intent`` plan, coded as exercise therapy (SNOMED CT
  229065009); its ``subject`` is the patient by their stable identifier when it is known;
  ``author`` is who prescribed it, ``period.start`` when it starts.
- Each exercise is a contained ``ActivityDefinition`` (its name, its library id as a code,
  its instructions), and each planned activity references it (``instantiatesCanonical``
  ``#exN``) and carries the same code.
- The dose: ``scheduledTiming`` says on which days (``dayOfWeek``, once a day) and, for a
  timed exercise, for how many minutes (``duration`` in ``min``); ``quantity`` is the
  repetitions of a set (UCUM ``{repetitions}``). Sets and the seconds each repetition is
  held have no FHIR element: they are backcare extensions, as is whether backcare may
  progress the doses (docs/interoperability.md lists their URIs).
- An exercise done on each side says so in words (the quantity's unit, "repetitions each
  side", and the narrative) and in the ``per-side`` extension, which `programme import`
  reads back (issue 23).
- The physiotherapist's note for an exercise is the activity's ``description``.

Pure: the command gathers the names and instructions and writes the bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

from backcare.domain.fhir_terms import (
    EACH_SIDE_UNIT,
    EXERCISE_SYSTEM,
    EXERCISE_THERAPY,
    HOLD_EXTENSION,
    PATIENT_ID_SYSTEM,
    PER_SIDE_EXTENSION,
    PROGRESSION_EXTENSION,
    REPETITIONS,
    SETS_EXTENSION,
)
from backcare.domain.models import PrescribedItem, Prescription
from backcare.errors import BackcareError

XHTML = "http://www.w3.org/1999/xhtml"
TITLE = "Home exercise programme"
DAY_WORDS = {
    "mon": "Mon",
    "tue": "Tue",
    "wed": "Wed",
    "thu": "Thu",
    "fri": "Fri",
    "sat": "Sat",
    "sun": "Sun",
}


def contained_id(index: int) -> str:
    """The id of the nth exercise's ActivityDefinition inside the CarePlan."""
    return f"ex{index + 1}"


def careplan(
    p: Prescription,
    names: Mapping[str, str],
    instructions: Mapping[str, Sequence[str]],
    written_at: str,
    patient_id: str | None = None,
    patient_name: str | None = None,
    per_side: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The CarePlan of a prescription, as plain JSON data. ``per_side``: the ids of the
    exercises done on each side (the library's)."""
    contained = []
    activities = []
    for i, item in enumerate(p.items):
        name = names.get(item.exercise_id, item.exercise_id)
        code = {
            "coding": [{"system": EXERCISE_SYSTEM, "code": item.exercise_id, "display": name}],
            "text": name,
        }
        definition: dict[str, Any] = {
            "resourceType": "ActivityDefinition",
            "id": contained_id(i),
            "status": "active",
            "name": "".join(ch for ch in name.title() if ch.isalnum())[:60] or "Exercise",
            "title": name,
            "code": code,
        }
        steps = instructions.get(item.exercise_id)
        if steps:
            definition["description"] = "\n".join(f"{n}. {step}" for n, step in enumerate(steps, 1))
        contained.append(definition)
        activities.append(
            {"detail": _detail(item, code, contained_id(i), item.exercise_id in per_side)}
        )
    subject: dict[str, Any] = {"display": patient_name or "the patient"}
    if patient_id:
        subject["identifier"] = {"system": PATIENT_ID_SYSTEM, "value": patient_id}
    plan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "text": {"status": "generated", "div": _narrative(p, names, per_side)},
        "contained": contained,
        "extension": [{"url": PROGRESSION_EXTENSION, "valueBoolean": p.allow_progression}],
        "status": "active",
        "intent": "plan",
        "title": TITLE,
        "category": [{"coding": [EXERCISE_THERAPY], "text": "Home exercise programme"}],
        "subject": subject,
        "created": written_at,
        "activity": activities,
    }
    if p.start:
        plan["period"] = {"start": p.start.isoformat()}
    if p.prescribed_by:
        plan["author"] = {"display": p.prescribed_by}
    return plan


def _detail(
    item: PrescribedItem, code: dict[str, Any], definition: str, each_side: bool = False
) -> dict[str, Any]:
    dose = item.dose
    repeat: dict[str, Any] = {
        "frequency": 1,
        "period": 1,
        "periodUnit": "d",
        "dayOfWeek": list(item.days),
    }
    if dose.duration_minutes is not None:
        repeat.update({"duration": dose.duration_minutes, "durationUnit": "min"})
    extensions = []
    if dose.sets is not None:
        extensions.append({"url": SETS_EXTENSION, "valueInteger": dose.sets})
    if dose.hold_seconds is not None:
        extensions.append({"url": HOLD_EXTENSION, "valueInteger": dose.hold_seconds})
    extensions.append({"url": PER_SIDE_EXTENSION, "valueBoolean": each_side})
    detail: dict[str, Any] = {}
    if extensions:
        detail["extension"] = extensions
    detail.update(
        {
            "instantiatesCanonical": [f"#{definition}"],
            "code": code,
            "status": "scheduled",
            "doNotPerform": False,
            "scheduledTiming": {"repeat": repeat},
        }
    )
    if dose.reps is not None:
        detail["quantity"] = {"value": dose.reps, **REPETITIONS}
        if each_side:
            detail["quantity"]["unit"] = EACH_SIDE_UNIT
    if item.note:
        detail["description"] = item.note
    return detail


def _narrative(
    p: Prescription, names: Mapping[str, str], per_side: frozenset[str] = frozenset()
) -> str:
    lines = []
    for item in p.items:
        days = (
            "every day"
            if len(item.days) == 7
            else ", ".join(DAY_WORDS.get(d, d) for d in item.days)
        )
        dose = item.dose.describe(item.exercise_id in per_side)
        lines.append(
            f"<li>{escape(names.get(item.exercise_id, item.exercise_id))}: "
            f"{escape(dose) + '; ' if dose else ''}{escape(days)}"
            f"{'. ' + escape(item.note) if item.note else ''}</li>"
        )
    by = f" by {escape(p.prescribed_by)}" if p.prescribed_by else ""
    start = f", from {p.start.isoformat()}" if p.start else ""
    return f'<div xmlns="{XHTML}"><p>{TITLE}{by}{start}.</p><ul>{"".join(lines)}</ul></div>'


def careplan_model() -> Callable[[dict[str, Any]], Any] | None:
    """fhir.resources' R4 CarePlan validator (its R4B models), or None without the extra."""
    import importlib

    try:
        validate: Callable[[dict[str, Any]], Any] = importlib.import_module(
            "fhir.resources.R4B.careplan"
        ).CarePlan.model_validate
    except ImportError:
        return None
    return validate


def check(plan: dict[str, Any]) -> bool:
    """Validate the CarePlan with fhir.resources when the extra is installed."""
    validate = careplan_model()
    if validate is None:
        return False
    from pydantic import ValidationError

    try:
        validate(plan)
    except ValidationError as exc:  # a bug in this module, not in the prescription
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BackcareError(
            f"the CarePlan did not validate ({where}: {first['msg']}); please report this"
        ) from None
    return True


def render(plan: dict[str, Any]) -> bytes:
    check(plan)
    return (json.dumps(plan, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
