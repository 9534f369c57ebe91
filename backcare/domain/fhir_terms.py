"""The FHIR words backcare writes and reads back: code systems, codes and backcare's own
identifiers (docs/interoperability.md lists each, with where it was checked).

The FHIR export (exporters.fhir_export) and the CarePlan (exporters.careplan) write them;
the clinic reads a bundle back (loading.fhir_bundle) and ``programme import`` a CarePlan
(loading.careplan) by the same names, so writer and reader cannot drift apart.
"""

from __future__ import annotations

import hashlib
import uuid

# A fixed namespace: uuid5(NAMESPACE, …) is the same on every machine.
NAMESPACE = uuid.UUID("6f1d7c3e-4b8a-5e21-9c5d-2a7e0b3f9d41")
URI_IDENTIFIER = "urn:ietf:rfc:3986"  # FHIR: an identifier whose value is a URI
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"


def backcare_uri(name: str) -> str:
    """A URI of backcare's own (a code system, an identifier system, an extension): a
    version-5 UUID of the name, the same on every machine. backcare has no web address of
    its own, and a made-up one would be worse: it might one day be someone else's."""
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, 'backcare:' + name)}"


# The patient's stable identifier (profile.patient_id), on the Patient and a CarePlan's subject.
PATIENT_ID_SYSTEM = backcare_uri("patient-id")
# backcare's own id of the record a resource stands for (a session's, a visit's…), so that
# a bundle read back keeps the ids and a later one merges without duplicates.
RECORD_ID_SYSTEM = backcare_uri("record-id")
# The exercise library's ids, as codes.
EXERCISE_SYSTEM = backcare_uri("exercise")
# A Procedure's exercises, one extension each: what was done, at which dose, with what pain.
EXERCISE_LOG_EXTENSION = backcare_uri("extension:exercise-log")
# A planned activity's sets (Timing and quantity hold the days, minutes and repetitions).
SETS_EXTENSION = backcare_uri("extension:sets")
# How long each repetition is held, in seconds.
HOLD_EXTENSION = backcare_uri("extension:hold-seconds")
# Whether backcare may progress the doses of a prescribed programme.
PROGRESSION_EXTENSION = backcare_uri("extension:allow-progression")
# A planned activity done on each side (the library's per_side): its sets and repetitions
# are for each side, as `programme show` says (issue 23).
PER_SIDE_EXTENSION = backcare_uri("extension:per-side")
EACH_SIDE_UNIT = "repetitions each side"  # the quantity's unit, in words

PAIN_CODE = {
    "system": LOINC,
    "code": "72514-3",
    "display": "Pain severity - 0-10 verbal numeric rating [Score] - Reported",
}
EXERCISE_THERAPY = {
    "system": SNOMED,
    "code": "229065009",
    "display": "Exercise therapy (regime/therapy)",
}
SYMPTOM_CODES: dict[str, dict[str, str]] = {
    "numbness": {"system": SNOMED, "code": "44077006", "display": "Numbness (finding)"},
    "tingling": {"system": SNOMED, "code": "62507009", "display": "Pins and needles (finding)"},
    "weakness": {"system": SNOMED, "code": "26544005", "display": "Muscle weakness (finding)"},
    "fever": {"system": SNOMED, "code": "386661006", "display": "Fever (finding)"},
}
SYMPTOM_WORDS = {
    "bladder-bowel": "change in bladder or bowel control",
    "saddle-numbness": "numbness in the saddle area",
    "night-pain": "night pain",
    "both-legs": "symptoms in both legs",
}
SYMPTOM_PREFIX = "Symptom reported: "
FLARE_TEXT = "Flare-up declared by the patient"
CHECKIN_TEXT = "Daily pain check-in"
REPETITIONS = {"unit": "repetitions", "system": UCUM, "code": "{repetitions}"}


QUESTIONNAIRE_VERSION = "1"
VISIT_TITLES = {
    "manual-therapy": "Clinic visit: manual therapy",
    "assessment": "Clinic visit: assessment",
    "other": "Clinic visit",
    "clearance": "Clinician's clearance of a red flag",
}
SESSION_PAIN_TEXT = "Pain {when} the exercise session"  # when: before | after


# Resources' identifiers: version-5 UUIDs in a namespace of their own, apart from the one
# that makes the bundle's fullUrls, so that an identifier never equals a fullUrl. A server
# rewrites every string equal to a fullUrl into the id it assigns (the transaction rules),
# and a rewritten identifier no longer matches the next bundle's conditional create (issue 28).
IDENTIFIER_NAMESPACE = uuid.uuid5(NAMESPACE, "backcare:identifier")


def uuid5_urn(namespace: uuid.UUID, name: str) -> str:
    """``urn:uuid:`` and ``uuid.uuid5(namespace, name)``, made without the UUID object (a
    ten-year bundle makes two for each of its tens of thousands of resources)."""
    digest = bytearray(hashlib.sha1(namespace.bytes + name.encode("utf-8")).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5 (RFC 4122 §4.3)
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC 4122 variant
    h = digest.hex()
    return f"urn:uuid:{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def record_identifier(patient: str, kind: str, record_id: str) -> str:
    """The identifier value (system ``urn:ietf:rfc:3986``) of the resource of ``kind`` (a
    resource type, or a part of a record: ``session-pain-before``…) that stands for the
    record ``record_id`` of the patient ``patient`` (their ``patient_id``). It depends on
    nothing else: not on the record's place in the log, nor on what else was recorded, so
    every export of the record gives it the same identifier (docs/interoperability.md)."""
    return uuid5_urn(IDENTIFIER_NAMESPACE, f"{patient}/{kind}:{record_id}")


def shared_identifier(kind: str, name: str) -> str:
    """The identifier of a resource that is the same for every patient (a Questionnaire)."""
    return uuid5_urn(IDENTIFIER_NAMESPACE, f"{kind}:{name}")


def questionnaire_url(instrument: str) -> str:
    """The canonical URL of backcare's rendering of an instrument: the same for every
    patient, so a response points at the one in its bundle."""
    name = f"questionnaire:{instrument}:v{QUESTIONNAIRE_VERSION}"
    return f"urn:uuid:{uuid.uuid5(NAMESPACE, name)}"


def symptom_words(name: str) -> str:
    return SYMPTOM_WORDS.get(name, name.replace("-", " "))
