"""The export document: the whole record as one versioned JSON object.

It is CONTRACT.md's "Export, --format json": ``format`` "backcare-export", ``version`` 1,
``exported_at``, ``profile``, ``sessions``, ``pain_checkins``, ``assessments``, ``visits``,
``goals`` and ``programme``; since issue 14 also ``corrections`` (the audit trail) and
``prescriptions`` (their history), both optional on import. Every record is the model's
own ``to_dict()``, so an export imported into an empty data folder and exported again
gives the same document, ``exported_at`` aside. The JSON export writes it as it is; the
other exporters read their records from it, and ``import`` checks a file against it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from typing import Any, Protocol, overload

from backcare.domain.models import (
    Goal,
    History,
    Prescription,
    PrescriptionHistory,
    Profile,
)

FORMAT = "backcare-export"
VERSION = 1
LOG_KINDS: tuple[str, ...] = ("sessions", "pain_checkins", "assessments", "visits")
TOP_KEYS: tuple[str, ...] = (
    "format",
    "version",
    "exported_at",
    "profile",
    *LOG_KINDS,
    "goals",
    "programme",
)
# Keys added after the first release (issue 14). Every version-1 file still imports, so
# each is optional on import: the audit trail of corrections, and the history of
# prescriptions with the day each applies from.


class _Record(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


class Records(Sequence[dict[str, Any]]):
    """A table of the document whose records are made (``to_dict``) as they are read, one
    at a time, and forgotten: an export streams ten or a hundred years of them without
    holding them all as dicts beside the models (issue 25). Read-only, like the rest of
    the document once made."""

    def __init__(self, items: Sequence[_Record]) -> None:
        self._items = items

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [r.to_dict() for r in self._items[index]]
        return self._items[index].to_dict()

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (r.to_dict() for r in self._items)


def document(
    profile: Profile | None,
    history: History,
    goals: Sequence[Goal],
    programme: Prescription | None,
    exported_at: str,
    corrections: Sequence[dict[str, Any]] = (),
    prescriptions: PrescriptionHistory | None = None,
    lazy: bool = False,
) -> dict[str, Any]:
    """The export document of a history (already limited to the dates asked for), with the
    audit trail of its records' corrections and the history of prescriptions.
    ``exported_at`` is passed in: nothing here reads the clock. ``lazy``: the log's tables
    are :class:`Records`, made as they are read (the exports); else lists."""
    table: Any = Records if lazy else (lambda items: [r.to_dict() for r in items])
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": exported_at,
        "profile": profile.to_dict() if profile else None,
        "sessions": table(history.sessions),
        "pain_checkins": table(history.checkins),
        "assessments": table(history.assessments),
        "visits": table(history.visits),
        "goals": [g.to_dict() for g in goals],
        "programme": programme.to_dict() if programme else None,
        "corrections": [dict(c) for c in corrections],
        "prescriptions": prescriptions.to_list() if prescriptions is not None else [],
    }


def edited_on(doc: dict[str, Any]) -> dict[str, str]:
    """The day each record of a document was last changed after the fact (the audit
    trail's latest correction of it that left a record), by record id: a clinician reading
    the report must know (issue 14)."""
    days: dict[str, str] = {}
    for c in doc.get("corrections") or []:
        if c.get("after") is not None and isinstance(c.get("at"), str):
            ident = str(c.get("id"))
            days[ident] = max(days.get(ident, ""), c["at"][:10])
    return days


def record_count(doc: dict[str, Any]) -> int:
    """How many log records a document holds."""
    return sum(len(doc.get(kind) or ()) for kind in LOG_KINDS)


def patient_key(profile: Profile | None, history: History) -> str:
    """A stable pseudonymous key for the patient, so that a receiving system recognises the
    same patient in a later export (the FHIR transaction bundle's conditional create).

    It is the profile's ``patient_id``, made once and never changed (issue 16), so that
    every export of the patient, whatever was added in between, gives their records the
    same identifiers (issue 28). Without one (no profile, or an export from before there
    were identifiers), the key is the id of the patient's first session, questionnaire or
    visit (each carries 32 random bits, so two patients' keys differ), else a digest of the
    profile and the check-ins; ``history`` must then reach back to the first record."""
    if profile is not None and profile.patient_id:
        return profile.patient_id
    random_ids = [
        (r.date, r.id)
        for kind in (history.sessions, history.assessments, history.visits)
        for r in kind[:1]
    ]
    if random_ids:
        return "record:" + min(random_ids)[1]
    content = {
        "profile": profile.to_dict() if profile else None,
        "checkins": [c.to_dict() for c in history.checkins],
    }
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
    return "digest:" + digest[:32]
