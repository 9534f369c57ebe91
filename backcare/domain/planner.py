"""The daily plan: (profile, library, prescription, history, day) → plan. Pure and
deterministic: the same inputs give the same plan, byte for byte.

- Every exercise day holds each of the four kinds of exercise (CLINICAL.md §1), fits the
  patient's minutes, and uses only the equipment and positions they have.
- Exercises come in families (an exercise with its easier and harder variants). A new
  patient starts each family at level 1 and the low end of each dose range (CLINICAL.md §2).
- Families rotate across days, so the same muscles are not drilled the same way every day.
- Dose and variant follow the pain-guided rules of CLINICAL.md §4 (``progression.py``).
- A flare-up gives a gentle plan with no progression; a prescription is followed exactly.
- The patient's conditions change the plan (CLINICAL.md §8, ``conditions.py``): exercises a
  rule leaves out are never planned (``left_out`` says which, and why), recent surgery holds
  starting doses, and inflammatory back pain keeps the daily mobility work.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from enum import StrEnum
from typing import Any, NamedTuple

from backcare.domain.clinical import DEFAULT, Thresholds
from backcare.domain.conditions import (
    BALANCE_WHY,
    HOLD_AT_START_WHY,
    KEEP_MOBILITY_WHY,
    NO_RULES,
    PlanRules,
    is_balance,
    is_mobility,
    plan_rules,
)
from backcare.domain.daypain import flare_days
from backcare.domain.library import Library
from backcare.domain.models import (
    CATEGORIES,
    DOSE_FIELDS,
    Dose,
    Exercise,
    History,
    Prescribed,
    Prescription,
    PrescriptionHistory,
    Profile,
    RoutineSwap,
    regimen,
)
from backcare.domain.progression import (
    Attempt,
    Decision,
    Next,
    PainZone,
    attempts,
    clamp,
    is_timed,
    last_attempt,
    next_step,
    step_down,
)
from backcare.domain.routine import (
    Change,
    Routine,
    aerobic_allowance,
    describe_step,
    dose_changes,
    review_notice,
    routine_on,
)
from backcare.domain.routine import to_dicts as routine_dicts
from backcare.domain.safety import flare_active, red_flag_stop, seek_help
from backcare.domain.schedule import is_planned_day, weekday_name
from backcare.errors import BackcareError, SafetyStop
from backcare.messages import DISCLAIMER, DISCLAIMER_SHORT, NO_PROFILE_HINT, TIPS

# Time estimates: seconds per repetition besides any hold, and to get into position.
SECONDS_PER_REP = 4
SECONDS_TO_SET_UP = 15
# The shortest aerobic block worth doing when the minutes are tight.
MIN_AEROBIC_MINUTES = 5
# A flare-up's walk is short and easy (CLINICAL.md §4).
FLARE_WALK_MAX_MINUTES = 10


def rest_day_words(day: date) -> str:
    """A rest day's warning, naming the day: the plan may be for a day other than today,
    which the planner does not know (it never reads the clock)."""
    return (
        f"{day:%A} {day.day} {day:%b} is a rest day in your programme. A gentle walk is "
        "still good for your back."
    )


def estimated_seconds(ex: Exercise, dose: Dose) -> int:
    """How long an exercise takes at a dose, rests included."""
    if dose.reps is None:
        return (dose.duration_minutes or 0) * 60
    per_rep = (dose.hold_seconds or 0) + SECONDS_PER_REP
    sides = 2 if ex.per_side else 1
    sets = dose.sets or 1
    return (
        SECONDS_TO_SET_UP + sets * dose.reps * per_rep * sides + (sets - 1) * ex.dose.rest_seconds
    )


@dataclass(frozen=True)
class PlanItem:
    exercise: Exercise
    dose: Dose
    reason: str
    seconds: int
    flagged: bool = False
    note: str | None = None
    # Equipment a prescribed exercise needs that the patient has not said they have: kept,
    # because the physiotherapist chose it, and marked (issue 14).
    missing_equipment: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # CONTRACT.md: the reason is one line (a library name may hold a line break).
        object.__setattr__(self, "reason", " ".join(self.reason.split()))

    def to_dict(self) -> dict[str, Any]:
        ex = self.exercise
        return {
            "exercise_id": ex.id,
            "name": ex.name,
            "category": ex.category,
            **self.dose.to_dict(),
            "reason": self.reason,
            "per_side": ex.per_side,
            "level": ex.level,
            "position": ex.position,
            "equipment": [e for e in ex.equipment if e != "none"],
            "cautions": list(ex.cautions),  # where the patient exercises (issue 11)
            "rest_seconds": ex.dose.rest_seconds,
            "minutes": round(self.seconds / 60, 1),
            "flagged": self.flagged,
            "note": self.note,
            "missing_equipment": list(self.missing_equipment),
        }


class PlanMode(StrEnum):
    """What a day's plan is built from (CONTRACT.md: `plan --json`'s ``mode``)."""

    NORMAL = "normal"  # the patient's own routine
    FLARE = "flare"  # a gentle plan while a flare-up settles (CLINICAL.md §4)
    PRESCRIBED = "prescribed"  # the physiotherapist's programme


@dataclass(frozen=True, kw_only=True)
class Plan:
    """A day's plan; built with keywords only (issue 27: nine positional arguments were
    easy to swap)."""

    date: date
    mode: PlanMode
    items: tuple[PlanItem, ...]
    warnings: tuple[str, ...] = ()
    tip: str = ""
    rest_day: bool = False
    budget_minutes: int | None = None
    advice: tuple[Any, ...] = field(default=(), compare=False)
    # Exercises the patient could do that a condition's rule leaves out, with why
    # (CLINICAL.md §8): "every item a rule removes says why" (issue 11).
    left_out: tuple[tuple[Exercise, str], ...] = ()
    # CLINICAL.md §7: the whole disclaimer before init, its short form after.
    disclaimer: str = DISCLAIMER_SHORT
    # The routine the patient's own days come from (issue 20); None under a prescription.
    routine: RoutineDay | None = field(default=None, compare=False)
    prescribed: Prescription | None = field(default=None, compare=False)

    @property
    def total_minutes(self) -> float:
        return round(sum(i.seconds for i in self.items) / 60, 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "mode": self.mode.value,
            "total_minutes": self.total_minutes,
            "items": [i.to_dict() for i in self.items],
            "warnings": list(self.warnings),
            "rest_day": self.rest_day,
            "budget_minutes": self.budget_minutes,
            "tip": self.tip,
            "left_out": [
                {"exercise_id": ex.id, "name": ex.name, "reason": why} for ex, why in self.left_out
            ],
            "disclaimer": self.disclaimer,
            **self._routine_dict(),
        }

    def _routine_dict(self) -> dict[str, Any]:
        """The routine (CONTRACT.md, third round): under a prescription, the prescribed
        exercises, which replace it."""
        if self.routine is None:
            p = self.prescribed
            joined = (p.start or self.date).isoformat() if p is not None else None
            return {
                "routine": [
                    {
                        "exercise_id": i.exercise_id,
                        "joined": joined,
                        "days": list(i.days),
                        "changes": [],
                    }
                    for i in (p.items if p is not None else ())
                ],
                "routine_source": "prescription",
            }
        r = self.routine.routine
        return {
            "routine": self.routine.routine_dicts(),
            "routine_source": "routine",
            "routine_started": r.started.isoformat(),
            "routine_split": r.split,
            "routine_review_due": r.review_due.isoformat() if r.review_due else None,
            "routine_left": [
                {
                    "exercise_id": lf.exercise_id,
                    "date": lf.day.isoformat(),
                    "why": lf.why,
                    "flagged": lf.flagged,
                }
                for lf in r.left
            ],
        }


def beginner_profile(day: date) -> Profile:
    """The safe defaults used before ``init``: 20 minutes, no equipment but a floor mat."""
    return Profile(start_date=day, equipment=["none", "mat"])


def history_window(day: date, t: Thresholds = DEFAULT) -> date:
    """The first day of history the planner reads. An exercise not done for this long
    restarts at its entry dose, as tolerance fades after a long break."""
    return day - timedelta(days=t.planner_lookback_days)


# --- families of variants --------------------------------------------------------------------


def families(library: Library) -> list[list[Exercise]]:
    """Exercises joined by progression links, each family sorted easiest first."""
    parent: dict[str, str] = {e.id: e.id for e in library}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for e in library:
        for link in (e.progresses_to, e.regresses_to):
            if link in parent:
                a, b = find(e.id), find(link)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[str, list[Exercise]] = {}
    for e in library:
        groups.setdefault(find(e.id), []).append(e)
    return [sorted(g, key=lambda e: (e.level, e.id)) for _, g in sorted(groups.items())]


def can_do(ex: Exercise, profile: Profile) -> bool:
    have = set(profile.equipment) | {"none"}
    return set(ex.equipment) <= have and ex.position not in profile.avoid_positions


# --- the planner ----------------------------------------------------------------------------


def plan_for(
    day: date,
    profile: Profile | None,
    library: Library,
    prescription: Prescribed,
    history: History,
    t: Thresholds = DEFAULT,
    detail: bool = True,
) -> Plan:
    """Today's plan. Raises :class:`SafetyStop` while a red flag is not cleared: one at the
    safety screen, or at any check-in in ``history`` since the last clearance
    (:func:`~backcare.domain.safety.red_flag_stop`)."""
    prescriptions = regimen(prescription)
    plan = _plan_for(day, profile, library, prescriptions, history, t, detail)
    # Before init the patient has not seen the disclaimer at all: the whole of it.
    return plan if profile is not None else replace(plan, disclaimer=DISCLAIMER)


def _plan_for(
    day: date,
    profile: Profile | None,
    library: Library,
    prescriptions: PrescriptionHistory,
    history: History,
    t: Thresholds,
    detail: bool = True,
) -> Plan:
    stop = red_flag_stop(profile, history)
    if stop is not None:
        raise SafetyStop(stop)
    # The prescription in force today, from the day it applies (issue 14); one that starts
    # later leaves today's plan as it was, and the plan says so.
    prescription = prescriptions.on(day)
    warnings: list[str] = []
    coming = prescriptions.upcoming(day)
    if coming is not None and coming.start is not None:
        if coming.prescription is not None:
            warnings.append(
                f"Your physiotherapist's programme starts on "
                f"{coming.start.isoformat()}; until then your plan stays as it "
                "was."
            )
        elif prescription is not None:
            warnings.append(f"Your physiotherapist's programme ends on {coming.start.isoformat()}.")
    if profile is None:
        warnings.append(NO_PROFILE_HINT)
    who = profile or beginner_profile(day)
    advice = seek_help(profile, history, day, t)
    warnings += [a.message for a in advice]
    due = reassessment_due(profile, history, day, t)
    if due:
        warnings.append(due)
    tip = TIPS[day.toordinal() % len(TIPS)]
    flare, why = flare_active(history, day, t, profile)
    budget = who.minutes_per_day
    rules = plan_rules(profile, day)
    left_out = _left_out(library, who, rules)
    # The routine (issue 20): what the patient's own days come from, shown in every mode.
    rday = routine_day(day, who, library, history, prescriptions, t, rules, detail)

    def made(
        mode: PlanMode,
        items: list[PlanItem] | tuple[PlanItem, ...],
        rest: bool,
        minutes: int | None = budget,
        rule_out: tuple[tuple[Exercise, str], ...] = left_out,
    ) -> Plan:
        return Plan(
            date=day,
            mode=mode,
            items=tuple(items),
            warnings=tuple(warnings),
            tip=tip,
            rest_day=rest,
            budget_minutes=minutes,
            advice=tuple(advice),
            left_out=rule_out,
            routine=rday if prescription is None else None,
            prescribed=prescription,
        )

    if flare:
        # The plan may be for a day other than today: the warning names its day (issue 27).
        warnings.insert(
            0,
            f"Flare-up ({why}): {day:%A} {day.day} {day:%b} has a gentle plan "
            "with no progression. "
            "Keep moving gently; it helps recovery (NICE NG59, NHS).",
        )
        if prescription is not None:
            warnings.append(
                "Your physiotherapist's programme is paused until the flare-up settles."
            )
        if not is_planned_day(day, who, prescriptions):  # a rest day stays a rest day
            warnings.append(rest_day_words(day))
            return made(PlanMode.FLARE, (), True)
        # Nothing that was red in the last 7 days (issue 20), and the routine's own
        # exercises first: the patient knows them.
        avoid, sore = _recently_red(history, day, library, t)
        # Nor what the routine took out because it hurt (issue 20).
        fams = {f[0].id: f for f in families(library)}
        avoid |= {e.id for lf in rday.routine.left if lf.flagged for e in fams.get(lf.family, ())}
        items = _flare_items(day, who, library, budget, rules, avoid, rday.routine.families())
        if sore:
            warnings.append(
                f"Left out while it settles: {_and(tuple(sore))} "
                f"(painful in the last {t.flare_red_days} days)."
            )
        if not items:
            warnings.append(
                "Nothing is planned today: what you have been doing was painful. "
                "Rest from it, keep gently moving about the house, and talk to "
                "your physiotherapist."
            )
        return made(PlanMode.FLARE, items, False)
    if prescription is not None:
        tries = recent_attempts(history, day, t)
        items, gone = _prescribed_items(day, prescription, library, tries, t, who)
        for ident in gone:
            warnings.append(
                f"'{ident}' in your prescription is not in the exercise library "
                "any more; please ask your physiotherapist."
            )
        # The physiotherapist's programme is followed; a condition's rule is pointed out.
        for item in items:
            ruled = rules.left_out_why(item.exercise)
            if ruled:
                warnings.append(
                    f"Your programme includes {item.exercise.name}, which backcare "
                    f"would leave out for {ruled}. Please check it with your "
                    "physiotherapist."
                )
        for item in items:
            if item.missing_equipment:
                warnings.append(
                    f"{item.exercise.name} needs "
                    f"{_and(item.missing_equipment)}, which your profile does "
                    "not list; your physiotherapist chose it, so it stays in "
                    "your plan. Ask them about it if you cannot get it."
                )
        rest = not items
        if rest:
            warnings.append(
                "No exercises are prescribed for today. A gentle walk is still good for your back."
            )
        return made(PlanMode.PRESCRIBED, items, rest, None, ())
    review = review_notice(day, rday.routine, t)
    if review:
        warnings.append(review)
    for lf in rday.routine.left:
        if lf.flagged and (day - lf.day).days <= t.red_swap_days:
            warnings.append(
                f"{library.get(lf.exercise_id).name} is out of your routine for "
                f"now: {lf.why}. Tell your physiotherapist if it keeps hurting."
            )
    if not is_planned_day(day, who):
        if day < who.start_date:
            warnings.append(f"Your programme starts on {who.start_date.isoformat()}.")
        else:
            warnings.append(rest_day_words(day))
        return made(PlanMode.NORMAL, (), True)
    items = list(rday.items)
    for cat in rday.missing:
        if cat in rday.routine.emptied:
            warnings.append(
                f"Every {cat} exercise you can do has been painful lately, so "
                "none is planned while it settles; please ask your "
                "physiotherapist for one."
            )
        else:
            warnings.append(
                f"No {cat} exercise fits your equipment and positions; ask "
                "your physiotherapist for one, or add equipment with "
                "'backcare init'."
            )
    if rday.over:
        total = sum(i.seconds for i in items)
        warnings.append(
            f"Even the shortest plan takes about {-(-total // 60)} minutes, more "
            f"than your {budget}: everything is at its easiest dose. Do what you "
            "can, or give it more time with 'backcare init --minutes N'."
        )
    return made(PlanMode.NORMAL, items, False)


def _recently_red(
    history: History, day: date, library: Library, t: Thresholds
) -> tuple[set[str], tuple[str, ...]]:
    """The ids of every variant of each family with a red attempt in the last
    ``flare_red_days`` days (issue 20: a flare-up plan never brings back what hurt), and
    the names of the exercises that were red."""
    since = day - timedelta(days=t.flare_red_days)
    of = {e.id: fam for fam in families(library) for e in fam}
    avoid: set[str] = set()
    names: set[str] = set()
    for a in attempts(history, t, before=day, red_only=True):
        if a.day >= since and a.exercise_id in of:
            avoid.update(e.id for e in of[a.exercise_id])
            names.add(library.get(a.exercise_id).name)
    return avoid, tuple(sorted(names))


def _left_out(
    library: Library, profile: Profile, rules: PlanRules
) -> tuple[tuple[Exercise, str], ...]:
    """The exercises the patient could do that a condition's rule leaves out, with why."""
    if not rules.leave_out:
        return ()
    order = {c: i for i, c in enumerate(CATEGORIES)}
    found = [
        (e, why)
        for e in library
        if can_do(e, profile) and (why := rules.left_out_why(e)) is not None
    ]
    return tuple(sorted(found, key=lambda f: (order[f[0].category], f[0].level, f[0].id)))


