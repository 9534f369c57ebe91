"""Scoring the questionnaires, and reading what a change in score means (CLINICAL.md §3).

Pure functions over plain data: no printing, no prompting, no clock, no storage. Every bad input
raises :class:`~backcare.errors.BackcareError` with a message that names the bad value and where
it is.

The pieces:

- :func:`parse_answers` reads the ``--answers`` text of ``backcare assess`` (CONTRACT.md);
  :func:`format_answers` writes it back.
- :func:`score_odi`, :func:`score_rmdq`, :func:`score_startback`, :func:`score_psfs`,
  :func:`score_peg` score one instrument; :func:`score` is the single entry point and returns a
  :class:`Scored` with a JSON-ready copy of the answers (``answers_json``), which
  :func:`answers_from_json` reads back.
- :func:`change_verdict` and :func:`pain_change` say whether a change counts;
  :func:`summary_sentence` puts one into words.

The normalised answers (what :func:`parse_answers` and :func:`answers_from_json` return, and
what ``answers_json`` holds in JSON form):

=========  ======================================  ============================================
odi        ``list[int | None]``, 10 sections       ``[3, null, 2, ...]``; null = unanswered
rmdq       ``list[bool]``, 24 items                ``[true, false, ...]``; true = "yes"
startback  :class:`StartBackAnswers`               ``{"items": [8 bools], "bothersomeness": 0-4}``
psfs       ``dict[str, int]``, activity -> rating  ``{"walking": 4, ...}`` in the order given
peg        ``list[int]``, 3 values                 ``[6, 5, 7]``
=========  ======================================  ============================================

STarT Back's answers are kept as an object, not a flat list of nine, because item 9 is on a
different scale (0-4) from items 1-8 (agree/disagree); a reader of an export cannot mistake it.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache
from typing import Any, Literal, NamedTuple, TypeAlias

from backcare.domain.clinical import DEFAULT, Thresholds, round_half_up
from backcare.domain.instruments import (
    ANSWER_MIN,
    NRS_CHANGE_RULE,
    NRS_MAX,
    NRS_WORSE_MIN_POINTS,
    ODI_SCORE_MAX,
    ODI_SECTION_MAX,
    PEG_RATING_MAX,
    PSFS_ACTIVITY_MAX_CHARS,
    PSFS_RATING_MAX,
    STARTBACK_AGREE_ITEMS,
    STARTBACK_BOTHER_LABELS,
    STARTBACK_BOTHER_MAX,
    ChangeRule,
    Instrument,
    get_instrument,
)
from backcare.domain.models import Assessment
from backcare.errors import BackcareError

# --- Scoring rules (CLINICAL.md §3) -----------------------------------------------------------
# ODI bands. Published as whole-number ranges (0-20, 21-40, ...); our scores have one decimal,
# so each band's upper bound is inclusive and anything above it belongs to the next band:
# 20.0 is minimal, 20.5 is moderate.
ODI_BANDS: tuple[tuple[float, str], ...] = (
    (20.0, "minimal"),
    (40.0, "moderate"),
    (60.0, "severe"),
    (80.0, "crippled"),
    (ODI_SCORE_MAX, "bed-bound"),
)
# CLINICAL.md §9: there is no agreed limit on unanswered ODI sections (Fairbank's example has
# one). backcare scores only when at least 8 of the 10 are answered, a common practice; a
# physiotherapist may change it (Thresholds.odi_min_sections, within 5-10). Every unanswered
# section leaves the denominator, as CLINICAL.md §3 says.
ODI_MIN_SECTIONS_ANSWERED = DEFAULT.odi_min_sections

# Plain words for the ODI bands on the patient's terminal (issue 11): Fairbank's names
# "crippled" and "bed-bound" stay in the exports, for clinicians, and never reach the patient.
ODI_BAND_WORDS: dict[str, str] = {
    "minimal": "minimal",
    "moderate": "moderate",
    "severe": "severe",
    "crippled": "very severe",
    "bed-bound": "extreme",
}

# STarT Back (CLINICAL.md §3): only "very much" (3) and "extremely" (4) on item 9 score 1.
STARTBACK_BOTHER_SCORES_FROM = 3
STARTBACK_LOW_MAX_TOTAL = 3  # total 0-3 -> low risk
STARTBACK_HIGH_MIN_PSYCHOSOCIAL = 4  # total >= 4: psychosocial (items 5-9) 4-5 -> high
STARTBACK_PSYCHOSOCIAL_FIRST_ITEM = 5  # the psychosocial subscore is items 5-9
RISK_LOW = "low"
RISK_MEDIUM = "medium"
RISK_HIGH = "high"
RISK_ORDER: tuple[str, ...] = (RISK_LOW, RISK_MEDIUM, RISK_HIGH)  # low < medium < high

SCORE_DECIMALS = 1  # ODI, PSFS and PEG scores, and changes, are shown to 1 decimal

# --- Answer words accepted in --answers (case-insensitive) ------------------------------------
YES_WORDS = frozenset({"y", "yes"})
NO_WORDS = frozenset({"n", "no"})
ODI_UNANSWERED = "-"  # CONTRACT.md: '-' marks an unanswered ODI section
ANSWER_SEPARATOR = ","
PSFS_PAIR_SEPARATOR = "="
_DIGITS = re.compile(r"[0-9]{1,4}")  # a whole number; more digits than any scale needs is bad

Direction: TypeAlias = Literal["improved", "worse", "no clear change", "activities differ"]
IMPROVED: Direction = "improved"
WORSE: Direction = "worse"
NO_CLEAR_CHANGE: Direction = "no clear change"
# PSFS results that rate different activities are not compared (CLINICAL.md §9): no verdict.
ACTIVITIES_DIFFER: Direction = "activities differ"


@dataclass(frozen=True)
class StartBackAnswers:
    """STarT Back answers: items 1-8 (True = agree), and item 9 as 0-4 (not at all ...
    extremely)."""

    items: tuple[bool, ...]
    bothersomeness: int


Answers: TypeAlias = Sequence[int | None] | StartBackAnswers | Mapping[str, int]


@dataclass(frozen=True)
class StartBackResult:
    total: int  # 0-9
    psychosocial: int  # items 5-9, 0-5
    risk: str  # "low" | "medium" | "high"


@dataclass(frozen=True)
class Scored:
    """One scored questionnaire.

    ``band`` is the ODI band or the STarT Back risk group, else None. ``answers_json`` is the
    normalised answers in JSON form (see the module docstring), for storage and for the
    ``answers`` field of the export. ``details`` holds extra figures: for the ODI
    ``sections_answered`` and ``raw_total``; for STarT Back ``total`` and ``psychosocial``.
    """

    instrument: str
    score: float
    band: str | None
    answers_json: Any
    details: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    """What a change between two scores means.

    - ``change``: latest - baseline, to 1 decimal (for STarT Back: risk groups moved, e.g. -1).
    - ``percent_change``: the change as a percentage of the baseline, to 1 decimal; None when
      the baseline is 0 (and for STarT Back).
    - ``direction``: "improved" or "worse" by the sign of the change, allowing for which way is
      better on this scale; "no clear change" when the change is 0 (at 1 decimal).
    - ``clinically_important``: an IMPROVEMENT that meets the threshold (points or percent,
      CLINICAL.md §3). This matches CONTRACT.md's definition for pain (change <= -2 points or
      <= -30%), so pain and questionnaires read the same way in ``progress --json``.
    - ``important_worsening``: a WORSENING that meets the relative threshold AND the
      instrument's absolute minimum above measurement error (pain 2, ODI 10, RMDQ 5, PSFS 2,
      PEG 1 points; docs/clinical.md §3). The published thresholds are for improvement.
    - ``rule``: the threshold in words, e.g. "10 points or 30%"; ``source``: where it is from.

    The percent rule needs a baseline above 0; from a baseline of 0 only the points rule can
    apply (so PEG, which has only a percent rule, never counts a rise from 0 as important).
    """

    instrument: str
    baseline: float | str
    latest: float | str
    change: float
    percent_change: float | None
    direction: Direction
    clinically_important: bool
    important_worsening: bool
    rule: str
    source: str
    note: str | None = None  # e.g. which PSFS activities were rated both times

    @property
    def meets_threshold(self) -> bool:
        """The change meets the threshold, whichever way it went."""
        return self.clinically_important or self.important_worsening


# --- Small helpers ----------------------------------------------------------------------------
def round_score(value: float) -> float:
    """Round half away from zero to 1 decimal (5.25 -> 5.3, -5.25 -> -5.3)."""
    return round_half_up(value, SCORE_DECIMALS)


def _show(value: object) -> str:
    """A value as a patient would recognise it in a message."""
    if isinstance(value, str):
        return f"'{value}'" if value.strip() else "empty"
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _is_whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _as_list(instrument: Instrument, value: object, what: str) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return list(value)
    raise BackcareError(
        f"{instrument.short_name} answers must be a list of {what}; got {_show(value)}"
    )


def _check_count(instrument: Instrument, got: int, what: str) -> None:
    if instrument.min_items == instrument.max_items:
        if got != instrument.max_items:
            raise BackcareError(
                f"{instrument.short_name} needs {instrument.max_items} {what}, but got {got}"
            )
    elif not instrument.min_items <= got <= instrument.max_items:
        raise BackcareError(
            f"{instrument.short_name} needs {instrument.min_items} to "
            f"{instrument.max_items} {what}, but got {got}"
        )


# --- Checking normalised answers (shared by score_* and answers_from_json) --------------------
def _check_odi(answers: object) -> list[int | None]:
    inst = get_instrument("odi")
    values = _as_list(inst, answers, "section answers")
    _check_count(inst, len(values), "answers, one per section")
    for pos, value in enumerate(values, 1):
        if value is not None and not (_is_whole(value) and ANSWER_MIN <= value <= ODI_SECTION_MAX):
            raise BackcareError(
                f"ODI answer {pos} is {_show(value)}: each answer must be a whole number "
                f"{ANSWER_MIN}-{ODI_SECTION_MAX}, or empty for a section left unanswered"
            )
    return values


def _check_rmdq(answers: object) -> list[bool]:
    inst = get_instrument("rmdq")
    values = _as_list(inst, answers, "yes/no answers")
    _check_count(inst, len(values), "answers")
    for pos, value in enumerate(values, 1):
        if not isinstance(value, bool):
            raise BackcareError(
                f"RMDQ answer {pos} is {_show(value)}: each answer must be yes (true) or no (false)"
            )
    return values


def _check_startback(answers: object) -> StartBackAnswers:
    inst = get_instrument("startback")
    if not isinstance(answers, StartBackAnswers):
        raise BackcareError(
            f"STarT Back answers must be items 1-{STARTBACK_AGREE_ITEMS} and "
            f"item 9; got {_show(answers)}"
        )
    items = _as_list(inst, answers.items, "agree/disagree answers")
    if len(items) != STARTBACK_AGREE_ITEMS:
        raise BackcareError(
            f"STarT Back needs {STARTBACK_AGREE_ITEMS} agree/disagree answers "
            f"before item 9, but got {len(items)}"
        )
    for pos, value in enumerate(items, 1):
        if not isinstance(value, bool):
            raise BackcareError(
                f"STarT Back answer {pos} is {_show(value)}: items "
                f"1-{STARTBACK_AGREE_ITEMS} must be agree (true) or "
                "disagree (false)"
            )
    bother = answers.bothersomeness
    if not (_is_whole(bother) and ANSWER_MIN <= bother <= STARTBACK_BOTHER_MAX):
        raise BackcareError(f"STarT Back answer 9 is {_show(bother)}: {_BOTHER_HINT}")
    return StartBackAnswers(tuple(items), bother)


_BOTHER_HINT = (
    f"it must be {ANSWER_MIN}-{STARTBACK_BOTHER_MAX} ("
    + ", ".join(f"{n} {label}" for n, label in enumerate(STARTBACK_BOTHER_LABELS))
    + ")"
)


def normalise_activity(name: str) -> str:
    """A PSFS activity name as stored: trimmed, with runs of spaces made one."""
    return " ".join(name.split())


def activity_problem(name: str) -> str | None:
    """Why this (normalised) activity name can't be used, or None if it can."""
    if not name:
        return "has no activity name"
    if ANSWER_SEPARATOR in name or PSFS_PAIR_SEPARATOR in name:
        return (
            f"contains '{ANSWER_SEPARATOR}' or '{PSFS_PAIR_SEPARATOR}', which separate "
            "the activities and their ratings"
        )
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        return "contains a control character"
    if len(name) > PSFS_ACTIVITY_MAX_CHARS:
        return f"is longer than {PSFS_ACTIVITY_MAX_CHARS} characters"
    return None


