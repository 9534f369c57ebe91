"""`export --format pdf`: a report a physiotherapist can read in one minute (CONTRACT.md).

Page 1 answers, top to bottom: who and when; what the programme is; is the patient doing it
(adherence); is it working (pain and function, as figures and as charts); is anything wrong
(alerts, exercises that hurt, the latest notes). The session log follows on the next pages.
The disclaimer (CLINICAL.md §7) is in the footer of every page.

The renderer takes plain data only: the JSON export document and a ``progress --json``-shaped
summary (CONTRACT.md), so it never touches the store or the clock. :func:`report_data` does
all the choosing and counting, and is pure and cheap to test; :func:`render` only draws.

fpdf2 draws the pages and matplotlib (Agg, no display needed) the charts, embedded as PNG.
Both are imported here only, when a PDF is asked for. The text font is the DejaVu Sans that
matplotlib ships, so any note a patient typed (accents, arrows, non-Latin scripts) prints.
"""

from __future__ import annotations

import io
import logging
import os
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, cast

from fpdf import FPDF
from fpdf.fonts import FontFace

from backcare.domain.instruments import INSTRUMENTS
from backcare.domain.models import Dose
from backcare.domain.words import NONE, num, plural, short_date, signed
from backcare.exporters import Rendered
from backcare.messages import DISCLAIMER_SHORT

if TYPE_CHECKING:
    from fpdf import FPDF

    from backcare.exporters import ExportContext, Rendered

MAX_ALERTS = 5
MAX_RED = 5
MAX_NOTES = 3
MAX_PROGRAMME_LINES = 8
MAX_WEEKS = 8  # page 1 shows the last 8 weeks week by week
NOTE_LINES = 2  # each latest note is cut to this many lines on page 1
# A note in the session log is wrapped and cut to this many lines, so that every row fits on
# a page: a note of 80 short lines once made every report covering it fail (issue 17).
LOG_NOTE_LINES = 8
LEVEL_ORDER = {"critical": 0, "high": 1, "low": 2}

# Layout, in millimetres on A4 portrait.
MARGIN = 12.0
PAGE_W = 210.0
CONTENT_W = PAGE_W - 2 * MARGIN
FOOTER_H = 14.0
FONT = "DejaVu"

# Colours (RGB).
INK = (33, 37, 41)
MUTED = (108, 117, 125)
ACCENT = (31, 58, 95)
TILE = (241, 244, 248)
RULE = (206, 212, 218)
LEVEL_COLOURS = {"critical": (192, 57, 43), "high": (211, 84, 0), "low": (183, 149, 11)}
GOOD = (39, 129, 77)
BAD = (192, 57, 43)


# --- what the report says (pure) -------------------------------------------------------------

@dataclass
class ReportData:
    patient: str
    period: str
    programme_start: str | None
    exported: str
    programme_title: str
    programme_lines: list[str]
    adherence: str
    adherence_detail: str
    pain: str
    pain_detail: str
    pain_good: bool | None
    function: list[str]
    aerobic: str
    aerobic_detail: str
    pain_days: list[tuple[date, int]]
    pain_means: list[tuple[date, float]]
    pain_baseline: float | None
    measures: dict[str, list[tuple[date, float]]]
    weekly: list[tuple[str, str, str, str]]  # week start, adherence, mean pain, aerobic min
    alerts: list[tuple[str, str]]
    alerts_more: int
    red: list[tuple[str, int, int, str]]  # name, times red, highest pain, last date
    red_more: int
    notes: list[tuple[str, str, str]]  # date, where, text
    sessions: list[tuple[str, str, str, str]] = field(default_factory=list)
    assessments: list[tuple[str, str, str, str]] = field(default_factory=list)


def _dose_text(item: dict[str, Any]) -> str:
    return Dose.from_dict(item).describe()


