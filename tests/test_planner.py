"""The daily planner, ``plan_for(day, profile, library, prescription, history)``.

Property tests run it over random patients, random libraries (small synthetic ones with valid
progression chains, and the bundled one), random histories of the six weeks before the day,
and random days. Example tests pin down the documented decisions.
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date, timedelta
from functools import lru_cache
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backcare.domain.clinical import DEFAULT, Thresholds
from backcare.domain.library import Library
from backcare.domain.models import (
    CATEGORIES,
    EQUIPMENT,
    POSITIONS,
    Dose,
    DoseRange,
    DoseSpec,
    Exercise,
    ExerciseLog,
    History,
    PainCheckin,
    Profile,
    Session,
)
from backcare.domain.planner import (
    MIN_AEROBIC_MINUTES,
    Plan,
    beginner_profile,
    can_do,
    estimated_seconds,
    families,
    plan_for,
)
from backcare.domain.progression import attempts
from backcare.domain.schedule import is_planned_day
from backcare.loading.library import check_links, load_library_files
from backcare.storage.paths import bundled_library

T = DEFAULT
PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NON_AEROBIC = ("strengthening", "stretching", "posture")
OVERRUN = "Even the shortest plan"


@lru_cache(maxsize=1)
def bundled() -> Library:
    return load_library_files([bundled_library()])


# --- strategies -----------------------------------------------------------------------------


def _range(rnd: random.Random, low: int, high: int, span: int) -> DoseRange:
    lo = rnd.randint(low, high)
    hi = rnd.randint(lo, lo + span)
    return DoseRange(rnd.randint(lo, hi), lo, hi)


def _dose_spec(rnd: random.Random, category: str) -> DoseSpec:
    if category == "aerobic":
        return DoseSpec(duration_minutes=_range(rnd, 1, 20, 20))
    if rnd.randint(0, 5) == 0:  # a timed exercise, such as a plank in minutes
        return DoseSpec(duration_minutes=_range(rnd, 1, 4, 3))
    hold = _range(rnd, 1, 20, 15) if rnd.random() < 0.5 else None
    return DoseSpec(
        sets=_range(rnd, 1, 2, 2),
        reps=_range(rnd, 1, 10, 8),
        hold_seconds=hold,
        rest_seconds=rnd.randint(0, 60),
    )


def build_library(seed: int) -> Library:
    """A small library: each category 0–4 chains of 1–3 variants, levels rising by one.

    Built from one seed (fast to generate; hypothesis still searches the seeds)."""
    rnd = random.Random(seed)
    exercises: dict[str, Exercise] = {}
    serial = count()
    for cat in CATEGORIES:
        for _ in range(rnd.randint(0 if cat != "stretching" else 1, 4)):
            first = rnd.choice([1, 1, 1, 2])
            length = rnd.randint(1, 4 - first)
            ids = [f"{cat[:4]}-{next(serial)}" for _ in range(length)]
            for n, ident in enumerate(ids):
                exercises[ident] = Exercise(
                    id=ident,
                    name=rnd.choice([ident.title(), f"{ident}\nsecond line"]),
                    category=cat,
                    level=first + n,
                    position=rnd.choice(POSITIONS),
                    equipment=tuple(sorted(set(rnd.sample(EQUIPMENT, rnd.randint(1, 2))))),
                    per_side=rnd.random() < 0.5,
                    targets=(),
                    instructions=("Do it.",),
                    cues=("Breathe.",),
                    dose=_dose_spec(rnd, cat),
                    progresses_to=ids[n + 1] if n + 1 < length else None,
                    regresses_to=ids[n - 1] if n > 0 else None,
                    cautions=("Stop if it hurts.",),
                    source="test",
                )
    check_links(exercises, require_entry_points=False)
    return Library(exercises, ())


def libraries() -> st.SearchStrategy[Library]:
    return st.integers(0, 2**32).map(build_library)


def any_library() -> st.SearchStrategy[Library]:
    return st.one_of(libraries(), st.just(bundled()))


days_ = st.dates(date(2025, 1, 1), date(2028, 12, 31))


@st.composite
def profiles(draw: st.DrawFn, day: date) -> Profile:
    keep = draw(st.sampled_from(["lying", "sitting", "standing"]))  # one must stay possible
    avoid = draw(st.sets(st.sampled_from(POSITIONS))) - {keep}
    return Profile(
        start_date=day - timedelta(days=draw(st.integers(-3, 60))),
        baseline_pain=draw(st.none() | st.integers(0, 10)),
        minutes_per_day=draw(st.integers(10, 25) | st.integers(10, 180)),
        days_per_week=draw(st.integers(1, 7)),
        equipment=["none", *sorted(draw(st.sets(st.sampled_from(EQUIPMENT[1:]))))],
        avoid_positions=sorted(avoid),
    )


def _full_dose(rnd: random.Random, ex: Exercise) -> Dose:
    return Dose(**{f: rnd.randint(r.min, r.max) for f, r in ex.dose.ranges().items()})


def build_history(seed: int, library: Library, day: date, lookback: int = 42) -> History:
    """Sessions and check-ins in the ``lookback`` days before ``day``, from one seed.

    Biased towards what makes the rules fire: a few exercises done again and again at a
    habitual dose (streaks), several sessions on one day, and next-morning check-ins."""
    rnd = random.Random(seed)
    ids = sorted(library.exercises)
    focus = rnd.sample(ids, rnd.randint(1, min(6, len(ids))))
    habit = {i: _full_dose(rnd, library.exercises[i]) for i in focus}
    pains = [None, None, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    sessions = []
    checkins: dict[date, PainCheckin] = {}
    for n in range(rnd.randint(0, 14)):
        when = day - timedelta(days=rnd.randint(1, rnd.choice([4, 10, lookback])))
        logs = []
        for ident in rnd.sample(focus, rnd.randint(1, len(focus))):
            dose = habit[ident] if rnd.random() < 0.7 else _full_dose(rnd, library.exercises[ident])
            logs.append(
                ExerciseLog(
                    ident,
                    rnd.choice(["done", "done", "done", "partial", "skipped"]),
                    dose,
                    rnd.choice(pains),
                )
            )
        if rnd.randint(0, 9) == 0:
            logs.append(ExerciseLog("no-such-exercise", "done", Dose(reps=5), 2))
        before = rnd.choice([None, *range(11)])
        sessions.append(
            Session(f"s-{n:02d}", when, tuple(logs), before, rnd.choice([None, *range(11)]))
        )
        morning = when + timedelta(days=1)
        if before is not None and rnd.random() < 0.4:
            checkins[morning] = PainCheckin(morning, max(0, min(10, before + rnd.randint(-1, 4))))
    for _ in range(rnd.randint(0, 6)):
        when = day - timedelta(days=rnd.randint(0, lookback))
        checkins[when] = PainCheckin(when, rnd.randint(0, 10), flare=rnd.randint(0, 14) == 0)
    if rnd.random() < 0.5:
        sessions.sort(key=lambda s: (s.date, s.id))
    return History(tuple(sessions), tuple(sorted(checkins.values(), key=lambda c: c.date)))


@st.composite
def situations(
    draw: st.DrawFn, new_patient: bool = False
) -> tuple[date, Profile, Library, History]:
    day = draw(days_)
    library = draw(any_library())
    profile = draw(profiles(day))
    history = History() if new_patient else build_history(draw(st.integers(0, 2**32)), library, day)
    return day, profile, library, history


# --- what the properties check against, computed independently -----------------------------


def eligible(
    library: Library, profile: Profile, category: str, level: int | None = 1
) -> list[Exercise]:
    have = set(profile.equipment) | {"none"}
    return [
        e
        for e in library.by_category(category)
        if (level is None or e.level == level)
        and set(e.equipment) <= have
        and e.position not in profile.avoid_positions
    ]


def smallest_new_plan_seconds(library: Library, profile: Profile) -> int:
    """A bound on the shortest first-day plan: the shortest entry exercise of each kind and
    the aerobic block at 5 minutes (or less, if its dose is less)."""
    total = 0
    for cat in NON_AEROBIC:
        times = [estimated_seconds(e, e.start_dose()) for e in eligible(library, profile, cat)]
        total += min(times, default=0)
    aerobic = [e.start_dose().duration_minutes or 0 for e in eligible(library, profile, "aerobic")]
    if aerobic:
        total += min(MIN_AEROBIC_MINUTES, max(aerobic)) * 60
    return total


def zone_red(pain: int | None, t: Thresholds = T) -> bool:
    return pain is not None and pain > t.amber_max


def last_red(history: History, day: date) -> dict[str, tuple[date, list[Dose]]]:
    """For each exercise whose last session (in the 6 weeks before ``day``) was red: that
    day and the doses done red on it. Red by its own pain; by the session's pain just after
    when no exercise in it was named red; or by the next-morning rule, with the day's
    check-in standing in for a missing pain-before (issue 11)."""
    morning = {c.date: c.score for c in history.checkins}
    tries: dict[str, list[tuple[date, bool, Dose]]] = {}
    for s in history.sessions:
        if not (0 < (day - s.date).days < T.planner_lookback_days):
            continue
        woke = morning.get(s.date + timedelta(days=1))
        before = s.pain_before if s.pain_before is not None else morning.get(s.date)
        next_morning_red = (
            woke is not None and before is not None and woke - before >= T.next_morning_rise
        )
        done = [e for e in s.exercises if e.status != "skipped"]
        after_red = zone_red(s.pain_after) and not any(zone_red(e.pain) for e in done)
        for e in done:
            tries.setdefault(e.exercise_id, []).append(
                (s.date, next_morning_red or after_red or zone_red(e.pain), e.dose)
            )
    out = {}
    for ident, seen in tries.items():
        latest = max(d for d, _, _ in seen)
        reds = [dose for d, red, dose in seen if d == latest and red]
        if reds:
            out[ident] = (latest, reds)
    return out


def last_day_done(history: History, day: date) -> dict[str, date]:
    out: dict[str, date] = {}
    for s in history.sessions:
        if 0 < (day - s.date).days < T.planner_lookback_days:
            for e in s.exercises:
                if e.status != "skipped":
                    out[e.exercise_id] = max(out.get(e.exercise_id, s.date), s.date)
    return out


def not_above(dose: Dose, reference: Dose) -> bool:
    return all(
        getattr(dose, f) is None
        or getattr(reference, f) is None
        or getattr(dose, f) <= getattr(reference, f)
        for f in Dose._fields
    )


def plan_json(plan: Plan) -> str:
    return json.dumps(plan.to_dict(), sort_keys=True)


def check_contract(plan: Plan) -> None:
    doc = json.loads(plan_json(plan))
    assert {"date", "mode", "total_minutes", "items", "warnings"} <= set(doc)
    assert doc["mode"] in ("normal", "flare", "prescribed")
    assert all(isinstance(w, str) for w in doc["warnings"])
    for item in doc["items"]:
        assert {
            "exercise_id",
            "name",
            "category",
            "sets",
            "reps",
            "hold_seconds",
            "duration_minutes",
            "reason",
        } <= set(item)
        assert item["category"] in CATEGORIES
        assert item["reason"] and "\n" not in item["reason"]
    assert doc["total_minutes"] == round(sum(i.seconds for i in plan.items) / 60, 1)


def check_fits_or_says_why(plan: Plan, profile: Profile) -> None:
    """Within the minutes; or, when even the smallest plan cannot fit, a warning and every
    exercise at its easiest dose with the aerobic block at 5 minutes at most."""
    total = sum(i.seconds for i in plan.items)
    if total <= profile.minutes_per_day * 60:
        assert not any(w.startswith(OVERRUN) for w in plan.warnings)
        return
    assert any(w.startswith(OVERRUN) for w in plan.warnings), plan.warnings
    for i in plan.items:
        if i.exercise.category == "aerobic":
            assert (i.dose.duration_minutes or 0) <= MIN_AEROBIC_MINUTES
        else:
            assert i.dose == i.exercise.start_dose(), (i.exercise.id, i.dose)


def check_usable(plan: Plan, profile: Profile) -> None:
    for i in plan.items:
        assert set(i.exercise.equipment) <= set(profile.equipment) | {"none"}, i.exercise.id
        assert i.exercise.position not in profile.avoid_positions, i.exercise.id
        assert i.seconds == estimated_seconds(i.exercise, i.dose)


# --- properties -----------------------------------------------------------------------------


@PROPERTY
@given(situations())
def test_every_planned_day_follows_the_rules(case: tuple[date, Profile, Library, History]) -> None:
    day, profile, library, history = case
    plan = plan_for(day, profile, library, None, history)
    check_contract(plan)
    check_usable(plan, profile)
    assert plan == plan_for(day, profile, library, None, history)
    assert plan_json(plan) == plan_json(plan_for(day, profile, library, None, history))
    if plan.mode == "flare":
        check_flare(plan, profile)
        return
    assert plan.mode == "normal"
    if not is_planned_day(day, profile):
        assert plan.rest_day and not plan.items
        return
    for cat in CATEGORIES:
        painful = f"Every {cat} exercise you can do has been painful lately"
        if eligible(library, profile, cat):  # or every one of them left the routine for pain
            assert any(i.exercise.category == cat for i in plan.items) or any(
                w.startswith(painful) for w in plan.warnings
            ), cat
        if not any(i.exercise.category == cat for i in plan.items):
            assert any(f"No {cat} exercise" in w or w.startswith(painful) for w in plan.warnings), (
                cat,
                plan.warnings,
            )
    check_fits_or_says_why(plan, profile)
    # An exercise whose last session was red is never progressed: not a higher dose, and
    # nothing harder in its family while that red session is the family's latest.
    reds = last_red(history, day)
    done = last_day_done(history, day)
    family_of = {e.id: n for n, fam in enumerate(families(library)) for e in fam}
    for i in plan.items:
        if i.exercise.id in reds:
            assert any(not_above(i.dose, d) for d in reds[i.exercise.id][1]), i
        fam = [
            e for e in library if family_of[e.id] == family_of[i.exercise.id] and can_do(e, profile)
        ]
        latest = max((done[e.id] for e in fam if e.id in done), default=None)
        for e in fam:
            if e.id in reds and reds[e.id][0] == latest:
                assert i.exercise.level <= e.level, (i.exercise.id, e.id, i.reason)


@PROPERTY
@given(situations(new_patient=True))
def test_a_new_patient_starts_every_exercise_at_level_1_and_the_low_end(
    case: tuple[date, Profile, Library, History],
) -> None:
    day, profile, library, history = case
    # A baseline of 7 or more is a flare-up's pain (issue 20): that plan is checked elsewhere.
    profile = replace(
        profile, start_date=day, days_per_week=7, baseline_pain=min(profile.baseline_pain or 0, 6)
    )
    plan = plan_for(day, profile, library, None, history)
    for i in plan.items:
        assert i.exercise.level == 1
        start = i.exercise.start_dose()
        if i.exercise.category == "aerobic" and i.dose != start:
            assert i.dose.duration_minutes is not None and start.duration_minutes is not None
            assert MIN_AEROBIC_MINUTES <= i.dose.duration_minutes < start.duration_minutes
            assert "shortened" in i.reason and str(profile.minutes_per_day) in i.reason
        else:
            assert i.dose == start, (i.exercise.id, i.dose, start)
    if smallest_new_plan_seconds(library, profile) <= profile.minutes_per_day * 60:
        assert sum(i.seconds for i in plan.items) <= profile.minutes_per_day * 60


def check_flare(plan: Plan, profile: Profile) -> None:
    assert plan.mode == "flare"
    assert plan.warnings[0].startswith("Flare-up")
    assert sum(i.seconds for i in plan.items) <= profile.minutes_per_day * 60
    for i in plan.items:
        assert i.exercise.level == 1
        assert "flare-up" in i.reason
        start = i.exercise.start_dose()
        if i.exercise.category == "aerobic":
            assert (i.dose.duration_minutes or 0) <= (start.duration_minutes or 0)
        else:
            assert i.dose == start


@PROPERTY
@given(situations(), st.integers(7, 10), st.booleans())
def test_a_flare_up_gives_a_gentle_plan(
    case: tuple[date, Profile, Library, History], pain: int, declared: bool
) -> None:
    day, profile, library, history = case
    today = PainCheckin(day, pain if not declared else pain - 5, flare=declared)
    history = History(
        history.sessions, tuple(c for c in history.checkins if c.date != day) + (today,)
    )
    plan = plan_for(day, profile, library, None, history)
    check_contract(plan)
    check_usable(plan, profile)
    check_flare(plan, profile)
    # A flare-up plan respects rest days (issue 14). Otherwise something is planned whenever
    # one entry exercise fits the patient's minutes (a walk is always shortened to fit).
    assert plan.rest_day == (not is_planned_day(day, profile))
    # Never what hurt (issue 20): a family with a red attempt in the last days, or one the
    # routine took out because it hurt, stays out of a flare-up plan, which may leave it empty.
    since = day - timedelta(days=T.flare_red_days)
    red = {a.exercise_id for a in attempts(history, T, before=day, red_only=True) if a.day >= since}
    hurt = {lf.family for lf in plan.routine.routine.left if lf.flagged} if plan.routine else set()
    sore = {
        e.id
        for fam in families(library)
        if hurt & {fam[0].id} or red & {e.id for e in fam}
        for e in fam
    }
    budget = profile.minutes_per_day * 60
    fits = [
        e
        for c in CATEGORIES
        for e in eligible(library, profile, c)
        if e.id not in sore and (c == "aerobic" or estimated_seconds(e, e.start_dose()) <= budget)
    ]
    assert plan.items or plan.rest_day or not fits


# --- examples -------------------------------------------------------------------------------

DAY = date(2026, 3, 2)  # a Monday


def test_the_beginner_plan_has_all_four_kinds_in_20_minutes() -> None:
    plan = plan_for(DAY, None, bundled(), None, History())
    assert {i.exercise.category for i in plan.items} == set(CATEGORIES)
    assert plan.total_minutes <= 20
    assert "backcare init" in plan.warnings[0]
    assert plan.budget_minutes == beginner_profile(DAY).minutes_per_day


@pytest.mark.parametrize("minutes", [10, 11, 15])
def test_ten_minutes_still_holds_every_kind(minutes: int) -> None:
    profile = Profile(start_date=DAY, minutes_per_day=minutes, equipment=["none", "mat"])
    for n in range(7):
        plan = plan_for(DAY + timedelta(days=n), profile, bundled(), None, History())
        assert {i.exercise.category for i in plan.items} == set(CATEGORIES)
        assert sum(i.seconds for i in plan.items) <= minutes * 60
        walk = next(i for i in plan.items if i.exercise.category == "aerobic")
        if walk.dose.duration_minutes != walk.exercise.start_dose().duration_minutes:
            assert f"shortened to {walk.dose.duration_minutes} min" in walk.reason


def test_a_missing_kind_is_named_in_a_warning() -> None:
    lib = Library({k: v for k, v in bundled().exercises.items() if v.category != "aerobic"}, ())
    plan = plan_for(DAY, Profile(start_date=DAY), lib, None, History())
    assert not any(i.exercise.category == "aerobic" for i in plan.items)
    assert any("No aerobic exercise" in w for w in plan.warnings)


def test_positions_the_patient_avoids_are_never_planned() -> None:
    profile = Profile(
        start_date=DAY, equipment=["none", "mat", "chair"], avoid_positions=["lying", "kneeling"]
    )
    for n in range(7):
        plan = plan_for(DAY + timedelta(days=n), profile, bundled(), None, History())
        assert {i.exercise.position for i in plan.items} <= {"sitting", "standing", "moving"}
        assert {i.exercise.category for i in plan.items} == set(CATEGORIES)


def test_rest_days_follow_days_per_week() -> None:
    profile = Profile(start_date=DAY, days_per_week=3)
    week = [
        plan_for(DAY + timedelta(days=n), profile, bundled(), None, History()) for n in range(7)
    ]
    assert [not p.rest_day for p in week] == [True, False, True, False, True, False, False]
    assert "rest day" in week[1].warnings[-1]


def test_before_the_start_date_there_is_no_plan() -> None:
    plan = plan_for(DAY, Profile(start_date=DAY + timedelta(days=3)), bundled(), None, History())
    assert plan.rest_day and not plan.items
    assert "starts on 2026-03-05" in plan.warnings[-1]


def _slow(ident: str, cat: str, minutes: int) -> Exercise:
    spec = DoseSpec(duration_minutes=DoseRange(minutes, minutes, minutes))
    return Exercise(
        ident,
        ident.title(),
        cat,
        1,
        "standing",
        ("none",),
        False,
        (),
        ("Do.",),
        ("Cue.",),
        spec,
        None,
        None,
        ("Stop.",),
        "test",
    )


def test_when_even_the_smallest_plan_cannot_fit_every_kind_stays_and_a_warning_says_so() -> None:
    """Decision: the four kinds are the programme (CLINICAL.md §1), so they all stay, at
    their easiest, the walk at 5 minutes; the patient is told it runs over and how to give
    it more time."""
    lib = Library(
        {
            e.id: e
            for e in (
                _slow("a", "stretching", 4),
                _slow("b", "strengthening", 4),
                _slow("c", "posture", 4),
                _slow("d", "aerobic", 10),
            )
        },
        (),
    )
    plan = plan_for(DAY, Profile(start_date=DAY, minutes_per_day=10), lib, None, History())
    assert [i.exercise.id for i in plan.items] == ["a", "b", "d", "c"]
    assert plan.items[2].dose.duration_minutes == MIN_AEROBIC_MINUTES
    warning = next(w for w in plan.warnings if w.startswith(OVERRUN))
    assert "17 minutes" in warning and "--minutes" in warning


def _reps(ident: str, cat: str, reps: int) -> Exercise:
    spec = DoseSpec(sets=DoseRange(1, 1, 1), reps=DoseRange(reps, reps, reps + 5))
    return Exercise(
        ident,
        ident.title(),
        cat,
        1,
        "standing",
        ("none",),
        False,
        (),
        ("Do.",),
        ("Cue.",),
        spec,
        None,
        None,
        ("Stop.",),
        "test",
    )


def test_the_first_choice_leaves_room_for_the_kinds_after_it() -> None:
    """A long strengthening exercise first in the day's rotation must not crowd out the
    others: the shortest of each later kind, and the 5-minute walk, must still fit."""
    lib = Library(
        {
            e.id: e
            for e in (
                _slow("long", "strengthening", 4),
                _reps("short", "strengthening", 5),
                _reps("stretch", "stretching", 10),
                _reps("stand-tall", "posture", 5),
                _slow("walk", "aerobic", 10),
            )
        },
        (),
    )
    profile = Profile(start_date=DAY, minutes_per_day=10)
    for n in range(7):
        plan = plan_for(DAY + timedelta(days=n), profile, lib, None, History())
        assert sum(i.seconds for i in plan.items) <= 600, plan.items
        assert {i.exercise.category for i in plan.items} == set(CATEGORIES)


def test_a_short_aerobic_block_is_never_lengthened_to_fit() -> None:
    lib = Library(
        {
            e.id: e
            for e in (
                _slow("walk", "aerobic", 4),
                _reps("a", "stretching", 34),
                _reps("b", "strengthening", 34),
                _reps("c", "posture", 34),
            )
        },
        (),
    )
    plan = plan_for(DAY, Profile(start_date=DAY, minutes_per_day=10), lib, None, History())
    walk = next(i for i in plan.items if i.exercise.id == "walk")
    assert walk.dose.duration_minutes == 4 and "shortened" not in walk.reason
    assert any(w.startswith(OVERRUN) for w in plan.warnings)


def _history(*sessions: tuple[date, str, int | None, Dose]) -> History:
    return History(
        tuple(
            Session(f"s-{n}", d, (ExerciseLog(i, "done", dose, pain),))
            for n, (d, i, pain, dose) in enumerate(sessions)
        )
    )


def test_a_tight_budget_keeps_a_progressed_routine_within_the_minutes() -> None:
    """Issue 20: the routine keeps its exercises; at 10 minutes what does not fit is lowered
    for the day, with the reason, and the plan stays within the minutes."""
    side = {"clam", "side-lying-leg-lift", "side-plank-on-knees"}
    lib = Library({k: v for k, v in bundled().exercises.items() if k not in side}, ())
    heavy = Dose(sets=3, reps=10, hold_seconds=10)
    profile = Profile(
        start_date=DAY - timedelta(days=30),
        minutes_per_day=10,
        equipment=["none", "mat"],
        avoid_positions=["standing", "kneeling"],
    )
    sessions = [
        (DAY - timedelta(days=n), ident, 1, heavy)
        for n in (1, 2)
        for ident in ("bridge", "abdominal-bracing")
    ]
    plan = plan_for(DAY, profile, lib, None, _history(*sessions))
    assert sum(i.seconds for i in plan.items) <= 600
    strong = [i for i in plan.items if i.exercise.category == "strengthening"]
    assert strong and {i.exercise.id for i in strong} <= {"bridge", "abdominal-bracing"}
    for i in strong:
        assert i.dose != heavy and "fit your 10 minutes" in i.reason, i
    assert not any(w.startswith(OVERRUN) for w in plan.warnings)


def test_the_same_inputs_give_the_same_bytes_whatever_the_library_order() -> None:
    lib = bundled()
    backwards = Library(dict(reversed(list(lib.exercises.items()))), ())
    profile = Profile(start_date=DAY, minutes_per_day=35, equipment=["none", "mat", "chair"])
    for n in range(7):
        d = DAY + timedelta(days=n)
        assert plan_json(plan_for(d, profile, lib, None, History())) == plan_json(
            plan_for(d, profile, backwards, None, History())
        )


def test_a_flare_ups_marching_on_the_spot_is_not_called_a_walk() -> None:
    """With walking out of reach (moving is hard for this patient), a flare-up's aerobic
    exercise is marching on the spot, and its reason says so (issue 27)."""
    day = date(2026, 3, 4)
    profile = replace(beginner_profile(date(2026, 3, 2)), avoid_positions=["moving"])
    history = History((), (PainCheckin(day, 8),))
    plan = plan_for(day, profile, bundled(), None, history)
    assert plan.mode == "flare"
    aerobic = [i for i in plan.items if i.exercise.category == "aerobic"]
    assert [i.exercise.id for i in aerobic] == ["marching-on-the-spot"]
    assert "walk" not in aerobic[0].reason and "marching on the spot" in aerobic[0].reason
