"""The PDF report's two charts, drawn with fpdf2's own vector drawing (lines, polylines,
ellipses, rectangles and text): sharp in print, and no charting library to install.

- Pain: each day's check-in as a dot (for periods of up to 24 weeks; longer, the dots are a
  smear and the 7-day mean says it), the 7-day mean as a line broken where there is none,
  the baseline dashed, and the red zone shaded.
- Function: each questionnaire's scores as a share of its scale, so that scales of 0–24 and
  0–100 share one axis; the legend says which way is better.

The axis labels name the dates they stand under: days or Mondays ("2 Mar"), month starts
("Mar 2026") or year starts ("2026"), the finest whose labels fit; never a label computed for
another date. Every figure drawn is the progress report's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from backcare.domain.instruments import INSTRUMENTS
from backcare.domain.words import num
from backcare.exporters.pdf_layout import ACCENT, CARD, GRID, INK, MUTED, RULE, Colour, Writer

if TYPE_CHECKING:
    from fpdf import FPDF

RED_ZONE: Colour = (250, 219, 216)
DAILY: Colour = (116, 169, 207)
BASELINE: Colour = (192, 57, 43)
SERIES: tuple[Colour, ...] = (
    (31, 58, 95),
    (211, 84, 0),
    (39, 129, 77),
    (142, 68, 173),
    (127, 140, 141),
)
MAX_DOT_DAYS = 24 * 7  # past this many days of check-ins, the pain chart draws no dots
TICK_SIZE = 5.8  # pt
PAIN_TOP = 10.4  # a little room above 10
FUNCTION_TOP = 104.0


@dataclass
class Plot:
    """A chart's plot area, and its scales."""

    x: float
    y: float
    w: float
    h: float
    first: date
    last: date
    top: float  # the value at the top of the plot

    def px(self, d: date) -> float:
        span = max((self.last - self.first).days, 1)
        return self.x + self.w * (d - self.first).days / span

    def py(self, v: float) -> float:
        return self.y + self.h * (1 - v / self.top)


def date_ticks(
    first: date, last: date, fits: Callable[[list[str]], bool]
) -> tuple[list[date], list[str]]:
    """Tick dates inside [first, last] and their labels: the finest of days, Mondays, month
    starts or year starts whose labels ``fits`` the axis. Each label names its own date."""
    span = (last - first).days
    candidates: list[list[date]] = []
    for step in (1, 2, 7, 14, 28):
        if span // step > 400:  # far too many to be the answer: don't even list them
            continue
        start = first if step < 7 else first + timedelta(days=(7 - first.weekday()) % 7)
        candidates.append(
            [
                start + timedelta(days=n)
                for n in range(0, span + 1, step)
                if start + timedelta(days=n) <= last
            ]
        )
    months: list[date] = []
    d = date(first.year, first.month, 1)
    while d <= last and len(months) <= 12 * 1200:
        if d >= first:
            months.append(d)
        d = date(d.year + d.month // 12, d.month % 12 + 1, 1)
    for step in (1, 2, 3, 6):
        candidates.append([m for m in months if (m.month - 1) % step == 0])
    years = [
        date(y, 1, 1) for y in range(first.year, last.year + 1) if first <= date(y, 1, 1) <= last
    ]
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500):
        candidates.append([y for y in years if y.year % step == 0])
    single: tuple[list[date], list[str]] = ([], [])
    for ticks in candidates:
        if not ticks or len(ticks) > 60:
            continue
        labels = [tick_label(d, ticks) for d in ticks]
        if not fits(labels):
            continue
        if len(ticks) >= 2:
            return ticks, labels
        if not single[0]:
            single = (ticks, labels)
    return single


def tick_label(d: date, ticks: list[date]) -> str:
    """ "2 Mar" for ticks days or weeks apart, "Mar 2026" for months, "2026" for years."""
    apart = (ticks[1] - ticks[0]).days if len(ticks) > 1 else 1
    if apart < 28:
        return f"{d.day} {d:%b}"
    if apart < 365:
        return f"{d:%b} {d.year}"
    return str(d.year)


