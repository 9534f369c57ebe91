"""The clinic's views (issue 16): the caseload table, which fits 80 columns, and its CSV.

The table is plain fixed-width text: five hundred rows must print in a blink, and a rich
table of that size takes longer than reading the whole caseload.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TextIO

from backcare.domain.analytics import IMPROVING, NO_CLEAR_CHANGE, WORSENING
from backcare.domain.caseload import CaseRow
from backcare.domain.instruments import INSTRUMENTS
from backcare.domain.words import NONE, num, signed

# name, alert, last session, adherence, pain, questionnaire, reassessment due
WIDTHS = (12, 26, 5, 4, 10, 13, 3)  # 73 and six spaces: 79 columns
HEADINGS = ("Patient", "Alert (14 days)", "Last", "Adh.", "Pain", "Questionnaire", "Due")
LEVEL_WORDS = {"critical": "CRIT", "high": "HIGH", "low": "low"}
VERDICT_MARKS = {IMPROVING: "↓", WORSENING: "↑", NO_CLEAR_CHANGE: "="}
LEGEND = ("Last: days since the last session. Adh.: adherence, 14 days. Pain: the last 7 "
          "days' mean/baseline, ↓ improving, ↑ worse, = no clear change. Figures are as of "
          "each patient's latest export.")


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def cells(row: CaseRow) -> tuple[str, ...]:
    s = row.summary
    alert = NONE if s.alert_level is None else \
        f"{LEVEL_WORDS.get(s.alert_level, s.alert_level)} {s.alert_rule}"
    since = NONE if row.days_since_session is None else f"{row.days_since_session}d"
    adherence = NONE if s.adherence_percent is None else f"{s.adherence_percent:.0f}%"
    pain = NONE
    if s.pain_current is not None:
        base = f"/{s.pain_baseline}" if s.pain_baseline is not None else ""
        pain = f"{num(s.pain_current)}{base} {VERDICT_MARKS.get(s.verdict or '', '')}".strip()
    question = NONE
    if s.questionnaire is not None:
        q = s.questionnaire
        inst = INSTRUMENTS.get(q.instrument)
        short = inst.short_name if inst else q.instrument
        change = f" {signed(q.change)}" if q.change is not None else ""
        question = f"{short} {num(q.latest)}{change}"
    return (row.patient.label, alert, since, adherence, pain, question,
            "due" if s.reassessment_due else "")


def table(rows: Sequence[CaseRow], out: TextIO) -> None:
    """The caseload, one line a patient, most urgent first; at most 80 columns."""
    def line(values: Sequence[str]) -> str:
        parts = [_fit(v, w).ljust(w) if i in (0, 1, 4, 5) else _fit(v, w).rjust(w)
                 for i, (v, w) in enumerate(zip(values, WIDTHS, strict=True))]
        return " ".join(parts).rstrip()

    out.write(line(HEADINGS) + "\n")
    out.write(line(["─" * w for w in WIDTHS]) + "\n")
    for row in rows:
        out.write(line(cells(row)) + "\n")
    out.write("\n" + _wrap(LEGEND, 79) + "\n")


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


CSV_COLUMNS = ("patient", "name", "alert_level", "alert_rule", "days_since_session",
               "last_session", "adherence_percent", "pain_baseline", "pain_current",
               "pain_change", "pain_verdict", "questionnaire", "questionnaire_latest",
               "questionnaire_change", "questionnaire_direction", "reassessment_due",
               "as_of", "exported_at")


def csv_text(rows: Sequence[CaseRow]) -> str:
    """The caseload as CSV, one row a patient; text a spreadsheet would run as a formula
    is neutralised (the CSV export's rule, CONTRACT.md)."""
    from backcare.exporters.csv_export import neutralise as safe

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        s, q = row.summary, row.summary.questionnaire
        values: list[object] = [
            row.patient.id, row.patient.name or "", s.alert_level or "", s.alert_rule or "",
            row.days_since_session, s.last_session, s.adherence_percent, s.pain_baseline,
            s.pain_current, s.pain_change, s.verdict or "", q.instrument if q else "",
            q.latest if q else "", q.change if q else "", q.direction if q else "",
            "yes" if s.reassessment_due else "no", s.as_of, row.patient.exported_at]
        writer.writerow(["" if v is None else safe(v) if isinstance(v, str) else v
                         for v in values])
    return buffer.getvalue()
