"""`export --format fhir`: the log as a FHIR Bundle, R4 (the default) or R5.

The bundle is plain JSON built here; nothing in this module needs a FHIR library. With the
optional extra (``pip install 'backcare[fhir]'``) the bundle is checked with fhir.resources'
models (its R4B models for R4) as it is written, the first few resources of each shape; the
test suite checks every resource of both versions. The bundle is streamed, resource by
resource (issue 25): no export holds every resource in memory.
What goes in, and as what (codes and their sources: docs/interoperability.md):

- a **Patient** with a stable pseudonymous identifier and no other identifying data; a name
  only when the user gives ``--name``. backcare never knows who the patient is;
- each **pain check-in**: an Observation, LOINC 72514-3 (0–10 NRS), ``valueInteger``; its
  symptoms (SNOMED CT where a code is known, the words always) and a flare-up as components;
  its note as a note;
- each **exercise session**: a Procedure, SNOMED CT 229065009 "Exercise therapy", completed
  (or not-done when every exercise was skipped), the exercises with their doses in a note; the
  session's pain before and after and each exercise's pain as 72514-3 Observations, and its
  aerobic minutes as LOINC 55411-3 "Exercise duration", all ``partOf`` the Procedure;
- each **questionnaire** the patient answered: the instrument's **Questionnaire** (once, with
  a canonical URL that the responses point at), a **QuestionnaireResponse** with one item per
  question, and the **score** and **band** as Observations ``derivedFrom`` the response (LOINC
  where a code exists: ODI 97909-6, STarT Back 91351-7 and risk level 91352-5);
- each **clinic visit**: an Encounter, and its note as an Observation of that encounter;
- each **goal**: a Goal.

Every resource has a short generated narrative, and an identifier: a ``urn:uuid`` made from
the patient's ``patient_id`` and the record's id (never equal to a ``fullUrl``: a server
rewrites those), so every export gives a record the same identifier, whatever was added in
between. With ``--bundle transaction`` each entry is a conditional create (``ifNoneExist``
on that identifier; the Patient's on its ``patient_id``): POSTed twice, the bundle creates
nothing the second time, and a later export creates only the new records. A record corrected
since it was made is a conditional update on its identifier, and what the patient deleted a
conditional delete, so the server reaches the patient's state (issue 23).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from html import escape
from typing import TYPE_CHECKING, Any

from backcare.domain.fhir_terms import (
    CHECKIN_TEXT,
    EXERCISE_LOG_EXTENSION,
    EXERCISE_SYSTEM,
    EXERCISE_THERAPY,
    FLARE_TEXT,
    LOINC,
    NAMESPACE,
    PAIN_CODE,
    PATIENT_ID_SYSTEM,
    QUESTIONNAIRE_VERSION,
    RECORD_ID_SYSTEM,
    SESSION_PAIN_TEXT,
    SYMPTOM_CODES,
    SYMPTOM_PREFIX,
    UCUM,
    URI_IDENTIFIER,
    VISIT_TITLES,
    questionnaire_url,
    record_identifier,
    shared_identifier,
    symptom_words,
    uuid5_urn,
)
from backcare.domain.instruments import INSTRUMENTS
from backcare.domain.models import Dose, Goal
from backcare.errors import BackcareError
from backcare.exporters import Rendered

if TYPE_CHECKING:
    from backcare.exporters import ExportContext, Rendered, Sink

R4, R5 = "r4", "r5"
COLLECTION, TRANSACTION = "collection", "transaction"
OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
XHTML = "http://www.w3.org/1999/xhtml"

# Codes, each checked at its source (docs/interoperability.md); those that the clinic reads
# back live in domain.fhir_terms.
EXERCISE_DURATION = {"system": LOINC, "code": "55411-3", "display": "Exercise duration"}
# Questionnaires: LOINC panel (the Questionnaire's code), score and band codes where they exist.
PANEL_CODES = {
    "odi": ("97908-8", "Oswestry Disability Index"),
    "startback": ("91349-1", "STarT Back Screening Tool panel"),
}
SCORE_CODES = {
    "odi": ("97909-6", "Oswestry disability index score ODI"),
    "startback": ("91351-7", "Total score [STarT Back]"),
}
STARTBACK_RISK = ("91352-5", "STarT Back Screening risk level")
STARTBACK_RISK_ANSWERS = {
    "low": ("LA9194-7", "Low"),
    "medium": ("LA8982-6", "Medium"),
    "high": ("LA9193-9", "High"),
}
QUESTION_TYPES = {"odi": "integer", "rmdq": "boolean", "psfs": "integer", "peg": "integer"}
# Validating every resource of ten years takes seconds; resources of one shape are built by
# the same lines, so the extra checks the first few of each shape (the tests check them all).
VALIDATE_PER_SHAPE = 3
# Entries are encoded and written this many at a time: few large writes, few encoder calls.
BATCH = 256


class Builder:
    """Collects the bundle's entries: each resource with its identifier, narrative and (for a
    transaction) its request.

    A resource's ``fullUrl`` (:meth:`url`) is for references inside the bundle only. Its
    identifier is another ``urn:uuid``, in a namespace of its own
    (:func:`~backcare.domain.fhir_terms.record_identifier`), from the patient's
    ``patient_id`` and the record's id: a server rewrites strings equal to a fullUrl, never
    the identifier, so a later bundle's conditional create finds the resource (issue 28).
    A new kind of resource needs nothing more: ``add(url(kind, record_id), ...)``.

    In a transaction, a resource of a record that was corrected since it was made (the audit
    trail's edits and replacements, ``edited``) is a conditional update on its identifier;
    one of a record that was not, a conditional create (issue 23)."""

    def __init__(
        self,
        ctx: ExportContext,
        edited: frozenset[str] = frozenset(),
        sink: Callable[[dict[str, Any]], object] | None = None,
        track: bool = False,
    ) -> None:
        self.version = ctx.fhir_version
        self.transaction = ctx.bundle == TRANSACTION
        self.key = ctx.patient_key or ""
        self.edited = edited
        # Streamed (issue 25): each entry goes to ``sink`` as it is made, and only those
        # added while :meth:`hold` holds them are kept, in ``entries``, to be completed
        # before :meth:`release` sends them on. Without a sink every entry is kept.
        self.sink = sink
        self._held = sink is None
        self.entries: list[dict[str, Any]] = []
        # (resource type, identifier) of every resource added: a transaction's conditional
        # deletes need them (``track``: kept whatever the bundle's type).
        self.track = track or self.transaction
        self._added: set[tuple[str, str]] = set()
        # Of a url made and not added yet (each is added once, just after it is made):
        self._identifiers: dict[str, str] = {}  # fullUrl → its resource's identifier
        self._records: dict[str, str] = {}  # fullUrl → the id of the record it stands for

    def url(self, kind: str, ident: str, shared: bool = False, of: str | None = None) -> str:
        """The ``urn:uuid`` fullUrl of the resource of ``kind`` that stands for the record
        ``ident`` (or for a part ``ident`` of the record ``of``): of the patient's key and
        the record's id, so that two patients' records never share one (check-in ids are
        only their dates). Its identifier is :meth:`identifier` of the same pair."""
        name = f"{kind}:{ident}" if shared else f"{self.key}/{kind}:{ident}"
        url = uuid5_urn(NAMESPACE, name)
        if not shared:
            self._records[url] = of if of is not None else ident
        self._identifiers[url] = (
            shared_identifier(kind, ident) if shared else self.identifier(kind, ident)
        )
        return url

    def identifier(self, kind: str, record_id: str) -> str:
        """The identifier value of the resource of ``kind`` for the record ``record_id``."""
        return record_identifier(self.key, kind, record_id)

    def add(
        self,
        url: str,
        resource: dict[str, Any],
        narrative: str,
        record_id: str | None = None,
        *,
        match: tuple[str, str] | None = None,
    ) -> str:
        """Add a resource under ``url`` (made by :meth:`url`). ``record_id``, backcare's own
        id of the record it stands for, is a second identifier where the resource can hold a
        list of them (the clinic reads it back: issue 16). ``match`` is the (system, value)
        a server finds it by, when not its own identifier (the Patient's ``patient_id``)."""
        identifier = {"system": URI_IDENTIFIER, "value": self._identifiers.pop(url)}
        record = self._records.pop(url, None)
        many = resource["resourceType"] != "QuestionnaireResponse" or self.version == R5
        identifiers = [identifier]
        if record_id is not None:
            identifiers.append({"system": RECORD_ID_SYSTEM, "value": record_id})
        if match is not None and match[0] != URI_IDENTIFIER:
            identifiers.append({"system": match[0], "value": match[1]})
        made = resource
        resource = {
            "resourceType": made["resourceType"],
            "text": {
                "status": "generated",
                "div": f'<div xmlns="{XHTML}">{escape(narrative)}</div>',
            },
            "identifier": identifiers if many else identifier,
        }
        resource.update(made)  # its resourceType stays first: a key keeps its place
        entry: dict[str, Any] = {"fullUrl": url, "resource": resource}
        if self.transaction:
            system, value = match or (URI_IDENTIFIER, identifier["value"])
            kind = resource["resourceType"]
            if record in self.edited:
                entry["request"] = {"method": "PUT", "url": f"{kind}?identifier={system}|{value}"}
            else:
                entry["request"] = {
                    "method": "POST",
                    "url": kind,
                    "ifNoneExist": f"identifier={system}|{value}",
                }
        if self.track:
            self._added.add((resource["resourceType"], identifier["value"]))
        self._put(entry)
        return url

    def remove(self, kind: str, value: str) -> None:
        """A conditional delete of the resource of type ``kind`` with this identifier."""
        self._put(
            {"request": {"method": "DELETE", "url": f"{kind}?identifier={URI_IDENTIFIER}|{value}"}}
        )

    def _put(self, entry: dict[str, Any]) -> None:
        if self._held or self.sink is None:
            self.entries.append(entry)
        else:
            self.sink(entry)

    def hold(self) -> None:
        """Keep the entries added from now on in ``entries``, to be completed in place."""
        self._held = True

    def release(self) -> None:
        """Send the held entries on, in order, and stream again."""
        if self.sink is None:
            return
        for entry in self.entries:
            self.sink(entry)
        self.entries.clear()
        self._held = False

    def identifiers(self) -> set[tuple[str, str]]:
        """The (resource type, identifier) of every resource added (of a Builder made with
        ``track``, or of a transaction)."""
        return set(self._added)


def _category(code: str, display: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBS_CATEGORY, "code": code, "display": display}]}]


