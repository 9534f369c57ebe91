"""domain.trail: the audit trail read as the last word on each record (issue 22)."""

from __future__ import annotations

from typing import Any

from backcare.domain.trail import replay, untouched


def checkin(day: str, score: int) -> dict[str, Any]:
    return {
        "id": f"p-{day}",
        "date": day,
        "score": score,
        "note": None,
        "symptoms": [],
        "flare": False,
    }


def line(at: str, action: str, before: Any, after: Any) -> dict[str, Any]:
    record = after or before
    return {
        "at": at,
        "action": action,
        "record": "pain_checkins",
        "id": record["id"],
        "date": record["date"],
        "before": before,
        "after": after,
    }


def test_the_last_line_about_a_record_wins_whatever_order_the_lines_come_in() -> None:
    edit = line(
        "2026-03-05T09:00:00+00:00", "edit", checkin("2026-03-04", 4), checkin("2026-03-04", 8)
    )
    delete = line("2026-03-06T09:00:00+01:00", "delete", checkin("2026-03-04", 8), None)
    assert replay([delete, edit]) == {("pain_checkins", "p-2026-03-04"): ("2026-03-04", None)}
    assert replay([edit]) == {
        ("pain_checkins", "p-2026-03-04"): ("2026-03-04", checkin("2026-03-04", 8))
    }


def test_an_edit_that_moves_a_record_removes_it_from_its_old_day() -> None:
    moved = line(
        "2026-03-05T09:00:00+00:00", "edit", checkin("2026-03-04", 4), checkin("2026-03-03", 4)
    )
    states = replay([moved, moved])  # the same line twice counts once
    assert states == {
        ("pain_checkins", "p-2026-03-04"): ("2026-03-04", None),
        ("pain_checkins", "p-2026-03-03"): ("2026-03-03", checkin("2026-03-03", 4)),
    }
    tables = {"pain_checkins": [checkin("2026-03-04", 4), checkin("2026-03-05", 2)]}
    assert untouched(tables, states) == {"pain_checkins": [checkin("2026-03-05", 2)]}
