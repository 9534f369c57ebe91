"""Recording what happened: sessions logged without the guide, pain check-ins, visits.

Pure rules: parsing and validating what the patient typed, building the records, and
deciding what safety advice a check-in triggers (CLINICAL.md §5). Nothing is written here;
the command writes only once everything has been checked, so a refused command writes
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import NamedTuple

from backcare.domain.clinical import Thresholds, check_pain
from backcare.domain.library import Library
from backcare.domain.models import (
    SYMPTOMS,
    Dose,
    ExerciseLog,
    History,
    PainCheckin,
    Profile,
    Session,
)
from backcare.domain.planner import Plan, beginner_profile
from backcare.domain.safety import (
    BOTH_LEGS,
    CHECKIN_RED_FLAGS,
    NERVE_SYMPTOMS,
    Advice,
    red_flag_advice,
    seek_help,
)
from backcare.domain.suggest import did_you_mean, unknown_id_message
from backcare.errors import BackcareError, UsageProblem
from backcare.messages import BLOCKED_UNTIL_CLEARED, URGENT_CAUDA_EQUINA


def split_ids(text: str | None, option: str) -> list[str]:
    if text is None:
        return []
    ids = [t.strip() for t in text.split(",")]
    if any(not i for i in ids):
        raise UsageProblem(
            f"{option} {text[:60]!r} has an empty id; separate ids with commas, like bridge,walking"
        )
    return ids


_PAIR_EXAMPLE = {"pain": "bridge=6", "minutes": "walking=15"}


def parse_pairs(
    values: list[str] | None, option: str, low: int, high: int, what: str
) -> dict[str, int]:
    """``ID=N`` pairs (repeatable, or comma-separated) with N in [low, high]."""
    found: dict[str, int] = {}
    example = _PAIR_EXAMPLE.get(what, "bridge=6")
    for raw in values or []:
        for part in raw.split(","):
            ident, sep, num = part.partition("=")
            ident, num = ident.strip(), num.strip()
            digits = num.removeprefix("-")
            if not sep or not ident or not digits.isdigit() or not digits.isascii():
                raise UsageProblem(
                    f"{option} {part[:60]!r} is not ID={what.upper()}, for example {example}"
                )
            n = int(num)
            if not low <= n <= high:
                raise UsageProblem(f"{option} {ident[:60]}={n}: {what} must be {low} to {high}")
            if found.get(ident, n) != n:
                raise UsageProblem(f"{option} gives {ident[:60]} twice: {found[ident]} and {n}")
            found[ident] = n
    return found


@dataclass(frozen=True)
class LogRequest:
    done: list[str]
    partial: list[str]
    skipped: list[str]
    hurt: dict[str, int]
    minutes: dict[str, int]
    pain_before: int | None
    pain_after: int | None
    note: str | None


class Logged(NamedTuple):
    """What ``backcare log`` records, and what the patient should hear about it."""

    session: Session
    unmentioned: tuple[str, ...]  # plan exercises the lists left out: not recorded
    short: tuple[str, ...]  # timed exercises with fewer minutes than planned: partly done
    no_minutes: tuple[str, ...]  # timed exercises partly done, or extras, with no --minutes


def current_ids(req: LogRequest, library: Library) -> LogRequest:
    """What was typed, by the exercises' current ids: a former id still names its exercise
    (issue 27). Ids the library does not know are kept, for the message that says so."""
    name = library.canonical
    return replace(
        req,
        done=[name(i) for i in req.done],
        partial=[name(i) for i in req.partial],
        skipped=[name(i) for i in req.skipped],
        hurt={name(i): n for i, n in req.hurt.items()},
        minutes={name(i): n for i, n in req.minutes.items()},
    )


def session_from_log(
    day: date, plan: Plan, library: Library, req: LogRequest, session_id: str
) -> Logged:
    """The session ``backcare log`` records (issue 14: a log records what was typed).

    - No lists: the day's whole plan, done, at its doses.
    - Lists: only what they name. Plan exercises they leave out are not recorded (neither
      done nor skipped); they are returned, to be named.
    - Minutes done are minutes done: ``--minutes`` fewer than planned is partly done; a
      timed exercise partly done, or done on top of the plan, has the minutes given, or
      none (never minutes nobody did).
    - A skipped exercise has no dose: nothing was done.
    - An exercise not in the day's plan is an extra (issue 11), at its entry dose.
    """
    planned = {i.exercise.id: i for i in plan.items}
    req = current_ids(req, library)
    listed = {"done": req.done, "partial": req.partial, "skipped": req.skipped}
    seen: dict[str, str] = {}
    for status, ids in listed.items():
        for ident in ids:
            if ident not in library:
                raise BackcareError(f"--{status}: {unknown_id_message(ident, library.exercises)}")
            if ident in seen and seen[ident] != status:
                raise BackcareError(f"'{ident}' is both --{seen[ident]} and --{status}")
            seen[ident] = status
    unmentioned: tuple[str, ...] = ()
    if not seen:
        if not planned:
            why = "; ".join(plan.warnings[-1:]) or "nothing was planned"
            raise BackcareError(
                f"there is no plan for {day.isoformat()} to record ({why}); "
                "name what you did with --done ID,..."
            )
        seen = {ident: "done" for ident in planned}
    else:
        unmentioned = tuple(ident for ident in planned if ident not in seen)
    for option, pairs in (("--hurt", req.hurt), ("--minutes", req.minutes)):
        for ident in pairs:
            if ident not in library:
                raise BackcareError(f"{option}: {unknown_id_message(ident, library.exercises)}")
            if ident not in seen:
                raise BackcareError(
                    f"{option} {ident}: it is not in this session; add it with --done or --partial"
                )
            if seen[ident] == "skipped":
                raise BackcareError(f"{option} {ident}: it is marked skipped")
    logs = []
    short: list[str] = []
    no_minutes: list[str] = []
    for ident, status in seen.items():
        ex = library.get(ident)
        extra = ident not in planned
        timed = "duration_minutes" in ex.dose.ranges()
        if status == "skipped":
            logs.append(ExerciseLog(ident, status, Dose(), None, extra=extra))
            continue
        dose = ex.start_dose() if extra else planned[ident].dose
        if ident in req.minutes:
            if not timed:
                raise BackcareError(f"--minutes {ident}: {ex.name} is not timed in minutes")
            done_minutes = req.minutes[ident]
            if (
                status == "done"
                and not extra
                and dose.duration_minutes is not None
                and done_minutes < dose.duration_minutes
            ):
                status = "partial"  # 3 of 5 minutes is 3 minutes, partly done
                short.append(ident)
            dose = dose._replace(duration_minutes=done_minutes)
        elif timed and (status == "partial" or extra):
            dose = dose._replace(duration_minutes=None)
            no_minutes.append(ident)
        # Not in the day's plan: an extra, which counts for the aerobic minutes but never
        # becomes the next dose (issue 11).
        logs.append(ExerciseLog(ident, status, dose, req.hurt.get(ident), extra=extra))
    session = Session(session_id, day, tuple(logs), req.pain_before, req.pain_after, req.note)
    return Logged(session, unmentioned, tuple(short), tuple(no_minutes))


def repeated(session: Session, earlier: Iterable[Session]) -> tuple[Session, tuple[str, ...]]:
    """The first session of the same day in ``earlier`` that did any of the exercises
    ``session`` did, and those exercises; (the session, ()) when none did. A log repeated
    by accident would count its minutes twice (issue 14)."""
    mine = {e.exercise_id for e in session.exercises if e.status != "skipped"}
    for other in earlier:
        if other.date != session.date or other.id == session.id:
            continue
        same = tuple(
            e.exercise_id
            for e in other.exercises
            if e.status != "skipped" and e.exercise_id in mine
        )
        if same:
            return other, same
    return session, ()


def with_pain_now(history: History, day: date, pain_now: int | None) -> History:
    """The history a guided session plans from. The pain given at the start of the session
    counts as today's when it is higher than the check-in already recorded, so pain of 7
    or more gives the gentle flare-up plan (CLINICAL.md §4) even after a better morning.
    The stored check-in is left alone: it is the next-morning response to yesterday."""
    if pain_now is None:
        return history
    today = next((c for c in history.checkins if c.date == day), None)
    if today is None or today.score >= pain_now:
        return history
    checkins = tuple(c._replace(score=pain_now) if c.date == day else c for c in history.checkins)
    return history._replace(checkins=checkins)


def check_symptoms(values: list[str] | None, both_legs: bool) -> tuple[str, ...]:
    found: list[str] = []
    for raw in values or []:
        for part in raw.split(","):
            name = part.strip().lower()
            if not name:
                continue
            if name not in SYMPTOMS and name != BOTH_LEGS:
                raise UsageProblem(
                    f"--symptom '{name[:40]}' is not one of "
                    f"{', '.join(SYMPTOMS)}{did_you_mean(name, SYMPTOMS)}"
                )
            found.append(name)
    if both_legs:
        found.append(BOTH_LEGS)
    return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class CheckinOutcome:
    urgent: str | None  # a red flag: stop and seek help (exit 3)
    new_red_flags: tuple[str, ...]
    advice: tuple[Advice, ...]
    flare: bool


def checkin_outcome(
    checkin: PainCheckin, profile: Profile | None, history: History, t: Thresholds
) -> CheckinOutcome:
    """What a check-in means at once (CLINICAL.md §5). ``history`` includes the check-in."""
    # Red-flag symptoms (CLINICAL.md §5): cauda equina (a change in bladder or bowel control,
    # saddle numbness, a change in walking, worsening leg weakness) means the emergency
    # department; fever and night pain a doctor first. Either stops the programme (exit 3).
    flags = tuple(
        dict.fromkeys(CHECKIN_RED_FLAGS[s] for s in checkin.symptoms if s in CHECKIN_RED_FLAGS)
    )
    urgent = None
    if flags:
        urgent = red_flag_advice(flags)
    advice = tuple(
        a
        for a in seek_help(profile, history, checkin.date, t)
        if a.rule
        not in ("underlying-condition", "not-assessed", "age-at-onset", "pregnancy-stop-signs")
    )
    nerve_both_legs = BOTH_LEGS in checkin.symptoms and bool(set(checkin.symptoms) & NERVE_SYMPTOMS)
    if urgent is None and nerve_both_legs:
        # Nerve symptoms in both legs: severe or progressive leg signs, a cauda-equina
        # red flag (CLINICAL.md §5). Only this check-in's own symptoms count: an earlier
        # one, already checked by a clinician, must not stop every later check-in.
        urgent = next((a.message for a in advice if a.level == "urgent"), URGENT_CAUDA_EQUINA)
        flags = ("leg-weakness",)
    flare = checkin.flare or checkin.score >= t.flare_pain
    if urgent is not None:  # the stop says how it is lifted (issue 21)
        urgent = f"{urgent} {BLOCKED_UNTIL_CLEARED}"
    return CheckinOutcome(urgent, flags, advice, flare)


def profile_with_red_flags(
    profile: Profile | None, flags: tuple[str, ...], day: date, today: date
) -> Profile:
    """The profile after a check-in reported red flags: they stop the programme until a
    clinician clears them (CLINICAL.md §5). Without ``init`` yet, a beginner profile holds
    them, so ``plan`` refuses as it would after init."""
    base = profile or replace(beginner_profile(day), created=today)
    merged = list(dict.fromkeys([*base.red_flags, *flags]))
    return replace(base, red_flags=merged, cleared_by_clinician=False, updated=today)


def checkin(
    day: date, score: int, note: str | None, symptoms: tuple[str, ...], flare: bool
) -> PainCheckin:
    check_pain(score, "pain")
    return PainCheckin(day, score, note, symptoms, flare)


__all__ = [
    "Dose",
    "LogRequest",
    "Logged",
    "checkin",
    "checkin_outcome",
    "profile_with_red_flags",
    "repeated",
    "session_from_log",
    "with_pain_now",
]
