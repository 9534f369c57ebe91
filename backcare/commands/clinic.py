"""`backcare clinic`: the physiotherapist's side (issue 16).

A clinic folder holds copies of patients' records, added from the exports they send (JSON,
or a FHIR bundle backcare wrote). `list` is the caseload, most urgent first; `show` is a
patient's `progress` and `report` their PDF report, both computed by the same code from the
clinic's copy; `prescribe` drafts the next prescription from the patient's plan.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from backcare.clock import today
from backcare.commands.common import (
    DateOpt,
    JsonOpt,
    PatientRecord,
    day,
    period,
    record_of,
)
from backcare.commands.programme_tools import ForceOpt, OutOpt, PrescriptionFormat
from backcare.commands.progress import FromOpt, ToOpt, WeeksOpt, window
from backcare.context import Environment, current
from backcare.domain.caseload import (
    NAME_MAX_CHARS,
    ClinicPatient,
    Summary,
    as_of,
    caseload,
    export_date_problem,
    export_moment,
    identity_conflict,
    match_patients,
    same_name,
    summarise,
)
from backcare.domain.text import check_text
from backcare.errors import BackcareError, UsageProblem
from backcare.render.ui import emit_json, is_interactive, say, warn

if TYPE_CHECKING:
    from backcare.domain.analytics import ProgressReport
    from backcare.domain.clinical import Thresholds
    from backcare.domain.library import Library
    from backcare.domain.models import Profile
    from backcare.loading.patient_export import PatientExport
    from backcare.storage import Store
    from backcare.storage.clinic import ClinicStore

clinic_app = typer.Typer(
    help="The physiotherapist's side: patients' exports in one caseload, most urgent first.",
    no_args_is_help=True,
)

KEEP_READ_BYTES = 32 * 1024 * 1024  # exports kept in memory between checking and adding
PatientArg = Annotated[
    str,
    typer.Argument(
        metavar="PATIENT", help="The patient's name (--as), identifier, or the start of it."
    ),
]


# --- the clinic folder, its settings and library ---------------------------------------------


def clinic() -> ClinicStore:
    """The clinic folder, opened once an invocation (:mod:`backcare.context`)."""
    return current().once(_open_clinic)


def clinic_thresholds() -> Thresholds:
    return current().once(_clinic_thresholds)


def clinic_library() -> Library:
    return current().once(_clinic_library)


def _open_clinic(env: Environment) -> ClinicStore:
    """The clinic folder. Widened permissions are warned about, as the data folder's are."""
    from backcare.storage.clinic import open_clinic

    c = open_clinic()
    c.renamed_by = clinic_former_ids
    problem = c.home_problem()
    if problem is not None:
        raise BackcareError(f"{c.home}: the clinic folder {problem}")
    for problem in c.start_permission_problems():
        warn(
            f"{problem}. Patients' health data should be private: run 'backcare doctor "
            f"--clinic' to fix."
        )
    return c


def _clinic_thresholds(env: Environment) -> Thresholds:
    from backcare.loading.settings import load_thresholds

    return load_thresholds(env.once(_open_clinic).paths.settings)


def _clinic_library(env: Environment) -> Library:
    from backcare.loading.library import load_library

    return load_library(env.once(_open_clinic).home)


def clinic_former_ids() -> Mapping[str, str]:
    """The clinic library's former exercise ids and their current ones (common.former_ids,
    issue 27)."""
    try:
        return clinic_library().aliases
    except BackcareError:
        return {}


MAX_CANDIDATES = 8  # an ambiguous name lists at most this many of the patients it matches


def _patient(wanted: str) -> ClinicPatient:
    """The patient a name, a word of it or the start of it, or an identifier names, in any
    case (issue 22); an ambiguous one lists the candidates."""
    found = match_patients(clinic().patients(), wanted)
    if len(found) == 1:
        return found[0]
    if found:
        named = ", ".join(f"{p.label} ({p.id})" if p.name else p.id for p in found[:MAX_CANDIDATES])
        more = f" and {len(found) - MAX_CANDIDATES} more" if len(found) > MAX_CANDIDATES else ""
        raise BackcareError(
            f"'{wanted}' matches several patients: {named}{more}; give more "
            f"of the name or the identifier"
        )
    raise BackcareError(f"no patient '{wanted}' in the clinic; 'backcare clinic list' shows them")


