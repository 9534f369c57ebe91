"""Worsening must exceed measurement error before it is called important, and critical alerts
are for safety only (issue 21, CLINICAL.md §12), in `progress`, the PDF and `clinic list`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

Cli = Callable[..., Any]
TODAY = date(2026, 3, 30)
START = date(2026, 3, 1)
BASELINE_PAIN = 1
END = TODAY.isoformat()

pytestmark = pytest.mark.usefixtures("warm_library_cache")


def odi(total: int) -> str:
    """ODI answers whose score is total / 50 × 100."""
    answers = [min(5, max(0, total - 5 * n)) for n in range(10)]
    return ",".join(map(str, answers))


def progress(cli: Cli) -> dict[str, Any]:
    res = cli("progress", "--json", "--from", START.isoformat(), "--to", END, "--date", END)
    assert res.exit_code == 0, res.output
    doc: dict[str, Any] = res.json()
    return doc


def assess(cli: Cli, instrument: str, answers: str, day: date) -> None:
    res = cli("assess", instrument, "--answers", answers, "--date", day.isoformat())
    assert res.exit_code == 0, res.output


def test_pain_1_to_1_43_is_not_an_important_worsening(patient: Cli) -> None:
    for n in range(7):  # six days at 1, one at 4: a mean of 10/7 = 1.43
        day = TODAY - timedelta(days=n)
        assert patient("pain", "4" if n == 3 else "1", "--date", day.isoformat()).exit_code == 0
    doc = progress(patient)
    assert doc["pain"]["current"] == 1.4 and doc["pain"]["important_worsening"] is False
    assert doc["verdict"] != "worse"
    text = patient("progress", "--date", END).stdout
    assert "Please tell your physiotherapist" not in text


@pytest.mark.parametrize(
    ("instrument", "first", "then"),
    [
        ("odi", odi(2), odi(3)),  # 4 -> 6: +50%, 2 points
        ("psfs", "walking=5,sitting=5,lifting=5", "walking=4,sitting=4,lifting=4"),  # 5 -> 4
        ("rmdq", ",".join(["y"] * 4 + ["n"] * 20), ",".join(["y"] * 7 + ["n"] * 17)),  # 4 -> 7
    ],
)
def test_a_questionnaire_worsening_within_measurement_error_is_not_important(
    patient: Cli, instrument: str, first: str, then: str
) -> None:
    assess(patient, instrument, first, START)
    assess(patient, instrument, then, TODAY)
    doc = progress(patient)
    m = doc["measures"][instrument]
    assert m["direction"] == "worse" and m["important_worsening"] is False
    assert "function-down-20" not in {a["rule"] for a in doc["alerts"]}
    assert all(a["level"] != "critical" for a in doc["alerts"])


def test_odi_20_to_40_is_an_important_worsening_and_a_high_alert(patient: Cli) -> None:
    assess(patient, "odi", odi(10), START)
    assess(patient, "odi", odi(20), TODAY)
    doc = progress(patient)
    m = doc["measures"]["odi"]
    assert (m["baseline"], m["latest"], m["important_worsening"]) == (20.0, 40.0, True)
    [alert] = [a for a in doc["alerts"] if a["rule"] == "function-down-20"]
    assert alert["level"] == "high"  # a questionnaire is high at most
    assert "clearly worse" in patient("progress", "--date", END).stdout


def test_psfs_with_different_activities_has_no_verdict(patient: Cli) -> None:
    assess(patient, "psfs", "walking=3,sitting=3,lifting=4", START)
    assess(patient, "psfs", "walking=5,gardening=6,reading=5", TODAY)
    m = progress(patient)["measures"]["psfs"]
    assert m["change"] is None and m["percent_change"] is None
    assert m["clinically_important"] is False and m["important_worsening"] is False
    assert m["direction"] == "activities differ" and "walking" in m["note"]
    text = " ".join(patient("progress", "--date", END).stdout.split())
    assert "not compared" in text and "no change" not in text


def test_the_pdf_gives_progress_verdict_and_keeps_two_alerts_apart(
    patient: Cli, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    # One 8/10 day, then 3 days in a row at 7 or more: two alerts. Pain 1 -> about 4:
    # a clinically important worsening in progress, and in the PDF too.
    scores = {
        TODAY - timedelta(days=9): 8,
        TODAY - timedelta(days=2): 7,
        TODAY - timedelta(days=1): 8,
        TODAY: 7,
    }
    for n in range(10):
        day = TODAY - timedelta(days=n)
        assert patient("pain", str(scores.get(day, 3)), "--date", day.isoformat()).exit_code in (
            0,
            3,
        )
    assess(patient, "rmdq", ",".join(["y"] * 12 + ["n"] * 12), TODAY)
    doc = progress(patient)
    assert doc["verdict"] == "worse"
    rules = [(a["level"], a["rule"]) for a in doc["alerts"]]
    assert ("critical", "severe-pain-3-days") in rules and ("high", "severe-pain") in rules
    out = tmp_path / "report.pdf"
    assert (
        patient(
            "export",
            "--format",
            "pdf",
            "--from",
            START.isoformat(),
            "--to",
            END,
            "--out",
            str(out),
            "--date",
            END,
        ).exit_code
        == 0
    )
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(out).pages).split())
    assert "a clinically important worsening" in text
    assert "not yet clinically important" not in text
    assert "3 check-ins in a row" in text and "Pain 8/10 reported on" in text
    assert "RMDQ 12 (first result)" in text and "12 → 12" not in text
    # clinic list reads the same verdict: "worse", with the progress report's figures.
    export = tmp_path / "me.json"
    assert patient("export", "--format", "json", "--out", str(export), "--date", END).exit_code == 0
    assert patient("clinic", "add", str(export), "--as", "Pat").exit_code == 0
    [row] = patient("clinic", "list", "--json", "--date", END).json()["patients"]
    assert row["pain"]["verdict"] == doc["verdict"] == "worse"
    assert "↑" in patient("clinic", "list", "--date", END).stdout