def forecast(
    first: date,
    days: int,
    profile: Profile | None,
    library: Library,
    prescription: Prescribed,
    history: History,
    t: Thresholds = DEFAULT,
) -> list[Plan]:
    """The plans of the ``days`` days from ``first`` that have exercises, as today's log
    predicts them (the calendar export). On the day itself the plan adapts to how the
    sessions before it went."""
    plans = []
    for offset in range(days):
        d = first + timedelta(days=offset)
        if is_planned_day(d, profile, prescription):
            plan = plan_for(d, profile, library, prescription, history, t, detail=False)
            if not plan.rest_day and plan.items:
                plans.append(plan)
    return plans


def recent_attempts(history: History, day: date, t: Thresholds = DEFAULT) -> list[Attempt]:
    """The attempts before ``day`` that still count: an exercise not done for 6 weeks
    (``planner_lookback_days``) restarts at its entry dose. An extra, done on top of a day's
    plan, never sets a dose (issue 11): a long walk on a rest day is not the next walk."""
    since = history_window(day, t)
    return [a for a in attempts(history, t, before=day) if a.day > since and not a.extra]


def reassessment_due(
    profile: Profile | None, history: History, day: date, t: Thresholds = DEFAULT
) -> str | None:
    """A line when a questionnaire is due: every 2 weeks (issue 5), so that function is
    measured, not just pain. ``history`` holds at least the last ``reassess_days`` days."""
    if profile is None or day < profile.start_date:
        return None
    done = [a.date for a in history.assessments if a.date <= day]
    if not done:
        return (
            "A short questionnaire measures how your back affects daily life: try "
            "'backcare assess odi' (or rmdq, psfs, peg) now, then every 2 weeks."
        )
    last = max(done)
    if (day - last).days >= t.reassess_days:
        return (
            f"A questionnaire is due: your last was on {last.isoformat()}. "
            "'backcare assess odi' (or the one you used before) shows your progress."
        )
    return None


