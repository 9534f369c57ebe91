"""The routine: the same few exercises, learned and progressed week by week (issue 20).

A home programme works when the patient does the same few exercises often enough to learn
them, and the doses go up week by week (docs/clinical.md §1, §4). So, without a
physiotherapist's prescription, each training day's plan comes from one routine:

- **Its size** fits the patient's minutes: 5 to 10 exercises, covering stretching,
  strengthening, aerobic and posture work (docs/clinical.md §1), with only the equipment,
  positions and conditions the patient has (docs/clinical.md §8).
- **The same exercises every training day.** When even their starting doses do not fit the
  minutes, the non-aerobic ones are split into two halves done on alternating training days
  (an A/B split), only with 4 or more training days a week, so that each is done at least
  twice a week.
- **It changes only for a reason**, and says which:
  - a dose or variant step (``progression.py``);
  - a swap: an exercise that hurt 7/10 or more once, or was red twice in 14 days, is
    replaced by another of its kind and flagged; the patient may ask for a swap too
    (``plan swap``), which is kept in the profile;
  - a change of minutes, equipment or conditions;
  - a review is proposed every 6 weeks, and never applied silently.

Pure and deterministic: the routine on a day is worked out from the profile, the library,
the patient's swaps and the log of the planner's weeks (``planner_lookback_days``): the
families the patient has been doing stay, in the order they joined; a family swapped out
stays out while what made it so is in those weeks, and by then its replacement has taken its
place. Days under a prescription or a flare-up, and extras, say nothing about the routine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from backcare.domain.clinical import DEFAULT, Thresholds
from backcare.domain.conditions import NO_RULES, PlanRules, is_balance, is_mobility
from backcare.domain.library import Library
from backcare.domain.models import CATEGORIES, Dose, Exercise, Profile, RoutineSwap
from backcare.domain.progression import Attempt, PainZone
from backcare.domain.words import short_date

# How many exercises of each kind, by the patient's minutes a day (the first row whose
# minutes are not exceeded): 5 at 15 minutes or less, up to 10 (issue 20).
SIZES: tuple[tuple[int | None, dict[str, int]], ...] = (
    (15, {"stretching": 1, "strengthening": 2, "aerobic": 1, "posture": 1}),
    (25, {"stretching": 2, "strengthening": 2, "aerobic": 1, "posture": 1}),
    (35, {"stretching": 2, "strengthening": 3, "aerobic": 1, "posture": 2}),
    (50, {"stretching": 3, "strengthening": 3, "aerobic": 1, "posture": 2}),
    (None, {"stretching": 3, "strengthening": 4, "aerobic": 1, "posture": 2}),
)
MIN_SIZE, MAX_SIZE = 5, 10
MIN_AEROBIC_MINUTES = 5
NON_AEROBIC = ("stretching", "strengthening", "posture")
# The share of their minutes the other exercises start at: the rest is room for their doses
# to grow before a step has to wait for the harder variant.
START_SHARE = 0.6

# The families a routine draws on first, by the id of any of their variants: the core of
# home programmes for low back pain (docs/clinical.md §1: bridging, four-point kneeling,
# abdominal bracing, hip and hamstring stretches, spinal mobility, walking, and the
# sit-to-stand and hinge of everyday posture). Families not named here follow, in the
# library's order, so a physiotherapist's own library works too.
PREFERENCE: dict[str, tuple[str, ...]] = {
    "stretching": (
        "knee-to-chest",
        "cat-cow",
        "seated-buttock-stretch",
        "pelvic-tilt",
        "seated-hamstring-stretch",
        "hamstring-stretch",
        "standing-hip-flexor-stretch",
        "standing-back-bend",
        "knee-rolls",
        "standing-side-bend",
        "bottom-to-heels-stretch",
        "seated-twist",
    ),
    "strengthening": (
        "bridge",
        "all-fours-arm-reach",
        "abdominal-bracing",
        "clam",
        "mini-squat",
        "seated-abdominal-bracing",
        "heel-raises",
        "seated-knee-straightening",
    ),
    "aerobic": (
        "walking",
        "exercise-bike",
        "walking-in-water",
        "marching-on-the-spot",
        "seated-marching",
        "side-stepping",
        "seated-arm-and-leg-pumping",
    ),
    "posture": (
        "getting-up-from-a-chair",
        "hip-hinge",
        "shoulder-blade-squeeze",
        "sitting-posture",
        "standing-posture",
        "chin-tucks",
        "finding-your-middle-back-position",
        "getting-out-of-bed",
        "desk-break",
        "carrying-technique",
    ),
}


@dataclass(frozen=True)
class Change:
    """One change to a routine exercise: when, what, and why."""

    day: date
    what: str
    why: str

    def to_dict(self) -> dict[str, str]:
        return {"date": self.day.isoformat(), "what": self.what, "why": self.why}


@dataclass(frozen=True)
class Member:
    """One exercise of the routine: a family, worked at one of its variants."""

    family: str  # the family's easiest variant: the family's name in the routine
    category: str
    joined: date
    why_joined: str
    group: str = ""  # "" every training day; "A" or "B" on alternating training days
    replaces: str | None = None  # the family it took the place of


@dataclass(frozen=True)
class Left:
    """A family taken out of the routine, and why (a swap)."""

    family: str
    exercise_id: str
    day: date
    why: str
    flagged: bool  # it hurt: the physiotherapist should know


@dataclass(frozen=True)
class Routine:
    started: date
    members: tuple[Member, ...]
    left: tuple[Left, ...] = ()
    split: bool = False
    review_due: date | None = None
    # Kinds the patient could do, none of whose exercises is left after the pain rules.
    emptied: tuple[str, ...] = ()

    def families(self) -> set[str]:
        return {m.family for m in self.members}


class Families:
    """The library's families of variants (an exercise with its easier and harder ones)."""

    def __init__(self, library: Library, families: Sequence[Sequence[Exercise]]) -> None:
        self.library = library
        self.members = {fam[0].id: list(fam) for fam in families}
        self.of = {e.id: fam[0].id for fam in families for e in fam}

    def key(self, exercise_id: str) -> str | None:
        """The family of an exercise, by its current id or a former one (issue 27)."""
        return self.of.get(self.library.canonical(exercise_id))


