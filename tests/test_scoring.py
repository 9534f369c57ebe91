"""Scoring the questionnaires (CLINICAL.md §3) and reading `assess --answers` (CONTRACT.md)."""

from __future__ import annotations

import json
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backcare.domain.instruments import (
    INSTRUMENT_IDS,
    INSTRUMENTS,
    NRS_CHANGE_RULE,
    ODI_SECTION_TOPICS,
    ChangeRule,
    get_instrument,
)
from backcare.domain.models import Assessment
from backcare.domain.scoring import (
    StartBackAnswers,
    answers_from_json,
    change_verdict,
    compare,
    format_answers,
    odi_band,
    pain_change,
    parse_answers,
    round_score,
    score,
    score_odi,
    score_peg,
    score_psfs,
    score_rmdq,
    score_startback,
    summary_sentence,
)
from backcare.errors import BackcareError
from backcare.loading.wording import load_clinic_wording

# --- Strategies -------------------------------------------------------------------------------
# At most 2 of the 10 sections unanswered: a score needs 8 (CLINICAL.md §9).
odi_answers = st.tuples(
    st.lists(st.integers(0, 5), min_size=10, max_size=10), st.sets(st.integers(0, 9), max_size=2)
).map(lambda t: [None if i in t[1] else v for i, v in enumerate(t[0])])
rmdq_answers = st.lists(st.booleans(), min_size=24, max_size=24)
startback_answers = st.builds(StartBackAnswers, st.tuples(*[st.booleans()] * 8), st.integers(0, 4))
peg_answers = st.lists(st.integers(0, 10), min_size=3, max_size=3)
activity_names = (
    st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 '-éß",
        min_size=1,
        max_size=30,
    )
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
psfs_answers = st.lists(
    st.tuples(activity_names, st.integers(0, 10)),
    min_size=3,
    max_size=5,
    unique_by=lambda pair: pair[0].casefold(),
).map(dict)

ANSWERS = {
    "odi": odi_answers,
    "rmdq": rmdq_answers,
    "startback": startback_answers,
    "psfs": psfs_answers,
    "peg": peg_answers,
}
any_answers = st.sampled_from(INSTRUMENT_IDS).flatmap(lambda i: st.tuples(st.just(i), ANSWERS[i]))


def sb(agree: str, bother: int) -> StartBackAnswers:
    """STarT Back answers from a string like "yynnyyyn" and item 9."""
    return StartBackAnswers(tuple(c == "y" for c in agree), bother)


# --- The instruments --------------------------------------------------------------------------
def test_every_instrument_is_described() -> None:
    assert set(INSTRUMENTS) == set(INSTRUMENT_IDS) == {"odi", "rmdq", "startback", "psfs", "peg"}
    for inst in INSTRUMENTS.values():
        assert inst.title and inst.description and inst.change_rule.source
        assert len(inst.items) == inst.item_count
        assert inst.score_min < inst.score_max
        assert all(item.options for item in inst.items)
        assert not any(item.official_wording for item in inst.items)


def test_item_counts_and_options_match_clinical_md() -> None:
    assert get_instrument("odi").item_count == 10
    assert all(len(o) == 6 for o in get_instrument("odi").answer_options)
    assert get_instrument("rmdq").item_count == 24
    sb_inst = get_instrument("startback")
    assert sb_inst.item_count == 9
    assert [len(o) for o in sb_inst.answer_options] == [2] * 8 + [5]
    assert sb_inst.items[8].options[3:] == ("very much", "extremely")
    assert (get_instrument("psfs").min_items, get_instrument("psfs").max_items) == (3, 5)
    assert all(len(o) == 11 for o in get_instrument("peg").answer_options)
    assert get_instrument("psfs").higher_is_worse is False
    assert get_instrument("odi").higher_is_worse is True


def test_odi_ships_section_topics_only() -> None:
    """No ODI item wording (licence, CLINICAL.md §3): just the ten topics and a 0-5 scale."""
    odi = get_instrument("odi")
    assert tuple(item.text for item in odi.items) == ODI_SECTION_TOPICS
    assert odi.items[0].options[0] == "0 = no difficulty"
    assert odi.items[0].options[-1] == "5 = the worst / unable"


def test_rmdq_prompts_are_distinct_paraphrases() -> None:
    texts = [item.text for item in get_instrument("rmdq").items]
    assert len(set(texts)) == 24
    assert "I stay at home most of the time because of my back." not in texts


def test_change_rules_match_clinical_md() -> None:
    rules = {i: get_instrument(i).change_rule for i in INSTRUMENT_IDS}
    assert (rules["odi"].points, rules["odi"].percent) == (10, 30)
    assert (rules["rmdq"].points, rules["rmdq"].percent) == (5, 30)
    assert (rules["psfs"].points, rules["psfs"].percent) == (2, None)
    assert (rules["peg"].points, rules["peg"].percent) == (None, 30)
    assert "not a published" in rules["peg"].source
    assert (NRS_CHANGE_RULE.points, NRS_CHANGE_RULE.percent) == (2, 30)
    assert "Ostelo" in rules["odi"].source
    assert rules["odi"].describe() == "10 points or 30%"


