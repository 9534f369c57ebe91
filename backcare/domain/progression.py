"""Pain-guided progression: how each exercise felt decides its next dose (CLINICAL.md §4).

Pure functions over plain data. The rule, in short:
- pain during or just after an exercise is green (0–3), amber (4–5) or red (6+); an exercise
  with no pain answer at all is "unknown", which is never green (issue 11);
- the session's pain just after counts for every exercise in it that was not named as the
  cause: red after the session with no exercise named red makes every exercise red; amber
  (or red with a named cause) holds the others; green after it answers "no" for each one not
  named in ``--hurt``;
- if the next morning's pain is 2 or more points above the pre-session pain, the session
  counts as red for every exercise done in it (the next-day response matters most); with no
  pre-session pain, that day's check-in stands in for it;
- 3 consecutive green sessions at the same dose, all after the family's latest red → progress
  (NHS Inform: add 1–2 repetitions; or 5 s of hold; or 5 minutes of aerobic time); at the
  top of the range → the harder variant;
- amber → hold the dose; red → the easier variant where there is one, else step the dose
  back, and flag the exercise for the physiotherapist;
- an extra (an exercise done on top of the day's plan) never sets or moves a dose.
No validated back-pain rule exists; these defaults come from the pain-monitoring model
(Silbernagel et al. 2007, Achilles tendinopathy) and clinic traffic-light schemes, and every
number lives in :class:`backcare.domain.clinical.Thresholds`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from typing import NamedTuple

from backcare.domain.clinical import Thresholds
from backcare.domain.models import Dose, Exercise, History, Session
from backcare.domain.words import plural, short_date


class PainZone(Enum):
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    UNKNOWN = "unknown"  # no pain answer: never counts as green (issue 11)


def zone(pain: int | None, t: Thresholds) -> PainZone:
    """CLINICAL.md §4 traffic light. No answer is unknown, never green."""
    if pain is None:
        return PainZone.UNKNOWN
    if pain <= t.green_max:
        return PainZone.GREEN
    if pain <= t.amber_max:
        return PainZone.AMBER
    return PainZone.RED


class Attempt(NamedTuple):
    """One exercise done (or partly done) in one session, with how it felt. (A NamedTuple: a
    ten-year report reads 29,000 of them.)"""

    exercise_id: str
    day: date
    status: str
    dose: Dose
    pain: int | None
    zone: PainZone
    next_morning: bool  # red because of the next morning's pain, not the exercise's own
    session_id: str = ""
    after: int | None = None  # the session's pain just after, when it decided the zone
    extra: bool = False  # done on top of the plan: never sets or moves a dose


_SEVERITY = {PainZone.GREEN: 0, PainZone.UNKNOWN: 1, PainZone.AMBER: 2, PainZone.RED: 3}


def session_signal(s: Session, t: Thresholds) -> PainZone:
    """What the session's pain just after says about the exercises not named as its cause
    (CLINICAL.md §4: pain during or just after exercise; issue 11).

    Red after the session with no exercise named red (its own answer 6+): red for every
    exercise in it. Red with a named cause, or amber: hold the others. Green: each exercise
    not named in ``--hurt`` is answered "comfortable". No answer: unknown."""
    after = zone(s.pain_after, t)
    if after is PainZone.RED:
        named = any(zone(e.pain, t) is PainZone.RED for e in s.exercises if e.status != "skipped")
        return PainZone.AMBER if named else PainZone.RED
    return after


def woke_worse(s: Session, morning: Mapping[date, int], t: Thresholds) -> bool:
    """CLINICAL.md §4: the next morning's pain 2 or more above the pre-session pain makes the
    session red. Without a pain-before, the day's check-in is the pain before (issue 11)."""
    before = s.pain_before if s.pain_before is not None else morning.get(s.date)
    next_day = morning.get(s.date + timedelta(days=1))
    return before is not None and next_day is not None and next_day - before >= t.next_morning_rise


