"""The audit trail read as the last word on each record it touched (issue 22): how a
patient's corrections reach the clinic's copy of them. Pure: no clock, no storage.

An export carries the log as it stands and the trail of corrections that made it so
(issue 14). A copy that already holds a record keeps it when the same record comes again,
so an edit would never arrive and a deleted record would come back from an older export.
Replaying the trail, oldest line first, gives each record it touched its final value (or
none: deleted); the copy takes that value whatever order the exports arrive in, since the
trail orders itself by its own times, never by an export's date.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from backcare.domain.corrections import record_id

# (table, record id) → (the record's day, its final value; None: it was deleted)
TrailStates = dict[tuple[str, str], tuple[str, dict[str, Any] | None]]


def _moment(at: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(at))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def replay(lines: Iterable[Mapping[str, Any]]) -> TrailStates:
    """Each record the trail touched, with its value after the trail's last line about it.
    The same line given twice (a copy's own and an export's) counts once; lines at the same
    moment keep their order (one change's lines)."""
    seen: set[str] = set()
    unique = []
    for line in lines:
        text = json.dumps(line, sort_keys=True, ensure_ascii=False, default=str)
        if text not in seen:
            seen.add(text)
            unique.append(line)
    states: TrailStates = {}
    for line in sorted(unique, key=lambda line: _moment(line.get("at"))):
        table = str(line["record"])
        if table == "profile":  # it travels whole, the newest kept (issue 21)
            continue
        before, after = line.get("before"), line.get("after")
        if before:
            states[(table, record_id(table, before))] = (str(before["date"]), None)
        if after:
            states[(table, record_id(table, after))] = (str(after["date"]), dict(after))
    return states


def untouched(
    tables: Mapping[str, list[dict[str, Any]]], states: TrailStates
) -> dict[str, list[dict[str, Any]]]:
    """An export's records the trail says nothing of: those it touched take the trail's
    final value instead."""
    return {
        table: [d for d in docs if (table, record_id(table, d)) not in states]
        for table, docs in tables.items()
    }
