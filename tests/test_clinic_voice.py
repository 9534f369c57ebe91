"""`clinic show` speaks about the patient, not to them (issue 22), and opens with their
conditions, red flags and clearances."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli
from test_clinic_cli import TODAY, export_doc, write

D = TODAY.isoformat()
SECOND_PERSON = re.compile(r"\b(you|your|yours|yourself)\b|well done|keep going|please tell",
                           re.IGNORECASE)


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", D)


def full_patient() -> dict[str, Any]:
    """A patient with something in every part of the view: a condition, a red flag at the
    screen since cleared, one at a check-in, an exercise that hurt, questionnaires, a goal."""
    doc = export_doc("pt-full000000000001", pain=5, baseline=6)
    doc["profile"].update(conditions=["osteoporosis"], red_flags=["night-pain"],
                          cleared_by_clinician=True, cleared_on="2026-03-10")
    doc["sessions"][-2]["exercises"][0]["pain"] = 8
    flag_day = (TODAY - timedelta(days=3)).isoformat()
    for c in doc["pain_checkins"]:
        if c["date"] == flag_day:
            c["symptoms"] = ["fever"]
    doc["assessments"] = [
        {"id": f"a-2026030{n}-psfs0001", "date": f"2026-03-0{n}", "instrument": "psfs",
         "answers": {"walking": n - 5, "bending": n - 6, "sitting": 4}, "score": None,
         "band": None} for n in (8, 9)]
    for a in doc["assessments"]:
        ratings = list(a["answers"].values())
        a["score"] = round(sum(ratings) / len(ratings), 2)
    doc["goals"] = [{"id": 1, "text": "walk the dog", "created": "2026-03-08",
                     "by": "2026-04-30", "psfs_activity": None, "done_on": None}]
    return doc


def test_show_speaks_about_the_patient_and_opens_with_their_safety(
        cli: Cli, tmp_path: Path) -> None:
    res = cli("clinic", "add", str(write(tmp_path, "full.json", full_patient())),
              "--as", "Mr Patel", "--date", D)
    assert res.exit_code == 0, res.output
    shown = cli("clinic", "show", "patel", "--date", D)
    assert shown.exit_code == 0, shown.output
    text = shown.stdout
    assert not SECOND_PERSON.search(text), SECOND_PERSON.search(text)
    assert "Exercised on" in text and "Goals" in text and "Alerts" in text
    assert "Exercises that hurt" in text and "The plan eases these off." in text
    head = text[:text.index("Exercise ")]
    assert "Conditions" in head and "osteoporosis" in head
    assert "night-pain (cleared by a clinician)" in head
    assert "fever" in head and "Clearance" in head and "10 Mar 2026" in head
    doc = cli("clinic", "show", "patel", "--json", "--date", D).json()
    assert doc["voice"] == "clinician"
    assert doc["clinical"]["conditions"] == ["osteoporosis"]
    assert doc["clinical"]["red_flags_reported"] == [
        {"date": (TODAY - timedelta(days=3)).isoformat(), "symptoms": ["fever"]}]
    assert not SECOND_PERSON.search(doc["verdict_text"])
    # The patient's own view of the same figures still speaks to them.
    from backcare.render import progress as render_progress

    assert render_progress.PATIENT.exercised == "You exercised on"