def _card(
    pdf: FPDF, w: Writer, x: float, y: float, width: float, height: float, title: str
) -> float:
    pdf.set_fill_color(*CARD)
    pdf.rect(x, y, width, height, style="F")
    w.cell(x + 2, y + 1.5, width - 4, 4, title, 7.6, bold=True, colour=ACCENT)
    return y + 6.0


def _legend(
    pdf: FPDF, w: Writer, x: float, y: float, width: float, entries: list[tuple[str, Colour, str]]
) -> float:
    """Legend entries in rows: (label, colour, mark: "line" | "dot" | "dash")."""
    cx, cy = x, y
    for label, colour, mark in entries:
        size = w.fit(label, width - 6, 6.2)
        lw = w.width(label) + 8
        if cx + lw > x + width and cx > x:
            cx, cy = x, cy + 3.4
        pdf.set_draw_color(*colour)
        pdf.set_fill_color(*colour)
        pdf.set_line_width(0.6 if mark == "line" else 0.35)
        if mark == "dot":
            pdf.ellipse(cx + 1.4, cy + 1.1, 1.0, 1.0, style="F")
        else:
            if mark == "dash":
                pdf.set_dash_pattern(dash=0.8, gap=0.6)
            pdf.line(cx, cy + 1.6, cx + 4, cy + 1.6)
            pdf.set_dash_pattern()
        w.cell(cx + 5, cy, lw - 6, 3.2, label, size, colour=INK)
        cx += lw
    return cy + 3.6


def _axes(pdf: FPDF, w: Writer, plot: Plot, yticks: list[float]) -> None:
    pdf.set_line_width(0.15)
    for v in yticks:
        yy = plot.py(v)
        pdf.set_draw_color(*GRID)
        pdf.line(plot.x, yy, plot.x + plot.w, yy)
        w.cell(plot.x - 7.5, yy - 1.4, 6.5, 2.8, f"{v:g}", TICK_SIZE, colour=MUTED, align="R")
    pdf.set_draw_color(*RULE)
    pdf.line(plot.x, plot.y + plot.h, plot.x + plot.w, plot.y + plot.h)
    w.font(TICK_SIZE)
    narrowest = w.width("2026")

    def fits(labels: list[str]) -> bool:
        if len(labels) * (narrowest + 2.5) > plot.w:
            return False
        return sum(w.width(label) + 2.5 for label in labels) <= plot.w

    ticks, labels = date_ticks(plot.first, plot.last, fits)
    for d, label in zip(ticks, labels, strict=True):
        xx = plot.px(d)
        pdf.set_draw_color(*RULE)
        pdf.line(xx, plot.y + plot.h, xx, plot.y + plot.h + 0.8)
        lw = w.width(label) + 0.6
        left = min(max(xx - lw / 2, plot.x - 6), plot.x + plot.w + 2 - lw)
        w.cell(left, plot.y + plot.h + 1.0, lw, 2.8, label, TICK_SIZE, colour=MUTED, align="C")


def _span(days: Sequence[date]) -> tuple[date, date]:
    first, last = min(days), max(days)
    if first == last:  # one day: three days either side, so the point is not on the edge
        return first - timedelta(days=3), last + timedelta(days=3)
    return first, last


def _segments(points: Sequence[tuple[date, float | None]]) -> Iterator[list[tuple[date, float]]]:
    """Runs of points without a gap (a day with no mean breaks the line)."""
    run: list[tuple[date, float]] = []
    for d, v in points:
        if v is None:
            if run:
                yield run
            run = []
        else:
            run.append((d, v))
    if run:
        yield run


def _empty(w: Writer, x: float, y: float, width: float, height: float, text: str) -> None:
    w.cell(x, y + height / 2 - 2, width, 4, text, 7, colour=MUTED, align="C")