@pytest.mark.parametrize("name", ["odi", " ODI ", "StartBack"])
def test_instrument_ids_ignore_case_and_spaces(name: str) -> None:
    assert get_instrument(name).id == name.strip().lower()


def test_unknown_instrument_lists_the_valid_ones() -> None:
    with pytest.raises(BackcareError) as err:
        parse_answers("oswestry", "1,2,3")
    assert "'oswestry'" in err.value.message
    assert "odi, rmdq, startback, psfs, peg" in err.value.message
    with pytest.raises(BackcareError, match="'sf36'"):
        score("sf36", [1])


# --- Published worked examples (CLINICAL.md §3) -----------------------------------------------
def test_odi_16_of_50_is_32_percent() -> None:
    answers = [3, 2, 1, 2, 2, 1, 2, 1, 1, 1]
    assert sum(answers) == 16
    assert score_odi(answers) == 32.0


def test_odi_same_16_with_one_section_unanswered_is_35_6() -> None:
    answers = [3, 2, 2, 2, 2, 1, 2, 1, 1, None]
    assert score_odi(answers) == 35.6
    assert score("odi", parse_answers("odi", "3,2,2,2,2,1,2,1,1,-")).score == 35.6


def test_odi_with_no_section_answered_is_refused() -> None:
    with pytest.raises(BackcareError, match="No ODI section was answered"):
        score_odi([None] * 10)


def test_odi_extremes() -> None:
    assert score_odi([0] * 10) == 0.0
    assert score_odi([5] * 10) == 100.0
    assert score_odi([None] * 2 + [5] * 8) == 100.0


def test_odi_with_fewer_than_8_sections_answered_is_refused() -> None:
    """CLINICAL.md §9 (issue 11): a score needs 8 of the 10 sections; configurable."""
    with pytest.raises(BackcareError, match="at least 8 of its 10 sections answered"):
        score_odi([None] * 3 + [2] * 7)
    assert score_odi([None] * 3 + [2] * 7, min_sections=7) == 40.0


def test_meaningful_change_is_judged_on_unrounded_scores() -> None:
    """Issue 11: ODI 10/45 -> 7/45 and PEG 20/3 -> 14/3 are exactly -30%: important. The
    rounded scores (22.2 -> 15.6, 6.7 -> 4.7) would say -29.7% and -29.9%."""

    def odi(*answers: int | None) -> Assessment:
        return Assessment("a", date(2026, 3, 2), "odi", list(answers), score_odi(answers))

    before, after = odi(2, 1, 1, 1, 1, 1, 1, 1, 1, None), odi(1, 1, 1, 1, 1, 1, 1, 0, 0, None)
    assert (before.score, after.score) == (22.2, 15.6)
    change = compare(before, after)
    assert change is not None and change.percent_change == -30.0
    assert change.clinically_important
    peg = compare(
        Assessment("a", date(2026, 3, 2), "peg", [7, 7, 6], 6.7),
        Assessment("b", date(2026, 3, 16), "peg", [5, 5, 4], 4.7),
    )
    assert peg is not None and peg.percent_change == -30.0 and peg.clinically_important
    # Pain 3 -> 15/7 (2.14) is -28.6%: not important, though 2.1 would be -30%.
    assert not pain_change(3, Fraction(15, 7)).clinically_important
    assert pain_change(3, 2.1).clinically_important


def test_the_psfs_is_compared_only_on_activities_rated_both_times() -> None:
    def psfs(day: int, **ratings: int) -> Assessment:
        return Assessment(f"p{day}", date(2026, 3, day), "psfs", ratings, score_psfs(ratings))

    same = compare(
        psfs(2, walking=3, stairs=4, sitting=5), psfs(16, Walking=6, stairs=6, sitting=6)
    )
    assert same is not None and same.direction == "improved" and same.clinically_important
    differ = compare(
        psfs(2, walking=3, stairs=4, sitting=5), psfs(16, walking=6, stairs=7, gardening=9)
    )
    assert differ is not None and differ.direction == "activities differ"
    assert not differ.clinically_important and not differ.important_worsening
    assert differ.change == 3.0  # walking and stairs, the ones rated both times
    assert differ.note == "the activities differ: only walking, stairs were rated both times"
    assert "not compared" in summary_sentence("psfs", differ, "2 Mar")


@pytest.mark.parametrize(
    ("value", "band"),
    [
        (0, "minimal"),
        (20, "minimal"),
        (20.5, "moderate"),
        (21, "moderate"),
        (40, "moderate"),
        (40.1, "severe"),
        (60, "severe"),
        (61, "crippled"),
        (80, "crippled"),
        (80.5, "bed-bound"),
        (100, "bed-bound"),
    ],
)
def test_odi_bands_upper_bounds_inclusive(value: float, band: str) -> None:
    assert odi_band(value) == band


@pytest.mark.parametrize("value", [-0.1, 100.1, float("nan"), True])
def test_odi_band_refuses_impossible_scores(value: float) -> None:
    with pytest.raises(BackcareError, match="not a possible score"):
        odi_band(value)


