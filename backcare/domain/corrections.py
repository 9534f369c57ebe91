"""Correcting the record (issue 14): what an edit does to a session, a check-in, an
assessment or a visit, how each record and change is named, and the rule that keeps a red
flag standing. Pure: no clock, no storage, no terminal.

- An edit takes the options of the command that made the record and changes only what they
  name; everything else stays as it was. The result is checked like a new record.
- A correction never lifts a red-flag stop (CLINICAL.md §5). A check-in since the last
  clinician clearance that reported a red flag stops the programme; when an edit, a delete
  or an undo takes that report out of the log, its red flags move into the profile, which
  only a clinician's clearance (``init --cleared-by-clinician``) lifts. An edit that adds a
  red-flag symptom reports it, as ``pain`` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, NamedTuple

from backcare.domain.clinical import check_pain
from backcare.domain.library import Library
from backcare.domain.models import (
    VISIT_KINDS,
    Assessment,
    Dose,
    ExerciseLog,
    PainCheckin,
    Profile,
    Session,
    Visit,
)
from backcare.domain.safety import checkin_red_flags, clearance_day
from backcare.domain.suggest import unknown_id_message
from backcare.domain.words import say_date
from backcare.errors import BackcareError, UsageProblem

# The tables of the log, and a record of each in words.
KIND_WORDS: dict[str, str] = {
    "sessions": "session",
    "pain_checkins": "pain check-in",
    "assessments": "questionnaire",
    "visits": "visit",
}


def record_id(table: str, doc: Mapping[str, Any]) -> str:
    """A record's id: its own, or for a check-in p-DATE (one a day)."""
    if table == "pain_checkins":
        return f"p-{doc['date']}"
    if table == "goals":  # a goal's number, in the audit trail beside the log's ids
        return f"g-{doc['id']}"
    if table == "profile":  # one a patient (issue 21)
        return "profile"
    return str(doc["id"])


def id_day(ident: str) -> str | None:
    """The day an id of backcare's own names (``s-20260304-…``, ``p-2026-03-04``), as
    YYYY-MM-DD: where to look first. None for an id from elsewhere."""
    kind, _, rest = ident.partition("-")
    if kind == "p" and len(rest) == 10:
        text = rest
    elif kind in ("s", "a", "v") and len(rest) >= 8 and rest[:8].isdigit():
        text = f"{rest[:4]}-{rest[4:6]}-{rest[6:8]}"
    else:
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def describe(table: str, doc: Mapping[str, Any]) -> str:
    """A record in words: "the session of 4 Mar 2026 (s-20260304-1a2b3c4d)"."""
    when = _when(doc.get("date"))
    if table == "pain_checkins":
        return f"the pain check-in of {when}"
    if table == "assessments":
        from backcare.domain.instruments import INSTRUMENTS

        inst = INSTRUMENTS.get(str(doc.get("instrument")))
        what = inst.short_name if inst is not None else "questionnaire"
        return f"the {what} of {when} ({doc.get('id')})"
    if table == "goals":
        return f"goal {doc.get('id')}, set on {_when(doc.get('created'))}"
    if table == "profile":
        return "the profile"
    kind = KIND_WORDS.get(table, "record")
    return f"the {kind} of {when} ({doc.get('id')})"


def _when(text: Any) -> str:
    try:
        return say_date(date.fromisoformat(str(text)))
    except ValueError:
        return str(text)


# What undo says of each kind of change, and what reversing it did.
CHANGE_WORDS: dict[str, tuple[str, str]] = {
    "log": ("{what}, logged", "it is removed"),
    "session": ("{what}, recorded by the guided session", "it is removed"),
    "checkin": ("{what}", "it is removed"),
    "assessment": ("{what}", "it is removed"),
    "visit": ("{what}", "it is removed"),
    "edit": ("the edit of {what}", "it is as it was before"),
    "delete": ("the deletion of {what}", "it is back"),
    "replace": ("{what}, which replaced an earlier one", "the earlier one is back"),
    "import": ("{what}", "what it added is removed"),
    "clear": (
        "the clinician's clearance, {what}",
        "it is removed, and a red flag it cleared stops the programme again",
    ),
    "goal": ("{what}", "it is removed"),
    "goal-done": ("{what}, marked as reached", "it is open again"),
    "profile": ("the change to {what}", "it is as it was before"),
    "programme": ("{what}", "the prescription before it is back"),
    "swap": ("{what}", "the exercise it replaced is back in your routine"),
}


