"""`export --format pdf`: the report for the physiotherapist.

Page 1 is the summary, top to bottom: who and when (the export's own date); the patient's
conditions, red flags and clearances (issue 22: a clinician reads those first); the figures
(adherence, pain, function, aerobic activity); every alert of the period with its level and
the days it fired; what happened (flare-ups, symptoms reported at check-ins, clinic visits,
goals); the 8 exercises most recently flagged red under any rule; the programme; the trends
as charts; the last weeks week by week; the latest notes. The pages after it are the log:
each session, or for a period longer than 12 weeks one row a week, then the questionnaires,
then every check-in note beside its day. When a list is too long for page 1 (years of
flare-ups, dozens of red exercises), page 1 gives the latest and the whole list follows the
log, so that the charts stay on page 1. The disclaimer (CLINICAL.md §7) is in every page's
footer. It speaks about the patient, never to them.

Every figure is the progress report's (``ctx.report``, the one computation `progress` shows
too); only the records themselves (sessions, check-ins, notes, the programme) come from the
export document. :func:`report_data` does all the choosing and wording, and is pure;
:func:`render` draws, with fpdf2 (:mod:`.pdf_layout` for text that fits, :mod:`.pdf_charts`
for the charts as vector drawing).
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from backcare.domain.analytics import IMPROVING, NO_CLEAR_CHANGE, WORSENING
from backcare.domain.document import edited_on
from backcare.domain.instruments import INSTRUMENTS
from backcare.domain.models import Dose
from backcare.domain.poses import Poses
from backcare.domain.words import (
    NONE,
    num,
    plural,
    say_date,
    short_date,
    signed,
    signed_points,
)
from backcare.exporters import Rendered
from backcare.exporters.pdf_charts import function_chart, pain_chart
from backcare.exporters.pdf_layout import (
    ACCENT,
    BAD,
    CONTENT_W,
    GOOD,
    INK,
    LEVEL_COLOURS,
    MARGIN,
    MIN_SIZE,
    MUTED,
    PAGE_W,
    TILE,
    WHITE,
    Cell,
    Colour,
    Glyphs,
    Writer,
    flow,
    heading,
    labelled,
    make_pdf,
    need,
    table,
)

if TYPE_CHECKING:
    from fpdf import FPDF

    from backcare.domain.analytics import Flare, ProgressReport, WeekSummary
    from backcare.exporters import ExportContext, Rendered, Sink

MAX_WEEKS = 8  # page 1 shows the last 8 weeks week by week
MAX_NOTES = 3  # and the latest 3 notes
NOTE_LINES = 3  # each at most this many lines on page 1 (the log has them whole)
PAGE_ONE_ITEMS = 10  # page 1 lists the latest 10 of anything; the rest follow the log
PAGE_ONE_RED = 8  # and the 8 exercises most recently red (issue 22: 35 pushed the charts off)
LONG_PERIOD_DAYS = 12 * 7  # past 12 weeks, the log summarises by week (issue 13)
LEVEL_ORDER = {"critical": 0, "high": 1, "low": 2}
EVERYTHING = "Every event of the period"
REST = f"the rest are listed under “{EVERYTHING}”, after the log"


# --- what the report says (pure) -------------------------------------------------------------


@dataclass
class Tile:
    label: str
    value: str
    detail: list[str]
    colour: Colour = INK


@dataclass
class AlertGroup:
    level: str
    rule: str
    message: str  # the latest one
    dates: list[date]  # every day it fired in the period, latest first


@dataclass
class Listing:
    """One kind of event of the period, as dated items in words, oldest first."""

    label: str
    items: list[str]
    none: str  # what to say when there are none


@dataclass
class RedExercise:
    name: str
    pain: int | None  # the highest pain it gave, when it was asked
    next_morning: int  # how many times the next-morning rule made it red
    dates: list[date]  # latest first
    poses: Poses | None = None  # its picture, small, beside it (issue 26)


@dataclass
class ReportData:
    patient: str
    period: str
    programme_start: str | None
    exported: str
    start: date
    end: date
    tiles: list[Tile]
    function: list[str]  # each questionnaire, baseline → latest
    alerts: list[AlertGroup]
    happened: list[Listing]
    red: list[RedExercise]
    programme_title: str
    programme_lines: list[str]
    pain_days: list[tuple[date, int]]
    pain_means: list[tuple[date, float | None]]
    pain_baseline: float | None
    measures: dict[str, list[tuple[date, float]]]
    weekly: list[tuple[str, str, str, str]]  # week start, adherence, mean pain, aerobic min
    notes: list[tuple[str, str, str]]  # date, where, text
    by_week: bool  # the log summarises by week
    sessions: list[tuple[str, str, str, str]] = field(default_factory=list)
    weeks: list[tuple[str, str, str, str, str, str]] = field(default_factory=list)
    assessments: list[tuple[str, str, str, str]] = field(default_factory=list)
    clinical: list[tuple[str, str]] = field(default_factory=list)  # conditions, red flags
    checkin_notes: list[tuple[str, str, str]] = field(default_factory=list)  # day, pain, note

    @property
    def adherence(self) -> str:
        return self.tiles[0].value

    @property
    def pain(self) -> str:
        return self.tiles[1].value


def runs_of(days: Sequence[date]) -> list[list[date]]:
    """Days, in the order given, in runs of consecutive days."""
    runs: list[list[date]] = []
    for d in days:
        if runs and abs((d - runs[-1][-1]).days) == 1 and d not in runs[-1]:
            runs[-1].append(d)
        elif not runs or d not in runs[-1]:
            runs.append([d])
    return runs


def dates_in_words(days: Sequence[date], ref: date, limit: int | None = None) -> str:
    """Days in words, in the order given, runs of consecutive days as one range:
    "2–16 Mar, 20 Mar". With ``limit``, the first ``limit`` runs and how many days more."""
    runs = runs_of(days)
    shown = runs if limit is None else runs[:limit]
    text = ", ".join(_run(run, ref) for run in shown)
    hidden = sum(len(run) for run in runs[len(shown) :])
    return text + (f" and {plural(hidden, 'day')} before" if hidden else "")


def _run(run: list[date], ref: date) -> str:
    first, last = min(run), max(run)
    if first == last:
        return short_date(first, ref)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{short_date(last, ref)}"
    return f"{short_date(first, ref)} – {short_date(last, ref)}"


def alert_text(g: AlertGroup, ref: date, limit: int | None = PAGE_ONE_ITEMS) -> str:
    text = f"{short_date(g.dates[0], ref)}: {g.message}"
    if len(g.dates) > 1:
        text += f" Fired {plural(len(g.dates), 'time')}: {dates_in_words(g.dates, ref, limit)}."
    return text


def red_text(r: RedExercise, ref: date, limit: int | None = PAGE_ONE_ITEMS) -> str:
    parts = [f"{r.name}: red {plural(len(r.dates), 'time')}"]
    if r.pain is not None:
        parts.append(f"pain up to {r.pain}/10")
    if r.next_morning:
        parts.append(f"{r.next_morning} by the next-morning rule")
    parts.append(f"on {dates_in_words(r.dates, ref, limit)}")
    return ", ".join(parts)


def listing_text(listing: Listing, limit: int | None = PAGE_ONE_ITEMS) -> str:
    items = listing.items
    if not items:
        return listing.none
    if limit is None or len(items) <= limit:
        return "; ".join(items)
    return f"the latest {limit} of {len(items)}: " + "; ".join(items[-limit:]) + f"; {REST}"


def is_long(data: ReportData) -> bool:
    """Whether page 1 leaves anything out, to be listed whole after the log."""
    dated = [g.dates for g in data.alerts] + [r.dates for r in data.red]
    return (
        any(len(x.items) > PAGE_ONE_ITEMS for x in data.happened)
        or any(len(runs_of(days)) > PAGE_ONE_ITEMS for days in dated)
        or len(data.red) > PAGE_ONE_RED
    )


def _dose(item: dict[str, Any], ident: str, per_side: frozenset[str]) -> str:
    """The dose in words, as prescribed: "each side" stays in."""
    return Dose.from_dict(item).describe(ident in per_side)


def week_adherence(w: WeekSummary, as_of: date) -> str:
    """A week's adherence; a week not wholly in the report says how far it has got, never
    0% for days that have not come yet."""
    if not w.sessions_planned:
        return NONE
    if not w.partial:
        return f"{num(w.adherence_percent)}%"
    going_on = w.week_start + timedelta(days=6) > as_of
    return f"{w.sessions_done} of {plural(w.sessions_planned, 'day')} " + (
        "so far" if going_on else "(part week)"
    )


def _programme(ctx: ExportContext) -> tuple[str, list[str]]:
    doc, names = ctx.doc, ctx.exercise_names
    profile = doc.get("profile") or {}
    programme = doc.get("programme")
    if programme:
        by = programme.get("prescribed_by")
        title = f"Prescribed by {by}" if by else "Prescribed programme"
        title += (
            "; progression allowed"
            if programme.get("allow_progression")
            else "; doses fixed (no automatic progression)"
        )
        lines = []
        for item in programme.get("exercises", []):
            days = item.get("days") or []
            when = "every day" if len(days) in (0, 7) else ", ".join(days)
            dose = _dose(item, item["id"], ctx.per_side)
            text = f"{names.get(item['id'], item['id'])}: {dose or 'library dose'} ({when})"
            if item.get("note"):
                text += f" – {item['note']}"
            lines.append(text)
        return title, lines
    if profile:
        equipment = [e for e in profile.get("equipment", []) if e != "none"]
        lines = [
            f"{profile.get('minutes_per_day')} minutes a day, "
            f"{profile.get('days_per_week')} days a week",
            "Equipment: " + (", ".join(equipment) or "none"),
        ]
        if profile.get("avoid_positions"):
            lines.append("Avoids: " + ", ".join(profile["avoid_positions"]))
        if profile.get("conditions"):
            lines.append("Conditions reported: " + ", ".join(profile["conditions"]))
        return "Self-guided programme planned by backcare", lines
    return "No programme or profile recorded", []


def _tiles(r: ProgressReport, function: list[str]) -> list[Tile]:
    detail = f"{num(r.sessions_done)} of {num(r.sessions_planned)} planned days done"
    if r.sessions_extra:  # apart: never in adherence (issue 20)
        detail += f"; {plural(r.sessions_extra, 'extra day')}"
    if r.streak_days:
        detail += f"; streak {plural(r.streak_days, 'day')}"
    pain = r.pain
    colour = INK
    if pain.change is not None:
        pain_detail = signed_points(pain.change)
        if pain.percent_change is not None:
            pain_detail += f" ({signed(pain.percent_change, '%')})"
        # The verdict of `progress` and `clinic list` (issue 21): one for all three.
        pain_detail += "; " + PAIN_VERDICT_WORDS.get(r.verdict or "", "no clear change")
        colour = BAD if pain.important_worsening else GOOD if pain.clinically_important else INK
    else:
        pain_detail = "baseline → mean of the last 7 days"
    if function:
        name, _, first = function[0].partition(" ")
        fn = Tile(f"Function: {name}", first, function[1:] or ["baseline → latest"])
    else:
        fn = Tile("Function", NONE, ["no questionnaire in this period"])
    minutes = r.aerobic.latest_week_minutes if r.aerobic else 0
    guideline = r.aerobic.guideline_minutes_per_week if r.aerobic else 150
    return [
        Tile(
            "Adherence",
            f"{num(r.adherence_percent)}%" if r.adherence_percent is not None else NONE,
            [detail],
        ),
        Tile(
            "Pain: baseline → now",
            f"{num(pain.baseline)} → {num(pain.current)}",
            [pain_detail],
            colour,
        ),
        fn,
        Tile(
            "Aerobic activity",
            f"{minutes} min",
            [f"aerobic, this week (WHO: {guideline}–300 a week)"],
        ),
    ]


# The pain verdict of the progress report, in the report's words.
PAIN_VERDICT_WORDS = {
    IMPROVING: "a clinically important improvement",
    WORSENING: "a clinically important worsening",
    NO_CLEAR_CHANGE: "no clear change",
}


# An alert's message without its numbers and dates: what makes two alerts the same one.
_ALERT_SHAPE = re.compile(
    r"\d+(\.\d+)?|\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r"[a-z]*\b"
)


def _alerts(r: ProgressReport) -> list[AlertGroup]:
    """Every alert of the period, one group per rule with each day it fired."""
    groups: dict[tuple[str, str, str], AlertGroup] = {}
    for a in sorted(r.alerts, key=lambda a: a.date or r.as_of, reverse=True):
        # The same alert on other days joins its group; two different alerts of one rule
        # (a red flag of other symptoms, a single day against a run) never do (issue 21).
        key = (a.level, a.rule, _ALERT_SHAPE.sub("#", a.message))
        when = a.date or r.as_of
        if key not in groups:
            groups[key] = AlertGroup(a.level, a.rule, a.message, [when])
        elif when not in groups[key].dates:
            groups[key].dates.append(when)
    return sorted(
        groups.values(), key=lambda g: (LEVEL_ORDER.get(g.level, 9), -g.dates[0].toordinal())
    )


def _flare_runs(flares: Sequence[Flare]) -> list[list[Flare]]:
    """Flare-ups in runs of consecutive days."""
    runs: list[list[Flare]] = []
    for f in sorted(flares, key=lambda f: f.date):
        if runs and (f.date - runs[-1][-1].date).days == 1:
            runs[-1].append(f)
        else:
            runs.append([f])
    return runs


def _happened(ctx: ExportContext, r: ProgressReport) -> list[Listing]:
    """Flare-ups, symptoms, clinic visits and goals of the period."""
    end = r.end
    flares = []
    for run in _flare_runs(r.flares):
        scores = sorted({f.score for f in run})
        said = [f"pain {scores[0]}" if len(scores) == 1 else f"pain {scores[0]}–{scores[-1]}"]
        declared = sum(1 for f in run if f.declared)
        if declared:
            said.append("declared" if len(run) == 1 else f"{declared} declared")
        flares.append(f"{_run([f.date for f in run], end)} ({', '.join(said)})")
    by_symptom: dict[str, list[date]] = defaultdict(list)
    for c in ctx.doc.get("pain_checkins", []):
        for s in c.get("symptoms") or []:
            by_symptom[s].append(date.fromisoformat(c["date"]))
    symptoms = [
        f"{s.replace('-', ' ')} on {dates_in_words(sorted(days), end)}"
        for s, days in by_symptom.items()
    ]
    visits = [
        f"{short_date(v.date, end)} {v.kind.replace('-', ' ')}" + (f" ({v.note})" if v.note else "")
        for v in r.visits
    ]
    goals = []
    for g in r.goals:
        state = {
            "done": f"done {short_date(g.goal.done_on, end)}" if g.goal.done_on else "done",
            "overdue": "overdue",
        }.get(g.status, "open")
        if g.goal.by is not None and g.status != "done":
            state += f", due {short_date(g.goal.by, end)}"
        if g.psfs_latest is not None:
            state += f"; PSFS {g.goal.psfs_activity} {g.psfs_baseline} → {g.psfs_latest}"
        goals.append(f"{g.goal.text} ({state})")
    return [
        Listing("Flare-ups", flares, "none in this period"),
        Listing("Symptoms", symptoms, "none reported at check-ins"),
        Listing("Clinic visits", visits, "none in this period"),
        Listing("Goals", goals, "none set"),
    ]


def _red(ctx: ExportContext, r: ProgressReport) -> list[RedExercise]:
    """Exercises flagged red by any rule: pain above amber during or after, or the next
    morning's pain up after the session (CLINICAL.md §4). Most recently red first."""
    by: dict[str, list[Any]] = defaultdict(list)
    for f in r.flagged:
        by[f.exercise_id].append(f)
    found = []
    for ident, flags in by.items():
        found.append(
            RedExercise(
                ctx.exercise_names.get(ident, ident),
                max((f.pain for f in flags if f.pain is not None), default=None),
                sum(1 for f in flags if f.next_morning),
                sorted({f.date for f in flags}, reverse=True),
                ctx.poses.get(ident),
            )
        )
    return sorted(found, key=lambda x: x.dates[0], reverse=True)


