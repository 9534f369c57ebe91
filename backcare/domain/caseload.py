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

**Triage** (issue 22), most urgent first, by the kind of the row's alert: a red flag (the
newest first), then severe pain, then an exercise that hurt, then the rest by level
(critical, high, low, none). Among the rest: pain judged worse; then the most days since the
last session (never is the most); then the lowest adherence; then a reassessment due; then
the name. The row's alert is the most urgent of its 14 days by that same order, and names
its day (and a red flag its symptoms). The thresholds and levels are domain.alerts'; the
caseload only orders them.

**A patient who stops sending files is a finding**: a row whose latest export is
``alert_no_export_days`` old or more (14 by default) carries a ``no-export`` alert. Every
figure is as of that export's day, and the row says which day that is.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

from backcare.domain.alerts import HIGH, LEVELS, Alert
from backcare.domain.analytics import WORSENING, ProgressReport, progress_report
from backcare.domain.checks import MAX_ID_CHARS, Checker, Limits
from backcare.domain.clinical import Thresholds
from backcare.domain.history import index_history
from backcare.domain.models import Goal, History, Prescribed, Profile, iso, parse_iso
from backcare.domain.planner import reassessment_due
from backcare.domain.safety import clearance_day
from backcare.domain.words import num, say_date

CASELOAD_DAYS = 14  # issue 16: alerts and adherence "of the last 14 days"
RED_FLAG_RULE, SEVERE_PAIN_RULE, NO_EXPORT_RULE = "red-flag", "severe-pain", "no-export"
OTHER_KIND = 3  # alert_kind of every rule that is not a red flag, severe pain or a hurt
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
        return {
            "id": self.id,
            "folder": self.folder,
            "name": self.name,
            "added": self.added.isoformat(),
            "updated": self.updated.isoformat(),
            "exported_at": self.exported_at,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> ClinicPatient:
        return cls(
            d["id"],
            d["folder"],
            d.get("name"),
            date.fromisoformat(d["added"]),
            date.fromisoformat(d["updated"]),
            d["exported_at"],
            d["source"],
        )


def check_clinic_patient(c: Checker, d: dict[str, Any], limits: Limits) -> None:
    """A record of the clinic's list, as storage reads it back (domain.checks' rules)."""
    if not c.required(d, ("id", "folder", "added", "updated", "exported_at", "source")):
        return
    c.text("id", d["id"], max_chars=MAX_ID_CHARS)
    folder = d["folder"]
    if not (
        isinstance(folder, str)
        and len(folder) == FOLDER_CHARS
        and all(ch in "0123456789abcdef" for ch in folder)
    ):
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


class RowAlert(NamedTuple):
    """The alert a caseload row shows: domain.alerts' level, rule and message, the day it
    fired, and for a red flag the symptoms reported (or the screen's answers)."""

    level: str
    rule: str
    message: str
    date: date | None
    symptoms: tuple[str, ...] = ()
    cleared: bool = False  # a red flag a clinician has cleared since

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "rule": self.rule,
            "message": self.message,
            "date": iso(self.date),
            "symptoms": list(self.symptoms),
            "cleared": self.cleared,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> RowAlert:
        return cls(
            d["level"],
            d["rule"],
            d["message"],
            parse_iso(d["date"]),
            tuple(d["symptoms"]),
            bool(d["cleared"]),
        )


def alert_kind(rule: str, cleared: bool = False) -> int:
    """Issue 22's triage: a red flag (0), severe pain (1), an exercise that hurt (2; the
    rule's name says "hurt"), then every other rule (OTHER_KIND), a red flag that a
    clinician has cleared since among them: it has been seen to."""
    if rule == RED_FLAG_RULE:
        return OTHER_KIND if cleared else 0
    if rule == SEVERE_PAIN_RULE:
        return 1
    return 2 if "hurt" in rule else OTHER_KIND


def triage_key(alert: RowAlert) -> tuple[int, int, int]:
    """Most urgent first: the kind, the level, then the most recent (a red flag, severe pain
    or a hurt exercise); the rest keep their level's order and the caseload's tiebreaks."""
    kind = alert_kind(alert.rule, alert.cleared)
    level = LEVELS.index(alert.level) if alert.level in LEVELS else len(LEVELS)
    recent = -alert.date.toordinal() if kind < OTHER_KIND and alert.date else 0
    return kind, level, recent


def row_alert(alert: Alert, profile: Profile | None, history: History) -> RowAlert:
    """An alert of the report as a row shows it: a red flag with its symptoms, and whether
    a clinician has cleared it since (the clearance covers what was reported before it)."""
    if alert.rule != RED_FLAG_RULE:
        return RowAlert(alert.level, alert.rule, alert.message, alert.date)
    cleared_on = clearance_day(profile)
    cleared = cleared_on is not None and alert.date is not None and alert.date <= cleared_on
    return RowAlert(
        alert.level,
        alert.rule,
        alert.message,
        alert.date,
        red_flag_symptoms(alert, profile, history),
        cleared,
    )


def red_flag_symptoms(alert: Alert, profile: Profile | None, history: History) -> tuple[str, ...]:
    """What a red-flag alert is about: the red-flag symptoms of the check-in of its day,
    else the screen's answers that stand."""
    from backcare.domain.alerts import RED_FLAG_SYMPTOMS

    for c in history.checkins:
        if c.date == alert.date:
            found = tuple(s for s in c.symptoms if s in RED_FLAG_SYMPTOMS)
            if found:
                return found
    return tuple(profile.red_flags) if profile is not None else ()


class Summary(NamedTuple):
    """A patient's figures for the caseload, as of ``as_of``."""

    as_of: date
    alert: RowAlert | None
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
            "alert": None if self.alert is None else self.alert.to_dict(),
            "alerts": self.alert_count,
            "last_session": iso(self.last_session),
            "adherence_percent": self.adherence_percent,
            "pain": {
                "baseline": self.pain_baseline,
                "current": self.pain_current,
                "change": self.pain_change,
                "verdict": self.verdict,
            },
            "questionnaire": None
            if q is None
            else {
                "instrument": q.instrument,
                "latest": q.latest,
                "change": q.change,
                "direction": q.direction,
                "date": q.date.isoformat(),
            },
            "reassessment_due": self.reassessment_due,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Summary:
        alert, pain, q = d["alert"], d["pain"], d["questionnaire"]
        return cls(
            as_of=date.fromisoformat(d["as_of"]),
            alert=RowAlert.from_dict(alert) if alert else None,
            alert_count=int(d["alerts"]),
            last_session=parse_iso(d["last_session"]),
            adherence_percent=d["adherence_percent"],
            pain_baseline=pain["baseline"],
            pain_current=pain["current"],
            pain_change=pain["change"],
            verdict=pain["verdict"],
            questionnaire=None
            if q is None
            else Question(
                q["instrument"],
                q["latest"],
                q["change"],
                q["direction"],
                date.fromisoformat(q["date"]),
            ),
            reassessment_due=bool(d["reassessment_due"]),
        )


def caseload_report(
    profile: Profile | None,
    history: History,
    programme: Prescribed,
    goals: Sequence[Goal],
    day: date,
    thresholds: Thresholds,
    categories: Mapping[str, str],
) -> ProgressReport:
    """The progress report a caseload row is read from: the 14 days to ``day``."""
    start = day - timedelta(days=CASELOAD_DAYS - 1)
    return progress_report(
        profile, history, programme, start, day, day, thresholds, categories, goals
    )


def summarise(
    profile: Profile | None,
    history: History,
    programme: Prescribed,
    goals: Sequence[Goal],
    day: date,
    thresholds: Thresholds,
    categories: Mapping[str, str],
) -> Summary:
    """A patient's caseload row as of ``day`` (their latest export's day). ``history``
    holds the whole record up to that day; ``programme`` is their history of
    prescriptions (which one was in force on each day), as their own `progress` reads it."""
    report = caseload_report(profile, history, programme, goals, day, thresholds, categories)
    alert = min(
        (row_alert(a, profile, history) for a in report.alerts), key=triage_key, default=None
    )
    index = index_history(history, day, categories)
    first = index.first_record
    last = index.last_exercise_day(first, day) if first is not None else None
    measure = max(report.measures, key=lambda m: m.latest_date, default=None)
    question = (
        None
        if measure is None
        else Question(
            measure.instrument,
            measure.latest,
            measure.change,
            measure.direction,
            measure.latest_date,
        )
    )
    return Summary(
        as_of=day,
        alert=alert,
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
    export_age_days: int | None  # the latest export's age that day; None: unreadable
    alert: RowAlert | None  # the summary's, or no-export when that is more urgent
    alert_count: int
    stale: bool  # no export for alert_no_export_days or more

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient": self.patient.id,
            "name": self.patient.name,
            "exported_at": self.patient.exported_at,
            "export_age_days": self.export_age_days,
            "stale": self.stale,
            "days_since_session": self.days_since_session,
            **self.summary.to_dict(),
            "alert": None if self.alert is None else self.alert.to_dict(),
            "alerts": self.alert_count,
        }


def no_export_alert(exported: date, age: int) -> RowAlert:
    """No export for ``age`` days: the figures stop at that export's day (issue 22)."""
    return RowAlert(
        HIGH,
        NO_EXPORT_RULE,
        f"No export for {age} days: the latest is of {say_date(exported)}, and "
        f"every figure is as of that day.",
        exported,
    )


def case_row(patient: ClinicPatient, summary: Summary, today: date, stale_days: int) -> CaseRow:
    """A patient's row on the day the caseload is read: the days since their last session
    and since their latest export, and a no-export alert when that is ``stale_days`` or
    more (the setting ``alert_no_export_days``)."""
    since = (today - summary.last_session).days if summary.last_session else None
    exported = export_day(patient.exported_at)
    age = max((today - exported).days, 0) if exported is not None else None
    alert, count = summary.alert, summary.alert_count
    stale = exported is not None and age is not None and age >= stale_days
    if exported is not None and age is not None and stale:
        missing = no_export_alert(exported, age)
        count += 1
        if alert is None or triage_key(missing) < triage_key(alert):
            alert = missing
    return CaseRow(patient, summary, since, age, alert, count, stale)


def urgency(row: CaseRow) -> tuple[Any, ...]:
    """The sort key of a row: most urgent first (the module's docstring says the order)."""
    s = row.summary
    head = triage_key(row.alert) if row.alert is not None else (OTHER_KIND + 1, 0, 0)
    since = row.days_since_session
    return (
        *head,
        s.verdict != WORSENING,
        -(since if since is not None else 10**9),
        s.adherence_percent if s.adherence_percent is not None else 101.0,
        not s.reassessment_due,
        row.patient.label.casefold(),
        row.patient.id,
    )


def caseload(
    patients: Sequence[tuple[ClinicPatient, Summary]],
    today: date,
    alerts_only: bool = False,
    stale_days: int = 14,
) -> list[CaseRow]:
    """The rows, most urgent first; with ``alerts_only``, only those with an alert."""
    rows = [case_row(p, s, today, stale_days) for p, s in patients]
    return sorted((r for r in rows if not alerts_only or r.alert is not None), key=urgency)


# --- Names ------------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """A name's words, any case: each as written without its punctuation ("O'Brien" is
    "obrien") and each part of it ("o", "brien"; "Fitzgerald-Murphy" is "murphy" too)."""
    out = []
    for token in text.casefold().split():
        parts = [w for w in re.split(r"[^\w]+", token) if w]
        out += ["".join(parts), *parts] if len(parts) > 1 else parts
    return out


def match_patients(patients: Sequence[ClinicPatient], wanted: str) -> list[ClinicPatient]:
    """The patients a physiotherapist may mean, from the most exact reading down (issue
    22): the identifier; the name in any case; the start of the identifier; the start of
    the name; the start of a word of the name ("murphy" finds "J. Murphy"). The first
    reading that finds anyone gives the answer: one patient, or the candidates."""
    text = wanted.strip()
    folded = text.casefold()
    if not text:
        return []
    wanted_words = _words(text)
    readings = (
        lambda p: p.id == text,
        lambda p: p.name is not None and p.name.casefold() == folded,
        lambda p: p.id.startswith(text),
        lambda p: p.name is not None and p.name.casefold().startswith(folded),
        lambda p: (
            p.name is not None
            and bool(wanted_words)
            and all(any(w.startswith(x) for w in _words(p.name)) for x in wanted_words)
        ),
    )
    for reading in readings:
        found = [p for p in patients if reading(p)]
        if found:
            return found
    return []


def same_name(
    patients: Sequence[ClinicPatient], name: str, other_than: str
) -> ClinicPatient | None:
    """Another patient already shown under ``name`` (any case): names must tell patients
    apart (issue 22)."""
    folded = name.casefold()
    return next(
        (
            p
            for p in patients
            if p.id != other_than and p.name is not None and p.name.casefold() == folded
        ),
        None,
    )


# --- Exports: what is never trusted -----------------------------------------------------------

FUTURE_GRACE = timedelta(days=1)  # a clock a little ahead, or another time zone


def export_date_problem(exported_at: str, today: date) -> str | None:
    """Why an export's date cannot be taken (issue 22: one dated 2030 pinned a patient's
    profile): it is not a date and time, or is more than a day after ``today``."""
    made = export_day(exported_at)
    if made is None:
        return f"its exported_at '{exported_at[:40]}' is not a date and time"
    if made > today + FUTURE_GRACE:
        return (
            f"its exported_at {made.isoformat()} is more than a day after today "
            f"({today.isoformat()}); was the patient's clock set ahead?"
        )
    return None


def identity_conflict(ours: Profile | None, theirs: Profile | None) -> str | None:
    """Why an export with a known patient's identifier is not of that patient: their
    profiles were created on different days. None when they agree, or either is unknown."""
    if ours is None or theirs is None or ours.created is None or theirs.created is None:
        return None
    if ours.created == theirs.created:
        return None
    return (
        f"its profile was created on {theirs.created.isoformat()} and the clinic's copy "
        f"of that patient on {ours.created.isoformat()}"
    )


# --- A clinician's words (issue 22) -----------------------------------------------------------

PATIENT, CLINICIAN = "patient", "clinician"  # who a report speaks to: its "voice"


class Clinical(NamedTuple):
    """What a clinician reads first about a patient: their conditions, the red flags of
    their safety screen and of their check-ins, and any clearance."""

    conditions: tuple[str, ...]
    pregnancy_week: int | None
    screen_red_flags: tuple[str, ...]
    cleared: bool
    cleared_on: date | None
    cleared_by: str | None
    reported: tuple[tuple[date, tuple[str, ...]], ...]  # check-ins with red-flag symptoms

    def to_dict(self) -> dict[str, Any]:
        return {
            "conditions": list(self.conditions),
            "pregnancy_week": self.pregnancy_week,
            "red_flags": list(self.screen_red_flags),
            "cleared": self.cleared,
            "cleared_on": iso(self.cleared_on),
            "cleared_by": self.cleared_by,
            "red_flags_reported": [
                {"date": d.isoformat(), "symptoms": list(s)} for d, s in self.reported
            ],
        }

    def lines(self) -> list[tuple[str, str]]:
        """The same in words, a label and a line each, about the patient (never to them)."""
        out = []
        if self.conditions:
            named = [
                f"pregnancy (week {self.pregnancy_week})"
                if c == "pregnancy" and self.pregnancy_week
                else c
                for c in self.conditions
            ]
            out.append(("Conditions", ", ".join(named) + "."))
        else:
            out.append(("Conditions", "none reported."))
        if self.screen_red_flags:
            state = (
                "cleared by a clinician"
                if self.cleared
                else "not cleared: the programme is stopped until a clinician clears it"
            )
            out.append(
                (
                    "Red flags",
                    f"at the safety screen: {', '.join(self.screen_red_flags)} ({state}).",
                )
            )
        for day, symptoms in self.reported[-MAX_REPORTED_SHOWN:]:
            out.append(
                (
                    "Red flags",
                    f"reported at the check-in of {say_date(day)}: {', '.join(symptoms)}.",
                )
            )
        if self.cleared_on is not None or self.cleared:
            by = f" by {self.cleared_by}" if self.cleared_by else " by a clinician"
            when = f" on {say_date(self.cleared_on)}" if self.cleared_on else ""
            out.append(("Clearance", f"cleared{by}{when}."))
        return out


MAX_REPORTED_SHOWN = 5  # the latest check-ins with red flags shown at the top; --json has all


def clinical(profile: Profile | None, history: History) -> Clinical:
    """The patient's conditions, red flags and clearances, from their profile and log."""
    from backcare.domain.alerts import RED_FLAG_SYMPTOMS

    reported = tuple(
        (c.date, tuple(s for s in c.symptoms if s in RED_FLAG_SYMPTOMS))
        for c in history.checkins
        if any(s in RED_FLAG_SYMPTOMS for s in c.symptoms)
    )
    if profile is None:
        return Clinical((), None, (), False, None, None, reported)
    week = getattr(profile, "pregnancy_week", None)
    by = getattr(profile, "cleared_by", None)
    return Clinical(
        tuple(profile.conditions),
        week if isinstance(week, int) else None,
        tuple(profile.red_flags),
        profile.cleared_by_clinician,
        profile.cleared_on,
        by if isinstance(by, str) else None,
        reported,
    )


def clinician_verdict(report: ProgressReport, thresholds: Thresholds) -> str:
    """The report's pain verdict in a clinician's words: about the patient, with the same
    figures and the same rule (CLINICAL.md §3), and no advice to them."""
    from backcare.domain.analytics import IMPROVING

    pain = report.pain
    mic = f"{thresholds.pain_mic_points:g} points or {thresholds.pain_mic_percent:g}%"
    if pain.current is None:
        return "No pain check-in in the last 7 days of the period: no current figure."
    if pain.baseline is None or pain.change is None:
        return f"Pain averages {num(pain.current)}/10 over the last 7 days; no baseline."
    moved = f"from {pain.baseline} to {num(pain.current)}/10 (7-day mean)"
    if report.verdict == IMPROVING:
        return f"Pain improving: {moved}, a clinically important change ({mic} or more)."
    if report.verdict == WORSENING:
        return f"Pain worse: {moved}, an important worsening."
    return f"Pain: no clear change, {moved}; a clear change is {mic}."