def test_odi_score_carries_its_band() -> None:
    scored = score("odi", [3, 2, 1, 2, 2, 1, 2, 1, 1, 1])
    assert (scored.score, scored.band) == (32.0, "moderate")
    assert scored.details == {"sections_answered": 10, "raw_total": 16}


def test_rmdq_counts_yes_answers() -> None:
    assert score_rmdq([True] * 7 + [False] * 17) == 7
    assert score("rmdq", [False] * 24).band is None


def test_startback_total_3_is_low_and_4_is_not() -> None:
    # Three physical items agreed: total 3 -> low.
    low = score_startback(sb("yyynnnnn", 0))
    assert (low.total, low.psychosocial, low.risk) == (3, 0, "low")
    # All four physical items: total 4, psychosocial 0 -> medium.
    medium = score_startback(sb("yyyynnnn", 0))
    assert (medium.total, medium.psychosocial, medium.risk) == (4, 0, "medium")


def test_startback_psychosocial_3_is_medium_and_4_is_high() -> None:
    medium = score_startback(sb("ynnnyyyn", 0))  # total 4, psychosocial 3
    assert (medium.total, medium.psychosocial, medium.risk) == (4, 3, "medium")
    high = score_startback(sb("nnnnyyyy", 0))  # total 4, psychosocial 4
    assert (high.total, high.psychosocial, high.risk) == (4, 4, "high")


def test_startback_all_psychosocial_agreed_but_total_3_is_still_low() -> None:
    # Psychosocial only matters once the total is 4 or more.
    result = score_startback(sb("nnnnyyyn", 0))
    assert (result.total, result.psychosocial, result.risk) == (3, 3, "low")


@pytest.mark.parametrize(("bother", "counts"), [(0, 0), (1, 0), (2, 0), (3, 1), (4, 1)])
def test_startback_item_9_counts_only_very_much_and_extremely(bother: int, counts: int) -> None:
    result = score_startback(sb("nnnnyyyn", bother))
    assert result.total == 3 + counts
    assert result.psychosocial == 3 + counts
    assert result.risk == ("high" if counts else "low")


def test_startback_moderately_does_not_tip_into_high() -> None:
    assert score_startback(sb("yyyyyyyn", 2)).risk == "medium"  # psychosocial 3
    assert score_startback(sb("yyyyyyyn", 3)).risk == "high"  # psychosocial 4


def test_startback_score_and_band() -> None:
    scored = score("startback", sb("yyyyyyyy", 4))
    assert (scored.score, scored.band) == (9, "high")
    assert scored.details == {"total": 9, "psychosocial": 5}
    assert scored.answers_json == {"items": [True] * 8, "bothersomeness": 4}


def test_psfs_mean_rounds_half_up_to_one_decimal() -> None:
    assert score_psfs({"walking": 4, "gardening": 6, "lifting": 3}) == 4.3
    assert score_psfs({"a": 5, "b": 5, "c": 5, "d": 6}) == 5.3  # 5.25, not banker's 5.2
    assert score_psfs({"a": 0, "b": 0, "c": 0, "d": 0, "e": 0}) == 0.0


def test_peg_mean() -> None:
    assert score_peg([6, 5, 7]) == 6.0
    assert score_peg([1, 1, 0]) == 0.7
    assert score("peg", [10, 10, 10]).score == 10.0


def test_round_score_is_half_away_from_zero() -> None:
    assert round_score(0.25) == 0.3
    assert round_score(-0.25) == -0.3
    assert round_score(35.5555) == 35.6


# --- Parsing --answers ------------------------------------------------------------------------
def test_parse_is_forgiving_of_spaces_and_case() -> None:
    assert parse_answers("odi", " 3 , - ,2,2,2,1,2,1,1, 0 ") == [3, None, 2, 2, 2, 1, 2, 1, 1, 0]
    rmdq = parse_answers("rmdq", ", ".join(["Y", "yes", "N", "No", " y "] + ["n"] * 19))
    assert rmdq == [True, True, False, False, True] + [False] * 19
    assert parse_answers("startback", "Y,n,YES,no,y,N,y,n, 3") == sb("ynynynyn", 3)
    assert parse_answers("psfs", " walking = 4 ,  Carrying   shopping=6,stairs=3") == {
        "walking": 4,
        "Carrying shopping": 6,
        "stairs": 3,
    }
    assert parse_answers("peg", "6, 5 ,7") == [6, 5, 7]


ODI_OK = "1,2,3,4,5,0,1,2,3,4"