def change_summary(action: str, what: str) -> str:
    """A change in words, as undo names it."""
    phrase, _ = CHANGE_WORDS.get(action, ("{what}", ""))
    return phrase.format(what=what)


def undo_effect(action: str) -> str:
    return CHANGE_WORDS.get(action, ("", "it is reversed"))[1]


def differences(
    table: str,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    names: Mapping[str, str] | None = None,
    renamed: Mapping[str, str] | None = None,
) -> list[str]:
    """What an edit changed, one line each: "Bridge: done → partly done". A note's words
    are not repeated (they are the patient's own, and messages reach logs). ``renamed``:
    former exercise ids and their current ones, which an edit writes (issue 27)."""
    names = names or {}
    renamed = renamed or {}
    lines: list[str] = []

    def value(v: Any) -> str:
        return "not recorded" if v is None else str(v)

    def field(label: str, key: str) -> None:
        if before.get(key) != after.get(key):
            if key == "note":
                lines.append(
                    "note: "
                    + (
                        "removed"
                        if not after.get(key)
                        else "added"
                        if not before.get(key)
                        else "changed"
                    )
                )
            else:
                lines.append(f"{label}: {value(before.get(key))} → {value(after.get(key))}")

    field("date", "date")
    if table == "sessions":
        old = {
            renamed.get(e["exercise_id"], e["exercise_id"]): e
            for e in before.get("exercises") or []
        }
        for e in after.get("exercises") or []:
            ident = e["exercise_id"]
            name = names.get(ident, ident)
            was = old.get(ident)
            if was is None:
                lines.append(f"{name}: added, {STATUS_WORDS.get(e['status'], e['status'])}")
                continue
            if was["status"] != e["status"]:
                lines.append(
                    f"{name}: {STATUS_WORDS.get(was['status'], was['status'])} → "
                    f"{STATUS_WORDS.get(e['status'], e['status'])}"
                )
            if was.get("pain") != e.get("pain") and e["status"] != "skipped":
                lines.append(f"{name}, pain: {value(was.get('pain'))} → {value(e.get('pain'))}")
            if (
                was.get("duration_minutes") != e.get("duration_minutes")
                and e["status"] != "skipped"
            ):
                lines.append(
                    f"{name}, minutes: {value(was.get('duration_minutes'))} → "
                    f"{value(e.get('duration_minutes'))}"
                )
        field("pain before", "pain_before")
        field("pain after", "pain_after")
    elif table == "pain_checkins":
        field("pain", "score")
        if list(before.get("symptoms") or []) != list(after.get("symptoms") or []):
            lines.append(
                f"symptoms: {', '.join(before.get('symptoms') or []) or 'none'} → "
                f"{', '.join(after.get('symptoms') or []) or 'none'}"
            )
        if bool(before.get("flare")) != bool(after.get("flare")):
            lines.append("flare-up: " + ("yes" if after.get("flare") else "no"))
    elif table == "assessments":
        if before.get("answers") != after.get("answers"):
            lines.append(f"score: {before.get('score')} → {after.get('score')}")
    elif table == "visits":
        field("kind", "kind")
    field("note", "note")
    return lines


STATUS_WORDS = {"done": "done", "partial": "partly done", "skipped": "skipped"}


# --- editing a session ----------------------------------------------------------------------