def _rotation(options: list[Any], day: date) -> list[Any]:
    """The same list, started at a different place each day (deterministic)."""
    if not options:
        return options
    k = day.toordinal() % len(options)
    return options[k:] + options[:k]


def _current(doable: list[Exercise], by_ex: dict[str, list[Attempt]]) -> Exercise | None:
    """The variant of a family the patient is working at: the one done most recently.
    When several were done that day, a painful (red) one decides, the easiest first, so
    that nothing harder follows a red session (CLINICAL.md §4)."""
    done = [e for e in doable if e.id in by_ex]
    if not done:
        return doable[0] if doable[0].level == 1 else None  # a new family starts at level 1
    latest = max(by_ex[e.id][-1].day for e in done)
    today = [e for e in done if by_ex[e.id][-1].day == latest]
    red = [e for e in today if last_attempt(by_ex[e.id]).zone is PainZone.RED]
    if red:
        return min(red, key=lambda e: (e.level, e.id))
    return max(today, key=lambda e: (e.level, e.id))


def _family_step(
    fam: list[Exercise],
    profile: Profile,
    library: Library,
    by_ex: dict[str, list[Attempt]],
    t: Thresholds,
    rules: PlanRules,
    since: date | None = None,
    ceiling: Dose | None = None,
) -> Next | None:
    """The next step of one family: the variant the patient is working at, at the dose how
    it felt decides (CLINICAL.md §4). ``since`` is the last day of a flare-up: greens from
    before it never count (issue 20). None when no variant can be planned."""
    doable = [e for e in fam if can_do(e, profile)]
    allowed = [e for e in doable if rules.allows(e)]  # CLINICAL.md §8
    if not allowed:
        return None
    last_red = max(
        (a.day for e in fam for a in by_ex.get(e.id, ()) if a.zone is PainZone.RED), default=None
    )
    if since is not None and (last_red is None or since > last_red):
        last_red = since
    if rules.hold_at_start:
        return _held_at_start(allowed[0], by_ex, t, last_red)
    would_be = _current(doable, by_ex)
    current = _current(allowed, by_ex)
    instead = would_be if would_be is not None and not rules.allows(would_be) else None
    if instead is not None and current is None:
        lower = [e for e in allowed if e.level <= instead.level]
        current = lower[-1] if lower else allowed[0]
    if current is None:
        return None
    harder = library.exercises.get(current.progresses_to or "")
    easier = library.exercises.get(current.regresses_to or "")
    harder = harder if harder and can_do(harder, profile) else None
    easier = easier if easier and can_do(easier, profile) else None
    # Greens before a red do not count after it, whichever variant was red (issue 11):
    # harder → easier → harder again needs the full count of new greens each time.
    mine = by_ex.get(current.id, [])
    step = next_step(
        current,
        mine,
        t,
        harder if rules.allows(harder) else None,
        easier if rules.allows(easier) else None,
        ceiling=ceiling,
        since=last_red,
    )
    if instead is None and step.exercise_id == current.id and (harder or easier):
        free = next_step(current, mine, t, harder, easier, ceiling=ceiling, since=last_red)
        if free.exercise_id != current.id:  # the variant it would have been is left out
            instead = library.get(free.exercise_id)
    if instead is not None:
        step = replace(
            step,
            reason=f"{step.reason}; in place of {instead.name}, left out "
            f"for {rules.left_out_why(instead)}",
        )
    return step