SURVEY = _category("survey", "Survey")
ACTIVITY = _category("activity", "Activity")


def _notes(*texts: str | None) -> dict[str, Any]:
    notes = [{"text": t} for t in texts if t]
    return {"note": notes} if notes else {}


def _ref(url: str) -> dict[str, str]:
    return {"reference": url}


def _pain_obs(patient: str, day: str, score: int, text: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": SURVEY,
        "code": {"coding": [PAIN_CODE], "text": text},
        "subject": _ref(patient),
        "effectiveDateTime": day,
        "valueInteger": score,
        **extra,
    }


def _symptom(name: str) -> dict[str, Any]:
    code: dict[str, Any] = {"text": f"{SYMPTOM_PREFIX}{symptom_words(name)}"}
    if name in SYMPTOM_CODES:
        code["coding"] = [SYMPTOM_CODES[name]]
    return {"code": code, "valueBoolean": True}


def build_bundle(ctx: ExportContext) -> dict[str, Any]:
    """The bundle as plain JSON data, whole in memory (for the tests and the small bundles;
    :func:`render` streams the same entries)."""
    entries: list[dict[str, Any]] = []
    emit_entries(ctx, entries.append)
    return {
        "resourceType": "Bundle",
        "type": TRANSACTION if ctx.bundle == TRANSACTION else COLLECTION,
        "timestamp": ctx.exported_at,
        "entry": entries,
    }