def sizes_for(minutes: int) -> dict[str, int]:
    for limit, size in SIZES:
        if limit is None or minutes <= limit:
            return dict(size)
    return dict(SIZES[-1][1])


def preference(category: str, fams: Families) -> list[str]:
    """The families of a kind, in the order a routine takes them."""
    named = [fams.key(i) for i in PREFERENCE.get(category, ())]
    order = list(dict.fromkeys(k for k in named if k is not None))
    rest = [k for k, fam in fams.members.items() if fam[0].category == category and k not in order]
    return [k for k in order if fams.members[k][0].category == category] + rest


def _eligible(
    family: Sequence[Exercise], usable: Callable[[Exercise], bool], ok: Callable[[Exercise], bool]
) -> bool:
    """A family joins a routine at its level 1 (docs/clinical.md §2): the easiest variant
    the patient can do must be a level 1, and a condition's rule must allow one of them."""
    doable = [e for e in family if usable(e)]
    return bool(doable) and doable[0].level == 1 and any(ok(e) for e in doable)


def entry(family: Sequence[Exercise], usable: Callable[[Exercise], bool]) -> Exercise | None:
    """The easiest variant of a family that the patient can do and no rule leaves out."""
    return next((e for e in family if usable(e)), None)


# --- triggers: what takes a family out of the routine ----------------------------------------


def hurt_pain(a: Attempt) -> int | None:
    """How much an exercise itself hurt: its own answer (``--hurt``, or the guided session's
    question after it). A session's pain just after, with no exercise named, makes every
    exercise red (``progression``) but does not say which one hurt."""
    return a.pain


