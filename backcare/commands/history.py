"""`backcare history`: the log as a table, or as JSON."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from backcare.commands.common import (
    DateOpt,
    JsonOpt,
    NoPagerOpt,
    day,
    library,
    period,
    store,
    thresholds,
)
from backcare.domain.document import edited_on
from backcare.render.pager import paged
from backcare.render.ui import emit_json

DEFAULT_DAYS = 28


def history(
    from_: Annotated[
        str | None,
        typer.Option(
            "--from", metavar="YYYY-MM-DD", help="First day (default: 4 weeks before --to)."
        ),
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", metavar="YYYY-MM-DD", help="Last day (default: --date).")
    ] = None,
    date: DateOpt = None,
    as_json: JsonOpt = False,
    no_pager: NoPagerOpt = False,
) -> None:
    """The log as a table: each record with its id (what 'backcare edit' and 'backcare
    delete' take), sessions with each exercise's status and pain, check-ins, questionnaires
    and visits. It shows the four weeks up to --date (today unless given).

    Example: backcare history --from 2026-03-01 --json
    """
    from backcare.render import log as render_log

    start, end = period(from_, to, day(date), lambda end: end - timedelta(days=DEFAULT_DAYS - 1))
    assert start is not None
    s = store()
    h = s.history(start, end)
    if as_json:
        emit_json(
            {
                "from": start.isoformat(),
                "to": end.isoformat(),
                "sessions": [x.to_dict() for x in h.sessions],
                "pain_checkins": [x.to_dict() for x in h.checkins],
                "assessments": [x.to_dict() for x in h.assessments],
                "visits": [x.to_dict() for x in h.visits],
            }
        )
    else:
        edited = edited_on({"corrections": s.corrections(start, end)})
        with paged(not no_pager):
            render_log.history_view(h, start, end, library(), thresholds(), edited)


def register(app: typer.Typer) -> None:
    app.command("history")(history)
