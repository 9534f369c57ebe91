"""`backcare log`: recording a session after the fact, without the guide.

Bad input is refused with exit 1 and one line naming the bad value, and nothing is written:
the data folder is compared byte for byte before and after. A date that is not a date at all
(2025-02-30) is a usage error, exit 2, like any malformed option value (CONTRACT.md); a real
date in the future is a refused action, exit 1.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, snapshot

START = date(2026, 3, 2)
TODAY = date(2026, 3, 4)
BASELINE_PAIN = 4


def plan_items(cli: Cli, day: date = TODAY) -> list[dict[str, Any]]:
    res = cli("plan", "--json", "--date", day.isoformat())
    assert res.exit_code == 0, res.output
    items: list[dict[str, Any]] = res.json()["items"]
    return items


def sessions(cli: Cli, day: date = TODAY) -> list[dict[str, Any]]:
    res = cli("history", "--json", "--from", START.isoformat(), "--to", TODAY.isoformat())
    assert res.exit_code == 0, res.output
    return [s for s in res.json()["sessions"] if s["date"] == day.isoformat()]


def not_planned(cli: Cli, kind: str, day: date = TODAY) -> str:
    """An exercise of ``kind`` that is not in the day's plan (a level-1 one)."""
    ids = {i["exercise_id"] for i in plan_items(cli, day)}
    res = cli("exercises", "list", "--json")
    assert res.exit_code == 0, res.output
    doc = res.json()
    rows = doc if isinstance(doc, list) else doc.get("exercises", [])
    for e in rows:
        if e["category"] == kind and e["id"] not in ids and e.get("level", 1) == 1:
            return str(e["id"])
    raise AssertionError(f"every {kind} exercise is planned")


# --- recording ------------------------------------------------------------------------------


def test_no_lists_records_the_whole_plan_as_done(patient: Cli) -> None:
    items = plan_items(patient)
    res = patient("log", "--json")
    assert res.exit_code == 0, res.output
    logged = res.json()
    assert [e["exercise_id"] for e in logged["exercises"]] == [i["exercise_id"] for i in items]
    assert {e["status"] for e in logged["exercises"]} == {"done"}
    for e, i in zip(logged["exercises"], items, strict=True):
        assert [e[k] for k in ("sets", "reps", "hold_seconds", "duration_minutes")] == [
            i[k] for k in ("sets", "reps", "hold_seconds", "duration_minutes")
        ]
        assert e["pain"] is None
    (stored,) = sessions(patient)
    assert stored == logged


def test_every_option_lands_in_the_history(patient: Cli) -> None:
    day = TODAY - timedelta(days=1)
    items = plan_items(patient, day)
    strength = [i["exercise_id"] for i in items if i["category"] == "strengthening"]
    aerobic = next(i for i in items if i["category"] == "aerobic")
    stretch = next(i["exercise_id"] for i in items if i["category"] == "stretching")
    extra = not_planned(patient, "posture", day)
    res = patient(
        "log",
        "--date",
        day.isoformat(),
        "--done",
        f"{strength[0]},{extra}",
        "--partial",
        aerobic["exercise_id"],
        "--skipped",
        stretch,
        "--hurt",
        f"{strength[0]}=6",
        "--hurt",
        f"{aerobic['exercise_id']}=2",
        "--minutes",
        f"{aerobic['exercise_id']}=4",
        "--pain-before",
        "3",
        "--pain-after",
        "5",
        "--note",
        "did it after work",
    )
    assert res.exit_code == 0, res.output
    assert "hurt 6/10" in res.stderr and "Stop that exercise" in res.stderr
    (s,) = sessions(patient, day)
    assert (s["date"], s["pain_before"], s["pain_after"], s["note"]) == (
        day.isoformat(),
        3,
        5,
        "did it after work",
    )
    got = {e["exercise_id"]: e for e in s["exercises"]}
    assert got[strength[0]]["status"] == "done" and got[strength[0]]["pain"] == 6
    assert got[extra]["status"] == "done"  # not planned, still recorded
    walk = got[aerobic["exercise_id"]]
    assert (walk["status"], walk["duration_minutes"], walk["pain"]) == ("partial", 4, 2)
    assert got[stretch]["status"] == "skipped"
    # Only what the lists name is recorded; the plan exercises they leave out are named.
    assert set(got) == {strength[0], aerobic["exercise_id"], stretch, extra}
    left_out = [
        i["exercise_id"]
        for i in items
        if i["exercise_id"] not in (strength[0], aerobic["exercise_id"], stretch)
    ]
    # What the patient is asked to type is named by id, not by name (issue 27).
    assert f"Not mentioned, so not recorded: {', '.join(left_out)}." in " ".join(res.stderr.split())
    # What to type to add them gives their ids, ready to paste (issue 27).
    left_ids = ",".join(
        i["exercise_id"]
        for i in items
        if i["exercise_id"] not in (strength[0], aerobic["exercise_id"], stretch)
    )
    assert f"--done {left_ids} (or --skipped {left_ids})" in " ".join(res.stderr.split())


