"""`export --format csv`: the log as one table, one row per record, with a ``record`` column.

Each row is one thing that happened, and each value is stated once:

- ``session``: the session's id, date, ``pain_before``, ``pain_after`` and note;
- ``exercise``: one exercise of a session (``session_id`` names it): its id and name, whether
  it is done on each side (``per_side``), its status, and what was done: sets, reps, hold,
  ``minutes`` (3 for a walk of 3 of 5 minutes, marked ``partial``; nothing for a skipped
  exercise) and the pain it gave (``exercise_pain``);
- ``checkin``: the day's pain (``checkin_pain``), symptoms, flare-up and note;
- ``assessment``: a questionnaire's instrument, score, band and answers;
- ``visit``: a clinic visit's kind and note;
- ``goal``: the goal, when it was set (``date``), when it is due and when it was done.

So a column means one thing: the mean of ``checkin_pain`` is the mean daily pain, and no
session's pain is counted once per exercise. ISO dates, UTF-8 with a byte-order mark (so that
Excel on Windows reads accents and CJK; ``--no-bom`` leaves it out), a header row, written by
the csv module so commas, quotes and newlines in notes survive.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, also
after leading spaces or invisible characters, and in their full-width forms ``＝＋－＠``: a
note like ``=HYPERLINK(...)`` could leak data or run commands when the physiotherapist opens
the file (OWASP "CSV injection"). Every such text cell, and every cell that starts with a tab
or carriage return, gets a leading apostrophe, which spreadsheets show as plain text.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from backcare.exporters import Rendered

if TYPE_CHECKING:
    from backcare.exporters import ExportContext, Rendered, Sink

COLUMNS: tuple[str, ...] = (
    "record",
    "id",
    "session_id",
    "date",
    "exercise_id",
    "exercise",
    "per_side",
    "status",
    "sets",
    "reps",
    "hold_seconds",
    "minutes",
    "exercise_pain",
    "pain_before",
    "pain_after",
    "checkin_pain",
    "symptoms",
    "flare",
    "instrument",
    "score",
    "band",
    "answers",
    "kind",
    "goal",
    "due",
    "done_on",
    "note",
)
_COLUMN: dict[str, int] = {col: n for n, col in enumerate(COLUMNS)}
RECORDS: tuple[str, ...] = ("session", "exercise", "checkin", "assessment", "visit", "goal")
FORMULA_CHARS = frozenset("=+-@\uff1d\uff0b\uff0d\uff20")  # and full-width ＝＋－＠
CONTROL_STARTS = ("\t", "\r")
# Characters a spreadsheet may skip before reading a formula: any Unicode space (str.isspace:
# space, no-break space, ideographic space…) and these invisible ones.
INVISIBLE = frozenset("\u200b\u200c\u200d\u2060\ufeff")  # zero-width space…, BOM
SYMPTOM_SEPARATOR = ";"
BOM = "\ufeff"


def neutralise(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    if value.startswith(CONTROL_STARTS):
        return "'" + value
    for ch in value:
        if ch.isspace() or ch in INVISIBLE:
            continue
        return "'" + value if ch in FORMULA_CHARS else value
    return value


def _cell(value: Any) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return value  # counts, doses and scores: never negative in an export
    return neutralise(str(value))


def _exercise_row(session: dict[str, Any], e: dict[str, Any], ctx: ExportContext) -> dict[str, Any]:
    ident = e.get("exercise_id")
    done = e.get("status") != "skipped"  # a skipped exercise did no sets and no minutes
    return {
        "record": "exercise",
        "session_id": session["id"],
        "date": session["date"],
        "exercise_id": ident,
        "exercise": ctx.exercise_names.get(ident or "", ident),
        "per_side": ident in ctx.per_side,
        "status": e.get("status"),
        "sets": e.get("sets") if done else None,
        "reps": e.get("reps") if done else None,
        "hold_seconds": e.get("hold_seconds") if done else None,
        "minutes": e.get("duration_minutes") if done else None,
        "exercise_pain": e.get("pain"),
    }


def _session_rows(s: dict[str, Any], ctx: ExportContext) -> list[dict[str, Any]]:
    return [
        {
            "record": "session",
            "id": s["id"],
            "date": s["date"],
            "pain_before": s.get("pain_before"),
            "pain_after": s.get("pain_after"),
            "note": s.get("note"),
        },
        *(_exercise_row(s, e, ctx) for e in s.get("exercises") or []),
    ]


def _checkin_rows(c: dict[str, Any], ctx: ExportContext) -> list[dict[str, Any]]:
    return [
        {
            "record": "checkin",
            "id": c.get("id") or f"p-{c['date']}",
            "date": c["date"],
            "checkin_pain": c["score"],
            "symptoms": SYMPTOM_SEPARATOR.join(c.get("symptoms") or []) or None,
            "flare": bool(c.get("flare")),
            "note": c.get("note"),
        }
    ]


def _assessment_rows(a: dict[str, Any], ctx: ExportContext) -> list[dict[str, Any]]:
    return [
        {
            "record": "assessment",
            "id": a["id"],
            "date": a["date"],
            "instrument": a["instrument"],
            "score": a["score"],
            "band": a.get("band"),
            "answers": json.dumps(a.get("answers"), ensure_ascii=False, separators=(",", ":")),
        }
    ]


def _visit_rows(v: dict[str, Any], ctx: ExportContext) -> list[dict[str, Any]]:
    return [
        {
            "record": "visit",
            "id": v["id"],
            "date": v["date"],
            "kind": v["kind"],
            "note": v.get("note"),
        }
    ]


# Each dated table, in the order its rows come on one day, and how a record becomes rows.
_DATED = (
    ("sessions", _session_rows),
    ("pain_checkins", _checkin_rows),
    ("assessments", _assessment_rows),
    ("visits", _visit_rows),
)


def iter_rows(ctx: ExportContext) -> Iterator[dict[str, Any]]:
    """The table's rows, one at a time: by date, and on one day sessions (each followed by
    its exercises), check-ins, questionnaires, visits; goals last. Each row maps column to
    raw value. Only the order is worked out beforehand; a record becomes rows when its turn
    comes, so the table is never held whole (issue 25)."""
    doc = ctx.doc
    order = sorted(
        (r["date"], kind, n)  # stable: sessions keep their logged order
        for kind, (table, _) in enumerate(_DATED)
        for n, r in enumerate(doc.get(table, []))
    )
    for _, kind, n in order:
        table, make = _DATED[kind]
        yield from make(doc[table][n], ctx)
    for g in doc.get("goals", []):
        yield {
            "record": "goal",
            "id": g["id"],
            "date": g["created"],
            "goal": g["text"],
            "due": g.get("by"),
            "done_on": g.get("done_on"),
        }


def rows(ctx: ExportContext) -> list[dict[str, Any]]:
    """:func:`iter_rows`, as a list."""
    return list(iter_rows(ctx))


# Rows are written into pieces of about this many, so that the sink gets few large writes.
BATCH = 512


def render(ctx: ExportContext) -> Rendered:
    """The table, streamed."""

    def stream(sink: Sink) -> int:
        buf = io.StringIO(newline="")
        if ctx.csv_bom:
            buf.write(BOM)
        writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180 line ends, as Excel expects
        writer.writerow(COLUMNS)
        count = 0
        for row in iter_rows(ctx):
            cells: list[str | int | float] = [""] * len(COLUMNS)  # _cell(None) is ""
            for col, value in row.items():  # a row names a few of the 27 columns
                if value is not None:
                    cells[_COLUMN[col]] = _cell(value)
            writer.writerow(cells)
            count += 1
            if count % BATCH == 0:
                sink(buf.getvalue().encode("utf-8"))
                buf.seek(0)
                buf.truncate()
        sink(buf.getvalue().encode("utf-8"))
        return count

    return Rendered(stream=stream)
