"""`backcare progress`: charts and figures over time (issue 5)."""

from __future__ import annotations

from typing import Annotated

import typer

from backcare.commands.common import (
    DateOpt,
    JsonOpt,
    day,
    library,
    patient_record,
    period,
    progress_for,
)
from backcare.domain.history import DAYS_PER_WEEK, monday, shift
from backcare.errors import BackcareError
from backcare.render.ui import emit_json, out

DEFAULT_WEEKS = 8
MAX_WEEKS = 1040  # 20 years: more than anyone's log, small enough to stay quick

FromOpt = Annotated[str | None, typer.Option(
    "--from", metavar="YYYY-MM-DD", help="First day of the report (default: the start of the "
                                         "week --weeks weeks back).")]
ToOpt = Annotated[str | None, typer.Option(
    "--to", metavar="YYYY-MM-DD", help="Last day of the report (default: --date).")]
WeeksOpt = Annotated[int, typer.Option(
    "--weeks", min=1, max=MAX_WEEKS, metavar="N",
    help="How many weeks to show, this week included, when --from is not given.")]


def progress(
    date_from: FromOpt = None,
    date_to: ToOpt = None,
    weeks: WeeksOpt = DEFAULT_WEEKS,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Your progress: exercise days, streak, pain, questionnaires and goals, with charts.

    By default it covers this week and the 7 weeks before it. Pain is compared with your
    baseline; a fall of 2 points or 30% is a clinically important improvement.

    Example: backcare progress --weeks 4
    """

    today = day(date)
    start, end = period(date_from, date_to, today,
                        lambda end: shift(monday(end), -(weeks - 1) * DAYS_PER_WEEK))
    assert start is not None
    if (end - start).days >= MAX_WEEKS * DAYS_PER_WEEK:
        raise BackcareError(f"a report covers at most {MAX_WEEKS} weeks (20 years); "
                            f"{start.isoformat()} to {end.isoformat()} is longer: choose a "
                            "later --from or an earlier --to")
    report = progress_for(patient_record(end), start, end, today)
    if as_json:
        emit_json(report.to_dict())
    else:
        from backcare.render import progress as render_progress

        render_progress.render(report, out(), library().names())


def register(app: typer.Typer) -> None:
    app.command("progress")(progress)