@pytest.mark.parametrize(
    ("instrument", "text", "expected"),
    [
        # ODI
        ("odi", "1,2,3,7,5,0,1,2,3,4", ["ODI answer 4 is '7'", "0-5 or '-'"]),
        ("odi", "1,2,3,x,5,0,1,2,3,4", ["ODI answer 4 is 'x'"]),
        ("odi", "1,2,3,-1,5,0,1,2,3,4", ["ODI answer 4 is '-1'"]),
        ("odi", "1,2,3,2.5,5,0,1,2,3,4", ["ODI answer 4 is '2.5'"]),
        ("odi", "1,2,,4,5,0,1,2,3,4", ["ODI answer 3 is empty"]),
        ("odi", "1,2,3", ["ODI needs 10", "got 3"]),
        ("odi", ODI_OK + ",", ["got 11", "number 11 is empty", "stray comma"]),
        ("odi", ODI_OK + ",1", ["ODI needs 10", "got 11"]),
        ("odi", "", ["No ODI answers"]),
        ("odi", "   ", ["No ODI answers"]),
        ("odi", "1;2;3;4;5;0;1;2;3;4", ["ODI needs 10", "got 1"]),
        ("odi", "1,2,3,4,5,0,1,2,3,٣", ["ODI answer 10 is '٣'"]),  # not an ASCII digit
        # RMDQ
        ("rmdq", ",".join(["y"] * 23), ["RMDQ needs 24", "got 23"]),
        ("rmdq", ",".join(["y"] * 23 + ["maybe"]), ["RMDQ answer 24 is 'maybe'", "y or n"]),
        ("rmdq", ",".join(["1"] + ["n"] * 23), ["RMDQ answer 1 is '1'"]),
        ("rmdq", ",".join(["n"] * 5 + ["true"] + ["n"] * 18), ["RMDQ answer 6 is 'true'"]),
        # STarT Back
        ("startback", "y,y,y,y,y,y,y,y", ["STarT Back needs 9", "got 8"]),
        ("startback", "y,y,y,y,y,y,y,y,5", ["STarT Back answer 9 is '5'", "0-4", "3 very much"]),
        ("startback", "y,y,y,y,y,y,y,y,very much", ["STarT Back answer 9 is 'very much'"]),
        ("startback", "y,y,y,y,y,y,y,y,y", ["STarT Back answer 9 is 'y'"]),
        ("startback", "y,y,3,y,y,y,y,y,2", ["STarT Back answer 3 is '3'", "agree"]),
        ("startback", "y,y,y,y,y,y,y,y,2,1", ["STarT Back needs 9", "got 10"]),
        # PSFS
        ("psfs", "walking=4,stairs=5", ["PSFS needs 3 to 5", "got 2"]),
        ("psfs", "a=1,b=2,c=3,d=4,e=5,f=6", ["PSFS needs 3 to 5", "got 6"]),
        ("psfs", "walking=4,stairs 5,sitting=2", ["PSFS pair 2 'stairs 5' has no '='"]),
        ("psfs", "walking=4,=5,sitting=2", ["PSFS pair 2 '=5' has no activity name"]),
        ("psfs", "walking=4,  =5,sitting=2", ["PSFS pair 2", "has no activity name"]),
        ("psfs", "walking=4,,sitting=2", ["PSFS pair 2 is empty"]),
        (
            "psfs",
            "walking=4,stairs=5=6,sitting=2",
            ["PSFS pair 2 'stairs=5=6'", "more than one '='"],
        ),
        (
            "psfs",
            "walking=4,Walking =5,sitting=2",
            ["PSFS pair 2 'Walking' repeats pair 1 'walking'"],
        ),
        (
            "psfs",
            "walking=4,stairs=11,sitting=2",
            ["PSFS rating for 'stairs' (pair 2) is '11'", "0-10"],
        ),
        ("psfs", "walking=4,stairs=,sitting=2", ["PSFS rating for 'stairs' (pair 2) is empty"]),
        ("psfs", "walking=4,stairs=high,sitting=2", ["PSFS rating for 'stairs'", "'high'"]),
        ("psfs", "walking=4,stairs\x07=1,sitting=2", ["PSFS pair 2", "control character"]),
        ("psfs", "walking=4," + "x" * 61 + "=1,sitting=2", ["PSFS pair 2", "longer than 60"]),
        # PEG
        ("peg", "6,5", ["PEG needs 3", "got 2"]),
        ("peg", "6,11,7", ["PEG answer 2 is '11'", "0-10"]),
        ("peg", "6,5,seven", ["PEG answer 3 is 'seven'"]),
        ("peg", "6,5,7.5", ["PEG answer 3 is '7.5'"]),
    ],
)
def test_parse_errors_name_the_position_and_value(
    instrument: str, text: str, expected: list[str]
) -> None:
    with pytest.raises(BackcareError) as err:
        parse_answers(instrument, text)
    for part in expected:
        assert part in err.value.message
    assert "\n" not in err.value.message