def _record(store: Store, end: date) -> PatientRecord:
    """The clinic's copy of a patient, read as their own commands read it (one loader)."""
    return record_of(store, end)


def _summary(c: ClinicStore, patient: ClinicPatient, on: date) -> Summary:
    """A patient's caseload figures, made from their files (storage caches them)."""
    lib = clinic_library()
    rec = _record(c.patient_store(patient), on)
    return summarise(
        rec.profile,
        rec.history,
        rec.prescriptions,
        rec.goals,
        on,
        clinic_thresholds(),
        lib.categories(),
    )


def _summaries(
    c: ClinicStore, patients: list[ClinicPatient], now: date
) -> list[tuple[ClinicPatient, Summary]]:
    """Each patient's summary: from the cache when it still stands for their files (and
    the day it is given for), else made again and kept."""
    from backcare import __version__
    from backcare.storage.clinic import context_key

    context = context_key(c.home, c.paths.settings, __version__)
    entries = c.summaries()
    made: dict[str, tuple[str, Summary]] = {}
    out = []
    for p in patients:
        on = as_of(p.exported_at, now)
        key = c.files_key(p, f"{context}|{on.isoformat()}")
        summary = c.summary_from(entries.get(p.folder), key)
        if summary is None:
            summary = _summary(c, p, on)
            made[p.folder] = (key, summary)
        c.release(p)
        out.append((p, summary))
    if made:
        c.save_summaries(entries, made)
    return out


# --- add --------------------------------------------------------------------------------------


