"""`backcare visit` and `backcare history`: clinic visits, and the log read back, as a table
or as JSON shaped exactly like the JSON export (CONTRACT.md).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, snapshot

START = date(2026, 3, 2)
TODAY = date(2026, 3, 20)


SESSION_KEYS = {"id", "date", "pain_before", "pain_after", "note", "exercises"}
EXERCISE_KEYS = {
    "exercise_id",
    "status",
    "sets",
    "reps",
    "hold_seconds",
    "duration_minutes",
    "pain",
}
CHECKIN_KEYS = {"date", "score", "note", "symptoms", "flare"}
ASSESSMENT_KEYS = {"date", "instrument", "answers", "score", "band"}
VISIT_KEYS = {"date", "kind", "note"}


def day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


@pytest.fixture
def logged(patient: Cli) -> Cli:
    """A few days of everything: sessions, check-ins, an assessment, visits."""
    for args in (
        ("pain", "5", "--date", day(0), "--note", "first day"),
        ("log", "--date", day(0), "--pain-before", "5", "--pain-after", "4"),
        ("pain", "4", "--date", day(1), "--symptom", "tingling"),
        (
            "log",
            "--date",
            day(1),
            "--done",
            "bridge,walking",
            "--hurt",
            "bridge=6",
            "--minutes",
            "walking=12",
            "--note",
            "bridge was sore",
        ),
        ("pain", "6", "--date", day(2), "--flare"),
        ("assess", "peg", "--answers", "5,4,6", "--date", day(2)),
        ("visit", "--kind", "manual-therapy", "--date", day(3), "--note", "mobilisation"),
        ("visit", "--kind", "assessment", "--date", day(5)),
        ("visit", "--date", day(6)),
    ):
        res = patient(*args)
        assert res.exit_code == 0, (args, res.output)
    return patient


def history(cli: Cli, *args: str) -> dict[str, Any]:
    res = cli("history", "--json", *args)
    assert res.exit_code == 0, res.output
    doc: dict[str, Any] = res.json()
    return doc


# --- visit ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["manual-therapy", "assessment", "other"])
def test_a_visit_is_recorded(patient: Cli, kind: str) -> None:
    res = patient("visit", "--kind", kind, "--date", day(3), "--note", "with A. Physio", "--json")
    assert res.exit_code == 0, res.output
    assert {k: res.json()[k] for k in VISIT_KEYS} == {
        "date": day(3),
        "kind": kind,
        "note": "with A. Physio",
    }
    (v,) = history(patient, "--from", day(0))["visits"]
    assert {k: v[k] for k in VISIT_KEYS} == {"date": day(3), "kind": kind, "note": "with A. Physio"}


def test_a_visit_defaults_to_today_and_other(patient: Cli) -> None:
    res = patient("visit")
    assert res.exit_code == 0 and "other" in res.stderr
    (v,) = history(patient)["visits"]
    assert (v["date"], v["kind"], v["note"]) == (TODAY.isoformat(), "other", None)


@pytest.mark.parametrize(
    ("args", "code", "named"),
    [
        (["--kind", "massage"], 2, "--kind 'massage' is not one of manual-therapy"),
        (["--date", (TODAY + timedelta(days=1)).isoformat()], 1, "in the future"),
        (["--note", "x" * 3000], 1, "--note"),
        (["--date", "2026-13-01"], 2, "2026-13-01"),
    ],
)
def test_a_bad_visit_is_refused_and_nothing_is_written(
    patient: Cli, backcare_home: Path, args: list[str], code: int, named: str
) -> None:
    before = snapshot(backcare_home)
    res = patient("visit", *args)
    assert res.exit_code == code and named in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert snapshot(backcare_home) == before


# --- history --json -------------------------------------------------------------------------


def test_history_json_has_the_four_lists_shaped_as_the_export(logged: Cli) -> None:
    h = history(logged, "--from", day(0))
    assert {"sessions", "pain_checkins", "assessments", "visits"} <= set(h)
    assert len(h["sessions"]) == 2 and len(h["pain_checkins"]) == 3
    assert len(h["assessments"]) == 1 and len(h["visits"]) == 3
    for s in h["sessions"]:
        assert set(s) >= SESSION_KEYS
        for e in s["exercises"]:
            assert set(e) >= EXERCISE_KEYS
            assert e["status"] in ("done", "partial", "skipped")
    for c in h["pain_checkins"]:
        assert set(c) >= CHECKIN_KEYS
    for a in h["assessments"]:
        assert set(a) >= ASSESSMENT_KEYS
    for v in h["visits"]:
        assert set(v) >= VISIT_KEYS


def test_history_json_equals_the_export(logged: Cli, tmp_path: Path) -> None:
    out = tmp_path / "export.json"
    res = logged("export", "--format", "json", "--out", str(out))
    assert res.exit_code == 0, res.output
    export = json.loads(out.read_text(encoding="utf-8"))
    h = history(logged, "--from", day(0))
    for key in ("sessions", "pain_checkins", "assessments", "visits"):
        assert h[key] == export[key], key


def test_history_json_carries_every_logged_value(logged: Cli) -> None:
    h = history(logged, "--from", day(0))
    first, second = h["sessions"]
    assert (first["date"], first["pain_before"], first["pain_after"]) == (day(0), 5, 4)
    assert second["note"] == "bridge was sore"
    ex = {e["exercise_id"]: e for e in second["exercises"]}
    assert (ex["bridge"]["status"], ex["bridge"]["pain"]) == ("done", 6)
    assert (ex["walking"]["status"], ex["walking"]["duration_minutes"]) == ("done", 12)
    checkins = [
        (c["date"], c["score"], c["note"], c["symptoms"], c["flare"]) for c in h["pain_checkins"]
    ]
    assert checkins == [
        (day(0), 5, "first day", [], False),
        (day(1), 4, None, ["tingling"], False),
        (day(2), 6, None, [], True),
    ]
    (a,) = h["assessments"]
    assert (a["date"], a["instrument"], a["score"]) == (day(2), "peg", 5.0)
    assert [(v["date"], v["kind"], v["note"]) for v in h["visits"]] == [
        (day(3), "manual-therapy", "mobilisation"),
        (day(5), "assessment", None),
        (day(6), "other", None),
    ]


def test_history_from_and_to_limit_every_list(logged: Cli) -> None:
    h = history(logged, "--from", day(1), "--to", day(3))
    assert [s["date"] for s in h["sessions"]] == [day(1)]
    assert [c["date"] for c in h["pain_checkins"]] == [day(1), day(2)]
    assert [a["date"] for a in h["assessments"]] == [day(2)]
    assert [v["date"] for v in h["visits"]] == [day(3)]
    only = history(logged, "--from", day(5), "--to", day(5))
    assert (only["sessions"], only["pain_checkins"], only["assessments"]) == ([], [], [])
    assert [v["kind"] for v in only["visits"]] == ["assessment"]


def test_history_defaults_to_the_four_weeks_to_today(logged: Cli) -> None:
    h = history(logged)
    assert h["to"] == TODAY.isoformat()
    assert h["from"] == (TODAY - timedelta(days=27)).isoformat()
    assert len(h["sessions"]) == 2
    assert history(logged, "--to", day(0))["sessions"][0]["date"] == day(0)


def test_history_date_is_the_day_it_reports_up_to(logged: Cli) -> None:
    h = history(logged, "--date", day(1))
    assert (h["from"], h["to"]) == ((START + timedelta(days=1 - 27)).isoformat(), day(1))
    assert [s["date"] for s in h["sessions"]] == [day(0), day(1)]
    assert history(logged, "--date", day(1), "--to", day(0))["to"] == day(0)


@pytest.mark.parametrize(
    ("args", "code", "named"),
    [
        (["--date", "2026-W02-3"], 2, "--date"),
        (["--date", "0001-01-01"], 2, "--date"),
        (["--from", day(5), "--to", day(1)], 1, "is after --to"),
        (["--from", "2026-02-30"], 2, "--from"),
        (["--to", "yesterday"], 2, "--to"),
    ],
)
def test_bad_history_ranges_are_refused(
    logged: Cli, args: list[str], code: int, named: str
) -> None:
    res = logged("history", *args)
    assert res.exit_code == code and named in res.stderr and res.stdout == ""


# --- history as a table ---------------------------------------------------------------------


def test_history_table_shows_each_kind_of_record(logged: Cli) -> None:
    res = logged("history", "--from", day(0))
    assert res.exit_code == 0, res.output
    text = res.stdout
    for word in (
        "session",
        "pain",
        "assessment",
        "visit",
        "manual therapy",
        "mobilisation",
        "bridge was sore",
        "tingling",
        "flare-up",
        "6/10 red",
        "peg",
    ):
        assert word in text, word


def test_history_table_shows_each_records_id(logged: Cli) -> None:
    doc = history(logged, "--from", day(0))
    text = logged("history", "--from", day(0)).stdout
    ids = [
        r["id"]
        for kind in ("sessions", "pain_checkins", "assessments", "visits")
        for r in doc[kind]
    ]
    assert len(ids) == 9 and all(i in text for i in ids)
    assert "backcare edit ID" in " ".join(text.split())
    # Ids come in the JSON too, each kind with its own.
    assert doc["pain_checkins"][0]["id"] == f"p-{day(0)}"
    assert all(s["id"].startswith("s-") for s in doc["sessions"])


def test_a_pain_not_given_is_not_recorded_not_none(patient: Cli) -> None:
    assert patient("log", "--date", day(1), "--pain-before", "3").exit_code == 0
    text = " ".join(patient("history", "--from", day(0)).stdout.split())
    assert "pain 3→not recorded" in text and "None" not in text


def test_history_table_prints_notes_as_written(patient: Cli) -> None:
    """Notes are the patient's words: brackets are not rich markup (it used to crash)."""
    for args in (
        ("pain", "3", "--note", "[/] odd [bold]note"),
        ("visit", "--note", "[red]physio[/red]"),
        ("log", "--note", "[/]"),
    ):
        assert patient(*args).exit_code == 0, args
    res = patient("history")
    assert res.exit_code == 0, res.output
    flat = "".join(res.stdout.split())
    assert "[/]odd[bold]note" in flat and "[red]physio[/red]" in flat


def test_empty_history_says_how_to_start(patient: Cli) -> None:
    res = patient("history")
    assert res.exit_code == 0 and "Nothing recorded" in res.stdout
    assert history(patient)["sessions"] == []