def _held_at_start(
    ex: Exercise, by_ex: dict[str, list[Attempt]], t: Thresholds, last_red: date | None
) -> Next:
    """Recent spinal surgery (CLINICAL.md §8): the family's entry at its starting dose, with
    no progression; a red is still flagged for the physiotherapist."""
    seen = next_step(ex, by_ex.get(ex.id, []), t, None, None, allow_variants=False, since=last_red)
    why = f"starting dose: {HOLD_AT_START_WHY}"
    if seen.flagged:
        why += f"; {seen.reason}"
    return Next(Decision.HOLD, ex.id, ex.start_dose(), why, seen.flagged)


def _item(library: Library, step: Next) -> PlanItem:
    ex = library.get(step.exercise_id)
    return PlanItem(ex, step.dose, step.reason, estimated_seconds(ex, step.dose), step.flagged)


def _at(item: PlanItem, dose: Dose, why: str) -> PlanItem:
    """The same item at another dose, saying why."""
    return PlanItem(
        item.exercise,
        dose,
        f"{item.reason}; {why}",
        estimated_seconds(item.exercise, dose),
        item.flagged,
        item.note,
    )


def _lowest(item: PlanItem, t: Thresholds, budget: int) -> PlanItem:
    """An item at the bottom of its ranges, for a day short of time."""
    dose = item.dose
    while (lower := step_down(item.exercise, dose, t)) is not None:
        dose = lower
    return (
        item if dose == item.dose else _at(item, dose, f"less today to fit your {budget} minutes")
    )


