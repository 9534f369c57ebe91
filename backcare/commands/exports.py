"""`backcare export` and `backcare import`: files for the physiotherapist, and restoring data.

The command gathers plain data (the export document, and for some formats a progress summary,
plans or exercise names), hands it to the format's exporter (``backcare.exporters``), and
writes the file privately and atomically. Each format's libraries load only for that format.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from backcare.commands.common import DateOpt, JsonOpt
from backcare.errors import BackcareError

if TYPE_CHECKING:
    from backcare.exporters import ExportContext, Exporter
    from backcare.storage import Store

DEFAULT_ICS_WEEKS = 4
MAX_ICS_WEEKS = 52
MAX_NAME_CHARS = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Format(StrEnum):
    json = "json"
    csv = "csv"
    fhir = "fhir"
    pdf = "pdf"
    ics = "ics"


def export(
    fmt: Annotated[Format, typer.Option(
        "--format", case_sensitive=False,
        help="json (a full copy that 'import' reads back), csv (a spreadsheet), fhir (a FHIR "
             "R5 Bundle), pdf (a one-page report for your physiotherapist) or ics (calendar "
             "reminders for the coming weeks).")],
    out: Annotated[Path, typer.Option(
        "--out", metavar="PATH", help="The file to write. An existing file is only replaced "
                                      "with --force.")],
    date_from: Annotated[Optional[str], typer.Option(  # noqa: UP045 (typer needs Optional)
        "--from", metavar="YYYY-MM-DD",
        help="First day of the log to include (default: from the first record; for the pdf, "
             "from the programme's start).")] = None,
    date_to: Annotated[Optional[str], typer.Option(  # noqa: UP045
        "--to", metavar="YYYY-MM-DD",
        help="Last day of the log to include (default: everything; for the pdf, --date).")
    ] = None,
    date: DateOpt = None,
    weeks: Annotated[int, typer.Option(
        "--weeks", min=1, max=MAX_ICS_WEEKS, metavar="N",
        help="ics: how many weeks of sessions to put in the calendar, from --date.")
    ] = DEFAULT_ICS_WEEKS,
    force: Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")] = False,
    name: Annotated[Optional[str], typer.Option(  # noqa: UP045
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
    from backcare.commands.common import day, store
    from backcare.exporters import get_exporter
    from backcare.loading.exchange import build_export, check_target, write_export
    from backcare.render.ui import emit_json, say

    exporter = get_exporter(fmt.value)
    today = day(date)
    start = day(date_from, "--from") if date_from is not None else None
    end = day(date_to, "--to") if date_to is not None else None
    if start and end and start > end:
        raise BackcareError(f"--from {start.isoformat()} is after --to {end.isoformat()}")
    patient = _check_name(name)
    target = check_target(out, force)  # before any work: a refusal should be instant
    s = store()
    if exporter.name == "pdf":
        end = end or today
        start = start or _programme_start(s, end)
    doc = build_export(s, start, end, _now())
    ctx = _context(exporter, s, doc, start, end, today, weeks, patient)
    rendered = exporter.render(ctx)
    write_export(target, rendered.data, force)
    if as_json:
        emit_json({"format": exporter.name, "out": str(target), "records": rendered.records})
    else:
        say(f"[green]✓[/] Wrote {target} ({exporter.name}, {rendered.records} "
            f"{_unit(exporter.name, rendered.records)}).")


def import_data(
    path: Annotated[Path, typer.Argument(metavar="PATH", help="A backcare JSON export.")],
    as_json: JsonOpt = False,
) -> None:
    """Restore or move data from a JSON export ('backcare export --format json').

    The whole file is checked first; if any record is wrong nothing is imported, and every
    problem is named. Records you already have are skipped, never overwritten, and your
    own profile and programme are kept.

    Example: backcare import backcare-export.json
    """
    from backcare.commands.common import store
    from backcare.loading.exchange import apply_import, parse_import
    from backcare.render.ui import emit_json, say

    bundle = parse_import(path)
    result = apply_import(store(), bundle)
    if as_json:
        emit_json(result.to_dict())
    else:
        say(f"[green]✓[/] Imported {path}: {result.summary()}.")


# --- gathering what each format needs -------------------------------------------------------

def _context(exporter: Exporter, s: Store, doc: dict[str, Any], start: date | None,
             end: date | None, today: date, weeks: int, patient: str | None) -> ExportContext:
    from backcare.commands.common import library, thresholds
    from backcare.exporters import ExportContext

    t = thresholds()
    extra: dict[str, Any] = {}
    if "aerobic_ids" in exporter.needs or "exercise_names" in exporter.needs:
        lib = library()
        extra["aerobic_ids"] = frozenset(e.id for e in lib if e.category == "aerobic")
        extra["exercise_names"] = {e.id: e.name for e in lib}
    if "progress" in exporter.needs:
        assert start is not None and end is not None
        extra["progress"] = progress_for_export(s, doc, start, end, today)
        extra["cache_dir"] = _cache_dir(s)
    if "plans" in exporter.needs:
        extra["plans"] = tuple(plans_for_export(s, today, weeks))
    return ExportContext(
        doc=doc, exported_at=doc["exported_at"],
        start=start.isoformat() if start else None, end=end.isoformat() if end else None,
        patient_name=patient, red_above=t.amber_max, **extra)


def progress_for_export(s: Store, doc: dict[str, Any], start: date, end: date,
                        today: date) -> dict[str, Any]:
    """The `progress --json` document for the report, from the same analytics as
    `backcare progress`, so the report and the command cannot disagree."""
    from backcare.commands.common import library, thresholds
    from backcare.domain.analytics import build_progress_for_export

    return build_progress_for_export(s, library(), thresholds(), start, end, today)


def plans_for_export(s: Store, first: date, weeks: int) -> list[dict[str, Any]]:
    """`plan --json` documents for the planned days of ``weeks`` weeks from ``first``. Plans
    for later days are a forecast from today's log."""
    from backcare.commands.common import library, thresholds
    from backcare.domain.planner import history_window, plan_for
    from backcare.domain.schedule import is_planned_day

    t = thresholds()
    profile, programme, lib = s.profile(), s.programme(), library()
    history = s.history(history_window(first, t), first)
    plans = []
    for offset in range(weeks * 7):
        d = first + timedelta(days=offset)
        if is_planned_day(d, profile, programme):
            plan = plan_for(d, profile, lib, programme, history, t)
            if not plan.rest_day and plan.items:
                plans.append(plan.to_dict())
    return plans


