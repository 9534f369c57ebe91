"""`backcare programme new` and `programme export`: prescriptions without hand-written YAML
(issue 16). Both are commands of the `programme` group (commands.programme adds them).

- `programme new --out FILE.yaml` builds a prescription: interactively, searching the
  library, or from options for scripts. The file is checked by the prescription file's own
  rules before it is written, so `programme import` accepts it.
- `programme export --format yaml|fhir --out FILE` writes the prescription in use (or a
  prescription file, ``--file``) as a prescription file or a FHIR R4 CarePlan, which
  `programme import` reads back.
"""

from __future__ import annotations

import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from backcare.clock import now, now_on, parse_date
from backcare.commands.common import DateOpt, JsonOpt, day, library, store
from backcare.domain.library import Library
from backcare.domain.models import DOSE_FIELDS, Prescription
from backcare.errors import BackcareError, UsageProblem
from backcare.loading.careplan import prescription_from_data, read_prescription
from backcare.loading.library import DOSE_CEILING
from backcare.loading.prescription import DAY_NAMES, MAX_ITEMS, prescription_from
from backcare.loading.yamlload import parse_yaml
from backcare.render.ui import emit_json, is_interactive, say
from backcare.storage.files import check_out, write_out

STDOUT = "-"
# What an --exercise may set, and the file's field each stands for.
SPEC_KEYS = {
    "sets": "sets",
    "reps": "reps",
    "hold": "hold_seconds",
    "hold_seconds": "hold_seconds",
    "minutes": "duration_minutes",
    "duration_minutes": "duration_minutes",
    "days": "days",
}


class PrescriptionFormat(StrEnum):
    yaml = "yaml"
    fhir = "fhir"
    pdf = "pdf"  # the printed handout, with pictures (issue 26)


OutOpt = Annotated[
    Path,
    typer.Option(
        "--out",
        metavar="FILE",
        help="The file to write (- for stdout). An existing file is only replaced with --force.",
    ),
]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace --out if it exists.")]