def _new_activity(
    name: str, pos: int, what: str, shown: str, seen: dict[str, tuple[int, str]]
) -> str:
    """A PSFS activity's name as stored, checked and not named before (``seen`` records it,
    ignoring case). ``what`` and ``shown`` say where it came from in a message: "activity 2"
    of stored answers, or "pair 2" of --answers."""
    clean = normalise_activity(name)
    problem = activity_problem(clean)
    if problem:
        raise BackcareError(f"PSFS {what} {pos} {shown} {problem}")
    key = clean.casefold()
    if key in seen:
        first_pos, first_name = seen[key]
        raise BackcareError(
            f"PSFS {what} {pos} '{clean}' repeats {what} {first_pos} "
            f"'{first_name}': name each activity once"
        )
    seen[key] = (pos, clean)
    return clean


def _check_psfs(ratings: object) -> dict[str, int]:
    inst = get_instrument("psfs")
    if not isinstance(ratings, Mapping):
        raise BackcareError(
            f"PSFS answers must pair each activity with its rating; got {_show(ratings)}"
        )
    _check_count(inst, len(ratings), "activities")
    result: dict[str, int] = {}
    seen: dict[str, tuple[int, str]] = {}
    for pos, (name, rating) in enumerate(ratings.items(), 1):
        if not isinstance(name, str):
            raise BackcareError(f"PSFS activity {pos} is {_show(name)}: it must be a name")
        clean = _new_activity(name, pos, "activity", _show(name), seen)
        if not (_is_whole(rating) and ANSWER_MIN <= rating <= PSFS_RATING_MAX):
            raise BackcareError(
                f"PSFS rating for '{clean}' (activity {pos}) is "
                f"{_show(rating)}: each rating must be a whole number "
                f"{ANSWER_MIN}-{PSFS_RATING_MAX}"
            )
        result[clean] = rating
    return result