NON_AEROBIC = ("strengthening", "stretching", "posture")


@dataclass(frozen=True)
class RoutineDay:
    """The routine and what it gives on one day: the plan's items, the routine itself with
    each exercise's variant and dose now, and how its doses changed (issue 20)."""

    routine: Routine
    items: tuple[PlanItem, ...]
    current: dict[str, tuple[Exercise, Dose]]
    changes: dict[str, list[Change]]
    over: bool = False
    missing: tuple[str, ...] = ()

    def routine_dicts(self) -> list[dict[str, Any]]:
        return routine_dicts(self.routine, self.current, self.changes)


def routine_day(
    day: date,
    profile: Profile,
    library: Library,
    history: History,
    prescriptions: PrescriptionHistory,
    t: Thresholds = DEFAULT,
    rules: PlanRules = NO_RULES,
    with_changes: bool = True,
) -> RoutineDay:
    """The routine on ``day`` and today's items from it (issue 20): the same exercises each
    training day (or each half of an A/B split on alternating training days), each at the
    variant and dose how it felt decides; a progression that would not fit the minutes is
    held, or becomes the harder variant."""
    tries = recent_attempts(history, day, t)
    fams = families(library)
    window = history_window(day, t)
    flares = flare_days(history, profile, window, day - timedelta(days=1), t)
    last_flare = max(flares, default=None)
    budget = profile.minutes_per_day * 60
    routine = routine_on(
        day,
        profile,
        library,
        fams,
        tries,
        lambda e: can_do(e, profile),
        rules,
        counts_for_routine=lambda d: d not in flares and prescriptions.on(d) is None,
        start_seconds=lambda e: estimated_seconds(e, e.start_dose()),
        training_days=min(max(profile.days_per_week, 1), 7),
        t=t,
    )
    by_ex: dict[str, list[Attempt]] = {}
    for a in tries:
        by_ex.setdefault(a.exercise_id, []).append(a)
    family = {f[0].id: f for f in fams}
    members = routine.members
    today_group = _group_today(day, profile) if routine.split else ""
    todays = [m for m in members if not m.group or m.group == today_group]
    # Aerobic time: up about 10% a week towards the WHO 150 minutes a week, within its
    # share of the day (issue 20); the other exercises share the rest.
    aerobic_cap = aerobic_allowance(profile.minutes_per_day, profile.days_per_week, t)
    others_budget = budget - (
        aerobic_cap * 60 if any(m.category == "aerobic" for m in todays) else 0
    )
    steps: dict[str, Next] = {}
    for m in members:
        ceiling = Dose(duration_minutes=aerobic_cap) if m.category == "aerobic" else None
        step = _family_step(
            family[m.family], profile, library, by_ex, t, rules, since=last_flare, ceiling=ceiling
        )
        if (
            step is not None
            and ceiling is not None
            and is_timed(step.dose)
            and (step.dose.duration_minutes or 0) > aerobic_cap
        ):
            short = clamp(
                library.get(step.exercise_id), step.dose._replace(duration_minutes=aerobic_cap)
            )
            if short != step.dose:
                step = replace(
                    step,
                    dose=short,
                    reason=f"{step.reason}; {short.describe()} "
                    "to fit your "
                    f"{profile.minutes_per_day} minutes",
                )
        if step is not None:
            if m.replaces is not None and not by_ex.get(step.exercise_id):
                step = replace(step, reason=f"{m.why_joined}; {step.reason}", flagged=True)
            steps[m.family] = step
    if rules.keep_mobility:  # CLINICAL.md §8, NICE NG65: says why it is there every day
        steps = {
            k: replace(st, reason=f"{st.reason}; {KEEP_MOBILITY_WHY}")
            if is_mobility(library.get(st.exercise_id))
            else st
            for k, st in steps.items()
        }
    if rules.balance_first:  # osteoporosis favours balance work (CLINICAL.md §8, issue 21)
        steps = {
            k: replace(st, reason=f"{st.reason}; {BALANCE_WHY}")
            if is_balance(library.get(st.exercise_id))
            else st
            for k, st in steps.items()
        }
    current = {k: (library.get(st.exercise_id), st.dose) for k, st in steps.items()}
    items = [_item(library, steps[m.family]) for m in todays if m.family in steps]
    aerobic = [i for i in items if i.exercise.category == "aerobic"]
    others, _ = _fit_minutes(
        [i for i in items if i.exercise.category != "aerobic"],
        profile,
        library,
        by_ex,
        t,
        rules,
        others_budget,
    )
    items, over = _within(others, aerobic, budget, profile.minutes_per_day, t)
    for it in items:
        k = next(m.family for m in members if it.exercise.id in {e.id for e in family[m.family]})
        current[k] = (it.exercise, it.dose)
    order = {c: i for i, c in enumerate(CATEGORIES)}
    items.sort(key=lambda i: order[i.exercise.category])
    changes: dict[str, list[Change]] = {}
    if with_changes:
        names = {e.id: e.name for e in library}
        for m in members:

            def why_at(d: date, fam: list[Exercise] = family[m.family]) -> str | None:
                earlier = [a for a in tries if a.day < d]
                step = _family_step(
                    fam,
                    profile,
                    library,
                    _by_ex(earlier),
                    t,
                    rules,
                    since=max((f for f in flares if f < d), default=None),
                )
                return step.reason if step is not None else None

            changes[m.family] = dose_changes(family[m.family], tries, why_at, names)
            # Today's own step, when the plan moves the dose on from the last session.
            ids = {e.id for e in family[m.family]}
            done = [a for a in tries if a.exercise_id in ids and a.status == "done"]
            if done and m.family in current and m.family in steps:
                was = (done[-1].exercise_id, done[-1].dose)
                now = (current[m.family][0].id, current[m.family][1])
                said = next(
                    (i.reason for i in items if i.exercise.id in ids), steps[m.family].reason
                )
                if was != now:
                    changes[m.family].append(Change(day, describe_step(was, now, names), said))
    present = {m.category for m in members}
    missing = tuple(c for c in CATEGORIES if c not in present)
    return RoutineDay(routine, tuple(items), current, changes, over, missing)


