"""The terminal view of ``backcare progress``: figures, tables and plotext charts.

Every chart has its figures in words beside it (a chart needs a text alternative), so the
report reads the same with a screen reader, when piped, or in a terminal too narrow for charts.
Nothing is wider than the console (rich's width honours ``COLUMNS``); colour follows rich, so
``NO_COLOR`` and piped output get plain text with no escape codes.

plotext is imported here, and this module only when the report is drawn (STYLE.md §10).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date, timedelta
from typing import Any, NamedTuple

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from backcare.domain.alerts import CRITICAL, HIGH, LOW
from backcare.domain.analytics import (
    IMPROVING,
    WORSENING,
    FlaggedExercise,
    GoalProgress,
    MeasureSummary,
    ProgressReport,
)
from backcare.domain.instruments import INSTRUMENTS
from backcare.domain.words import num, plural, say_date, short_date, signed, signed_points
from backcare.messages import DISCLAIMER_SHORT

MIN_CHART_WIDTH = 40  # below this a chart is unreadable: the figures alone are shown
BAR_HALF_SPACE = 0.5  # x room either side of the first and last bar
PLOT_MARGIN = 4  # columns a chart spends on its y labels and frame
SIDE_BY_SIDE_WIDTH = 110  # from this width, two charts share a row
MAX_CHART_WIDTH = 160  # wider charts only spread the same points thinner
CHART_GAP = 2
PAIN_CHART_HEIGHT = 15
WEEK_CHART_HEIGHT = 12
MEASURE_CHART_HEIGHT = 11
MAX_FLAGGED_SHOWN = 5
MAX_FLARES_SHOWN = 6
MAX_WEEK_ROWS = 12  # the weekly table shows the latest weeks; --json has them all
LONG_SPAN_DAYS = 300  # beyond this, chart labels show month and year
AEROBIC_TICK_MINUTES = 50
MEASURE_TICKS = 4  # about this many gaps between the y labels of a questionnaire chart
MEASURE_HEADROOM = 1.25  # a questionnaire chart's y axis reaches 25% above the highest score

LEVEL_STYLE = {CRITICAL: "bold white on red", HIGH: "bold red", LOW: "bold yellow"}
VERDICT_STYLE = {IMPROVING: "bold green", WORSENING: "bold red"}


class Voice(NamedTuple):
    """Who the view speaks to (issue 22): the patient, or their clinician, who reads about
    the patient ("Exercised on 12 of 14 planned days"), never "your" or "well done"."""

    audience: str
    title: str
    goals: str
    alerts: str
    exercised: str
    reached: str
    starts: str
    flagged_after: str
    empty: str


PATIENT = Voice(
    "patient",
    "Your progress",
    "Your goals",
    "Alerts for your physiotherapist",
    "You exercised on",
    "You reached it in",
    "Your programme starts on",
    "Your plan eases these off; tell your physiotherapist if they keep hurting.",
    "Nothing recorded yet for this period, and that is fine: everyone starts somewhere.",
)
CLINICIAN = Voice(
    "clinician",
    "Progress",
    "Goals",
    "Alerts",
    "Exercised on",
    "Reached in",
    "The programme starts on",
    "The plan eases these off.",
    "Nothing recorded in this period.",
)

# plotext colour codes (the 256-colour palette) for the series, when colour is on.
COLOUR_PAIN = 12  # bright blue
COLOUR_MEAN = 208  # orange
COLOUR_FLARE = 9  # bright red
COLOUR_VISIT = 10  # bright green
COLOUR_BAR = 12
COLOUR_GUIDE = 9

# What each questionnaire measures, and which way is better, in a few words.
MEASURE_LABEL = {
    "odi": "ODI, disability (0-100%, lower is better)",
    "rmdq": "RMDQ, disability (0-24, lower is better)",
    "startback": "STarT Back score (0-9, lower is better)",
    "psfs": "PSFS, your activities (0-10, higher is better)",
    "peg": "PEG, pain and its impact (0-10, lower is better)",
}


def tick_label(d: date, long_span: bool) -> str:
    """An axis label: 3 Nov, or Nov 2016 on a chart that spans years."""
    return f"{d:%b %Y}" if long_span else f"{d.day} {d:%b}"


# --- The whole view ---------------------------------------------------------------------------


def render(
    report: ProgressReport,
    console: Console,
    exercise_names: Mapping[str, str] | None = None,
    voice: Voice = PATIENT,
    top: Sequence[tuple[str, str]] = (),
) -> None:
    """Print the progress report on ``console``, in ``voice``; ``top``: labelled lines
    shown first (the clinic's conditions, red flags and clearances)."""
    width = console.width
    colour = console.color_system is not None and not console.no_color
    names = exercise_names or {}
    parts: list[RenderableType] = [_title(report, width, voice)]
    if top:
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column()
        for label, text in top:
            grid.add_row(label, Text(text))
        parts += [Text(""), grid]
    if not report.has_data:
        parts.append(_empty_state(report) if voice is PATIENT else Text(f"\n{voice.empty}\n"))
        if report.goals:
            parts += [_heading(voice.goals), _goals(report.goals)]
        parts.append(Text(DISCLAIMER_SHORT, style="dim"))
        console.print(Group(*parts))
        return
    parts.append(_summary(report, voice))
    if report.routine:
        parts += [_heading("Your routine" if voice is PATIENT else "Routine"), _routine(report)]
    if report.alerts:
        parts += [_heading(voice.alerts), _alerts(report)]
    parts += [_heading("Pain"), *_pain_section(report, width, colour)]
    parts += [_heading("Week by week"), _weekly_table(report), *_week_charts(report, width, colour)]
    if report.measures:
        parts += [
            _heading("Questionnaires"),
            _measures_table(report),
            *_measure_charts(report, width, colour, voice),
        ]
    if report.flagged:
        parts += [_heading("Exercises that hurt"), _flagged(report, names, voice)]
    if report.goals:
        parts += [_heading(voice.goals), _goals(report.goals)]
    parts += [Text(""), Text(DISCLAIMER_SHORT, style="dim")]
    console.print(Group(*parts))


def _title(report: ProgressReport, width: int, voice: Voice = PATIENT) -> RenderableType:
    span = f"{say_date(report.start)} – {say_date(report.end)}"
    return (
        Rule(Text(f"{voice.title}, {span}", style="bold"), align="left")
        if width >= len(span) + 20
        else Text(f"{voice.title}, {span}", style="bold")
    )


def _heading(text: str) -> RenderableType:
    return Text.assemble("\n", (text, "bold underline"))


def _empty_state(report: ProgressReport) -> RenderableType:
    steps = Table.grid(padding=(0, 3))
    steps.add_column(no_wrap=True, style="bold")
    steps.add_column()
    start = report.programme_start
    if start is None:
        steps.add_row(
            "backcare init", "set up your programme (it starts with a short safety check)"
        )
    steps.add_row("backcare pain 4", "each day, how your back feels (0 = no pain, 10 = the worst)")
    steps.add_row(
        "backcare session",
        "today's exercises, with the guide (or record them: backcare log --done)",
    )
    steps.add_row("backcare assess odi", "every two weeks or so, a short questionnaire")
    when = f" Your programme starts on {say_date(start)}." if start and start > report.as_of else ""
    return Group(
        Text(
            f"\nNothing recorded yet for this period, and that is fine: everyone starts "
            f"somewhere.{when} Your charts will fill in from your first day.\n"
        ),
        Text("To see your progress here:"),
        Padding(steps, (0, 0, 0, 2)),
        Text(""),
    )


def _summary(report: ProgressReport, voice: Voice = PATIENT) -> RenderableType:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()
    grid.add_row("Exercise", _exercise_line(report, voice))
    grid.add_row("Pain", _pain_line(report, voice))
    if report.aerobic:
        a = report.aerobic
        met = (
            f" {voice.reached} {a.full_weeks_meeting_guideline} of {a.full_weeks} full "
            f"week{'s' if a.full_weeks != 1 else ''}."
            if a.full_weeks
            else ""
        )
        grid.add_row(
            "Aerobic",
            Text(
                f"{plural(a.latest_week_minutes, 'minute')} this week, of the "
                f"{a.guideline_minutes_per_week} "
                f"a week recommended (WHO).{met}"
            ),
        )
    verdict = Text(report.verdict_text, style=VERDICT_STYLE.get(report.verdict or "", "bold"))
    return Group(Text(""), verdict, Text(""), grid)


def _exercise_line(report: ProgressReport, voice: Voice = PATIENT) -> Text:
    start = report.programme_start
    if report.sessions_planned == 0:
        if start and start > report.as_of:
            return Text(f"{voice.starts} {say_date(start)}.")
        return Text("No exercise days were planned in this period.")
    streak = report.streak_days
    extra = report.sessions_extra
    extras = (
        f" Besides those, {voice.exercised[0].lower()}{voice.exercised[1:]} "
        f"{plural(extra, 'other day')} (not counted)."
        if extra
        else ""
    )
    return Text(
        f"{voice.exercised} {report.sessions_done} of {report.sessions_planned} planned days "
        f"({num(report.adherence_percent)}%).{extras} Streak: {streak} planned "
        f"day{'s' if streak != 1 else ''} in a row."
    )


def _routine(report: ProgressReport) -> RenderableType:
    """Each routine exercise: its dose at the start of the report, now, and its last step
    (issue 20)."""
    table = Table(box=None, padding=(0, 2, 0, 0), show_edge=False)
    table.add_column("exercise")
    table.add_column("at the start")
    table.add_column("now")
    table.add_column("last step", no_wrap=True)
    for r in report.routine:
        table.add_row(r.name, r.start, r.now, say_date(r.last_step) if r.last_step else "—")
    return table


def _pain_line(report: ProgressReport, voice: Voice = PATIENT) -> Text:
    p = report.pain
    if p.baseline is None and p.current is None:
        return Text(
            "No check-ins yet: backcare pain 4"
            if voice is PATIENT
            else "No check-ins in the record."
        )
    base = f"{p.baseline}/10 at the start" if p.baseline is not None else "no baseline"
    now = (
        f"{num(p.current)}/10 now (the average of {p.current_checkins} check-in"
        f"{'s' if p.current_checkins != 1 else ''} in the last 7 days)"
        if p.current is not None
        else "no check-in in the last 7 days"
    )
    change = ""
    if p.change is not None:
        pct = f", {signed(p.percent_change, '%')}" if p.percent_change is not None else ""
        change = f": {signed_points(p.change)}{pct}"
    return Text(f"{base} → {now}{change}.")


def _alerts(report: ProgressReport) -> RenderableType:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for alert in report.alerts:
        grid.add_row(
            Text(f" {alert.level.upper()} ", style=LEVEL_STYLE.get(alert.level, "")),
            Text(alert.message),
        )
    return grid


# --- Charts -------------------------------------------------------------------------------------


def _chart_width(width: int) -> int:
    return min(width, MAX_CHART_WIDTH)


def _plot(width: int, height: int, colour: bool, draw: Callable[[Any], None]) -> Text | None:
    """Draw one chart with plotext; None when the console is too narrow for it."""
    if width < MIN_CHART_WIDTH:
        return None
    plt = _plotext()
    fig: Any = getattr(plt, "figure", None)
    if fig is None or not hasattr(fig, "signal"):  # plotext 5 had another API: figures only
        return None
    fig.clear()
    plt.terminal.limit(False, False)  # we size the chart to rich's console, not the tty
    fig.plot_size(width, height)
    fig.theme("simple" if colour else "colorless")
    fig.legend(active=False)  # a key is printed under the chart instead; legends hide data
    draw(fig)
    text = fig.build().string(colorless=not colour).rstrip("\n")
    lines = [line.rstrip() if not colour else line for line in text.split("\n")]
    chart = "\n".join(lines)
    return Text.from_ansi(chart, no_wrap=True) if colour else Text(chart, no_wrap=True)


def _marker(symbol: str, colour: bool, code: int) -> Any:
    plt = _plotext()
    return plt.marker(symbol, plt.pixel(foreground=code)) if colour else symbol


# plotext's modules backcare never uses, and the one name its package takes from each.
_PLOTEXT_UNUSED = (
    ("plotext._doc.doc", "docs"),  # its help pages
    ("plotext._tests.run", "test"),
)  # its own test suite, run by unittest


def _plotext() -> Any:
    """plotext, without the help pages its package builds as it is imported (about 90 ms,
    most of what the charts of `progress` cost, issue 25), nor the runner of its own tests
    (unittest: about 3 ms): backcare never shows the one nor runs the other, and only
    plotext's own command line reads its help. Any other plotext loads as it is.

    Nor does it load Pillow, which plotext imports, when it is installed, for drawing
    pictures and films in the terminal, and which backcare's charts never use (9 ms of the
    charts' 60, issue 25): plotext is imported as if Pillow were missing, which it allows
    for (:mod:`backcare.imports`); Pillow itself stays importable for anything else."""
    import sys

    if "plotext" in sys.modules:
        return sys.modules["plotext"]
    for name, taken in _PLOTEXT_UNUSED:
        if name not in sys.modules:
            import types

            unused = types.ModuleType(name)
            setattr(unused, taken, None)  # what plotext/__init__ takes from it
            sys.modules[name] = unused
    from backcare.imports import import_without

    return import_without("plotext", ("PIL",))


def _date_ticks(fig: Any, start: date, days: int, width: int) -> None:
    """Label the x axis (day numbers from ``start``) with dates, as many as fit."""
    long_span = days > LONG_SPAN_DAYS
    label_room = 11 if long_span else 9  # "Nov 2026" or "30 Nov", and a gap
    slots = max(2, (width - 6) // label_room)
    step = max(1, -(-days // slots))
    if step > 1:  # round to whole weeks, so labels fall on the same weekday
        step = -(-step // 7) * 7
    positions = list(range(0, days, step))
    fig.ruler("x").ticks(
        positions, [tick_label(start + timedelta(days=p), long_span) for p in positions]
    )
    fig.ruler("x").lim(0, max(days - 1, 1))


def _pain_section(report: ProgressReport, width: int, colour: bool) -> list[RenderableType]:
    daily = report.daily
    points = [(i, d.pain) for i, d in enumerate(daily) if d.pain is not None]
    means = [(i, d.mean_7d) for i, d in enumerate(daily) if d.mean_7d is not None]
    out: list[RenderableType] = []
    if not points:
        out.append(
            Text(
                f"No pain check-ins between {say_date(report.start)} and "
                f"{say_date(report.as_of)}. Record today's: backcare pain 4"
            )
        )
    else:
        index_of = {d.date: i for i, d in enumerate(daily)}
        visits = [index_of[v.date] for v in report.visits if v.date in index_of]
        flares = [(index_of[f.date], f.score) for f in report.flares if f.date in index_of]

        # More days than columns: the dots would merge into a block, so only the line shows.
        dense = len(daily) > _chart_width(width) - PLOT_MARGIN

        def draw(fig: Any) -> None:
            for x in visits:  # segments, not fig.line(), which paints a background
                fig.draw(fig.segment((x, x), (0, 10), marker=_marker("┊", colour, COLOUR_VISIT)))
            if means:
                m = fig.signal(
                    [x for x, _ in means],
                    [y for _, y in means],
                    marker=_marker("hd", colour, COLOUR_MEAN),
                )
                m.lines()
                fig.draw(m)
            if not dense:
                fig.draw(
                    fig.signal(
                        [x for x, _ in points],
                        [y for _, y in points],
                        marker=_marker("•", colour, COLOUR_PAIN),
                    )
                )
            if flares and not dense:
                fig.draw(
                    fig.signal(
                        [x for x, _ in flares],
                        [y for _, y in flares],
                        marker=_marker("▲", colour, COLOUR_FLARE),
                    )
                )
            fig.ruler("y").lim(0, 10)
            fig.ruler("y").ticks([0, 2, 4, 6, 8, 10])
            _date_ticks(fig, report.start, len(daily), width)
            fig.title("Pain each day, 0-10")

        chart = _plot(_chart_width(width), PAIN_CHART_HEIGHT, colour, draw)
        if chart is not None:
            out.append(chart)
            key = ["▀▄ 7-day average"] if dense else ["• daily pain", "▀▄ 7-day average"]
            if visits:
                key.append("┊ clinic visit")
            if flares and not dense:
                key.append("▲ flare-up")
            out.append(Text("Key: " + "   ".join(key), style="dim"))
        scores = [y for _, y in points]
        out.append(
            Text(
                f"{len(points)} check-in{'s' if len(points) != 1 else ''} in this "
                f"period, from {min(scores)} to {max(scores)} out of 10."
            )
        )
    if report.visits:
        out.append(
            Text(
                "Clinic visits: "
                + ", ".join(
                    f"{short_date(v.date, report.as_of)} ({v.kind.replace('-', ' ')})"
                    for v in report.visits
                )
                + "."
            )
        )
    if report.flares:
        shown = report.flares[-MAX_FLARES_SHOWN:]
        more = len(report.flares) - len(shown)
        out.append(
            Text(
                f"Flare-up{'s' if len(report.flares) > 1 else ''} (pain 7 or more, or "
                "declared): "
                + ", ".join(f"{short_date(f.date, report.as_of)} ({f.score}/10)" for f in shown)
                + (f", and {more} earlier" if more else "")
                + "."
            )
        )
    return out


def _weekly_table(report: ProgressReport) -> RenderableType:
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    table.add_column("Week of", no_wrap=True)
    table.add_column("Exercise days", justify="right")
    table.add_column("Adherence", justify="right")
    table.add_column("Mean pain", justify="right")
    table.add_column("Aerobic minutes", justify="right")
    guide = report.aerobic.guideline_minutes_per_week if report.aerobic else None
    weeks = [w for w in report.weekly if w.days]
    for w in weeks[-MAX_WEEK_ROWS:]:
        aerobic = f"{w.aerobic_minutes}"
        if guide is not None and w.aerobic_minutes >= guide:
            aerobic += " ✓"
        table.add_row(
            short_date(w.week_start, report.as_of),
            f"{w.sessions_done} of {w.sessions_planned}"
            if w.sessions_planned
            else f"{w.sessions_done} (none planned)",
            f"{num(w.adherence_percent)}%" if w.adherence_percent is not None else "–",
            num(w.mean_pain),
            aerobic,
        )
    if len(weeks) <= MAX_WEEK_ROWS:
        return table
    return Group(
        table,
        Text(
            f"The latest {MAX_WEEK_ROWS} of {len(weeks)} weeks; the charts "
            "below show them all, and --json lists every week.",
            style="dim",
        ),
    )


def _week_charts(report: ProgressReport, width: int, colour: bool) -> list[RenderableType]:
    weeks = [w for w in report.weekly if w.days]
    if not weeks:
        return []
    long_span = len(weeks) * 7 > LONG_SPAN_DAYS
    labels = [tick_label(w.week_start, long_span) for w in weeks]
    side = width >= SIDE_BY_SIDE_WIDTH
    each = (_chart_width(width) - CHART_GAP) // 2 if side else _chart_width(width)
    guide = report.aerobic.guideline_minutes_per_week if report.aerobic else None

    def bar_labels(fig: Any, count: int, room: int) -> None:
        # Skip labels that would run into each other on narrow charts.
        label_room = 11 if long_span else 9
        per = max(1, -(-(count * label_room) // max(room - 6, 1)))
        fig.ruler("x").ticks(list(range(1, count + 1, per)), labels[::per])

    def adherence(fig: Any) -> None:
        fig.draw(
            fig.bar(
                list(range(1, len(weeks) + 1)),
                [w.adherence_percent or 0 for w in weeks],
                width=0.6,
                marker=_marker("full", colour, COLOUR_BAR),
            )
        )
        # As the aerobic chart's: a few weeks' bars keep their width, not the whole chart's.
        fig.ruler("x").lim(1 - BAR_HALF_SPACE, len(weeks) + BAR_HALF_SPACE)
        fig.ruler("y").lim(0, 100)
        fig.ruler("y").ticks([0, 25, 50, 75, 100])
        bar_labels(fig, len(weeks), each)
        fig.title("Adherence each week, %")

    def aerobic(fig: Any) -> None:
        fig.draw(
            fig.bar(
                list(range(1, len(weeks) + 1)),
                [w.aerobic_minutes for w in weeks],
                width=0.6,
                marker=_marker("full", colour, COLOUR_MEAN),
            )
        )
        fig.ruler("x").lim(1 - BAR_HALF_SPACE, len(weeks) + BAR_HALF_SPACE)
        if guide is not None:
            fig.draw(
                fig.segment(
                    (1 - BAR_HALF_SPACE, len(weeks) + BAR_HALF_SPACE),
                    (guide, guide),
                    marker=_marker("┈", colour, COLOUR_GUIDE),
                )
            )
        top = max([guide or 0, *(w.aerobic_minutes for w in weeks)])
        step = AEROBIC_TICK_MINUTES * max(1, -(-top // (AEROBIC_TICK_MINUTES * 5)))
        ticks = list(range(0, top + step, step))
        fig.ruler("y").lim(0, ticks[-1])
        fig.ruler("y").ticks(ticks)
        bar_labels(fig, len(weeks), each)
        fig.title(
            f"Aerobic minutes each week (┄ {guide} guideline)"
            if guide
            else "Aerobic minutes each week"
        )

    charts = [
        c
        for c in (
            _plot(each, WEEK_CHART_HEIGHT, colour, adherence),
            _plot(each, WEEK_CHART_HEIGHT, colour, aerobic),
        )
        if c is not None
    ]
    return _arrange(charts, side)


def _arrange(charts: Sequence[Text], side: bool) -> list[RenderableType]:
    if not charts:
        return []
    if not side:
        return [Text(""), *charts]
    out: list[RenderableType] = [Text("")]
    for i in range(0, len(charts), 2):
        grid = Table.grid(padding=(0, CHART_GAP, 0, 0))
        row = list(charts[i : i + 2])
        for _ in row:
            grid.add_column(no_wrap=True)
        grid.add_row(*row)
        out.append(grid)
    return out


def _meaning(m: MeasureSummary) -> Text:
    if m.count < 2:
        return Text("first result")
    if m.note is not None:  # PSFS activities that differ: no verdict (CLINICAL.md §9)
        return Text(m.note)
    if m.direction is None:
        return Text("–")
    if m.clinically_important:
        return Text("clear improvement ✓", style="green")
    if m.direction == "improved":
        return Text("a little better")
    if m.important_worsening:
        return Text("clearly worse", style="red")
    if m.direction == "worse":
        return Text("a little worse, within measurement error")
    return Text("no change")


def _measures_table(report: ProgressReport) -> RenderableType:
    table = Table(box=None, padding=(0, 1), show_edge=False, header_style="bold")
    table.add_column("Questionnaire")
    table.add_column("First", justify="right")
    table.add_column("Latest", justify="right")
    table.add_column("Change", justify="right")
    table.add_column("What it means")
    for m in report.measures:
        inst = INSTRUMENTS.get(m.instrument)
        name = inst.short_name if inst else m.instrument
        change = (
            signed(m.change)
            if m.instrument != "startback" or m.change is None
            else _groups(m.change)
        )
        table.add_row(
            name,
            f"{num(m.baseline)} ({short_date(m.baseline_date, report.as_of)})",
            f"{num(m.latest)} ({short_date(m.latest_date, report.as_of)})",
            change,
            _meaning(m),
        )
    return table


def _groups(change: float) -> str:
    """A move between STarT Back's risk groups: "1 group down", never "+0 groups"."""
    if not change:
        return "same group"
    return f"{plural(abs(change), 'group')} {'up' if change > 0 else 'down'}"


def _measure_charts(
    report: ProgressReport, width: int, colour: bool, voice: Voice = PATIENT
) -> list[RenderableType]:
    side = width >= SIDE_BY_SIDE_WIDTH
    each = (_chart_width(width) - CHART_GAP) // 2 if side else _chart_width(width)
    days = (report.as_of - report.start).days + 1
    charts: list[Text] = []
    for m in report.measures:
        if len(m.scores) < 2 or m.instrument not in INSTRUMENTS:
            continue
        inst = INSTRUMENTS[m.instrument]
        xs = [(d - report.start).days for d, _ in m.scores]
        ys = [s for _, s in m.scores]
        # The whole scale when the scores use it; else up to a little above the highest, so a
        # change of a few points on a 0-100 scale still shows.
        top = min(
            inst.score_max, max(inst.score_max / 10, _nice_ceiling(max(ys) * MEASURE_HEADROOM))
        )

        def draw(
            fig: Any,
            xs: list[int] = xs,
            ys: list[float] = ys,
            lo: float = inst.score_min,
            hi: float = top,
            label: str = _label(m.instrument, voice),
        ) -> None:
            s = fig.signal(xs, ys, marker=_marker("hd", colour, COLOUR_PAIN))
            s.lines()
            fig.draw(s)
            fig.draw(fig.signal(xs, ys, marker=_marker("•", colour, COLOUR_MEAN)))
            fig.ruler("y").lim(lo, hi)
            step = _nice_ceiling((hi - lo) / MEASURE_TICKS)
            ticks = [lo + step * k for k in range(int((hi - lo) // step) + 1)]
            fig.ruler("y").ticks(ticks, [f"{t:g}" for t in ticks])
            _date_ticks(fig, report.start, days, each)
            fig.title(label)

        chart = _plot(each, MEASURE_CHART_HEIGHT, colour, draw)
        if chart is not None:
            charts.append(chart)
    return _arrange(charts, side)


def _label(instrument: str, voice: Voice) -> str:
    label = MEASURE_LABEL.get(instrument, instrument)
    return label if voice is PATIENT else label.replace("your ", "the patient's ")


def _nice_ceiling(value: float) -> float:
    """The next of 1, 2, 5 x 10^n at or above ``value``: a round top for an axis."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if step * magnitude >= value:
            return float(step * magnitude)
    return float(10 * magnitude)


def _flagged(
    report: ProgressReport, names: Mapping[str, str], voice: Voice = PATIENT
) -> RenderableType:
    shown = report.flagged[-MAX_FLAGGED_SHOWN:]
    more = len(report.flagged) - len(shown)
    text = ", ".join(
        f"{names.get(f.exercise_id, f.exercise_id)} on "
        f"{short_date(f.date, report.as_of)} ({_why_red(f)})"
        for f in reversed(shown)
    )
    extra = f", and {more} earlier" if more else ""
    # The red zone of docs/clinical.md §4; patients never see section numbers (issue 21).
    return Text(f"In the red zone (pain of 6 or more): {text}{extra}. {voice.flagged_after}")


def _why_red(f: FlaggedExercise) -> str:
    if f.next_morning:
        return "worse the next morning"
    if f.pain_after is not None and (f.pain is None or f.pain < f.pain_after):
        return f"{f.pain_after}/10 after the session"
    return f"{f.pain}/10"


def goal_list(goals: Sequence[GoalProgress], console: Console) -> None:
    """``backcare goal list``: open goals first, then the ones reached."""
    if not goals:
        console.print(
            Text.assemble(
                "No goals yet. Set one you can reach in a few weeks, for example: ",
                ('backcare goal add "walk to the shop"', "bold"),
            )
        )
        return
    order = {"overdue": 0, "open": 1, "done": 2}
    console.print(_goals(sorted(goals, key=lambda g: (order.get(g.status, 1), g.goal.id))))


def _goals(goals: Sequence[GoalProgress]) -> RenderableType:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for g in goals:
        goal = g.goal
        if g.status == "done":
            mark, style = "✓", "green"
            when = f"done {say_date(goal.done_on)}" if goal.done_on else "done"
        elif g.status == "overdue":
            mark, style = "!", "yellow"
            when = f"was due {say_date(goal.by)}" if goal.by else "overdue"
        else:
            mark, style = "○", ""
            when = f"by {say_date(goal.by)}" if goal.by else "open"
        details = [when]
        if goal.psfs_activity:
            if g.psfs_latest is None:
                details.append(f"{goal.psfs_activity} not rated yet (backcare assess psfs)")
            else:
                rated = f" on {say_date(g.psfs_latest_date)}" if g.psfs_latest_date else ""
                details.append(
                    f"{goal.psfs_activity} rated {g.psfs_baseline} → "
                    f"{g.psfs_latest} out of 10{rated}"
                )
        grid.add_row(
            Text(f"{mark} {goal.id}.", style=style),
            Text.assemble((goal.text, "bold"), " — " + " · ".join(details)),
        )
    return grid