def report_data(ctx: ExportContext) -> ReportData:
    """Everything page 1 and the tables show, as text and numbers. Every figure is the
    progress report's (``ctx.report``); only the records themselves come from the export
    document."""
    r = ctx.report
    if r is None:
        raise ValueError("the pdf report needs the period's progress report")
    doc = ctx.doc
    names = ctx.exercise_names
    profile = doc.get("profile") or {}
    programme = doc.get("programme")

    if programme:
        by = programme.get("prescribed_by")
        title = f"Prescribed by {by}" if by else "Prescribed programme"
        title += "; progression allowed" if programme.get("allow_progression") else \
            "; doses fixed (no automatic progression)"
        lines = []
        for item in programme.get("exercises", []):
            days = item.get("days") or []
            when = "every day" if len(days) in (0, 7) else ", ".join(days)
            dose = _dose_text(item)
            text = f"{names.get(item['id'], item['id'])}: {dose or 'library dose'} ({when})"
            if item.get("note"):
                text += f" – {item['note']}"
            lines.append(text)
    elif profile:
        title = "Self-guided programme planned by backcare"
        equipment = [e for e in profile.get("equipment", []) if e != "none"]
        per_day = f"{profile.get('minutes_per_day')} minutes a day"
        lines = [f"{per_day}, {profile.get('days_per_week')} days a week",
                 "Equipment: " + (", ".join(equipment) or "none")]
        if profile.get("avoid_positions"):
            lines.append("Avoids: " + ", ".join(profile["avoid_positions"]))
        if profile.get("conditions"):
            lines.append("Conditions reported: " + ", ".join(profile["conditions"]))
    else:
        title, lines = "No programme or profile recorded", []
    if len(lines) > MAX_PROGRAMME_LINES:
        extra = len(lines) - MAX_PROGRAMME_LINES + 1
        lines = lines[:MAX_PROGRAMME_LINES - 1] + [f"… and {extra} more exercises"]

    detail = f"{num(r.sessions_done)} of {num(r.sessions_planned)} planned sessions done"
    if r.streak_days:
        detail += f"; streak {plural(r.streak_days, 'day')}"

    pain = r.pain
    pain_text = f"{num(pain.baseline)} → {num(pain.current)}"
    pain_good: bool | None = None
    if pain.change is not None:
        pain_detail = f"{signed(pain.change)} points"
        if pain.percent_change is not None:
            pain_detail += f" ({signed(pain.percent_change, '%')})"
        pain_detail += "; clinically important" if pain.clinically_important \
            else "; not yet clinically important"
        pain_good = True if pain.clinically_important else None
        if pain.change > 0:
            pain_good = False
    else:
        pain_detail = "baseline → mean of the last 7 days"

    function = []
    for m in r.measures:
        label = INSTRUMENTS[m.instrument].short_name if m.instrument in INSTRUMENTS \
            else m.instrument
        text = f"{label} {num(m.baseline)} → {num(m.latest)}"
        if m.change is not None and m.instrument != "startback":
            text += f" ({signed(m.change)})"
        if m.clinically_important:
            text += " ✓"
        function.append(text)

    minutes = r.aerobic.latest_week_minutes if r.aerobic else 0
    guideline = r.aerobic.guideline_minutes_per_week if r.aerobic else 150
    pain_days = [(d.date, d.pain) for d in r.daily if d.pain is not None]
    pain_means = [(d.date, d.mean_7d) for d in r.daily if d.mean_7d is not None]
    measures = {m.instrument: [(d, float(s)) for d, s in m.scores] for m in r.measures
                if m.scores}
    weekly = [(w.week_start.isoformat(),
               f"{num(w.adherence_percent)}%" if w.adherence_percent is not None else NONE,
               num(w.mean_pain), num(w.aerobic_minutes))
              for w in r.weekly if w.days]
    alerts = sorted(r.alerts, key=lambda a: LEVEL_ORDER.get(a.level, 9))
    red_by: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
    for f in r.flagged:
        red_by[f.exercise_id].append((f.date.isoformat(), f.pain))
    red = sorted(((names.get(k, k), len(v), max((p for _, p in v if p is not None), default=0),
                   max(d for d, _ in v)) for k, v in red_by.items()),
                 key=lambda x: (x[3], x[2]), reverse=True)

    notes: list[tuple[str, str, str]] = []
    for s in doc.get("sessions", []):
        if s.get("note"):
            notes.append((s["date"], "session", s["note"]))
    for c in doc.get("pain_checkins", []):
        if c.get("note"):
            notes.append((c["date"], "check-in", c["note"]))
    notes.sort(key=lambda n: n[0], reverse=True)

    sessions = []
    for s in doc.get("sessions", []):
        parts = []
        for e in s.get("exercises", []):
            bits = [names.get(e["exercise_id"], e["exercise_id"])]
            if e.get("status") != "done":
                bits.append(f"[{e.get('status')}]")
            dose = _dose_text(e)
            if dose:
                bits.append(dose)
            text = " ".join(bits)
            if e.get("pain") is not None:
                marker = " (red)" if e["pain"] > ctx.red_above else ""
                text += f" · pain {e['pain']}{marker}"
            parts.append(text)
        before, after = s.get("pain_before"), s.get("pain_after")
        pain_cell = "" if before is None and after is None else f"{num(before)} → {num(after)}"
        sessions.append((s["date"], "\n".join(parts) or "(no exercises)", pain_cell,
                         s.get("note") or ""))
    assessments = [(a["date"], INSTRUMENTS[a["instrument"]].short_name
                    if a["instrument"] in INSTRUMENTS else a["instrument"],
                    num(a.get("score")), a.get("band") or "")
                   for a in doc.get("assessments", [])]

    return ReportData(
        patient=ctx.patient_name or "not named (anonymous export)",
        period=f"{r.start.isoformat()} to {r.end.isoformat()}",
        programme_start=r.programme_start.isoformat() if r.programme_start else None,
        exported=ctx.exported_at[:10],
        programme_title=title, programme_lines=lines,
        adherence=f"{num(r.adherence_percent)}%" if r.adherence_percent is not None else NONE,
        adherence_detail=detail,
        pain=pain_text, pain_detail=pain_detail, pain_good=pain_good,
        function=function,
        aerobic=f"{minutes} min",
        aerobic_detail=f"aerobic, this week (WHO: {guideline}–300 a week)",
        pain_days=pain_days, pain_means=pain_means,
        pain_baseline=float(pain.baseline) if pain.baseline is not None else None,
        measures=measures, weekly=weekly[-MAX_WEEKS:],
        alerts=[(a.level, a.message) for a in alerts[:MAX_ALERTS]],
        alerts_more=max(0, len(alerts) - MAX_ALERTS),
        red=red[:MAX_RED], red_more=max(0, len(red) - MAX_RED),
        notes=notes[:MAX_NOTES],
        sessions=sessions, assessments=assessments,
    )