class SessionEdit(NamedTuple):
    """What ``edit`` changes in a session: the statuses it names, each exercise's pain and
    minutes, and the session's own fields (only those given)."""

    statuses: dict[str, str]
    hurt: dict[str, int | None]  # None: no pain answer (an interactive edit clears one)
    minutes: dict[str, int]
    fields: dict[str, Any]  # pain_before, pain_after, note: the new value (None clears)
    day: date | None = None


def edit_session(
    session: Session, edit: SessionEdit, library: Library, planned: Mapping[str, Dose] | None
) -> Session:
    """The session with ``edit`` applied. An exercise it adds is in the day's plan
    (``planned``, its dose) or an extra, as ``log`` records it (issue 11); a skipped
    exercise has no dose and no pain. Minutes done are minutes done. Exercises, typed or
    stored, go by their current ids: a former id names its exercise (issue 27)."""
    name = library.canonical
    session = session._replace(
        exercises=tuple(e._replace(exercise_id=name(e.exercise_id)) for e in session.exercises)
    )
    edit = edit._replace(
        statuses={name(i): s for i, s in edit.statuses.items()},
        hurt={name(i): n for i, n in edit.hurt.items()},
        minutes={name(i): n for i, n in edit.minutes.items()},
    )
    logs = {e.exercise_id: e for e in session.exercises}
    order = [e.exercise_id for e in session.exercises]
    for ident, status in edit.statuses.items():
        if ident not in library and ident not in logs:
            raise BackcareError(f"--{status}: {unknown_id_message(ident, library.exercises)}")
        current = logs.get(ident)
        if current is None:
            in_plan = planned is not None and ident in planned
            dose = (planned or {}).get(ident) or library.get(ident).start_dose()
            current = ExerciseLog(ident, status, dose, None, extra=not in_plan)
            order.append(ident)
        logs[ident] = _with_status(current, status, library, planned)
    for option, pairs in (("--hurt", edit.hurt), ("--minutes", edit.minutes)):
        for ident in pairs:
            log = logs.get(ident)
            if log is None:
                raise BackcareError(
                    f"{option} {ident}: it is not in this session; add it with --done or --partial"
                )
            if log.status == "skipped":
                raise BackcareError(
                    f"{option} {ident}: it is marked skipped; mark it --done or --partial first"
                )
    for ident, pain in edit.hurt.items():
        logs[ident] = logs[ident]._replace(pain=check_pain(pain, "--hurt"))
    for ident, minutes in edit.minutes.items():
        log = logs[ident]
        if ident in library and "duration_minutes" not in library.get(ident).dose.ranges():
            raise BackcareError(
                f"--minutes {ident}: {library.get(ident).name} is not timed in minutes"
            )
        logs[ident] = log._replace(dose=log.dose._replace(duration_minutes=minutes))
    fields = dict(edit.fields)
    for key in ("pain_before", "pain_after"):
        if key in fields:
            check_pain(fields[key], f"--{key.replace('_', '-')}")
    return session._replace(
        date=edit.day or session.date, exercises=tuple(logs[i] for i in order), **fields
    )


def _with_status(
    log: ExerciseLog, status: str, library: Library, planned: Mapping[str, Dose] | None
) -> ExerciseLog:
    if status == "skipped":
        return log._replace(status=status, dose=Dose(), pain=None)
    dose = log.dose
    if dose == Dose():  # it was skipped: done now at the day's dose
        dose = (planned or {}).get(log.exercise_id) or (
            library.get(log.exercise_id).start_dose() if log.exercise_id in library else dose
        )
    return log._replace(status=status, dose=dose)


# --- editing a check-in, a visit, an assessment ----------------------------------------------


class CheckinEdit(NamedTuple):
    score: int | None = None
    symptoms: tuple[str, ...] | None = None  # the whole new list (empty: none)
    add_symptoms: tuple[str, ...] = ()  # added to the list (--both-legs alone)
    flare: bool | None = None
    fields: dict[str, Any] = {}  # note
    day: date | None = None