def emit_entries(ctx: ExportContext, put: Callable[[dict[str, Any]], object]) -> None:
    """Each entry of the bundle, in order, to ``put`` as soon as it is complete: the
    Patient and the Goals are held until the profile and the goals' activities are on
    them; the records (tens of thousands in ten years) go out one by one."""
    from backcare.exporters.fhir_patient import goal_activities, patient_parts, settings

    b = Builder(ctx, _edited(ctx.doc), sink=put)
    b.hold()
    patient: dict[str, Any] = {"resourceType": "Patient"}
    if ctx.patient_name:
        patient["name"] = [{"text": ctx.patient_name}]
    profile = ctx.doc.get("profile") or {}
    # The stable identifier a clinic keys the patient by, and a server finds them by: every
    # export of one patient is one Patient on the server (issue 28).
    match = (PATIENT_ID_SYSTEM, profile["patient_id"]) if profile.get("patient_id") else None
    pid = b.add(
        b.url("patient", "self"),
        patient,
        f"Patient {ctx.patient_name}"
        if ctx.patient_name
        else "Patient (not named: an anonymous export from backcare)",
        match=match,
    )
    settings(b, ctx)  # issue 22: the profile too, on the Patient
    b.release()
    _checkins(b, ctx, pid)
    _sessions(b, ctx, pid)
    _questionnaires(b, ctx, pid)
    _visits(b, ctx, pid)
    b.hold()
    _goals(b, ctx, pid)
    goal_activities(b, ctx)
    b.release()
    patient_parts(b, ctx, pid)
    if b.transaction:
        _removed(b, ctx, pid)


