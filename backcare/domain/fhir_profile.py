"""The FHIR words for the whole patient (issue 22): what a bundle carries besides the log,
so that a patient the clinic adds from FHIR is the same as one added from JSON.

The writer (exporters.fhir_patient) and the reader (loading.fhir_bundle) use these names,
as they use domain.fhir_terms' for the log. docs/interoperability.md lists them.

- The patient's settings (programme start, baseline pain, minutes a day, days a week,
  equipment, positions to avoid, whether a clinician has assessed the pain, the profile's
  days) are one extension on the Patient: FHIR has no element for them. The baseline is
  not an Observation: a reader counting the 72514-3 pain scores must find the log's own.
- Each condition is a ``Condition``; pregnancy's week an Observation of gestational age
  (LOINC 49051-6).
- Each red flag of the safety screen is a ``Flag`` (active until a clinician clears it);
  the clearance an Observation, with who cleared it as its performer.
- Each prescription of the history is a ``CarePlan`` (exporters.careplan) whose ``period``
  is when it was in force.
- A goal linked to a PSFS activity names it in an extension of its ``Goal``.
"""

from __future__ import annotations

from backcare.domain.fhir_terms import LOINC, backcare_uri

PROFILE_EXTENSION = backcare_uri("extension:profile")
CONDITION_SYSTEM = backcare_uri("condition")
RED_FLAG_SYSTEM = backcare_uri("red-flag")
CLEARANCE_CODE = {
    "system": backcare_uri("clearance"),
    "code": "red-flags-cleared",
    "display": "Red flags cleared by a clinician",
}
PRESCRIPTION_EXTENSION = backcare_uri("extension:prescription-period")
PSFS_GOAL_EXTENSION = backcare_uri("extension:goal-psfs-activity")
GOAL_UID_EXTENSION = backcare_uri("extension:goal-uid")
GESTATIONAL_AGE = {"system": LOINC, "code": "49051-6", "display": "Gestational age in weeks"}
FLAG_CATEGORY = {
    "system": "http://terminology.hl7.org/CodeSystem/flag-category",
    "code": "clinical",
    "display": "Clinical",
}
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"

# The profile's keys the Patient's extension carries one by one: (key, part, FHIR type).
SETTINGS: tuple[tuple[str, str, str], ...] = (
    ("start_date", "start-date", "valueDate"),
    ("baseline_pain", "baseline-pain", "valueInteger"),
    ("minutes_per_day", "minutes-per-day", "valueInteger"),
    ("days_per_week", "days-per-week", "valueInteger"),
    ("assessed_by_clinician", "assessed-by-clinician", "valueBoolean"),
    ("created", "created", "valueDate"),
    ("updated", "updated", "valueDate"),
)
LISTS: tuple[tuple[str, str], ...] = (
    ("equipment", "equipment"),
    ("avoid_positions", "avoid-position"),
)
# Keys with a resource of their own (or the Patient's identifier); any other key of a
# profile travels whole, as JSON, in the extension's "other" part.
OWN_RESOURCE_KEYS = (
    "conditions",
    "pregnancy_week",
    "red_flags",
    "cleared_by_clinician",
    "cleared_on",
    "cleared_by",
    "patient_id",
)
ENCODED_KEYS = frozenset(
    {k for k, _p, _t in SETTINGS} | {k for k, _p in LISTS} | set(OWN_RESOURCE_KEYS)
)
