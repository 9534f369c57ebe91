"""`backcare handout --out FILE.pdf` and `programme export --format pdf` (issue 26): one block
per exercise, each with its pictures drawn as vector strokes and the exercise's name, on A4
or Letter; and the report's flagged exercises with their pictures."""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

Cli = Callable[..., Any]
TODAY = date(2026, 3, 9)  # a Monday
START = date(2026, 3, 2)
MM = 72 / 25.4  # PDF points in a millimetre
pytestmark = pytest.mark.usefixtures("warm_library_cache")

PRESCRIPTION = """\
prescribed_by: A. Physio
start: 2026-03-02
exercises:
  - id: bridge
    sets: 2
    reps: 10
    hold_seconds: 5
    days: [mon, wed, fri]
    note: squeeze your buttocks
  - id: walking
    duration_minutes: 15
  - id: cat-cow
    reps: 5
"""


def blocks(data: bytes) -> list[tuple[str, int, int]]:
    """Each exercise block of a handout: (its text, its vector strokes, its page), found by
    its frame, a rectangle as wide as the page's text."""
    import pdfplumber

    found = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            content_w = float(page.width) - 2 * 14 * MM
            for r in page.rects:
                if abs(float(r["width"]) - content_w) > 1:
                    continue
                x0, top, x1, bottom = r["x0"], r["top"], r["x1"], r["bottom"]

                def inside(
                    o: dict[str, Any],
                    x0: float = x0,
                    top: float = top,
                    x1: float = x1,
                    bottom: float = bottom,
                ) -> bool:
                    return (
                        x0 - 1 <= o["x0"]
                        and o["x1"] <= x1 + 1
                        and top - 1 <= o["top"]
                        and o["bottom"] <= bottom + 1
                    )

                strokes = sum(1 for o in page.lines + page.curves if inside(o))
                text = page.crop((x0, top, x1, bottom)).extract_text()
                found.append((text, strokes, number))
    return found


def page_size(data: bytes) -> tuple[float, float]:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return (round(float(pdf.pages[0].width)), round(float(pdf.pages[0].height)))


