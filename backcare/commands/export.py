"""`backcare export`: files for the physiotherapist, another program, or a backup.

The command loads the record, limits it to the period, and gathers what the format's
exporter ``needs`` (the progress report of the period, exercise names, the coming plans);
the exporter turns that into bytes, and the file is written privately and atomically.
"""

from __future__ import annotations

import os
import sys
from datetime import date, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from backcare.clock import now_on, utc_offset
from backcare.commands.common import (
    DateOpt,
    JsonOpt,
    PatientRecord,
    day,
    library,
    patient_record,
    period,
    progress_for,
    report_record,
    store,
    thresholds,
)
from backcare.domain.document import document, patient_key
from backcare.domain.history import aerobic_sessions, programme_start, report_start
from backcare.domain.planner import forecast, history_window
from backcare.domain.text import check_text
from backcare.errors import BackcareError, UsageProblem
from backcare.render.ui import emit_json, say
from backcare.storage.files import check_out, write_out

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from backcare.domain.analytics import ProgressReport
    from backcare.domain.clinical import Thresholds
    from backcare.domain.library import Library
    from backcare.exporters import ExportContext, Exporter

DEFAULT_ICS_WEEKS = 4
MAX_ICS_WEEKS = 52
MAX_NAME_CHARS = 100
DEFAULT_REMINDER = "09:00"
STDOUT = "-"


class Format(StrEnum):
    json = "json"
    csv = "csv"
    fhir = "fhir"
    pdf = "pdf"
    ics = "ics"


class FhirVersion(StrEnum):
    r4 = "r4"
    r5 = "r5"


class BundleType(StrEnum):
    collection = "collection"
    transaction = "transaction"