def attempts(
    history: History, t: Thresholds, before: date, red_only: bool = False
) -> list[Attempt]:
    """Every done or partial exercise before ``before``, oldest first, with its zone (with
    ``red_only``, only the red ones: a ten-year report lists those, and skips building the
    rest).

    The check-in of ``before`` itself counts: this morning's pain is yesterday's next-morning
    response, and it is exactly what today's plan must answer to."""
    morning = {c.date: c.score for c in history.checkins}
    found: list[Attempt] = []
    red, unknown = PainZone.RED, PainZone.UNKNOWN
    # Each pain's zone, worked out once (a ten-year report reads 29,000 answers).
    zones: dict[int | None, PainZone] = {p: zone(p, t) for p in range(11)}
    zones[None] = unknown
    severity = {p: _SEVERITY[z] for p, z in zones.items()}  # an enum's hash is slow
    for s in history.sessions:
        if s.date >= before:
            continue
        worse = woke_worse(s, morning, t)
        after = session_signal(s, t)
        after_severity = _SEVERITY[after]
        # Listing red ones only, a session neither red after nor followed by a worse
        # morning has none but those red by their own answer.
        own_red_only = red_only and not worse and after is not red
        for e in s.exercises:
            if e.status == "skipped":
                continue
            own = zones.get(e.pain) or zone(e.pain, t)
            if own_red_only and own is not red:
                continue
            # The exercise's own answer, or the session's pain after where it says more.
            own_severity = severity.get(e.pain)
            by_after = own is unknown or after_severity > (
                _SEVERITY[own] if own_severity is None else own_severity
            )
            z = own if after is unknown or not by_after else after
            if red_only and not worse and z is not red:
                continue
            found.append(
                Attempt(
                    e.exercise_id,
                    s.date,
                    e.status,
                    e.dose,
                    e.pain,
                    PainZone.RED if worse else z,
                    worse and z is not PainZone.RED,
                    s.id,
                    s.pain_after if by_after and after is not PainZone.UNKNOWN else None,
                    e.extra,
                )
            )
    found.sort(key=lambda a: a.day)  # stable: sessions of one day keep their order
    return found


def clamp(ex: Exercise, dose: Dose) -> Dose:
    """Keep a dose inside the exercise's ranges (the library may have changed)."""
    values = {}
    for name, rng in ex.dose.ranges().items():
        v = getattr(dose, name)
        values[name] = rng.min if v is None else max(rng.min, min(rng.max, v))
    return Dose(**values)