def add(
    files: Annotated[
        list[Path],
        typer.Argument(
            metavar="FILE...", help="Patients' exports: JSON, or FHIR bundles backcare wrote."
        ),
    ],
    name: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="NAME",
            help="The name to show for this patient (exports carry none). One FILE only.",
        ),
    ] = None,
    rename: Annotated[
        bool,
        typer.Option(
            "--rename", help="Let --as rename a patient already in the clinic (a terminal asks)."
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Add an export whose identity conflicts with the clinic's copy "
            "(the same identifier, another profile).",
        ),
    ] = False,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add patients' exports to the clinic; a newer export of a patient merges.

    Every file is checked whole first: if any is not a backcare export (or is of a version
    this backcare does not know), is dated more than a day ahead, or claims the identifier
    of a patient whose profile it does not match, nothing is written. A patient is known
    by the identifier their export carries; records already there are kept, new ones
    added, and the patient's corrections (edits and deletions) applied.

    Example: backcare clinic add smith-export.json --as "J. Smith"
    """
    from backcare.loading.patient_export import read_patient_export

    if name is not None:
        if len(files) > 1:
            raise UsageProblem("--as names one patient: give it with one FILE")
        try:
            name = check_text(name, "--as", max_chars=NAME_MAX_CHARS) or None
        except BackcareError as exc:
            raise UsageProblem(exc.message) from None
    now = day(date)  # the clinic's today: exports dated after it are refused
    # Every file is checked before any is written. A few are kept as read; many (a whole
    # caseload at once) are read again one by one as they are added, so that memory holds
    # one patient's records at a time.
    keep = _total_bytes(files) <= KEEP_READ_BYTES
    checked = []
    profiles: dict[str, tuple[Path, Profile | None]] = {}
    c = clinic()
    known = {p.id: p for p in c.patients()}
    for f in files:
        export = read_patient_export(f, now)
        problem = export_date_problem(export.exported_at, now)
        if problem is not None:
            raise BackcareError(f"{f}: {problem}. Nothing was added")
        _check_identity(c, known, profiles, f, export, force)
        checked.append((merge_order(export), f, export if keep else None))
    if name is not None:
        _check_name_for(c, known, checked[0][2] or read_patient_export(files[0], now), name, rename)
    # The patient's own records and trail order the merges, never an export's date.
    checked.sort(key=lambda item: item[0])
    done: dict[str, ClinicPatient] = {}
    lines = []
    for _order, f, kept in checked:
        export = kept or read_patient_export(f, now)
        patient, new, (added, goals) = _add_one(c, export, name, now)
        done[patient.id] = patient
        total = sum(added.values()) + goals
        lines.append(
            {
                "file": str(export.path),
                "patient": patient.id,
                "name": patient.name,
                "new": new,
                "records_added": total,
                "format": export.source,
            }
        )
    _summaries(c, list(done.values()), now)  # made now, so that 'list' need not
    if as_json:
        emit_json({"clinic": str(c.home), "added": lines})
        return
    for line in lines:
        who = line["name"] or line["patient"]
        verb = (
            "Added"
            if line["new"]
            else "Merged a newer export of"
            if line["records_added"]
            else "Already up to date:"
        )
        from backcare.domain.words import plural

        say(
            f"[green]✓[/] {verb} {who} ({plural(int(line['records_added'] or 0), 'new record')} "
            f"from {Path(str(line['file'])).name})."
        )


def merge_order(export: PatientExport) -> tuple[str, datetime]:
    """When an export's contents are from: its latest record, correction or profile change
    (the export's own date only breaks a tie, and is never more than a day ahead)."""
    bundle = export.bundle
    days = [d["date"] for docs in bundle.tables.values() for d in docs]
    days += [str(line.get("at", ""))[:10] for line in bundle.corrections or ()]
    if bundle.profile is not None and bundle.profile.updated is not None:
        days.append(bundle.profile.updated.isoformat())
    return max(days, default=""), export_moment(export.exported_at)


def _check_identity(
    c: ClinicStore,
    known: dict[str, ClinicPatient],
    profiles: dict[str, tuple[Path, Profile | None]],
    f: Path,
    export: PatientExport,
    force: bool,
) -> None:
    """An export that claims a known patient's identifier (or another file's in the same
    add) must be of the same patient: the same profile creation day (issue 22: a
    stranger's records were merged in)."""
    pid = export.patient_id
    theirs = export.bundle.profile
    if pid in profiles:
        where, ours = profiles[pid]
    elif pid in known:
        where, ours = c.home, c.patient_store(known[pid]).profile()
    else:
        where, ours = f, None
    conflict = identity_conflict(ours, theirs)
    if conflict is not None and not force:
        who = known[pid].label if pid in known else pid
        also = f" ({where} in this add)" if where != c.home else ""
        raise BackcareError(
            f"{f}: claims to be {who} ({pid}), but {conflict}{also}. "
            f"Nothing was added; if it is the same patient, add it again "
            f"with --force"
        )
    if pid not in profiles and theirs is not None:
        profiles[pid] = (f, theirs)


def _check_name_for(
    c: ClinicStore, known: dict[str, ClinicPatient], export: PatientExport, name: str, rename: bool
) -> None:
    """--as: a name no other patient has, that renames a known patient only when asked."""
    other = same_name(list(known.values()), name, export.patient_id)
    if other is not None:
        raise BackcareError(
            f"--as '{name}': {other.label} ({other.id}) already has that "
            f"name; choose another, so that no two patients look alike"
        )
    old = known.get(export.patient_id)
    if old is None or old.name is None or old.name == name or rename:
        return
    if not is_interactive():
        raise UsageProblem(
            f"--as would rename {old.name} ({old.id}) to {name}; give "
            f"--rename to do so without a terminal"
        )
    from backcare.render.confirm import Confirm
    from backcare.render.ui import err

    if not Confirm.ask(f"Rename {old.name} to {name}?", default=False, console=err()):
        raise BackcareError("nothing was added, and the name is unchanged")


def _total_bytes(files: list[Path]) -> int:
    total = 0
    for f in files:
        with contextlib.suppress(OSError):
            total += os.lstat(f).st_size
    return total


def _add_one(
    c: ClinicStore, export: PatientExport, name: str | None, now: date
) -> tuple[ClinicPatient, bool, tuple[dict[str, int], int]]:
    from backcare.domain.trail import replay, untouched
    from backcare.loading.patient_export import JSON
    from backcare.storage.clinic import apply_trail

    bundle = export.bundle

    def newer(old: ClinicPatient) -> bool:
        return export_moment(export.exported_at) >= export_moment(old.exported_at)

    def merge(store: Store, is_newer: bool) -> tuple[dict[str, int], int]:
        # The profile the patient changed last is theirs (its own day says when, not the
        # export's); a FHIR bundle without one leaves it as it was. The patient's
        # corrections give each record they touched its final value (domain.trail).
        old = store.profile()
        replace = bundle.profile is not None and (
            old is None
            or old.updated is None
            or bundle.profile.updated is None
            or bundle.profile.updated >= old.updated
        )
        # The copy's own trail counts too: an older export must not bring back a record
        # that a later one's trail deleted or edited away.
        states = replay([*store.corrections(), *(bundle.corrections or ())])
        result = store.import_all(
            untouched(bundle.tables, states),
            bundle.profile,
            bundle.goals,
            bundle.programme,
            replace_profile=replace,
            corrections=bundle.corrections,
            prescriptions=bundle.prescriptions,
        )
        if bundle.corrections:
            apply_trail(store, states)
        if (
            is_newer
            and export.source == JSON
            and (store.programme() != bundle.programme or bundle.prescriptions is not None)
        ):
            store.adopt_programme(bundle.programme, bundle.prescriptions)
        return result

    return c.add(export.patient_id, name, export.exported_at, export.source, newer, merge, now)


# --- list -------------------------------------------------------------------------------------


def list_patients(
    date: DateOpt = None,
    as_json: JsonOpt = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead.")] = False,
    alerts_only: Annotated[
        bool, typer.Option("--alerts-only", help="Only patients with an alert in the last 14 days.")
    ] = False,
) -> None:
    """The caseload: one row per patient, most urgent first.

    Each row: the highest alert of the last 14 days and its rule, days since the last
    session, adherence over 14 days, pain now against baseline with its verdict, the latest
    questionnaire and its change, and whether a questionnaire is due. Figures are as of
    each patient's latest export.

    Example: backcare clinic list --alerts-only
    """
    import sys

    from backcare.render import clinic as render_clinic

    if as_json and as_csv:
        raise UsageProblem("--json and --csv cannot be used together; choose one")
    now = day(date)
    c = clinic()
    patients = c.patients()
    rows = caseload(
        _summaries(c, patients, now), now, alerts_only, clinic_thresholds().alert_no_export_days
    )
    if as_json:
        emit_json({"date": now.isoformat(), "patients": [r.to_dict() for r in rows]})
    elif as_csv:
        sys.stdout.write(render_clinic.csv_text(rows))
    elif not patients:
        say(
            "No patients yet. Add a patient's export with: backcare clinic add FILE "
            '--as "J. Smith"'
        )
    elif not rows:
        say(f"No patient has an alert in the last 14 days ({len(patients)} patients).")
    else:
        from backcare.render.ui import colour_ok, terminal_width

        sys.stdout.flush()
        render_clinic.table(
            rows, sys.stdout, _columns(terminal_width(sys.stdout)), colour_ok(sys.stdout)
        )


def _columns(terminal: int | None) -> int | None:
    """The width to print for: the terminal's, else $COLUMNS when it says one (80 when
    neither does)."""
    if terminal is not None:
        return terminal
    with contextlib.suppress(ValueError):
        return int(os.environ.get("COLUMNS", ""))
    return None


# --- show and report --------------------------------------------------------------------------


def _report_for(
    patient: ClinicPatient, start: date, end: date, on: date
) -> tuple[PatientRecord, ProgressReport]:
    """The one computation of every figure (domain.analytics), from the clinic's copy."""
    from backcare.domain.report import full_report

    rec = _record(clinic().patient_store(patient), end)
    report = full_report(
        rec.profile,
        rec.history,
        rec.prescriptions,
        start,
        end,
        on,
        clinic_library(),
        clinic_thresholds(),
        rec.goals,
    )
    return rec, report


def show(
    patient: PatientArg,
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    weeks: WeeksOpt = None,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """A patient's progress: the figures 'backcare progress' shows them, in a clinician's
    words, with their conditions, red flags and clearances first.

    By default as of their latest export (--date to choose another day).

    Example: backcare clinic show "J. Smith" --weeks 4
    """
    from backcare.domain.caseload import CLINICIAN, clinical, clinician_verdict
    from backcare.render import progress as render_progress
    from backcare.render.ui import out

    p = _patient(patient)
    on = day(date) if date is not None else as_of(p.exported_at, today())
    start, end = window(date_from, date_to, weeks, on, clinic().patient_store(p))
    rec, report = _report_for(p, start, end, on)
    report = report._replace(verdict_text=clinician_verdict(report, clinic_thresholds()))
    about = clinical(rec.profile, rec.history)
    if as_json:
        emit_json(
            {
                "patient": p.id,
                "name": p.name,
                "exported_at": p.exported_at,
                "voice": CLINICIAN,
                "clinical": about.to_dict(),
                **report.to_dict(),
            }
        )
        return
    say(f"[bold]{p.label}[/] ({p.id}), {_export_said(p)}")
    render_progress.render(
        report, out(), clinic_library().names(), render_progress.CLINICIAN, about.lines()
    )


def _export_said(p: ClinicPatient) -> str:
    """Which export the figures come from, and how old it is (issue 22: a file three weeks
    old must not read as current)."""
    from backcare.domain.caseload import export_day
    from backcare.domain.words import say_date

    made = export_day(p.exported_at)
    if made is None:
        return f"from their export of {p.exported_at[:10]}"
    age = (today() - made).days
    when = "today" if age <= 0 else "yesterday" if age == 1 else f"{age} days ago"
    return f"from their export of {say_date(made)} ({when}): every figure is as of that day"


def report(
    patient: PatientArg,
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            metavar="FILE.pdf",
            help="The PDF to write. An existing file is only replaced with --force.",
        ),
    ],
    date_from: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="YYYY-MM-DD",
            help="First day (default: the programme's start, at most 12 weeks back).",
        ),
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--to", metavar="YYYY-MM-DD", help="Last day (default: --date).")
    ] = None,
    date: DateOpt = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name", metavar="TEXT", help="The name to print (default: the name given with --as)."
        ),
    ] = None,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """A patient's PDF report, the one 'backcare export --format pdf' makes for them,
    dated as their export is (not today): their conditions and red flags first.

    Example: backcare clinic report "J. Smith" --out smith.pdf
    """
    from backcare.commands.export import check_name, default_start, export_context
    from backcare.exporters import get_exporter
    from backcare.storage.files import check_out, write_out

    check_out(out, force)
    exporter = get_exporter("pdf")
    printed = check_name(name)
    p = _patient(patient)
    on = day(date) if date is not None else as_of(p.exported_at, today())
    start, end = period(date_from, date_to, on, lambda _end: None)
    rec = _record(clinic().patient_store(p), end)
    if start is None:
        start = default_start(rec, end)
    rec, figures = _report_for(p, start, end, on)
    # The report is of the export the clinic holds: "Exported" is that export's date.
    ctx = export_context(
        exporter,
        rec,
        start,
        end,
        on=on,
        exported_at=p.exported_at,
        report=figures,
        patient=printed or p.name,
        lib=clinic_library(),
        t=clinic_thresholds(),
        whole=False,
    )
    data, pages = exporter.render(ctx).whole()
    write_out(out, data, force)
    if as_json:
        emit_json({"patient": p.id, "out": str(out), "pages": pages})
    else:
        say(f"[green]✓[/] Wrote {out} ({p.label}'s report, {pages} pages).")