def _check_peg(values: object) -> list[int]:
    inst = get_instrument("peg")
    items = _as_list(inst, values, "ratings")
    _check_count(inst, len(items), "values")
    for pos, value in enumerate(items, 1):
        if not (_is_whole(value) and ANSWER_MIN <= value <= PEG_RATING_MAX):
            raise BackcareError(
                f"PEG answer {pos} is {_show(value)}: each answer must be a "
                f"whole number {ANSWER_MIN}-{PEG_RATING_MAX}"
            )
    return items


# --- Scoring ----------------------------------------------------------------------------------
def score_odi(
    answers: Sequence[int | None], min_sections: int = ODI_MIN_SECTIONS_ANSWERED
) -> float:
    """ODI percent, to 1 decimal: total / (5 x sections answered) x 100 (CLINICAL.md §3).

    An unanswered section (None) is left out of the denominator: 16 over 10 sections is 32.0,
    the same 16 with one section unanswered is 16/45 = 35.6. With fewer than ``min_sections``
    answered (8 of 10 by default, CLINICAL.md §9) there is no score: it is refused.
    """
    values = _check_odi(answers)
    answered = [v for v in values if v is not None]
    if not answered:
        raise BackcareError(
            "No ODI section was answered: answer at least "
            f"{min_sections} of the {len(values)} sections to get a score"
        )
    if len(answered) < min_sections:
        raise BackcareError(
            f"The ODI needs at least {min_sections} of its {len(values)} "
            f"sections answered for a score, and {len(answered)} were: "
            "answer the sections marked '-'"
        )  # docs/clinical.md §9
    return round_score(sum(answered) / (ODI_SECTION_MAX * len(answered)) * ODI_SCORE_MAX)


