"""A FHIR R4 ``CarePlan`` that backcare wrote (exporters.careplan), read back as a
prescription (issue 16): `programme import` takes it as it takes the YAML file.

The CarePlan's activities become the prescription file's entries and are then checked by
the file's own rules (loading.prescription): the same exercise ids, doses and days are
accepted and refused, whichever form the prescription came in. A CarePlan with an activity
that names no exercise of backcare's is refused, naming the activity.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backcare.domain.fhir_terms import (
    EXERCISE_SYSTEM,
    HOLD_EXTENSION,
    PER_SIDE_EXTENSION,
    PROGRESSION_EXTENSION,
    REPETITIONS,
    SETS_EXTENSION,
)
from backcare.domain.library import Library
from backcare.domain.models import Prescription
from backcare.domain.text import kind_of
from backcare.errors import BackcareError, Problem, ProblemList
from backcare.loading.importer import read_import_file
from backcare.loading.prescription import parse_prescription, prescription_from
from backcare.loading.yamlload import LineDict, LineList


def looks_like_json(path: Path) -> bool:
    """A prescription file is YAML; a CarePlan is JSON: told apart by the name, else by
    the first character that is not a space."""
    if path.suffix.lower() == ".json":
        return True
    if path.suffix.lower() in (".yaml", ".yml"):
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return False
    return head.startswith(b"{")


def read_prescription(path: Path, library: Library) -> Prescription:
    """A prescription from a YAML file or a CarePlan."""
    if looks_like_json(path):
        return read_careplan(path, library)
    return parse_prescription(path, library)


def read_careplan(path: Path, library: Library) -> Prescription:
    name = str(path)
    doc = read_import_file(path)
    if not isinstance(doc, dict) or doc.get("resourceType") != "CarePlan":
        what = doc.get("resourceType") if isinstance(doc, dict) else None
        raise BackcareError(
            f"{name}: is not a FHIR CarePlan (it is "
            f"{what if isinstance(what, str) else kind_of(doc)}); "
            f"'programme import' reads a prescription file (YAML) or a "
            f"CarePlan that 'programme export --format fhir' wrote"
        )
    p = ProblemList()
    data = careplan_as_file(doc, name, p, library)
    p.raise_if_any(f"{name}: not a CarePlan backcare can read")
    return prescription_from_data(data, name, library)


def prescription_from_data(data: dict[str, Any], name: str, library: Library) -> Prescription:
    """A prescription given as plain data in the file's shape (a CarePlan's, the builder's
    answers), checked by the file's own rules; problems name the exercise, not a line."""
    try:
        return prescription_from(_lines(data), name, library)
    except BackcareError as exc:  # the file's rules name YAML lines; plain data has none
        problems = [Problem(pr.message, pr.file, None, pr.record) for pr in exc.problems]
        raise BackcareError(exc.message, problems) from None


def _lines(value: Any) -> Any:
    """Plain data as the YAML reader's mappings and lists, with no lines to name."""
    if isinstance(value, dict):
        return _mapping({k: _lines(v) for k, v in value.items()})
    if isinstance(value, list) and not isinstance(value, LineList):
        out = LineList(_lines(v) for v in value)
        return out
    return value


def _mapping(values: dict[str, Any]) -> LineDict:
    out = LineDict(values)
    out.line = None  # type: ignore[assignment]  # no line to name
    out.key_lines = {}
    return out


def _extension(element: dict[str, Any], url: str, kind: str) -> Any:
    for ext in element.get("extension") or ():
        if isinstance(ext, dict) and ext.get("url") == url:
            return ext.get(kind)
    return None


