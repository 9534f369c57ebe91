"""`backcare export --format pdf`: page 1 summarises everything that happened in the period,
the pages after it are the log; nothing overflows and no character is lost."""

from __future__ import annotations

import io
import os
import shutil
import stat
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import modules_loaded

from backcare.domain.alerts import Alert
from backcare.domain.analytics import ProgressReport, WeekSummary, progress_report
from backcare.domain.clinical import DEFAULT, Thresholds
from backcare.domain.models import (
    Assessment,
    Dose,
    ExerciseLog,
    Goal,
    History,
    PainCheckin,
    PrescribedItem,
    Prescription,
    Profile,
    Session,
    Visit,
)
from backcare.domain.text import NOTE_MAX_CHARS, NOTE_MAX_LINES
from backcare.exporters import ExportContext, get_exporter
from backcare.exporters.pdf_charts import date_ticks
from backcare.exporters.pdf_layout import CARD, MARGIN, PAGE_W, TILE
from backcare.exporters.pdf_report import (
    dates_in_words,
    red_text,
    report_data,
    week_adherence,
)
from backcare.messages import DISCLAIMER_SHORT
from backcare.storage import Store

D = date.fromisoformat
START = D("2026-03-02")
END = D("2026-04-30")
PT = 72 / 25.4  # points per millimetre
CJK = "腰が痛みます、今日は少し楽。허리가 아파요. 腰痛减轻了"
ARABIC = "ألم في الظهر"
HEBREW = "כאב גב"
DEVANAGARI = "पीठ दर्द"  # no bundled font has it: a visible mark and a footnote
LONG_NAME = "Maximilian Alexander Featherstonehaugh-Cholmondeley-Worthington of Little Snoring"


def session(day: date, i: int, pain: int, note: str | None = None) -> dict[str, Any]:
    return {
        "id": f"s-{day:%Y%m%d}-{i:04d}",
        "date": day.isoformat(),
        "pain_before": 6,
        "pain_after": 4,
        "note": note,
        "exercises": [
            {
                "exercise_id": "bridge",
                "status": "done",
                "sets": 2,
                "reps": 10,
                "hold_seconds": 5,
                "duration_minutes": None,
                "pain": pain,
            },
            {
                "exercise_id": "hamstring-stretch",
                "status": "done",
                "sets": 1,
                "reps": 3,
                "hold_seconds": 20,
                "duration_minutes": None,
                "pain": None,
            },
            {
                "exercise_id": "walking",
                "status": "partial" if i % 5 == 0 else "done",
                "sets": None,
                "reps": None,
                "hold_seconds": None,
                "duration_minutes": 10 if i % 5 == 0 else 15,
                "pain": 2,
            },
        ],
    }