def edit_checkin(checkin: PainCheckin, edit: CheckinEdit) -> PainCheckin:
    symptoms = checkin.symptoms if edit.symptoms is None else edit.symptoms
    symptoms = tuple(dict.fromkeys([*symptoms, *edit.add_symptoms]))
    score = checkin.score if edit.score is None else edit.score
    check_pain(score, "--score")
    return checkin._replace(
        date=edit.day or checkin.date,
        score=score,
        symptoms=symptoms,
        flare=checkin.flare if edit.flare is None else edit.flare,
        **edit.fields,
    )


class VisitEdit(NamedTuple):
    kind: str | None = None
    fields: dict[str, Any] = {}  # note
    day: date | None = None


def edit_visit(visit: Visit, edit: VisitEdit) -> Visit:
    if edit.kind is not None and edit.kind not in VISIT_KINDS:
        raise UsageProblem(f"--kind '{edit.kind[:40]}' is not one of {', '.join(VISIT_KINDS)}")
    return visit._replace(date=edit.day or visit.date, kind=edit.kind or visit.kind, **edit.fields)


def edit_assessment(
    assessment: Assessment, answers: str | None, day: date | None, odi_min_sections: int
) -> Assessment:
    """The result with new answers (scored again, exactly as ``assess`` scores them) or a
    new date."""
    from backcare.domain.scoring import parse_answers, score

    result = assessment._replace(date=day or assessment.date)
    if answers is None:
        return result
    try:  # answers typed on the command line that cannot be scored: usage, exit 2
        scored = score(
            assessment.instrument,
            parse_answers(assessment.instrument, answers),
            odi_min_sections=odi_min_sections,
        )
    except BackcareError as exc:
        raise UsageProblem(f"--answers: {exc.message}") from None
    return result._replace(answers=scored.answers_json, score=scored.score, band=scored.band)


# --- the red-flag stop stays sound -----------------------------------------------------------


def _reported(checkins: Iterable[PainCheckin], since: date | None) -> set[str]:
    return {
        flag for c in checkins if since is None or c.date > since for flag in checkin_red_flags(c)
    }


def flags_removed(
    profile: Profile | None, before: Iterable[PainCheckin], after: Iterable[PainCheckin]
) -> tuple[str, ...]:
    """The red flags a correction takes out of the log while they still stop the
    programme: reported (since the last clearance) by the check-ins as they were, and no
    longer by them as they are now."""
    since = clearance_day(profile)
    return tuple(sorted(_reported(before, since) - _reported(after, since)))


def held_flags(profile: Profile | None) -> set[str]:
    """The red flags the profile holds, not yet cleared by a clinician."""
    return set(profile.red_flags) if profile is not None and profile.blocked_by_red_flag else set()


def flags_taken_out(
    profile: Profile | None, before: Iterable[PainCheckin], after: Iterable[PainCheckin]
) -> tuple[str, ...]:
    """The red flags removed from the log (:func:`flags_removed`) that the profile does not
    hold yet: it must, so that the stop stands until a clinician clears it (CLINICAL.md
    §5)."""
    return tuple(f for f in flags_removed(profile, before, after) if f not in held_flags(profile))


def flags_added(
    profile: Profile | None, before: Iterable[PainCheckin], after: Iterable[PainCheckin]
) -> tuple[str, ...]:
    """The red flags a correction reports that do not stop the programme yet: in the
    check-ins as they are now, not before, nor in the profile."""
    since = clearance_day(profile)
    return tuple(
        f
        for f in sorted(_reported(after, since) - _reported(before, since))
        if f not in held_flags(profile)
    )


__all__ = [
    "CheckinEdit",
    "SessionEdit",
    "VisitEdit",
    "change_summary",
    "describe",
    "differences",
    "flags_removed",
    "held_flags",
    "id_day",
    "edit_assessment",
    "edit_checkin",
    "edit_session",
    "edit_visit",
    "flags_added",
    "flags_taken_out",
    "record_id",
    "undo_effect",
]