def plain_band(band: str | None) -> str | None:
    """An ODI band in the plain words the patient sees (issue 11)."""
    return ODI_BAND_WORDS.get(band, band) if band is not None else None


def odi_band(score: float) -> str:
    """The ODI band of a score: minimal, moderate, severe, crippled or bed-bound.

    Upper bounds are inclusive (<= 20 minimal, <= 40 moderate, ...), so 20.5 is moderate.
    """
    _check_range(get_instrument("odi"), score, "score")
    for upper, band in ODI_BANDS:
        if score <= upper:
            return band
    raise AssertionError("unreachable: ODI_BANDS covers 0-100")  # pragma: no cover


def score_rmdq(answers: Sequence[bool]) -> int:
    """RMDQ score: the number of "yes" answers, 0-24 (CLINICAL.md §3)."""
    return sum(_check_rmdq(answers))


def score_startback(answers: StartBackAnswers) -> StartBackResult:
    """STarT Back total, psychosocial subscore and risk group (CLINICAL.md §3).

    Items 1-8 score 1 when agreed. Item 9 scores 1 only for "very much" (3) or "extremely" (4).
    Total 0-3 is low risk; otherwise the psychosocial subscore (items 5-9) decides: 4-5 high,
    0-3 medium.
    """
    checked = _check_startback(answers)
    item9 = int(checked.bothersomeness >= STARTBACK_BOTHER_SCORES_FROM)
    total = sum(checked.items) + item9
    psychosocial = sum(checked.items[STARTBACK_PSYCHOSOCIAL_FIRST_ITEM - 1 :]) + item9
    if total <= STARTBACK_LOW_MAX_TOTAL:
        risk = RISK_LOW
    elif psychosocial >= STARTBACK_HIGH_MIN_PSYCHOSOCIAL:
        risk = RISK_HIGH
    else:
        risk = RISK_MEDIUM
    return StartBackResult(total, psychosocial, risk)


def score_psfs(ratings: Mapping[str, int]) -> float:
    """PSFS score: the mean of the 3-5 activity ratings, to 1 decimal (CLINICAL.md §3).

    One decimal, like the other scores: the minimal detectable change is 2 points on the mean,
    so a second decimal would suggest a precision the scale doesn't have.
    """
    values = list(_check_psfs(ratings).values())
    return round_score(sum(values) / len(values))


def score_peg(values: Sequence[int]) -> float:
    """PEG score: the mean of the three 0-10 ratings, to 1 decimal (Krebs et al. 2009)."""
    items = _check_peg(values)
    return round_score(sum(items) / len(items))


def score(
    instrument: str, answers: Answers, *, odi_min_sections: int = ODI_MIN_SECTIONS_ANSWERED
) -> Scored:
    """Score any instrument's normalised answers (as :func:`parse_answers` returns them)."""
    return _RULES[get_instrument(instrument).id].score(answers, odi_min_sections)


def _scored_odi(answers: Answers, odi_min_sections: int) -> Scored:
    odi = _check_odi(answers)
    odi_score = score_odi(odi, odi_min_sections)
    answered = [v for v in odi if v is not None]
    return Scored(
        "odi",
        odi_score,
        odi_band(odi_score),
        list(odi),
        {"sections_answered": len(answered), "raw_total": sum(answered)},
    )


def _scored_rmdq(answers: Answers, odi_min_sections: int) -> Scored:
    rmdq = _check_rmdq(answers)
    return Scored("rmdq", score_rmdq(rmdq), None, list(rmdq))


def _scored_startback(answers: Answers, odi_min_sections: int) -> Scored:
    sb = _check_startback(answers)
    result = score_startback(sb)
    return Scored(
        "startback",
        result.total,
        result.risk,
        {"items": list(sb.items), "bothersomeness": sb.bothersomeness},
        {"total": result.total, "psychosocial": result.psychosocial},
    )


def _scored_psfs(answers: Answers, odi_min_sections: int) -> Scored:
    psfs = _check_psfs(answers)
    return Scored("psfs", score_psfs(psfs), None, dict(psfs))


