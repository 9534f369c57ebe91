"""`backcare delete ID`: remove a recorded session, check-in, questionnaire or visit."""

from __future__ import annotations

from typing import Annotated

import typer

from backcare.clock import now_on
from backcare.commands.common import DateOpt, JsonOpt, day, store
from backcare.commands.records import find, keep_red_flags
from backcare.domain import corrections as fix
from backcare.errors import BackcareError, UsageProblem
from backcare.render.ui import emit_json, is_interactive, say


def delete(
    record: Annotated[
        str,
        typer.Argument(
            metavar="ID",
            help="The record's id, as 'backcare history' shows it.",
            show_default=False,
        ),
    ],
    yes: Annotated[
        bool,
        typer.Option("--yes", help="Delete without asking (needed when there is no terminal)."),
    ] = False,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Delete a recorded session, pain check-in, questionnaire or visit.

    It asks first; without a terminal it needs --yes. The record is kept in the audit
    trail, and 'backcare undo' brings it back. A red flag a check-in reported stays until
    a clinician clears it. The audit trail dates the deletion --date.

    Example: backcare delete v-20260304-1a2b3c4d --yes
    """
    from backcare.storage.journal import Change, RecordChange

    on = day(date) if date is not None else None  # a bad --date is refused before asking
    found = find(record)
    what = fix.describe(found.table, found.doc)
    if not yes:
        if not is_interactive():
            raise UsageProblem(
                f"delete needs --yes when there is no terminal to confirm on "
                f"(it would delete {what})"
            )
        from backcare.render.confirm import Confirm
        from backcare.render.ui import err

        if not Confirm.ask(f"Delete {what}?", default=False, console=err()):
            raise BackcareError("nothing was deleted")
    flags = keep_red_flags(found.table, [found.doc], [])
    summary = fix.change_summary("delete", what)
    s = store()
    if on is not None:  # the audit trail's day of the deletion (issue 23)
        s = type(s)(s.home, now=lambda: now_on(on))
    s.save_change(
        lambda files: Change(
            "delete",
            summary,
            (RecordChange(found.table, found.doc, None),),
            "delete",
            profile=flags.profile,
        )
    )
    if as_json:
        emit_json({"id": found.ident, "record": found.table, "deleted": found.doc})
        return
    say(
        f"[green]✓[/] Deleted {what}. It is kept in the audit trail; 'backcare undo' brings "
        "it back."
    )
    if flags.kept:
        say(f"[bold red]![/] {flags.kept}")


def register(app: typer.Typer) -> None:
    app.command("delete")(delete)