def qpdf_check(path: Path) -> None:
    if shutil.which("qpdf") is None:
        return  # checked where qpdf is installed (CI installs it)
    done = subprocess.run(
        ["qpdf", "--check", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_handout_has_one_block_per_exercise_of_the_weeks_plans(
    patient: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "handout.pdf"
    res = patient("handout", "--out", str(out), "--date", TODAY.isoformat(), "--json")
    assert res.exit_code == 0, res
    doc = res.json()
    assert (doc["from"], doc["to"]) == (TODAY.isoformat(), (TODAY + timedelta(6)).isoformat())
    # The exercises are those of each day's plan for the coming week, as `plan` shows them.
    planned: dict[str, list[str]] = {}
    for k in range(7):
        d = TODAY + timedelta(days=k)
        for item in patient("plan", "--date", d.isoformat(), "--json").json()["items"]:
            planned.setdefault(item["exercise_id"], []).append(
                ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[d.weekday()]
            )
    assert len(planned) >= 5
    assert {e["exercise_id"]: e["days"] for e in doc["exercises"]} == planned
    assert out.stat().st_mode & 0o777 == 0o600  # health data: readable by the patient only
    data = out.read_bytes()
    found = blocks(data)
    assert len(found) == len(planned) == len(doc["exercises"])
    names = patient("exercises", "list", "--json").json()["exercises"]
    name_of = {e["id"]: e["name"] for e in names}
    for (text, strokes, _), item in zip(found, doc["exercises"], strict=True):
        assert strokes >= 8, text
        assert " ".join(name_of[item["exercise_id"]].split()) in " ".join(text.split())
        assert "Tick when done" in text
    assert doc["pages"] == max(p for _, _, p in found)
    qpdf_check(out)


def test_handout_paper_follows_the_option_the_setting_and_the_locale(
    patient: Cli, tmp_path: Path, backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a4, letter = (595, 842), (612, 792)
    monkeypatch.setenv("LANG", "en_GB.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_PAPER", raising=False)

    def make(*extra: str) -> tuple[float, float]:
        out = tmp_path / "h.pdf"
        res = patient("handout", "--out", str(out), "--date", TODAY.isoformat(), "--force", *extra)
        assert res.exit_code == 0, res
        return page_size(out.read_bytes())

    assert make() == a4
    assert make("--paper", "letter") == letter
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    assert make() == letter
    (backcare_home / "settings.yaml").write_text("display:\n  paper: a4\n", encoding="utf-8")
    assert make() == a4  # the setting wins over the locale
    assert make("--paper", "letter") == letter  # and the option over both


def test_handout_never_replaces_a_file_and_names_the_patient_only_when_asked(
    patient: Cli, tmp_path: Path
) -> None:
    out = tmp_path / "h.pdf"
    out.write_bytes(b"mine")
    res = patient("handout", "--out", str(out), "--date", TODAY.isoformat())
    assert res.exit_code == 1
    assert "already exists; add --force" in res.stderr
    assert out.read_bytes() == b"mine"
    res = patient(
        "handout", "--out", str(out), "--date", TODAY.isoformat(), "--force", "--name", "Sam Smith"
    )
    assert res.exit_code == 0, res
    assert "For Sam Smith" in blocks_text(out.read_bytes())
    bad = patient(
        "handout", "--out", str(out), "--date", TODAY.isoformat(), "--force", "--name", "two\nlines"
    )
    assert bad.exit_code == 2


def blocks_text(data: bytes) -> str:
    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(p.extract_text() or "" for p in pdf.pages)


def test_programme_export_pdf_prints_the_prescription(cli: Cli, tmp_path: Path) -> None:
    rx = tmp_path / "rx.yaml"
    rx.write_text(PRESCRIPTION, encoding="utf-8")
    out = tmp_path / "rx.pdf"
    res = cli(
        "programme",
        "export",
        "--format",
        "pdf",
        "--file",
        str(rx),
        "--out",
        str(out),
        "--name",
        "Sam",
    )
    assert res.exit_code == 0, res
    found = blocks(out.read_bytes())
    assert [t.split("\n")[0] for t, _, _ in found] == ["Bridge", "Walking", "Cat-cow"]
    assert all(strokes >= 8 for _, strokes, _ in found)
    bridge = " ".join(found[0][0].split())
    assert "2 × 10, hold 5 s · Mon, Wed, Fri" in bridge
    assert "Your physiotherapist: squeeze your buttocks" in bridge
    # Handed over in the clinic, the patient's conditions are not known: every caution.
    assert "If you are pregnant" in bridge
    text = blocks_text(out.read_bytes())
    assert "Prescribed by A. Physio, from Monday 2 March 2026" in text
    assert "For Sam" in text
    qpdf_check(out)


def test_the_reports_flagged_exercise_has_its_picture(patient: Cli, tmp_path: Path) -> None:
    import pdfplumber

    day = TODAY.isoformat()
    res = patient(
        "log",
        "--date",
        day,
        "--done",
        "bridge",
        "--hurt",
        "bridge=8",
        "--pain-before",
        "3",
        "--pain-after",
        "3",
    )
    assert res.exit_code == 0, res
    out = tmp_path / "report.pdf"
    assert patient("export", "--format", "pdf", "--out", str(out), "--date", day).exit_code == 0
    with pdfplumber.open(out) as pdf:
        page = pdf.pages[0]
        row = next(w for w in page.extract_words() if w["text"] == "Bridge:")
        right = float(page.width) - 12 * MM - 30 * MM - 1
        beside = [
            o
            for o in page.lines + page.curves
            if o["x0"] >= right and row["top"] - 2 <= o["top"] <= row["top"] + 10 * MM
        ]
        assert len(beside) >= 8


def test_a_red_flag_stops_the_handout_as_it_stops_the_plan(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", TODAY.isoformat())
    assert (
        cli(
            "init",
            "--yes",
            "--no-conditions",
            "--red-flag",
            "night-pain",
            "--pain",
            "5",
            "--date",
            START.isoformat(),
        ).exit_code
        == 3
    )
    out = tmp_path / "h.pdf"
    res = cli("handout", "--out", str(out), "--date", TODAY.isoformat())
    assert res.exit_code == 3
    assert "STOP" in res.stderr and "Traceback" not in res.output
    assert not out.exists()  # no exercises handed out while a red flag stands
