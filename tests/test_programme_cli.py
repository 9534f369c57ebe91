"""`backcare programme import/show/clear`: a physiotherapist's prescription, followed exactly
by `plan`, with pain and safety rules still in charge."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli

from backcare.domain.models import Dose, ExerciseLog, PainCheckin, Session
from backcare.storage import Store

MONDAY = date(2026, 3, 2)
RX = """\
prescribed_by: A. Physio
start: 2026-03-02
allow_progression: false
exercises:
  - id: bridge
    sets: 2
    reps: 10
    days: [mon, wed, fri]
    note: squeeze your buttocks
  - id: walking
    duration_minutes: 15
    days: [Monday, fri]
  - id: pelvic-tilt
    reps: 8
    days: [wed]
"""

pytestmark = pytest.mark.usefixtures("warm_library_cache")
IMPORTED = MONDAY - timedelta(days=14)  # the day the prescriptions are imported


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """A prescription applies from the day it is imported (or its start, when later): the
    clock is fixed two weeks before MONDAY, the day the patient started."""
    monkeypatch.setenv("BACKCARE_TODAY", IMPORTED.isoformat())


def write(tmp_path: Path, text: str, name: str = "rx.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def plan(cli: Cli, day: date) -> dict[str, Any]:
    r = cli("plan", "--date", day.isoformat(), "--json")
    assert r.exit_code == 0, r.output
    doc: dict[str, Any] = r.json()
    return doc


def doses(doc: dict[str, Any]) -> dict[str, tuple[int | None, ...]]:
    return {
        i["exercise_id"]: (i["sets"], i["reps"], i["hold_seconds"], i["duration_minutes"])
        for i in doc["items"]
    }


@pytest.fixture
def patient(cli: Cli) -> None:
    r = cli(
        "init",
        "--no-red-flags",
        "--assessed",
        "--no-conditions",
        "--yes",
        "--date",
        (MONDAY - timedelta(days=14)).isoformat(),
    )
    assert r.exit_code == 0, r.output


def test_import_plan_show_clear_round_trip(cli: Cli, tmp_path: Path, patient: None) -> None:
    r = cli("programme", "import", str(write(tmp_path, RX)))
    assert r.exit_code == 0, r.output
    assert "Prescription with 3 exercises imported" in r.stderr
    monday = plan(cli, MONDAY)
    assert monday["mode"] == "prescribed"
    # Exactly the prescription's exercises for the day, at its doses; library defaults
    # (bridge's hold 5 s, pelvic tilt's 1 set and 3 s hold) where it says nothing.
    assert doses(monday) == {"bridge": (2, 10, 5, None), "walking": (None, None, None, 15)}
    bridge = next(i for i in monday["items"] if i["exercise_id"] == "bridge")
    assert "A. Physio" in bridge["reason"] and bridge["note"] == "squeeze your buttocks"
    assert doses(plan(cli, MONDAY + timedelta(days=2))) == {
        "bridge": (2, 10, 5, None),
        "pelvic-tilt": (1, 8, 3, None),
    }
    for rest in (1, 3, 5, 6):  # tue, thu, sat, sun
        doc = plan(cli, MONDAY + timedelta(days=rest))
        assert doc["mode"] == "prescribed" and doc["items"] == []
        assert any("No exercises are prescribed" in w for w in doc["warnings"])
    # Before its start, the plan stays as it was, and says when the prescription starts.
    before = plan(cli, MONDAY - timedelta(days=7))
    assert before["mode"] == "normal" and before["items"]
    assert any("starts on 2026-03-02" in w and "stays as it was" in w for w in before["warnings"])

    shown = cli("programme", "show", "--json")
    assert shown.exit_code == 0
    assert shown.json() == {
        "prescribed_by": "A. Physio",
        "start": "2026-03-02",
        "allow_progression": False,
        "exercises": [
            {
                "id": "bridge",
                "sets": 2,
                "reps": 10,
                "days": ["mon", "wed", "fri"],
                "note": "squeeze your buttocks",
            },
            {"id": "walking", "duration_minutes": 15, "days": ["mon", "fri"], "note": None},
            {"id": "pelvic-tilt", "reps": 8, "days": ["wed"], "note": None},
        ],
    }
    text = cli("programme", "show").stdout
    assert "A. Physio" in text and "Bridge" in text

    cleared = cli("programme", "clear")
    assert cleared.exit_code == 0
    assert cli("programme", "show", "--json").json() is None
    assert plan(cli, MONDAY)["mode"] == "normal"


def _greens(home: Path, ident: str, dose: Dose, days: int) -> None:
    store = Store(home)
    for n in range(1, days + 1):
        store.add_session(
            Session(f"s-{n}", MONDAY - timedelta(days=n), (ExerciseLog(ident, "done", dose, 0),), 2)
        )


def _only_bridge(tmp_path: Path, allow: bool) -> Path:
    return write(
        tmp_path,
        f"allow_progression: {str(allow).lower()}\nexercises:\n"
        "  - id: bridge\n    sets: 2\n    reps: 8\n",
    )


def test_without_allow_progression_the_dose_never_goes_beyond_the_prescription(
    cli: Cli, tmp_path: Path, backcare_home: Path, patient: None
) -> None:
    assert cli("programme", "import", str(_only_bridge(tmp_path, False))).exit_code == 0
    _greens(backcare_home, "bridge", Dose(2, 8, 5), 12)
    for n in range(7):
        assert doses(plan(cli, MONDAY + timedelta(days=n)))["bridge"] == (2, 8, 5, None)


def test_history_from_before_the_prescription_does_not_lower_its_dose(
    cli: Cli, tmp_path: Path, backcare_home: Path, patient: None
) -> None:
    _greens(backcare_home, "bridge", Dose(1, 5, 5), 2)
    assert cli("programme", "import", str(_only_bridge(tmp_path, False))).exit_code == 0
    assert doses(plan(cli, MONDAY))["bridge"] == (2, 8, 5, None)


def test_with_allow_progression_the_dose_progresses(
    cli: Cli, tmp_path: Path, backcare_home: Path, patient: None
) -> None:
    assert cli("programme", "import", str(_only_bridge(tmp_path, True))).exit_code == 0
    _greens(backcare_home, "bridge", Dose(2, 8, 5), 3)
    item = plan(cli, MONDAY)["items"][0]
    assert (item["sets"], item["reps"], item["hold_seconds"]) == (2, 10, 5)
    assert "progressed" in item["reason"]


def test_red_steps_a_prescribed_dose_back_and_flags_it(
    cli: Cli, tmp_path: Path, backcare_home: Path, patient: None
) -> None:
    assert cli("programme", "import", str(_only_bridge(tmp_path, False))).exit_code == 0
    Store(backcare_home).add_session(
        Session(
            "s-red",
            MONDAY - timedelta(days=1),
            (ExerciseLog("bridge", "done", Dose(2, 8, 5), 7),),
            2,
        )
    )
    item = plan(cli, MONDAY)["items"][0]
    assert (item["sets"], item["reps"]) == (1, 8) and item["flagged"]
    assert "stepped back" in item["reason"]


def test_a_flare_up_overrides_the_prescription(
    cli: Cli, tmp_path: Path, backcare_home: Path, patient: None
) -> None:
    assert cli("programme", "import", str(write(tmp_path, RX))).exit_code == 0
    Store(backcare_home).put_checkin(PainCheckin(MONDAY, 7))
    doc = plan(cli, MONDAY)
    assert doc["mode"] == "flare"
    assert all(i["reason"].startswith("flare-up") for i in doc["items"])
    assert any("programme is paused" in w for w in doc["warnings"])


def test_a_red_flag_stops_a_prescription_too(cli: Cli, tmp_path: Path, patient: None) -> None:
    assert cli("programme", "import", str(write(tmp_path, RX))).exit_code == 0
    assert cli("init", "--red-flag", "fever").exit_code == 3
    r = cli("plan", "--date", MONDAY.isoformat(), "--json")
    assert r.exit_code == 3 and r.stdout == "" and "STOP" in r.stderr


BAD = [
    ("unknown-id", "exercises:\n  - id: brigde\n", 2, "did you mean 'bridge'"),
    ("unknown-field", "exercises:\n  - id: bridge\n    colour: red\n", 3, "unknown field 'colour'"),
    (
        "unused-dose-field",
        "exercises:\n  - id: walking\n    reps: 10\n",
        3,
        "reps does not apply to Walking",
    ),
    ("negative", "exercises:\n  - id: bridge\n    sets: -1\n", 3, "sets is -1"),
    ("zero", "exercises:\n  - id: bridge\n    reps: 0\n", 3, "reps is 0"),
    ("fraction", "exercises:\n  - id: bridge\n    reps: 2.5\n", 3, "whole number"),
    ("quoted-number", "exercises:\n  - id: bridge\n    reps: '10'\n", 3, "whole number"),
    ("bad-weekday", "exercises:\n  - id: bridge\n    days: [mon, funday]\n", 3, "'funday'"),
    ("weekday-prefix", "exercises:\n  - id: bridge\n    days: [sunny]\n", 3, "'sunny'"),
    (
        "duplicate",
        "exercises:\n  - id: bridge\n  - id: walking\n  - id: bridge\n",
        4,
        "prescribed twice",
    ),
    ("empty", "prescribed_by: A. Physio\nexercises: []\n", 2, "at least one exercise"),
    ("not-yaml", "exercises:\n  - id: bridge\n   sets: [\n", 3, "not valid YAML"),
    ("note-no", "exercises:\n  - id: bridge\n    note: no\n", 3, "YAML 1.1 reads as false"),
    ("no-such-date", "start: 2026-02-30\nexercises:\n  - id: bridge\n", 1, "2026-02-30"),
    (
        "words-for-a-date",
        "start: next monday\nexercises:\n  - id: bridge\n",
        1,
        "start must be a date",
    ),
    (
        "date-and-time",
        "start: 2026-03-02 10:00:00\nexercises:\n  - id: bridge\n",
        1,
        "start must be a date",
    ),
    ("allow-yes", "allow_progression: yes\nexercises:\n  - id: bridge\n", 1, "true or false"),
    ("top-level-typo", "exercise:\n  - id: bridge\n", 1, "did you mean 'exercises'"),
]


@pytest.mark.parametrize(("text", "line", "words"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_prescription_is_refused_with_file_and_line(
    cli: Cli, tmp_path: Path, text: str, line: int, words: str
) -> None:
    good = write(tmp_path, RX, "good.yaml")
    assert cli("programme", "import", str(good)).exit_code == 0
    path = write(tmp_path, text)
    r = cli("programme", "import", str(path))
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output and "unexpected problem" not in r.output
    assert f"{path}:{line}:" in r.stderr and words in r.stderr, r.stderr
    # The prescription in use is untouched.
    assert cli("programme", "show", "--json").json()["prescribed_by"] == "A. Physio"


def test_a_missing_file_is_refused(cli: Cli, tmp_path: Path) -> None:
    r = cli("programme", "import", str(tmp_path / "nope.yaml"))
    assert r.exit_code == 1 and "no such file" in r.stderr
    assert cli("programme", "show", "--json").json() is None


def test_one_exercise_is_one_exercise(cli: Cli, tmp_path: Path) -> None:
    res = cli("programme", "import", str(_only_bridge(tmp_path, False)))
    assert "Prescription with 1 exercise imported" in res.stderr  # not "1 exercises"


def test_clear_without_a_prescription_says_so(cli: Cli) -> None:
    r = cli("programme", "clear")
    assert r.exit_code == 0 and "No prescription" in r.output


# --- a prescription applies from its start (issue 14) -----------------------------------------

WALK_EVERY_DAY = """\
start: 2026-02-16
exercises:
  - id: walking
    duration_minutes: 15