# --- Checking normalised and stored answers ----------------------------------------------------
@pytest.mark.parametrize(
    ("instrument", "data", "expected"),
    [
        ("odi", [1] * 9, ["ODI needs 10", "got 9"]),
        ("odi", [1] * 9 + [6], ["ODI answer 10 is 6"]),
        ("odi", [1] * 9 + [True], ["ODI answer 10 is true"]),
        ("odi", [1] * 9 + [2.0], ["ODI answer 10 is 2.0"]),
        ("odi", [1] * 9 + ["2"], ["ODI answer 10 is '2'"]),
        ("odi", "1,2,3", ["ODI answers must be a list"]),
        ("rmdq", [True] * 23 + [1], ["RMDQ answer 24 is 1"]),
        ("rmdq", {"a": 1}, ["RMDQ answers must be a list"]),
        ("startback", [True] * 8 + [3], ["STarT Back answers must be an object"]),
        ("startback", {"items": [True] * 8}, ["'bothersomeness'"]),
        ("startback", {"items": [True] * 7, "bothersomeness": 1}, ["needs 8", "got 7"]),
        (
            "startback",
            {"items": [True] * 7 + [1], "bothersomeness": 1},
            ["STarT Back answer 8 is 1"],
        ),
        ("startback", {"items": [True] * 8, "bothersomeness": 5}, ["STarT Back answer 9 is 5"]),
        ("startback", {"items": [True] * 8, "bothersomeness": 1, "x": 1}, ["exactly"]),
        ("psfs", [["walking", 4]], ["PSFS answers must pair"]),
        ("psfs", {"a": 1, "b": 2}, ["PSFS needs 3 to 5", "got 2"]),
        ("psfs", {"a": 1, "b": 2, "c": 11}, ["PSFS rating for 'c' (activity 3) is 11"]),
        ("psfs", {"a": 1, "b": 2, "c": None}, ["PSFS rating for 'c' (activity 3) is null"]),
        ("psfs", {"a": 1, "b": 2, " ": 3}, ["PSFS activity 3", "has no activity name"]),
        ("psfs", {"a": 1, "b": 2, "c=d": 3}, ["PSFS activity 3 'c=d'"]),
        ("psfs", {"walk": 1, "b": 2, "WALK": 3}, ["PSFS activity 3 'WALK' repeats activity 1"]),
        ("peg", [1, 2, -1], ["PEG answer 3 is -1"]),
        ("peg", [1, 2], ["PEG needs 3", "got 2"]),
        ("peg", None, ["PEG answers must be a list"]),
    ],
)
def test_stored_answers_are_checked(instrument: str, data: object, expected: list[str]) -> None:
    with pytest.raises(BackcareError) as err:
        answers_from_json(instrument, data)
    for part in expected:
        assert part in err.value.message


def test_score_functions_check_their_input_too() -> None:
    with pytest.raises(BackcareError, match="ODI answer 1 is 6"):
        score_odi([6] * 10)
    with pytest.raises(BackcareError, match="RMDQ needs 24"):
        score_rmdq([True])
    with pytest.raises(BackcareError, match="STarT Back answer 9 is 7"):
        score_startback(StartBackAnswers((True,) * 8, 7))
    with pytest.raises(BackcareError, match="PEG answer 1 is 11"):
        score_peg([11, 0, 0])
    with pytest.raises(BackcareError, match="PSFS needs 3 to 5"):
        score_psfs({})
    with pytest.raises(BackcareError, match="STarT Back answers must be"):
        score("startback", [True] * 9)


# --- Properties -------------------------------------------------------------------------------
@given(odi_answers)
def test_odi_score_is_0_to_100_with_a_band(answers: list[int | None]) -> None:
    value = score_odi(answers)
    assert 0 <= value <= 100
    assert odi_band(value) in {"minimal", "moderate", "severe", "crippled", "bed-bound"}


@given(rmdq_answers)
def test_rmdq_score_is_0_to_24(answers: list[bool]) -> None:
    assert 0 <= score_rmdq(answers) <= 24


@given(psfs_answers)
def test_psfs_score_is_0_to_10(ratings: dict[str, int]) -> None:
    assert 0 <= score_psfs(ratings) <= 10


@given(peg_answers)
def test_peg_score_is_0_to_10(values: list[int]) -> None:
    assert 0 <= score_peg(values) <= 10


@given(startback_answers)
def test_startback_ranges_and_risk_rule(answers: StartBackAnswers) -> None:
    result = score_startback(answers)
    assert 0 <= result.psychosocial <= 5
    assert result.psychosocial <= result.total <= 9
    if result.total <= 3:
        assert result.risk == "low"
    else:
        assert result.risk == ("high" if result.psychosocial >= 4 else "medium")


@given(odi_answers, st.data())
def test_raising_one_odi_answer_never_lowers_the_score(
    answers: list[int | None], data: st.DataObject
) -> None:
    raisable = [i for i, v in enumerate(answers) if v is not None and v < 5]
    if not raisable:
        return
    i = data.draw(st.sampled_from(raisable))
    current = answers[i]
    assert current is not None
    higher = list(answers)
    higher[i] = data.draw(st.integers(current + 1, 5))
    assert score_odi(higher) >= score_odi(answers)


@given(rmdq_answers, st.integers(0, 23))
def test_a_further_yes_never_lowers_the_rmdq(answers: list[bool], i: int) -> None:
    higher = list(answers)
    higher[i] = True
    assert score_rmdq(higher) >= score_rmdq(answers)


@given(peg_answers, st.integers(0, 2), st.integers(0, 10))
def test_raising_one_peg_answer_never_lowers_the_score(values: list[int], i: int, new: int) -> None:
    higher = list(values)
    higher[i] = max(new, values[i])
    assert score_peg(higher) >= score_peg(values)


@given(startback_answers, st.integers(0, 8), st.integers(0, 4))
def test_raising_one_startback_answer_never_lowers_total_or_risk(
    answers: StartBackAnswers, i: int, bother: int
) -> None:
    if i < 8:
        items = list(answers.items)
        items[i] = True
        higher = StartBackAnswers(tuple(items), answers.bothersomeness)
    else:
        higher = StartBackAnswers(answers.items, max(bother, answers.bothersomeness))
    before, after = score_startback(answers), score_startback(higher)
    order = ["low", "medium", "high"]
    assert after.total >= before.total
    assert order.index(after.risk) >= order.index(before.risk)


