"""The index of the log records that are not in the month their id names (issue 25).

An id of backcare's own names the day the record was made (``s-20260302-…``), so `edit`
and `delete` look for it in that month's file: one file, whatever the years. Two kinds of
record are elsewhere: one whose date an edit moved to another month, and one imported from
another program, whose id names no day. This index lists them, month by month, in
``log/moved-ids``, so that they too are found by reading one small file and one month.

It is never a cache that can disagree silently:
- it is written by the same change as the month files it describes, in the same step,
  before the change is confirmed (:mod:`journal`); a change rolled back, settled or undone
  rewrites it with the months it puts back, so a crash leaves it agreeing with them;
- every answer it gives is checked against the month file it names, and a record found
  only by reading every month (a file edited by hand, an index lost) has the index made
  again from all of them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from backcare.domain.corrections import id_day, record_id
from backcare.storage.files import atomic_write_bytes
from backcare.storage.paths import month_of

INDEX_FILE = "moved-ids"  # not *.json: only the months are the log's json files
FORMAT = "backcare-moved-ids"
VERSION = 1
MAX_INDEX_BYTES = 64 * 1024 * 1024
LOG_TABLES: tuple[str, ...] = ("sessions", "pain_checkins", "assessments", "visits")


def index_path(log_dir: Path) -> Path:
    return log_dir / INDEX_FILE


def moved_ids(month: str, tables: Mapping[str, Any]) -> list[str]:
    """The ids of a month's records that their id does not place in that month."""
    found = []
    for table in LOG_TABLES:
        for doc in (tables.get(table) or {}).values():
            if not isinstance(doc, dict):
                continue
            try:
                ident = record_id(table, doc)
            except (KeyError, TypeError):
                continue
            day = id_day(ident)
            if day is None or day[:7] != month:
                found.append(ident)
    return sorted(set(found))


def read(log_dir: Path) -> dict[str, list[str]] | None:
    """The index, month → ids; None when there is none or it cannot be read whole."""
    path = index_path(log_dir)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_INDEX_BYTES + 1)
        doc = json.loads(raw) if len(raw) <= MAX_INDEX_BYTES else None
    except (OSError, ValueError):
        return None
    if (
        not isinstance(doc, dict)
        or doc.get("format") != FORMAT
        or doc.get("version") != VERSION
        or not isinstance(doc.get("months"), dict)
    ):
        return None
    months = doc["months"]
    if not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(i, str) for i in v)
        for k, v in months.items()
    ):
        return None
    return months


def encode(months: Mapping[str, list[str]]) -> bytes:
    return (
        json.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                "months": {k: months[k] for k in sorted(months) if months[k]},
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        + "\n"
    ).encode("utf-8")


def updated(
    log_dir: Path, written: Iterable[Path], tables_of: Callable[[Path], Mapping[str, Any]]
) -> bytes | None:
    """The index's new bytes when a change writes these files: each month written, as
    its tables will be. None when it writes no month, or leaves the index as it is (the
    usual case: a record logged on its own day moves nothing, and costs no extra write).
    An index that cannot be read is started again from these months; a look-up that
    misses makes it whole (``rebuild``)."""
    months = [p for p in written if p.parent == log_dir and p.name != INDEX_FILE]
    if not months:
        return None
    was = {k: v for k, v in (read(log_dir) or {}).items() if v}
    index = dict(was)
    for path in months:
        ids = moved_ids(month_of(path), tables_of(path))
        if ids:
            index[month_of(path)] = ids
        else:
            index.pop(month_of(path), None)
    return None if index == was else encode(index)


def where(log_dir: Path, ident: str) -> str | None:
    """The month (YYYY-MM) the index puts ``ident`` in, if any."""
    for month, ids in (read(log_dir) or {}).items():
        if ident in ids:
            return month
    return None


def rebuild(log_dir: Path, months: Iterable[tuple[Path, Mapping[str, Any]]]) -> None:
    """Make the index again from every month (after a look-up it could not answer).
    Best effort: it is only ever a shortcut, checked at each use."""
    index = {month_of(p): moved_ids(month_of(p), tables) for p, tables in months}
    try:
        if os.path.isdir(log_dir):
            atomic_write_bytes(index_path(log_dir), encode(index))
    except OSError:
        pass