def _scored_peg(answers: Answers, odi_min_sections: int) -> Scored:
    peg = _check_peg(answers)
    return Scored("peg", score_peg(peg), None, list(peg))


def answers_from_json(instrument: str, data: Any) -> Answers:
    """Read stored answers (``Scored.answers_json``, the export's ``answers``) back, checking
    them as strictly as :func:`parse_answers` checks typed ones."""
    return _RULES[get_instrument(instrument).id].from_json(data)


def _startback_from_json(data: Any) -> Answers:
    inst = get_instrument("startback")
    expected = {"items", "bothersomeness"}
    if not isinstance(data, Mapping) or set(data) != expected:
        raise BackcareError(
            "STarT Back answers must be an object with exactly 'items' "
            f"({STARTBACK_AGREE_ITEMS} true/false) and 'bothersomeness' "
            f"({ANSWER_MIN}-{STARTBACK_BOTHER_MAX}); got {_show(data)}"
        )
    items = _as_list(inst, data["items"], "agree/disagree answers")
    return _check_startback(StartBackAnswers(tuple(items), data["bothersomeness"]))


# --- Reading and writing --answers (CONTRACT.md) ----------------------------------------------
def _tokens(inst: Instrument, text: str) -> list[str]:
    if not isinstance(text, str) or not text.strip():
        raise BackcareError(f"No {inst.short_name} answers were given: give {inst.answers_hint}")
    tokens = [t.strip() for t in text.split(ANSWER_SEPARATOR)]
    got = len(tokens)
    ok = inst.min_items <= got <= inst.max_items
    if not ok:
        need = (
            str(inst.max_items)
            if inst.min_items == inst.max_items
            else f"{inst.min_items} to {inst.max_items}"
        )
        empty = [pos for pos, t in enumerate(tokens, 1) if not t]
        hint = f" (number {empty[-1]} is empty: is there a stray comma?)" if empty else ""
        unit = "activity=rating pairs" if inst.id == "psfs" else "answers"
        raise BackcareError(
            f"{inst.short_name} needs {need} {unit} separated by commas, but "
            f"got {got}{hint}: give {inst.answers_hint}"
        )
    return tokens


def _parse_whole(token: str) -> int | None:
    return int(token) if _DIGITS.fullmatch(token) else None


def _parse_yes_no(token: str) -> bool | None:
    word = token.lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return None


def parse_answers(instrument: str, text: str) -> Answers:
    """Read the ``--answers`` text of ``backcare assess <instrument>`` (CONTRACT.md).

    Spaces around answers and the case of y/n/yes/no don't matter; anything else that isn't in
    the format is refused, naming the answer's position and value. Returns the normalised
    answers described in the module docstring (use :func:`score` on them).
    """
    inst = get_instrument(instrument)
    return _RULES[inst.id].parse(_tokens(inst, text))


def _parse_odi(tokens: list[str]) -> Answers:
    odi: list[int | None] = []
    for pos, token in enumerate(tokens, 1):
        value = None if token == ODI_UNANSWERED else _parse_whole(token)
        if token != ODI_UNANSWERED and (value is None or value > ODI_SECTION_MAX):
            raise BackcareError(
                f"ODI answer {pos} is {_show(token)}: each answer must be "
                f"{ANSWER_MIN}-{ODI_SECTION_MAX} or '{ODI_UNANSWERED}'"
            )
        odi.append(value)
    return odi


def _parse_rmdq(tokens: list[str]) -> Answers:
    rmdq: list[bool] = []
    for pos, token in enumerate(tokens, 1):
        answer = _parse_yes_no(token)
        if answer is None:
            raise BackcareError(f"RMDQ answer {pos} is {_show(token)}: each answer must be y or n")
        rmdq.append(answer)
    return rmdq  # type: ignore[return-value]  # bools, which Answers reads as ints


def _parse_startback(tokens: list[str]) -> Answers:
    agree: list[bool] = []
    for pos, token in enumerate(tokens[:STARTBACK_AGREE_ITEMS], 1):
        answer = _parse_yes_no(token)
        if answer is None:
            raise BackcareError(
                f"STarT Back answer {pos} is {_show(token)}: answers "
                f"1-{STARTBACK_AGREE_ITEMS} must be y (agree) or n "
                "(disagree)"
            )
        agree.append(answer)
    last = tokens[STARTBACK_AGREE_ITEMS]
    bother = _parse_whole(last)
    if bother is None or bother > STARTBACK_BOTHER_MAX:
        raise BackcareError(f"STarT Back answer 9 is {_show(last)}: {_BOTHER_HINT}")
    return StartBackAnswers(tuple(agree), bother)


def _parse_peg(tokens: list[str]) -> Answers:
    name = get_instrument("peg").short_name
    peg: list[int] = []
    for pos, token in enumerate(tokens, 1):
        value = _parse_whole(token)
        if value is None or value > PEG_RATING_MAX:
            raise BackcareError(
                f"{name} answer {pos} is {_show(token)}: each answer must be "
                f"{ANSWER_MIN}-{PEG_RATING_MAX}"
            )
        peg.append(value)
    return peg