# The tables of the audit trail (domain.corrections) whose records the bundle carries.
_CORRECTED = ("sessions", "pain_checkins", "assessments", "visits", "goals")


def _present(doc: dict[str, Any]) -> set[tuple[str, str]]:
    """(table, record id) of each record of the document (a check-in's id is p-DATE)."""
    return {
        (table, f"p-{r['date']}" if table == "pain_checkins" else str(r["id"]))
        for table in _CORRECTED
        for r in doc.get(table) or ()
    }


def _edited(doc: dict[str, Any]) -> frozenset[str]:
    """The ids of the records of the document that were corrected after they were made
    (edited, replaced, or deleted and made again: a server may hold an older version)."""
    if not doc.get("corrections"):  # nothing corrected: no need to read every record
        return frozenset()
    present = _present(doc)
    return frozenset(
        str(c.get("id"))
        for c in doc.get("corrections") or ()
        if (c.get("record"), str(c.get("id"))) in present
    )


def _removed(b: Builder, ctx: ExportContext, pid: str) -> None:
    """A conditional delete for each resource the server may hold that the patient's record
    no longer has: every resource of a deleted record, and the parts an edit took away (a
    session's pain before it, an exercise's pain). The audit trail keeps each record as it
    was before each correction; its resources are made again, and those that this bundle
    does not carry are deleted (issue 23). A record moved out of the export's period by an
    edit still exists, and is left alone."""
    present = _present(ctx.doc)
    last: dict[tuple[str, str], dict[str, Any]] = {}
    earlier: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for c in ctx.doc.get("corrections") or ():
        key = (str(c.get("record")), str(c.get("id")))
        last[key] = c
        if isinstance(c.get("before"), dict):
            earlier.setdefault(key, []).append(c["before"])
    before: dict[str, list[dict[str, Any]]] = {}
    for key, c in last.items():
        after = c.get("after")
        # Gone: deleted, or a check-in moved to another day (its id is its day).
        now = (
            None
            if not isinstance(after, dict)
            else (f"p-{after.get('date')}" if key[0] == "pain_checkins" else str(after.get("id")))
        )
        gone = key not in present and now != key[1]
        if (gone or key in present) and key[0] in _CORRECTED:
            before.setdefault(key[0], []).extend(earlier.get(key, ()))
    if not before:
        return
    was_ctx = replace(ctx, doc=before, report=None, aerobic_minutes={}, bundle=COLLECTION)
    was = Builder(was_ctx, track=True)
    for part in (_checkins, _sessions, _questionnaires, _visits, _goals):
        part(was, was_ctx, pid)
    # A session's aerobic minutes are counted as the progress report counts them, over the
    # sessions of now: a session gone takes its minutes with it.
    gone_minutes = {
        ("Observation", was.identifier("exercise-duration", str(r.get("id"))))
        for r in before.get("sessions", ())
        if ("sessions", str(r.get("id"))) not in present
    }
    have = b.identifiers()
    for kind, value in sorted((was.identifiers() | gone_minutes) - have):
        if kind != "Questionnaire":  # the same for every patient: never the patient's to delete
            b.remove(kind, value)


def _checkins(b: Builder, ctx: ExportContext, pid: str) -> None:
    for c in ctx.doc.get("pain_checkins", []):
        components = [_symptom(s) for s in c.get("symptoms") or []]
        if c.get("flare"):
            components.append({"code": {"text": FLARE_TEXT}, "valueBoolean": True})
        extra: dict[str, Any] = {"component": components} if components else {}
        said = [f"pain {c['score']}/10"] + [x["code"]["text"].lower() for x in components]
        b.add(
            b.url("pain", c.get("id") or f"p-{c['date']}"),
            _pain_obs(pid, c["date"], c["score"], CHECKIN_TEXT, **extra, **_notes(c.get("note"))),
            f"Pain check-in on {c['date']}: " + "; ".join(said),
        )