"""


def progress(cli: Cli, first: date, last: date) -> tuple[int, int, float | None]:
    doc = cli(
        "progress",
        "--json",
        "--from",
        first.isoformat(),
        "--to",
        last.isoformat(),
        "--date",
        last.isoformat(),
    ).json()
    return doc["sessions_planned"], doc["sessions_done"], doc["adherence_percent"]


def test_a_prescription_imported_mid_course_leaves_past_adherence_unchanged(
    cli: Cli, tmp_path: Path, patient: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's own example once showed 4.7% adherence: a start in the past turned the
    past days into planned days that were missed."""
    assert cli("init", "--days-per-week", "3", "--yes").exit_code == 0  # Mon, Wed, Fri
    last = IMPORTED + timedelta(days=11)
    monkeypatch.setenv("BACKCARE_TODAY", last.isoformat())
    for n in (0, 2, 4, 7, 9):  # two weeks of Mon, Wed, Fri, one Friday missed
        assert cli("log", "--date", (IMPORTED + timedelta(days=n)).isoformat()).exit_code == 0
    before = progress(cli, IMPORTED, last)
    assert before == (5, 5, 100.0)  # the missed Friday is today: not over yet (issue 20)
    monkeypatch.setenv("BACKCARE_TODAY", (last + timedelta(days=1)).isoformat())
    res = cli("programme", "import", str(write(tmp_path, WALK_EVERY_DAY)))
    assert res.exit_code == 0, res.output
    assert "Its start, 2026-02-16, is past: it applies from today (2026-02-28)" in res.stderr
    assert progress(cli, IMPORTED, last) == before
    # From the day it applies, every day is planned (it walks every day).
    later = last + timedelta(days=3)
    monkeypatch.setenv("BACKCARE_TODAY", later.isoformat())  # a report is of days gone by
    assert progress(cli, IMPORTED, later)[0] == 6 + 2  # 28 Feb and 1 Mar; 2 Mar is today
    assert plan(cli, later)["mode"] == "prescribed"
    assert plan(cli, last)["mode"] == "normal"


