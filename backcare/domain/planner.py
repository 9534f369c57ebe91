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
from typing import Any

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
    regimen,
)
from backcare.domain.progression import (
    Attempt,
    Decision,
    Next,
    PainZone,
    attempts,
    clamp,
    last_attempt,
    next_step,
    step_down,
)
from backcare.domain.safety import flare_active, red_flag_stop, seek_help
from backcare.domain.schedule import is_planned_day, weekday_name
from backcare.errors import SafetyStop
from backcare.messages import DISCLAIMER, DISCLAIMER_SHORT, NO_PROFILE_HINT, TIPS

# Time estimates: seconds per repetition besides any hold, and to get into position.
SECONDS_PER_REP = 4
SECONDS_TO_SET_UP = 15
# The shortest aerobic block worth doing when the minutes are tight.
MIN_AEROBIC_MINUTES = 5
# A flare-up's walk is short and easy (CLINICAL.md §4).
FLARE_WALK_MAX_MINUTES = 10
# Order in which extra exercises are added once each kind is in the plan.
FILL_ORDER = ("strengthening", "stretching", "posture")
MAX_PER_CATEGORY = 3


def estimated_seconds(ex: Exercise, dose: Dose) -> int:
    """How long an exercise takes at a dose, rests included."""
    if dose.reps is None:
        return (dose.duration_minutes or 0) * 60
    per_rep = (dose.hold_seconds or 0) + SECONDS_PER_REP
    sides = 2 if ex.per_side else 1
    sets = dose.sets or 1
    return (SECONDS_TO_SET_UP + sets * dose.reps * per_rep * sides
            + (sets - 1) * ex.dose.rest_seconds)


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
            "exercise_id": ex.id, "name": ex.name, "category": ex.category,
            **self.dose.to_dict(), "reason": self.reason,
            "per_side": ex.per_side, "level": ex.level, "position": ex.position,
            "equipment": [e for e in ex.equipment if e != "none"],
            "cautions": list(ex.cautions),  # where the patient exercises (issue 11)
            "rest_seconds": ex.dose.rest_seconds,
            "minutes": round(self.seconds / 60, 1), "flagged": self.flagged, "note": self.note,
            "missing_equipment": list(self.missing_equipment),
        }