def _sessions(b: Builder, ctx: ExportContext, pid: str) -> None:
    names = ctx.exercise_names
    minutes = ctx.aerobic_minutes
    # An exercise logged the same way (the same dose, status and pain) is described once:
    # years of sessions repeat a few dozen of them (issue 25).
    described: dict[tuple[Any, ...], tuple[str, dict[str, Any]]] = {}
    for s in ctx.doc.get("sessions", []):
        lines, logs = [], []
        for e in s.get("exercises", []):
            key = (
                e["exercise_id"],
                e["status"],
                e.get("sets"),
                e.get("reps"),
                e.get("hold_seconds"),
                e.get("duration_minutes"),
                e.get("pain"),
                bool(e.get("extra")),
            )
            known = described.get(key)
            if known is None:
                known = described[key] = (
                    _exercise_line(e, names, ctx.per_side),
                    _exercise_log(e, names),
                )
            lines.append(known[0])
            logs.append(known[1])
        done = any(e.get("status") != "skipped" for e in s.get("exercises", []))
        when = {"performedDateTime" if b.version == R4 else "occurrenceDateTime": s["date"]}
        procedure: dict[str, Any] = {
            "resourceType": "Procedure",
            "status": "completed" if done else "not-done",
            "code": {"coding": [EXERCISE_THERAPY], "text": "Home exercise session"},
            "subject": _ref(pid),
            **when,
            "performer": [{"actor": _ref(pid)}],
            **_notes("; ".join(lines) if lines else None, s.get("note")),
        }
        if b.version == R5:
            procedure["reportedBoolean"] = True
        if logs:
            procedure["extension"] = logs
        summary = "; ".join(lines) or "no exercises recorded"
        url = b.add(
            b.url("session", s["id"]),
            procedure,
            f"Home exercise session on {s['date']}: {summary}",
            s["id"],
        )
        part_of = [_ref(url)]
        for when_pain in ("before", "after"):
            value = s.get(f"pain_{when_pain}")
            if value is not None:
                b.add(
                    b.url(f"session-pain-{when_pain}", s["id"]),
                    _pain_obs(
                        pid,
                        s["date"],
                        value,
                        SESSION_PAIN_TEXT.format(when=when_pain),
                        partOf=part_of,
                    ),
                    f"Pain {when_pain} the exercise session on {s['date']}: {value}/10",
                )
        for part, e in _exercise_parts(s, ctx.first_ids):
            if e.get("pain") is not None:
                name = names.get(e["exercise_id"], e["exercise_id"])
                b.add(
                    b.url("exercise-pain", f"{s['id']}:{part}", of=s["id"]),
                    _pain_obs(
                        pid, s["date"], e["pain"], f"Pain with the exercise: {name}", partOf=part_of
                    ),
                    f"Pain with {name} on {s['date']}: {e['pain']}/10",
                )
        if s["id"] in minutes:
            value = minutes[s["id"]]
            b.add(
                b.url("exercise-duration", s["id"]),
                {
                    "resourceType": "Observation",
                    "status": "final",
                    "category": ACTIVITY,
                    "code": {
                        "coding": [EXERCISE_DURATION],
                        "text": "Aerobic exercise minutes in the session",
                    },
                    "subject": _ref(pid),
                    "effectiveDateTime": s["date"],
                    "partOf": part_of,
                    "valueQuantity": {"value": value, "unit": "min", "system": UCUM, "code": "min"},
                },
                f"Aerobic exercise in the session on {s['date']}: {value} min",
            )


def _exercise_parts(
    s: dict[str, Any], first_ids: Mapping[str, str]
) -> list[tuple[str, dict[str, Any]]]:
    """Each exercise of a session with the name of its part of the record: its exercise id
    (``bridge``; ``bridge:2`` for a second log of it), not its place in the list, which an
    edit may change (issue 23). A renamed exercise's part keeps the id it was first known
    by (``first_ids``, issue 27), so that a record exported before the rename keeps its
    identifiers."""
    seen: dict[str, int] = {}
    parts = []
    for e in s.get("exercises", []):
        ident = first_ids.get(e["exercise_id"], e["exercise_id"])
        n = seen[ident] = seen.get(ident, 0) + 1
        parts.append((ident if n == 1 else f"{ident}:{n}", e))
    return parts