def test_a_start_to_come_leaves_todays_plan_as_it_was(
    cli: Cli, tmp_path: Path, patient: None
) -> None:
    today = plan(cli, IMPORTED)
    res = cli("programme", "import", str(write(tmp_path, RX)))
    assert res.exit_code == 0
    assert "It starts on 2026-03-02; until then your plan stays as it is." in res.stderr
    now = plan(cli, IMPORTED)
    assert (now["mode"], now["items"]) == (today["mode"], today["items"])
    assert any("starts on 2026-03-02" in w for w in now["warnings"])
    assert plan(cli, MONDAY)["mode"] == "prescribed"
    assert "No exercises today" not in cli("plan").stdout


def test_followed_exactly_means_the_prescribed_dose_on_its_first_day(
    cli: Cli, tmp_path: Path, backcare_home: Path, patient: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pain logged before the prescription existed does not change its first day; from
    that day progression and safety apply as usual."""
    Store(backcare_home).add_session(
        Session(
            "s-before",
            MONDAY - timedelta(days=1),
            (ExerciseLog("bridge", "done", Dose(2, 8, 5), 9),),
            2,
        )
    )
    monkeypatch.setenv("BACKCARE_TODAY", MONDAY.isoformat())
    assert cli("programme", "import", str(_only_bridge(tmp_path, False))).exit_code == 0
    (item,) = plan(cli, MONDAY)["items"]
    assert (item["sets"], item["reps"], item["flagged"]) == (2, 8, False)
    assert item["reason"] == "prescribed by your physiotherapist"
    Store(backcare_home).add_session(
        Session("s-after", MONDAY, (ExerciseLog("bridge", "done", Dose(2, 8, 5), 9),), 2)
    )
    (item,) = plan(cli, MONDAY + timedelta(days=1))["items"]
    assert item["flagged"] and "stepped back" in item["reason"]


def test_equipment_the_patient_lacks_is_named_at_import_and_marked_in_the_plan(
    cli: Cli, tmp_path: Path, patient: None
) -> None:
    rx = write(tmp_path, "exercises:\n  - id: step-ups\n  - id: bridge\n")
    res = cli("programme", "import", str(rx))
    assert res.exit_code == 0, res.output
    assert (
        "Step-ups needs step, which your profile does not list" in res.stderr
        or "needs step, which your profile does not list" in res.stderr
    )
    doc = plan(cli, IMPORTED)
    got = {i["exercise_id"]: i for i in doc["items"]}
    assert got["step-ups"]["missing_equipment"] == ["step"]  # kept: the physio chose it
    assert got["bridge"]["missing_equipment"] == []
    assert any("needs step" in w for w in doc["warnings"])
    assert "(needs step)" in cli("plan", "--date", IMPORTED.isoformat()).stdout
    res = cli("programme", "import", str(rx), "--json")
    assert res.json()["missing_equipment"] == {"step-ups": ["step"]}


def test_the_history_of_prescriptions_is_kept(
    cli: Cli, tmp_path: Path, backcare_home: Path, patient: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli("programme", "import", str(_only_bridge(tmp_path, False))).exit_code == 0
    monkeypatch.setenv("BACKCARE_TODAY", (IMPORTED + timedelta(days=3)).isoformat())
    walk = write(tmp_path, "exercises:\n  - id: walking\n", "walk.yaml")
    assert cli("programme", "import", str(walk)).exit_code == 0
    monkeypatch.setenv("BACKCARE_TODAY", (IMPORTED + timedelta(days=6)).isoformat())
    assert cli("programme", "clear").exit_code == 0
    history = Store(backcare_home).prescriptions()
    assert [(p.start, p.event, p.recorded) for p in history.periods] == [
        (IMPORTED, "imported", IMPORTED),
        (IMPORTED + timedelta(days=3), "replaced", IMPORTED + timedelta(days=3)),
        (IMPORTED + timedelta(days=6), "cleared", IMPORTED + timedelta(days=6)),
    ]
    # Each day keeps the plan that was in force on it.
    assert [i["exercise_id"] for i in plan(cli, IMPORTED + timedelta(days=1))["items"]] == [
        "bridge"
    ]
    assert [i["exercise_id"] for i in plan(cli, IMPORTED + timedelta(days=4))["items"]] == [
        "walking"
    ]
    assert plan(cli, IMPORTED + timedelta(days=6))["mode"] == "normal"
