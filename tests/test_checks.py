"""The record checks shared by import and the data folder's readers (domain/checks.py)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from backcare.domain.checks import (
    LOG_CHECKS,
    STORED,
    Checker,
    Limits,
    _plain_exercise,
    check_session,
    stored_problem,
)
from backcare.errors import ProblemList

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5000),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.sampled_from(["done", "partial", "skipped", "bridge", " ", "\x00", "\u00a0x", "١"]),
    st.lists(st.integers(), max_size=2),
)
EXERCISES = st.dictionaries(
    st.sampled_from(
        [
            "exercise_id",
            "status",
            "sets",
            "reps",
            "hold_seconds",
            "duration_minutes",
            "pain",
            "other",
        ]
    ),
    VALUES,
    max_size=8,
)


def problems(exercise: Any) -> list[str]:
    p = ProblemList()
    check_session(
        Checker(p, None, "s"), {"id": "s-1", "date": "2026-03-02", "exercises": [exercise]}, STORED
    )
    return [str(x) for x in p.problems]


@settings(max_examples=400, deadline=None)
@given(exercise=st.one_of(EXERCISES, VALUES))
def test_the_quick_path_only_accepts_what_the_checks_accept(exercise: Any) -> None:
    if _plain_exercise(exercise):
        assert problems(exercise) == []


def test_the_quick_path_takes_the_usual_record() -> None:
    usual = {
        "exercise_id": "bridge",
        "status": "done",
        "sets": 2,
        "reps": 10,
        "hold_seconds": 5,
        "duration_minutes": None,
        "pain": 3,
    }
    assert _plain_exercise(usual) and problems(usual) == []
    assert not _plain_exercise({**usual, "pain": 11})
    assert problems({**usual, "pain": 11}) == [
        "s: exercises[0].pain is 11; it must be between 0 and 10"
    ]


def test_stored_files_keep_older_notes_that_an_import_refuses() -> None:
    note = "\n".join(["line"] * 80)
    tables = {"visits": {"1": {"id": "v-1", "date": "2026-03-02", "kind": "other", "note": note}}}
    assert stored_problem(tables, LOG_CHECKS, "2026-03") is None
    p = ProblemList()
    LOG_CHECKS["visits"][0](Checker(p, None, "v"), tables["visits"]["1"], Limits())
    assert p and "has 80 lines" in str(p.problems[0])