def doc() -> dict[str, Any]:
    """60 days: sessions, check-ins easing from 7 with symptoms and a declared flare, five
    questionnaires, visits, goals, and notes in several scripts."""
    days = [START + timedelta(days=i) for i in range(60)]
    notes = {
        58: "Спина болит меньше — Greek αβγ",
        57: CJK,
        56: f"{ARABIC} / {HEBREW}",
        55: f"{DEVANAGARI} and a smile 😀",
    }
    sessions = [session(d, i, 7 if i == 20 else 3, notes.get(i)) for i, d in enumerate(days)]
    checkins = []
    for i, d in enumerate(days):
        symptoms = ["numbness", "tingling"] if i in (3, 4) else ["weakness"] if i == 30 else []
        checkins.append(
            {
                "id": f"p-{d}",
                "date": d.isoformat(),
                "score": 8 if i == 31 else 7 - i // 15,
                "note": "last check-in note" if i == 59 else None,
                "symptoms": symptoms,
                "flare": i == 31,
            }
        )
    assessments = [
        {
            "id": "a-1",
            "date": "2026-03-02",
            "instrument": "odi",
            "answers": [3] * 10,
            "score": 60.0,
            "band": "severe",
        },
        {
            "id": "a-2",
            "date": "2026-04-27",
            "instrument": "odi",
            "answers": [2] * 10,
            "score": 40.0,
            "band": "moderate",
        },
        {
            "id": "a-3",
            "date": "2026-03-03",
            "instrument": "rmdq",
            "answers": [True] * 12 + [False] * 12,
            "score": 12.0,
            "band": None,
        },
        {
            "id": "a-4",
            "date": "2026-04-28",
            "instrument": "rmdq",
            "answers": [True] * 6 + [False] * 18,
            "score": 6.0,
            "band": None,
        },
        {
            "id": "a-5",
            "date": "2026-03-04",
            "instrument": "peg",
            "answers": [7, 6, 6],
            "score": 6.3,
            "band": None,
        },
        {
            "id": "a-6",
            "date": "2026-04-29",
            "instrument": "peg",
            "answers": [4, 3, 3],
            "score": 3.3,
            "band": None,
        },
        {
            "id": "a-7",
            "date": "2026-03-05",
            "instrument": "psfs",
            "answers": {"walking": 3, "sitting": 4, "lifting": 2},
            "score": 3.0,
            "band": None,
        },
        {
            "id": "a-8",
            "date": "2026-03-06",
            "instrument": "startback",
            "answers": {"items": [True] * 5 + [False] * 3, "bothersomeness": 3},
            "score": 6.0,
            "band": "high",
        },
    ]
    return {
        "format": "backcare-export",
        "version": 1,
        "exported_at": "2026-05-01T09:00:00+01:00",
        "profile": {
            "start_date": "2026-03-02",
            "baseline_pain": 7,
            "minutes_per_day": 25,
            "days_per_week": 5,
            "equipment": ["none", "mat"],
            "avoid_positions": [],
            "red_flags": [],
            "cleared_by_clinician": False,
            "conditions": [],
            "assessed_by_clinician": True,
            "created": None,
            "updated": None,
        },
        "sessions": sessions,
        "pain_checkins": checkins,
        "assessments": assessments,
        "visits": [
            {
                "id": "v-1",
                "date": "2026-03-10",
                "kind": "manual-therapy",
                "note": "mobilisation L4-L5",
            },
            {"id": "v-2", "date": "2026-04-14", "kind": "assessment", "note": None},
        ],
        "goals": [
            {
                "id": 1,
                "text": "walk to the shop",
                "created": "2026-03-02",
                "by": "2026-05-30",
                "psfs_activity": None,
                "done_on": None,
            },
            {
                "id": 2,
                "text": "sit through a film",
                "created": "2026-03-02",
                "by": None,
                "psfs_activity": None,
                "done_on": "2026-04-20",
            },
        ],
        "programme": {
            "prescribed_by": "A. Physio",
            "start": "2026-03-02",
            "allow_progression": False,
            "exercises": [
                {
                    "id": "bridge",
                    "sets": 2,
                    "reps": 10,
                    "hold_seconds": 5,
                    "days": ["mon", "wed", "fri"],
                    "note": None,
                },
                {
                    "id": "hamstring-stretch",
                    "sets": 1,
                    "reps": 3,
                    "hold_seconds": 20,
                    "days": None,
                    "note": "gently",
                },
                {
                    "id": "walking",
                    "duration_minutes": 15,
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    "note": None,
                },
            ],
        },
    }


NAMES = {"bridge": "Bridge", "walking": "Walking", "hamstring-stretch": "Hamstring stretch"}
CATEGORIES = {"bridge": "strengthening", "walking": "aerobic", "hamstring-stretch": "stretching"}
PER_SIDE = frozenset({"hamstring-stretch"})
ALERTS = (
    Alert("critical", "severe-pain", "Pain 8/10 on 2026-04-02.", D("2026-04-02")),
    Alert("critical", "severe-pain", "Pain 7/10 on 2026-04-01.", D("2026-04-01")),
    Alert(
        "high", "adherence-below-50", "Adherence below 50% over the last 14 days.", D("2026-03-20")
    ),
    Alert(
        "low", "pain-rising", "Pain 8/10 on 2 Apr 2026, up 2 from the day before.", D("2026-04-02")
    ),
)


def report(
    document: dict[str, Any],
    t: Thresholds = DEFAULT,
    start: date = START,
    end: date = END,
    **figures: Any,
) -> ProgressReport:
    """The progress report of the document's records for the period, as the command makes
    it; ``figures`` replace some of it, so a test can choose what page 1 shows (the alerts
    of the period stand for what the clinical rules give)."""
    history = History(
        tuple(Session.from_dict(s) for s in document["sessions"]),
        tuple(PainCheckin.from_dict(c) for c in document["pain_checkins"]),
        tuple(Assessment.from_dict(a) for a in document["assessments"]),
        tuple(Visit.from_dict(v) for v in document["visits"]),
    )
    profile = Profile.from_dict(document["profile"]) if document["profile"] else None
    programme = Prescription.from_dict(document["programme"]) if document["programme"] else None
    goals = [Goal.from_dict(g) for g in document["goals"]]
    r = progress_report(profile, history, programme, start, end, end, t, CATEGORIES, goals)
    return r._replace(**figures)


