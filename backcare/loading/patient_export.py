"""A patient's export as the clinic reads it (issue 16): a JSON export, or a FHIR bundle that
backcare wrote, checked whole by the import's own rules before anything is written.

Each patient is known by the stable identifier their profile carries (``patient_id``). An
export from before there was one is known by the key the FHIR export has always used for
the patient (domain.document.patient_key: their first session, questionnaire or visit).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from backcare.domain.checks import MAX_ID_CHARS, Checker, Limits
from backcare.domain.document import patient_key
from backcare.domain.models import Assessment, History, PainCheckin, Session, Visit
from backcare.errors import BackcareError, ProblemList
from backcare.loading.fhir_bundle import bundle_document, is_bundle
from backcare.loading.importer import ImportBundle, parse_export, read_import_file

JSON, FHIR = "json", "fhir"


class PatientExport(NamedTuple):
    path: Path
    bundle: ImportBundle  # the records, checked, as the store keeps them
    patient_id: str
    exported_at: str
    source: str  # JSON | FHIR


def read_patient_export(path: Path, today: date) -> PatientExport:
    """Read and check one file; nothing about it is written anywhere."""
    name = str(path)
    raw = read_import_file(path)
    patient_id: str | None = None
    source = JSON
    if is_bundle(raw):
        raw, patient_id = bundle_document(raw, name)
        source = FHIR
    bundle = parse_export(raw, name, name, Limits(latest=today))
    if patient_id is None and bundle.profile is not None:
        patient_id = bundle.profile.patient_id
    if patient_id is None:
        patient_id = _older_key(bundle)
    if patient_id is None:
        raise BackcareError(
            f"{name}: holds no patient identifier and no record to know the "
            f"patient by; there is nothing to add"
        )
    p = ProblemList()
    Checker(p, name, "the patient identifier").text(
        "patient_id", patient_id, max_chars=MAX_ID_CHARS
    )
    p.raise_if_any(f"{name}: its patient identifier cannot be used")
    return PatientExport(path, bundle, patient_id, raw["exported_at"], source)


def _older_key(bundle: ImportBundle) -> str | None:
    """The key of an export made before profiles had an identifier: the FHIR export's key
    for the patient, from their first session, questionnaire or visit."""
    t = bundle.tables
    history = History(
        tuple(Session.from_dict(d) for d in t.get("sessions", ())),
        tuple(PainCheckin.from_dict(d) for d in t.get("pain_checkins", ())),
        tuple(Assessment.from_dict(d) for d in t.get("assessments", ())),
        tuple(Visit.from_dict(d) for d in t.get("visits", ())),
    )
    if bundle.profile is None and not any(history):
        return None

    def by_day(records: tuple[Any, ...]) -> tuple[Any, ...]:
        return tuple(sorted(records, key=lambda r: (r.date, r.id)))

    ordered = History(
        by_day(history.sessions),
        by_day(history.checkins),
        by_day(history.assessments),
        by_day(history.visits),
    )
    return patient_key(bundle.profile, ordered)