def test_hurt_and_minutes_may_be_comma_separated(patient: Cli) -> None:
    items = plan_items(patient)
    a, b = items[0]["exercise_id"], items[1]["exercise_id"]
    res = patient("log", "--hurt", f"{a}=4,{b}=1")
    assert res.exit_code == 0, res.output
    (s,) = sessions(patient)
    assert [e["pain"] for e in s["exercises"][:2]] == [4, 1]


def test_a_second_log_of_other_exercises_the_same_day_is_a_second_session(patient: Cli) -> None:
    items = plan_items(patient)
    first, second = items[0]["exercise_id"], items[1]["exercise_id"]
    assert patient("log", "--done", first).exit_code == 0
    assert patient("log", "--done", second).exit_code == 0
    assert len(sessions(patient)) == 2


def test_a_day_with_no_plan_needs_the_lists(patient: Cli) -> None:
    before = START - timedelta(days=1)
    res = patient("log", "--date", before.isoformat())
    assert res.exit_code == 1 and "--done" in res.stderr
    assert patient("log", "--date", before.isoformat(), "--done", "walking").exit_code == 0


# --- refusals -------------------------------------------------------------------------------

REFUSED: list[tuple[list[str], int, str]] = [
    (["--done", "brige"], 1, "did you mean 'bridge'"),
    (["--partial", "walkin"], 1, "did you mean 'walking'"),
    (["--hurt", "brige=5"], 1, "did you mean 'bridge'"),
    (["--hurt", "bridge=11"], 2, "bridge=11"),
    (["--hurt", "bridge=-3"], 2, "bridge=-3"),
    (["--pain-before", "12"], 2, "--pain-before 12"),
    (["--pain-after", "-1"], 2, "--pain-after -1"),
    (["--date", (TODAY + timedelta(days=1)).isoformat()], 1, "in the future"),
    (["--hurt", "bridge"], 2, "'bridge'"),
    (["--hurt", "=5"], 2, "'=5'"),
    (["--hurt", "bridge=5", "--hurt", "bridge=6", "--done", "bridge"], 2, "twice"),
    (["--minutes", "walking=abc"], 2, "walking=abc"),
    (["--minutes", "walking=0", "--done", "walking"], 2, "walking=0"),
    (["--minutes", "bridge=5", "--done", "bridge"], 1, "not timed in minutes"),
    (["--done", "bridge", "--skipped", "bridge"], 1, "'bridge' is both --done and --skipped"),
    (
        ["--done", "bridge", "--skipped", "walking", "--hurt", "walking=3"],
        1,
        "walking: it is marked skipped",
    ),
    (["--done", "bridge,,walking"], 2, "empty id"),
    (["--note", "x" * 2001], 1, "--note"),
    (["--note", "bad\x07bell"], 1, "control characters"),
    # Not a real date: a malformed option value is a usage error (exit 2), like a value
    # out of its range or a malformed ID=N above (issue 27).
    (["--date", "2025-02-30"], 2, "2025-02-30"),
]


@pytest.mark.parametrize(
    ("args", "code", "named"), REFUSED, ids=[" ".join(a)[:40] for a, _, _ in REFUSED]
)
def test_bad_input_is_refused_in_one_line_and_nothing_is_written(
    patient: Cli, backcare_home: Path, args: list[str], code: int, named: str
) -> None:
    assert patient("log").exit_code == 0  # some data to keep intact
    before = snapshot(backcare_home, skip_cache=True)
    res = patient("log", *args)
    assert res.exit_code == code, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert named in lines[0]
    assert "Traceback" not in res.output and res.stdout == ""
    assert snapshot(backcare_home, skip_cache=True) == before


def test_an_exercise_not_in_the_session_cannot_hurt(patient: Cli, backcare_home: Path) -> None:
    other = not_planned(patient, "strengthening")
    before = snapshot(backcare_home, skip_cache=True)
    res = patient("log", "--hurt", f"{other}=5")
    assert res.exit_code == 1 and f"--hurt {other}: it is not in this session" in res.stderr
    assert snapshot(backcare_home, skip_cache=True) == before


def test_an_unnamed_plan_item_is_not_recorded_so_cannot_hurt(patient: Cli) -> None:
    items = plan_items(patient)
    first, second = items[0]["exercise_id"], items[1]["exercise_id"]
    res = patient("log", "--done", first, "--hurt", f"{second}=5")
    assert res.exit_code == 1 and f"--hurt {second}: it is not in this session" in res.stderr


def test_log_is_refused_while_a_red_flag_stands(patient: Cli, backcare_home: Path) -> None:
    assert patient("pain", "3", "--symptom", "bladder-bowel").exit_code == 3
    before = snapshot(backcare_home, skip_cache=True)
    res = patient("log")
    assert res.exit_code == 3 and "emergency" in res.stderr
    assert snapshot(backcare_home, skip_cache=True) == before


# --- a log records what was typed (issue 14) --------------------------------------------------