def _log(ctx: ExportContext) -> list[tuple[str, str, str, str]]:
    names = ctx.exercise_names
    edited = edited_on(ctx.doc)  # a clinician must know a record was changed (issue 14)
    sessions = []
    for s in ctx.doc.get("sessions", []):
        parts = []
        for e in s.get("exercises", []):
            bits = [names.get(e["exercise_id"], e["exercise_id"])]
            if e.get("status") != "done":
                bits.append(f"[{e.get('status')}]")
            dose = _dose(e, e["exercise_id"], ctx.per_side) if e.get("status") != "skipped" else ""
            if dose:
                bits.append(dose)
            text = " ".join(bits)
            if e.get("pain") is not None:
                marker = " (red)" if e["pain"] > ctx.red_above else ""
                text += f" · pain {e['pain']}{marker}"
            parts.append(text)
        before, after = s.get("pain_before"), s.get("pain_after")
        pain = "" if before is None and after is None else f"{num(before)} → {num(after)}"
        note = " / ".join(
            line.strip() for line in (s.get("note") or "").splitlines() if line.strip()
        )
        when = s["date"] + (
            f"\nedited on {say_date(date.fromisoformat(edited[s['id']]))}"
            if s.get("id") in edited
            else ""
        )
        sessions.append((when, "\n".join(parts) or "(no exercises)", pain, note))
    return sessions