def _programme_start(s: Store, end: date) -> date:
    """Where a report starts by default: the programme's start, else the first record."""
    profile, programme = s.profile(), s.programme()
    candidates = [d for d in (profile.start_date if profile else None,
                              programme.start if programme else None) if d]
    if not candidates:
        h = s.history(None, end)
        dates = [*(x.date for x in h.sessions), *(x.date for x in h.checkins),
                 *(x.date for x in h.assessments)]
        candidates = [min(dates)] if dates else [end - timedelta(days=27)]
    return min(min(candidates), end)


def _cache_dir(s: Store) -> Path | None:
    """The data folder's cache folder (0700), where the charting library keeps its font
    cache instead of the user's home (CONTRACT.md: nothing written outside the folder)."""
    try:
        s.ensure_home()
        cache = s.home / "cache"
        cache.mkdir(mode=0o700, exist_ok=True)
    except (OSError, BackcareError):
        return None
    return cache


def _check_name(name: str | None) -> str | None:
    from backcare.errors import UsageProblem

    if name is None:
        return None
    text = name.strip()
    if _CONTROL.search(text) or len(text) > MAX_NAME_CHARS:
        raise UsageProblem(f"--name must be one line of at most {MAX_NAME_CHARS} characters")
    return text or None


def _now() -> str:
    from datetime import datetime

    return datetime.now().astimezone().isoformat(timespec="seconds")


def _unit(fmt: str, n: int) -> str:
    word = {"json": "record", "csv": "row", "fhir": "resource", "pdf": "page",
            "ics": "event"}[fmt]
    return word if n == 1 else word + "s"


def register(app: typer.Typer) -> None:
    app.command("export")(export)
    app.command("import")(import_data)