# --- charts -----------------------------------------------------------------------------------

def _figure(width_mm: float, height_mm: float) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=220)
    fig.set_layout_engine("constrained")
    return fig


def _style(ax: Any, title: str) -> None:
    ax.set_title(title, fontsize=8, loc="left", color="#1F3A5F", fontweight="bold")
    ax.tick_params(labelsize=6.5, colors="#495057", length=2)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#ADB5BD")
    ax.grid(axis="y", color="#E9ECEF", linewidth=0.6)
    ax.set_axisbelow(True)


def _dates_axis(ax: Any) -> None:
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=3, maxticks=6)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.xaxis.get_offset_text().set_fontsize(6)


def _empty(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", fontsize=7, color="#868E96",
            transform=ax.transAxes)
    ax.set_xticks([])


def _png(fig: Any) -> io.BytesIO:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", facecolor="white")
    buf.seek(0)
    return buf


def pain_chart(data: ReportData, red_above: int, width: float, height: float) -> io.BytesIO:
    fig = _figure(width, height)
    ax = fig.add_subplot()
    _style(ax, "Pain (0–10): daily check-ins and 7-day mean")
    ax.set_ylim(0, 10.4)
    ax.set_yticks(range(0, 11, 2))
    ax.axhspan(red_above + 0.5, 10.4, color="#FADBD8", alpha=0.5, linewidth=0)
    if data.pain_days:
        xs, ys = zip(*data.pain_days, strict=True)
        ax.plot(xs, ys, "o", markersize=2.2, color="#74A9CF", label="daily score")
        mx, my = zip(*data.pain_means, strict=True)
        ax.plot(mx, my, "-", linewidth=1.6, color="#1F3A5F", label="7-day mean")
        if data.pain_baseline is not None:
            ax.axhline(data.pain_baseline, linestyle="--", linewidth=0.9, color="#C0392B",
                       label=f"baseline {num(data.pain_baseline)}")
        if len(set(xs)) == 1:
            ax.set_xlim(xs[0] - timedelta(days=3), xs[0] + timedelta(days=3))
        _dates_axis(ax)
        ax.legend(fontsize=6, frameon=False, loc="upper right", ncol=3)
    else:
        _empty(ax, "No pain check-ins in this period")
    return _png(fig)