def _clinical(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """The patient's conditions, red flags (at the screen and at check-ins) and clearances,
    in words (domain.caseload.clinical, as `clinic show` gives them)."""
    from backcare.domain.caseload import clinical
    from backcare.domain.models import History, PainCheckin, Profile

    profile = Profile.from_dict(doc["profile"]) if doc.get("profile") else None
    checkins = tuple(
        PainCheckin.from_dict(c) for c in doc.get("pain_checkins", []) if c.get("symptoms")
    )
    about = clinical(profile, History((), checkins, (), ()))
    quiet = not (
        about.conditions
        or about.screen_red_flags
        or about.reported
        or about.cleared
        or about.cleared_on
    )
    return [] if quiet else about.lines()  # page 1 has no room for "nothing to report"


def _checkin_notes(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Every check-in note of the period beside its day and pain score, oldest first.
    Only the check-ins with a note are sorted: the records are made one by one as they are
    read, and a century holds 36,500 (issue 25: sorting them all was 16 MiB at once)."""
    noted = sorted(
        (c for c in doc.get("pain_checkins", []) if c.get("note")), key=lambda c: c["date"]
    )
    return [
        (
            c["date"],
            f"{c['score']}/10",
            " / ".join(line.strip() for line in c["note"].splitlines() if line.strip()),
        )
        for c in noted
    ]


def report_data(ctx: ExportContext) -> ReportData:
    """Everything the report shows, as words and numbers. Every figure is the progress
    report's (``ctx.report``); only the records come from the export document."""
    r = ctx.report
    if r is None:
        raise ValueError("the pdf report needs the period's progress report")
    doc = ctx.doc

    function = []
    for m in r.measures:
        label = (
            INSTRUMENTS[m.instrument].short_name if m.instrument in INSTRUMENTS else m.instrument
        )
        if m.count < 2:  # answered once: not a follow-up (issue 21)
            function.append(f"{label} {num(m.latest)} (first result)")
            continue
        text = f"{label} {num(m.baseline)} → {num(m.latest)}"
        if m.note is not None:  # PSFS activities that differ: no verdict (CLINICAL.md §9)
            function.append(f"{text} ({m.note})")
            continue
        if m.change is not None and m.instrument != "startback":
            text += f" ({signed(m.change)})"
        if m.clinically_important:
            text += " ✓"
        elif m.important_worsening:
            text += " clearly worse"
        function.append(text)

    title, lines = _programme(ctx)
    notes: list[tuple[str, str, str]] = []
    for kind, where in (
        ("sessions", "session"),
        ("pain_checkins", "check-in"),
        ("visits", "visit"),
    ):
        notes += [(x["date"], where, x["note"]) for x in doc.get(kind, []) if x.get("note")]
    notes.sort(key=lambda n: n[0], reverse=True)

    by_week = (r.end - r.start).days + 1 > LONG_PERIOD_DAYS
    weeks = [
        (
            w.week_start.isoformat(),
            str(w.days),
            f"{w.sessions_done} of {w.sessions_planned}" if w.sessions_planned else NONE,
            week_adherence(w, r.as_of),
            num(w.mean_pain),
            num(w.aerobic_minutes),
        )
        for w in r.weekly
        if w.days
    ]
    assessments = [
        (
            a["date"],
            INSTRUMENTS[a["instrument"]].short_name
            if a["instrument"] in INSTRUMENTS
            else a["instrument"],
            num(a.get("score")),
            a.get("band") or "",
        )
        for a in doc.get("assessments", [])
    ]
    return ReportData(
        patient=ctx.patient_name or "not named (anonymous export)",
        period=f"{r.start.isoformat()} to {r.end.isoformat()}",
        programme_start=r.programme_start.isoformat() if r.programme_start else None,
        exported=ctx.exported_at[:10],
        start=r.start,
        end=r.end,
        tiles=_tiles(r, function),
        function=function,
        alerts=_alerts(r),
        happened=_happened(ctx, r),
        red=_red(ctx, r),
        programme_title=title,
        programme_lines=lines,
        pain_days=[(d.date, d.pain) for d in r.daily if d.pain is not None],
        pain_means=[(d.date, d.mean_7d) for d in r.daily],
        pain_baseline=float(r.pain.baseline) if r.pain.baseline is not None else None,
        measures={
            m.instrument: [(d, float(s)) for d, s in m.scores] for m in r.measures if m.scores
        },
        weekly=[(w[0], w[3], w[4], w[5]) for w in weeks[-MAX_WEEKS:]],
        notes=notes[:MAX_NOTES],
        by_week=by_week,
        sessions=[] if by_week else _log(ctx),
        weeks=weeks if by_week else [],
        assessments=assessments,
        clinical=_clinical(doc),
        checkin_notes=_checkin_notes(doc),
    )


def strings(data: ReportData) -> Iterator[str]:
    """Every piece of text the report may print (to choose its fonts)."""

    def walk(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, (list, tuple)):
            for v in value:
                yield from walk(v)
        elif isinstance(value, dict):
            for k, v in value.items():
                yield from walk(k)
                yield from walk(v)
        elif isinstance(value, (Tile, AlertGroup, Listing, RedExercise)):
            for f in fields(value):
                if f.name == "poses":
                    continue
                yield from walk(getattr(value, f.name))

    for f in fields(data):
        yield from walk(getattr(data, f.name))


# --- page 1 -----------------------------------------------------------------------------------


def _title(pdf: FPDF, w: Writer, data: ReportData) -> None:
    pdf.set_fill_color(*ACCENT)
    pdf.rect(0, 0, PAGE_W, 19, style="F")
    w.cell(
        MARGIN,
        4.5,
        CONTENT_W,
        6,
        "Home exercise programme for low back pain: progress report",
        14,
        bold=True,
        colour=WHITE,
    )
    w.cell(
        MARGIN,
        11.5,
        CONTENT_W * 0.7,
        4,
        "Patient-recorded data from backcare, a self-management app",
        7.5,
        colour=WHITE,
    )
    w.cell(
        MARGIN + CONTENT_W * 0.7,
        11.5,
        CONTENT_W * 0.3,
        4,
        "page 1: summary; then the log",
        7.5,
        colour=WHITE,
        align="R",
    )
    half = CONTENT_W / 2
    facts = [
        ("Patient", data.patient),
        ("Period", data.period),
        ("Programme start", data.programme_start or "not recorded"),
        ("Exported", data.exported),
    ]
    pdf.set_y(22.0)
    for row in range(2):
        cells = []
        for col in range(2):
            label, value = facts[row * 2 + col]
            x = MARGIN + col * half
            cells += [
                Cell(x, 29, label, w.fit(label, 29, 8, bold=True), bold=True, colour=MUTED),
                Cell(x + 30, half - 31, value, w.fit(value, half - 31, 8.5, minimum=7)),
            ]
        flow(pdf, w, cells, 4.2)
        pdf.set_y(pdf.get_y() + 0.4)
    pdf.set_y(pdf.get_y() + 1.5)


def _tile_height(w: Writer, tile: Tile, width: float, size: float) -> float:
    return 12.2 + sum(w.height(width, 3.0, line, size) for line in tile.detail) + 1.8


def _tiles_row(pdf: FPDF, w: Writer, tiles: list[Tile]) -> None:
    gap = 3.0
    tw = (CONTENT_W - 3 * gap) / 4
    inner = tw - 5
    size = 6.8
    height = max(24.0, *(_tile_height(w, t, inner, size) for t in tiles))
    while height > 34 and size > MIN_SIZE:  # many questionnaires: smaller type, not longer
        size -= 0.3
        height = max(24.0, *(_tile_height(w, t, inner, size) for t in tiles))
    need(pdf, height)
    y = pdf.get_y()
    for i, tile in enumerate(tiles):
        x = MARGIN + i * (tw + gap)
        pdf.set_fill_color(*TILE)
        pdf.rect(x, y, tw, height, style="F")
        w.cell(x + 2.5, y + 1.8, inner, 3, tile.label.upper(), 6.8, colour=MUTED)
        w.cell(x + 2.5, y + 5.2, inner, 7, tile.value, 15, bold=True, colour=tile.colour)
        top = y + 12.8
        for line in tile.detail:
            top = w.block(x + 2.5, top, inner, 3.0, line, size)
    pdf.set_y(y + height + 1)


def _alerts_section(pdf: FPDF, w: Writer, data: ReportData) -> None:
    heading(pdf, w, "Alerts in this period")
    if not data.alerts:
        labelled(pdf, w, "", "No alerts in this period.", colour=MUTED)
        return
    for g in data.alerts:
        text = alert_text(g, data.end)
        need(pdf, 4.2)
        y = pdf.get_y()
        pdf.set_fill_color(*LEVEL_COLOURS.get(g.level, MUTED))
        pdf.rect(MARGIN, y + 0.2, 16, 3.4, style="F")
        w.cell(MARGIN, y + 0.1, 16, 3.6, g.level.upper(), 6.5, bold=True, colour=WHITE, align="C")
        flow(pdf, w, [Cell(MARGIN + 19, CONTENT_W - 19, text, 7.8)], 3.7)
        pdf.set_y(max(pdf.get_y(), y + 4.0) + 0.6)


def _clinical_section(pdf: FPDF, w: Writer, data: ReportData) -> None:
    if not data.clinical:
        return
    heading(pdf, w, "Conditions and red flags")
    for label, text in data.clinical:
        labelled(pdf, w, label, text, colour=BAD if label == "Red flags" else INK)


def _happened_section(pdf: FPDF, w: Writer, data: ReportData, red_above: int) -> None:
    heading(pdf, w, "In this period")
    for listing in data.happened:
        labelled(pdf, w, listing.label, listing_text(listing))
    for i, red in enumerate(data.red[:PAGE_ONE_RED]):
        _red_row(pdf, w, "Flagged red" if i == 0 else "", red, data.end)
    hidden = len(data.red) - PAGE_ONE_RED
    if hidden > 0:
        labelled(pdf, w, "", f"and {plural(hidden, 'exercise')} red earlier; {REST}", colour=BAD)
    if not data.red:
        labelled(
            pdf,
            w,
            "Flagged red",
            f"no exercise: none hurt above {red_above} during "
            "or after it, and none was followed by more pain the next morning",
        )


RED_PICTURE_W, RED_PICTURE_H = 30.0, 10.0


def _red_row(pdf: FPDF, w: Writer, label: str, red: RedExercise, end: date) -> None:
    """A flagged exercise in words, with its picture small at the right (issue 26), so the
    physiotherapist sees at once which movement hurt."""
    if red.poses is None:
        labelled(pdf, w, label, red_text(red, end), colour=BAD)
        return
    from backcare.domain.figure import figure_for
    from backcare.exporters.figure_pdf import draw_figure

    label_w = 27.0
    need(pdf, RED_PICTURE_H + 0.6)
    top = pdf.get_y()
    text_w = CONTENT_W - label_w - RED_PICTURE_W - 3
    cells = [Cell(MARGIN + label_w, text_w, red_text(red, end), 7.8, colour=BAD)]
    if label:
        cells.insert(0, Cell(MARGIN, label_w - 1.5, label, 7.2, bold=True, colour=MUTED))
    flow(pdf, w, cells, 3.7)
    below = pdf.get_y()
    draw_figure(
        pdf,
        figure_for(red.poses),
        MARGIN + CONTENT_W - RED_PICTURE_W,
        top,
        RED_PICTURE_W,
        RED_PICTURE_H,
    )
    pdf.set_y(max(below, top + RED_PICTURE_H) + 0.6)


def _programme_section(pdf: FPDF, w: Writer, data: ReportData) -> None:
    heading(pdf, w, "Programme")
    labelled(pdf, w, "", data.programme_title, label_w=0, size=8)
    col = CONTENT_W / 2
    lines = data.programme_lines
    for i in range(0, len(lines), 2):
        flow(
            pdf,
            w,
            [
                Cell(MARGIN + j * col, col - 4, "• " + text, 7.5)
                for j, text in enumerate(lines[i : i + 2])
            ],
            3.6,
        )
        pdf.set_y(pdf.get_y() + 0.3)


def _trends(pdf: FPDF, w: Writer, data: ReportData, red_above: int) -> None:
    heading(pdf, w, "Trends", keep=52)
    y = pdf.get_y()
    height = 46.0
    left = CONTENT_W * 0.57
    pain_chart(
        pdf,
        w,
        data.pain_days,
        data.pain_means,
        data.pain_baseline,
        red_above,
        MARGIN,
        y,
        left,
        height,
    )
    function_chart(pdf, w, data.measures, MARGIN + left + 3, y, CONTENT_W - left - 3, height)
    pdf.set_y(y + height + 0.8)
    # The charts in words, for a reader who cannot see them.
    means = [v for _, v in data.pain_means if v is not None]
    said = [
        f"Pain chart: {plural(len(data.pain_days), 'check-in')} from "
        f"{short_date(data.start, data.end)} to {short_date(data.end, data.end)}"
    ]
    if means:
        said.append(f"7-day mean {num(means[0])} at the start, {num(means[-1])} at the end")
    text = "; ".join(said) + ". Function chart: " + ("; ".join(data.function) or "none") + "."
    labelled(pdf, w, "", text, label_w=0, size=6.5, colour=MUTED)


def _weekly(pdf: FPDF, w: Writer, weeks: list[tuple[str, str, str, str]]) -> None:
    heading(pdf, w, "Week by week", keep=17)
    label_w = 30.0
    col = (CONTENT_W - label_w) / MAX_WEEKS
    rows = (("Week starting", 0), ("Adherence", 1), ("Mean pain (0–10)", 2), ("Aerobic minutes", 3))
    for r, (label, i) in enumerate(rows):
        values = [short_date(date.fromisoformat(wk[0])) if r == 0 else wk[i] for wk in weeks]
        cells = [Cell(MARGIN + 1, label_w - 1, label, 7, bold=True, colour=MUTED)]
        cells += [
            Cell(
                MARGIN + label_w + k * col + 0.5,
                col - 1,
                v,
                6.8,
                bold=r == 0,
                colour=ACCENT if r == 0 else INK,
                align="C",
            )
            for k, v in enumerate(values)
        ]
        flow(pdf, w, cells, 3.0, pad=0.3, fill=TILE if r % 2 else None)


def _notes_section(pdf: FPDF, w: Writer, data: ReportData) -> None:
    heading(pdf, w, "Latest notes from the patient")
    missing = w.glyphs.footnote()
    if missing:  # about what the patient typed, anywhere in the report
        labelled(pdf, w, "Note", missing, label_w=35, size=6.8, colour=MUTED)
    if not data.notes:
        labelled(pdf, w, "", "No notes in this period.", colour=MUTED)
    for day, where, note in data.notes:
        text = " / ".join(line.strip() for line in note.splitlines() if line.strip())
        lines = w.lines(CONTENT_W - 35, text, 7.8)
        if len(lines) > NOTE_LINES:  # page 1 shows the start; the log has it whole
            text = " ".join(lines[:NOTE_LINES])
            while (
                len(w.lines(CONTENT_W - 35, text + " … (continued in the log)", 7.8)) > NOTE_LINES
            ):
                text = text[:-8]
            text += " … (continued in the log)"
        labelled(
            pdf, w, f"{short_date(date.fromisoformat(day), data.end)} {where}", text, label_w=35
        )


def _page_one(pdf: FPDF, w: Writer, data: ReportData, red_above: int) -> None:
    pdf.add_page()
    pdf.start_section("Summary", level=0)
    _title(pdf, w, data)
    _clinical_section(pdf, w, data)
    _tiles_row(pdf, w, data.tiles)
    _alerts_section(pdf, w, data)
    _happened_section(pdf, w, data, red_above)
    _programme_section(pdf, w, data)
    _trends(pdf, w, data, red_above)
    if data.weekly:
        _weekly(pdf, w, data.weekly)
    _notes_section(pdf, w, data)


# --- the log, and whatever page 1 could not list ---------------------------------------------


def _log_pages(pdf: FPDF, w: Writer, data: ReportData) -> None:
    pdf.add_page()
    pdf.start_section("Log", level=0)
    if data.by_week:
        heading(pdf, w, f"Log by week ({plural(len(data.weeks), 'week')})", gap=0)
        labelled(
            pdf,
            w,
            "",
            "This period is longer than 12 weeks, so the log shows one row "
            "a week: the figures of the progress report. Each session, with its "
            "exercises and notes, is in the csv and json exports.",
            label_w=0,
            size=7.2,
            colour=MUTED,
        )
        table(
            pdf,
            w,
            (30, 22, 36, 36, 30, 32),
            (
                "Week starting",
                "Days in the period",
                "Sessions done of planned",
                "Adherence",
                "Mean pain (0–10)",
                "Aerobic minutes",
            ),
            data.weeks,
            ("L", "C", "C", "C", "C", "C"),
        )
    else:
        heading(pdf, w, f"Session log ({plural(len(data.sessions), 'session')})", gap=0)
        if data.sessions:
            table(
                pdf,
                w,
                (20, 92, 22, 52),
                ("Date", "Exercises (dose, pain 0–10)", "Pain before → after", "Note"),
                data.sessions,
                ("L", "L", "C", "L"),
            )
        else:
            labelled(pdf, w, "", "No sessions in this period.", label_w=0, colour=MUTED)
    if data.assessments:
        heading(pdf, w, f"Questionnaires ({len(data.assessments)})", gap=5)
        table(
            pdf,
            w,
            (30, 50, 30, 50),
            ("Date", "Questionnaire", "Score", "Band / risk group"),
            data.assessments,
            ("L", "L", "C", "L"),
        )
    if data.checkin_notes:
        heading(pdf, w, f"Check-in notes ({len(data.checkin_notes)})", gap=5)
        table(pdf, w, (30, 22, 134), ("Date", "Pain", "Note"), data.checkin_notes, ("L", "C", "L"))


def _everything(pdf: FPDF, w: Writer, data: ReportData) -> None:
    """The whole of each list page 1 shortened, in paragraphs of a few dozen items (one
    paragraph of years of dates would take fpdf2 long to wrap)."""
    pdf.add_page()
    pdf.start_section(EVERYTHING, level=0)
    heading(pdf, w, EVERYTHING, gap=0)
    for g in data.alerts:
        labelled(pdf, w, g.level.upper(), alert_text(g, data.end, limit=None))
    for listing in data.happened:
        for i in range(0, max(len(listing.items), 1), 40):
            chunk = Listing(listing.label, listing.items[i : i + 40], listing.none)
            labelled(pdf, w, listing.label if i == 0 else "", listing_text(chunk, None))
    for i, red in enumerate(data.red):
        labelled(pdf, w, "Flagged red" if i == 0 else "", red_text(red, data.end, None), colour=BAD)


def render(ctx: ExportContext) -> Rendered:
    """The report: what it says is chosen now (:func:`report_data`), and it is drawn when
    the file is written. Only those words and figures are kept for the drawing, so the
    records and their progress report can be let go before fpdf2 and its fonts come in
    (issue 25: ten years of them are 5 MiB of the pdf's peak memory)."""
    data = report_data(ctx)
    red_above = ctx.red_above

    def stream(sink: Sink) -> int:
        # fpdf2 and fontTools log about glyphs and subsetting; the patient's terminal is not
        # the place for that, and no character is dropped unseen: Glyphs marks what cannot
        # print.
        for noisy in ("fpdf", "fontTools"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
        pdf = make_pdf(
            f"backcare report {data.period}",
            "Home exercise programme for low back pain: progress report",
        )
        writer = Writer(pdf, Glyphs(pdf, strings(data)))
        _page_one(pdf, writer, data, red_above)
        _log_pages(pdf, writer, data)
        if is_long(data):
            _everything(pdf, writer, data)
        sink(bytes(pdf.output()))
        pages: int = pdf.pages_count
        return pages

    return Rendered(stream=stream)
