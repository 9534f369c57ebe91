"""`backcare progress`: charts and figures over time (issue 5)."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated

import typer

from backcare.commands.common import (
    DateOpt,
    JsonOpt,
    NoPagerOpt,
    day,
    library,
    not_future,
    period,
    progress_for,
    store,
    window_record,
)
from backcare.domain.history import (
    DAYS_PER_WEEK,
    monday,
    programme_start,
    report_start,
    shift,
)
from backcare.errors import BackcareError
from backcare.render.pager import paged
from backcare.render.ui import emit_json, out

if TYPE_CHECKING:
    from backcare.storage.store import Store

MAX_WEEKS = 1040  # 20 years: more than anyone's log, small enough to stay quick

FromOpt = Annotated[
    str | None,
    typer.Option(
        "--from",
        metavar="YYYY-MM-DD",
        help="First day of the report (default: your programme's start, at most 12 weeks back).",
    ),
]
ToOpt = Annotated[
    str | None,
    typer.Option("--to", metavar="YYYY-MM-DD", help="Last day of the report (default: --date)."),
]
WeeksOpt = Annotated[
    int | None,
    typer.Option(
        "--weeks",
        min=1,
        max=MAX_WEEKS,
        metavar="N",
        help="How many weeks to show, this week included, when --from is not given.",
    ),
]


def window(
    date_from: str | None, date_to: str | None, weeks: int | None, today: datetime.date, s: Store
) -> tuple[datetime.date, datetime.date]:
    """The days a progress view covers: --from/--to, or --weeks back from the end, or by
    default the programme from its start, at most the last 12 weeks (issue 14)."""

    def default_start(end: datetime.date) -> datetime.date:
        if weeks is not None:
            return shift(monday(end), -(weeks - 1) * DAYS_PER_WEEK)
        return report_start(programme_start(s.profile(), s.prescriptions()), end)

    start, end = period(date_from, date_to, today, default_start)
    assert start is not None
    if (end - start).days >= MAX_WEEKS * DAYS_PER_WEEK:
        raise BackcareError(
            f"a report covers at most {MAX_WEEKS} weeks (20 years); "
            f"{start.isoformat()} to {end.isoformat()} is longer: choose a "
            "later --from or an earlier --to"
        )
    return start, end


def progress(
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    weeks: WeeksOpt = None,
    date: DateOpt = None,
    as_json: JsonOpt = False,
    no_pager: NoPagerOpt = False,
) -> None:
    """Your progress: exercise days, streak, pain, questionnaires and goals, with charts.

    By default it covers your programme from its start to today, at most the last 12
    weeks; weeks before the start are not counted. Pain is compared with your baseline; a
    fall of 2 points or 30% is a clinically important improvement.

    Example: backcare progress --weeks 4
    """

    today = not_future(day(date), doing="report on")  # as for log: nothing has happened yet
    s = store()
    start, end = window(date_from, date_to, weeks, today, s)
    record, earlier = window_record(s, start, end, today)
    report = progress_for(record, start, end, today, earlier)
    if as_json:
        emit_json(report.to_dict())
    else:
        from backcare.render import progress as render_progress

        with paged(not no_pager):
            render_progress.render(report, out(), library().names())


def register(app: typer.Typer) -> None:
    app.command("progress")(progress)