def function_chart(data: ReportData, width: float, height: float) -> io.BytesIO:
    fig = _figure(width, height)
    ax = fig.add_subplot()
    _style(ax, "Function: questionnaires, % of scale")
    ax.set_ylim(0, 104)
    ax.set_yticks(range(0, 101, 25))
    if data.measures:
        all_days = []
        for inst, points in sorted(data.measures.items()):
            meta = INSTRUMENTS.get(inst)
            top = meta.score_max if meta else max(p for _, p in points) or 1
            xs = [d for d, _ in points]
            ys = [100 * v / top for _, v in points]
            better = "" if meta is None else (" ↓ better" if meta.higher_is_worse
                                              else " ↑ better")
            label = (meta.short_name if meta else inst) + better
            ax.plot(xs, ys, "o-", markersize=2.6, linewidth=1.2, label=label)
            ax.annotate(num(points[-1][1]), (xs[-1], ys[-1]), fontsize=6,
                        textcoords="offset points", xytext=(2, 3), color="#495057")
            all_days += xs
        if len(set(all_days)) == 1:
            ax.set_xlim(all_days[0] - timedelta(days=3), all_days[0] + timedelta(days=3))
        _dates_axis(ax)
        ax.legend(fontsize=6, frameon=False, loc="upper right")
    else:
        _empty(ax, "No questionnaires in this period")
    return _png(fig)


# --- drawing ----------------------------------------------------------------------------------

def _fonts() -> tuple[str, str]:
    import matplotlib

    folder = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
    return (os.path.join(folder, "DejaVuSans.ttf"), os.path.join(folder, "DejaVuSans-Bold.ttf"))


def _make_pdf(footer_text: str, title: str) -> FPDF:

    class Report(FPDF):
        def footer(self) -> None:
            self.set_y(-FOOTER_H + 2)
            self.set_draw_color(*RULE)
            self.line(MARGIN, self.get_y(), PAGE_W - MARGIN, self.get_y())
            self.set_y(self.get_y() + 1.2)
            self.set_font(FONT, "", 6.5)
            self.set_text_color(*MUTED)
            self.multi_cell(CONTENT_W - 22, 3, footer_text, align="L")
            self.set_xy(PAGE_W - MARGIN - 20, -FOOTER_H + 3.2)
            self.cell(20, 3, f"page {self.page_no()} of {{nb}}", align="R")

    pdf = Report(orientation="P", unit="mm", format="A4")
    regular, bold = _fonts()
    pdf.add_font(FONT, "", regular)
    pdf.add_font(FONT, "B", bold)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=FOOTER_H + 3)
    pdf.set_title(title)
    pdf.set_author("backcare")
    pdf.set_creator("backcare")
    pdf.alias_nb_pages()
    return pdf


def _heading(pdf: FPDF, text: str, gap: float = 3.0) -> None:
    pdf.set_y(pdf.get_y() + gap)
    pdf.set_font(FONT, "B", 9.5)
    pdf.set_text_color(*ACCENT)
    pdf.cell(CONTENT_W, 5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.3)
    pdf.line(MARGIN, pdf.get_y(), MARGIN + CONTENT_W, pdf.get_y())
    pdf.set_y(pdf.get_y() + 1.2)
    pdf.set_text_color(*INK)


def _text(pdf: FPDF, text: str, size: float = 8, bold: bool = False,
          colour: tuple[int, int, int] = INK, w: float = CONTENT_W, h: float = 3.8,
          max_lines: int | None = None, x: float | None = None) -> None:
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.set_text_color(*colour)
    if x is not None:
        pdf.set_x(x)
    if max_lines is not None:
        lines = cast(list[str], pdf.multi_cell(w, h, text, dry_run=True, output="LINES"))
        if len(lines) > max_lines:
            text = " ".join(lines[:max_lines]).rstrip()
            while text and pdf.get_string_width(text + " …") > w * max_lines - 4:
                text = text[:-1]
            text = text.rstrip() + " …"
    pdf.multi_cell(w, h, text, align="L", new_x="LMARGIN", new_y="NEXT")


