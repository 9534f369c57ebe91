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
from typing import TYPE_CHECKING, Any

from backcare.exporters import Rendered

if TYPE_CHECKING:
    from backcare.exporters import ExportContext, Rendered

COLUMNS: tuple[str, ...] = (
    "record", "id", "session_id", "date", "exercise_id", "exercise", "per_side", "status",
    "sets", "reps", "hold_seconds", "minutes", "exercise_pain", "pain_before", "pain_after",
    "checkin_pain", "symptoms", "flare", "instrument", "score", "band", "answers", "kind",
    "goal", "due", "done_on", "note",
)
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


def _exercise_row(session: dict[str, Any], e: dict[str, Any], ctx: ExportContext
                  ) -> dict[str, Any]:
    ident = e.get("exercise_id")
    done = e.get("status") != "skipped"  # a skipped exercise did no sets and no minutes
    return {
        "record": "exercise", "session_id": session["id"], "date": session["date"],
        "exercise_id": ident, "exercise": ctx.exercise_names.get(ident or "", ident),
        "per_side": ident in ctx.per_side, "status": e.get("status"),
        "sets": e.get("sets") if done else None, "reps": e.get("reps") if done else None,
        "hold_seconds": e.get("hold_seconds") if done else None,
        "minutes": e.get("duration_minutes") if done else None,
        "exercise_pain": e.get("pain"),
    }


def rows(ctx: ExportContext) -> list[dict[str, Any]]:
    """The table's rows: by date, and on one day sessions (each followed by its exercises),
    check-ins, questionnaires, visits; goals last. Each row maps column to raw value."""
    doc = ctx.doc
    dated: list[tuple[str, int, list[dict[str, Any]]]] = []
    for s in doc.get("sessions", []):
        group = [{"record": "session", "id": s["id"], "date": s["date"],
                  "pain_before": s.get("pain_before"), "pain_after": s.get("pain_after"),
                  "note": s.get("note")}]
        group += [_exercise_row(s, e, ctx) for e in s.get("exercises") or []]
        dated.append((s["date"], 0, group))
    for c in doc.get("pain_checkins", []):
        dated.append((c["date"], 1, [{
            "record": "checkin", "id": c.get("id") or f"p-{c['date']}", "date": c["date"],
            "checkin_pain": c["score"],
            "symptoms": SYMPTOM_SEPARATOR.join(c.get("symptoms") or []) or None,
            "flare": bool(c.get("flare")), "note": c.get("note")}]))
    for a in doc.get("assessments", []):
        dated.append((a["date"], 2, [{
            "record": "assessment", "id": a["id"], "date": a["date"],
            "instrument": a["instrument"], "score": a["score"], "band": a.get("band"),
            "answers": json.dumps(a.get("answers"), ensure_ascii=False,
                                  separators=(",", ":"))}]))
    for v in doc.get("visits", []):
        dated.append((v["date"], 3, [{"record": "visit", "id": v["id"], "date": v["date"],
                                      "kind": v["kind"], "note": v.get("note")}]))
    dated.sort(key=lambda r: (r[0], r[1]))  # stable: sessions keep their logged order
    table = [row for _, _, group in dated for row in group]
    for g in doc.get("goals", []):
        table.append({"record": "goal", "id": g["id"], "date": g["created"],
                      "goal": g["text"], "due": g.get("by"), "done_on": g.get("done_on")})
    return table


def render(ctx: ExportContext) -> Rendered:

    table = rows(ctx)
    buf = io.StringIO(newline="")
    if ctx.csv_bom:
        buf.write(BOM)
    writer = csv.writer(buf, lineterminator="\r\n")  # RFC 4180 line ends, as Excel expects
    writer.writerow(COLUMNS)
    for row in table:
        writer.writerow([_cell(row.get(col)) for col in COLUMNS])
    return Rendered(buf.getvalue().encode("utf-8"), len(table))