def test_lists_record_only_what_they_name_and_name_the_rest(patient: Cli) -> None:
    items = plan_items(patient)
    a, b = items[0]["exercise_id"], items[1]["exercise_id"]
    res = patient("log", "--partial", a, "--skipped", b)
    assert res.exit_code == 0, res.output
    assert "0 done, 1 partly done, 1 skipped" in res.stderr
    (s,) = sessions(patient)
    assert [(e["exercise_id"], e["status"]) for e in s["exercises"]] == [
        (a, "partial"),
        (b, "skipped"),
    ]
    rest = " ".join(res.stderr.split())
    assert (
        "Not mentioned, so not recorded: " + ", ".join(i["exercise_id"] for i in items[2:]) + "."
        in rest
    )
    assert f"backcare edit {s['id']} --done" in rest


def test_the_rule_for_lists_is_in_the_help(patient: Cli) -> None:
    text = " ".join(patient("log", "--help").stdout.split())
    assert "only the exercises they name" in text and "not recorded" in text
    assert "--add" in text and "backcare edit ID" in text


def test_a_repeated_log_is_refused_naming_the_first_and_edit(
    patient: Cli, backcare_home: Path
) -> None:
    first = patient("log", "--json").json()
    before = snapshot(backcare_home, skip_cache=True)
    res = patient("log")
    assert res.exit_code == 1, res.output
    line = " ".join(res.stderr.split())
    assert first["id"] in line and f"backcare edit {first['id']}" in line and "--add" in line
    assert len(res.stderr.strip().splitlines()) == 1
    assert snapshot(backcare_home, skip_cache=True) == before
    # The same walk twice the same day is refused too: its minutes would count twice.
    walk = next(i["exercise_id"] for i in plan_items(patient) if i["category"] == "aerobic")
    assert patient("log", "--done", walk).exit_code == 1
    weekly = patient("progress", "--json").json()["weekly"][-1]["aerobic_minutes"]
    # A genuine second session says so.
    res = patient("log", "--add", "--done", walk, "--minutes", f"{walk}=10")
    assert res.exit_code == 0, res.output
    assert len(sessions(patient)) == 2
    assert patient("progress", "--json").json()["weekly"][-1]["aerobic_minutes"] == weekly + 10


def test_minutes_done_are_minutes_done(patient: Cli) -> None:
    walk = next(i for i in plan_items(patient) if i["category"] == "aerobic")
    planned = walk["duration_minutes"]
    res = patient(
        "log",
        "--done",
        walk["exercise_id"],
        "--minutes",
        f"{walk['exercise_id']}={planned - 2}",
        "--json",
    )
    assert res.exit_code == 0, res.output
    (e,) = res.json()["exercises"]
    assert (e["status"], e["duration_minutes"]) == ("partial", planned - 2)
    assert "Fewer minutes than planned, so recorded as partly done" in res.stderr


def test_more_minutes_than_planned_are_done(patient: Cli) -> None:
    walk = next(i for i in plan_items(patient) if i["category"] == "aerobic")
    res = patient(
        "log",
        "--done",
        walk["exercise_id"],
        "--minutes",
        f"{walk['exercise_id']}={walk['duration_minutes'] + 5}",
        "--json",
    )
    (e,) = res.json()["exercises"]
    assert (e["status"], e["duration_minutes"]) == ("done", walk["duration_minutes"] + 5)


def test_a_skipped_exercise_has_no_dose_and_a_partial_one_no_invented_minutes(patient: Cli) -> None:
    items = plan_items(patient)
    walk = next(i["exercise_id"] for i in items if i["category"] == "aerobic")
    other = next(i["exercise_id"] for i in items if i["category"] == "strengthening")
    res = patient("log", "--skipped", other, "--partial", walk, "--json")
    assert res.exit_code == 0, res.output
    got = {e["exercise_id"]: e for e in res.json()["exercises"]}
    dose = ("sets", "reps", "hold_seconds", "duration_minutes")
    assert [got[other][k] for k in dose] == [None] * 4
    assert got[walk]["status"] == "partial" and got[walk]["duration_minutes"] is None
    assert "No minutes given, so none are counted" in res.stderr
    assert f"--minutes {walk}=N" in res.stderr  # the id to type, not the name
    assert patient("progress", "--json").json()["weekly"][-1]["aerobic_minutes"] == 0


def test_an_exercise_not_in_the_plan_is_an_extra_with_its_dose(patient: Cli) -> None:
    extra = not_planned(patient, "strengthening")
    walk = not_planned(patient, "aerobic")
    res = patient("log", "--done", f"{extra},{walk}", "--minutes", f"{walk}=25")
    assert res.exit_code == 0, res.output
    (s,) = sessions(patient)
    got = {e["exercise_id"]: e for e in s["exercises"]}
    assert got[extra]["extra"] is True and got[extra]["reps"] is not None
    assert (got[walk]["extra"], got[walk]["duration_minutes"]) == (True, 25)
    assert "recorded as extra" in res.stderr