def _by_ex(tries: list[Attempt]) -> dict[str, list[Attempt]]:
    out: dict[str, list[Attempt]] = {}
    for a in tries:
        out.setdefault(a.exercise_id, []).append(a)
    return out


def _group_today(day: date, profile: Profile) -> str:
    """A or B: the half of a split routine done on ``day``, alternating through each
    week's training days (so that each half is done at least twice a week)."""
    monday = day - timedelta(days=day.weekday())
    n = sum(1 for k in range(day.weekday()) if is_planned_day(monday + timedelta(days=k), profile))
    return "A" if n % 2 == 0 else "B"


def _within(
    others: list[PlanItem], aerobic: list[PlanItem], budget: int, minutes: int, t: Thresholds
) -> tuple[list[PlanItem], bool]:
    """The whole day within the minutes: when the other exercises still take more than
    their share, the aerobic block is shortened for today (to 5 minutes at the least); if
    even that does not fit, everything is at its easiest dose and the second value is True,
    for a warning."""

    def total() -> int:
        return sum(i.seconds for i in others + aerobic)

    if total() <= budget:
        return others + aerobic, False
    left = (budget - sum(i.seconds for i in others)) // 60
    shortened = []
    for item in aerobic:
        m = item.dose.duration_minutes
        if m is not None and is_timed(item.dose) and m > max(MIN_AEROBIC_MINUTES, left):
            short = max(MIN_AEROBIC_MINUTES, left)
            item = _at(
                item,
                item.dose._replace(duration_minutes=short),
                f"shortened to {short} min to fit your {minutes} minutes",
            )
        shortened.append(item)
    aerobic = shortened
    if total() <= budget:
        return others + aerobic, False
    others = [_lowest(i, t, minutes) for i in others]
    aerobic = [
        _at(
            i,
            i.dose._replace(duration_minutes=MIN_AEROBIC_MINUTES),
            f"shortened to {MIN_AEROBIC_MINUTES} min to fit your {minutes} minutes",
        )
        if is_timed(i.dose) and (i.dose.duration_minutes or 0) > MIN_AEROBIC_MINUTES
        else i
        for i in aerobic
    ]
    return others + aerobic, total() > budget


def _fit_minutes(
    items: list[PlanItem],
    profile: Profile,
    library: Library,
    by_ex: dict[str, list[Attempt]],
    t: Thresholds,
    rules: PlanRules,
    budget: int,
) -> tuple[list[PlanItem], bool]:
    """Keep the non-aerobic exercises within their share of the minutes (``budget``
    seconds): a progression that would not fit is held, or becomes the harder variant at
    its own starting dose, the longest first; if they still do not fit, the doses go down
    for today only. The second value is True when even that does not fit."""

    def total(xs: list[PlanItem]) -> int:
        return sum(i.seconds for i in xs)

    minutes = profile.minutes_per_day
    out = list(items)
    while total(out) > budget:
        grown = [(i.seconds, n) for n, i in enumerate(out) if i.reason.startswith("progressed")]
        if not grown:
            break
        _, n = max(grown)
        it = out[n]
        mine = by_ex.get(it.exercise.id)
        lower = (
            clamp(it.exercise, last_attempt(mine).dose)
            if mine
            else step_down(it.exercise, it.dose, t)
        )
        harder = library.exercises.get(it.exercise.progresses_to or "")
        if harder is not None and can_do(harder, profile) and rules.allows(harder):
            dose = harder.start_dose()
            if estimated_seconds(harder, dose) < it.seconds:
                out[n] = PlanItem(
                    harder,
                    dose,
                    f"harder variant: a higher dose of "
                    f"{it.exercise.name} would not fit your {minutes} minutes",
                    estimated_seconds(harder, dose),
                )
                continue
        if lower is None:
            break
        out[n] = PlanItem(
            it.exercise,
            lower,
            f"same dose: more would not fit your {minutes} minutes",
            estimated_seconds(it.exercise, lower),
            it.flagged,
            it.note,
        )
    while total(out) > budget:
        lowerable = [
            (i.seconds, n)
            for n, i in enumerate(out)
            if step_down(i.exercise, i.dose, t) is not None
        ]
        if not lowerable:
            break
        _, n = max(lowerable)
        it = out[n]
        less = step_down(it.exercise, it.dose, t)
        assert less is not None
        why = f"less today to fit your {minutes} minutes"
        out[n] = PlanItem(
            it.exercise,
            less,
            it.reason if why in it.reason else f"{it.reason}; {why}",
            estimated_seconds(it.exercise, less),
            it.flagged,
            it.note,
        )
    return out, total(out) > budget