@given(any_answers)
def test_parse_reads_back_what_format_writes(case: tuple[str, object]) -> None:
    instrument, answers = case
    text = format_answers(instrument, answers)  # type: ignore[arg-type]
    assert parse_answers(instrument, text) == answers


@given(any_answers, st.data())
def test_parse_ignores_spaces_and_case(case: tuple[str, object], data: st.DataObject) -> None:
    instrument, answers = case
    text = format_answers(instrument, answers)  # type: ignore[arg-type]
    spaces = st.text(alphabet=" \t", max_size=2)
    parts = []
    for part in text.split(","):
        if instrument in ("rmdq", "startback") and part in ("y", "n"):
            part = data.draw(
                st.sampled_from(
                    ["y", "Y", "yes", "YES", "Yes"] if part == "y" else ["n", "N", "no", "NO"]
                )
            )
        parts.append(data.draw(spaces) + part + data.draw(spaces))
    assert parse_answers(instrument, ",".join(parts)) == answers


@given(any_answers)
def test_stored_answers_read_back_through_json(case: tuple[str, object]) -> None:
    instrument, answers = case
    scored = score(instrument, answers)  # type: ignore[arg-type]
    stored = json.loads(json.dumps(scored.answers_json))
    assert stored == scored.answers_json
    restored = answers_from_json(instrument, stored)
    assert restored == answers
    assert score(instrument, restored) == scored


scores_0_100 = st.integers(0, 1000).map(lambda n: n / 10)
scores_0_10 = st.integers(0, 100).map(lambda n: n / 10)
measure_pairs = st.one_of(
    st.tuples(st.just("odi"), scores_0_100, scores_0_100),
    st.tuples(st.just("rmdq"), st.integers(0, 24), st.integers(0, 24)),
    st.tuples(st.just("psfs"), scores_0_10, scores_0_10),
    st.tuples(st.just("peg"), scores_0_10, scores_0_10),
)
OPPOSITE = {"improved": "worse", "worse": "improved", "no clear change": "no clear change"}


@given(measure_pairs)
def test_change_verdict_is_symmetric(case: tuple[str, float, float]) -> None:
    instrument, a, b = case
    forward, back = change_verdict(instrument, a, b), change_verdict(instrument, b, a)
    assert forward.change == -back.change
    assert forward.direction == OPPOSITE[back.direction]
    assert not (forward.clinically_important and forward.important_worsening)
    # An important worsening is stricter than an important improvement: it needs the
    # absolute minimum too (CLINICAL.md §12), so where that minimum is the points rule, one
    # is the other's converse only one way.
    floor = {"odi": 10, "rmdq": 5, "psfs": 2, "peg": 1}[instrument]
    if back.important_worsening:
        assert abs(back.change) >= floor - 0.05
        if instrument != "peg":
            assert forward.clinically_important
    if instrument == "psfs":  # points only: exactly symmetric
        assert forward.clinically_important == back.important_worsening


@given(st.sampled_from(["low", "medium", "high"]), st.sampled_from(["low", "medium", "high"]))
def test_startback_change_is_symmetric(a: str, b: str) -> None:
    forward, back = change_verdict("startback", a, b), change_verdict("startback", b, a)
    assert forward.change == -back.change
    assert forward.direction == OPPOSITE[back.direction]
    assert forward.clinically_important == back.important_worsening


@given(scores_0_10, scores_0_10)
def test_pain_change_is_symmetric(a: float, b: float) -> None:
    forward, back = pain_change(a, b), pain_change(b, a)
    assert forward.change == -back.change
    assert forward.direction == OPPOSITE[back.direction]
    if back.important_worsening:  # never within measurement error (CLINICAL.md §12)
        assert abs(back.change) >= 2 and forward.clinically_important


# --- Change thresholds (CLINICAL.md §3) -------------------------------------------------------
@pytest.mark.parametrize(
    ("instrument", "baseline", "latest", "important", "direction"),
    [
        ("odi", 40, 30, True, "improved"),  # 10 points
        ("odi", 40, 31, False, "improved"),  # 9 points, 22.5%
        ("odi", 20, 14, True, "improved"),  # 6 points but 30%
        ("odi", 20, 14.1, False, "improved"),  # 29.5%
        ("odi", 30, 30, False, "no clear change"),
        ("rmdq", 12, 7, True, "improved"),  # 5 points
        ("rmdq", 12, 8, True, "improved"),  # 4 points, 33.3%
        ("rmdq", 20, 16, False, "improved"),  # 4 points, 20%
        ("psfs", 3, 5, True, "improved"),  # higher is better: +2
        ("psfs", 3, 4.9, False, "improved"),
        ("psfs", 5, 3, False, "worse"),
        ("peg", 6, 4.2, True, "improved"),  # 30% fall
        ("peg", 6, 4.3, False, "improved"),  # 28.3%
        ("peg", 0, 0, False, "no clear change"),
        ("startback", "high", "medium", True, "improved"),
        ("startback", "low", "medium", False, "worse"),
        ("startback", "medium", "medium", False, "no clear change"),
    ],
)
def test_change_verdict_thresholds(
    instrument: str, baseline: float | str, latest: float | str, important: bool, direction: str
) -> None:
    verdict = change_verdict(instrument, baseline, latest)
    assert verdict.clinically_important is important
    assert verdict.direction == direction