def careplan_as_file(
    doc: dict[str, Any], name: str, p: ProblemList, library: Library | None = None
) -> LineDict:
    """The CarePlan as the prescription file's mapping. Where it says whether an exercise
    is done on each side, this library must agree: 2 × 8 each side is not 2 × 8 (issue
    23)."""
    top: dict[str, Any] = {}
    author = doc.get("author")
    if isinstance(author, dict) and author.get("display") is not None:
        top["prescribed_by"] = author["display"]
    period = doc.get("period")
    if isinstance(period, dict) and period.get("start") is not None:
        top["start"] = period["start"]
    progression = _extension(doc, PROGRESSION_EXTENSION, "valueBoolean")
    if progression is not None:
        top["allow_progression"] = progression
    contained = {c.get("id"): c for c in doc.get("contained") or () if isinstance(c, dict)}
    activities = doc.get("activity")
    if not isinstance(activities, list) or not activities:
        p.add("has no activity: a CarePlan of backcare's has one per exercise", file=name)
        return _mapping(top)
    items = LineList()
    for i, activity in enumerate(activities):
        detail = activity.get("detail") if isinstance(activity, dict) else None
        where = f"activity[{i}]"
        if not isinstance(detail, dict):
            p.add("has no detail: backcare writes each exercise as one", file=name, record=where)
            continue
        ident = _exercise_id(detail, contained)
        if ident is None:
            p.add(
                "names no exercise of backcare's library (its code or its ActivityDefinition)",
                file=name,
                record=where,
            )
            continue
        each_side = _extension(detail, PER_SIDE_EXTENSION, "valueBoolean")
        known = library.get(ident) if library is not None and ident in library else None
        if isinstance(each_side, bool) and known is not None and each_side != known.per_side:
            said = "on each side" if each_side else "not on each side"
            p.add(
                f"says {known.name} is done {said}, and this exercise library says "
                f"otherwise: its doses would not mean what the physiotherapist wrote; "
                f"ask for a CarePlan made with your library",
                file=name,
                record=where,
            )
            continue
        items.append(_mapping(_item(ident, detail, name, where, p)))
    top["exercises"] = items
    return _mapping(top)


def _exercise_id(detail: dict[str, Any], contained: dict[Any, Any]) -> str | None:
    """The exercise an activity references: its ActivityDefinition's code, else its own."""
    codes = []
    for ref in detail.get("instantiatesCanonical") or ():
        if isinstance(ref, str) and ref.startswith("#") and ref[1:] in contained:
            codes.append(contained[ref[1:]].get("code"))
    codes.append(detail.get("code"))
    for code in codes:
        for coding in (code or {}).get("coding") or () if isinstance(code, dict) else ():
            if (
                isinstance(coding, dict)
                and coding.get("system") == EXERCISE_SYSTEM
                and isinstance(coding.get("code"), str)
            ):
                return str(coding["code"])
    return None


def _item(
    ident: str, detail: dict[str, Any], name: str, where: str, p: ProblemList
) -> dict[str, Any]:
    item: dict[str, Any] = {"id": ident}
    sets = _extension(detail, SETS_EXTENSION, "valueInteger")
    hold = _extension(detail, HOLD_EXTENSION, "valueInteger")
    if sets is not None:
        item["sets"] = sets
    quantity = detail.get("quantity")
    if isinstance(quantity, dict):
        if quantity.get("code") != REPETITIONS["code"]:
            p.add(
                f"its quantity is in {quantity.get('code')!r}; backcare's are "
                f"repetitions ({REPETITIONS['code']})",
                file=name,
                record=where,
            )
        else:
            item["reps"] = quantity.get("value")
    if hold is not None:
        item["hold_seconds"] = hold
    timing = detail.get("scheduledTiming")
    repeat = timing.get("repeat") if isinstance(timing, dict) else None
    if isinstance(repeat, dict):
        if repeat.get("duration") is not None:
            if repeat.get("durationUnit") != "min":
                p.add(
                    f"its duration is in {repeat.get('durationUnit')!r}; backcare's are "
                    f"in minutes (min)",
                    file=name,
                    record=where,
                )
            else:
                item["duration_minutes"] = repeat["duration"]
        if repeat.get("dayOfWeek") is not None:
            item["days"] = repeat["dayOfWeek"]
    if detail.get("description") is not None:
        item["note"] = detail["description"]
    return item
