"""The daily plan: (profile, library, prescription, history, day) → plan. Pure and
deterministic: the same inputs give the same plan, byte for byte.

- Every exercise day holds each of the four kinds of exercise (CLINICAL.md §1), fits the
  patient's minutes, and uses only the equipment and positions they have.
- Exercises come in families (an exercise with its easier and harder variants). A new
  patient starts each family at level 1 and the low end of each dose range (CLINICAL.md §2).
- Families rotate across days, so the same muscles are not drilled the same way every day.
- Dose and variant follow the pain-guided rules of CLINICAL.md §4 (``progression.py``).
- A flare-up gives a gentle plan with no progression; a prescription is followed exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from backcare.clinical import DEFAULT, Thresholds
from backcare.errors import SafetyStop
from backcare.library import Library
from backcare.messages import BLOCKED_UNTIL_CLEARED, NO_PROFILE_HINT, TIPS
from backcare.models import CATEGORIES, Dose, Exercise, History, Prescription, Profile
from backcare.progression import Attempt, Decision, Next, attempts, clamp, next_step, step_down
from backcare.safety import flare_active, red_flag_advice, seek_help
from backcare.schedule import is_planned_day, weekday_name

# Time estimates: seconds per repetition besides any hold, and to get into position.
SECONDS_PER_REP = 4
SECONDS_TO_SET_UP = 15
# The shortest aerobic block worth doing when the minutes are tight.
MIN_AEROBIC_MINUTES = 5
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

    def to_dict(self) -> dict[str, Any]:
        ex = self.exercise
        return {
            "exercise_id": ex.id, "name": ex.name, "category": ex.category,
            **self.dose.to_dict(), "reason": self.reason,
            "per_side": ex.per_side, "level": ex.level, "position": ex.position,
            "equipment": [e for e in ex.equipment if e != "none"],
            "rest_seconds": ex.dose.rest_seconds,
            "minutes": round(self.seconds / 60, 1), "flagged": self.flagged, "note": self.note,
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

    @property
    def total_minutes(self) -> float:
        return round(sum(i.seconds for i in self.items) / 60, 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(), "mode": self.mode,
            "total_minutes": self.total_minutes, "items": [i.to_dict() for i in self.items],
            "warnings": list(self.warnings), "rest_day": self.rest_day,
            "budget_minutes": self.budget_minutes, "tip": self.tip,
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
             prescription: Prescription | None, history: History,
             t: Thresholds = DEFAULT) -> Plan:
    """Today's plan. Raises :class:`SafetyStop` while a red flag is not cleared."""
    if profile is not None and profile.blocked_by_red_flag:
        raise SafetyStop(red_flag_advice(profile.red_flags) + " " + BLOCKED_UNTIL_CLEARED)
    warnings: list[str] = []
    if profile is None:
        warnings.append(NO_PROFILE_HINT)
    who = profile or beginner_profile(day)
    advice = seek_help(profile, history, day, t)
    warnings += [a.message for a in advice]
    tip = TIPS[day.toordinal() % len(TIPS)]
    tries = attempts(history, t, before=day)
    flare, why = flare_active(history, day, t)
    budget = who.minutes_per_day

    if flare:
        warnings.insert(0, f"Flare-up ({why}): today is a gentle plan with no progression. "
                           "Keep moving gently; it helps recovery (NICE NG59, NHS).")
        if prescription is not None:
            warnings.append("Your physiotherapist's programme is paused until the flare-up "
                            "settles.")
        items = _flare_items(day, who, library, budget)
        return Plan(day, "flare", tuple(items), tuple(warnings), tip, False, budget,
                    tuple(advice))
    if prescription is not None:
        items = _prescribed_items(day, prescription, library, tries, t)
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
        return Plan(day, "normal", (), tuple(warnings), tip, True, budget, tuple(advice))
    items, missing = _normal_items(day, who, library, tries, t, budget)
    for cat in missing:
        warnings.append(f"No {cat} exercise fits your equipment and positions; ask your "
                        "physiotherapist for one, or add equipment with 'backcare init'.")
    return Plan(day, "normal", tuple(items), tuple(warnings), tip, False, budget, tuple(advice))