def _exercise_line(e: dict[str, Any], names: Any, per_side: frozenset[str]) -> str:
    """One exercise of a session in words, for the Procedure's note: "Bridge: done, 2 × 8,
    hold 5 s, pain 2/10"."""
    name = names.get(e["exercise_id"], e["exercise_id"])
    dose = (
        Dose.from_dict(e).describe(e["exercise_id"] in per_side)
        if e.get("status") != "skipped"
        else ""
    )
    pain = f", pain {e['pain']}/10" if e.get("pain") is not None else ""
    return f"{name}: {e['status']}{', ' + dose if dose else ''}{pain}"


# An exercise record's fields, and the names of the parts of its extension.
_LOG_PARTS = (
    ("sets", "sets"),
    ("reps", "reps"),
    ("hold_seconds", "hold-seconds"),
    ("duration_minutes", "duration-minutes"),
    ("pain", "pain"),
)


def _exercise_log(e: dict[str, Any], names: Any) -> dict[str, Any]:
    """One exercise of a session as an extension: its library id as a code, its status,
    dose and pain, exactly as logged, so that the clinic reads the session back whole."""
    parts: list[dict[str, Any]] = [
        {
            "url": "exercise",
            "valueCoding": {
                "system": EXERCISE_SYSTEM,
                "code": e["exercise_id"],
                "display": names.get(e["exercise_id"], e["exercise_id"]),
            },
        },
        {"url": "status", "valueCode": e["status"]},
    ]
    parts += [
        {"url": part, "valueInteger": e[key]} for key, part in _LOG_PARTS if e.get(key) is not None
    ]
    if e.get("extra"):
        parts.append({"url": "extra", "valueBoolean": True})
    return {"url": EXERCISE_LOG_EXTENSION, "extension": parts}


def _questionnaires(b: Builder, ctx: ExportContext, pid: str) -> None:
    canonical: dict[str, str] = {}
    for a in ctx.doc.get("assessments", []):
        instrument = a["instrument"]
        if instrument not in canonical:
            canonical[instrument] = _questionnaire(b, instrument)
        meta = INSTRUMENTS.get(instrument)
        title = meta.title if meta else instrument
        response = b.add(
            b.url("assessment", a["id"]),
            {
                "resourceType": "QuestionnaireResponse",
                "status": "completed",
                "questionnaire": canonical[instrument],
                "subject": _ref(pid),
                "authored": a["date"],
                "item": _items(a.get("answers")),
            },
            f"{title}, answered on {a['date']}",
        )
        derived = {
            "subject": _ref(pid),
            "effectiveDateTime": a["date"],
            "derivedFrom": [_ref(response)],
            "status": "final",
            "category": SURVEY,
        }
        score = a["score"]
        code: dict[str, Any] = {"text": f"{title} score"}
        if instrument in SCORE_CODES:
            number, display = SCORE_CODES[instrument]
            code["coding"] = [{"system": LOINC, "code": number, "display": display}]
        unit = "%" if meta is not None and meta.score_unit == "%" else "{score}"
        b.add(
            b.url("assessment-score", a["id"]),
            {
                "resourceType": "Observation",
                "code": code,
                **derived,
                "valueQuantity": {"value": score, "unit": unit, "system": UCUM, "code": unit},
            },
            f"{title} score on {a['date']}: {score:g}{'%' if unit == '%' else ''}",
            a["id"],
        )
        band = a.get("band")
        if band:
            b.add(
                b.url("assessment-band", a["id"]),
                {"resourceType": "Observation", **_band(instrument, title, band), **derived},
                f"{title} {'risk group' if instrument == 'startback' else 'band'} on "
                f"{a['date']}: {band}",
            )