def new_programme(
    out: OutOpt,
    exercise: Annotated[
        list[str] | None,
        typer.Option(
            "--exercise",
            metavar="'ID [sets=N] [reps=N] [hold=S] [minutes=M] [days=mon,wed]'",
            help="An exercise and its dose, for scripts (repeat it for each exercise). A dose "
            "not given is the library's usual one; days default to every day.",
        ),
    ] = None,
    note: Annotated[
        list[str] | None,
        typer.Option(
            "--note", metavar="ID=TEXT", help="A note for the patient about one exercise."
        ),
    ] = None,
    by: Annotated[
        str | None, typer.Option("--by", metavar="NAME", help="Who prescribes it (prescribed_by).")
    ] = None,
    start: Annotated[
        str | None,
        typer.Option("--start", metavar="YYYY-MM-DD", help="The day the programme starts."),
    ] = None,
    allow_progression: Annotated[
        bool,
        typer.Option(
            "--allow-progression", help="Let backcare move the doses on when sessions go well."
        ),
    ] = False,
    force: ForceOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Build a prescription file, without writing YAML by hand.

    At a terminal it asks for each exercise (search the library by name, category or
    position), its dose, days and a note. For scripts, give the exercises with --exercise.
    The file passes the same checks as 'programme import'.

    Example: backcare programme new --out plan.yaml --exercise 'bridge sets=2 reps=10
    days=mon,wed,fri' --exercise 'walking minutes=15'
    """
    lib = library()
    to_stdout = str(out) == STDOUT
    if not to_stdout:
        check_out(out, force)
    if exercise:
        data = _from_options(exercise, note or [], by, start, allow_progression, lib)
    elif is_interactive() and not as_json:
        from backcare.render import programme_builder

        data = programme_builder.ask_prescription(
            lib, programme_builder.Rules(DOSE_CEILING, DAY_NAMES, MAX_ITEMS)
        )
    else:
        raise UsageProblem(
            "programme new needs the exercises: give --exercise 'ID ...' for "
            "each one (there is no terminal to ask on)"
        )
    name = "-" if to_stdout else str(out)
    p = prescription_from_data(data, name, lib)
    write_prescription(
        p,
        lib,
        out,
        force,
        PrescriptionFormat.yaml,
        as_json,
        [
            "A prescription for backcare, made with 'backcare programme new'.",
            "The patient runs: backcare programme import THIS-FILE",
        ],
    )


def _from_options(
    specs: list[str], notes: list[str], by: str | None, start: str | None, allow: bool, lib: Library
) -> dict[str, Any]:
    """The file's shape from --exercise, --note, --by and --start. Whatever is wrong in
    them is left for the file's checks to name, except what only an option can get wrong."""
    items: list[dict[str, Any]] = []
    for spec in specs:
        words = spec.split()
        if not words:
            raise UsageProblem(
                "--exercise is empty; give an exercise id, for example "
                "--exercise 'bridge sets=2 reps=10'"
            )
        item: dict[str, Any] = {"id": words[0]}
        for word in words[1:]:
            key, sep, value = word.partition("=")
            field = SPEC_KEYS.get(key.lower())
            if not sep or field is None:
                raise UsageProblem(
                    f"--exercise {spec!r}: '{word}' is not one of sets=N, "
                    f"reps=N, hold=SECONDS, minutes=N, days=mon,wed,…"
                )
            if field == "days":
                item["days"] = [d for d in value.split(",") if d]
            elif value.isascii() and value.isdigit():
                item[field] = int(value)
            else:
                raise UsageProblem(
                    f"--exercise {spec!r}: {key} must be a whole number, not {value!r}"
                )
        if words[0] in lib:  # a dose not given: the library's usual one
            usual = lib.get(words[0]).dose.ranges()
            for field in DOSE_FIELDS:
                if field in usual and field not in item:
                    item[field] = usual[field].default
        items.append(item)
    by_id = {lib.canonical(i["id"]): i for i in items}  # a former id names its exercise
    for text in notes:
        ident, sep, said = text.partition("=")
        if not sep or lib.canonical(ident.strip()) not in by_id:
            raise UsageProblem(
                f"--note {text!r}: give ID=TEXT for an exercise given with --exercise"
            )
        by_id[lib.canonical(ident.strip())]["note"] = said
    data: dict[str, Any] = {"exercises": items, "allow_progression": allow}
    if by is not None:
        data["prescribed_by"] = by
    if start is not None:
        data["start"] = parse_date(start, "--start").isoformat()  # 1900 to 2999
    return data


def export_programme(
    fmt: Annotated[
        PrescriptionFormat,
        typer.Option(
            "--format",
            case_sensitive=False,
            metavar="yaml|fhir|pdf",
            help="yaml (the prescription file), fhir (a FHIR R4 CarePlan for a clinic's "
            "system; 'programme import' reads both back) or pdf (a handout with pictures "
            "to print for the patient).",
        ),
    ],
    out: OutOpt,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            metavar="FILE",
            help="Export this prescription file (YAML or CarePlan) instead of the one in use.",
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            metavar="TEXT",
            help="fhir and pdf: the patient's name to put in the "
            "CarePlan or on the handout; without it they are "
            "anonymous.",
        ),
    ] = None,
    force: ForceOpt = False,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the prescription in use (with --date, the one in force that day) as a
    prescription file or a FHIR CarePlan, dated --date.

    The CarePlan (FHIR R4) lists each exercise as a planned activity that references the
    exercise, with its days and minutes as a Timing and its repetitions as a quantity.

    Example: backcare programme export --format fhir --out careplan.json
    """
    lib = library()
    if str(out) != STDOUT:
        check_out(out, force)
    patient_id = None
    if file is not None:
        p = read_prescription(file, lib)
    else:
        s = store()
        current = in_force(date)
        if current is None:
            raise BackcareError(
                "no prescription is in use; import one with 'backcare "
                "programme import FILE', or export a file with --file"
            )
        p = current
        profile = s.profile()
        patient_id = profile.patient_id if profile else None
    write_prescription(
        p,
        lib,
        out,
        force,
        fmt,
        as_json,
        ["A prescription exported by backcare."],
        patient_id,
        name,
        day(date),
    )


def write_prescription(
    p: Prescription,
    lib: Library,
    out: Path,
    force: bool,
    fmt: PrescriptionFormat,
    as_json: bool,
    comments: list[str],
    patient_id: str | None = None,
    patient_name: str | None = None,
    on: date | None = None,
) -> None:
    """Write a checked prescription; the YAML is read back by the file's rules first (the
    patient's `programme export` and the clinic's `clinic prescribe` alike)."""
    names = lib.names()
    if fmt is PrescriptionFormat.yaml:
        from backcare.exporters.prescription_file import prescription_yaml

        text = prescription_yaml(p, names, comments)
        again = prescription_from(parse_yaml(text, str(out)), str(out), lib)
        if again != p:  # a bug in the writer: never hand over a file that reads otherwise
            raise BackcareError(
                "the prescription file would not read back as it was "
                "built; nothing was written. Please report this"
            )
        data = text.encode("utf-8")
    elif fmt is PrescriptionFormat.pdf:
        data = _handout_pdf(p, lib, patient_name)
    else:
        from backcare.exporters import careplan

        instructions = {
            e.id: e.instructions for e in lib if e.id in {i.exercise_id for i in p.items}
        }
        written = now_on(on) if on is not None else now()
        data = careplan.render(
            careplan.careplan(
                p,
                names,
                instructions,
                written,
                patient_id,
                patient_name,
                frozenset(e.id for e in lib if e.per_side),
            )
        )
    if str(out) == STDOUT:
        if as_json:
            raise UsageProblem("--json cannot be used with --out -: stdout holds the file")
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    write_out(out, data, force, store().paths.outbox)
    if as_json:
        emit_json(
            {
                "out": str(out),
                "format": fmt.value,
                "exercises": len(p.items),
                "programme": p.to_dict(),
            }
        )
    else:
        if fmt is PrescriptionFormat.pdf:
            say(
                f"[green]✓[/] Wrote {out} (a handout with pictures, {len(p.items)} "
                "exercises), to print for the patient."
            )
            return
        what = "prescription file" if fmt is PrescriptionFormat.yaml else "FHIR CarePlan"
        say(
            f"[green]✓[/] Wrote {out} ({what}, {len(p.items)} exercises). The patient "
            f"uses it with: backcare programme import {out.name}"
        )


def in_force(date: str | None) -> Prescription | None:
    """The prescription in use; with ``--date``, the one in force on that day."""
    s = store()
    if date is None:
        return s.programme()
    return s.prescriptions().on(day(date))


def _handout_pdf(p: Prescription, lib: Library, patient_name: str | None) -> bytes:
    """The prescription as the patient's printed handout (issue 26): the same blocks as
    'backcare handout', every caution kept, on the paper of the settings or the locale."""
    from backcare.domain.handout import Handout, from_prescription, week_of
    from backcare.exporters import handout
    from backcare.loading.settings import read_display
    from backcare.storage.paths import DataPaths, data_home

    by = f"Prescribed by {p.prescribed_by}" if p.prescribed_by else "Prescribed"
    since = (
        f", from {p.start.strftime('%A')} {p.start.day} {p.start.strftime('%B %Y')}"
        if p.start
        else ""
    )
    doc = Handout(
        "Your home exercise programme",
        f"{by}{since}. Do each exercise on the days shown and tick a box when it is done.",
        tuple(from_prescription(p, lib)),
        week_of(p.start) if p.start else None,
        patient_name,
    )
    paper = read_display(DataPaths(data_home()).settings).paper_size()
    return handout.render(doc, paper)[0]


def register(programme_app: typer.Typer) -> None:
    programme_app.command("new")(new_programme)
    programme_app.command("export")(export_programme)