def _tile(pdf: FPDF, x: float, y: float, w: float, h: float, label: str, value: str,
          detail: list[str], colour: tuple[int, int, int] = INK) -> None:
    pdf.set_fill_color(*TILE)
    pdf.rect(x, y, w, h, style="F")
    pdf.set_xy(x + 2.5, y + 1.8)
    pdf.set_font(FONT, "", 6.8)
    pdf.set_text_color(*MUTED)
    pdf.cell(w - 5, 3, label.upper())
    pdf.set_xy(x + 2.5, y + 5.2)
    pdf.set_font(FONT, "B", 15 if len(value) < 12 else 12)
    pdf.set_text_color(*colour)
    pdf.cell(w - 5, 7, value)
    pdf.set_font(FONT, "", 6.8)
    pdf.set_text_color(*INK)
    top = y + 13.2
    for line in detail[:3]:
        pdf.set_xy(x + 2.5, top)
        pdf.multi_cell(w - 5, 3, line, align="L")
        top = pdf.get_y()


def _page_one(pdf: FPDF, data: ReportData, red_above: int) -> None:
    pdf.add_page()
    # Title band.
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, PAGE_W, 19, style="F")
    pdf.set_xy(MARGIN, 4.5)
    pdf.set_font(FONT, "B", 14)
    pdf.set_text_color(255, 255, 255)
    pdf.cell(CONTENT_W, 6, "Home exercise programme for low back pain: progress report")
    pdf.set_xy(MARGIN, 11.5)
    pdf.set_font(FONT, "", 7.5)
    pdf.cell(CONTENT_W * 0.7, 4, "Patient-recorded data from backcare, a self-management app")
    pdf.cell(CONTENT_W * 0.3, 4, "backcare", align="R")

    # Who and when.
    pdf.set_y(22)
    half = CONTENT_W / 2
    facts = [("Patient", data.patient), ("Period", data.period),
             ("Programme start", data.programme_start or "not recorded"),
             ("Exported", data.exported)]
    for i, (label, value) in enumerate(facts):
        x = MARGIN + (i % 2) * half
        y = 22 + (i // 2) * 4.6
        pdf.set_xy(x, y)
        pdf.set_font(FONT, "B", 8)
        pdf.set_text_color(*MUTED)
        pdf.cell(29, 4.2, label)
        pdf.set_font(FONT, "", 8.5)
        pdf.set_text_color(*INK)
        pdf.cell(half - 30, 4.2, _fit(pdf, value, half - 31))

    # Figures.
    y = 33.5
    gap = 3.0
    w = (CONTENT_W - 3 * gap) / 4
    h = 24.0
    pain_colour = GOOD if data.pain_good else BAD if data.pain_good is False else INK
    _tile(pdf, MARGIN, y, w, h, "Adherence", data.adherence, [data.adherence_detail])
    _tile(pdf, MARGIN + (w + gap), y, w, h, "Pain: baseline → now", data.pain,
          [data.pain_detail], pain_colour)
    fn_value = data.function[0].split(" ", 1)[1] if data.function else "–"
    fn_label = "Function: " + (data.function[0].split(" ", 1)[0] if data.function else "none")
    _tile(pdf, MARGIN + 2 * (w + gap), y, w, h, fn_label, fn_value,
          data.function[1:] or ["no questionnaire yet" if not data.function else
                                "baseline → latest"])
    _tile(pdf, MARGIN + 3 * (w + gap), y, w, h, "Aerobic activity", data.aerobic,
          [data.aerobic_detail])

    # Programme.
    pdf.set_y(y + h)
    _heading(pdf, "Programme")
    _text(pdf, data.programme_title, 8, bold=True)
    if data.programme_lines:
        col = CONTENT_W / 2
        top = pdf.get_y() + 0.5
        rows = (len(data.programme_lines) + 1) // 2
        bottom = top
        for i, line in enumerate(data.programme_lines):
            pdf.set_xy(MARGIN + (i // rows) * col, top + (i % rows) * 3.8)
            pdf.set_font(FONT, "", 7.5)
            pdf.set_text_color(*INK)
            pdf.cell(col - 2, 3.8, "• " + _fit(pdf, line, col - 5))
            bottom = max(bottom, pdf.get_y() + 3.8)
        pdf.set_y(bottom)

    # Charts.
    _heading(pdf, "Trends")
    top = pdf.get_y()
    chart_h = 56.0
    left_w = CONTENT_W * 0.57
    right_w = CONTENT_W - left_w - 3
    pdf.image(pain_chart(data, red_above, left_w, chart_h), x=MARGIN, y=top, w=left_w,
              h=chart_h)
    pdf.image(function_chart(data, right_w, chart_h), x=MARGIN + left_w + 3, y=top,
              w=right_w, h=chart_h)
    pdf.set_y(top + chart_h)
    if data.weekly:
        _weekly(pdf, data.weekly)

    # Alerts.
    _heading(pdf, "Alerts")
    if not data.alerts:
        _text(pdf, "No alerts in this period.", 8, colour=MUTED)
    for level, message in data.alerts:
        colour = LEVEL_COLOURS.get(level, MUTED)
        yy = pdf.get_y()
        pdf.set_fill_color(*colour)
        pdf.set_text_color(255, 255, 255)
        pdf.set_font(FONT, "B", 6.5)
        pdf.set_xy(MARGIN, yy + 0.3)
        pdf.cell(16, 3.6, level.upper(), align="C", fill=True)
        _text(pdf, message, 7.8, w=CONTENT_W - 19, x=MARGIN + 19, max_lines=2)
        pdf.set_y(max(pdf.get_y(), yy + 4.2) + 0.6)
    if data.alerts_more:
        _text(pdf, f"… and {data.alerts_more} more", 7.5, colour=MUTED)

    # Exercises flagged red.
    _heading(pdf, f"Exercises flagged red (pain above {red_above} during or after)")
    if not data.red:
        _text(pdf, "None: no exercise was logged with pain in the red zone.", 8, colour=MUTED)
    for name, times, worst, last in data.red:
        _text(pdf, f"• {name}: pain up to {worst}/10, {times} time{'s' if times != 1 else ''}"
                   f", last on {last}", 8, colour=BAD)
    if data.red_more:
        _text(pdf, f"… and {data.red_more} more", 7.5, colour=MUTED)

    # Latest notes.
    _heading(pdf, "Latest notes from the patient")
    if not data.notes:
        _text(pdf, "No notes.", 8, colour=MUTED)
    for day, where, note in data.notes:
        yy = pdf.get_y()
        pdf.set_xy(MARGIN, yy)
        pdf.set_font(FONT, "B", 7.5)
        pdf.set_text_color(*MUTED)
        pdf.cell(34, 3.8, f"{day} {where}")
        _text(pdf, note, 7.8, w=CONTENT_W - 35, x=MARGIN + 35, max_lines=NOTE_LINES)
        pdf.set_y(pdf.get_y() + 0.6)


def _weekly(pdf: FPDF, weeks: list[tuple[str, str, str, str]]) -> None:
    _heading(pdf, "Week by week")
    label_w = 34.0
    col = (CONTENT_W - label_w) / MAX_WEEKS
    rows = (("Week starting", 0), ("Adherence", 1), ("Mean pain (0–10)", 2),
            ("Aerobic minutes", 3))
    for r, (label, i) in enumerate(rows):
        y = pdf.get_y()
        if r % 2 == 1:
            pdf.set_fill_color(*TILE)
            pdf.rect(MARGIN, y, label_w + col * len(weeks), 3.9, style="F")
        pdf.set_xy(MARGIN + 1, y)
        pdf.set_font(FONT, "B", 7.2)
        pdf.set_text_color(*MUTED)
        pdf.cell(label_w - 1, 3.9, label)
        pdf.set_font(FONT, "B" if r == 0 else "", 7.2)
        pdf.set_text_color(*(ACCENT if r == 0 else INK))
        for w in weeks:
            pdf.cell(col, 3.9, short_date(date.fromisoformat(w[i])) if r == 0 else w[i], align="C")
        pdf.set_xy(MARGIN, y + 3.9)


def _fit(pdf: FPDF, text: str, width: float) -> str:
    text = " ".join(text.split())
    if pdf.get_string_width(text) <= width:
        return text
    while text and pdf.get_string_width(text + "…") > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _clip(pdf: FPDF, text: str, width: float, height: float, max_lines: int) -> str:
    """``text`` as it wraps in ``width`` in the current font, cut to ``max_lines`` lines
    with an ellipsis."""
    if not text:
        return text
    lines = cast(list[str], pdf.multi_cell(width, height, text, dry_run=True, output="LINES"))
    if len(lines) <= max_lines:
        return text
    kept = lines[:max_lines]
    last = kept[-1].rstrip()
    while last and pdf.get_string_width(last + " …") > width:
        last = last[:-1]
    kept[-1] = last.rstrip() + " …"
    return "\n".join(kept)


def _tables(pdf: FPDF, data: ReportData) -> None:

    pdf.add_page()
    head = FontFace(emphasis="BOLD", color=(255, 255, 255), fill_color=ACCENT)
    _heading(pdf, f"Session log ({len(data.sessions)} sessions)", gap=0)
    if data.sessions:
        pdf.set_font(FONT, "", 7.2)
        pdf.set_text_color(*INK)
        widths = (20, 92, 22, 52)
        with pdf.table(col_widths=widths, headings_style=head, line_height=3.5,
                       text_align=("LEFT", "LEFT", "CENTER", "LEFT"), padding=1,
                       borders_layout="HORIZONTAL_LINES", first_row_as_headings=True,
                       cell_fill_color=(248, 249, 250), cell_fill_mode="ROWS") as table:
            row = table.row()
            for h in ("Date", "Exercises (dose, pain 0–10)", "Pain before → after", "Note"):
                row.cell(h)
            for day, exercises, pain, note in data.sessions:
                row = table.row()
                for value in (day, exercises, pain,
                              _clip(pdf, note, widths[3] - 2.5, 3.5, LOG_NOTE_LINES)):
                    row.cell(value)
    else:
        _text(pdf, "No sessions in this period.", 8, colour=MUTED)
    if data.assessments:
        _heading(pdf, "Questionnaires", gap=5)
        pdf.set_font(FONT, "", 7.2)
        with pdf.table(col_widths=(25, 40, 25, 40), headings_style=head, line_height=3.5,
                       padding=1, borders_layout="HORIZONTAL_LINES", width=130,
                       align="LEFT") as table:
            row = table.row()
            for h in ("Date", "Questionnaire", "Score", "Band / risk group"):
                row.cell(h)
            for values in data.assessments:
                row = table.row()
                for value in values:
                    row.cell(value)


def _prepare_chart_cache(cache_dir: Any) -> None:
    """matplotlib keeps a font cache in the user's home; backcare writes nothing outside its
    data folder (CONTRACT.md), so its cache goes into the data folder, unless the user chose
    a place (MPLCONFIGDIR) or matplotlib has already been set up in this process. The
    variable is set only while matplotlib reads it (once, when its font manager loads)."""
    if cache_dir is None or "MPLCONFIGDIR" in os.environ \
            or "matplotlib.font_manager" in sys.modules:
        return
    folder = os.path.join(str(cache_dir), "matplotlib")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError:
        return
    os.environ["MPLCONFIGDIR"] = folder
    try:
        import matplotlib.font_manager  # noqa: F401
    finally:
        del os.environ["MPLCONFIGDIR"]


def render(ctx: ExportContext) -> Rendered:

    _prepare_chart_cache(ctx.cache_dir)
    data = report_data(ctx)
    # fpdf2 and fontTools log about missing glyphs and font subsetting; the patient's
    # terminal is not the place for that.
    for noisy in ("fpdf", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    pdf = _make_pdf(DISCLAIMER_SHORT, f"backcare report {data.period}")
    _page_one(pdf, data, ctx.red_above)
    _tables(pdf, data)
    return Rendered(bytes(pdf.output()), pdf.pages_count)
