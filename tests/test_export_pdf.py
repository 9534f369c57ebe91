"""`backcare export --format pdf`: a report a physiotherapist can read in one minute."""

from __future__ import annotations

import io
import os
import stat
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from backcare.domain.alerts import Alert
from backcare.domain.analytics import ProgressReport, progress_report
from backcare.domain.clinical import DEFAULT, Thresholds
from backcare.domain.models import (
    Assessment,
    Dose,
    ExerciseLog,
    History,
    PainCheckin,
    PrescribedItem,
    Prescription,
    Profile,
    Session,
)
from backcare.domain.text import NOTE_MAX_CHARS, NOTE_MAX_LINES
from backcare.exporters import ExportContext, get_exporter
from backcare.exporters.pdf_report import report_data
from backcare.messages import DISCLAIMER_SHORT
from backcare.storage import Store

D = date.fromisoformat
START = D("2026-03-02")


def session(day: date, i: int, pain: int, note: str | None = None) -> dict[str, Any]:
    return {"id": f"s-{day:%Y%m%d}-{i:04d}", "date": day.isoformat(), "pain_before": 6,
            "pain_after": 4, "note": note, "exercises": [
                {"exercise_id": "bridge", "status": "done", "sets": 2, "reps": 10,
                 "hold_seconds": 5, "duration_minutes": None, "pain": pain},
                {"exercise_id": "walking", "status": "done", "sets": None, "reps": None,
                 "hold_seconds": None, "duration_minutes": 15, "pain": 2}]}