def export(
    fmt: Annotated[
        Format,
        typer.Option(
            "--format",
            case_sensitive=False,
            metavar="json|csv|fhir|pdf|ics",
            help="json (a full copy that 'import' reads back), csv (a spreadsheet), fhir (a FHIR "
            "Bundle for a clinic's system), pdf (a report for your physiotherapist: a "
            "summary page, then the log) or ics (calendar reminders for the coming "
            "weeks).",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            metavar="PATH",
            help="The file to write, or - for stdout (json, csv, fhir "
            "and ics). An existing file is only replaced with "
            "--force.",
        ),
    ],
    date_from: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="YYYY-MM-DD",
            help="First day of the log to include (default: from the first record; for the pdf, "
            "from the programme's start, at most 12 weeks back).",
        ),
    ] = None,
    date_to: Annotated[
        str | None,
        typer.Option(
            "--to",
            metavar="YYYY-MM-DD",
            help="Last day of the log to include (default: everything; for the pdf, --date).",
        ),
    ] = None,
    date: DateOpt = None,
    weeks: Annotated[
        int,
        typer.Option(
            "--weeks",
            min=1,
            max=MAX_ICS_WEEKS,
            metavar="N",
            help="ics: how many weeks of sessions to put in the calendar, from --date.",
        ),
    ] = DEFAULT_ICS_WEEKS,
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            metavar="HH:MM",
            help=f"ics: the time of day of each session and its reminder, in your time zone "
            f"(default {DEFAULT_REMINDER}).",
        ),
    ] = None,
    fhir_version: Annotated[
        FhirVersion | None,
        typer.Option(
            "--fhir-version",
            case_sensitive=False,
            metavar="r4|r5",
            help="fhir: r4 (what most clinic systems speak; the default) or r5.",
        ),
    ] = None,
    bundle: Annotated[
        BundleType | None,
        typer.Option(
            "--bundle",
            case_sensitive=False,
            metavar="collection|transaction",
            help="fhir: collection (a document; the default) or transaction (to POST to a FHIR "
            "server, which creates nothing twice).",
        ),
    ] = None,
    no_bom: Annotated[
        bool,
        typer.Option(
            "--no-bom",
            help="csv: leave out the byte-order mark that Excel needs to read "
            "accents, for tools that dislike it.",
        ),
    ] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            metavar="TEXT",
            help="pdf and fhir: the patient's name to print. backcare stores no name; without "
            "it the report is anonymous.",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Export your data for your physiotherapist, another program, or a backup.

    The pdf report covers the programme up to --date (at most its last 12 weeks unless you
    give --from); the ics calendar starts at --date. Files are written readable by you only,
    and never replace a file without --force.

    Example: backcare export --format pdf --out report.pdf --name "Sam Smith"
    """
    from backcare.exporters import get_exporter

    exporter = get_exporter(fmt.value)
    today = day(date)
    patient = check_name(name)
    options = _format_options(exporter, at, fhir_version, bundle, no_bom)
    to_stdout = str(out) == STDOUT
    if to_stdout:
        _check_stdout(exporter, as_json)
    else:
        check_out(out, force)  # before any work: a refusal should be instant
    start, end = period(date_from, date_to, today, lambda _end: None)
    by_programme = exporter.default_period == "programme"
    limit = end if date_to is not None or by_programme else None
    store().ensure_patient_id()  # a clinic keys the patient by it (issue 16)
    report = None
    if by_programme:  # the report of a period: its window, and the months before summarised
        rec, earlier, start = report_record(store(), start, end, today)
        report = progress_for(rec, start, end, today, earlier)
    else:
        rec = patient_record(limit)
    ctx = export_context(
        exporter,
        rec,
        start,
        limit,
        on=today,
        exported_at=now_on(today),
        corrections=store().corrections(start, limit),
        patient=patient,
        weeks=weeks,
        options=options,
        report=report,
    )
    rendered = exporter.render(ctx)  # a format that grows with the years streams (issue 25)
    # What is still needed, ``rendered`` holds: the pdf lets the records and their progress
    # report go before fpdf2 and its fonts come in (issue 25: at a hundred years the report
    # alone is 26 MiB), and the store the months it parsed to read them.
    del rec, ctx, report
    store().forget_parsed()
    if to_stdout:
        sys.stdout.flush()
        rendered.write(sys.stdout.buffer.write)
        sys.stdout.buffer.flush()
        return
    counted: list[int] = []
    write_out(out, lambda sink: counted.append(rendered.write(sink)), force, store().paths.outbox)
    records = counted[0]
    if as_json:
        emit_json({"format": exporter.name, "out": str(out), "records": records})
    else:
        unit = exporter.unit if records == 1 else exporter.unit + "s"
        say(f"[green]✓[/] Wrote {out} ({exporter.name}, {records} {unit}).")


def _format_options(
    exporter: Exporter,
    at: str | None,
    fhir_version: FhirVersion | None,
    bundle: BundleType | None,
    no_bom: bool,
) -> dict[str, object]:
    """The options that belong to one format, checked: one given with another format is a
    usage error, so that nobody believes it did something."""
    given = {
        "--at": (at is not None, "ics"),
        "--fhir-version": (fhir_version is not None, "fhir"),
        "--bundle": (bundle is not None, "fhir"),
        "--no-bom": (no_bom, "csv"),
    }
    for option, (used, fmt) in given.items():
        if used and exporter.name != fmt:
            raise UsageProblem(f"{option} is for --format {fmt} only, not {exporter.name}")
    options: dict[str, object] = {"csv_bom": not no_bom}
    if fhir_version is not None:
        options["fhir_version"] = fhir_version.value
    if bundle is not None:
        options["bundle"] = bundle.value
    if exporter.name == "ics":
        options["remind_at"] = _clock_time(at if at is not None else DEFAULT_REMINDER)
        options["time_zone"] = _local_zone()
        options["utc_offset"] = utc_offset()
    return options


def _clock_time(text: str) -> time:
    """``--at HH:MM``, 00:00 to 23:59."""
    hours, sep, minutes = text.strip().partition(":")
    if (
        sep
        and len(minutes) == 2
        and hours.isdigit()
        and minutes.isdigit()
        and hours.isascii()
        and minutes.isascii()
        and 1 <= len(hours) <= 2
    ):
        h, m = int(hours), int(minutes)
        if h < 24 and m < 60:
            return time(h, m)
    raise UsageProblem(
        f"--at {text[:20]!r} is not a time of day; use HH:MM from 00:00 to 23:59, for example 18:00"
    )


def _local_zone() -> str | None:
    """The IANA name of the local time zone (``TZ``, else /etc/localtime's link, else
    /etc/timezone), or None when it cannot be told (then the calendar uses UTC times)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    candidates = []
    if os.environ.get("TZ"):
        candidates.append(os.environ["TZ"].lstrip(":"))
    try:
        link = os.readlink("/etc/localtime")
        if "zoneinfo/" in link:
            candidates.append(link.split("zoneinfo/", 1)[1])
    except OSError:
        pass
    try:
        with open("/etc/timezone", encoding="utf-8") as fh:
            candidates.append(fh.read(100).strip())
    except OSError:
        pass
    for name in candidates:
        if not name or name.startswith("/") or ".." in name:
            continue
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
        return name
    return None