# --- remove -----------------------------------------------------------------------------------


def remove(
    patient: PatientArg,
    yes: Annotated[bool, typer.Option("--yes", help="Remove without asking.")] = False,
) -> None:
    """Take a patient off the caseload. Their records are kept in the clinic's backups.

    Without a terminal it needs --yes.

    Example: backcare clinic remove "J. Smith" --yes
    """
    p = _patient(patient)
    if not yes:
        if not is_interactive():
            raise UsageProblem(
                "clinic remove asks before removing a patient; without a terminal, give --yes"
            )
        from backcare.render.confirm import Confirm
        from backcare.render.ui import err

        if not Confirm.ask(f"Remove {p.label} from the clinic?", default=False, console=err()):
            raise BackcareError("nothing was removed")
    kept = clinic().remove(p)
    say(
        f"[green]✓[/] Removed {p.label}. Their records are kept in {kept} until the "
        f"clinic's backups are pruned (a week)."
    )


# --- prescribe --------------------------------------------------------------------------------


def prescribe(
    patient: PatientArg,
    out: OutOpt,
    fmt: Annotated[
        PrescriptionFormat,
        typer.Option(
            "--format",
            case_sensitive=False,
            metavar="yaml|fhir",
            help="yaml (a prescription file to edit; the default) or fhir (a CarePlan).",
        ),
    ] = PrescriptionFormat.yaml,
    by: Annotated[
        str | None,
        typer.Option(
            "--by", metavar="NAME", help="Who prescribes it (default: the current programme's)."
        ),
    ] = None,
    start: Annotated[
        str | None, typer.Option("--start", metavar="YYYY-MM-DD", help="The day it starts.")
    ] = None,
    allow_progression: Annotated[
        bool | None,
        typer.Option(
            "--allow-progression/--no-progression",
            help="Whether backcare may move the doses on (default: as the current programme says).",
        ),
    ] = None,
    date: DateOpt = None,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Draft a patient's next prescription from their plan for the coming week.

    Each exercise planned in the week after --date (default: their latest export's day),
    at the dose the plan has reached, on the days it is planned. Edit it, then send it:
    the patient runs 'backcare programme import FILE'.

    Example: backcare clinic prescribe "J. Smith" --out smith-next.yaml
    """
    from backcare.commands.programme_tools import write_prescription
    from backcare.domain.prescribing import (
        DRAFT_DAYS,
        draft_prescription,
        draft_week,
        plan_warnings,
    )
    from backcare.errors import SafetyStop

    p = _patient(patient)
    on = day(date) if date is not None else as_of(p.exported_at, today())
    begins = day(start, "--start") if start is not None else None
    lib, t = clinic_library(), clinic_thresholds()
    rec = _record(clinic().patient_store(p), on)
    first = on + timedelta(days=1)
    try:
        plans = draft_week(first, DRAFT_DAYS, rec.profile, lib, rec.programme, rec.history, t)
    except SafetyStop as exc:
        raise SafetyStop(
            f"{p.label}'s plan is stopped by a red flag, so no prescription "
            f"is drafted: {exc.message}"
        ) from None
    current_by = rec.programme.prescribed_by if rec.programme else None
    draft = draft_prescription(plans, rec.programme, by or current_by, begins, allow_progression)
    comments = [
        f"Next prescription for {p.label} (patient {p.id}), drafted by 'backcare "
        f"clinic prescribe' from their plan for the week from {first.isoformat()}.",
        "Edit it as you see fit; the patient runs: backcare programme import THIS-FILE",
    ]
    comments += [f"Their plan said: {w}" for w in plan_warnings(plans[:1])]
    write_prescription(draft, lib, out, force, fmt, as_json, comments, p.id, p.name)


def register(app: typer.Typer) -> None:
    clinic_app.command("add")(add)
    clinic_app.command("list")(list_patients)
    clinic_app.command("show")(show)
    clinic_app.command("report")(report)
    clinic_app.command("remove")(remove)
    clinic_app.command("prescribe")(prescribe)
    app.add_typer(clinic_app, name="clinic")
