"""`backcare doctor`: check the data folder, fix permissions, restore from a backup."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from backcare.commands.common import JsonOpt, store
from backcare.commands.undo import settled_words
from backcare.domain.words import plural
from backcare.errors import BackcareError, UsageProblem
from backcare.render.ui import emit_json, is_interactive, say
from backcare.storage import DataFileError, DataPaths, DoctorFinding, Store


def doctor(
    yes: Annotated[bool, typer.Option("--yes", help="Restore and fix without asking.")] = False,
    clinic: Annotated[
        bool,
        typer.Option(
            "--clinic",
            help="Check the clinic folder (backcare clinic) and every patient's "
            "records in it, instead of your own data.",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check that every data file can be read and is private; offer to repair.

    Checks every data file, the backups, the caches and the permissions of everything in
    the data folder. A month of the log is checked by the hash of its bytes against its
    summary, and read record by record only when the two differ. A damaged file is never
    changed in place: doctor keeps a copy of it (as NAME.damaged-TIME) and puts the newest
    good backup in its place in one step. With --json it only reports, unless --yes is given
    too. Example: backcare doctor --yes
    """

    if clinic:
        from backcare.commands.clinic import clinic as clinic_store

        s: Store = clinic_store()
    else:
        s = store()
    try:
        s.recover()  # a change a crash cut short is settled first, as by every command
    except DataFileError:
        s.skip_recovery()  # an undo history file it cannot trust: reported below
    findings = s.check()
    if not as_json:
        for state, entry in s.settled:
            say(f"[green]✓[/] {settled_words(state, entry.summary)}")
    if as_json:
        emit_json(
            {
                "home": str(s.home),
                "clean": not findings,
                "problems": [
                    {
                        "file": str(f.path),
                        "problem": f.problem,
                        "backup": str(f.backup) if f.backup else None,
                        "fix": f.action if f.fixable else None,
                    }
                    for f in findings
                ],
            }
        )
    if not findings:
        if not as_json:
            say(f"[green]✓[/] {s.home}: every data file reads cleanly and is private.")
        return
    if as_json and not yes:
        return  # --json is a report, and stdout has no room for a question; --yes repairs
    for f in findings:
        extra = f" — a good backup from {_backup_day(f.backup, s.home)} exists" if f.backup else ""
        say(f"[red]✗[/] {f.path}: {f.problem}{extra}")
    fixable = [f for f in findings if f.fixable]
    if not fixable:
        raise BackcareError(
            "no backup can repair this; the damaged files were left as they "
            "are. If you have a JSON export, 'backcare import' can restore it."
        )
    if not yes:
        if not is_interactive():
            raise UsageProblem(
                "doctor found problems it can fix; run 'backcare doctor --yes' to fix them"
            )
        from backcare.render.confirm import Confirm

        if not Confirm.ask("Fix these now?", default=True):
            raise BackcareError("nothing was changed")
    _repair(s, fixable)
    unrepaired = sum(1 for f in findings if not f.fixable)
    if unrepaired:
        raise BackcareError(f"{plural(unrepaired, 'problem')} could not be repaired (see above)")


def _repair(s: Store, fixable: list[DoctorFinding]) -> None:
    """Permissions first (a file that only looked damaged because it could not be read is
    then read again), then restores, then what is only removed."""
    if any(f.action == "permissions" for f in fixable):
        fixed = s.fix_permissions()
        if fixed:
            say(
                f"[green]✓[/] made {plural(fixed, 'file or folder', 'files or folders')} "
                "private and yours again"
            )
    for f in fixable:
        if f.action == "restore" and f.backup is not None:
            kept = s.restore(f)
            if kept is None:
                say(
                    f"[green]✓[/] {f.path.name} reads cleanly now (repaired meanwhile); "
                    f"nothing was restored over it"
                )
            elif kept == f.path:
                say(
                    f"[green]✓[/] restored the missing {f.path.name} from the backup of "
                    f"{_backup_day(f.backup, s.home)}"
                )
            else:
                say(
                    f"[green]✓[/] restored {f.path.name} from the backup of "
                    f"{_backup_day(f.backup, s.home)}; the damaged file is kept as "
                    f"{kept.name}"
                )
        elif f.action == "remove":
            s.fix(f)
            say(f"[green]✓[/] removed {f.path.relative_to(s.home)}")
        elif f.action == "summarise" and s.fix(f):
            say(f"[green]✓[/] made the summary of {f.path.name} again from it")
        elif f.action == "heal" and s.fix(f):
            say(
                f"[green]✓[/] the clinic's list no longer names {f.path.name}, whose folder is gone"
            )


def _backup_day(backup: Path, home: Path) -> str:
    """The day a backup was kept: its folder right under backups/ (a log file's backup sits
    one level deeper, in backups/DAY/log/)."""

    return backup.relative_to(DataPaths(home).backups).parts[0]


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