def _parse_psfs(tokens: list[str]) -> Answers:
    ratings: dict[str, int] = {}
    seen: dict[str, tuple[int, str]] = {}
    example = "e.g. walking=6"
    for pos, token in enumerate(tokens, 1):
        if PSFS_PAIR_SEPARATOR not in token:
            what = "is empty" if not token else f"{_show(token)} has no '='"
            raise BackcareError(f"PSFS pair {pos} {what}: write each as activity=rating, {example}")
        if token.count(PSFS_PAIR_SEPARATOR) > 1:
            raise BackcareError(
                f"PSFS pair {pos} {_show(token)} has more than one '=': write "
                f"each as activity=rating, {example}"
            )
        raw_name, raw_rating = token.split(PSFS_PAIR_SEPARATOR)
        name = _new_activity(raw_name, pos, "pair", _show(token), seen)
        rating_text = raw_rating.strip()
        rating = _parse_whole(rating_text)
        if rating is None or rating > PSFS_RATING_MAX:
            raise BackcareError(
                f"PSFS rating for '{name}' (pair {pos}) is {_show(rating_text)}"
                f": each rating must be {ANSWER_MIN}-{PSFS_RATING_MAX}"
            )
        ratings[name] = rating
    return ratings


def format_answers(instrument: str, answers: Answers) -> str:
    """The ``--answers`` text for normalised answers; :func:`parse_answers` reads it back."""
    return ANSWER_SEPARATOR.join(_RULES[get_instrument(instrument).id].format(answers))


def _format_odi(answers: Answers) -> list[str]:
    return [ODI_UNANSWERED if v is None else str(v) for v in _check_odi(answers)]


def _format_rmdq(answers: Answers) -> list[str]:
    return [_yes_no(v) for v in _check_rmdq(answers)]


def _format_startback(answers: Answers) -> list[str]:
    sb = _check_startback(answers)
    return [*(_yes_no(v) for v in sb.items), str(sb.bothersomeness)]


def _format_psfs(answers: Answers) -> list[str]:
    return [f"{name}{PSFS_PAIR_SEPARATOR}{rating}" for name, rating in _check_psfs(answers).items()]


def _format_peg(answers: Answers) -> list[str]:
    return [str(v) for v in _check_peg(answers)]


class _Rules(NamedTuple):
    """How one instrument's answers are read, checked, scored and written back."""

    parse: Callable[[list[str]], Answers]  # the --answers text, split at its commas
    score: Callable[[Answers, int], Scored]  # with the ODI's minimum of sections answered
    format: Callable[[Answers], list[str]]  # the --answers text's parts
    from_json: Callable[[Any], Answers]  # stored answers, checked as strictly as typed ones


# One row per instrument (issue 27: five `if inst.id ==` chains that fell through to PEG).
_RULES: dict[str, _Rules] = {
    "odi": _Rules(_parse_odi, _scored_odi, _format_odi, _check_odi),
    "rmdq": _Rules(_parse_rmdq, _scored_rmdq, _format_rmdq, _check_rmdq),
    "startback": _Rules(
        _parse_startback, _scored_startback, _format_startback, _startback_from_json
    ),
    "psfs": _Rules(_parse_psfs, _scored_psfs, _format_psfs, _check_psfs),
    "peg": _Rules(_parse_peg, _scored_peg, _format_peg, _check_peg),
}


def _yes_no(value: bool) -> str:
    return "y" if value else "n"


# --- Change -----------------------------------------------------------------------------------
Score: TypeAlias = float | Fraction  # a Fraction is an exact, unrounded score


def _check_range(inst: Instrument, value: object, what: str) -> Score:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float, Fraction))
        or not math.isfinite(value)
        or not inst.score_min <= value <= inst.score_max
    ):
        raise BackcareError(
            f"The {inst.short_name} {what} {_show(value)} is not a possible "
            f"score: {inst.short_name} scores run {inst.score_min:g}-"
            f"{inst.score_max:g}"
        )
    return value if isinstance(value, Fraction) else float(value)


def _exact(value: Score) -> Fraction:
    """A score as an exact number: a Fraction as it is, a float as the decimal it shows
    (2.1 is 21/10, not the binary number nearest to it)."""
    return value if isinstance(value, Fraction) else Fraction(repr(float(value)))