def _rotation(options: list[Any], day: date) -> list[Any]:
    """The same list, started at a different place each day (deterministic)."""
    if not options:
        return options
    k = day.toordinal() % len(options)
    return options[k:] + options[:k]


def _candidates(day: date, profile: Profile, library: Library, tries: list[Attempt],
                t: Thresholds) -> dict[str, list[Next]]:
    """For each category, one next step per family the patient can do, in today's order."""
    by_ex: dict[str, list[Attempt]] = {}
    since = history_window(day, t)
    for a in tries:
        if a.day >= since:
            by_ex.setdefault(a.exercise_id, []).append(a)
    out: dict[str, list[Next]] = {c: [] for c in CATEGORIES}
    for fam in families(library):
        doable = [e for e in fam if can_do(e, profile)]
        if not doable:
            continue
        done = [(by_ex[e.id][-1].day, e) for e in doable if e.id in by_ex]
        if done:
            # The variant done most recently is the one the patient is working at.
            current = max(done, key=lambda x: (x[0], x[1].level))[1]
        else:
            current = doable[0]
            if current.level != 1:
                continue  # a new family starts at level 1 (issue 3)
        harder = library.exercises.get(current.progresses_to or "")
        easier = library.exercises.get(current.regresses_to or "")
        step = next_step(current, by_ex.get(current.id, []), t,
                         harder if harder and can_do(harder, profile) else None,
                         easier if easier and can_do(easier, profile) else None)
        out[current.category].append(step)
    return {c: _rotation(steps, day) for c, steps in out.items()}


def _item(library: Library, step: Next) -> PlanItem:
    ex = library.get(step.exercise_id)
    return PlanItem(ex, step.dose, step.reason, estimated_seconds(ex, step.dose), step.flagged)


def _normal_items(day: date, profile: Profile, library: Library, tries: list[Attempt],
                  t: Thresholds, budget: int) -> tuple[list[PlanItem], list[str]]:
    options = _candidates(day, profile, library, tries, t)
    budget_s = budget * 60
    chosen: dict[str, list[PlanItem]] = {c: [] for c in CATEGORIES}
    missing = [c for c in CATEGORIES if not options[c]]
    # 1. One of each non-aerobic kind: the first in today's rotation that fits, leaving room
    #    for a short aerobic block; the shortest one if none fits.
    reserve = MIN_AEROBIC_MINUTES * 60 if options["aerobic"] else 0
    used = 0
    for cat in ("strengthening", "stretching", "posture"):
        if not options[cat]:
            continue
        items = [_item(library, s) for s in options[cat]]
        left = budget_s - reserve - used
        pick = next((i for i in items if i.seconds <= left),
                    min(items, key=lambda i: (i.seconds, i.exercise.id)))
        chosen[cat].append(pick)
        used += pick.seconds
    # 2. The aerobic block: its dose, shortened to fit the minutes left if it must be.
    if options["aerobic"]:
        step = options["aerobic"][0]
        item = _item(library, step)
        left_min = (budget_s - used) // 60
        minutes = item.dose.duration_minutes or MIN_AEROBIC_MINUTES
        if minutes > left_min:
            short = max(MIN_AEROBIC_MINUTES, left_min)
            dose = Dose(duration_minutes=short)
            item = PlanItem(item.exercise, dose,
                            f"{item.reason}; shortened to {short} min to fit your "
                            f"{budget} minutes", short * 60, item.flagged)
        chosen["aerobic"].append(item)
        used += item.seconds
    # 3. More exercises, round the kinds, while they fit.
    added = True
    while added:
        added = False
        for cat in FILL_ORDER:
            if len(chosen[cat]) >= MAX_PER_CATEGORY:
                continue
            taken = {i.exercise.id for i in chosen[cat]}
            for step in options[cat][1:]:
                if step.exercise_id in taken:
                    continue
                item = _item(library, step)
                if used + item.seconds <= budget_s:
                    chosen[cat].append(item)
                    used += item.seconds
                    added = True
                break
    items = [i for c in CATEGORIES for i in chosen[c]]
    return items, missing


