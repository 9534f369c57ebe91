"""`backcare clear`: a clinician's clearance of a red-flag stop, and nothing else (issue 21)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from backcare.storage import Store

Cli = Callable[..., Any]
TODAY = date(2026, 3, 10)
START = date(2026, 3, 1)


pytestmark = pytest.mark.usefixtures("warm_library_cache")


def profile(home: Path) -> dict[str, Any]:
    p = Store(home).profile()
    assert p is not None
    return p.to_dict()


@pytest.fixture
def stopped(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """A patient with a baseline of 5 from 1 March, then a fever reported on 8 March."""
    monkeypatch.setenv("BACKCARE_TODAY", TODAY.isoformat())
    assert (
        cli(
            "init",
            "--no-red-flags",
            "--no-conditions",
            "--assessed",
            "--pain",
            "5",
            "--yes",
            "--date",
            START.isoformat(),
        ).exit_code
        == 0
    )
    for n, score in enumerate((4, 3, 3)):
        assert cli("pain", str(score), "--date", f"2026-03-0{n + 2}").exit_code == 0
    res = cli("pain", "3", "--symptom", "fever", "--date", "2026-03-08")
    assert res.exit_code == 3 and "backcare clear --by NAME" in res.stderr
    return cli


def test_clear_lifts_the_stop_and_changes_nothing_else(stopped: Cli, backcare_home: Path) -> None:
    before = profile(backcare_home)
    blocked = stopped("plan", "--date", "2026-03-09")
    assert blocked.exit_code == 3 and "backcare clear --by NAME" in blocked.stderr
    res = stopped(
        "clear", "--by", "Dr A. Khan, GP", "--note", "no infection", "--date", "2026-03-09"
    )
    assert res.exit_code == 0, res.output
    assert "Cleared by Dr A. Khan, GP" in res.stderr and "fever" in res.stderr
    after = profile(backcare_home)
    assert (after["baseline_pain"], after["start_date"], after["conditions"]) == (
        5,
        START.isoformat(),
        [],
    )
    assert after["cleared_by_clinician"] is True and after["cleared_on"] == "2026-03-09"
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"cleared_by_clinician", "cleared_on"}
    assert stopped("plan", "--date", "2026-03-09").exit_code == 0
    # Who cleared, and when, is in the log.
    visits = stopped("history", "--json", "--date", "2026-03-09").json()["visits"]
    assert [(v["date"], v["kind"], v["note"]) for v in visits] == [
        ("2026-03-09", "clearance", "Cleared by Dr A. Khan, GP: no infection")
    ]
    # The progress report still measures from the baseline of 5 at the start.
    pain = stopped("progress", "--json", "--date", "2026-03-09").json()["pain"]
    assert pain["baseline"] == 5 and pain["baseline_date"] == START.isoformat()


def test_undo_reverses_a_clearance(stopped: Cli, backcare_home: Path) -> None:
    before = profile(backcare_home)
    assert stopped("clear", "--by", "A. Physio", "--date", "2026-03-09").exit_code == 0
    res = stopped("undo")
    assert res.exit_code == 0 and "clearance" in res.stderr
    assert profile(backcare_home) == before
    assert stopped("history", "--json", "--date", "2026-03-09").json()["visits"] == []
    assert stopped("plan", "--date", "2026-03-09").exit_code == 3


def test_a_red_flag_after_the_day_of_the_clearance_still_stops(stopped: Cli) -> None:
    res = stopped("clear", "--by", "A. Physio", "--date", "2026-03-07")
    assert res.exit_code == 3
    assert "after 7 Mar 2026" in res.stderr and "STOP" in res.stderr


def test_clear_needs_a_name_and_asks_nothing(stopped: Cli, backcare_home: Path) -> None:
    before = profile(backcare_home)
    for args in (("clear",), ("clear", "--by", "   ")):
        res = stopped(*args, "--date", "2026-03-09")
        assert res.exit_code == 2, args
        assert "--by" in res.stderr and "Traceback" not in res.output
    assert profile(backcare_home) == before
    # Nothing is asked, even with an answer waiting on stdin.
    res = stopped("clear", "--by", "A. Physio", "--date", "2026-03-09", input="3\ny\n")
    assert res.exit_code == 0 and "?" not in res.output


def test_init_cleared_by_clinician_is_an_alias_that_moves_nothing(
    stopped: Cli, backcare_home: Path
) -> None:
    """The reported bug: the alias asked every question again, and with --date moved the
    programme's start; a new pain answer overwrote the baseline."""
    before = profile(backcare_home)
    res = stopped("init", "--cleared-by-clinician", "--date", "2026-03-09", "--json")
    assert res.exit_code == 0, res.output
    doc = res.json()
    assert doc["kind"] == "clearance" and doc["blocked"] is False
    after = profile(backcare_home)
    assert (after["start_date"], after["baseline_pain"]) == (
        before["start_date"],
        before["baseline_pain"],
    )
    assert after["cleared_on"] == "2026-03-09"
    assert stopped("plan", "--date", "2026-03-09").exit_code == 0


def test_clear_json(stopped: Cli) -> None:
    res = stopped("clear", "--by", "A. Physio", "--date", "2026-03-09", "--json")
    assert res.exit_code == 0
    doc = res.json()
    assert doc["note"] == "Cleared by A. Physio" and doc["cleared"] == ["fever"]
    assert doc["profile"]["cleared_by_clinician"] is True


def test_clear_before_init_is_refused(cli: Cli, backcare_home: Path) -> None:
    res = cli("clear", "--by", "A. Physio", "--date", "2026-03-09")
    assert res.exit_code == 1 and "backcare init" in res.stderr
    assert Store(backcare_home).profile() is None


def test_the_alias_given_other_answers_records_only_the_clearance(
    stopped: Cli, backcare_home: Path
) -> None:
    before = profile(backcare_home)
    res = stopped("init", "--cleared-by-clinician", "--pain", "3", "--date", "2026-03-09")
    assert res.exit_code == 0, res.output
    assert "Only the clearance is recorded" in res.stderr
    after = profile(backcare_home)
    assert after["baseline_pain"] == before["baseline_pain"] == 5
