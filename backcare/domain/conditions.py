"""Conditions that change the plan (CLINICAL.md §8): the rules the planner applies for an
underlying condition the patient reported at ``init``, each with its source.

A condition does not only add a line of advice (that is :func:`backcare.domain.safety.
seek_help`): it changes which exercises are planned and how. The rules act on the library's
``tags`` (:data:`backcare.domain.models.TAGS`), so a physiotherapist's own exercises follow
them as soon as they are tagged.

- **Osteoporosis**: no loaded or end-range bending of the spine and no end-range twisting.
- **Pregnancy**: nothing lying on the back (backcare assumes the first trimester is past,
  as CLINICAL.md §8 says, unless the patient gave a week of 13 or less) or on the front, and
  nothing with a risk of a fall or a blow.
- **Recent spinal surgery**: the plan holds every exercise at its starting dose, with no
  progression, until the surgeon's or physiotherapist's programme is imported.
- **Inflammatory back pain**: the daily spinal mobility and extension work stays in every
  plan, first among the stretches.
- **Osteoporosis** also favours balance work: a graded balance exercise (tagged
  ``balance``) comes first among the posture work.
Pure data and small functions: no clock, no storage, no printing.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from backcare.domain.models import Exercise, Profile


class LeaveOut(NamedTuple):
    """A condition's rule that leaves out every exercise with one of ``tags``."""

    condition: str
    tags: frozenset[str]
    why: str  # one clause, with its source, for an item's reason


# CLINICAL.md §8, Osteoporosis: Too Fit To Fracture (Giangregorio et al., Osteoporos Int
# 2014;25:821-35) and "Strong, steady and straight" (Brooke-Wavell et al., Br J Sports Med
# 2022;56:837-46): avoid loaded spinal flexion and end-range bending and twisting.
OSTEOPOROSIS = LeaveOut(
    "osteoporosis",
    frozenset({"loaded-flexion", "end-range-flexion", "end-range-twist"}),
    "osteoporosis: no loaded or full bending or twisting of the spine (Too Fit To Fracture "
    "2014; Strong, Steady and Straight 2022)",
)
# CLINICAL.md §8, Pregnancy: ACOG Committee Opinion 804 (2020): no exercise lying on the
# back after the first trimester; lying prone becomes impractical; avoid activities with a
# risk of falling or of a blow to the abdomen.
PREGNANCY = LeaveOut(
    "pregnancy",
    frozenset({"supine", "prone", "fall-risk", "high-impact"}),
    "pregnancy: no lying on your back or front, nothing with a risk of a fall (ACOG "
    "Committee Opinion 804, 2020)",
)
# In the first trimester lying on the back is still fine (ACOG 804: avoid it for long after
# the first trimester); the rest of the rule stands. Only when the patient has said her week.
PREGNANCY_FIRST_TRIMESTER = LeaveOut(
    "pregnancy",
    frozenset({"prone", "fall-risk", "high-impact"}),
    "pregnancy: nothing lying on your front, nothing with a risk of a fall (ACOG Committee "
    "Opinion 804, 2020)",
)
FIRST_TRIMESTER_LAST_WEEK = 13  # weeks 1-13 (ACOG); backcare assumes it is past unless told
LEAVE_OUT: tuple[LeaveOut, ...] = (OSTEOPOROSIS, PREGNANCY)

# CLINICAL.md §8, Recent spinal surgery: a project rule with no external source.
RECENT_SURGERY = "recent-surgery"
HOLD_AT_START_WHY = (
    "recent spinal surgery: starting doses, with no progression, until your "
    "surgeon's or physiotherapist's programme is imported ('backcare "
    "programme import')"
)
# CLINICAL.md §8, Inflammatory back pain: NICE NG65 (2017); morning stiffness eases with
# movement, so the daily mobility and extension work is kept.
INFLAMMATORY = "inflammatory"
MOBILITY_TAGS = frozenset({"spinal-mobility", "extension"})
KEEP_MOBILITY_WHY = (
    "kept every day for inflammatory back pain: movement eases the morning stiffness (NICE NG65)"
)


# CLINICAL.md §8 and docs/clinical.md §8, Osteoporosis: favour balance work (Too Fit To
# Fracture 2014; Brooke-Wavell et al. 2022): one graded balance exercise in the plan.
BALANCE_TAG = "balance"
BALANCE_WHY = (
    "balance work for osteoporosis, to lower the risk of a fall (Too Fit To "
    "Fracture 2014; Strong, Steady and Straight 2022)"
)


class PlanRules(NamedTuple):
    """What the patient's conditions ask of the plan."""

    leave_out: tuple[LeaveOut, ...] = ()
    hold_at_start: bool = False
    keep_mobility: bool = False
    balance_first: bool = False  # osteoporosis: a balance exercise in every plan

    def left_out_why(self, ex: Exercise) -> str | None:
        """Why a rule leaves ``ex`` out, or None when none does."""
        for rule in self.leave_out:
            if rule.tags & set(ex.tags):
                return rule.why
        return None

    def allows(self, ex: Exercise | None) -> bool:
        return ex is not None and self.left_out_why(ex) is None


NO_RULES = PlanRules()


def plan_rules(profile: Profile | None, day: date | None = None) -> PlanRules:
    """The rules for ``profile``'s conditions on ``day`` (none before ``init``)."""
    if profile is None or not profile.conditions:
        return NO_RULES
    conditions = set(profile.conditions)
    week = profile.week_of_pregnancy(day) if day is not None else None
    early = week is not None and week <= FIRST_TRIMESTER_LAST_WEEK
    rules = [
        PREGNANCY_FIRST_TRIMESTER if r is PREGNANCY and early else r
        for r in LEAVE_OUT
        if r.condition in conditions
    ]
    return PlanRules(
        leave_out=tuple(rules),
        hold_at_start=RECENT_SURGERY in conditions,
        keep_mobility=INFLAMMATORY in conditions,
        balance_first=OSTEOPOROSIS.condition in conditions,
    )


def is_balance(ex: Exercise) -> bool:
    return BALANCE_TAG in ex.tags


# The words that tie a caution to a condition (issue 21): the plan shows each exercise's
# caution that matters most for this patient, not a line about a condition they do not have.
CAUTION_CONDITIONS: dict[str, tuple[str, ...]] = {
    "osteoporosis": ("osteoporosis",),
    "pregnancy": ("pregnan",),
}


def relevant_caution(ex: Exercise, conditions: tuple[str, ...] | list[str]) -> str | None:
    """The caution to show beside ``ex`` in the plan: one about a condition the patient has,
    else the first general one, else (only then) one about another condition."""

    def about(caution: str) -> set[str]:
        text = caution.lower()
        return {c for c, words in CAUTION_CONDITIONS.items() if any(w in text for w in words)}

    mine = [c for c in ex.cautions if about(c) & set(conditions)]
    general = [c for c in ex.cautions if not about(c)]
    return next(iter([*mine, *general, *ex.cautions]), None)


def is_mobility(ex: Exercise) -> bool:
    return bool(MOBILITY_TAGS & set(ex.tags))
