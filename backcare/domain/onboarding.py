"""Onboarding (``backcare init``) as pure rules: validating answers and building a profile."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from backcare.domain.models import (
    AGE_BANDS,
    EQUIPMENT,
    LEGACY_EQUIPMENT,
    POSITIONS,
    PREGNANCY_WEEK_RANGE,
    Profile,
)
from backcare.domain.safety import (
    CANCER_CONDITION,
    CANCER_FLAG,
    CONDITIONS,
    PREGNANCY,
    RED_FLAG_NAMES,
)
from backcare.domain.suggest import did_you_mean
from backcare.errors import BackcareError, UsageProblem

MINUTES_RANGE = (10, 180)  # below 10 minutes the four kinds of exercise do not fit
DAYS_RANGE = (1, 7)
DEFAULT_MINUTES = 20  # issue 3
DEFAULT_DAYS = 7  # NHS: aim to do the exercises every day (CLINICAL.md §2)
DEFAULT_EQUIPMENT = ("none", "mat")  # a floor or bed to lie on is assumed


def check_range(option: str, value: int | None, low: int, high: int) -> int | None:
    if value is not None and not low <= value <= high:
        raise UsageProblem(f"{option} {value} is out of range: it must be {low} to {high}")
    return value


def split_names(
    option: str, text: str | None, allowed: tuple[str, ...] | list[str]
) -> list[str] | None:
    """A comma-separated list of names from a closed list, or a clear error."""
    if text is None:
        return None
    names = [n.strip().lower() for n in text.split(",") if n.strip()]
    for n in names:
        if n not in allowed:
            raise UsageProblem(
                f"{option}: '{n[:40]}' is not one of {', '.join(allowed)}{did_you_mean(n, allowed)}"
            )
    return list(dict.fromkeys(names))


def check_red_flags(names: list[str]) -> list[str]:
    return split_names("--red-flag", ",".join(names), RED_FLAG_NAMES) or []


def check_age_band(text: str | None) -> str | None:
    found = split_names("--age-band", text, AGE_BANDS)
    if found is not None and len(found) != 1:
        raise UsageProblem(f"--age-band takes one of {', '.join(AGE_BANDS)}")
    return found[0] if found else None


def check_pregnancy_week(
    week: int | None, conditions: list[str] | None, existing: Profile | None
) -> int | None:
    """The week of pregnancy goes with the condition pregnancy (given now, or kept)."""
    if week is None:
        return None
    check_range("--pregnancy-week", week, *PREGNANCY_WEEK_RANGE)
    pregnant = PREGNANCY in (
        conditions if conditions is not None else existing.conditions if existing else []
    )
    if not pregnant:
        raise UsageProblem("--pregnancy-week goes with --condition pregnancy")
    return week


def check_conditions(names: list[str]) -> list[str]:
    return split_names("--condition", ",".join(names), list(CONDITIONS)) or []


def check_equipment(text: str | None) -> list[str] | None:
    for name in (text or "").split(","):
        split = LEGACY_EQUIPMENT.get(name.strip().lower())
        if split:
            raise UsageProblem(
                f"--equipment: '{name.strip()}' is now {' and '.join(split)}; "
                "name the ones you have"
            )
    names = split_names("--equipment", text, EQUIPMENT)
    if names is None:
        return None
    return ["none", *[n for n in names if n != "none"]]


def check_positions(text: str | None) -> list[str] | None:
    names = split_names("--avoid-position", text, POSITIONS)
    if names is not None and set(names) >= {"lying", "sitting", "standing"}:
        raise BackcareError(
            "--avoid-position: at least one of lying, sitting or standing "
            "must be possible for any exercise to fit"
        )
    return names


@dataclass
class InitAnswers:
    """What ``init`` learned; None means not answered (keep the existing value)."""

    start_date: date
    red_flags: list[str] | None = None
    cleared_by_clinician: bool | None = None
    conditions: list[str] | None = None
    assessed_by_clinician: bool | None = None
    pain: int | None = None
    minutes: int | None = None
    days_per_week: int | None = None
    equipment: list[str] | None = None
    avoid_positions: list[str] | None = None
    age_band: str | None = None
    pregnancy_week: int | None = None
    notes: list[str] = field(default_factory=list)
    # Red flags another answer implies: a history of cancer (--condition cancer) is the red
    # flag cancer-history (CLINICAL.md §5, issue 11).
    implied_red_flags: list[str] = field(default_factory=list)

    @property
    def stopping(self) -> bool:
        """A red flag was reported and no clinician has cleared it: init ends with exit 3."""
        return (
            bool(self.red_flags or self.implied_red_flags) and self.cleared_by_clinician is not True
        )


def imply_red_flags(a: InitAnswers, no_red_flags: bool) -> None:
    """A history of cancer is a red flag (CLINICAL.md §5): ``--condition cancer`` reports the
    red flag cancer-history too, so that a clinician must clear it as any other, and it
    contradicts ``--no-red-flags`` (issue 11), which is refused as a usage error."""
    if a.conditions is None or CANCER_CONDITION not in a.conditions:
        return
    if no_red_flags:
        raise UsageProblem(
            f"--no-red-flags contradicts --condition {CANCER_CONDITION}: a "
            f"history of cancer is a red flag. Give --red-flag {CANCER_FLAG} "
            "instead, with --cleared-by-clinician once a clinician has "
            "checked it"
        )
    a.implied_red_flags = [CANCER_FLAG]


def build_profile(a: InitAnswers, existing: Profile | None, today: date) -> Profile:
    """A new profile, or the existing one updated with what was answered. Re-running init
    never touches the log; red flags already recorded stay until cleared."""
    base = existing or Profile(
        start_date=a.start_date,
        minutes_per_day=DEFAULT_MINUTES,
        days_per_week=DEFAULT_DAYS,
        equipment=list(DEFAULT_EQUIPMENT),
        created=today,
    )
    flags = a.red_flags if a.red_flags is not None else base.red_flags
    flags = list(dict.fromkeys([*flags, *a.implied_red_flags]))
    if base.blocked_by_red_flag and a.cleared_by_clinician is not True:
        # A red flag, once reported, stops the programme until a clinician has checked it
        # (CLINICAL.md §5): answering "no" on a later run does not lift it.
        flags = list(dict.fromkeys([*base.red_flags, *flags]))
    cleared = (
        a.cleared_by_clinician
        if a.cleared_by_clinician is not None
        else (base.cleared_by_clinician if set(flags) <= set(base.red_flags) else False)
    )
    conditions = a.conditions if a.conditions is not None else base.conditions
    # The week of pregnancy, as given on the day it was (it is counted on from there).
    week, week_on = (
        (a.pregnancy_week, today)
        if a.pregnancy_week is not None
        else (base.pregnancy_week, base.pregnancy_week_on)
    )
    if PREGNANCY not in conditions:
        week, week_on = None, None
    return replace(
        base,
        start_date=a.start_date,
        baseline_pain=a.pain if a.pain is not None else base.baseline_pain,
        minutes_per_day=a.minutes if a.minutes is not None else base.minutes_per_day,
        days_per_week=a.days_per_week if a.days_per_week is not None else base.days_per_week,
        equipment=a.equipment if a.equipment is not None else base.equipment,
        avoid_positions=a.avoid_positions
        if a.avoid_positions is not None
        else base.avoid_positions,
        red_flags=list(flags),
        cleared_by_clinician=bool(cleared),
        cleared_on=today if a.cleared_by_clinician else base.cleared_on,
        conditions=conditions,
        assessed_by_clinician=a.assessed_by_clinician
        if a.assessed_by_clinician is not None
        else base.assessed_by_clinician,
        age_band=a.age_band if a.age_band is not None else base.age_band,
        pregnancy_week=week,
        pregnancy_week_on=week_on,
        updated=today,
    )


# How each profile field is named when init says what changed (issue 21).
FIELD_WORDS: tuple[tuple[str, str], ...] = (
    ("start_date", "start date"),
    ("baseline_pain", "pain at the start"),
    ("minutes_per_day", "minutes a day"),
    ("days_per_week", "days a week"),
    ("equipment", "equipment"),
    ("avoid_positions", "positions to avoid"),
    ("red_flags", "red flags"),
    ("conditions", "conditions"),
    ("assessed_by_clinician", "assessed by a clinician"),
    ("age_band", "age when it started"),
    ("pregnancy_week", "week of pregnancy"),
)


def profile_changes(before: Profile | None, after: Profile, today: date) -> list[str]:
    """What a re-run of init changed, one line a field: "pain at the start: 5 → 3". The
    week of pregnancy is compared as it stands ``today`` (each counts on from its day)."""
    if before is None:
        return []
    old, new = before.to_dict(), after.to_dict()
    old["pregnancy_week"] = before.week_of_pregnancy(today)
    new["pregnancy_week"] = after.week_of_pregnancy(today)

    def shown(value: object) -> str:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value if v != "none") or "none"
        if isinstance(value, bool):
            return "yes" if value else "no"
        return "not given" if value is None else str(value)

    lines = []
    for key, words in FIELD_WORDS:
        if old.get(key) != new.get(key):
            lines.append(f"{words}: {shown(old.get(key))} → {shown(new.get(key))}")
    return lines
