"""The routine (issue 20): the same few exercises, progressed week by week, and never bringing
back what hurt. Through the command line, with --date on every call."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from conftest import Cli

from backcare.domain.library import Library
from backcare.domain.planner import families
from backcare.loading.library import load_library

TODAY = date(2026, 6, 30)
START = date(2026, 3, 2)  # a Monday
pytestmark = pytest.mark.usefixtures("warm_library_cache")


def day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


def plan(cli: Cli, n: int, *extra: str) -> dict[str, Any]:
    res = cli("plan", "--json", "--date", day(n), *extra)
    assert res.exit_code == 0, res.output
    doc: dict[str, Any] = res.json()
    return doc


def log(cli: Cli, n: int, *args: str) -> None:
    res = cli("log", "--date", day(n), *args)
    assert res.exit_code == 0, res.output


def init(cli: Cli, *args: str) -> None:
    res = cli("init", "--no-red-flags", "--assessed", "--yes", "--date", day(0), *args)
    assert res.exit_code == 0, res.output


def family_of() -> dict[str, str]:
    lib: Library = load_library()
    return {e.id: fam[0].id for fam in families(lib) for e in fam}


def green_days(cli: Cli, days: int) -> list[dict[str, Any]]:
    """Plan and log each day, every exercise comfortable."""
    plans = []
    for n in range(days):
        doc = plan(cli, n)
        plans.append(doc)
        if doc["items"]:
            log(cli, n, "--pain-after", "1")
    return plans


def test_four_weeks_of_green_logs_keep_one_routine_and_progress_it(cli: Cli) -> None:
    init(cli, "--no-conditions", "--pain", "4", "--minutes", "40", "--equipment", "mat,chair")
    plans = green_days(cli, 28)
    fam = family_of()
    used = {fam[i["exercise_id"]] for p in plans for i in p["items"]}
    assert len(used) <= 12, sorted(used)
    routine = plans[-1]["routine"]
    assert 5 <= len(routine) <= 10
    assert {r["category"] for r in routine} == {"stretching", "strengthening", "aerobic", "posture"}
    # The same exercises each training day: every family of the routine in (almost) every
    # plan; none was new after the first day.
    counts = Counter(fam[i["exercise_id"]] for p in plans for i in p["items"])
    for r in routine:
        assert counts[r["family"]] >= 14, (r["family"], counts)
    # Every strengthening exercise progressed at least twice, each step with its reason.
    final = plan(cli, 28)
    for r in final["routine"]:
        if r["category"] != "strengthening":
            continue
        steps = [c for c in r["changes"] if c["what"] != "joined"]
        assert len(steps) >= 2, r
        assert all(c["why"] for c in steps)
    assert {"exercise_id", "joined", "changes"} <= set(final["routine"][0])


@pytest.mark.slow
def test_twelve_weeks_of_green_walking_reach_150_minutes_and_never_go_down(cli: Cli) -> None:
    init(
        cli,
        "--no-conditions",
        "--pain",
        "3",
        "--minutes",
        "60",
        "--days-per-week",
        "5",
        "--equipment",
        "mat,chair",
    )
    weekly: list[int] = []
    for week in range(12):
        minutes = 0
        for d in range(7):
            n = week * 7 + d
            doc = plan(cli, n)
            if doc["items"]:
                minutes += sum(
                    i["duration_minutes"] or 0 for i in doc["items"] if i["category"] == "aerobic"
                )
                log(cli, n, "--pain-after", "1")
        weekly.append(minutes)
    assert weekly == sorted(weekly), weekly
    assert weekly[-1] >= 150, weekly
    report = cli("progress", "--json", "--date", day(83), "--weeks", "1").json()
    assert report["weekly"][-1]["aerobic_minutes"] >= 150


def test_the_harder_aerobic_variant_keeps_the_minutes(cli: Cli) -> None:
    """Walking at the top of its range becomes brisk walking at the same minutes."""
    init(cli, "--no-conditions", "--pain", "3", "--minutes", "80", "--days-per-week", "5")
    res = cli(
        "log", "--date", day(0), "--done", "walking", "--minutes", "walking=30", "--pain-after", "1"
    )
    assert res.exit_code == 0, res.output
    walks = [plan(cli, n) for n in range(1, 3)]
    for doc in walks:
        aerobic = [i for i in doc["items"] if i["category"] == "aerobic"]
        if aerobic:
            assert aerobic[0]["duration_minutes"] >= 10


def test_an_exercise_that_hurt_10_is_not_back_the_next_day_and_alerts(cli: Cli) -> None:
    init(cli, "--no-conditions", "--pain", "4", "--minutes", "30", "--equipment", "mat,chair")
    green_days(cli, 3)
    before = {i["exercise_id"]: i for i in plan(cli, 3)["items"]}
    assert "bridge" in before
    log(cli, 3, "--hurt", "bridge=10", "--pain-after", "2")
    doc = plan(cli, 4)
    same = [
        i
        for i in doc["items"]
        if i["exercise_id"] == "bridge"
        and (i["sets"], i["reps"], i["hold_seconds"])
        == (before["bridge"]["sets"], before["bridge"]["reps"], before["bridge"]["hold_seconds"])
    ]
    assert not same
    assert "bridge" not in {i["exercise_id"] for i in doc["items"]}
    # Another strengthening exercise takes its place, flagged, with the reason.
    new = [
        i
        for i in doc["items"]
        if i["category"] == "strengthening" and i["exercise_id"] not in before
    ]
    assert new and new[0]["flagged"] and "Bridge hurt 10/10" in new[0]["reason"]
    assert any(lf["exercise_id"] == "bridge" for lf in doc["routine_left"])
    for command in (("progress", "--json"),):
        report = cli(*command, "--date", day(4)).json()
        hurt = [a for a in report["alerts"] if a["rule"] == "exercise-hurt"]
        assert hurt and hurt[0]["level"] == "critical"
        assert "Bridge" in hurt[0]["message"] and "10/10" in hurt[0]["message"]
        assert hurt[0]["date"] == day(3)


def test_red_twice_in_14_days_swaps_the_exercise(cli: Cli) -> None:
    init(cli, "--no-conditions", "--pain", "4", "--minutes", "30", "--equipment", "mat,chair")
    log(cli, 0, "--hurt", "cat-cow=6", "--pain-after", "2")
    assert "cat-cow" in {i["exercise_id"] for i in plan(cli, 1)["items"]}  # easier, flagged
    log(cli, 1, "--hurt", "cat-cow=6", "--pain-after", "2")
    doc = plan(cli, 2)
    assert "cat-cow" not in {i["exercise_id"] for i in doc["items"]}
    left = [lf for lf in doc["routine_left"] if lf["exercise_id"] == "cat-cow"]
    assert left and "2 days" in left[0]["why"]


def test_a_flare_up_plan_never_brings_back_what_was_red(cli: Cli) -> None:
    init(cli, "--no-conditions", "--pain", "4", "--minutes", "30", "--equipment", "mat,chair")
    log(cli, 0, "--hurt", "cat-cow=6", "--pain-after", "3")
    assert cli("pain", "8", "--date", day(1)).exit_code == 0
    doc = plan(cli, 1)
    assert doc["mode"] == "flare"
    assert "cat-cow" not in {i["exercise_id"] for i in doc["items"]}
    assert doc["items"], "a flare-up plan still keeps the patient moving"
    assert any("Cat-cow" in w for w in doc["warnings"])


@pytest.mark.parametrize("how", ["pain-before", "pain-after", "init", "check-in"])
def test_pain_of_7_or_more_from_any_report_gives_a_flare_up_plan(cli: Cli, how: str) -> None:
    init(cli, "--no-conditions", "--pain", "10" if how == "init" else "4")
    if how == "pain-before":
        log(cli, 0, "--pain-before", "9", "--pain-after", "2")
    elif how == "pain-after":
        log(cli, 0, "--pain-before", "3", "--pain-after", "9")
    elif how == "check-in":
        assert cli("pain", "9", "--date", day(0)).exit_code == 0
    assert plan(cli, 1)["mode"] == "flare"


def test_no_progression_on_the_first_day_after_a_flare_up(cli: Cli) -> None:
    init(cli, "--no-conditions", "--pain", "4", "--minutes", "30", "--equipment", "mat,chair")
    green_days(cli, 3)
    assert cli("pain", "8", "--date", day(3)).exit_code == 0
    for n in (3, 4):
        assert plan(cli, n)["mode"] == "flare"
        assert cli("pain", "3", "--date", day(n + 1)).exit_code == 0 or True
        log(cli, n, "--pain-after", "1")
    assert cli("pain", "2", "--date", day(5)).exit_code == 0
    doc = plan(cli, 5)
    assert doc["mode"] == "normal"
    assert not [i for i in doc["items"] if i["reason"].startswith(("progressed", "harder variant"))]


def test_extras_never_raise_adherence(cli: Cli) -> None:
    init(cli, "--no-conditions", "--pain", "4", "--days-per-week", "3")
    # Mon, Wed, Fri are planned: exercise on Mon, and on Tue, Thu and Sat (extras).
    log(cli, 0, "--pain-after", "1")
    for n in (1, 3, 5):
        log(cli, n, "--done", "walking", "--pain-after", "1")
    report = cli("progress", "--json", "--from", day(0), "--to", day(6), "--date", day(7)).json()
    assert report["sessions_planned"] == 3
    assert report["sessions_done"] == 1
    assert report["sessions_extra"] == 3
    assert report["adherence_percent"] == pytest.approx(33.3)


def test_today_counts_only_once_it_has_a_session(cli: Cli) -> None:
    init(cli, "--no-conditions", "--pain", "4")
    log(cli, 0, "--pain-after", "1")
    report = cli("progress", "--json", "--date", day(1)).json()
    assert (report["sessions_done"], report["sessions_planned"]) == (1, 1)
    log(cli, 1, "--pain-after", "1")
    report = cli("progress", "--json", "--date", day(1)).json()
    assert (report["sessions_done"], report["sessions_planned"]) == (2, 2)


def test_days_after_a_red_flag_stop_are_not_planned(cli: Cli) -> None:
    init(cli, "--no-conditions", "--pain", "4")
    log(cli, 0, "--pain-after", "1")
    res = cli("pain", "4", "--symptom", "bladder-bowel", "--date", day(1))
    assert res.exit_code == 3
    report = cli("progress", "--json", "--from", day(0), "--to", day(6), "--date", day(7)).json()
    assert report["sessions_planned"] == 2  # the day of the report counts, not after it
    assert report["adherence_percent"] == 50.0


def test_plan_swap_offers_the_same_kind_and_undo_takes_it_back(cli: Cli) -> None:
    init(cli, "--no-conditions", "--pain", "4", "--minutes", "30", "--equipment", "mat,chair")
    res = cli("plan", "swap", "cat-cow", "--date", day(0))
    assert res.exit_code == 2 and "--to" in res.stderr and "pelvic-tilt" in res.stderr
    res = cli("plan", "swap", "cat-cow", "--to", "bridge", "--date", day(0))
    assert res.exit_code == 2 and "not one of the choices" in res.stderr
    res = cli("plan", "swap", "no-such", "--to", "bridge", "--date", day(0))
    assert res.exit_code == 1 and "not in your routine" in res.stderr
    assert cli("plan", "swap", "cat-cow", "--to", "pelvic-tilt", "--date", day(0)).exit_code == 0
    doc = plan(cli, 0)
    ids = {i["exercise_id"] for i in doc["items"]}
    assert "pelvic-tilt" in ids and "cat-cow" not in ids
    tilt = next(r for r in doc["routine"] if r["exercise_id"] == "pelvic-tilt")
    assert "you chose it in place of Cat-cow" in tilt["changes"][0]["why"]
    res = cli("undo")
    assert res.exit_code == 0 and "back in your routine" in res.output
    assert "cat-cow" in {i["exercise_id"] for i in plan(cli, 0)["items"]}
    assert cli("doctor").exit_code == 0  # the swap's undo entry is one backcare wrote


def test_the_routine_command_shows_each_exercise_and_its_dose(cli: Cli) -> None:
    init(cli, "--no-conditions", "--pain", "4", "--minutes", "30", "--equipment", "mat,chair")
    green_days(cli, 4)
    text = cli("routine", "--date", day(4)).stdout
    assert "Your routine" in text and "Bridge" in text and "1 × 7" in text
    doc = cli("plan", "--routine", "--json", "--date", day(4)).json()
    assert {"routine", "routine_left", "routine_review_due"} <= set(doc)
    assert cli("progress", "--date", day(4)).stdout.count("Your routine") == 1


def test_a_prescription_replaces_the_routine_and_clearing_gives_it_back(
    cli: Cli, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", day(0))
    init(cli, "--no-conditions", "--pain", "4", "--minutes", "30", "--equipment", "mat,chair")
    own = {r["family"] for r in plan(cli, 0)["routine"]}
    rx = tmp_path / "rx.yaml"
    rx.write_text(
        f"start: {day(0)}\nexercises:\n  - id: clam\n    sets: 1\n    reps: 8\n", encoding="utf-8"
    )
    assert cli("programme", "import", str(rx)).exit_code == 0
    doc = plan(cli, 0)
    assert doc["mode"] == "prescribed" and doc["routine_source"] == "prescription"
    assert [r["exercise_id"] for r in doc["routine"]] == ["clam"]
    assert cli("programme", "clear").exit_code == 0
    assert {r["family"] for r in plan(cli, 0)["routine"]} == own


def test_the_review_is_proposed_every_six_weeks_and_changes_nothing(cli: Cli) -> None:
    init(cli, "--no-conditions", "--pain", "4")
    first = plan(cli, 0)["routine"]
    doc = plan(cli, 42)
    assert any("6 weeks old" in w for w in doc["warnings"])
    assert [r["family"] for r in doc["routine"]] == [r["family"] for r in first]
    assert not any("weeks old" in w for w in plan(cli, 50)["warnings"])