def _check_stdout(exporter: Exporter, as_json: bool) -> None:
    if not exporter.text:
        raise UsageProblem(
            f"--out - writes text to stdout, and a {exporter.name} is not "
            f"text; give a file name, for example --out report.{exporter.name}"
        )
    if as_json:
        raise UsageProblem("--json cannot be used with --out -: stdout holds the export itself")


def export_context(
    exporter: Exporter,
    rec: PatientRecord,
    start: date | None,
    end: date | None,
    *,
    on: date,
    exported_at: str,
    corrections: Sequence[dict[str, Any]] = (),
    report: ProgressReport | None = None,
    patient: str | None = None,
    weeks: int = 0,
    options: dict[str, object] | None = None,
    lib: Library | None = None,
    t: Thresholds | None = None,
    whole: bool = True,
) -> ExportContext:
    """The one way an export's context is built: the period's document, and what else the
    format needs (issue 27), for the patient's own `export` and the clinic's `report` alike.

    ``on`` is the day it is made for; ``exported_at`` what the document says. The clinic
    gives its copy's library and thresholds (``lib``, ``t``) and the report it computed;
    without them they are the patient's own, and the report is computed here. ``whole``
    False leaves out what the clinic's report has never carried: the history of
    prescriptions in the document, and the exercises' poses."""
    from backcare.exporters import AEROBIC, NAMES, PLANS, REPORT, ExportContext

    lib = lib if lib is not None else library()
    t = t if t is not None else thresholds()
    doc = document(
        rec.profile,
        rec.history.between(start, end),
        rec.goals,
        rec.programme,
        exported_at,
        corrections,
        rec.prescriptions if whole else None,
        lazy=True,
    )  # records made one at a time as the export streams (issue 25)
    first = start or rec.history.first_day() or end or on
    last = end or max(on, first)
    if report is None and REPORT in exporter.needs:
        report = progress_for(rec, first, last, on)
    aerobic: dict[str, int] = {}
    if AEROBIC in exporter.needs:  # the report's own figures, or the same from the index
        sessions = (
            report.aerobic_sessions
            if report is not None
            else aerobic_sessions(rec.history, first, min(last, on), lib.categories())
        )
        aerobic = {ident: minutes for ident, _day, minutes in sessions}
    names = NAMES in exporter.needs
    return ExportContext(
        doc=doc,
        exported_at=doc["exported_at"],
        start=start.isoformat() if start else None,
        end=end.isoformat() if end else None,
        patient_name=patient,
        report=report,
        aerobic_minutes=aerobic,
        exercise_names=lib.names() if names else {},
        first_ids=lib.first_ids(),
        poses={e.id: e.poses for e in lib if e.poses is not None} if names and whole else {},
        per_side=frozenset(e.id for e in lib if e.per_side) if names else frozenset(),
        plans=tuple(_plans(rec, on, weeks)) if PLANS in exporter.needs else (),
        plan_days=tuple((on + timedelta(days=n)).isoformat() for n in range(weeks * 7))
        if PLANS in exporter.needs
        else (),
        red_above=t.amber_max,
        patient_key=patient_key(rec.profile, rec.history)
        if exporter.name in ("fhir", "ics")
        else None,
        **options or {},  # type: ignore[arg-type]
    )


def _plans(rec: PatientRecord, first: date, weeks: int) -> list[dict[str, object]]:
    """The coming weeks' plans, as `plan --json` documents (a forecast from today's log)."""

    t = thresholds()
    history = rec.history.between(history_window(first, t), first)
    return [
        p.to_dict()
        for p in forecast(first, weeks * 7, rec.profile, library(), rec.prescriptions, history, t)
    ]


def default_start(rec: PatientRecord, end: date) -> date:
    """Where a report starts by default: the programme's start, else the first record,
    else four weeks before it ends; but never more than 12 weeks before it ends."""
    return report_start(
        programme_start(rec.profile, rec.prescriptions, rec.history.first_day()), end
    )


def check_name(name: str | None) -> str | None:
    if name is None:
        return None
    try:
        text = check_text(name, "--name", max_chars=MAX_NAME_CHARS)
    except BackcareError as exc:  # the one-line rule, said as a usage error
        raise UsageProblem(
            f"--name must be one line of at most {MAX_NAME_CHARS} characters"
        ) from exc
    return text or None


def register(app: typer.Typer) -> None:
    app.command("export")(export)