def _flare_items(
    day: date,
    profile: Profile,
    library: Library,
    budget: int,
    rules: PlanRules = NO_RULES,
    avoid: frozenset[str] | set[str] = frozenset(),
    known: frozenset[str] | set[str] = frozenset(),
) -> list[PlanItem]:
    """CLINICAL.md §4 flare-up: mobility stretches, posture, a short walk, and only the
    gentlest strengthening; everything at level 1 and its lowest dose; no progression.
    It fits the patient's minutes, keeping room for the walk. The conditions' rules apply
    (CLINICAL.md §8): nothing they leave out, and the mobility work first. Nothing in
    ``avoid`` (red in the last days, issue 20), and the routine's own exercises (``known``)
    first: the patient knows them."""

    def pool(cat: str) -> list[Exercise]:
        return sorted(
            (
                e
                for e in library.by_category(cat)
                if e.level == 1 and can_do(e, profile) and rules.allows(e) and e.id not in avoid
            ),
            key=lambda e: (estimated_seconds(e, e.start_dose()), e.id),
        )

    def today(cat: str) -> list[Exercise]:
        everyone = _rotation(pool(cat), day)
        rotated = [e for e in everyone if e.id in known] + [
            e for e in everyone if e.id not in known
        ]
        if rules.keep_mobility and cat == "stretching":
            return [e for e in rotated if is_mobility(e)] + [
                e for e in rotated if not is_mobility(e)
            ]
        return rotated

    budget_s = budget * 60
    walks = pool("aerobic")
    walk = next(iter([e for e in walks if e.position in ("moving", "standing")] or walks), None)
    walk_dose = walk.start_dose() if walk else None
    walk_min = walk_dose.duration_minutes if walk_dose else None
    reserve = min(MIN_AEROBIC_MINUTES, walk_min or 0) * 60
    reasons = {
        "stretching": "flare-up: gentle mobility only",
        "posture": "flare-up: gentle mobility only",
        "strengthening": "flare-up: the gentlest strengthening, easiest dose",
    }
    items: list[PlanItem] = []
    used = 0
    for cat, count in (("stretching", 2), ("posture", 1), ("strengthening", 1)):
        for ex in today(cat):
            if count == 0:
                break
            dose = ex.start_dose()
            seconds = estimated_seconds(ex, dose)
            if used + seconds <= budget_s - reserve:
                why = reasons[cat]
                if rules.keep_mobility and is_mobility(ex):
                    why = f"{why}; {KEEP_MOBILITY_WHY}"
                items.append(PlanItem(ex, dose, why, seconds))
                used += seconds
                count -= 1
    if walk is not None and walk_dose is not None:
        dose = walk_dose
        if walk_min is not None and dose.reps is None:
            minutes = min(
                walk_min, max(MIN_AEROBIC_MINUTES, (budget_s - used) // 60), FLARE_WALK_MAX_MINUTES
            )
            dose = dose._replace(duration_minutes=minutes)
        # Marching on the spot is not a walk (issue 27): the reason names what it is.
        easy = (
            "a short, easy walk" if "walk" in walk.id else f"{walk.name.lower()}, short and easy,"
        )
        items.append(
            PlanItem(
                walk, dose, f"flare-up: {easy} keeps you moving", estimated_seconds(walk, dose)
            )
        )
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(items, key=lambda i: order[i.exercise.category])


def _and(names: tuple[str, ...]) -> str:
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def missing_equipment(ex: Exercise, profile: Profile) -> tuple[str, ...]:
    """What an exercise needs that the patient has not said they have."""
    have = set(profile.equipment) | {"none"}
    return tuple(e for e in ex.equipment if e not in have)


def _prescribed_items(
    day: date,
    prescription: Prescription,
    library: Library,
    tries: list[Attempt],
    t: Thresholds,
    profile: Profile | None = None,
) -> tuple[list[PlanItem], list[str]]:
    """Follow the physiotherapist exactly, on the prescribed days, at the prescribed dose.

    The prescription is the dose whatever the patient did before it: on its first day
    (its ``start``, the day it came into force) the dose is exactly the prescribed one,
    whatever pain was logged before it existed (issue 14). From that day pain rules
    (CLINICAL.md §4): red steps the dose back and flags it, amber holds it, and after a red
    the dose builds back up to the prescription by the usual 3 comfortable sessions. Beyond
    the prescription only when it allows progression. An exercise needing equipment the
    patient lacks is kept (the physiotherapist chose it) and marked. Returns the items and
    the ids that are no longer in the library.
    """
    name = weekday_name(day)
    if prescription.start and day < prescription.start:
        return [], []
    by = (
        f"prescribed by {prescription.prescribed_by}"
        if prescription.prescribed_by
        else "prescribed by your physiotherapist"
    )
    allow = prescription.allow_progression
    items: list[PlanItem] = []
    gone: list[str] = []
    for p in prescription.items:
        if name not in p.days:
            continue
        if p.exercise_id not in library:
            gone.append(p.exercise_id)
            continue
        ex = library.get(p.exercise_id)
        base = _prescribed_dose(ex, p.dose)
        mine = [
            a
            for a in tries
            if a.exercise_id == ex.id
            and (prescription.start is None or a.day >= prescription.start)
        ]
        dose, reason, flagged = base, by, False
        if mine:
            step = next_step(
                ex, mine, t, None, None, ceiling=None if allow else base, allow_variants=False
            )
            recovering = any(a.zone is PainZone.RED for a in mine)
            if step.decision in (Decision.STEP_BACK, Decision.AT_BOTTOM):
                dose, reason, flagged = step.dose, f"{by}; {step.reason}", True
            elif step.decision is Decision.HOLD:
                dose = step.dose if allow else _cap(step.dose, base)
                reason = f"{by}; {step.reason}"
            elif recovering and _below(step.dose, base):
                dose = step.dose if allow else _cap(step.dose, base)
                reason = f"{by}; building back up after a painful session: {step.reason}"
            elif allow and not _below(step.dose, base):
                dose, reason = step.dose, f"{by}; {step.reason}"
            elif step.decision is Decision.AT_TOP:
                reason = f"{by}; {step.reason}"
        lacking = missing_equipment(ex, profile) if profile is not None else ()
        items.append(
            PlanItem(ex, dose, reason, estimated_seconds(ex, dose), flagged, p.note, lacking)
        )
    return items, gone


def _prescribed_dose(ex: Exercise, given: Dose) -> Dose:
    """The prescription's dose, with the library's defaults for fields it leaves out."""
    default = ex.default_dose()
    values = {
        f: (getattr(given, f) if getattr(given, f) is not None else getattr(default, f))
        for f in DOSE_FIELDS
    }
    return Dose(**values)


def _cap(dose: Dose, ceiling: Dose) -> Dose:
    values = {}
    for f in DOSE_FIELDS:
        v, c = getattr(dose, f), getattr(ceiling, f)
        values[f] = min(v, c) if v is not None and c is not None else v
    return Dose(**values)


def _below(dose: Dose, other: Dose) -> bool:
    """Is ``dose`` less than ``other`` in some field and more in none?"""
    pairs = [(getattr(dose, f), getattr(other, f)) for f in DOSE_FIELDS]
    pairs = [(a, b) for a, b in pairs if a is not None and b is not None]
    return all(a <= b for a, b in pairs) and any(a < b for a, b in pairs)


__all__ = [
    "Plan",
    "SwapChoice",
    "routine_day",
    "swap_choice",
    "with_swap",
    "forecast",
    "PlanItem",
    "clamp",
    "estimated_seconds",
    "families",
    "plan_for",
    "recent_attempts",
]


# --- the patient's own swap (issue 20) --------------------------------------------------------


class SwapChoice(NamedTuple):
    """What ``plan swap ID`` offers: the routine's exercise to swap, and the others of its
    kind the patient can do, those done in the same position first."""

    current: Exercise
    family: str
    options: tuple[Exercise, ...]


def swap_choice(
    day: date,
    profile: Profile,
    library: Library,
    history: History,
    prescriptions: Prescribed,
    exercise_id: str,
    t: Thresholds = DEFAULT,
) -> SwapChoice:
    """The exercises that could take ``exercise_id``'s place in the routine on ``day``."""
    rules = plan_rules(profile, day)
    if regimen(prescriptions).on(day) is not None:
        raise BackcareError(
            "your physiotherapist's programme is in force, so there is no "
            "routine to change: ask them about the exercise"
        )
    rday = routine_day(
        day, profile, library, history, regimen(prescriptions), t, rules, with_changes=False
    )
    fams = families(library)
    of = {e.id: fam[0].id for fam in fams for e in fam}
    key = of.get(library.canonical(exercise_id))  # a former id names its exercise (issue 27)
    member = next((m for m in rday.routine.members if m.family == key), None)
    if member is None:
        ids = ", ".join(
            rday.current[m.family][0].id for m in rday.routine.members if m.family in rday.current
        )
        raise BackcareError(f"'{exercise_id}' is not in your routine; its exercises are: {ids}")
    current = rday.current[key][0] if key in rday.current else library.get(exercise_id)
    taken = rday.routine.families()
    hurt = {lf.family for lf in rday.routine.left if lf.flagged}
    options = []
    for fam in fams:
        first = fam[0]
        if first.category != current.category or first.id in taken or first.id in hurt:
            continue
        doable = [e for e in fam if can_do(e, profile)]
        usable = [e for e in doable if rules.allows(e)]
        if doable and doable[0].level == 1 and usable:
            options.append(usable[0])
    options.sort(key=lambda e: (e.position != current.position, e.id))
    return SwapChoice(current, member.family, tuple(options))


def with_swap(profile: Profile, day: date, out_id: str, in_id: str) -> Profile:
    """The profile with the patient's swap recorded (from ``day``)."""
    return replace(profile, routine_swaps=[*profile.routine_swaps, RoutineSwap(day, out_id, in_id)])


class RoutineRow(NamedTuple):
    """One exercise of the routine over a report (``progress``'s "Your routine", issue 20):
    its dose at the report's start (or when it joined), its dose now, and its last step."""

    exercise_id: str
    name: str
    category: str
    joined: date
    start: str
    now: str
    last_step: date | None
    last_what: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "exercise_id": self.exercise_id,
            "name": self.name,
            "category": self.category,
            "joined": self.joined.isoformat(),
            "start_dose": self.start,
            "dose_now": self.now,
            "last_step": self.last_step.isoformat() if self.last_step else None,
            "last_change": self.last_what,
        }