def _flare_items(day: date, profile: Profile, library: Library, budget: int) -> list[PlanItem]:
    """CLINICAL.md §4 flare-up: mobility stretches, posture, a short walk, and only the
    gentlest strengthening; everything at level 1 and its lowest dose; no progression."""
    reason = "flare-up: gentle mobility only"
    items: list[PlanItem] = []
    used = 0
    for cat in ("stretching", "strengthening", "posture", "aerobic"):
        pool = sorted((e for e in library.by_category(cat) if e.level == 1 and
                       can_do(e, profile)), key=lambda e: (estimated_seconds(e, e.start_dose()),
                                                           e.id))
        if not pool:
            continue
        if cat == "aerobic":
            walk = [e for e in pool if e.position in ("moving", "standing")] or pool
            ex = walk[0]
            minutes = min(ex.start_dose().duration_minutes or MIN_AEROBIC_MINUTES,
                          max(MIN_AEROBIC_MINUTES, budget - used // 60), 10)
            items.append(PlanItem(ex, Dose(duration_minutes=minutes),
                                  "flare-up: a short, easy walk keeps you moving",
                                  minutes * 60))
            continue
        count = 2 if cat == "stretching" else 1
        for ex in _rotation(pool, day)[:count]:
            dose = ex.start_dose()
            items.append(PlanItem(ex, dose, reason if cat != "strengthening" else
                                  "flare-up: the gentlest strengthening, easiest dose",
                                  estimated_seconds(ex, dose)))
            used += items[-1].seconds
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(items, key=lambda i: order[i.exercise.category])


def _prescribed_items(day: date, prescription: Prescription, library: Library,
                      tries: list[Attempt], t: Thresholds) -> list[PlanItem]:
    """Follow the physiotherapist exactly, on the prescribed days. The dose never goes
    beyond the prescription unless it allows progression; red still steps back (safety)."""
    name = weekday_name(day)
    if prescription.start and day < prescription.start:
        return []
    by = f"prescribed by {prescription.prescribed_by}" if prescription.prescribed_by \
        else "prescribed by your physiotherapist"
    since = history_window(day, t)
    items = []
    for p in prescription.items:
        if name not in p.days or p.exercise_id not in library:
            continue
        ex = library.get(p.exercise_id)
        base = _prescribed_dose(ex, p.dose)
        mine = [a for a in tries if a.exercise_id == ex.id and a.day >= since]
        if not mine:
            dose, reason, flagged = base, by, False
        else:
            # Without allow_progression the prescription is the ceiling, and the start.
            step = next_step(ex, [a for a in mine], t, None, None,
                             ceiling=None if prescription.allow_progression else base,
                             allow_variants=False)
            flagged = step.flagged
            dose = step.dose
            if not prescription.allow_progression and step.decision in (
                    Decision.NEW, Decision.CONTINUE, Decision.AT_TOP, Decision.HOLD):
                dose = _cap(dose, base)
            reason = f"{by}; {step.reason}"
            if step.decision is Decision.AT_BOTTOM and step_down(ex, dose, t) is None:
                flagged = True
        items.append(PlanItem(ex, dose, reason, estimated_seconds(ex, dose), flagged, p.note))
    return items


def _prescribed_dose(ex: Exercise, given: Dose) -> Dose:
    """The prescription's dose, with the library's defaults for fields it leaves out."""
    default = ex.default_dose()
    values = {f: (getattr(given, f) if getattr(given, f) is not None else getattr(default, f))
              for f in ("sets", "reps", "hold_seconds", "duration_minutes")}
    return Dose(**values)


def _cap(dose: Dose, ceiling: Dose) -> Dose:
    values = {}
    for f in ("sets", "reps", "hold_seconds", "duration_minutes"):
        v, c = getattr(dose, f), getattr(ceiling, f)
        values[f] = min(v, c) if v is not None and c is not None else v
    return Dose(**values)


__all__ = ["Plan", "PlanItem", "plan_for", "estimated_seconds", "families", "clamp"]
