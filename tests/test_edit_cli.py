"""`backcare edit ID`: a recorded session, check-in, questionnaire or visit can be corrected
with the options of the command that made it (issue 14). The plan, progress and alerts
follow the corrected record at once, every correction is kept in the audit trail, and no
correction lifts a red-flag stop.

The interactive edit, at a real terminal, is in test_edit_pty.py.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, snapshot

from backcare.storage import Store

START = date(2026, 3, 2)  # a Monday
TODAY = date(2026, 3, 6)
BASELINE_PAIN = 4
DAY = TODAY - timedelta(days=1)


def history(cli: Cli) -> dict[str, Any]:
    res = cli("history", "--from", START.isoformat(), "--json")
    assert res.exit_code == 0, res.output
    doc: dict[str, Any] = res.json()
    return doc


def only(cli: Cli, kind: str) -> dict[str, Any]:
    (record,) = history(cli)[kind]
    return record


def plan(cli: Cli, day: date = TODAY) -> dict[str, Any]:
    res = cli("plan", "--date", day.isoformat(), "--json")
    assert res.exit_code == 0, res.output
    doc: dict[str, Any] = res.json()
    return doc


def strengthening(cli: Cli, day: date) -> list[str]:
    return [i["exercise_id"] for i in plan(cli, day)["items"] if i["category"] == "strengthening"]


def library_ids(cli: Cli) -> list[dict[str, Any]]:
    doc = cli("exercises", "list", "--json").json()
    rows: list[dict[str, Any]] = doc if isinstance(doc, list) else doc["exercises"]
    return rows


# --- the plan, progress and alerts follow a corrected record ---------------------------------


def test_correcting_a_red_answer_to_green_changes_the_next_plans_reason(patient: Cli) -> None:
    # An exercise of yesterday's plan whose family is in today's plan too.
    ex = next(i for i in strengthening(patient, DAY) if i in strengthening(patient, TODAY))
    res = patient(
        "log",
        "--date",
        DAY.isoformat(),
        "--done",
        ex,
        "--hurt",
        f"{ex}=8",
        "--pain-after",
        "2",
        "--json",
    )
    assert res.exit_code == 0, res.output
    session = res.json()["id"]
    red = [i["reason"] for i in plan(patient)["items"] if "hurt 8/10" in i["reason"]]
    assert red, plan(patient)["items"]  # the red answer shapes today's plan

    res = patient("edit", session, "--hurt", f"{ex}=2")
    assert res.exit_code == 0, res.output
    assert "pain: 8 → 2" in res.stderr
    reasons = [i["reason"] for i in plan(patient)["items"]]
    assert not any("hurt 8/10" in r for r in reasons)
    assert any(
        "1 more comfortable session" in r or "2 more comfortable sessions" in r for r in reasons
    ), reasons
    assert only(patient, "sessions")["exercises"][0]["pain"] == 2


def test_progress_and_alerts_follow_a_corrected_check_in(patient: Cli) -> None:
    assert patient("pain", "8", "--date", DAY.isoformat()).exit_code == 0
    doc = patient("progress", "--json").json()
    assert any(a["rule"] == "severe-pain" for a in doc["alerts"])
    assert doc["pain"]["latest"] == 8
    assert patient("edit", f"p-{DAY.isoformat()}", "--score", "3").exit_code == 0
    doc = patient("progress", "--json").json()
    assert not any(a["rule"] == "severe-pain" for a in doc["alerts"])
    assert doc["pain"]["latest"] == 3
    assert plan(patient)["mode"] == "normal"  # no flare-up from a score now 3


# --- each kind of record, with its own command's options -------------------------------------


def test_a_session_takes_the_options_of_log(patient: Cli) -> None:
    items = plan(patient, DAY)["items"]
    walk = next(i["exercise_id"] for i in items if i["category"] == "aerobic")
    other = next(i["exercise_id"] for i in items if i["category"] == "stretching")
    res = patient("log", "--date", DAY.isoformat(), "--done", f"{walk},{other}", "--json")
    ident = res.json()["id"]
    res = patient(
        "edit",
        ident,
        "--partial",
        walk,
        "--minutes",
        f"{walk}=4",
        "--skipped",
        other,
        "--pain-before",
        "3",
        "--pain-after",
        "2",
        "--note",
        "rain",
    )
    assert res.exit_code == 0, res.output
    s = only(patient, "sessions")
    got = {e["exercise_id"]: e for e in s["exercises"]}
    assert (got[walk]["status"], got[walk]["duration_minutes"]) == ("partial", 4)
    # A skipped exercise has no dose and no minutes.
    assert got[other]["status"] == "skipped"
    assert [got[other][k] for k in ("sets", "reps", "hold_seconds", "duration_minutes")] == [
        None
    ] * 4
    assert (s["id"], s["pain_before"], s["pain_after"], s["note"]) == (ident, 3, 2, "rain")
    # '' removes the note; the rest stays as it is.
    assert patient("edit", ident, "--note", "").exit_code == 0
    assert only(patient, "sessions")["note"] is None
    assert only(patient, "sessions")["pain_after"] == 2


def test_an_exercise_added_by_an_edit_is_planned_or_an_extra(patient: Cli) -> None:
    items = plan(patient, DAY)["items"]
    planned = [i for i in items if i["category"] == "strengthening"]
    ident = patient(
        "log", "--date", DAY.isoformat(), "--done", planned[0]["exercise_id"], "--json"
    ).json()["id"]
    extra = next(
        e["id"]
        for e in library_ids(patient)
        if e["id"] not in {i["exercise_id"] for i in items}
        and e["level"] == 1
        and e["category"] == "posture"
    )
    res = patient("edit", ident, "--done", f"{planned[-1]['exercise_id']},{extra}")
    assert res.exit_code == 0, res.output
    got = {e["exercise_id"]: e for e in only(patient, "sessions")["exercises"]}
    assert not got[planned[-1]["exercise_id"]].get("extra")
    assert got[planned[-1]["exercise_id"]]["reps"] == planned[-1]["reps"]
    assert got[extra]["extra"] is True


def test_a_check_in_takes_the_options_of_pain(patient: Cli) -> None:
    assert patient("pain", "5", "--date", DAY.isoformat(), "--note", "stiff").exit_code == 0
    ident = f"p-{DAY.isoformat()}"
    res = patient("edit", ident, "--score", "3", "--symptom", "tingling", "--flare", "--json")
    assert res.exit_code == 0, res.output
    doc = res.json()
    assert doc["before"]["score"] == 5 and doc["after"]["score"] == 3
    c = only(patient, "pain_checkins")
    assert (c["score"], c["symptoms"], c["flare"], c["note"]) == (3, ["tingling"], True, "stiff")
    assert patient("edit", ident, "--symptom", "none", "--no-flare").exit_code == 0
    c = only(patient, "pain_checkins")
    assert (c["symptoms"], c["flare"]) == ([], False)


def test_a_check_in_moved_to_another_day_takes_that_days_id(patient: Cli) -> None:
    assert patient("pain", "5", "--date", DAY.isoformat()).exit_code == 0
    earlier = DAY - timedelta(days=1)
    res = patient("edit", f"p-{DAY.isoformat()}", "--date", earlier.isoformat())
    assert res.exit_code == 0, res.output
    assert only(patient, "pain_checkins")["id"] == f"p-{earlier.isoformat()}"
    # One check-in a day: moving another onto a day that has one is refused.
    assert patient("pain", "6", "--date", DAY.isoformat()).exit_code == 0
    res = patient("edit", f"p-{DAY.isoformat()}", "--date", earlier.isoformat())
    assert res.exit_code == 1 and "already has a pain check-in" in res.stderr


def test_a_questionnaire_is_scored_again(patient: Cli) -> None:
    res = patient("assess", "peg", "--answers", "6,5,7", "--date", DAY.isoformat(), "--json")
    assert res.exit_code == 0
    ident = only(patient, "assessments")["id"]
    res = patient("edit", ident, "--answers", "3,3,3")
    assert res.exit_code == 0, res.output
    a = only(patient, "assessments")
    assert (a["answers"], a["score"]) == ([3, 3, 3], 3.0)
    res = patient("edit", ident, "--answers", "3,3")
    assert res.exit_code == 2 and "3 answers" in res.stderr


def test_a_visit_takes_the_options_of_visit(patient: Cli) -> None:
    assert patient("visit", "--date", DAY.isoformat()).exit_code == 0
    ident = only(patient, "visits")["id"]
    res = patient("edit", ident, "--kind", "manual-therapy", "--note", "L4-L5")
    assert res.exit_code == 0, res.output
    v = only(patient, "visits")
    assert (v["kind"], v["note"]) == ("manual-therapy", "L4-L5")


def test_a_session_moved_to_another_month_is_found_by_its_id(patient: Cli) -> None:
    ident = patient("log", "--date", START.isoformat(), "--json").json()["id"]
    feb = date(2026, 2, 27)
    assert patient("edit", ident, "--date", feb.isoformat()).exit_code == 0
    res = patient("history", "--from", feb.isoformat(), "--json")
    assert [s["date"] for s in res.json()["sessions"]] == [feb.isoformat()]
    assert patient("edit", ident, "--pain-after", "2").exit_code == 0


# --- refusals: one line, nothing written ------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (["s-20990101-00000000", "--note", "x"], 1, "no record has the id"),
        (["{session}", "--score", "3"], 2, "--score is not for a session"),
        (["{session}", "--kind", "other", "--flare"], 2, "are not for a session"),
        (["{session}"], 2, "edit needs an option"),
        (["{session}", "--hurt", "bridge=11"], 2, "bridge=11"),
        (["{session}", "--done", "brige"], 1, "did you mean 'bridge'"),
        (["{session}", "--date", "2026-03-07"], 1, "in the future"),
        (["{session}", "--pain-after", "12"], 2, "--pain-after 12"),
        (["{session}", "--note", "bad\x07bell"], 1, "control characters"),
        (["{session}", "--minutes", "bridge=5", "--done", "bridge"], 1, "not timed"),
        (["p-2026-03-05", "--answers", "1,2,3"], 2, "--answers is not for a pain check-in"),
    ],
)
def test_bad_edits_are_refused_and_write_nothing(
    patient: Cli, backcare_home: Path, args: list[str], code: int, words: str
) -> None:
    ident = patient("log", "--date", DAY.isoformat(), "--json").json()["id"]
    assert patient("pain", "4", "--date", DAY.isoformat()).exit_code == 0
    before = snapshot(backcare_home, skip_cache=True)
    res = patient("edit", *[a.format(session=ident) for a in args])
    assert res.exit_code == code, res.output
    assert words in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert "Traceback" not in res.output and res.stdout == ""
    assert snapshot(backcare_home, skip_cache=True) == before


def test_an_edit_that_changes_nothing_writes_nothing(patient: Cli, backcare_home: Path) -> None:
    assert patient("pain", "4", "--date", DAY.isoformat()).exit_code == 0
    before = snapshot(backcare_home, skip_cache=True)
    res = patient("edit", f"p-{DAY.isoformat()}", "--score", "4")
    assert res.exit_code == 0 and "Nothing changed" in res.stderr
    assert snapshot(backcare_home, skip_cache=True) == before


# --- the audit trail ------------------------------------------------------------------------


def test_every_correction_is_kept_with_when_what_and_the_old_value(
    patient: Cli, backcare_home: Path
) -> None:
    assert patient("pain", "6", "--date", DAY.isoformat()).exit_code == 0
    ident = f"p-{DAY.isoformat()}"
    assert patient("edit", ident, "--score", "2").exit_code == 0
    trail = json.loads((backcare_home / "corrections.json").read_text())["corrections"]
    (line,) = trail.values()
    assert line["action"] == "edit" and line["record"] == "pain_checkins"
    assert line["id"] == ident and line["at"].startswith(TODAY.isoformat())
    assert line["before"]["score"] == 6 and line["after"]["score"] == 2
    table = patient("history", "--from", START.isoformat()).stdout
    assert "edited on 6 Mar 2026" in table


# --- red flags stand ------------------------------------------------------------------------


def test_taking_a_red_flag_out_of_a_check_in_does_not_lift_the_stop(patient: Cli) -> None:
    assert (
        patient("pain", "3", "--date", DAY.isoformat(), "--symptom", "bladder-bowel").exit_code == 3
    )
    res = patient("edit", f"p-{DAY.isoformat()}", "--symptom", "none")
    assert res.exit_code == 0, res.output
    assert "stays stopped" in res.stderr and "backcare clear --by" in res.stderr
    assert patient("plan").exit_code == 3
    assert patient("log").exit_code == 3


def test_an_imported_red_flag_moves_into_the_profile_when_edited_out(
    patient: Cli, tmp_path: Path, backcare_home: Path
) -> None:
    """A red flag that only the log holds (an import) must not be lost by an edit."""
    doc = patient("export", "--format", "json", "--out", "-").stdout
    data = json.loads(doc)
    data["pain_checkins"] = [
        {"date": DAY.isoformat(), "score": 3, "note": None, "symptoms": ["fever"], "flare": False}
    ]
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data))
    assert patient("import", str(path)).exit_code == 0
    assert patient("plan").exit_code == 3  # the stop comes from the log
    assert patient("edit", f"p-{DAY.isoformat()}", "--symptom", "tingling").exit_code == 0
    res = patient("plan")
    assert res.exit_code == 3 and "STOP" in res.stderr
    profile = Store(backcare_home).profile()
    assert profile is not None and profile.red_flags == ["fever"]
    assert not profile.cleared_by_clinician


def test_adding_a_red_flag_symptom_by_an_edit_reports_it(patient: Cli) -> None:
    assert patient("pain", "3", "--date", DAY.isoformat()).exit_code == 0
    res = patient("edit", f"p-{DAY.isoformat()}", "--symptom", "saddle-numbness")
    assert res.exit_code == 3 and "emergency" in res.stderr
    assert only(patient, "pain_checkins")["symptoms"] == ["saddle-numbness"]
    assert patient("plan").exit_code == 3