def routine_rows(
    first: date,
    last: date,
    profile: Profile | None,
    library: Library,
    history: History,
    prescriptions: Prescribed,
    t: Thresholds = DEFAULT,
) -> tuple[RoutineRow, ...]:
    """The routine as it stands after ``last``, each exercise with its dose on the first
    day of [first, last] it was done (or its starting dose), its dose now and its last step
    in that period. Empty without a profile, or under a prescription."""
    if profile is None:
        return ()
    after = last + timedelta(days=1)
    regime = regimen(prescriptions)
    if regime.on(after) is not None:
        return ()
    recent = history.between(history_window(after, t), last)
    rday = routine_day(after, profile, library, recent, regime, t, plan_rules(profile, after))
    fams = {f[0].id: f for f in families(library)}
    # The first exercise of each family done in the period, as planned (not an extra), in
    # the order of its days: its dose "at the start". Read off the sessions, not built as
    # attempts with their zones, and only until every family has one: a report of ten
    # years holds 29,000 (issue 25).
    wanted = {m.family for m in rday.routine.members if m.family in rday.current}
    families_of: dict[str, list[str]] = {}
    for family in wanted:
        for member in fams[family]:
            families_of.setdefault(member.id, []).append(family)
    starts: dict[str, tuple[str, Dose]] = {}
    for s in sorted(history.between(first, last).sessions, key=lambda s: s.date):
        for e in s.exercises:
            if e.status == "done" and not e.extra:
                for family in families_of.get(e.exercise_id, ()):
                    starts.setdefault(family, (e.exercise_id, e.dose))
        if len(starts) == len(wanted):
            break
    rows = []
    for m in rday.routine.members:
        if m.family not in rday.current:
            continue
        ex, dose = rday.current[m.family]
        mine = starts.get(m.family)
        begin = (library.get(mine[0]), mine[1]) if mine else (ex, dose)
        steps = [c for c in rday.changes.get(m.family, []) if first <= c.day <= last]
        rows.append(
            RoutineRow(
                ex.id,
                ex.name,
                m.category,
                m.joined,
                f"{begin[0].name if begin[0].id != ex.id else ''} "
                f"{begin[1].describe(begin[0].per_side)}".strip(),
                dose.describe(ex.per_side),
                steps[-1].day if steps else None,
                steps[-1].what if steps else None,
            )
        )
    return tuple(rows)
