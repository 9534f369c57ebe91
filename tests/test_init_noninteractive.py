"""CONTRACT.md: with no terminal, a question left unanswered exits 2 and names its option."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path


def test_first_run_names_every_missing_option(
    cli: Callable[..., object], backcare_home: Path
) -> None:
    res = cli("init", "--no-red-flags", "--pain", "5")
    assert res.exit_code == 2  # type: ignore[attr-defined]
    for option in (
        "--no-conditions",
        "--assessed",
        "--minutes",
        "--days-per-week",
        "--equipment",
        "--avoid-position",
        "--yes",
    ):
        assert option in res.stderr, option  # type: ignore[attr-defined]
    assert not (backcare_home / "backcare.json").exists()


def test_every_question_answered_by_options(cli: Callable[..., object]) -> None:
    res = cli(
        "init",
        "--no-red-flags",
        "--no-conditions",
        "--not-assessed",
        "--pain",
        "5",
        "--minutes",
        "25",
        "--days-per-week",
        "5",
        "--equipment",
        "mat,chair",
        "--avoid-position",
        "kneeling",
        "--date",
        "2026-03-02",
        "--json",
    )
    assert res.exit_code == 0, res
    profile = res.json()["profile"]  # type: ignore[attr-defined]
    assert profile["minutes_per_day"] == 25 and profile["avoid_positions"] == ["kneeling"]
    # Not assessed by a clinician: the advice of CLINICAL.md §5 comes with it.
    assert any(a["rule"] == "not-assessed" for a in res.json()["advice"])  # type: ignore


def test_a_second_run_keeps_what_it_is_not_told(cli: Callable[..., object]) -> None:
    assert (
        cli("init", "--yes", "--no-red-flags", "--no-conditions", "--minutes", "30").exit_code == 0
    )
    res = cli("init", "--pain", "3", "--json")
    assert res.exit_code == 0, res
    assert res.json()["profile"]["minutes_per_day"] == 30  # type: ignore[attr-defined]