def swap_triggers(tries: Iterable[Attempt], fams: Families, t: Thresholds) -> dict[str, Left]:
    """The families a pain rule takes out of the routine, each with the day and why
    (issue 20, docs/clinical.md §4): one that hurt 7/10 or more once, or was red twice in
    14 days."""
    out: dict[str, Left] = {}
    reds: dict[str, list[Attempt]] = {}
    for a in tries:
        key = fams.key(a.exercise_id)
        if key is None or a.extra:
            continue
        name = fams.library.get(a.exercise_id).name
        pain = hurt_pain(a)
        if pain is not None and pain >= t.hurt_swap_pain:
            out[key] = Left(
                key, a.exercise_id, a.day, f"{name} hurt {pain}/10 on {short_date(a.day)}", True
            )
            continue
        if a.zone is PainZone.RED:
            days = reds.setdefault(key, [])
            if not days or days[-1].day != a.day:
                days.append(a)
            recent = [r for r in days if (a.day - r.day).days < t.red_swap_days]
            if len(recent) >= t.red_swap_count and key not in out:
                out[key] = Left(
                    key,
                    a.exercise_id,
                    a.day,
                    f"{name} was painful on {len(recent)} days in "
                    f"{t.red_swap_days} (last on {short_date(a.day)})",
                    True,
                )
    return out


# --- the routine on a day ---------------------------------------------------------------------