@lru_cache(maxsize=4096)  # pure, and a ten-year report asks the same pairs again and again
def _verdict(
    name: str, baseline: Score, latest: Score, rule: ChangeRule, higher_is_worse: bool
) -> Change:
    """Meaningful change is judged on the unrounded scores, and only shown rounded
    (CLINICAL.md §9): ODI 10/45 → 7/45 is exactly −30%, and so is PEG 20/3 → 14/3, both
    important; a pain mean of 3 → 15/7 (2.14) is −28.6%, not important, although the
    rounded 2.1 would make it −30%."""
    exact = _exact(latest) - _exact(baseline)
    exact_percent = exact / _exact(baseline) * 100 if baseline else None
    change = round_score(float(exact))
    percent = round_score(float(exact_percent)) if exact_percent is not None else None
    if change == 0:
        direction: Direction = NO_CLEAR_CHANGE
    else:
        direction = IMPROVED if (change < 0) == higher_is_worse else WORSE
    meets_points = rule.points is not None and abs(exact) >= _exact(rule.points)
    meets_percent = (
        rule.percent is not None
        and exact_percent is not None
        and abs(exact_percent) >= _exact(rule.percent)
    )
    meets = meets_points or meets_percent
    # An important worsening needs the relative threshold AND the instrument's absolute
    # minimum, which stands above measurement error (docs/clinical.md §3).
    # From a baseline of 0 any rise is relatively large: the absolute minimum decides.
    relative = (
        meets_percent or (rule.percent is not None and not baseline)
        if rule.percent is not None
        else meets_points
    )
    floor = rule.worse_points if rule.worse_points is not None else rule.points
    worse_enough = relative and (floor is None or abs(exact) >= _exact(floor))
    return Change(
        name,
        round_score(float(baseline)),
        round_score(float(latest)),
        change,
        percent,
        direction,
        clinically_important=meets and direction == IMPROVED,
        important_worsening=worse_enough and direction == WORSE,
        rule=rule.describe(),
        source=rule.source,
    )


def change_verdict(
    instrument: str, baseline: Score | str, latest: Score | str, *, rule: ChangeRule | None = None
) -> Change:
    """What the change from ``baseline`` to ``latest`` means, for one instrument.

    Thresholds (CLINICAL.md §3): ODI 10 points or 30%; RMDQ 5 points or 30% (Ostelo 2008);
    PSFS 2 points on the mean (its minimal detectable change; higher is better); PEG a 30% fall
    (our default, not a published MCID). ``rule`` overrides the instrument's threshold, e.g.
    for a clinic that prefers another default for the PEG.

    STarT Back compares risk groups, so ``baseline`` and ``latest`` are "low", "medium" or
    "high": a lower group is an improvement; any move between groups counts as important,
    because it changes the care the tool recommends. ``change`` is then the number of groups
    moved.
    """
    inst = get_instrument(instrument)
    if inst.id == "startback":
        ranks = []
        for what, value in (("baseline", baseline), ("latest", latest)):
            if not isinstance(value, str) or value not in RISK_ORDER:
                raise BackcareError(
                    f"STarT Back changes compare risk groups "
                    f"({', '.join(RISK_ORDER)}); the {what} is {_show(value)}"
                )
            ranks.append(RISK_ORDER.index(value))
        steps = ranks[1] - ranks[0]
        direction: Direction = NO_CLEAR_CHANGE if steps == 0 else IMPROVED if steps < 0 else WORSE
        used = rule or inst.change_rule
        return Change(
            "startback",
            RISK_ORDER[ranks[0]],
            RISK_ORDER[ranks[1]],
            float(steps),
            None,
            direction,
            clinically_important=direction == IMPROVED,
            important_worsening=direction == WORSE,
            rule=used.describe(),
            source=used.source,
        )
    before = _check_range(inst, baseline, "baseline")
    after = _check_range(inst, latest, "latest score")
    return _verdict(inst.id, before, after, rule or inst.change_rule, inst.higher_is_worse)


def exact_score(instrument: str, answers: Any) -> Fraction | None:
    """The unrounded score of stored answers (CLINICAL.md §9), or None when they cannot be
    read (an older or damaged record: its stored score is used instead)."""
    try:
        if instrument == "odi":
            answered = [v for v in _check_odi(answers) if v is not None]
            return (
                Fraction(sum(answered) * int(ODI_SCORE_MAX), ODI_SECTION_MAX * len(answered))
                if answered
                else None
            )
        if instrument == "rmdq":
            return Fraction(sum(_check_rmdq(answers)))
        if instrument == "psfs":
            ratings = list(_check_psfs(answers).values())
            return Fraction(sum(ratings), len(ratings))
        if instrument == "peg":
            values = _check_peg(answers)
            return Fraction(sum(values), len(values))
    except BackcareError:
        return None
    return None


def _unrounded(result: Assessment) -> Score:
    """A stored result's score, unrounded from its answers when they agree with it (a record
    whose answers say otherwise keeps the score it was shown with)."""
    answers = result.answers
    if isinstance(answers, list) and all(type(a) is int for a in answers):
        return _unrounded_of(result.instrument, tuple(answers), result.score)
    return _unrounded_of.__wrapped__(result.instrument, answers, result.score)


@lru_cache(maxsize=4096)  # answers of whole numbers only (a tuple): one scoring each
def _unrounded_of(instrument: str, answers: Any, score: float) -> Score:
    exact = exact_score(instrument, list(answers) if isinstance(answers, tuple) else answers)
    if exact is not None and round_score(float(exact)) == score:
        return exact
    return score


def _psfs_ratings(answers: Any) -> dict[str, tuple[str, int]] | None:
    """A PSFS result's ratings keyed by activity, ignoring case: {key: (name, rating)}."""
    try:
        ratings = _check_psfs(answers)
    except BackcareError:
        return None
    return {name.casefold(): (name, rating) for name, rating in ratings.items()}


