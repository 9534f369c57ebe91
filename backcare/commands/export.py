"""`backcare export`: files for the physiotherapist, another program, or a backup.

The command loads the record, limits it to the period, and gathers what the format's
exporter ``needs`` (the progress report of the period, exercise names, the coming plans);
the exporter turns that into bytes, and the file is written privately and atomically.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from backcare.commands.common import (
    DateOpt,
    JsonOpt,
    PatientRecord,
    day,
    library,
    patient_record,
    period,
    progress_for,
    store,
    thresholds,
)
from backcare.domain.document import document
from backcare.domain.planner import forecast, history_window
from backcare.domain.text import check_text
from backcare.errors import BackcareError, UsageProblem
from backcare.render.ui import emit_json, say
from backcare.storage.files import check_out, write_out

if TYPE_CHECKING:
    from backcare.exporters import ExportContext, Exporter

DEFAULT_ICS_WEEKS = 4
MAX_ICS_WEEKS = 52
MAX_NAME_CHARS = 100
DEFAULT_REPORT_DAYS = 28  # a report with nothing recorded covers the last four weeks


class Format(StrEnum):
    json = "json"
    csv = "csv"
    fhir = "fhir"
    pdf = "pdf"
    ics = "ics"


def export(
    fmt: Annotated[Format, typer.Option(
        "--format", case_sensitive=False, metavar="json|csv|fhir|pdf|ics",
        help="json (a full copy that 'import' reads back), csv (a spreadsheet), fhir (a FHIR "
             "R5 Bundle), pdf (a report for your physiotherapist: a one-page summary, then "
             "the log) or ics (calendar reminders for the coming weeks).")],
    out: Annotated[Path, typer.Option(
        "--out", metavar="PATH", help="The file to write. An existing file is only replaced "
                                      "with --force.")],
    date_from: Annotated[str | None, typer.Option(
        "--from", metavar="YYYY-MM-DD",
        help="First day of the log to include (default: from the first record; for the pdf, "
             "from the programme's start).")] = None,
    date_to: Annotated[str | None, typer.Option(
        "--to", metavar="YYYY-MM-DD",
        help="Last day of the log to include (default: everything; for the pdf, --date).")
    ] = None,
    date: DateOpt = None,
    weeks: Annotated[int, typer.Option(
        "--weeks", min=1, max=MAX_ICS_WEEKS, metavar="N",
        help="ics: how many weeks of sessions to put in the calendar, from --date.")
    ] = DEFAULT_ICS_WEEKS,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
    name: Annotated[str | None, typer.Option(
        "--name", metavar="TEXT",
        help="pdf and fhir: the patient's name to print. backcare stores no name; without "
             "it the report is anonymous.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Export your data for your physiotherapist, another program, or a backup.

    The pdf report covers the programme up to --date; the ics calendar starts at --date.
    Files are written readable by you only, and never replace a file without --force.

    Example: backcare export --format pdf --out report.pdf --name "Sam Smith"
    """
    from backcare.exporters import get_exporter

    exporter = get_exporter(fmt.value)
    today = day(date)
    patient = _check_name(name)
    check_out(out, force)  # before any work: a refusal should be instant
    start, end = period(date_from, date_to, today, lambda _end: None)
    by_programme = exporter.default_period == "programme"
    limit = end if date_to is not None or by_programme else None
    rec = patient_record(limit)
    if start is None and by_programme:
        start = _default_start(rec, end)
    ctx = _context(exporter, rec, start, limit, today, weeks, patient)
    rendered = exporter.render(ctx)
    write_out(out, rendered.data, force)
    if as_json:
        emit_json({"format": exporter.name, "out": str(out), "records": rendered.records})
    else:
        unit = exporter.unit if rendered.records == 1 else exporter.unit + "s"
        say(f"[green]✓[/] Wrote {out} ({exporter.name}, {rendered.records} {unit}).")


def _context(exporter: Exporter, rec: PatientRecord, start: date | None, end: date | None,
             today: date, weeks: int, patient: str | None) -> ExportContext:
    """The period's document, and what else the format needs."""
    from backcare.exporters import NAMES, PLANS, REPORT, ExportContext

    t = thresholds()
    doc = document(rec.profile, rec.history.between(start, end), rec.goals, rec.programme,
                   _now())
    report = None
    if REPORT in exporter.needs:
        first = start or rec.history.first_day() or end or today
        last = end or max(today, first)
        report = progress_for(rec, first, last, today)
    return ExportContext(
        doc=doc, exported_at=doc["exported_at"],
        start=start.isoformat() if start else None, end=end.isoformat() if end else None,
        patient_name=patient, report=report,
        exercise_names=library().names() if NAMES in exporter.needs else {},
        plans=tuple(_plans(rec, today, weeks)) if PLANS in exporter.needs else (),
        red_above=t.amber_max, cache_dir=store().paths.cache)


def _plans(rec: PatientRecord, first: date, weeks: int) -> list[dict[str, object]]:
    """The coming weeks' plans, as `plan --json` documents (a forecast from today's log)."""

    t = thresholds()
    history = rec.history.between(history_window(first, t), first)
    return [p.to_dict() for p in forecast(first, weeks * 7, rec.profile, library(),
                                          rec.programme, history, t)]


def _default_start(rec: PatientRecord, end: date) -> date:
    """Where a report starts by default: the programme's start, else the first record,
    else four weeks before it ends."""
    starts = [d for d in (rec.profile.start_date if rec.profile else None,
                          rec.programme.start if rec.programme else None) if d]
    start = min(starts) if starts else (rec.history.first_day()
                                        or end - timedelta(days=DEFAULT_REPORT_DAYS - 1))
    return min(start, end)


def _check_name(name: str | None) -> str | None:
    if name is None:
        return None
    try:
        text = check_text(name, "--name", max_chars=MAX_NAME_CHARS)
    except BackcareError as exc:  # the one-line rule, said as a usage error
        raise UsageProblem(f"--name must be one line of at most {MAX_NAME_CHARS} "
                           f"characters") from exc
    return text or None


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def register(app: typer.Typer) -> None:
    app.command("export")(export)