def aerobic_allowance(minutes_per_day: int, days_per_week: int, t: Thresholds = DEFAULT) -> int:
    """The most aerobic minutes a training day holds (issue 20): enough for the WHO 150
    minutes a week over the patient's training days (docs/clinical.md §2), and at most half
    the day's minutes, so the other exercises keep room to grow; never under 5."""
    week = -(-t.aerobic_week_minutes // min(max(days_per_week, 1), 7))
    return max(MIN_AEROBIC_MINUTES, min(week, minutes_per_day // 2))


def routine_on(
    day: date,
    profile: Profile,
    library: Library,
    all_families: Sequence[Sequence[Exercise]],
    tries: Sequence[Attempt],
    usable: Callable[[Exercise], bool],
    rules: PlanRules = NO_RULES,
    counts_for_routine: Callable[[date], bool] = lambda d: True,
    start_seconds: Callable[[Exercise], int] = lambda e: 0,
    training_days: int = 7,
    t: Thresholds = DEFAULT,
) -> Routine:
    """The routine on ``day``.

    ``tries`` are the attempts of the planner's weeks before ``day`` (extras already out);
    ``usable`` says whether the patient can do an exercise (equipment, positions);
    ``counts_for_routine`` is False on the days that say nothing about the routine (a
    prescription in force, a flare-up); ``start_seconds`` is how long an exercise takes at
    its starting dose, to fit the minutes.
    """
    fams = Families(library, all_families)
    budget = profile.minutes_per_day * 60
    started = profile.start_date

    def ok(e: Exercise) -> bool:
        return usable(e) and rules.allows(e)

    mine = [
        a
        for a in tries
        if counts_for_routine(a.day) and not a.extra and fams.key(a.exercise_id) is not None
    ]
    triggered = swap_triggers(mine, fams, t)
    swaps = [s for s in profile.routine_swaps if s.day <= day]
    asked_out: dict[str, RoutineSwap] = {}
    asked_in: dict[str, RoutineSwap] = {}
    for s in swaps:  # the latest word on each family wins
        out_key, in_key = fams.key(s.out_id), fams.key(s.in_id)
        if out_key is not None:
            asked_out[out_key] = s
            asked_in.pop(out_key, None)
        if in_key is not None:
            asked_in[in_key] = s
            asked_out.pop(in_key, None)
    excluded = set(triggered) | set(asked_out)
    first_seen: dict[str, date] = {}
    last_seen: dict[str, date] = {}
    for a in mine:
        key = fams.key(a.exercise_id)
        if key is not None:
            first_seen.setdefault(key, a.day)
            last_seen[key] = a.day

    sizes = sizes_for(profile.minutes_per_day)
    members: list[Member] = []
    pools: dict[str, list[str]] = {}
    emptied: list[str] = []
    for cat in CATEGORIES:
        pool = [k for k in preference(cat, fams) if _eligible(fams.members[k], usable, ok)]
        if rules.keep_mobility and cat == "stretching":
            # Inflammatory back pain (docs/clinical.md §8, NICE NG65): the spinal mobility
            # work first, so that every plan keeps it.
            pool = [k for k in pool if _mobile(fams.members[k])] + [
                k for k in pool if not _mobile(fams.members[k])
            ]
        if rules.balance_first and cat == "posture":
            # Osteoporosis (docs/clinical.md §8): one balance exercise in every plan.
            balance = [k for k in pool if _balance(fams.members[k])]
            pool = balance[:1] + [k for k in pool if k not in balance[:1]]
        pools[cat] = pool
        # The patient's own choices first, then what they have been doing, then the rest.
        chosen: list[str] = [
            k
            for k in asked_in
            if k in pool and k not in triggered and fams.members[k][0].category == cat
        ]
        # What the patient has done most recently keeps its place: a family that took
        # another's place stays when what took that one out leaves the planner's weeks.
        in_use = sorted(
            (k for k in first_seen if k in pool and k not in excluded and k not in chosen),
            key=lambda k: (-last_seen[k].toordinal(), pool.index(k)),
        )
        chosen += in_use
        chosen = chosen[: sizes[cat]]
        for k in pool:
            if len(chosen) >= sizes[cat]:
                break
            if k not in chosen and k not in excluded:
                chosen.append(k)
        chosen.sort(key=pool.index)  # the same order every day, however chosen
        if pool and not chosen:
            emptied.append(cat)
        # What each new family replaced, for its reason.
        gone = [k for k in excluded if fams.members[k][0].category == cat]
        for k in chosen:
            members.append(
                _member(
                    k, cat, day, started, first_seen, asked_in, triggered, asked_out, gone, fams, t
                )
            )
    # The other exercises share what the aerobic work leaves; they start at no more than
    # START_SHARE of it, so their doses have room to grow.
    room = int(
        (budget - aerobic_allowance(profile.minutes_per_day, training_days, t) * 60) * START_SHARE
    )

    def secs(m: Member) -> int:
        e = entry(fams.members[m.family], ok)
        return start_seconds(e) if e is not None else 0

    chosen_first = list(members)
    members = _fit(members, secs, room, MIN_SIZE)
    non_aerobic = [m for m in members if m.category != "aerobic"]
    split = (
        sum(secs(m) for m in non_aerobic) > room
        and training_days >= 4
        and any(sum(1 for m in non_aerobic if m.category == c) >= 2 for c in NON_AEROBIC)
    )
    if split:
        members = _halves(members)
    # Still too long for the minutes, even split: fewer, down to one of each kind.
    share = budget - (
        aerobic_allowance(profile.minutes_per_day, training_days, t) * 60
        if any(m.category == "aerobic" for m in members)
        else 0
    )
    if max(_day_seconds(members, secs, g) for g in ("A", "B")) > share:
        members = _fit(
            [Member(m.family, m.category, m.joined, m.why_joined, "", m.replaces) for m in members],
            secs,
            share,
            len({m.category for m in members}),
        )
        split = False

        def keep(m: Member) -> bool:  # what a condition's rule keeps in every plan
            fam = fams.members[m.family]
            return (rules.keep_mobility and _mobile(fam)) or (rules.balance_first and _balance(fam))

        members = _shortest(members, secs, share, pools, excluded, fams, keep)
    # What the minutes left out, when the patient has been doing it: the reason it went.
    kept = {m.family for m in members}
    fitted = [
        Left(
            m.family,
            entry(fams.members[m.family], ok).id  # type: ignore[union-attr]
            if entry(fams.members[m.family], ok)
            else m.family,
            day,
            f"left out to fit your {profile.minutes_per_day} minutes a day",
            False,
        )
        for m in chosen_first
        if m.family not in kept and m.family in first_seen
    ]
    left = tuple(
        sorted(
            [triggered[k] for k in triggered]
            + [
                Left(
                    k,
                    asked_out[k].out_id,
                    asked_out[k].day,
                    f"you asked to swap it on {short_date(asked_out[k].day)}",
                    False,
                )
                for k in asked_out
                if k not in triggered
            ]
            + fitted,
            key=lambda lf: (lf.day, lf.family),
        )
    )
    return Routine(started, tuple(members), left, split, _review(day, started, t), tuple(emptied))


def _member(
    key: str,
    cat: str,
    day: date,
    started: date,
    first_seen: dict[str, date],
    asked_in: dict[str, RoutineSwap],
    triggered: dict[str, Left],
    asked_out: dict[str, RoutineSwap],
    gone: list[str],
    fams: Families,
    t: Thresholds,
) -> Member:
    """A family of the routine, with the day it joined and why."""
    if key in asked_in:
        s = asked_in[key]
        out = fams.library.get(s.out_id) if s.out_id in fams.library else None
        was = f" in place of {out.name}" if out is not None else ""
        return Member(
            key,
            cat,
            s.day,
            f"you chose it{was} on {short_date(s.day)}",
            replaces=fams.key(s.out_id),
        )
    seen = first_seen.get(key)
    # A family that came in after one was taken out replaced it.
    for k in sorted(gone):
        why = triggered[k].why if k in triggered else f"you asked to swap {fams.members[k][0].name}"
        when = triggered[k].day if k in triggered else asked_out[k].day
        if seen is None or seen > when:
            joined = seen or min(day, max(when + timedelta(days=1), started))
            return Member(
                key, cat, joined, f"in place of {fams.members[k][0].name}: {why}", replaces=k
            )
    # Seen first in the programme's first week, or in the first week of the weeks the
    # planner reads (so it was there before them), or not yet done: from the start.
    window = day - timedelta(days=t.planner_lookback_days)
    if seen is None or seen <= max(started, window) + timedelta(days=7):
        return Member(
            key,
            cat,
            min(started, day) if seen is None else min(started, seen),
            "in your routine from the start",
        )
    return Member(key, cat, seen, f"{fams.members[key][0].name} joined your routine")


def _day_seconds(members: list[Member], secs: Callable[[Member], int], group: str) -> int:
    """The starting doses' time of the non-aerobic exercises of a day of ``group``."""
    return sum(
        secs(m) for m in members if m.category != "aerobic" and (not m.group or m.group == group)
    )


def _fit(
    members: list[Member], secs: Callable[[Member], int], room: int, least: int
) -> list[Member]:
    """Fewer exercises while their starting doses take more than ``room``: the longest of a
    kind with two or more goes first, never below one of each kind or ``least`` in all."""
    ms = list(members)
    while sum(secs(m) for m in ms if m.category != "aerobic") > room and len(ms) > least:
        spare = [
            m
            for m in ms
            if m.category != "aerobic" and sum(1 for o in ms if o.category == m.category) > 1
        ]
        if not spare:
            break
        ms.remove(max(reversed(spare), key=secs))
    return ms


def _mobile(family: Sequence[Exercise]) -> bool:
    return any(is_mobility(e) for e in family)


def _balance(family: Sequence[Exercise]) -> bool:
    return any(is_balance(e) for e in family)


def _shortest(
    members: list[Member],
    secs: Callable[[Member], int],
    share: int,
    pools: dict[str, list[str]],
    excluded: set[str],
    fams: Families,
    keep: Callable[[Member], bool],
) -> list[Member]:
    """When even one of each kind takes more than the minutes, each takes the quickest
    exercise of its kind instead, the longest first, while the day is too long (never one
    that a condition's rule keeps)."""
    ms = list(members)
    for m in sorted(ms, key=secs, reverse=True):
        if sum(secs(o) for o in ms if o.category != "aerobic") <= share:
            break
        if m.category == "aerobic" or keep(m):
            continue
        taken = {o.family for o in ms}
        options = [
            Member(
                k, m.category, m.joined, f"{fams.members[k][0].name}: quicker, to fit your minutes"
            )
            for k in pools[m.category]
            if k not in taken and k not in excluded
        ]
        best = min(options, key=secs, default=None)
        if best is not None and secs(best) < secs(m):
            ms[ms.index(m)] = best
    return ms


def _halves(members: list[Member]) -> list[Member]:
    """Alternate the exercises of each kind that has two or more between the A and B days;
    a kind with one, and the aerobic work, is on both, so that every training day still
    holds each of the four kinds (docs/clinical.md §1)."""
    out: list[Member] = []
    for cat in CATEGORIES:
        mine = [m for m in members if m.category == cat]
        for n, m in enumerate(mine):
            if cat == "aerobic" or len(mine) < 2:
                out.append(m)
            else:
                out.append(
                    Member(
                        m.family,
                        m.category,
                        m.joined,
                        m.why_joined,
                        "A" if n % 2 == 0 else "B",
                        m.replaces,
                    )
                )
    return out


def _review(day: date, started: date, t: Thresholds) -> date | None:
    """The routine's next review: every 6 weeks from its start (issue 20)."""
    if day < started:
        return None
    n = (day - started).days // t.routine_review_days + 1
    return started + timedelta(days=n * t.routine_review_days)


def review_notice(day: date, routine: Routine, t: Thresholds = DEFAULT) -> str | None:
    """A line in the week a review falls due: proposed, never applied (issue 20)."""
    if routine.review_due is None:
        return None
    last = routine.review_due - timedelta(days=t.routine_review_days)
    if last <= routine.started or (day - last).days >= 7:
        return None
    weeks = (last - routine.started).days // 7
    return (
        f"Your routine is {weeks} weeks old: a good time to review it with your "
        "physiotherapist. Nothing changes unless you choose: 'backcare plan swap ID' "
        "offers another exercise of the same kind."
    )


def dose_changes(
    family: Sequence[Exercise],
    tries: Sequence[Attempt],
    why_at: Callable[[date], str | None],
    names: dict[str, str],
) -> list[Change]:
    """Each change of variant or dose in a family's attempts, on the day it was first done
    that way, with why (``why_at`` gives the planner's reason for that day's dose)."""
    ids = {e.id for e in family}
    per_day: dict[date, tuple[str, Dose]] = {}
    for a in tries:
        if a.exercise_id in ids and a.status == "done":
            per_day.setdefault(a.day, (a.exercise_id, a.dose))
    out: list[Change] = []
    before: tuple[str, Dose] | None = None
    for d in sorted(per_day):
        now = per_day[d]
        if before is not None and now != before:
            out.append(
                Change(d, describe_step(before, now, names), why_at(d) or "as planned that day")
            )
        before = now
    return out


def describe_step(before: tuple[str, Dose], now: tuple[str, Dose], names: dict[str, str]) -> str:
    (a, da), (b, db) = before, now
    if a != b:
        return f"{names.get(a, a)} → {names.get(b, b)}, {db.describe()}"
    return f"{names.get(b, b)}: {da.describe()} → {db.describe()}"


def to_dicts(
    routine: Routine, current: dict[str, tuple[Exercise, Dose]], changes: dict[str, list[Change]]
) -> list[dict[str, Any]]:
    """``plan --json``'s ``routine`` (CONTRACT.md, third round)."""
    out = []
    for m in routine.members:
        ex, dose = current[m.family]
        joined = Change(m.joined, "joined", m.why_joined)
        out.append(
            {
                "exercise_id": ex.id,
                "family": m.family,
                "name": ex.name,
                "category": m.category,
                "joined": m.joined.isoformat(),
                "days": {
                    "": "every training day",
                    "A": "every other training day (A)",
                    "B": "every other training day (B)",
                }[m.group],
                "group": m.group or None,
                "dose": dose.to_dict(),
                "changes": [joined.to_dict()] + [c.to_dict() for c in changes.get(m.family, [])],
            }
        )
    return out
