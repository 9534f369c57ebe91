"""The export document: the whole record as one versioned JSON object.

It is CONTRACT.md's "Export, --format json": ``format`` "backcare-export", ``version`` 1,
``exported_at``, ``profile``, ``sessions``, ``pain_checkins``, ``assessments``, ``visits``,
``goals`` and ``programme``. Every record is the model's own ``to_dict()``, so an export
imported into an empty data folder and exported again gives the same document,
``exported_at`` aside. The JSON export writes it as it is; the other exporters read their
records from it, and ``import`` checks a file against it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from backcare.domain.models import Goal, History, Prescription, Profile

FORMAT = "backcare-export"
VERSION = 1
LOG_KINDS: tuple[str, ...] = ("sessions", "pain_checkins", "assessments", "visits")
TOP_KEYS: tuple[str, ...] = ("format", "version", "exported_at", "profile", *LOG_KINDS,
                             "goals", "programme")


def document(profile: Profile | None, history: History, goals: Sequence[Goal],
             programme: Prescription | None, exported_at: str) -> dict[str, Any]:
    """The export document of a history (already limited to the dates asked for).
    ``exported_at`` is passed in: nothing here reads the clock."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": exported_at,
        "profile": profile.to_dict() if profile else None,
        "sessions": [s.to_dict() for s in history.sessions],
        "pain_checkins": [c.to_dict() for c in history.checkins],
        "assessments": [a.to_dict() for a in history.assessments],
        "visits": [v.to_dict() for v in history.visits],
        "goals": [g.to_dict() for g in goals],
        "programme": programme.to_dict() if programme else None,
    }


def record_count(doc: dict[str, Any]) -> int:
    """How many log records a document holds."""
    return sum(len(doc.get(kind) or ()) for kind in LOG_KINDS)
