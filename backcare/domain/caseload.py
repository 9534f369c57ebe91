"""The physiotherapist's caseload (issue 16): one row per patient, most urgent first.

Pure: no clock, no storage, no printing. Each patient's row is made from their
:class:`~backcare.domain.analytics.ProgressReport` over the last 14 days of the record the
clinic holds (the same figures `progress` and the report show; nothing is computed twice),
as of the day of their latest export, and kept as a :class:`Summary` so that the caseload
never reads every patient's whole history (storage.clinic checks each summary against the
patient's files, as the history cache is checked).

What a row says:

- **alert**: the most urgent alert of the 14 days (the report's alerts are listed most
  urgent first, then the most recent), its level and rule (domain.alerts);
- **last session**: the last day with exercise done (domain.history's exercise days), and
  how many days ago that was on the day the caseload is read;
- **adherence**: the report's adherence over the 14 days;
- **pain**: the report's current pain (the mean of the last 7 days) against the baseline,
  and its verdict: improving, no clear change, worse (CLINICAL.md §3);
- **questionnaire**: the most recently answered instrument, its latest result and its
  change from the first, with its direction (domain.scoring);
- **reassessment due**: the planner's rule (every 2 weeks, domain.planner).

**Urgency**, most urgent first: the alert's level (critical, high, low, none); then pain
judged worse; then the most days since the last session (never is the most); then the
lowest adherence; then a reassessment due; then the name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from backcare.domain.alerts import LEVELS
from backcare.domain.analytics import WORSENING, ProgressReport, progress_report
from backcare.domain.checks import MAX_ID_CHARS, Checker, Limits
from backcare.domain.clinical import Thresholds
from backcare.domain.history import index_history
from backcare.domain.models import Goal, History, Prescription, Profile, iso, parse_iso
from backcare.domain.planner import reassessment_due

CASELOAD_DAYS = 14  # issue 16: alerts and adherence "of the last 14 days"
NAME_MAX_CHARS = 60
FOLDER_CHARS = 32  # a patient's folder: hex digits of a digest of their identifier
SOURCES = ("json", "fhir")


class ClinicPatient(NamedTuple):
    """A patient in the clinic's list: who, under what name, and from which export."""

    id: str  # the stable patient identifier their exports carry
    folder: str  # where the clinic keeps their records (storage.clinic)
    name: str | None  # the physiotherapist's name for them (--as); exports carry none
    added: date
    updated: date
    exported_at: str  # the latest export's time, as it says
    source: str  # "json" | "fhir": the latest export's format

    @property
    def label(self) -> str:
        return self.name or self.id

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "folder": self.folder, "name": self.name,
                "added": self.added.isoformat(), "updated": self.updated.isoformat(),
                "exported_at": self.exported_at, "source": self.source}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ClinicPatient:
        return cls(d["id"], d["folder"], d.get("name"), date.fromisoformat(d["added"]),
                   date.fromisoformat(d["updated"]), d["exported_at"], d["source"])


def check_clinic_patient(c: Checker, d: dict[str, Any], limits: Limits) -> None:
    """A record of the clinic's list, as storage reads it back (domain.checks' rules)."""
    if not c.required(d, ("id", "folder", "added", "updated", "exported_at", "source")):
        return
    c.text("id", d["id"], max_chars=MAX_ID_CHARS)
    folder = d["folder"]
    if not (isinstance(folder, str) and len(folder) == FOLDER_CHARS
            and all(ch in "0123456789abcdef" for ch in folder)):
        c.add("folder is not a patient folder's name")
    c.text("name", d.get("name"), optional=True, max_chars=NAME_MAX_CHARS)
    c.day("added", d["added"])
    c.day("updated", d["updated"])
    c.text("exported_at", d["exported_at"], max_chars=MAX_ID_CHARS)
    c.choice("source", d["source"], SOURCES)


def export_day(exported_at: str) -> date | None:
    """The day an export was made, as its own clock said (None when it cannot be read)."""
    try:
        return datetime.fromisoformat(exported_at).date()
    except ValueError:
        return None


def export_moment(exported_at: str) -> datetime:
    """When an export was made, comparable with another's (one without an offset is taken
    as UTC); the earliest moment when it cannot be read."""
    try:
        moment = datetime.fromisoformat(exported_at)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def as_of(exported_at: str, today: date) -> date:
    """The day a patient's figures are given for: their latest export's day, never after
    today (the clinic's clock is the one to trust for "today")."""
    made = export_day(exported_at)
    return min(made, today) if made is not None else today


# --- One patient's summary -------------------------------------------------------------------

class Question(NamedTuple):
    instrument: str
    latest: float | str
    change: float | None
    direction: str | None  # "improved" | "worse" | "no clear change"
    date: date