def doc() -> dict[str, Any]:
    """60 days of sessions (enough for a multi-page log), check-ins, two ODIs."""
    days = [START + timedelta(days=i) for i in range(60)]
    sessions = [session(d, i, 7 if i == 20 else 3,
                        "Спина болит меньше — Greek αβγ, 😀" if i == 58 else None)
                for i, d in enumerate(days)]
    return {
        "format": "backcare-export", "version": 1, "exported_at": "2026-05-01T09:00:00+01:00",
        "profile": {"start_date": "2026-03-02", "baseline_pain": 7, "minutes_per_day": 25,
                    "days_per_week": 5, "equipment": ["none", "mat"], "avoid_positions": [],
                    "red_flags": [], "cleared_by_clinician": False, "conditions": [],
                    "assessed_by_clinician": True, "created": None, "updated": None},
        "sessions": sessions,
        "pain_checkins": [{"id": f"p-{d}", "date": d.isoformat(), "score": 7 - i // 15,
                           "note": "last check-in note" if i == 59 else None,
                           "symptoms": [], "flare": False} for i, d in enumerate(days)],
        "assessments": [
            {"id": "a-1", "date": "2026-03-02", "instrument": "odi", "answers": [3] * 10,
             "score": 60.0, "band": "severe"},
            {"id": "a-2", "date": "2026-04-27", "instrument": "odi", "answers": [2] * 10,
             "score": 40.0, "band": "moderate"}],
        "visits": [], "goals": [],
        "programme": {"prescribed_by": "A. Physio", "start": "2026-03-02",
                      "allow_progression": False, "exercises": [
                          {"id": "bridge", "sets": 2, "reps": 10, "hold_seconds": 5,
                           "days": ["mon", "wed", "fri"], "note": None},
                          {"id": "walking", "duration_minutes": 15,
                           "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                           "note": None}]},
    }


NAMES = {"bridge": "Bridge", "walking": "Walking"}
CATEGORIES = {"bridge": "strengthening", "walking": "aerobic"}


def report(document: dict[str, Any], t: Thresholds = DEFAULT, **figures: Any
           ) -> ProgressReport:
    """The progress report of the document's records for the period, as the command makes
    it; ``figures`` replace some of its figures, so a test can choose what page 1 shows."""
    history = History(tuple(Session.from_dict(s) for s in document["sessions"]),
                      tuple(PainCheckin.from_dict(c) for c in document["pain_checkins"]),
                      tuple(Assessment.from_dict(a) for a in document["assessments"]))
    profile = Profile.from_dict(document["profile"]) if document["profile"] else None
    programme = (Prescription.from_dict(document["programme"]) if document["programme"]
                 else None)
    r = progress_report(profile, history, programme, START, D("2026-04-30"),
                        D("2026-04-30"), t, CATEGORIES)
    return r._replace(**figures)


def chosen_figures(document: dict[str, Any]) -> dict[str, Any]:
    r = report(document)
    return {
        "sessions_planned": 52, "sessions_done": 39, "adherence_percent": 75.0,
        "streak_days": 6,
        "pain": r.pain._replace(baseline=7, current=3.6, change=-3.4, percent_change=-48.6,
                                clinically_important=True),
        "alerts": (Alert("high", "adherence-below-50",
                         "Adherence below 50% over the last 14 days."),
                   Alert("critical", "severe-pain", "Pain 8/10 on 2026-04-02."))}


def context(t: Thresholds = DEFAULT, **changes: Any) -> ExportContext:
    document = changes.pop("doc", None) or doc()
    values: dict[str, Any] = {
        "doc": document, "exported_at": "2026-05-01T09:00:00+01:00", "start": "2026-03-02",
        "end": "2026-04-30", "patient_name": "Sam Smith", "exercise_names": NAMES,
        "report": report(document, t, **chosen_figures(document)), "red_above": t.amber_max}
    values.update(changes)
    return ExportContext(**values)


def pages_text(data: bytes) -> list[str]:
    from pypdf import PdfReader

    return [" ".join((p.extract_text() or "").split())
            for p in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[bytes, list[str]]:
    cache = tmp_path_factory.mktemp("cache")
    data = get_exporter("pdf").render(context(cache_dir=cache)).data
    return data, pages_text(data)


def test_page_one_holds_adherence_pain_function_alerts_and_red_exercises(
        rendered: tuple[bytes, list[str]]) -> None:
    data, pages = rendered
    assert data.startswith(b"%PDF")
    one = pages[0]
    assert "75%" in one and "39 of 52" in one
    assert "7 → 3.6" in one and "−3.4" in one and "−48.6%" in one
    assert "60 → 40" in one  # ODI baseline → latest
    assert "Sam Smith" in one and "2026-03-02 to 2026-04-30" in one
    assert "Prescribed by A. Physio" in one
    assert "Pain 8/10 on 2026-04-02." in one
    assert one.index("CRITICAL") < one.index("HIGH")  # the most serious first
    assert "Bridge: pain up to 7/10, 1 time, last on 2026-03-22" in one
    assert "last check-in note" in one


def test_the_disclaimer_is_on_every_page_and_the_log_follows(
        rendered: tuple[bytes, list[str]]) -> None:
    _, pages = rendered
    assert len(pages) >= 3  # page 1, then 60 sessions over more than one page
    for text in pages:
        assert " ".join(DISCLAIMER_SHORT.split()[:6]) in text
    assert "Session log (60 sessions)" in pages[1]
    assert "2026-04-30" in " ".join(pages[1:])


def test_any_unicode_note_prints(rendered: tuple[bytes, list[str]]) -> None:
    _, pages = rendered
    assert "Спина болит меньше" in " ".join(pages)


def test_red_is_above_the_amber_threshold() -> None:
    assert [r[0] for r in report_data(context()).red] == ["Bridge"]
    assert report_data(context(DEFAULT._replace(amber_max=7))).red == []


def test_the_latest_three_notes_newest_first() -> None:
    notes = report_data(context()).notes
    assert [n[0] for n in notes] == ["2026-04-30", "2026-04-29"]
    assert notes[0][1] == "check-in"


def test_missing_figures_show_as_dashes_not_errors() -> None:
    later = {**doc()["profile"], "start_date": "2026-05-10",  # nothing planned yet
             "baseline_pain": None}
    empty = {**doc(), "programme": None, "sessions": [], "pain_checkins": [],
             "assessments": [], "profile": later}
    data = report_data(context(doc=empty, patient_name=None, report=report(empty)))
    assert data.adherence == "–" and data.pain == "– → –"
    assert data.programme_title.startswith("Self-guided")
    assert "anonymous" in data.patient


def seed(home: Path) -> None:
    s = Store(home)
    s.save_profile(Profile(start_date=START, baseline_pain=7, minutes_per_day=25,
                           days_per_week=5, equipment=["none", "mat"]))
    s.save_programme(Prescription((PrescribedItem("bridge", Dose(sets=2, reps=10),
                                                  ("mon", "wed", "fri")),),
                                  "A. Physio", START))
    for i in range(14):
        d = START + timedelta(days=i)
        s.put_checkin(PainCheckin(d, 7 - i // 4, "note " + str(i) if i == 13 else None))
        if d.weekday() in (0, 2, 4):
            s.add_session(Session(f"s-{d:%Y%m%d}-x", d, (
                ExerciseLog("bridge", "done", Dose(sets=2, reps=10), 6 if i == 2 else 2),)))


def test_the_command_writes_a_private_pdf_matching_progress(
        cli, backcare_home: Path, tmp_path: Path) -> None:
    seed(backcare_home)
    out = tmp_path / "report.pdf"
    res = cli("export", "--format", "pdf", "--out", str(out), "--date", "2026-03-15",
              "--name", "Sam Smith", "--json")
    assert res.exit_code == 0, res.output
    assert res.json()["format"] == "pdf"
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    text = pages_text(out.read_bytes())[0]
    progress = cli("progress", "--from", "2026-03-02", "--to", "2026-03-15",
                   "--date", "2026-03-15", "--json").json()
    shown = f"{progress['adherence_percent']:.1f}".rstrip("0").rstrip(".") + "%"
    assert shown in text
    assert f"{progress['pain']['baseline']} → " in text
    assert "Bridge: pain up to 6/10" in text
    assert "2026-03-02 to 2026-03-15" in text  # no --from: from the programme's start


@pytest.mark.parametrize("note", [
    "\n".join(["ok"] * 80),  # from before the note's line cap: 80 short lines
    "\n".join(["a long line of words that wraps more than once in the narrow note column"]
              * (NOTE_MAX_LINES - 1) + ["end"]),  # the line cap, each line wrapping
    "x" * NOTE_MAX_CHARS,  # the length cap, one unbroken word
    " ".join(["word"] * (NOTE_MAX_CHARS // 5)),  # the length cap, in words
], ids=["80-short-lines", "40-long-lines", "2000-characters", "400-words"])
def test_a_note_of_any_allowed_size_is_wrapped_and_cut_so_the_report_renders(
        note: str, tmp_path: Path) -> None:
    document = doc()
    for i in (3, 4, 58):  # on page 2, and among page 1's latest notes
        document["sessions"][i]["note"] = note
    data = get_exporter("pdf").render(context(doc=document, cache_dir=tmp_path)).data
    pages = pages_text(data)
    assert "Session log (60 sessions)" in pages[1]
    assert "…" in " ".join(pages[1:])  # the note was cut, and said so
