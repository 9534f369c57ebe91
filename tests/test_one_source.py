"""One computation for every figure (issue 12): `progress --json`, the PDF report, the FHIR
bundle and the guided session's summary are all drawn from the same ProgressReport. One
history goes in; every figure they share must come out the same."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli

from backcare.domain.models import (
    Assessment,
    Dose,
    ExerciseLog,
    PainCheckin,
    Profile,
    Session,
)
from backcare.domain.words import num, signed
from backcare.storage import Store

START = date(2026, 3, 2)  # a Monday
END = date(2026, 4, 15)  # a Wednesday: the last week is partial


def fill(home: Path) -> None:
    """Six and a half weeks: sessions most days with a walk, daily check-ins easing from 7,
    an ODI at each end, and one session where the bridge hurt 7/10."""
    s = Store(home)
    s.save_profile(
        Profile(
            start_date=START,
            baseline_pain=7,
            days_per_week=5,
            equipment=["none", "mat"],
            created=START,
        )
    )
    day = START
    n = 0
    while day <= END:
        s.put_checkin(PainCheckin(day, max(2, 7 - n // 8)))
        if day.weekday() < 5 and n % 4:
            s.add_session(
                Session(
                    f"s-{day:%Y%m%d}",
                    day,
                    (
                        ExerciseLog("bridge", "done", Dose(sets=2, reps=8), 7 if n == 9 else 2),
                        ExerciseLog(
                            "walking",
                            "done" if n % 3 else "partial",
                            Dose(duration_minutes=10 + n % 3 * 5),
                            None,
                        ),
                    ),
                )
            )
        day += timedelta(days=1)
        n += 1
    s.add_assessment(Assessment("a-1", START, "odi", [3] * 10, 60.0, "severe"))
    s.add_assessment(Assessment("a-2", END, "odi", [2] * 10, 40.0, "moderate"))


@pytest.fixture
def filled(cli: Cli, backcare_home: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("BACKCARE_TODAY", END.isoformat())
    fill(backcare_home)
    return cli


def progress_json(cli: Cli, start: date = START, end: date = END) -> dict[str, Any]:
    res = cli(
        "progress",
        "--json",
        "--from",
        start.isoformat(),
        "--to",
        end.isoformat(),
        "--date",
        END.isoformat(),
    )
    assert res.exit_code == 0, res.output
    data: dict[str, Any] = res.json()
    return data


def export(cli: Cli, tmp_path: Path, fmt: str) -> Path:
    out = tmp_path / f"out.{fmt}"
    res = cli(
        "export",
        "--format",
        fmt,
        "--out",
        str(out),
        "--from",
        START.isoformat(),
        "--to",
        END.isoformat(),
        "--date",
        END.isoformat(),
    )
    assert res.exit_code == 0, res.output
    return out


def test_the_pdf_shows_the_figures_of_progress(filled: Cli, tmp_path: Path) -> None:
    from pypdf import PdfReader

    p = progress_json(filled)
    pages = PdfReader(io.BytesIO(export(filled, tmp_path, "pdf").read_bytes())).pages
    one = " ".join((pages[0].extract_text() or "").split())
    assert f"{num(p['adherence_percent'])}%" in one
    assert f"{p['sessions_done']} of {p['sessions_planned']} planned days" in one
    pain = p["pain"]
    assert f"{num(pain['baseline'])} → {num(pain['current'])}" in one
    assert f"{signed(pain['change'])} points ({signed(pain['percent_change'], '%')})" in one
    odi = p["measures"]["odi"]
    assert (
        f"ODI {num(odi['baseline'])} → {num(odi['latest'])} ({signed(odi['change'])})"
        in " ".join(one.split())
    )
    assert f"{p['aerobic']['latest_week_minutes']} min" in one
    # Alerts cover the whole period (issue 11); page 1 shows each rule's most recent one, and
    # how many times and on which days it fired.
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for alert in p["alerts"]:  # most urgent first, then most recent first
        latest.setdefault((alert["level"], alert["rule"]), alert)
    for key, alert in latest.items():
        assert " ".join(alert["message"].split())[:40] in one
        times = sum(1 for a in p["alerts"] if (a["level"], a["rule"]) == key)
        assert times == 1 or f"Fired {times} times" in one
    flagged = {f["exercise_id"] for f in p["flagged_exercises"]}
    assert flagged == {"bridge"} and "Bridge: red 1 time, pain up to 7/10" in one


def test_the_pdf_figures_are_the_reports_own(filled: Cli, backcare_home: Path) -> None:
    """Below the text: the figures page 1 is drawn from are those of progress --json."""
    from backcare.commands.common import patient_record
    from backcare.commands.export import export_context
    from backcare.exporters import get_exporter
    from backcare.exporters.pdf_report import report_data

    p = progress_json(filled)
    ctx = export_context(
        get_exporter("pdf"),
        patient_record(END),
        START,
        END,
        on=END,
        exported_at=f"{END.isoformat()}T09:00:00+00:00",
        weeks=4,
    )
    assert ctx.report is not None and ctx.report.to_dict() == p
    data = report_data(ctx)
    assert data.adherence == f"{num(p['adherence_percent'])}%"
    assert [(d.date.isoformat(), d.exercise_id) for d in ctx.report.flagged] == [
        (f["date"], f["exercise_id"]) for f in p["flagged_exercises"]
    ]
    assert [(d.isoformat(), s) for d, s in data.pain_days] == [
        (x["date"], x["pain"]) for x in p["daily"] if x["pain"] is not None
    ]
    assert [(d.isoformat(), m) for d, m in data.pain_means] == [
        (x["date"], x["mean_7d"]) for x in p["daily"] if x["mean_7d"] is not None
    ]
    shown_weeks = {w[0]: w for w in data.weekly}
    for week in p["weekly"]:
        row = shown_weeks.get(week["week_start"])
        if row is not None:
            assert row[2] == num(week["mean_pain"]) and row[3] == num(week["aerobic_minutes"])


def test_the_fhir_activity_is_the_reports(filled: Cli, tmp_path: Path) -> None:
    p = progress_json(filled)
    bundle = json.loads(export(filled, tmp_path, "fhir").read_text(encoding="utf-8"))
    resources = [e["resource"] for e in bundle["entry"]]

    def coded(code: str) -> list[dict[str, Any]]:
        return [
            r
            for r in resources
            if r["resourceType"] == "Observation"
            and any(c.get("code") == code for c in r["code"].get("coding", []))
        ]

    minutes = coded("55411-3")  # exercise duration, one per session with aerobic minutes
    assert sum(o["valueQuantity"]["value"] for o in minutes) == sum(
        w["aerobic_minutes"] for w in p["weekly"]
    )
    by_day: dict[str, int] = {}
    for o in minutes:
        by_day[o["effectiveDateTime"]] = (
            by_day.get(o["effectiveDateTime"], 0) + o["valueQuantity"]["value"]
        )
    assert len(by_day) == sum(w["aerobic_days"] for w in p["weekly"])
    pain = [o for o in coded("72514-3") if "partOf" not in o]
    assert sorted((o["effectiveDateTime"], o["valueInteger"]) for o in pain) == sorted(
        (d["date"], d["pain"]) for d in p["daily"] if d["pain"] is not None
    )


def test_the_session_summary_says_this_weeks_progress_figures(filled: Cli) -> None:
    from backcare.commands.common import patient_record, progress_for, thresholds
    from backcare.domain.history import monday
    from backcare.render.session import summary_lines

    store = Store(Path(filled("doctor", "--json").json()["home"]))
    last = store.history(monday(END), END).sessions[-1]
    week = progress_for(patient_record(END, start=monday(END)), monday(END), END, END)
    lines = summary_lines(last, week, END, 600, thresholds())
    p = progress_json(filled, monday(END), END)
    assert (
        f"This week: {p['sessions_done']} of {p['sessions_planned']} planned days done "
        f"({num(p['adherence_percent'])}%)."
    ) in lines