def test_a_worsening_meeting_the_threshold_is_flagged_but_not_clinically_important() -> None:
    verdict = change_verdict("odi", 20, 32)
    assert (verdict.direction, verdict.clinically_important, verdict.important_worsening) == (
        "worse",
        False,
        True,
    )
    assert verdict.meets_threshold
    assert verdict.change == 12 and verdict.percent_change == 60.0


def test_percent_change_is_none_from_a_zero_baseline() -> None:
    verdict = change_verdict("peg", 0, 5)
    assert verdict.percent_change is None
    assert verdict.direction == "worse"
    # From 0, any rise is relatively large: the absolute minimum decides (PEG: 1 point).
    assert verdict.important_worsening
    assert not change_verdict("peg", 0, 0.7).important_worsening
    assert change_verdict("odi", 0, 10).important_worsening  # the points rule still applies
    assert not change_verdict("odi", 0, 9.5).important_worsening


@pytest.mark.parametrize(
    ("instrument", "baseline", "latest", "worse"),
    [
        ("pain", 1, 1.43, False),  # +43%, 0.43 points (issue 21)
        ("odi", 4, 6, False),  # +50%, 2 points
        ("psfs", 5, 4, False),  # 1 point
        ("rmdq", 4, 8, False),  # +100%, 4 points
        ("peg", 2, 2.9, False),  # +45%, 0.9 points
        ("odi", 20, 40, True),  # +100%, 20 points
        ("odi", 50, 62, False),  # 12 points, but +24%: under the relative threshold
        ("rmdq", 10, 15, True),
        ("psfs", 5, 3, True),
        ("peg", 3, 4, True),
        ("pain", 3, 5, True),
    ],
)
def test_an_important_worsening_needs_the_relative_and_the_absolute_threshold(
    instrument: str, baseline: float, latest: float, worse: bool
) -> None:
    verdict = (
        pain_change(baseline, latest)
        if instrument == "pain"
        else change_verdict(instrument, baseline, latest)
    )
    assert verdict.direction == "worse"
    assert verdict.important_worsening is worse


def test_a_clinic_can_override_the_peg_default() -> None:
    stricter = ChangeRule(None, 50.0, "default", "clinic preference")
    assert change_verdict("peg", 6, 4.2).clinically_important
    assert not change_verdict("peg", 6, 4.2, rule=stricter).clinically_important


@pytest.mark.parametrize(
    ("baseline", "current", "important"),
    [
        (6, 4, True),  # 2 points (Ostelo 2008)
        (6, 4.5, False),  # 1.5 points, 25%
        (3, 2, True),  # 1 point but 33%
        (8, 6.1, False),  # 1.9 points, 23.8%
        (4, 6, False),  # worse is never "clinically important" (CONTRACT.md)
    ],
)
def test_pain_change_follows_ostelo(baseline: float, current: float, important: bool) -> None:
    assert pain_change(baseline, current).clinically_important is important


@pytest.mark.parametrize(
    ("instrument", "baseline", "latest", "what"),
    [
        ("odi", 101, 50, "baseline 101"),
        ("odi", 50, -1, "latest score -1"),
        ("rmdq", 25, 3, "baseline 25"),
        ("psfs", 3, float("nan"), "latest score NaN"),
        ("peg", "5", 3, "baseline '5'"),
        ("startback", 5, "low", "baseline is 5"),
        ("startback", "low", "severe", "latest is 'severe'"),
    ],
)
def test_change_verdict_refuses_impossible_scores(
    instrument: str, baseline: object, latest: object, what: str
) -> None:
    with pytest.raises(BackcareError) as err:
        change_verdict(instrument, baseline, latest)  # type: ignore[arg-type]
    assert what in err.value.message


def test_pain_change_refuses_scores_outside_0_to_10() -> None:
    with pytest.raises(BackcareError, match="current pain score 11"):
        pain_change(5, 11)


# --- Summary sentences ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("instrument", "baseline", "latest", "sentence"),
    [
        ("odi", 44, 32, "down 12 points since 3 Feb — a clinically important improvement"),
        (
            "odi",
            44,
            40,
            (
                "down 4 points since 3 Feb — an improvement, but less than the "
                "10 points or 30% that counts as clinically important"
            ),
        ),
        ("odi", 20, 32, "up 12 points since 3 Feb — a clinically important worsening"),
        (
            "rmdq",
            10,
            11,
            (
                "up 1 point since 3 Feb — slightly worse, but less than the 5 points "
                "or 30% that counts as clinically important"
            ),
        ),
        ("psfs", 3.5, 5.8, "up 2.3 points since 3 Feb — a clinically important improvement"),
        ("peg", 5, 5, "no change since 3 Feb"),
        ("startback", "high", "low", "from high to low risk since 3 Feb — a lower risk group"),
        ("startback", "low", "medium", "from low to medium risk since 3 Feb — a higher risk group"),
        ("startback", "medium", "medium", "still medium risk since 3 Feb — the same risk group"),
    ],
)
def test_summary_sentence(
    instrument: str, baseline: float | str, latest: float | str, sentence: str
) -> None:
    change = change_verdict(instrument, baseline, latest)
    assert summary_sentence(instrument, change, "3 Feb") == sentence


