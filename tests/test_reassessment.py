"""`plan` carries a line when a questionnaire is due, every 2 weeks (issue 5)."""

from __future__ import annotations

from collections.abc import Callable


def _due(result: object) -> list[str]:
    return [w for w in result.json()["warnings"] if "questionnaire" in w]  # type: ignore[attr-defined]


def test_reassessment_is_due_every_two_weeks(cli: Callable[..., object]) -> None:
    assert (
        cli(
            "init",
            "--yes",
            "--no-red-flags",
            "--no-conditions",
            "--pain",
            "5",
            "--date",
            "2026-03-01",
        ).exit_code
        == 0
    )
    assert _due(cli("plan", "--json", "--date", "2026-03-01"))  # none yet: take a first one
    assert (
        cli("assess", "odi", "--answers", "2,2,2,2,2,2,2,2,2,2", "--date", "2026-03-02").exit_code
        == 0
    )
    assert _due(cli("plan", "--json", "--date", "2026-03-03")) == []
    assert _due(cli("plan", "--json", "--date", "2026-03-15")) == []  # 13 days on
    due = _due(cli("plan", "--json", "--date", "2026-03-16"))  # 14 days on
    assert len(due) == 1 and "2026-03-02" in due[0]


def test_no_line_before_init(cli: Callable[..., object]) -> None:
    assert _due(cli("plan", "--json", "--date", "2026-03-01")) == []