def _band(instrument: str, title: str, band: str) -> dict[str, Any]:
    if instrument == "startback":
        number, display = STARTBACK_RISK
        value: dict[str, Any] = {"text": band}
        if band in STARTBACK_RISK_ANSWERS:
            answer, label = STARTBACK_RISK_ANSWERS[band]
            value["coding"] = [{"system": LOINC, "code": answer, "display": label}]
        return {
            "code": {
                "coding": [{"system": LOINC, "code": number, "display": display}],
                "text": f"{title} risk group",
            },
            "valueCodeableConcept": value,
        }
    return {"code": {"text": f"{title} band"}, "valueCodeableConcept": {"text": band}}


def _questionnaire(b: Builder, instrument: str) -> str:
    """The instrument's Questionnaire (shared by every patient: its identifier is not the
    patient's); returns its canonical URL, which the responses point at."""
    url = questionnaire_url(instrument)
    meta = INSTRUMENTS.get(instrument)
    title = meta.title if meta else instrument
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "url": url,
        "version": QUESTIONNAIRE_VERSION,
        "name": "".join(ch for ch in title.title() if ch.isalnum()) or "Questionnaire",
        "title": title,
        "status": "active",
        "subjectType": ["Patient"],
        "item": _questions(instrument),
    }
    if instrument in PANEL_CODES:
        number, display = PANEL_CODES[instrument]
        resource["code"] = [{"system": LOINC, "code": number, "display": display}]
    if meta is not None:
        resource["description"] = f"{meta.description} {meta.licence}"
    # The responses point at its canonical URL, which is neither its fullUrl nor its
    # identifier: a server rewrites every string equal to a fullUrl (issue 28), and the
    # canonical URL must reach the server as it is.
    b.add(
        b.url("questionnaire", f"{instrument}:v{QUESTIONNAIRE_VERSION}:entry", shared=True),
        resource,
        f"Questionnaire: {title} (as backcare asks it)",
    )
    return url


def _questions(instrument: str) -> list[dict[str, Any]]:
    meta = INSTRUMENTS.get(instrument)
    if meta is None:
        return [{"linkId": "answers", "text": "Answers", "type": "string"}]
    items = []
    for n, prompt in enumerate(meta.items, 1):
        if instrument == "startback":
            kind = "boolean" if n < len(meta.items) else "integer"
        else:
            kind = QUESTION_TYPES.get(instrument, "string")
        link = f"activity-{n}" if instrument == "psfs" else str(n)
        items.append({"linkId": link, "text": prompt.text, "type": kind, "required": False})
    return items


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
        answers = [*answers["items"], answers["bothersomeness"]]
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