def test_summary_sentence_for_pain() -> None:
    assert summary_sentence("pain", pain_change(6, 4), "1 Mar") == (
        "down 2 points since 1 Mar — a clinically important improvement"
    )


def test_summary_sentence_refuses_a_mismatched_change() -> None:
    with pytest.raises(BackcareError, match="for odi, not rmdq"):
        summary_sentence("rmdq", change_verdict("odi", 40, 30), "3 Feb")


# --- A clinic's own wording -------------------------------------------------------------------
def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "q.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _peg_yaml(options: int = 11, items: int = 3) -> str:
    opts = ", ".join(f'"{n}"' for n in range(options))
    return "items:\n" + "".join(
        f'  - text: "Clinic question {n}"\n    options: [{opts}]\n' for n in range(1, items + 1)
    )


def test_clinic_wording_is_read_and_marked_official(tmp_path: Path) -> None:
    prompts = load_clinic_wording("peg", _write(tmp_path, _peg_yaml()))
    assert [p.text for p in prompts] == [
        "Clinic question 1",
        "Clinic question 2",
        "Clinic question 3",
    ]
    assert all(p.official_wording and len(p.options) == 11 for p in prompts)


def test_clinic_wording_keeps_yes_and_no_as_text(tmp_path: Path) -> None:
    items = "".join(f"  - text: Statement {n}\n    options: [no, yes]\n" for n in range(24))
    prompts = load_clinic_wording("rmdq", _write(tmp_path, "items:\n" + items))
    assert prompts[0].options == ("no", "yes")
    assert type(prompts[0].options[0]) is str


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (_peg_yaml(items=2), ["the PEG has 3 items, but the file gives 2"]),
        (
            _peg_yaml(options=10),
            ["item 1", "'options' has 10 labels; this item needs 11", "and 2 more problems"],
        ),
        (
            "items:\n  - text: a\n    options: [" + ", ".join(str(n) for n in range(11)) + "]\n"
            "  - text: b\n    options: []\n  - text: c\n    options: []\n",
            ["item 1", "option 1 must be text"],
        ),
        (
            "items:\n  - text: ''\n    options: ["
            + ", ".join(f'"{n}"' for n in range(11))
            + "]\n"
            + "".join(
                "  - text: x\n    options: [" + ", ".join(f'"{n}"' for n in range(11)) + "]\n"
                for _ in range(2)
            ),
            ["item 1", "'text' must be the question"],
        ),
        ("items:\n  - just a string\n  - b\n  - c\n", ["item 1", "must be an entry"]),
        ("questions: []\n", ["needs an 'items:' list"]),
        ("items: {}\n", ["'items' must be a list"]),
        ("items: [\n", ["not valid YAML"]),
    ],
)
def test_clinic_wording_errors_name_file_and_item(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(BackcareError) as err:
        load_clinic_wording("peg", path)
    message = err.value.message
    assert str(path) in message
    for part in expected:
        assert part in message
    assert all(str(path) in line for line in err.value.lines())


def test_clinic_wording_unknown_key_is_refused(tmp_path: Path) -> None:
    opts = ", ".join(f'"{n}"' for n in range(11))
    text = "items:\n" + "".join(f"  - text: q\n    option: [{opts}]\n" for _ in range(3))
    with pytest.raises(BackcareError) as err:
        load_clinic_wording("peg", _write(tmp_path, text))
    assert "item 1" in err.value.message and "unknown key 'option'" in err.value.message
    assert any(":3: item 1" in line for line in err.value.lines())  # the key's line


def test_clinic_wording_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BackcareError, match="no such file"):
        load_clinic_wording("odi", tmp_path / "nope.yaml")
    with pytest.raises(BackcareError, match="Unknown questionnaire"):
        load_clinic_wording("sf36", tmp_path / "nope.yaml")


def test_every_instrument_has_its_row_of_rules() -> None:
    """One table keyed by instrument (issue 27): no instrument falls through to another's
    rules, and each reads back what it writes."""
    from backcare.domain import scoring
    from backcare.domain.instruments import INSTRUMENTS

    assert set(scoring._RULES) == set(INSTRUMENTS)
    typed = {
        "odi": "2,1,2,1,2,2,1,2,-,3",
        "rmdq": ",".join(["y", "n"] * 12),
        "startback": "y,n,y,n,n,y,n,n,2",
        "psfs": "walking=4,sitting=6,lifting=3",
        "peg": "3,4,5",
    }
    for inst, text in typed.items():
        answers = scoring.parse_answers(inst, text)
        assert scoring.format_answers(inst, answers) == text
        scored = scoring.score(inst, answers)
        assert scored.instrument == inst
        assert scoring.answers_from_json(inst, scored.answers_json) == answers