def aerobic_step(minutes: int, t: Thresholds) -> int:
    """About 10% more aerobic time (issue 20, docs/clinical.md §4), rounded up to a whole
    minute, and at least ``aerobic_step_min``: 10 → 11 → 13 → 15 → 17 → 19 → 21 → 24."""
    return max(t.aerobic_step_min, -(-minutes * t.aerobic_step_percent // 100))


def step_up(ex: Exercise, dose: Dose, t: Thresholds, ceiling: Dose | None = None) -> Dose | None:
    """One step harder (CLINICAL.md §4), or None at the top of the range.

    Order: aerobic time (about 10% more); else repetitions (1–2 more) to the top of their
    range, then the hold (2 s more), then another set (back to the lowest repetitions).
    ``ceiling`` caps each field (a prescription without allow_progression, or the most
    aerobic time the patient's week and minutes call for).
    """
    r = ex.dose.ranges()

    def top(name: str) -> int:
        limit = r[name].max
        cap = getattr(ceiling, name) if ceiling else None
        return min(limit, cap) if cap is not None else limit

    if dose.duration_minutes is not None and "duration_minutes" in r and dose.reps is None:
        if dose.duration_minutes < top("duration_minutes"):
            return dose._replace(
                duration_minutes=min(
                    dose.duration_minutes + aerobic_step(dose.duration_minutes, t),
                    top("duration_minutes"),
                )
            )
        return None
    if dose.reps is not None and "reps" in r and dose.reps < top("reps"):
        return dose._replace(reps=min(dose.reps + t.reps_step, top("reps")))
    if (
        dose.hold_seconds is not None
        and "hold_seconds" in r
        and dose.hold_seconds < top("hold_seconds")
    ):
        return dose._replace(
            hold_seconds=min(dose.hold_seconds + t.hold_step_s, top("hold_seconds"))
        )
    if dose.sets is not None and "sets" in r and dose.sets < top("sets"):
        return dose._replace(sets=dose.sets + 1, reps=r["reps"].min if "reps" in r else None)
    if (
        dose.duration_minutes is not None
        and "duration_minutes" in r
        and dose.duration_minutes < top("duration_minutes")
    ):
        return dose._replace(
            duration_minutes=min(
                dose.duration_minutes + t.aerobic_step_min, top("duration_minutes")
            )
        )
    return None


def step_down(ex: Exercise, dose: Dose, t: Thresholds) -> Dose | None:
    """One step easier, or None when already at the bottom of every range."""
    r = ex.dose.ranges()
    if dose.sets is not None and "sets" in r and dose.sets > r["sets"].min:
        return dose._replace(sets=dose.sets - 1)
    if dose.reps is not None and "reps" in r and dose.reps > r["reps"].min:
        return dose._replace(reps=max(dose.reps - t.reps_step, r["reps"].min))
    if (
        dose.hold_seconds is not None
        and "hold_seconds" in r
        and dose.hold_seconds > r["hold_seconds"].min
    ):
        return dose._replace(
            hold_seconds=max(dose.hold_seconds - t.hold_step_s, r["hold_seconds"].min)
        )
    if (
        dose.duration_minutes is not None
        and "duration_minutes" in r
        and dose.duration_minutes > r["duration_minutes"].min
    ):
        return dose._replace(
            duration_minutes=max(
                dose.duration_minutes - t.aerobic_step_min, r["duration_minutes"].min
            )
        )
    return None


class Decision(Enum):
    NEW = "new"
    CONTINUE = "continue"
    PROGRESS = "progress"
    HARDER_VARIANT = "harder-variant"
    HOLD = "hold"
    STEP_BACK = "step-back"
    EASIER_VARIANT = "easier-variant"
    AT_TOP = "at-top"
    AT_BOTTOM = "at-bottom"


@dataclass(frozen=True)
class Next:
    """What to do next with one exercise, and why in one line."""

    decision: Decision
    exercise_id: str
    dose: Dose
    reason: str
    flagged: bool = False  # red last time: the physiotherapist should look


def _green_run(ex: Exercise, tries: list[Attempt], dose: Dose, since: date | None) -> list[Attempt]:
    run: list[Attempt] = []
    for a in reversed(tries):
        if since is not None and a.day <= since:
            break
        if a.zone is PainZone.GREEN and a.status == "done" and clamp(ex, a.dose) == dose:
            run.append(a)
        else:
            break
    return run


def is_timed(dose: Dose) -> bool:
    """An aerobic dose: minutes, not repetitions."""
    return dose.duration_minutes is not None and dose.reps is None


def last_attempt(tries: list[Attempt]) -> Attempt:
    """The attempt that decides what comes next: the worst of the latest day's (a patient
    may do the exercises more than once a day, as NHS Inform suggests; one painful go
    outweighs a comfortable one)."""
    latest = tries[-1].day
    same_day = [a for a in tries if a.day == latest]
    return max(reversed(same_day), key=lambda a: _SEVERITY[a.zone])


def next_step(
    ex: Exercise,
    tries: list[Attempt],
    t: Thresholds,
    harder: Exercise | None,
    easier: Exercise | None,
    ceiling: Dose | None = None,
    allow_variants: bool = True,
    since: date | None = None,
) -> Next:
    """CLINICAL.md §4 applied to one exercise's recent attempts (oldest first).

    ``harder``/``easier`` are the variants the patient can do (or None); ``ceiling`` caps
    the dose for a prescription that does not allow progression; ``since`` is the day of
    the latest red in the exercise's family, before which no green counts.
    """
    if not tries:
        return Next(Decision.NEW, ex.id, ex.start_dose(), "new to you, so a gentle starting dose")
    last = last_attempt(tries)
    dose = clamp(ex, last.dose)
    when = short_date(last.day)
    if last.zone is PainZone.RED:
        why = (
            f"pain next morning rose after {when}'s session"
            if last.next_morning
            else f"pain after {when}'s session was {last.after}/10"
            if last.after is not None
            else f"{ex.name} hurt {last.pain}/10 on {when}"
        )
        if allow_variants and easier is not None:
            return Next(
                Decision.EASIER_VARIANT,
                easier.id,
                easier.start_dose(),
                f"easier variant: {why}",
                flagged=True,
            )
        lower = step_down(ex, dose, t)
        if lower is not None:
            return Next(Decision.STEP_BACK, ex.id, lower, f"stepped back: {why}", flagged=True)
        return Next(
            Decision.AT_BOTTOM,
            ex.id,
            dose,
            f"easiest dose already: {why}; tell your physiotherapist",
            flagged=True,
        )
    if last.zone is PainZone.AMBER:
        felt = (
            f"pain after {when}'s session was {last.after}/10"
            if last.after is not None
            else f"{last.pain}/10 on {when} is acceptable"
        )
        return Next(Decision.HOLD, ex.id, dose, f"same dose: {felt}, so hold here")
    if last.zone is PainZone.UNKNOWN:
        return Next(
            Decision.CONTINUE,
            ex.id,
            dose,
            f"same dose: how it felt on {when} was not recorded, so it does not count "
            f"towards the {t.greens_to_progress} comfortable sessions before it goes "
            "up",
        )
    run = _green_run(ex, tries, dose, since)
    streak = len(run)
    # Aerobic time goes up about 10% a week, not every 3 sessions (issue 20): the greens at
    # this dose must span a week.
    weekly = (
        is_timed(dose) and bool(run) and (run[0].day - run[-1].day).days + 1 < t.aerobic_step_days
    )
    if streak >= t.greens_to_progress and weekly:
        days = t.aerobic_step_days - (run[0].day - run[-1].day).days - 1
        return Next(
            Decision.CONTINUE,
            ex.id,
            dose,
            f"same time: aerobic time goes up about {t.aerobic_step_percent}% a week "
            f"(next in {plural(days, 'day')})",
        )
    if streak >= t.greens_to_progress:
        higher = step_up(ex, dose, t, ceiling)
        if higher is not None:
            return Next(
                Decision.PROGRESS, ex.id, higher, f"progressed: {streak} comfortable sessions"
            )
        if allow_variants and harder is not None:
            # A harder aerobic variant keeps the minutes: it never lowers the week's
            # aerobic time (issue 20); a harder strengthening variant starts at its own
            # starting dose.
            start = (
                clamp(harder, harder.start_dose()._replace(duration_minutes=dose.duration_minutes))
                if is_timed(dose)
                else harder.start_dose()
            )
            return Next(
                Decision.HARDER_VARIANT,
                harder.id,
                start,
                f"harder variant: {streak} comfortable sessions of {ex.name} at its top dose",
            )
        return Next(
            Decision.AT_TOP,
            ex.id,
            dose,
            "top of the range: keep it up"
            if ceiling is None
            else "the dose your physiotherapist set: keep it up",
        )
    left = t.greens_to_progress - streak
    return Next(
        Decision.CONTINUE,
        ex.id,
        dose,
        f"same dose: {left} more comfortable session{'s' if left > 1 else ''} before it goes up",
    )
