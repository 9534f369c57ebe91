"""Safety rules: red flags, flare-ups, and when to seek professional help (CLINICAL.md §5).

Pure functions: they take the day and the data, and return what to say. They never print.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from backcare.domain.clinical import Thresholds
from backcare.domain.daypain import day_pains, declared_flares, flare_on
from backcare.domain.history import (
    PAIN_WINDOW_DAYS,
    baseline_pain,
    exact_mean_pain,
    index_history,
    mean_pain,
    shift,
)
from backcare.domain.models import SEE_GP_RED_FLAGS, History, PainCheckin, Profile
from backcare.domain.scoring import pain_change
from backcare.domain.words import plural
from backcare.errors import BackcareError, UsageProblem
from backcare.messages import (
    ACT_CAUDA_EQUINA,
    ACT_OTHER,
    AGE_ADVICE,
    BLOCKED_UNTIL_CLEARED,
    PREGNANCY_STOP_SIGNS,
    RED_FLAG_CLEARED,
    URGENT_CAUDA_EQUINA,
    URGENT_OTHER,
    WEIGHT_LOSS_ADVICE,
)


@dataclass(frozen=True)
class RedFlag:
    name: str
    group: str  # cauda-equina | cancer | infection | fracture
    question: str  # asked at init, in plain words
    what: str = ""  # the flag in a few plain words, for messages


# CLINICAL.md §5, "Red flags (NICE CKS, via NHS pathways)". The names are CONTRACT.md's.
RED_FLAGS: tuple[RedFlag, ...] = (
    RedFlag(
        "bladder-bowel",
        "cauda-equina",
        "Have you recently lost control of your bladder or bowels, or found it hard to pass urine?",
        "a change in bladder or bowel control",
    ),
    RedFlag(
        "saddle-numbness",
        "cauda-equina",
        "Do you have numbness between your legs or around your bottom (back passage)?",
        "numbness between the legs",
    ),
    RedFlag(
        "leg-weakness",
        "cauda-equina",
        "Is there severe or worsening weakness or numbness in your legs?",
        "weakness or numbness in the legs",
    ),
    RedFlag(
        "walking-change",
        "cauda-equina",
        "Has the way you walk changed, for example you trip or your legs give way?",
        "a change in the way you walk",
    ),
    # GIRFT national suspected cauda equina pathway (2023), NICE CKS (docs/clinical.md §5).
    RedFlag(
        "sexual-dysfunction",
        "cauda-equina",
        "Have you noticed a new change in sexual function, such as numbness of the "
        "genitals or difficulty with erection or ejaculation?",
        "a new change in sexual function",
    ),
    RedFlag(
        "both-legs",
        "cauda-equina",
        "Do you have pain, numbness, tingling or weakness in both legs?",
        "symptoms in both legs",
    ),
    RedFlag("cancer-history", "cancer", "Have you ever had cancer?", "a history of cancer"),
    RedFlag(
        "weight-loss",
        "cancer",
        "Have you lost weight recently without trying?",
        "weight loss without trying",
    ),
    RedFlag(
        "night-pain",
        "cancer",
        "Is the pain worse at night or when lying down, so that it wakes you or stops "
        "you sleeping?",
        "pain that is worse at night",
    ),
    RedFlag("fever", "infection", "Do you have a fever, or feel hot and shivery?", "a fever"),
    RedFlag(
        "immunosuppressed",
        "infection",
        "Is your immune system weakened (for example by medicines such as chemotherapy "
        "or steroids, or by illness), or do you inject drugs?",
        "a weakened immune system",
    ),
    RedFlag(
        "trauma",
        "fracture",
        "Did the pain start after a fall, accident or injury — or a minor knock if you "
        "have weak bones (osteoporosis) or take steroids long-term?",
        "pain that started with a fall or injury",
    ),
)
RED_FLAG_NAMES: tuple[str, ...] = tuple(f.name for f in RED_FLAGS)
CAUDA_EQUINA = frozenset(f.name for f in RED_FLAGS if f.group == "cauda-equina")

# Symptoms a check-in may report (issues 4 and 11), and what each means (CLINICAL.md §5).
# A red-flag symptom stops the programme at once (exit 3), as the red flag it reports:
CHECKIN_RED_FLAGS: dict[str, str] = {
    "bladder-bowel": "bladder-bowel",
    "saddle-numbness": "saddle-numbness",
    "walking-change": "walking-change",  # a change in walking: cauda equina (§5)
    "worsening-weakness": "leg-weakness",  # progressive weakness in the legs: cauda equina
    "fever": "fever",  # with back pain, a possible infection
    "night-pain": "night-pain",  # worse at night or lying down: possible cancer
    "sexual-dysfunction": "sexual-dysfunction",  # cauda equina (GIRFT 2023; issue 21)
}
CAUDA_EQUINA_SYMPTOMS = frozenset(
    s for s, flag in CHECKIN_RED_FLAGS.items() if flag in CAUDA_EQUINA
)
NERVE_SYMPTOMS = frozenset({"numbness", "tingling", "weakness"})
# Unexplained weight loss is a possible-cancer sign (§5) with one severity everywhere (issue
# 21): see a GP within days, at init and at a check-in; it never stops the programme alone.
SEE_GP_SYMPTOMS = SEE_GP_RED_FLAGS
# Back pain that started under 20 or over 50: see a GP before starting, not an emergency
# (NICE CKS low back pain; docs/clinical.md §5).
AGE_BANDS_TO_CHECK = frozenset({"under-20", "over-50"})
PREGNANCY = "pregnancy"
# What the physiotherapist's red-flag alert reports (alerts.py).
ALERT_SYMPTOMS: tuple[str, ...] = (*CHECKIN_RED_FLAGS, *sorted(SEE_GP_SYMPTOMS))

# CLINICAL.md §5, "Underlying conditions", asked at init.
CONDITIONS: dict[str, str] = {
    "cancer": "cancer, now or in the past",
    "osteoporosis": "osteoporosis (weak bones)",
    "inflammatory": "an inflammatory condition such as ankylosing spondylitis",
    "recent-surgery": "surgery in the last few months",
    "pregnancy": "pregnancy",
}


def red_flag_advice(names: list[str] | tuple[str, ...]) -> str:
    """The urgent message for reported red flags: cauda equina means the emergency department."""
    return URGENT_CAUDA_EQUINA if set(names) & CAUDA_EQUINA else URGENT_OTHER


CANCER_FLAG = "cancer-history"  # a history of cancer is a red flag (§5) and a condition
CANCER_CONDITION = "cancer"


def cleared_red_flag_advice(names: list[str] | tuple[str, ...]) -> str:
    """What to watch for once a clinician has cleared a red flag (issue 11: said once)."""
    by_name = {f.name: f for f in RED_FLAGS}
    what = " and ".join(by_name[n].what if n in by_name else n for n in names)
    act = ACT_CAUDA_EQUINA if set(names) & CAUDA_EQUINA else ACT_OTHER
    return RED_FLAG_CLEARED.format(what=what, act=act)


@dataclass(frozen=True)
class Advice:
    level: str  # "urgent" | "prompt" | "advice"
    rule: str
    message: str


def _day_pain(history: History, day: date) -> dict[date, int]:
    """Each day's highest pain report up to ``day``: its check-in, and a session's pain before
    or just after it (a pain score too, CLINICAL.md §4; issue 11)."""
    by_date = {c.date: c.score for c in history.checkins if c.date <= day}
    for s in history.sessions:
        if s.date <= day:
            for score in (s.pain_before, s.pain_after):
                if score is not None and score > by_date.get(s.date, -1):
                    by_date[s.date] = score
    return by_date


def _run_of_days_at_or_above(by_date: Mapping[date, int], score: int, day: date) -> int:
    """Consecutive calendar days, ending at ``day``, with a pain report scoring ≥ ``score``."""
    n, d = 0, day
    while by_date.get(d, -1) >= score:
        n += 1
        d -= timedelta(days=1)
    return n


def seek_help(profile: Profile | None, history: History, day: date, t: Thresholds) -> list[Advice]:
    """The "when to seek professional help" rules of CLINICAL.md §5, as of ``day``."""
    found: list[Advice] = []
    checkins = sorted((c for c in history.checkins if c.date <= day), key=lambda c: c.date)
    recent = [c for c in checkins if c.date > day - timedelta(days=t.review_after_days)]
    # Numbness, tingling or weakness at any check-in → prompt review; both legs or with a
    # cauda-equina sign → urgent.
    nerve = [c for c in recent if set(c.symptoms) & NERVE_SYMPTOMS]
    if nerve:
        last = nerve[-1]
        both = "both-legs" in last.symptoms
        ce = bool(set(last.symptoms) & CAUDA_EQUINA_SYMPTOMS)
        what = ", ".join(s for s in last.symptoms if s in NERVE_SYMPTOMS)
        # Once a clinician has cleared the patient (init --cleared-by-clinician), the same
        # report is no longer an emergency; a new report un-clears the profile (logbook).
        cleared = profile is not None and profile.cleared_by_clinician
        if (both or ce) and not cleared:
            found.append(
                Advice(
                    "urgent",
                    "nerve-symptoms-urgent",
                    f"You reported {what} in both legs or with other nerve signs "
                    f"on {last.date.day} {last.date:%b}. " + URGENT_CAUDA_EQUINA,
                )
            )
        else:
            found.append(
                Advice(
                    "prompt",
                    "nerve-symptoms",
                    f"You reported {what} on {last.date.day} {last.date:%b}. "
                    f"Please arrange a "
                    "review with your GP or physiotherapist in the next few days. "
                    "Go to an emergency department at once if you lose bladder "
                    "or bowel control or feel numb between your legs.",
                )
            )
    # Unexplained weight loss, at a check-in or at init → see the GP within days: one
    # severity everywhere (docs/clinical.md §5, issue 21).
    weight = [c for c in recent if set(c.symptoms) & SEE_GP_SYMPTOMS]
    if weight:
        found.append(
            Advice(
                "prompt",
                "weight-loss",
                f"You reported losing weight without trying on "
                f"{weight[-1].date.day} {weight[-1].date:%b}. {WEIGHT_LOSS_ADVICE}",
            )
        )
    elif (
        profile is not None
        and set(profile.red_flags) & SEE_GP_SYMPTOMS
        and not profile.cleared_by_clinician
    ):
        found.append(
            Advice(
                "prompt",
                "weight-loss",
                f"You told us you have lost weight without trying. {WEIGHT_LOSS_ADVICE}",
            )
        )
    # Severe pain: 7 or more on 3 consecutive days → review (CLINICAL.md §5), whether the
    # patient said it at a check-in or before or just after a session. The message names the run it
    # saw: one that ended yesterday is said as such, never as still going on after a lower
    # score today (issue 14).
    day_pain = _day_pain(history, day)
    run_now = _run_of_days_at_or_above(day_pain, t.severe_pain, day)
    yesterday = day - timedelta(days=1)
    run_before = _run_of_days_at_or_above(day_pain, t.severe_pain, yesterday)
    if run_now >= t.severe_days:
        found.append(
            Advice(
                "prompt",
                "severe-pain-3-days",
                f"Your pain has been {t.severe_pain}/10 or more for "
                f"{plural(run_now, 'day')} in a row. Please see your GP or "
                "physiotherapist for a review.",
            )
        )
    elif run_before >= t.severe_days:
        found.append(
            Advice(
                "prompt",
                "severe-pain-3-days",
                f"Your pain was {t.severe_pain}/10 or more on "
                f"{plural(run_before, 'day')} in a row, up to "
                f"{yesterday.day} {yesterday:%b}. "
                f"Please see your GP or physiotherapist for a "
                "review.",
            )
        )
    # Pain persists despite self-care: after 14 days, no minimal important change.
    if profile is not None and day >= profile.start_date + timedelta(days=t.review_after_days):
        index = index_history(history, day, {})
        base, _, _ = baseline_pain(profile, index)
        first = shift(day, 1 - PAIN_WINDOW_DAYS)
        current = mean_pain(index.pain_by_day, first, day)
        exact = exact_mean_pain(index.pain_by_day, first, day)  # judged unrounded (§9)
        if (
            base is not None
            and current is not None
            and exact is not None
            and base > 0
            and not pain_change(base, exact, t).clinically_important
        ):
            found.append(
                Advice(
                    "advice",
                    "no-improvement-14-days",
                    f"After {t.review_after_days} days your pain ({current:g}/10 "
                    f"this week, {base}/10 at the start) has not clearly eased. "
                    "It is worth contacting a physiotherapist, an MSK service or "
                    "your GP (NHS Inform advises this after 2 weeks).",
                )
            )
    if profile is not None:
        if (
            profile.age_band in AGE_BANDS_TO_CHECK
            and not profile.cleared_by_clinician
            and profile.assessed_by_clinician is not True
        ):
            found.append(Advice("prompt", "age-at-onset", AGE_ADVICE))
        if PREGNANCY in profile.conditions:
            # ACOG Committee Opinion 804's warning signs (docs/clinical.md §8): every plan and
            # session says them, cleared or not.
            found.append(Advice("advice", "pregnancy-stop-signs", PREGNANCY_STOP_SIGNS))
        if profile.conditions and not profile.cleared_by_clinician:
            named = ", ".join(CONDITIONS.get(c, c) for c in profile.conditions)
            found.append(
                Advice(
                    "advice",
                    "underlying-condition",
                    f"You told us about {named}. Please check with your doctor or "
                    "physiotherapist that these exercises suit you.",
                )
            )
        # Uncertain cause: not assessed, or not said (issue 11: unknown is not assessed).
        if profile.assessed_by_clinician is not True:
            found.append(
                Advice(
                    "advice",
                    "not-assessed",
                    "Your back pain has not been assessed by a clinician yet. An "
                    "assessment by a physiotherapist or GP is a good idea; you "
                    "can start gently meanwhile.",
                )
            )
    return found


def flare_active(
    history: History, day: date, t: Thresholds, profile: Profile | None = None
) -> tuple[bool, str]:
    """CLINICAL.md §4 flare-up: today's pain is 7 or more, or a flare started (a declared
    one, or a day at 7 or more) and the pain has not yet been under 7 for 2 days. One rule
    for every flare, declared or not (issue 11), and every pain of a day counts: the
    baseline at init, a check-in, and a session's pain before and after (issue 20,
    ``daypain``). Returns (active, why)."""
    return flare_on(day, day_pains(history, profile, day), declared_flares(history), t)


# --- the red-flag stop, a consequence of the log (issue 17) ----------------------------------

BOTH_LEGS = "both-legs"  # a check-in's numbness, tingling or weakness is in both legs
# Check-in symptoms that are red flags in CLINICAL.md §5, each as the red flag it reports.
RED_FLAG_SYMPTOMS = CHECKIN_RED_FLAGS


def checkin_red_flags(checkin: PainCheckin) -> tuple[str, ...]:
    """The red flags a check-in reported (CLINICAL.md §5): its red-flag symptoms, else nerve
    symptoms in both legs, which are severe or progressive leg signs (leg-weakness)."""
    flags = tuple(RED_FLAG_SYMPTOMS[s] for s in checkin.symptoms if s in RED_FLAG_SYMPTOMS)
    if not flags and BOTH_LEGS in checkin.symptoms and set(checkin.symptoms) & NERVE_SYMPTOMS:
        return ("leg-weakness",)
    return flags


def clearance_day(profile: Profile | None) -> date | None:
    """The day of the last clinician clearance (``backcare clear``), if any."""
    return profile.cleared_on if profile is not None else None


CLEARANCE_NAME_MAX_CHARS = 80  # a clinician's name and role, on one line


def clearance_note(by: str, note: str | None) -> str:
    """What the log keeps of a clearance (issue 21): who cleared the patient, and what they
    said. ``by`` is required: a clearance nobody signed is not one."""
    name = " ".join(by.split())
    if not name:
        raise UsageProblem("--by needs the name of the clinician who cleared you")
    if len(name) > CLEARANCE_NAME_MAX_CHARS:
        raise BackcareError(
            f"--by is {len(name)} characters long: a name is at most {CLEARANCE_NAME_MAX_CHARS}"
        )
    return f"Cleared by {name}" + (f": {note}" if note else "")


def cleared_profile(profile: Profile, day: date, today: date) -> Profile:
    """The profile once a clinician has cleared its red flags on ``day`` (CLINICAL.md §5).
    Nothing else changes: not the baseline, the start date or the conditions (issue 21)."""
    return replace(profile, cleared_by_clinician=True, cleared_on=day, updated=today)


def red_flag_stop(profile: Profile | None, history: History) -> str | None:
    """Why the programme is stopped, or None. A red flag stops it until a clinician has
    checked it (CLINICAL.md §5): one reported at the safety screen (kept in the profile), or
    any check-in after the last clearance that reported one, whatever the profile says. So
    a crash between a check-in and the profile's update, or a profile restored from a
    morning's backup, cannot lift the stop (issue 17). ``history`` must hold every check-in
    since :func:`clearance_day`, not only the planner's weeks. A clearance covers the whole
    of its day (check-ins have a day, not a time); a red flag reported again later that day
    stops the programme through the profile, which ``pain`` updates before it stores the
    check-in."""
    names = list(profile.red_flags) if profile is not None and profile.blocked_by_red_flag else []
    since = clearance_day(profile)
    for c in history.checkins:
        if since is None or c.date > since:
            names += checkin_red_flags(c)
    if not names:
        return None
    return red_flag_advice(names) + " " + BLOCKED_UNTIL_CLEARED
