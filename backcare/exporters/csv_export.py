"""`export --format csv`: the log as one spreadsheet-friendly table.

One row per exercise per session (the session's pain before/after and note repeated on each
of its rows, so any row can be filtered or pivoted on its own), then a row per pain check-in,
assessment and visit. ISO dates, UTF-8, a header row, written by the csv module so commas,
quotes and newlines in notes survive.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage
return before one) as a formula: a note like ``=HYPERLINK(...)`` could leak data or run
commands when the physiotherapist opens the file (OWASP "CSV injection"). Every text cell that
starts with one of these gets a leading apostrophe, which spreadsheets show as plain text.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

from backcare.exporters import Rendered

if TYPE_CHECKING:
    from backcare.exporters import ExportContext, Rendered

COLUMNS: tuple[str, ...] = (
    "record_type", "record_id", "date", "exercise_id", "status", "sets", "reps",
    "hold_seconds", "duration_minutes", "pain", "pain_before", "pain_after", "score",
    "instrument", "band", "answers", "symptoms", "flare", "kind", "note",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SYMPTOM_SEPARATOR = ";"


def neutralise(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _cell(value: Any) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return value  # counts, doses and scores: never negative in an export
    return neutralise(str(value))


def rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The table's rows, oldest first; each a mapping of column to raw value."""
    out: list[tuple[str, int, dict[str, Any]]] = []
    for s in doc.get("sessions", []):
        base = {"record_type": "session", "record_id": s["id"], "date": s["date"],
                "pain_before": s.get("pain_before"), "pain_after": s.get("pain_after"),
                "note": s.get("note")}
        exercises = s.get("exercises") or [{}]  # a session with none still gets its row
        for e in exercises:
            out.append((s["date"], 0, {
                **base, "exercise_id": e.get("exercise_id"), "status": e.get("status"),
                "sets": e.get("sets"), "reps": e.get("reps"),
                "hold_seconds": e.get("hold_seconds"),
                "duration_minutes": e.get("duration_minutes"), "pain": e.get("pain")}))
    for c in doc.get("pain_checkins", []):
        out.append((c["date"], 1, {
            "record_type": "pain", "record_id": c.get("id") or f"p-{c['date']}",
            "date": c["date"], "pain": c["score"],
            "symptoms": SYMPTOM_SEPARATOR.join(c.get("symptoms") or []) or None,
            "flare": bool(c.get("flare")), "note": c.get("note")}))
    for a in doc.get("assessments", []):
        out.append((a["date"], 2, {
            "record_type": "assessment", "record_id": a["id"], "date": a["date"],
            "instrument": a["instrument"], "score": a["score"], "band": a.get("band"),
            "answers": json.dumps(a.get("answers"), ensure_ascii=False,
                                  separators=(",", ":"))}))
    for v in doc.get("visits", []):
        out.append((v["date"], 3, {
            "record_type": "visit", "record_id": v["id"], "date": v["date"],
            "kind": v["kind"], "note": v.get("note")}))
    out.sort(key=lambda r: (r[0], r[1]))  # stable: keeps each session's exercise order
    return [r[2] for r in out]


def render(ctx: ExportContext) -> Rendered:

    table = rows(ctx.doc)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180 line ends, as Excel expects
    writer.writerow(COLUMNS)
    for row in table:
        writer.writerow([_cell(row.get(col)) for col in COLUMNS])
    return Rendered(buf.getvalue().encode("utf-8"), len(table))