def pain_chart(
    pdf: FPDF,
    w: Writer,
    days: Sequence[tuple[date, int]],
    means: Sequence[tuple[date, float | None]],
    baseline: float | None,
    red_above: int,
    x: float,
    y: float,
    width: float,
    height: float,
) -> None:
    top = _card(pdf, w, x, y, width, height, "Pain (0–10): daily check-ins and 7-day mean")
    if not days:
        _empty(w, x, top, width, height - 6, "No pain check-ins in this period")
        return
    first, last = _span([d for d, _ in days])
    dots = (last - first).days <= MAX_DOT_DAYS
    entries: list[tuple[str, Colour, str]] = []
    if dots:
        entries.append(("daily score", DAILY, "dot"))
    entries.append(("7-day mean", ACCENT, "line"))
    if baseline is not None:
        entries.append((f"baseline {num(baseline)}", BASELINE, "dash"))
    entries.append((f"red zone (above {red_above})", RED_ZONE, "line"))
    below = _legend(pdf, w, x + 9, top, width - 11, entries)
    plot = Plot(x + 9, below + 1.2, width - 12, y + height - below - 6.2, first, last, PAIN_TOP)
    pdf.set_fill_color(*RED_ZONE)
    pdf.rect(
        plot.x, plot.py(PAIN_TOP), plot.w, plot.py(red_above + 0.5) - plot.py(PAIN_TOP), style="F"
    )
    _axes(pdf, w, plot, [0, 2, 4, 6, 8, 10])
    if baseline is not None:
        pdf.set_draw_color(*BASELINE)
        pdf.set_line_width(0.3)
        pdf.set_dash_pattern(dash=1.2, gap=0.8)
        yy = plot.py(baseline)
        pdf.line(plot.x, yy, plot.x + plot.w, yy)
        pdf.set_dash_pattern()
    if dots:
        pdf.set_fill_color(*DAILY)
        for d, v in days:
            pdf.ellipse(plot.px(d) - 0.45, plot.py(v) - 0.45, 0.9, 0.9, style="F")
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.5)
    for run in _segments([(d, v) for d, v in means if first <= d <= last]):
        if len(run) == 1:
            pdf.ellipse(plot.px(run[0][0]) - 0.4, plot.py(run[0][1]) - 0.4, 0.8, 0.8, style="D")
        else:
            pdf.polyline([(plot.px(d), plot.py(v)) for d, v in run])


def function_chart(
    pdf: FPDF,
    w: Writer,
    measures: Mapping[str, Sequence[tuple[date, float]]],
    x: float,
    y: float,
    width: float,
    height: float,
) -> None:
    top = _card(pdf, w, x, y, width, height, "Function: questionnaires, % of scale")
    if not measures:
        _empty(w, x, top, width, height - 6, "No questionnaires in this period")
        return
    entries: list[tuple[str, Colour, str]] = []
    series = []
    for i, (inst, points) in enumerate(sorted(measures.items())):
        meta = INSTRUMENTS.get(inst)
        scale = meta.score_max if meta else max(p for _, p in points) or 1
        better = "" if meta is None else (" ↓ better" if meta.higher_is_worse else " ↑ better")
        colour = SERIES[i % len(SERIES)]
        entries.append(((meta.short_name if meta else inst) + better, colour, "line"))
        series.append((points, scale, colour))
    below = _legend(pdf, w, x + 9, top, width - 11, entries)
    first, last = _span([d for points, _, _ in series for d, _ in points])
    plot = Plot(x + 9, below + 1.2, width - 12, y + height - below - 6.2, first, last, FUNCTION_TOP)
    _axes(pdf, w, plot, [0, 25, 50, 75, 100])
    for points, scale, colour in series:
        xy = [(plot.px(d), plot.py(100 * v / scale)) for d, v in points]
        pdf.set_draw_color(*colour)
        pdf.set_fill_color(*colour)
        pdf.set_line_width(0.4)
        if len(xy) > 1:
            pdf.polyline(xy)
        if len(xy) <= 60:  # years of points: the line is enough
            for px, py in xy:
                pdf.ellipse(px - 0.5, py - 0.5, 1.0, 1.0, style="F")
