"""Clinical thresholds as named constants, each with its source in CLINICAL.md.

Where CLINICAL.md says a value is our chosen default between disagreeing sources, it can be
changed by a physiotherapist through ``$BACKCARE_HOME/settings.yaml`` (see ``settings.py``);
logic reads these through a :class:`Thresholds` value, never as bare numbers.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import NamedTuple

from backcare.errors import UsageProblem

PAIN_MIN, PAIN_MAX = 0, 10  # NRS 0–10, CLINICAL.md §3
SCORE_DECIMALS = 1  # scores, means and changes are shown to 1 decimal


def round_half_up(value: float, decimals: int = SCORE_DECIMALS) -> float:
    """Round half away from zero (5.25 -> 5.3), as a clinician would by hand; Python's
    round() gives 5.2. Every mean and score backcare shows goes through here."""
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def check_pain(value: int | None, what: str) -> int | None:
    """A pain score as given (``what`` names the option), or a refusal: pain is 0–10."""
    if value is not None and not PAIN_MIN <= value <= PAIN_MAX:
        raise UsageProblem(f"{what} {value} is out of range: pain is {PAIN_MIN} to {PAIN_MAX}")
    return value


class Thresholds(NamedTuple):
    # Pain-guided progression, CLINICAL.md §4 (clinic traffic-light schemes; Silbernagel 2007).
    # No validated back-pain rule exists, so these are defaults a physiotherapist may change.
    green_max: int = 3  # 0–3 green, "safe"
    amber_max: int = 5  # 4–5 amber, "acceptable" if settled next morning; 6+ red
    next_morning_rise: int = 2  # next-morning pain ≥ 2 above pre-session → red (§4)
    greens_to_progress: int = 3  # progress after 3 consecutive green sessions (§4)
    reps_step: int = 2  # NHS Inform: add 1–2 repetitions (§2, §4)
    hold_step_s: int = 2  # holds go up in steps of no more than 2–3 s (§4, issue 20)
    # Aerobic time goes up about 10% a week (§2, §4: the "10% rule" of graded activity),
    # by at least this many minutes, towards the WHO 150 minutes a week.
    aerobic_step_min: int = 1
    aerobic_step_percent: int = 10
    aerobic_step_days: int = 7  # at most one aerobic step a week
    # Flare-up, CLINICAL.md §4: today's pain ≥ 7, or declared.
    flare_pain: int = 7
    flare_clear_days: int = 2  # any flare ends after 2 days under 7 (issues 4 and 11)
    # Seek-help rules, CLINICAL.md §5.
    review_after_days: int = 14  # NHS Inform: no improvement after 2 weeks
    severe_pain: int = 7
    severe_days: int = 3  # pain ≥ 7 on 3 consecutive days
    # Minimal important change for NRS pain: 2 points or 30% (Ostelo 2008, CLINICAL.md §3).
    pain_mic_points: float = 2.0
    pain_mic_percent: float = 30.0
    # Alerts for the physiotherapist, CLINICAL.md §5 (modelled on Medbridge Pathways).
    alert_low_pain: int = 5  # pain ≥ 5 and up ≥ 1 since the last report
    alert_low_rise: int = 1
    alert_no_session_days: int = 3
    alert_high_rise_from_baseline: int = 2
    alert_high_adherence_percent: float = 50.0
    alert_adherence_window_days: int = 14
    alert_critical_pain: int = 7
    alert_function_drop_percent: float = 20.0
    # The clinic (issue 22): a patient who has sent no export for 14 days is a finding.
    alert_no_export_days: int = 14
    # Reassessment of questionnaires every 2 weeks (issue 5).
    reassess_days: int = 14
    # WHO 2020: 150–300 minutes of moderate activity a week (CLINICAL.md §2).
    aerobic_week_minutes: int = 150
    # How far back the planner looks: an exercise not done for 6 weeks restarts at its
    # entry dose, as strength and tolerance fade with a long break.
    planner_lookback_days: int = 42
    # The routine (issue 20, docs/clinical.md §4): an exercise that hurt 7/10 or more once,
    # or was red twice in 14 days, is swapped for another of its kind; a review is proposed
    # every 6 weeks; a flare-up plan leaves out what was red in the last 7 days.
    hurt_swap_pain: int = 7
    red_swap_count: int = 2
    red_swap_days: int = 14
    routine_review_days: int = 42
    flare_red_days: int = 7
    # The ODI is scored only with at least 8 of its 10 sections answered (CLINICAL.md §9:
    # no agreed limit; a common practice), so this is configurable.
    odi_min_sections: int = 8


DEFAULT = Thresholds()

# CLINICAL.md §10: a physiotherapist may tune these in settings.yaml, within these bounds, so
# that no setting can switch a safety rule off (a flare at pain 11, a red zone that is never
# reached, a review after a year). The bounds §10 names are theirs; the others are ours, each
# wide enough for clinical taste and narrow enough to keep the rule meaningful.
BOUNDS: dict[str, tuple[float, float]] = {
    "green_max": (1, 4),  # §10
    "amber_max": (2, 7),  # §10: green_max + 1 to 7 (the lower bound is checked too)
    "next_morning_rise": (1, 4),  # §10
    "greens_to_progress": (2, 6),  # §10
    "reps_step": (1, 2),  # NHS Inform: add 1 or 2 repetitions (§2)
    "hold_step_s": (1, 3),  # issue 20: steps of no more than 2–3 s
    "aerobic_step_min": (1, 5),
    "aerobic_step_percent": (5, 20),
    "aerobic_step_days": (3, 14),
    "flare_pain": (6, 8),  # §10
    "flare_clear_days": (1, 7),
    "review_after_days": (7, 28),  # §10
    "severe_pain": (6, 8),  # §10
    "severe_days": (1, 5),  # §10
    "pain_mic_points": (1, 4),  # Ostelo 2008 gives 2 (§3)
    "pain_mic_percent": (10, 50),  # Ostelo 2008 gives 30% (§3)
    "alert_low_pain": (3, 8),  # §10: alert pain levels
    "alert_low_rise": (1, 4),
    "alert_no_session_days": (2, 14),
    "alert_high_rise_from_baseline": (1, 4),
    "alert_high_adherence_percent": (10, 90),
    "alert_adherence_window_days": (7, 28),
    "alert_critical_pain": (3, 8),  # §10: alert pain levels
    "alert_function_drop_percent": (5, 50),
    "alert_no_export_days": (7, 56),  # ours: from a week to eight weeks of silence
    "reassess_days": (7, 42),
    "aerobic_week_minutes": (60, 300),  # WHO 2020: 150-300 a week (§2)
    "planner_lookback_days": (14, 84),
    "hurt_swap_pain": (6, 8),  # the severe-pain levels of §10
    "red_swap_count": (1, 4),
    "red_swap_days": (7, 28),
    "routine_review_days": (28, 84),
    "flare_red_days": (3, 14),
    "odi_min_sections": (5, 10),  # §9: no agreed rule; Fairbank's example misses one
}