def _visits(b: Builder, ctx: ExportContext, pid: str) -> None:
    for v in ctx.doc.get("visits", []):
        title = VISIT_TITLES.get(v["kind"], "Clinic visit")
        ambulatory = {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"}
        encounter: dict[str, Any] = {
            "resourceType": "Encounter",
            "type": [{"text": title}],
            "subject": _ref(pid),
        }
        when = {"start": v["date"], "end": v["date"]}
        if b.version == R4:
            encounter.update({"status": "finished", "class": ambulatory, "period": when})
        else:
            encounter.update(
                {"status": "completed", "class": [{"coding": [ambulatory]}], "actualPeriod": when}
            )
        url = b.add(b.url("visit", v["id"]), encounter, f"{title} on {v['date']}", v["id"])
        if v.get("note"):
            b.add(
                b.url("visit-note", v["id"]),
                {
                    "resourceType": "Observation",
                    "status": "final",
                    "code": {"text": "Patient's note about the clinic visit"},
                    "subject": _ref(pid),
                    "encounter": _ref(url),
                    "effectiveDateTime": v["date"],
                    "valueString": v["note"],
                },
                f"Note about the clinic visit on {v['date']}: {v['note']}",
            )


def _goals(b: Builder, ctx: ExportContext, pid: str) -> None:
    for g in ctx.doc.get("goals", []):
        goal: dict[str, Any] = {
            "resourceType": "Goal",
            "lifecycleStatus": "completed" if g.get("done_on") else "active",
            "description": {"text": g["text"]},
            "subject": _ref(pid),
            "startDate": g["created"],
        }
        if g.get("by"):
            goal["target"] = [{"dueDate": g["by"]}]
        state = "active"
        if g.get("done_on"):
            goal["achievementStatus"] = {
                "coding": [{"system": GOAL_ACHIEVEMENT, "code": "achieved", "display": "Achieved"}]
            }
            goal["statusDate"] = g["done_on"]
            state = f"achieved on {g['done_on']}"
        due = f", due {g['by']}" if g.get("by") else ""
        # Its stable id, kept through a merge import (its number is not: issue 23).
        b.add(
            b.url("goal", Goal.from_dict(g).key, of=str(g["id"])),
            goal,
            f"Goal: {g['text']} ({state}{due})",
            str(g["id"]),
        )


def bundle_model(version: str) -> Callable[[dict[str, Any]], Any] | None:
    """fhir.resources' Bundle validator for the version, or None without the extra."""
    import importlib

    module = "fhir.resources.R4B.bundle" if version == R4 else "fhir.resources.bundle"
    try:
        validate: Callable[[dict[str, Any]], Any] = importlib.import_module(
            module
        ).Bundle.model_validate
    except ImportError:
        return None
    return validate


def shape(resource: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two resources the same shape: their type and which fields they have, in
    their order (the same lines of code make them in the same order; not sorting keeps this
    cheap for the tens of thousands of resources that stream past the check)."""
    components = resource.get("component")
    if not components:
        return (resource["resourceType"], *resource)
    return (resource["resourceType"], *resource, "component:", *(k for c in components for k in c))


class Checker:
    """Validates a bundle's entries with fhir.resources, when the extra is installed, as
    they stream past: the first few of each shape, each in a bundle of its own with the
    bundle's envelope. ``able`` tells whether it can check."""

    def __init__(
        self, version: str, bundle_type: str = COLLECTION, timestamp: str | None = None
    ) -> None:
        self.validate = bundle_model(version)
        self.able = self.validate is not None
        self.envelope: dict[str, Any] = {"resourceType": "Bundle", "type": bundle_type}
        if timestamp is not None:
            self.envelope["timestamp"] = timestamp
        self.seen: dict[tuple[Any, ...], int] = {}

    def __call__(self, entry: dict[str, Any]) -> None:
        if self.validate is None:
            return
        key = shape(entry["resource"]) if "resource" in entry else ("request",)
        self.seen[key] = self.seen.get(key, 0) + 1
        if self.seen[key] > VALIDATE_PER_SHAPE:
            return
        from pydantic import ValidationError

        try:
            self.validate({**self.envelope, "entry": [entry]})
        except ValidationError as exc:  # a bug in this module, not in the patient's data
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise BackcareError(
                f"the FHIR bundle did not validate ({where}: {first['msg']}); please report this"
            ) from None


def check(bundle: dict[str, Any], version: str) -> bool:
    """Validate a whole bundle's entries as :class:`Checker` does. Returns whether it could
    check."""
    checker = Checker(version, bundle.get("type", COLLECTION), bundle.get("timestamp"))
    for entry in bundle["entry"]:
        checker(entry)
    return checker.able


def render(ctx: ExportContext) -> Rendered:
    """The bundle, streamed resource by resource (issue 25): compact JSON, the same bytes
    as ``json.dumps`` of :func:`build_bundle` with compact separators."""

    def stream(sink: Sink) -> int:
        # Compact: json's indenting encoder is pure Python, several times slower. The
        # entries are trees this module builds (shared parts, never a cycle), so the
        # encoder's cycle check, a fifth of its time, is left out.
        encode = json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), check_circular=False
        ).encode
        kind = TRANSACTION if ctx.bundle == TRANSACTION else COLLECTION
        checker = Checker(ctx.fhir_version, kind, ctx.exported_at)
        count = 0
        batch: list[dict[str, Any]] = []

        def flush() -> None:
            # A list of entries encoded at once, its brackets cut off: the same bytes as
            # each entry encoded alone, in a third less time (one encoder call per batch).
            nonlocal count
            if batch:
                sink((("," if count else "") + encode(batch)[1:-1]).encode("utf-8"))
                count += len(batch)
                batch.clear()

        def put(entry: dict[str, Any]) -> None:
            checker(entry)
            batch.append(entry)  # complete: the Builder changes no entry it has sent on
            if len(batch) == BATCH:
                flush()

        sink(
            (
                '{"resourceType":"Bundle","type":'
                + encode(kind)
                + ',"timestamp":'
                + encode(ctx.exported_at)
                + ',"entry":['
            ).encode("utf-8")
        )
        emit_entries(ctx, put)
        flush()
        sink(b"]}\n")
        return count

    return Rendered(stream=stream)
