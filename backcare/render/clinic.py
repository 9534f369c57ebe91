"""The clinic's views (issue 16): the caseload table, which fits 80 columns, and its CSV.

The table is plain fixed-width text: five hundred rows must print in a blink, and a rich
table of that size takes longer than reading the whole caseload. A wider terminal gives its
extra columns to the alerts (a red flag's symptoms), then to the names (issue 22: "J.
Fitzgerald-Murphy" is not cut to 12 characters when there is room). A critical row is
marked ``!!`` (which survives ``NO_COLOR`` and a printout), and at a terminal with colour it
is red and bold, as rich's ``bold red`` style writes it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import TextIO

from backcare.domain.alerts import CRITICAL
from backcare.domain.analytics import IMPROVING, NO_CLEAR_CHANGE, WORSENING
from backcare.domain.caseload import NO_EXPORT_RULE, RED_FLAG_RULE, CaseRow, RowAlert
from backcare.domain.instruments import INSTRUMENTS
from backcare.domain.words import NONE, num, short_date, signed

# mark, name, alert, last session, export, adherence, pain, questionnaire, reassessment due
WIDTHS = (2, 12, 26, 4, 4, 4, 7, 10, 3)  # 72 and eight spaces: 80 columns
HEADINGS = ("", "Patient", "Alert (14 days)", "Last", "Exp.", "Adh.", "Pain", "Quest.", "Due")
LEFT = (0, 1, 2, 6, 7)
NAME, ALERT = 1, 2
LEVEL_WORDS = {"critical": "CRIT", "high": "HIGH", "low": "low"}
CRITICAL_MARK = "!!"
BOLD_RED, RESET = "\x1b[1;31m", "\x1b[0m"  # rich's "bold red"
VERDICT_MARKS = {IMPROVING: "↓", WORSENING: "↑", NO_CLEAR_CHANGE: "="}
LEGEND = (
    "!!: a critical alert; FLAG: a red flag, with its day and symptoms (red flags "
    "come first, the newest first; flag: cleared by a clinician since). Last: days "
    "since the last session. Exp.: days since the latest export. Adh.: adherence, 14 "
    "days. Pain: the last 7 days' mean/baseline, ↓ improving, ↑ worse, = no clear "
    "change. Every figure is as of the patient's latest export, not today."
)


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def alert_words(alert: RowAlert | None) -> str:
    """A row's alert in a few words: "FLAG 3 Dec bladder-bowel", "CRIT severe-pain
    19 Mar", "HIGH adherence-below-50". The day comes before the symptoms, so that a narrow
    column cuts the symptoms' end, never the day."""
    if alert is None:
        return NONE
    when = f" {short_date(alert.date)}" if alert.date is not None else ""
    if alert.rule == RED_FLAG_RULE:
        word = "flag" if alert.cleared else "FLAG"  # lower case: cleared by a clinician since
        return f"{word}{when} {', '.join(alert.symptoms)}".rstrip()
    word = LEVEL_WORDS.get(alert.level, alert.level)
    dated = alert.level == CRITICAL or alert.rule == NO_EXPORT_RULE  # no-export: its day
    return f"{word} {alert.rule}{when if dated else ''}"


def cells(row: CaseRow) -> tuple[str, ...]:
    s = row.summary
    since = NONE if row.days_since_session is None else f"{row.days_since_session}d"
    exported = NONE if row.export_age_days is None else f"{row.export_age_days}d"
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
    critical = row.alert is not None and row.alert.level == CRITICAL and not row.alert.cleared
    return (
        CRITICAL_MARK if critical else "",
        row.patient.label,
        alert_words(row.alert),
        since,
        exported,
        adherence,
        pain,
        question,
        "due" if s.reassessment_due else "",
    )


def widths(rows: Sequence[tuple[str, ...]], columns: int | None) -> tuple[int, ...]:
    """The columns' widths: 80 columns' worth, and on a wider terminal the rest to the
    longest alert, then to the longest name."""
    out = list(WIDTHS)
    spare = max((columns or 80) - 80, 0)
    for col in (ALERT, NAME):
        longest = max((len(r[col]) for r in rows), default=0)
        extra = min(spare, max(longest - out[col], 0))
        out[col] += extra
        spare -= extra
    return tuple(out)


def table(
    rows: Sequence[CaseRow], out: TextIO, columns: int | None = None, colour: bool = False
) -> None:
    """The caseload, one line a patient, most urgent first; at most 80 columns, or
    ``columns`` when the terminal is wider."""
    texts = [cells(r) for r in rows]
    w = widths(texts, columns)

    def line(values: Sequence[str]) -> str:
        parts = [
            _fit(v, n).ljust(n) if i in LEFT else _fit(v, n).rjust(n)
            for i, (v, n) in enumerate(zip(values, w, strict=True))
        ]
        return " ".join(parts).rstrip()

    out.write(line(HEADINGS) + "\n")
    out.write(line(["─" * n if n > 2 else "" for n in w]) + "\n")
    for values in texts:
        text = line(values)
        if colour and values[0] == CRITICAL_MARK:
            text = f"{BOLD_RED}{text}{RESET}"
        out.write(text + "\n")
    out.write("\n" + _wrap(LEGEND, max(sum(w) + len(w) - 1, 79)) + "\n")


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


CSV_COLUMNS = (
    "patient",
    "name",
    "alert_level",
    "alert_rule",
    "alert_date",
    "alert_symptoms",
    "days_since_session",
    "last_session",
    "adherence_percent",
    "pain_baseline",
    "pain_current",
    "pain_change",
    "pain_verdict",
    "questionnaire",
    "questionnaire_latest",
    "questionnaire_change",
    "questionnaire_direction",
    "reassessment_due",
    "as_of",
    "exported_at",
    "export_age_days",
)


def csv_text(rows: Sequence[CaseRow]) -> str:
    """The caseload as CSV, one row a patient; text a spreadsheet would run as a formula
    is neutralised (the CSV export's rule, CONTRACT.md)."""
    from backcare.exporters.csv_export import neutralise as safe

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        s, q, a = row.summary, row.summary.questionnaire, row.alert
        values: list[object] = [
            row.patient.id,
            row.patient.name or "",
            a.level if a else "",
            a.rule if a else "",
            a.date if a else None,
            " ".join(a.symptoms) if a else "",
            row.days_since_session,
            s.last_session,
            s.adherence_percent,
            s.pain_baseline,
            s.pain_current,
            s.pain_change,
            s.verdict or "",
            q.instrument if q else "",
            q.latest if q else "",
            q.change if q else "",
            q.direction if q else "",
            "yes" if s.reassessment_due else "no",
            s.as_of,
            row.patient.exported_at,
            row.export_age_days,
        ]
        writer.writerow(["" if v is None else safe(v) if isinstance(v, str) else v for v in values])
    return buffer.getvalue()