def _compare_psfs(earlier: Assessment, later: Assessment) -> Change:
    """The PSFS compared only on the activities rated both times (CLINICAL.md §9). When the
    activities differ, the change over the shared ones is given for information, with what
    differs, and no verdict."""
    before, after = _psfs_ratings(earlier.answers), _psfs_ratings(later.answers)
    if before is None or after is None:
        return change_verdict("psfs", earlier.score, later.score)
    shared = [k for k in after if k in before]
    if set(before) == set(after):
        return change_verdict(
            "psfs",
            Fraction(sum(r for _, r in before.values()), len(before)),
            Fraction(sum(r for _, r in after.values()), len(after)),
        )
    if shared:
        change = change_verdict(
            "psfs",
            Fraction(sum(before[k][1] for k in shared), len(shared)),
            Fraction(sum(after[k][1] for k in shared), len(shared)),
        )
        both = ", ".join(after[k][0] for k in shared)
        note = (
            f"the activities differ: only {both} {'was' if len(shared) == 1 else 'were'} "
            "rated both times"
        )
    else:
        change = change_verdict("psfs", earlier.score, later.score)
        note = "the activities differ: none was rated both times"
    return replace(
        change,
        direction=ACTIVITIES_DIFFER,
        clinically_important=False,
        important_worsening=False,
        note=note,
    )


def compare(earlier: Assessment, later: Assessment) -> Change | None:
    """How ``later`` compares with ``earlier``, two results of one questionnaire: the one
    comparison that the progress report, the alerts and ``assess`` all use. STarT Back
    compares risk groups; the PSFS the activities rated both times; the others their
    unrounded scores (CLINICAL.md §9). None when a stored result cannot be judged (an
    unknown instrument, a damaged score): it is shown, unjudged."""
    try:
        if later.instrument == "startback":
            return change_verdict("startback", earlier.band or "", later.band or "")
        if later.instrument == "psfs":
            return _compare_psfs(earlier, later)
        return change_verdict(later.instrument, _unrounded(earlier), _unrounded(later))
    except BackcareError:
        return None


PAIN_SOURCE = (
    "Ostelo et al. 2008, Spine 33:90-94 (docs/clinical.md §3); thresholds from backcare's settings"
)


def pain_rule(t: Thresholds) -> ChangeRule:
    """The NRS minimal important change, 2 points or 30% by default (CLINICAL.md §3)."""
    return ChangeRule(
        t.pain_mic_points, t.pain_mic_percent, "MIC", PAIN_SOURCE, NRS_WORSE_MIN_POINTS
    )


def pain_change(baseline: Score, current: Score, t: Thresholds | None = None) -> Change:
    """What a change in 0-10 pain means: 2 points or 30% (Ostelo et al. 2008, CLINICAL.md §3),
    or the physiotherapist's own thresholds ``t``.

    ``clinically_important`` is an improvement of at least 2 points or 30%, as CONTRACT.md
    defines it for ``progress --json``; ``important_worsening`` the same the other way.
    """
    values = []
    for what, value in (("baseline", baseline), ("current", current)):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, Fraction))
            or not math.isfinite(value)
            or not ANSWER_MIN <= value <= NRS_MAX
        ):
            raise BackcareError(
                f"The {what} pain score {_show(value)} must be {ANSWER_MIN}-{NRS_MAX}"
            )
        values.append(value if isinstance(value, Fraction) else float(value))
    rule = pain_rule(t) if t is not None else NRS_CHANGE_RULE
    return _verdict("pain", values[0], values[1], rule, higher_is_worse=True)


def _points(value: float) -> str:
    number = f"{abs(value):g}"
    return f"{number} point" + ("" if abs(value) == 1 else "s")


def summary_sentence(instrument: str, change: Change, since_label: str) -> str:
    """One line on a change, e.g. "down 12 points since 3 Feb — a clinically important
    improvement". ``since_label`` is the baseline's date as the caller wants it shown."""
    name = "pain" if instrument.strip().lower() == "pain" else get_instrument(instrument).id
    if change.instrument != name:
        raise BackcareError(f"This change is for {change.instrument}, not {instrument}")
    since = f"since {since_label}"
    if change.direction == ACTIVITIES_DIFFER:
        return f"not compared with {since_label}: {change.note}"
    if name == "startback":
        if change.direction == NO_CLEAR_CHANGE:
            return f"still {change.latest} risk {since} — the same risk group"
        lower = "a lower" if change.direction == IMPROVED else "a higher"
        return f"from {change.baseline} to {change.latest} risk {since} — {lower} risk group"
    if change.direction == NO_CLEAR_CHANGE:
        return f"no change {since}"
    moved = f"{'up' if change.change > 0 else 'down'} {_points(change.change)} {since}"
    threshold = change.rule
    if change.clinically_important:
        verdict = "a clinically important improvement"
    elif change.important_worsening:
        verdict = "a clinically important worsening"
    elif change.direction == IMPROVED:
        verdict = (
            f"an improvement, but less than the {threshold} that counts as clinically important"
        )
    else:
        verdict = (
            f"slightly worse, but less than the {threshold} that counts as clinically important"
        )
    return f"{moved} — {verdict}"
