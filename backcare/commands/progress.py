"""`backcare progress`: charts and figures over time (issue 5)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from backcare.commands.common import DateOpt, JsonOpt

DEFAULT_WEEKS = 8
MAX_WEEKS = 1040  # 20 years: more than anyone's log, small enough to stay quick

FromOpt = Annotated[Optional[str], typer.Option(  # noqa: UP045 (typer needs Optional)
    "--from", metavar="YYYY-MM-DD", help="First day of the report (default: the start of the "
                                         "week --weeks weeks back).")]
ToOpt = Annotated[Optional[str], typer.Option(  # noqa: UP045
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
    from backcare.commands.common import day, library, store, thresholds
    from backcare.domain.analytics import DAYS_PER_WEEK, load_progress, monday, shift
    from backcare.errors import BackcareError
    from backcare.render.ui import emit_json, out

    today = day(date)
    end = day(date_to, "--to") if date_to is not None else today
    start = (day(date_from, "--from") if date_from is not None
             else shift(monday(end), -(weeks - 1) * DAYS_PER_WEEK))
    if start > end:
        raise BackcareError(f"--from {start.isoformat()} is after --to {end.isoformat()}; "
                            "the report must start on or before the day it ends")
    if (end - start).days >= MAX_WEEKS * DAYS_PER_WEEK:
        raise BackcareError(f"a report covers at most {MAX_WEEKS} weeks (20 years); "
                            f"{start.isoformat()} to {end.isoformat()} is longer: choose a "
                            "later --from or an earlier --to")
    lib = library()
    report = load_progress(store(), lib, thresholds(), start, end, today)
    if as_json:
        emit_json(report.to_dict())
    else:
        from backcare.render import progress as render_progress

        render_progress.render(report, out(), {e.id: e.name for e in lib})


def register(app: typer.Typer) -> None:
    app.command("progress")(progress)