@dataclass(frozen=True)
class Plan:
    date: date
    mode: str  # normal | flare | prescribed
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

    @property
    def total_minutes(self) -> float:
        return round(sum(i.seconds for i in self.items) / 60, 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(), "mode": self.mode,
            "total_minutes": self.total_minutes, "items": [i.to_dict() for i in self.items],
            "warnings": list(self.warnings), "rest_day": self.rest_day,
            "budget_minutes": self.budget_minutes, "tip": self.tip,
            "left_out": [{"exercise_id": ex.id, "name": ex.name, "reason": why}
                         for ex, why in self.left_out],
            "disclaimer": self.disclaimer,
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

def plan_for(day: date, profile: Profile | None, library: Library,
             prescription: Prescribed, history: History,
             t: Thresholds = DEFAULT) -> Plan:
    """Today's plan. Raises :class:`SafetyStop` while a red flag is not cleared: one at the
    safety screen, or at any check-in in ``history`` since the last clearance
    (:func:`~backcare.domain.safety.red_flag_stop`)."""
    prescriptions = regimen(prescription)
    plan = _plan_for(day, profile, library, prescriptions, history, t)
    # Before init the patient has not seen the disclaimer at all: the whole of it.
    return plan if profile is not None else replace(plan, disclaimer=DISCLAIMER)


def _plan_for(day: date, profile: Profile | None, library: Library,
              prescriptions: PrescriptionHistory, history: History,
              t: Thresholds) -> Plan:
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
            warnings.append(f"Your physiotherapist's programme starts on "
                            f"{coming.start.isoformat()}; until then your plan stays as it "
                            "was.")
        elif prescription is not None:
            warnings.append(f"Your physiotherapist's programme ends on "
                            f"{coming.start.isoformat()}.")
    if profile is None:
        warnings.append(NO_PROFILE_HINT)
    who = profile or beginner_profile(day)
    advice = seek_help(profile, history, day, t)
    warnings += [a.message for a in advice]
    due = reassessment_due(profile, history, day, t)
    if due:
        warnings.append(due)
    tip = TIPS[day.toordinal() % len(TIPS)]
    tries = recent_attempts(history, day, t)
    flare, why = flare_active(history, day, t)
    budget = who.minutes_per_day
    rules = plan_rules(profile, day)
    left_out = _left_out(library, who, rules)

    if flare:
        warnings.insert(0, f"Flare-up ({why}): today is a gentle plan with no progression. "
                           "Keep moving gently; it helps recovery (NICE NG59, NHS).")
        if prescription is not None:
            warnings.append("Your physiotherapist's programme is paused until the flare-up "
                            "settles.")
        if not is_planned_day(day, who, prescriptions):  # a rest day stays a rest day
            warnings.append("Today is a rest day in your programme. A gentle walk is still "
                            "good for your back.")
            return Plan(day, "flare", (), tuple(warnings), tip, True, budget, tuple(advice),
                        left_out)
        items = _flare_items(day, who, library, budget, rules)
        return Plan(day, "flare", tuple(items), tuple(warnings), tip, False, budget,
                    tuple(advice), left_out)
    if prescription is not None:
        items, gone = _prescribed_items(day, prescription, library, tries, t, who)
        for ident in gone:
            warnings.append(f"'{ident}' in your prescription is not in the exercise library "
                            "any more; please ask your physiotherapist.")
        # The physiotherapist's programme is followed; a condition's rule is pointed out.
        for item in items:
            ruled = rules.left_out_why(item.exercise)
            if ruled:
                warnings.append(f"Your programme includes {item.exercise.name}, which backcare "
                                f"would leave out for {ruled}. Please check it with your "
                                "physiotherapist.")
        for item in items:
            if item.missing_equipment:
                warnings.append(f"{item.exercise.name} needs "
                                f"{_and(item.missing_equipment)}, which your profile does "
                                "not list; your physiotherapist chose it, so it stays in "
                                "your plan. Ask them about it if you cannot get it.")
        rest = not items
        if rest:
            warnings.append("No exercises are prescribed for today. A gentle walk is still "
                            "good for your back.")
        return Plan(day, "prescribed", tuple(items), tuple(warnings), tip, rest, None,
                    tuple(advice))
    if not is_planned_day(day, who):
        if day < who.start_date:
            warnings.append(f"Your programme starts on {who.start_date.isoformat()}.")
        else:
            warnings.append("Today is a rest day in your programme. A gentle walk is still "
                            "good for your back.")
        return Plan(day, "normal", (), tuple(warnings), tip, True, budget, tuple(advice),
                    left_out)
    items, missing, over = _normal_items(day, who, library, tries, t, budget, rules)
    for cat in missing:
        warnings.append(f"No {cat} exercise fits your equipment and positions; ask your "
                        "physiotherapist for one, or add equipment with 'backcare init'.")
    if over:
        total = sum(i.seconds for i in items)
        warnings.append(f"Even the shortest plan takes about {-(-total // 60)} minutes, more "
                        f"than your {budget}: everything is at its easiest dose. Do what you "
                        "can, or give it more time with 'backcare init --minutes N'.")
    return Plan(day, "normal", tuple(items), tuple(warnings), tip, False, budget, tuple(advice),
                left_out)


def _left_out(library: Library, profile: Profile, rules: PlanRules
              ) -> tuple[tuple[Exercise, str], ...]:
    """The exercises the patient could do that a condition's rule leaves out, with why."""
    if not rules.leave_out:
        return ()
    order = {c: i for i, c in enumerate(CATEGORIES)}
    found = [(e, why) for e in library if can_do(e, profile)
             and (why := rules.left_out_why(e)) is not None]
    return tuple(sorted(found, key=lambda f: (order[f[0].category], f[0].level, f[0].id)))


def forecast(first: date, days: int, profile: Profile | None, library: Library,
             prescription: Prescribed, history: History,
             t: Thresholds = DEFAULT) -> list[Plan]:
    """The plans of the ``days`` days from ``first`` that have exercises, as today's log
    predicts them (the calendar export). On the day itself the plan adapts to how the
    sessions before it went."""
    plans = []
    for offset in range(days):
        d = first + timedelta(days=offset)
        if is_planned_day(d, profile, prescription):
            plan = plan_for(d, profile, library, prescription, history, t)
            if not plan.rest_day and plan.items:
                plans.append(plan)
    return plans


def recent_attempts(history: History, day: date, t: Thresholds = DEFAULT) -> list[Attempt]:
    """The attempts before ``day`` that still count: an exercise not done for 6 weeks
    (``planner_lookback_days``) restarts at its entry dose. An extra, done on top of a day's
    plan, never sets a dose (issue 11): a long walk on a rest day is not the next walk."""
    since = history_window(day, t)
    return [a for a in attempts(history, t, before=day) if a.day > since and not a.extra]


def reassessment_due(profile: Profile | None, history: History, day: date,
                     t: Thresholds = DEFAULT) -> str | None:
    """A line when a questionnaire is due: every 2 weeks (issue 5), so that function is
    measured, not just pain. ``history`` holds at least the last ``reassess_days`` days."""
    if profile is None or day < profile.start_date:
        return None
    done = [a.date for a in history.assessments if a.date <= day]
    if not done:
        return ("A short questionnaire measures how your back affects daily life: try "
                "'backcare assess odi' (or rmdq, psfs, peg) now, then every 2 weeks.")
    last = max(done)
    if (day - last).days >= t.reassess_days:
        return (f"A questionnaire is due: your last was on {last.isoformat()}. "
                "'backcare assess odi' (or the one you used before) shows your progress.")
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


def _candidates(day: date, profile: Profile, library: Library, tries: list[Attempt],
                t: Thresholds, rules: PlanRules = NO_RULES) -> dict[str, list[Next]]:
    """For each category, one next step per family the patient can do, in today's order."""
    by_ex: dict[str, list[Attempt]] = {}
    for a in tries:
        by_ex.setdefault(a.exercise_id, []).append(a)
    out: dict[str, list[Next]] = {c: [] for c in CATEGORIES}
    for fam in families(library):
        doable = [e for e in fam if can_do(e, profile)]
        allowed = [e for e in doable if rules.allows(e)]  # CLINICAL.md §8
        if not allowed:
            continue
        last_red = max((a.day for e in fam for a in by_ex.get(e.id, ())
                        if a.zone is PainZone.RED), default=None)
        if rules.hold_at_start:
            out[allowed[0].category].append(_held_at_start(allowed[0], by_ex, t, last_red))
            continue
        would_be = _current(doable, by_ex)
        current = _current(allowed, by_ex)
        instead = would_be if would_be is not None and not rules.allows(would_be) else None
        if instead is not None and current is None:
            lower = [e for e in allowed if e.level <= instead.level]
            current = lower[-1] if lower else allowed[0]
        if current is None:
            continue
        harder = library.exercises.get(current.progresses_to or "")
        easier = library.exercises.get(current.regresses_to or "")
        harder = harder if harder and can_do(harder, profile) else None
        easier = easier if easier and can_do(easier, profile) else None
        # Greens before a red do not count after it, whichever variant was red (issue 11):
        # harder → easier → harder again needs the full count of new greens each time.
        mine = by_ex.get(current.id, [])
        step = next_step(current, mine, t, harder if rules.allows(harder) else None,
                         easier if rules.allows(easier) else None, since=last_red)
        if instead is None and step.exercise_id == current.id and (harder or easier):
            free = next_step(current, mine, t, harder, easier, since=last_red)
            if free.exercise_id != current.id:  # the variant it would have been is left out
                instead = library.get(free.exercise_id)
        if instead is not None:
            step = replace(step, reason=f"{step.reason}; in place of {instead.name}, left out "
                                        f"for {rules.left_out_why(instead)}")
        out[current.category].append(step)
    ordered = {c: _rotation(steps, day) for c, steps in out.items()}
    if rules.keep_mobility:
        ordered["stretching"] = _mobility_first(ordered["stretching"], library)
    if rules.balance_first:  # osteoporosis favours balance work (CLINICAL.md §8, issue 21)
        balance = [s for s in ordered["posture"] if is_balance(library.get(s.exercise_id))]
        ordered["posture"] = [replace(s, reason=f"{s.reason}; {BALANCE_WHY}")
                              for s in balance[:1]] + \
            [s for s in ordered["posture"] if s not in balance[:1]]
    return ordered


def _held_at_start(ex: Exercise, by_ex: dict[str, list[Attempt]], t: Thresholds,
                   last_red: date | None) -> Next:
    """Recent spinal surgery (CLINICAL.md §8): the family's entry at its starting dose, with
    no progression; a red is still flagged for the physiotherapist."""
    seen = next_step(ex, by_ex.get(ex.id, []), t, None, None, allow_variants=False,
                     since=last_red)
    why = f"starting dose: {HOLD_AT_START_WHY}"
    if seen.flagged:
        why += f"; {seen.reason}"
    return Next(Decision.HOLD, ex.id, ex.start_dose(), why, seen.flagged)


def _mobility_first(steps: list[Next], library: Library) -> list[Next]:
    """Inflammatory back pain (CLINICAL.md §8, NICE NG65): the spinal mobility and extension
    work comes first among the stretches, so that every plan keeps it, and says why."""
    def mobile(step: Next) -> bool:
        return is_mobility(library.get(step.exercise_id))

    return [replace(s, reason=f"{s.reason}; {KEEP_MOBILITY_WHY}") for s in steps if mobile(s)] \
        + [s for s in steps if not mobile(s)]


def _item(library: Library, step: Next) -> PlanItem:
    ex = library.get(step.exercise_id)
    return PlanItem(ex, step.dose, step.reason, estimated_seconds(ex, step.dose), step.flagged)


def _at(item: PlanItem, dose: Dose, why: str) -> PlanItem:
    """The same item at another dose, saying why."""
    return PlanItem(item.exercise, dose, f"{item.reason}; {why}",
                    estimated_seconds(item.exercise, dose), item.flagged, item.note)


def _lowest(item: PlanItem, t: Thresholds, budget: int) -> PlanItem:
    """An item at the bottom of its ranges, for a day short of time."""
    dose = item.dose
    while (lower := step_down(item.exercise, dose, t)) is not None:
        dose = lower
    return item if dose == item.dose else _at(item, dose, f"less today to fit your {budget} "
                                                          "minutes")


NON_AEROBIC = ("strengthening", "stretching", "posture")


def _normal_items(day: date, profile: Profile, library: Library, tries: list[Attempt],
                  t: Thresholds, budget: int, rules: PlanRules = NO_RULES
                  ) -> tuple[list[PlanItem], list[str], bool]:
    """One exercise of each kind, then more while the minutes last.

    The minutes are honoured in this order: pick, in each kind, today's first option that
    still leaves room for the shortest of the kinds after it and a short aerobic block;
    shorten the aerobic block (to 5 minutes at the least); lower today's doses, longest
    first; take each kind's shortest option at its lowest dose. If even that does not fit,
    every kind stays in (CLINICAL.md §1) and the third value is True, for a warning.
    """
    options = {c: [_item(library, s) for s in steps]
               for c, steps in _candidates(day, profile, library, tries, t, rules).items()}
    budget_s = budget * 60
    chosen: dict[str, list[PlanItem]] = {c: [] for c in CATEGORIES}
    missing = [c for c in CATEGORIES if not options[c]]
    aerobic = options["aerobic"][0] if options["aerobic"] else None
    reserve = min(MIN_AEROBIC_MINUTES * 60, aerobic.seconds) if aerobic else 0
    shortest = {c: min((i.seconds for i in options[c]), default=0) for c in NON_AEROBIC}
    used = 0
    # 1. One of each non-aerobic kind: the first in today's rotation that fits.
    for n, cat in enumerate(NON_AEROBIC):
        if not options[cat]:
            continue
        left = budget_s - reserve - used - sum(shortest[c] for c in NON_AEROBIC[n + 1:])
        pick = next((i for i in options[cat] if i.seconds <= left),
                    min(options[cat], key=lambda i: (i.seconds, i.exercise.id)))
        chosen[cat].append(pick)
        used += pick.seconds
    # 2. The aerobic block: its dose, shortened to fit the minutes left if it must be.
    if aerobic is not None:
        item = aerobic
        minutes = item.dose.duration_minutes
        left_min = (budget_s - used) // 60
        if minutes is not None and item.dose.reps is None and minutes > left_min:
            short = min(minutes, max(MIN_AEROBIC_MINUTES, left_min))
            if short < minutes:
                item = _at(item, item.dose._replace(duration_minutes=short),
                           f"shortened to {short} min to fit your {budget} minutes")
        chosen["aerobic"].append(item)

    def total() -> int:
        return sum(i.seconds for c in CATEGORIES for i in chosen[c])

    # 3. Still too long: lower today's doses, the longest exercise first.
    while total() > budget_s:
        lowerable = [(i.seconds, i.exercise.id, c) for c in NON_AEROBIC for i in chosen[c]
                     if step_down(i.exercise, i.dose, t) is not None]
        if not lowerable:
            break
        _, _, cat = max(lowerable)
        item = chosen[cat][0]
        dose = step_down(item.exercise, item.dose, t)
        assert dose is not None
        why = f"less today to fit your {budget} minutes"
        chosen[cat] = [_at(item, dose, why) if why not in item.reason else
                       PlanItem(item.exercise, dose, item.reason,
                                estimated_seconds(item.exercise, dose), item.flagged)]
    # 4. Still too long: each kind's shortest option at its lowest dose.
    if total() > budget_s:
        for cat in NON_AEROBIC:
            if options[cat]:
                chosen[cat] = [min((_lowest(i, t, budget) for i in options[cat]),
                                   key=lambda i: (i.seconds, i.exercise.id))]
    over = total() > budget_s
    used = total()
    # 5. More exercises, round the kinds, while they fit.
    added = not over
    while added:
        added = False
        for cat in FILL_ORDER:
            if len(chosen[cat]) >= MAX_PER_CATEGORY:
                continue
            taken = {i.exercise.id for i in chosen[cat]}
            for item in options[cat]:
                if item.exercise.id in taken:
                    continue
                if used + item.seconds <= budget_s:
                    chosen[cat].append(item)
                    used += item.seconds
                    added = True
                break
    items = [i for c in CATEGORIES for i in chosen[c]]
    return items, missing, over


def _flare_items(day: date, profile: Profile, library: Library, budget: int,
                 rules: PlanRules = NO_RULES) -> list[PlanItem]:
    """CLINICAL.md §4 flare-up: mobility stretches, posture, a short walk, and only the
    gentlest strengthening; everything at level 1 and its lowest dose; no progression.
    It fits the patient's minutes, keeping room for the walk. The conditions' rules apply
    (CLINICAL.md §8): nothing they leave out, and the mobility work first."""
    def pool(cat: str) -> list[Exercise]:
        return sorted((e for e in library.by_category(cat) if e.level == 1 and
                       can_do(e, profile) and rules.allows(e)),
                      key=lambda e: (estimated_seconds(e, e.start_dose()), e.id))

    def today(cat: str) -> list[Exercise]:
        rotated = _rotation(pool(cat), day)
        if rules.keep_mobility and cat == "stretching":
            return [e for e in rotated if is_mobility(e)] + \
                [e for e in rotated if not is_mobility(e)]
        return rotated

    budget_s = budget * 60
    walks = pool("aerobic")
    walk = next(iter([e for e in walks if e.position in ("moving", "standing")] or walks), None)
    walk_dose = walk.start_dose() if walk else None
    walk_min = walk_dose.duration_minutes if walk_dose else None
    reserve = min(MIN_AEROBIC_MINUTES, walk_min or 0) * 60
    reasons = {"stretching": "flare-up: gentle mobility only",
               "posture": "flare-up: gentle mobility only",
               "strengthening": "flare-up: the gentlest strengthening, easiest dose"}
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
            minutes = min(walk_min, max(MIN_AEROBIC_MINUTES, (budget_s - used) // 60),
                          FLARE_WALK_MAX_MINUTES)
            dose = dose._replace(duration_minutes=minutes)
        items.append(PlanItem(walk, dose, "flare-up: a short, easy walk keeps you moving",
                              estimated_seconds(walk, dose)))
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(items, key=lambda i: order[i.exercise.category])


def _and(names: tuple[str, ...]) -> str:
    return " and ".join([", ".join(names[:-1]), names[-1]] if len(names) > 1 else names)


def missing_equipment(ex: Exercise, profile: Profile) -> tuple[str, ...]:
    """What an exercise needs that the patient has not said they have."""
    have = set(profile.equipment) | {"none"}
    return tuple(e for e in ex.equipment if e not in have)


def _prescribed_items(day: date, prescription: Prescription, library: Library,
                      tries: list[Attempt], t: Thresholds, profile: Profile | None = None
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
    by = f"prescribed by {prescription.prescribed_by}" if prescription.prescribed_by \
        else "prescribed by your physiotherapist"
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
        mine = [a for a in tries if a.exercise_id == ex.id
                and (prescription.start is None or a.day >= prescription.start)]
        dose, reason, flagged = base, by, False
        if mine:
            step = next_step(ex, mine, t, None, None, ceiling=None if allow else base,
                             allow_variants=False)
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
        items.append(PlanItem(ex, dose, reason, estimated_seconds(ex, dose), flagged, p.note,
                              lacking))
    return items, gone


def _prescribed_dose(ex: Exercise, given: Dose) -> Dose:
    """The prescription's dose, with the library's defaults for fields it leaves out."""
    default = ex.default_dose()
    values = {f: (getattr(given, f) if getattr(given, f) is not None else getattr(default, f))
              for f in DOSE_FIELDS}
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
    "forecast",
    "PlanItem",
    "clamp",
    "estimated_seconds",
    "families",
    "plan_for",
    "recent_attempts",
]