class Summary(NamedTuple):
    """A patient's figures for the caseload, as of ``as_of``."""

    as_of: date
    alert_level: str | None
    alert_rule: str | None
    alert_message: str | None
    alert_count: int
    last_session: date | None
    adherence_percent: float | None
    pain_baseline: int | None
    pain_current: float | None
    pain_change: float | None
    verdict: str | None
    questionnaire: Question | None
    reassessment_due: bool

    def to_dict(self) -> dict[str, Any]:
        q = self.questionnaire
        return {
            "as_of": self.as_of.isoformat(),
            "alert": None if self.alert_level is None else {
                "level": self.alert_level, "rule": self.alert_rule,
                "message": self.alert_message},
            "alerts": self.alert_count,
            "last_session": iso(self.last_session),
            "adherence_percent": self.adherence_percent,
            "pain": {"baseline": self.pain_baseline, "current": self.pain_current,
                     "change": self.pain_change, "verdict": self.verdict},
            "questionnaire": None if q is None else {
                "instrument": q.instrument, "latest": q.latest, "change": q.change,
                "direction": q.direction, "date": q.date.isoformat()},
            "reassessment_due": self.reassessment_due,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Summary:
        alert, pain, q = d["alert"], d["pain"], d["questionnaire"]
        return cls(
            as_of=date.fromisoformat(d["as_of"]),
            alert_level=alert["level"] if alert else None,
            alert_rule=alert["rule"] if alert else None,
            alert_message=alert["message"] if alert else None,
            alert_count=int(d["alerts"]),
            last_session=parse_iso(d["last_session"]),
            adherence_percent=d["adherence_percent"],
            pain_baseline=pain["baseline"], pain_current=pain["current"],
            pain_change=pain["change"], verdict=pain["verdict"],
            questionnaire=None if q is None else Question(
                q["instrument"], q["latest"], q["change"], q["direction"],
                date.fromisoformat(q["date"])),
            reassessment_due=bool(d["reassessment_due"]),
        )


def caseload_report(profile: Profile | None, history: History,
                    programme: Prescription | None, goals: Sequence[Goal], day: date,
                    thresholds: Thresholds, categories: Mapping[str, str]) -> ProgressReport:
    """The progress report a caseload row is read from: the 14 days to ``day``."""
    start = day - timedelta(days=CASELOAD_DAYS - 1)
    return progress_report(profile, history, programme, start, day, day, thresholds,
                           categories, goals)


def summarise(profile: Profile | None, history: History, programme: Prescription | None,
              goals: Sequence[Goal], day: date, thresholds: Thresholds,
              categories: Mapping[str, str]) -> Summary:
    """A patient's caseload row as of ``day`` (their latest export's day). ``history``
    holds the whole record up to that day."""
    report = caseload_report(profile, history, programme, goals, day, thresholds, categories)
    top = report.alerts[0] if report.alerts else None
    index = index_history(history, day, categories)
    first = index.first_record
    last = index.last_exercise_day(first, day) if first is not None else None
    measure = max(report.measures, key=lambda m: m.latest_date, default=None)
    question = None if measure is None else Question(
        measure.instrument, measure.latest, measure.change, measure.direction,
        measure.latest_date)
    return Summary(
        as_of=day,
        alert_level=top.level if top else None,
        alert_rule=top.rule if top else None,
        alert_message=top.message if top else None,
        alert_count=len(report.alerts),
        last_session=last,
        adherence_percent=report.adherence_percent,
        pain_baseline=report.pain.baseline,
        pain_current=report.pain.current,
        pain_change=report.pain.change,
        verdict=report.verdict,
        questionnaire=question,
        reassessment_due=reassessment_due(profile, history, day, thresholds) is not None,
    )


# --- The caseload ----------------------------------------------------------------------------

class CaseRow(NamedTuple):
    patient: ClinicPatient
    summary: Summary
    days_since_session: int | None  # on the day the caseload is read; None: never

    def to_dict(self) -> dict[str, Any]:
        return {"patient": self.patient.id, "name": self.patient.name,
                "exported_at": self.patient.exported_at,
                "days_since_session": self.days_since_session, **self.summary.to_dict()}


def urgency(row: CaseRow) -> tuple[Any, ...]:
    """The sort key of a row: most urgent first (the module's docstring says the order)."""
    s = row.summary
    level = LEVELS.index(s.alert_level) if s.alert_level in LEVELS else len(LEVELS)
    since = row.days_since_session
    return (level, s.verdict != WORSENING,
            -(since if since is not None else 10**9),
            s.adherence_percent if s.adherence_percent is not None else 101.0,
            not s.reassessment_due, row.patient.label.casefold(), row.patient.id)


def caseload(patients: Sequence[tuple[ClinicPatient, Summary]], today: date,
             alerts_only: bool = False) -> list[CaseRow]:
    """The rows, most urgent first; with ``alerts_only``, only those with an alert."""
    rows = [CaseRow(p, s, (today - s.last_session).days if s.last_session else None)
            for p, s in patients if not alerts_only or s.alert_level is not None]
    return sorted(rows, key=urgency)


def find_patient(patients: Sequence[ClinicPatient], wanted: str) -> ClinicPatient | None:
    """The patient a physiotherapist means: their identifier, their name (any case), or
    the start of their identifier when only one patient's starts so."""
    text = wanted.strip()
    for match in (lambda p: p.id == text,
                  lambda p: p.name is not None and p.name.casefold() == text.casefold(),
                  lambda p: p.id.startswith(text)):
        found = [p for p in patients if match(p)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            return None
    return None
