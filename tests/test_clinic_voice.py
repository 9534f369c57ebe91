"""`clinic show` speaks about the patient, not to them (issue 22), and opens with their
conditions, red flags and clearances."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli
from test_clinic_cli import TODAY, export_doc, write

D = TODAY.isoformat()
SECOND_PERSON = re.compile(
    r"\b(you|your|yours|yourself)\b|well done|keep going|please tell", re.IGNORECASE
)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", D)


def full_patient() -> dict[str, Any]:
    """A patient with something in every part of the view: a condition, a red flag at the
    screen since cleared, one at a check-in, an exercise that hurt, questionnaires, a goal."""
    doc = export_doc("pt-full000000000001", pain=5, baseline=6)
    doc["profile"].update(
        conditions=["osteoporosis"],
        red_flags=["night-pain"],
        cleared_by_clinician=True,
        cleared_on="2026-03-10",
    )
    doc["sessions"][-2]["exercises"][0]["pain"] = 8
    flag_day = (TODAY - timedelta(days=3)).isoformat()
    for c in doc["pain_checkins"]:
        if c["date"] == flag_day:
            c["symptoms"] = ["fever"]
    doc["assessments"] = [
        {
            "id": f"a-2026030{n}-psfs0001",
            "date": f"2026-03-0{n}",
            "instrument": "psfs",
            "answers": {"walking": n - 5, "bending": n - 6, "sitting": 4},
            "score": None,
            "band": None,
        }
        for n in (8, 9)
    ]
    for a in doc["assessments"]:
        ratings = list(a["answers"].values())
        a["score"] = round(sum(ratings) / len(ratings), 2)
    doc["goals"] = [
        {
            "id": 1,
            "text": "walk the dog",
            "created": "2026-03-08",
            "by": "2026-04-30",
            "psfs_activity": None,
            "done_on": None,
        }
    ]
    return doc


def test_show_speaks_about_the_patient_and_opens_with_their_safety(
    cli: Cli, tmp_path: Path
) -> None:
    res = cli(
        "clinic",
        "add",
        str(write(tmp_path, "full.json", full_patient())),
        "--as",
        "Mr Patel",
        "--date",
        D,
    )
    assert res.exit_code == 0, res.output
    shown = cli("clinic", "show", "patel", "--date", D)
    assert shown.exit_code == 0, shown.output
    text = shown.stdout
    assert (
        "from their export of 20 Mar 2026 (today): every figure is as of that day" in shown.stderr
    )
    assert not SECOND_PERSON.search(text), SECOND_PERSON.search(text)
    assert "Exercised on" in text and "Goals" in text and "Alerts" in text
    assert "Exercises that hurt" in text and "The plan eases these off." in text
    head = text[: text.index("Exercise ")]
    assert "Conditions" in head and "osteoporosis" in head
    assert "night-pain (cleared by a clinician)" in head
    assert "fever" in head and "Clearance" in head and "10 Mar 2026" in head
    doc = cli("clinic", "show", "patel", "--json", "--date", D).json()
    assert doc["voice"] == "clinician"
    assert doc["clinical"]["conditions"] == ["osteoporosis"]
    assert doc["clinical"]["red_flags_reported"] == [
        {"date": (TODAY - timedelta(days=3)).isoformat(), "symptoms": ["fever"]}
    ]
    assert not SECOND_PERSON.search(doc["verdict_text"])
    # The patient's own view of the same figures still speaks to them.
    from backcare.render import progress as render_progress

    assert render_progress.PATIENT.exercised == "You exercised on"


# --- the report -------------------------------------------------------------------------------


def report_pages(cli: Cli, tmp_path: Path, doc: dict[str, Any], *extra: str) -> list[str]:
    from test_export_pdf import pages_text

    path = write(tmp_path, "p.json", doc)
    assert cli("clinic", "add", str(path), "--as", "Mr Patel", "--date", D).exit_code == 0
    out = tmp_path / "patel.pdf"
    res = cli("clinic", "report", "patel", "--out", str(out), "--date", D, *extra)
    assert res.exit_code == 0, res.output
    return pages_text(out.read_bytes())


def test_the_report_is_dated_as_its_export_and_opens_with_conditions_and_red_flags(
    cli: Cli, tmp_path: Path
) -> None:
    doc = full_patient()
    doc["exported_at"] = "2026-03-16T18:00:00+00:00"
    pages = report_pages(cli, tmp_path, doc)
    one = pages[0]
    assert "Exported 2026-03-16" in one and "2026-03-20" not in one.split("Exported")[1][:12]
    assert one.index("Conditions and red flags") < one.index("ADHERENCE")
    assert "osteoporosis" in one and "night-pain (cleared by a clinician)" in one
    assert "Trends" in one  # the charts stay on page 1
    assert not SECOND_PERSON.search(" ".join(pages)), SECOND_PERSON.search(" ".join(pages))


def test_every_check_in_note_reaches_the_report_beside_its_day(cli: Cli, tmp_path: Path) -> None:
    doc = export_doc("pt-note000000000001", days=14)
    for n, c in enumerate(doc["pain_checkins"][:12]):
        c["note"] = f"stiff morning number {n + 1}"
    pages = report_pages(cli, tmp_path, doc)
    log = " ".join(pages[1:])
    assert "Check-in notes (12)" in log
    for n, c in enumerate(doc["pain_checkins"][:12]):
        assert f"{c['date']} {c['score']}/10 stiff morning number {n + 1}" in log


def test_page_one_lists_the_8_latest_red_exercises_and_keeps_the_charts() -> None:
    from test_export_pdf import context, pages_text

    from backcare.domain.analytics import FlaggedExercise
    from backcare.exporters import get_exporter
    from backcare.loading.library import load_library

    lib = load_library(None)
    ids = [e.id for e in lib][:35]
    assert len(ids) == 35
    flagged = tuple(
        FlaggedExercise(date(2026, 3, 2) + timedelta(days=n), ident, 8, f"s-{n}")
        for n, ident in enumerate(ids)
    )
    names = {e.id: e.name for e in lib}
    ctx = context(figures={"flagged": flagged}, exercise_names=names)
    pages = pages_text(get_exporter("pdf").render(ctx).whole()[0])
    one = pages[0]
    assert "Trends" in one and "Week by week" in one
    shown = [names[i] for i in ids if f"{names[i]}: red 1 time" in one]
    assert shown == [names[i] for i in ids[-8:]]  # the 8 most recent
    assert "and 27 exercises red earlier" in one
    rest = " ".join(pages[1:])
    assert all(f"{names[i]}: red 1 time" in rest for i in ids)