def context(t: Thresholds = DEFAULT, **changes: Any) -> ExportContext:
    document = changes.pop("doc", None) or doc()
    figures = changes.pop("figures", {"alerts": ALERTS})
    values: dict[str, Any] = {
        "doc": document,
        "exported_at": "2026-05-01T09:00:00+01:00",
        "start": START.isoformat(),
        "end": END.isoformat(),
        "patient_name": LONG_NAME,
        "exercise_names": NAMES,
        "per_side": PER_SIDE,
        "report": report(document, t, **figures),
        "red_above": t.amber_max,
    }
    values.update(changes)
    return ExportContext(**values)


def pages_text(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages]


def layout_problems(data: bytes) -> list[str]:
    """From the PDF's own text positions (pdfplumber): any two characters that overlap, any
    character past the page margins, and any character that runs out of a filled box (a
    card, tile, badge, band or table row) its centre is in."""
    import pdfplumber

    problems: list[str] = []
    tol = 0.25
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            chars = [c for c in page.chars if c["text"].strip()]
            boxes = [r for r in page.rects if r.get("fill")]
            for c in chars:
                if (
                    c["x0"] < MARGIN * PT - tol
                    or c["x1"] > (PAGE_W - MARGIN) * PT + tol
                    or c["top"] < -tol
                    or c["bottom"] > page.height + tol
                ):
                    problems.append(
                        f"page {number}: {c['text']!r} past the margin at "
                        f"x {c['x0']:.1f}–{c['x1']:.1f}, y {c['top']:.1f}"
                    )
                cx, cy = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
                for r in boxes:
                    inside = r["x0"] <= cx <= r["x1"] and r["top"] <= cy <= r["bottom"]
                    if inside and (
                        c["x0"] < r["x0"] - tol
                        or c["x1"] > r["x1"] + tol
                        or c["top"] < r["top"] - tol
                        or c["bottom"] > r["bottom"] + tol
                    ):
                        problems.append(
                            f"page {number}: {c['text']!r} runs out of its box "
                            f"({c['x0']:.1f},{c['top']:.1f})"
                        )
            grid: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
            for c in chars:
                for gx in range(int(c["x0"] // 20), int(c["x1"] // 20) + 1):
                    for gy in range(int(c["top"] // 20), int(c["bottom"] // 20) + 1):
                        grid[gx, gy].append(c)
            seen: set[tuple[int, int]] = set()
            for cell in grid.values():
                for i, a in enumerate(cell):
                    for b in cell[i + 1 :]:
                        if (id(a), id(b)) in seen:
                            continue
                        seen.add((id(a), id(b)))
                        dx = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
                        dy = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
                        if dx > tol and dy > tol:
                            problems.append(
                                f"page {number}: {a['text']!r} and "
                                f"{b['text']!r} overlap at ({a['x0']:.1f}, "
                                f"{a['top']:.1f})"
                            )
    return problems


@pytest.fixture(scope="module")
def rendered() -> tuple[bytes, list[str]]:
    data = get_exporter("pdf").render(context()).whole()[0]
    return data, pages_text(data)


def test_the_drawing_keeps_only_what_the_report_says() -> None:
    """The report is chosen when it is rendered and drawn when it is written: by then the
    records and their progress report can be let go (issue 25: the pdf's peak memory)."""
    import gc
    import weakref

    ctx = context()
    held = weakref.ref(ctx)  # the context holds the records and the progress report
    report_pdf = get_exporter("pdf").render(ctx)
    del ctx
    gc.collect()
    assert held() is None
    data, pages = report_pdf.whole()
    assert data.startswith(b"%PDF") and pages == len(pages_text(data)) >= 2


def test_the_log_lists_each_check_in_note_by_its_day() -> None:
    """Every check-in with a note, oldest first whatever the log's order, its lines joined;
    the check-ins without one are not even sorted (issue 25: a century holds 36,500)."""
    document = doc()
    checkins = document["pain_checkins"]
    checkins[40]["note"] = "stiff in the morning\n\neased by noon"
    checkins[5]["note"] = "first week"
    document["pain_checkins"] = list(reversed(checkins))
    data = report_data(context(doc=document))
    assert data.checkin_notes == [
        ("2026-03-07", "7/10", "first week"),
        ("2026-04-11", "5/10", "stiff in the morning / eased by noon"),
        ("2026-04-30", "4/10", "last check-in note"),
    ]


def test_page_one_holds_the_figures(rendered: tuple[bytes, list[str]]) -> None:
    data, pages = rendered
    assert data.startswith(b"%PDF")
    one = pages[0]
    r = report(doc())
    assert f"{r.sessions_done} of {r.sessions_planned} planned days done" in one
    assert "7 → " in one and "clinically important" in one
    assert "60 → 40 (−20)" in one  # ODI baseline → latest
    # A questionnaire answered once is not a follow-up (issue 21): no "3 → 3 (±0)".
    for other in (
        "RMDQ 12 → 6",
        "PEG 6.3 → 3.3",
        "PSFS 3 (first result)",
        "STarT Back high (first result)",
    ):
        assert other in one
    assert "PSFS 3 → 3" not in one and "high → high" not in one
    assert "Featherstonehaugh" in one and "2026-03-02 to 2026-04-30" in one
    assert "Prescribed by A. Physio" in one


def test_page_one_holds_everything_that_happened(rendered: tuple[bytes, list[str]]) -> None:
    one = rendered[1][0]
    # Every alert, with its level and the days it fired.
    assert "CRITICAL 2 Apr: Pain 8/10 on 2026-04-02. Fired 2 times: 1–2 Apr." in one
    assert "HIGH 20 Mar: Adherence below 50%" in one and "LOW 2 Apr: Pain 8/10" in one
    assert one.index("CRITICAL") < one.index("HIGH") < one.index("LOW")
    assert "No alerts in this period" not in one
    # Flare-ups with their dates (pain 7 or more, and the declared one), symptoms, visits
    # with their kind, goals with their state, red exercises.
    assert "2–16 Mar (pain 7)" in one and "2 Apr (pain 8, declared)" in one
    assert "numbness on 5–6 Mar" in one and "weakness on 1 Apr" in one
    assert "10 Mar manual therapy (mobilisation L4-L5)" in one and "14 Apr assessment" in one
    assert "walk to the shop (open, due 30 May)" in one
    assert "sit through a film (done 20 Apr)" in one
    # Pain 8 the morning after 1 April's session: red by the next-morning rule too.
    assert (
        "Bridge: red 2 times, pain up to 7/10, 1 by the next-morning rule, on 1 Apr, 22 Mar"
    ) in one
    assert "Hamstring stretch: red 1 time, 1 by the next-morning rule, on 1 Apr" in one


def test_the_next_morning_rule_is_shown(rendered: tuple[bytes, list[str]]) -> None:
    from backcare.domain.analytics import FlaggedExercise

    flagged = (
        FlaggedExercise(D("2026-04-10"), "bridge", None, "s-x", True),
        FlaggedExercise(D("2026-03-22"), "bridge", 7, "s-y", False),
    )
    data = report_data(context(figures={"alerts": ALERTS, "flagged": flagged}))
    assert [red_text(r, END) for r in data.red] == [
        "Bridge: red 2 times, pain up to 7/10, 1 by the next-morning rule, on 10 Apr, 22 Mar"
    ]


def test_a_quiet_period_says_so() -> None:
    quiet = {**doc(), "pain_checkins": [], "visits": [], "goals": []}
    data = report_data(context(doc=quiet, figures={"alerts": ()}))
    happened = {x.label: x for x in data.happened}
    assert all(not x.items for x in happened.values())
    assert happened["Flare-ups"].none == "none in this period"
    assert happened["Symptoms"].none == "none reported at check-ins"
    text = pages_text(
        get_exporter("pdf").render(context(doc=quiet, figures={"alerts": ()})).whole()[0]
    )[0]
    assert "No alerts in this period." in text


def test_nothing_overflows_or_overlaps_on_any_page(rendered: tuple[bytes, list[str]]) -> None:
    data, pages = rendered
    assert len(pages) >= 3
    assert layout_problems(data) == []


def test_the_tiles_hold_five_questionnaires_without_running_past_their_cards(
    rendered: tuple[bytes, list[str]],
) -> None:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(rendered[0])) as pdf:
        tiles = [
            r
            for r in pdf.pages[0].rects
            if r.get("fill")
            and r["height"] > 20 * PT
            and tuple(round(v * 255) for v in r["non_stroking_color"][:3]) == TILE
        ]
        assert len(tiles) == 4
        words = pdf.pages[0].extract_words()
        peg = next(w for w in words if w["text"] == "PEG")
        assert any(
            t["x0"] <= peg["x0"]
            and peg["x1"] <= t["x1"]
            and t["top"] <= peg["top"]
            and peg["bottom"] <= t["bottom"]
            for t in tiles
        )


def test_the_charts_are_vector_drawings_with_their_cards() -> None:
    data = get_exporter("pdf").render(context()).whole()[0]
    assert b"/Subtype /Image" not in data  # no embedded pictures: lines and text
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        cards = [
            r
            for r in pdf.pages[0].rects
            if r.get("fill") and tuple(round(v * 255) for v in r["non_stroking_color"][:3]) == CARD
        ]
        assert len(cards) == 2
        assert len(pdf.pages[0].curves) + len(pdf.pages[0].lines) > 20


def test_a_day_one_report_fits_too(cli, backcare_home: Path, tmp_path: Path) -> None:
    assert (
        cli(
            "init",
            "--yes",
            "--no-red-flags",
            "--no-conditions",
            "--pain",
            "6",
            "--date",
            "2026-03-02",
        ).exit_code
        == 0
    )
    out = tmp_path / "day1.pdf"
    res = cli("export", "--format", "pdf", "--out", str(out), "--date", "2026-03-02")
    assert res.exit_code == 0, res.output
    data = out.read_bytes()
    assert layout_problems(data) == []
    one = pages_text(data)[0]
    assert "No alerts in this period." in one and "No pain check-ins in this period" in one
    assert "No sessions in this period." in " ".join(pages_text(data)[1:])


def test_a_session_changed_after_the_fact_says_edited_on(
    cli, backcare_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clinician must know that a record was changed after the fact (issue 14)."""
    monkeypatch.setenv("BACKCARE_TODAY", "2026-03-06")
    assert (
        cli(
            "init",
            "--yes",
            "--no-red-flags",
            "--no-conditions",
            "--assessed",
            "--pain",
            "6",
            "--date",
            "2026-03-02",
        ).exit_code
        == 0
    )
    first = cli("log", "--date", "2026-03-03", "--json").json()["id"]
    assert cli("log", "--date", "2026-03-04", "--json").exit_code == 0
    assert cli("edit", first, "--pain-after", "2").exit_code == 0
    out = tmp_path / "edited.pdf"
    assert cli("export", "--format", "pdf", "--out", str(out)).exit_code == 0
    data = out.read_bytes()
    assert layout_problems(data) == []
    log = " ".join(pages_text(data)[1:])
    assert log.count("edited on 6 Mar 2026") == 1
    assert "2026-03-03 edited on 6 Mar 2026" in log


def test_cjk_arabic_and_hebrew_notes_print_as_written(rendered: tuple[bytes, list[str]]) -> None:
    text = " ".join(rendered[1])
    for word in ("腰が痛みます", "허리가 아파요", "腰痛减轻了", "Спина болит меньше"):
        assert word in text, word
    for word in ARABIC.split() + HEBREW.split():
        assert word in text, word


def test_a_character_no_font_has_is_marked_with_a_footnote(
    rendered: tuple[bytes, list[str]],
) -> None:
    one = rendered[1][0]
    assert "□" in " ".join(rendered[1])
    assert "□ marks a character the report's fonts cannot show" in one
    assert "U+092A" in one  # प, the first letter of the Devanagari note


def test_without_shaping_right_to_left_text_is_marked_not_reversed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from backcare.exporters import pdf_layout

    monkeypatch.setattr(pdf_layout, "shaping_available", lambda: False)
    text = " ".join(pages_text(get_exporter("pdf").render(context()).whole()[0]))
    assert ARABIC.split()[0] not in text and "U+0627" in text


def test_long_notes_wrap_without_a_crash_or_overflow() -> None:
    from backcare.domain.text import NOTE_MAX_CHARS, NOTE_MAX_LINES

    document = doc()
    line = "x" * (NOTE_MAX_CHARS // NOTE_MAX_LINES - 1)
    document["sessions"][10]["note"] = "\n".join([line] * NOTE_MAX_LINES)[:NOTE_MAX_CHARS]
    document["sessions"][11]["note"] = "腰" * NOTE_MAX_CHARS
    document["sessions"][12]["note"] = "\n".join(["ok"] * NOTE_MAX_LINES)
    data = get_exporter("pdf").render(context(doc=document)).whole()[0]
    assert layout_problems(data) == []
    log = " ".join(pages_text(data)[1:])
    assert "腰腰腰腰" in log
    assert "2026-03-14" in log and "2026-03-15" in log  # the rows after it print as text


def test_the_document_has_a_language_a_title_an_outline_and_reads_in_order(
    rendered: tuple[bytes, list[str]],
) -> None:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(rendered[0]))
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"
    assert reader.metadata is not None
    assert reader.metadata.title == "backcare report 2026-03-02 to 2026-04-30"
    titles = [o.title for o in reader.outline if not isinstance(o, list)]
    assert titles[:2] == ["Summary", "Log"]
    one = rendered[1][0]
    order = [
        "Home exercise programme",
        "Patient Maximilian",
        "ADHERENCE",
        "Alerts in this period",
        "In this period",
        "Programme Prescribed",
        "Trends",
        "Week by week",
        "Latest notes",
    ]
    found = [one.index(h) for h in order]
    assert found == sorted(found)


def test_the_disclaimer_is_on_every_page_and_the_log_follows(
    rendered: tuple[bytes, list[str]],
) -> None:
    _, pages = rendered
    for text in pages:
        assert " ".join(DISCLAIMER_SHORT.split()[:6]) in text
    assert "Session log (60 sessions)" in pages[1]
    assert "2026-04-30" in " ".join(pages[1:])
    assert "Questionnaires (8)" in " ".join(pages[1:])


def test_doses_are_as_prescribed_each_side_included(rendered: tuple[bytes, list[str]]) -> None:
    text = " ".join(rendered[1])
    assert "Hamstring stretch: 1 × 3, hold 20 s each side (every day) – gently" in text
    assert "Hamstring stretch 1 × 3, hold 20 s each side" in text  # in the log


def test_red_is_above_the_amber_threshold() -> None:
    assert report_data(context()).red[0].pain == 7
    higher = report_data(context(DEFAULT._replace(amber_max=7))).red
    assert all(r.next_morning == len(r.dates) for r in higher)  # only the morning rule


def test_the_latest_three_notes_newest_first() -> None:
    notes = report_data(context()).notes
    assert [n[0] for n in notes] == ["2026-04-30", "2026-04-29", "2026-04-28"]
    assert notes[0][1] == "check-in"


def test_missing_figures_show_as_dashes_not_errors() -> None:
    later = {
        **doc()["profile"],
        "start_date": "2026-05-10",  # nothing planned yet
        "baseline_pain": None,
    }
    empty = {
        **doc(),
        "programme": None,
        "sessions": [],
        "pain_checkins": [],
        "assessments": [],
        "visits": [],
        "goals": [],
        "profile": later,
    }
    data = report_data(context(doc=empty, patient_name=None, figures={}))
    assert data.adherence == "–" and data.pain == "– → –"
    assert data.programme_title.startswith("Self-guided")
    assert "anonymous" in data.patient


def test_a_week_not_over_says_how_far_it_has_got() -> None:
    monday = D("2026-04-27")
    going = WeekSummary(monday, 2, 2, 2, 100.0, 4.0, 30)
    assert week_adherence(going, D("2026-04-28")) == "2 of 2 days so far"
    nothing_yet = WeekSummary(monday, 1, 0, 0, None, None, 0)
    assert week_adherence(nothing_yet, monday) == "–"  # never 0%
    cut = WeekSummary(monday, 3, 2, 1, 50.0, 4.0, 0)  # the report ends mid-week
    assert week_adherence(cut, D("2026-06-01")) == "1 of 2 days (part week)"
    full = WeekSummary(monday, 7, 5, 4, 80.0, 4.0, 0)
    assert week_adherence(full, D("2026-06-01")) == "80%"


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("2026-11-01", "2026-11-30"),
        ("2026-10-05", "2026-11-29"),
        ("2026-03-02", "2026-03-02"),
        ("2025-11-20", "2026-11-19"),
        ("2016-11-28", "2026-11-27"),
        ("1950-01-01", "2999-12-31"),
    ],
)
def test_axis_dates_belong_to_the_data(first: str, last: str) -> None:
    lo, hi = D(first), D(last)
    ticks, labels = date_ticks(lo, hi, lambda labels: len(labels) <= 6)
    assert 1 <= len(ticks) <= 6
    for d, label in zip(ticks, labels, strict=True):
        assert lo <= d <= hi
        assert label in (f"{d.day} {d:%b}", f"{d:%b} {d.year}", str(d.year))
    if lo.month == hi.month == 11:
        assert not any("Dec" in label for label in labels)


def test_dates_in_words_join_consecutive_days() -> None:
    days = [
        D("2026-03-02"),
        D("2026-03-03"),
        D("2026-03-04"),
        D("2026-03-09"),
        D("2026-03-31"),
        D("2026-04-01"),
    ]
    assert dates_in_words(days, END) == "2–4 Mar, 9 Mar, 31 Mar – 1 Apr"
    assert dates_in_words(list(reversed(days)), END) == "31 Mar – 1 Apr, 9 Mar, 2–4 Mar"
    assert dates_in_words([D("2025-12-31")], END) == "31 Dec 2025"
    assert (
        dates_in_words(list(reversed(days)), END, limit=2)
        == "31 Mar – 1 Apr, 9 Mar and 3 days before"
    )


def seed(home: Path, start: date = START, days: int = 14) -> None:
    s = Store(home)
    s.save_profile(
        Profile(
            start_date=start,
            baseline_pain=7,
            minutes_per_day=25,
            days_per_week=5,
            equipment=["none", "mat"],
        )
    )
    s.save_programme(
        Prescription(
            (PrescribedItem("bridge", Dose(sets=2, reps=10), ("mon", "wed", "fri")),),
            "A. Physio",
            start,
        )
    )
    for i in range(days):
        d = start + timedelta(days=i)
        s.put_checkin(PainCheckin(d, 7 - i // 4 % 5, "note " + str(i) if i == 13 else None))
        if d.weekday() in (0, 2, 4):
            s.add_session(
                Session(
                    f"s-{d:%Y%m%d}-x",
                    d,
                    (ExerciseLog("bridge", "done", Dose(sets=2, reps=10), 6 if i == 2 else 2),),
                )
            )


def test_the_command_lets_the_records_and_their_report_go_before_drawing(
    cli, backcare_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By the time fpdf2 and its fonts come in, no progress report and no session is left
    in memory: what the pdf draws, its words and figures, is all it keeps (issue 25: at a
    hundred years the report alone was 26 MiB of the peak)."""
    import gc

    from backcare.exporters import pdf_report

    def records() -> list[object]:
        gc.collect()
        return [o for o in gc.get_objects() if isinstance(o, (ProgressReport, Session))]

    seed(backcare_home)
    earlier = records()  # other tests' (held, so that no new one can take their ids)
    known = {id(o) for o in earlier}
    alive: list[int] = []
    make_pdf = pdf_report.make_pdf

    def counting(*args: Any) -> Any:
        alive.append(sum(1 for o in records() if id(o) not in known))
        return make_pdf(*args)

    monkeypatch.setattr(pdf_report, "make_pdf", counting)
    out = tmp_path / "report.pdf"
    res = cli("export", "--format", "pdf", "--out", str(out), "--date", "2026-03-15")
    assert res.exit_code == 0, res.output
    assert alive == [0]


def test_the_command_writes_a_private_pdf_matching_progress(
    cli, backcare_home: Path, tmp_path: Path
) -> None:
    seed(backcare_home)
    out = tmp_path / "report.pdf"
    res = cli(
        "export",
        "--format",
        "pdf",
        "--out",
        str(out),
        "--date",
        "2026-03-15",
        "--name",
        "Sam Smith",
        "--json",
    )
    assert res.exit_code == 0, res.output
    assert res.json()["format"] == "pdf"
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    text = pages_text(out.read_bytes())[0]
    progress = cli(
        "progress", "--from", "2026-03-02", "--to", "2026-03-15", "--date", "2026-03-15", "--json"
    ).json()
    shown = f"{progress['adherence_percent']:.1f}".rstrip("0").rstrip(".") + "%"
    assert shown in text
    assert f"{progress['pain']['baseline']} → " in text
    assert "Bridge: red 1 time, pain up to 6/10" in text
    assert "2026-03-02 to 2026-03-15" in text  # no --from: from the programme's start


@pytest.fixture(scope="module")
def seeded_500_days(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """500 days from 6 Jan 2025, seeded once for the tests of a long history: each of its
    700 writes is journalled and synced, five seconds or more in all."""
    home = tmp_path_factory.mktemp("long-history") / "home"
    seed(home, D("2025-01-06"), days=500)
    return home


def test_by_default_the_report_covers_at_most_the_last_12_weeks(
    cli, backcare_home: Path, tmp_path: Path, seeded_500_days: Path
) -> None:
    shutil.copytree(seeded_500_days, backcare_home)
    out = tmp_path / "r.pdf"
    res = cli("export", "--format", "pdf", "--out", str(out), "--date", "2026-05-20")
    assert res.exit_code == 0, res.output
    pages = pages_text(out.read_bytes())
    assert "2026-02-26 to 2026-05-20" in pages[0]  # 84 days
    assert "Session log" in pages[1]


def test_a_whole_history_report_summarises_the_log_by_week(
    cli, backcare_home: Path, tmp_path: Path, seeded_500_days: Path
) -> None:
    shutil.copytree(seeded_500_days, backcare_home)
    out = tmp_path / "all.pdf"
    res = cli(
        "export",
        "--format",
        "pdf",
        "--out",
        str(out),
        "--date",
        "2026-05-20",
        "--from",
        "2025-01-06",
    )
    assert res.exit_code == 0, res.output
    data = out.read_bytes()
    pages = pages_text(data)
    log = " ".join(pages[1:])
    assert "Log by week (72 weeks)" in log and "Session log" not in log
    assert "2025-01-06" in log and "2026-05-18" in log
    # The last week is not over on 20 May: it says how far it has got, not 0% or 33%.
    assert "1 of 1 days so far" in log or "2 of 2 days so far" in log
    assert len(pages) <= 6
    assert layout_problems(data) == []


def test_the_help_says_report_not_one_page(cli) -> None:
    res = cli("export", "--help")
    assert res.exit_code == 0
    assert "one-page" not in res.output and "report" in res.output


def test_pdf_is_not_written_to_stdout(cli, tmp_path: Path) -> None:
    res = cli("export", "--format", "pdf", "--out", "-")
    assert res.exit_code == 2 and "not text" in res.stderr


def test_the_report_needs_neither_matplotlib_nor_numpy(backcare_home: Path, tmp_path: Path) -> None:
    seed(backcare_home)
    out = tmp_path / "x.pdf"
    argv = ["export", "--format", "pdf", "--out", str(out), "--date", "2026-03-15"]
    assert modules_loaded(backcare_home, argv, ("matplotlib", "numpy", "PIL.ImageFont")) == []
    assert out.read_bytes().startswith(b"%PDF")


def test_the_report_leaves_fpdf2s_signing_backend_unloaded(
    backcare_home: Path, tmp_path: Path
) -> None:
    """fpdf2 imports cryptography, when it is installed, to sign and encrypt documents; the
    report is neither, and leaves its 8 MiB unloaded (issue 25). The process can still
    import it afterwards."""
    import subprocess
    import sys

    pytest.importorskip("cryptography")
    seed(backcare_home)
    out = tmp_path / "x.pdf"
    argv = ["export", "--format", "pdf", "--out", str(out), "--date", "2026-03-15"]
    assert modules_loaded(backcare_home, argv, ("cryptography",)) == []
    assert out.read_bytes().startswith(b"%PDF")
    probe = (
        "import sys\n"
        "from backcare.exporters.pdf_layout import load_fpdf\n"
        "load_fpdf()\n"
        "import fpdf.fpdf\n"
        "assert 'cryptography' not in sys.modules\n"
        "import cryptography.hazmat.primitives.ciphers\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "note",
    [
        "\n".join(["ok"] * 80),  # from before the note's line cap: 80 short lines (issue 17)
        "\n".join(
            ["a long line of words that wraps more than once in the narrow note column"]
            * (NOTE_MAX_LINES - 1)
            + ["end"]
        ),  # the line cap, each line wrapping
        " ".join(["word"] * (NOTE_MAX_CHARS // 5)),  # the length cap, in words
    ],
    ids=["80-short-lines", "40-long-lines", "400-words"],
)
def test_a_note_of_any_stored_size_renders_every_row(note: str) -> None:
    document = doc()
    for i in (3, 4, 58):  # in the log, and among page 1's latest notes
        document["sessions"][i]["note"] = note
    data = get_exporter("pdf").render(context(doc=document)).whole()[0]
    assert layout_problems(data) == []
    log = " ".join(pages_text(data)[1:])
    assert "2026-03-06" in log and "2026-04-30" in log  # the rows after it print too
