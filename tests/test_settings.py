"""A physiotherapist's settings.yaml (CLINICAL.md §4, §10): the progression values can be
tuned, within bounds; nothing can switch a safety rule off. Through the command line, with
--date on every call."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import Cli, snapshot

from backcare.domain.clinical import BOUNDS, DEFAULT, Thresholds

START = date(2026, 3, 2)
TODAY = date(2026, 3, 31)


def day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


def settings(home: Path, *lines: str) -> Path:
    path = home / "settings.yaml"
    path.write_text("thresholds:\n" + "".join(f"  {line}\n" for line in lines), encoding="utf-8")
    return path


def test_every_threshold_has_bounds_and_the_defaults_are_inside_them() -> None:
    assert set(BOUNDS) == set(Thresholds._fields)
    for name, (low, high) in BOUNDS.items():
        assert low <= getattr(DEFAULT, name) <= high, name


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("flare_pain: 11", "flare_pain 11 is out of bounds: it must be 6 to 8"),
        ("flare_pain: 9", "flare_pain 9 is out of bounds: it must be 6 to 8"),
        ("severe_pain: 10", "severe_pain 10 is out of bounds: it must be 6 to 8"),
        ("green_max: 0", "green_max 0 is out of bounds: it must be 1 to 4"),
        ("amber_max: 10", "amber_max 10 is out of bounds: it must be 2 to 7"),
        ("greens_to_progress: 1", "greens_to_progress 1 is out of bounds: it must be 2 to 6"),
        ("review_after_days: 365", "review_after_days 365 is out of bounds: it must be 7 to 28"),
        ("severe_days: 0", "severe_days 0 is out of bounds: it must be 1 to 5"),
        ("next_morning_rise: 9", "next_morning_rise 9 is out of bounds: it must be 1 to 4"),
        ("alert_critical_pain: 10", "alert_critical_pain 10 is out of bounds: it must be 3 to 8"),
        ("alert_low_pain: 0", "alert_low_pain 0 is out of bounds: it must be 3 to 8"),
        ("greens_to_progress: 2.5", "greens_to_progress must be a whole number, not 2.5"),
        ("pain_mic_percent: .inf", "pain_mic_percent inf is out of bounds: it must be 10 to 50"),
        ("flare_pain: yes", "flare_pain must be a whole number from 6 to 8"),
        ("flare_pian: 7", "unknown threshold 'flare_pian' (did you mean 'flare_pain'?)"),
    ],
)
def test_a_value_out_of_bounds_is_refused_with_file_and_line(
    patient: Cli, backcare_home: Path, line: str, message: str
) -> None:
    path = settings(backcare_home, "reps_step: 2", line)
    before = snapshot(backcare_home, skip_cache=True)
    for args in (("plan", "--json"), ("log", "--pain-after", "2"), ("pain", "8")):
        res = patient(*args, "--date", day(1))
        assert res.exit_code == 1, (args, res.output)
        assert f"{path}:3: {message}" in res.stderr, res.stderr
        assert "Traceback" not in res.output
    assert snapshot(backcare_home, skip_cache=True) == before


def test_amber_must_stay_above_green(patient: Cli, backcare_home: Path) -> None:
    path = settings(backcare_home, "green_max: 4", "amber_max: 4")
    res = patient("plan", "--date", day(1))
    assert res.exit_code == 1
    assert f"{path}:3: amber_max 4 must be above green_max 4" in res.stderr


def test_a_value_within_bounds_tunes_the_rule(patient: Cli, backcare_home: Path) -> None:
    """green_max 2: a pain of 3 after the session is amber, and holds the doses."""
    for n in range(3):
        assert patient("log", "--date", day(n), "--pain-after", "3").exit_code == 0
    reasons = [i["reason"] for i in patient("plan", "--json", "--date", day(3)).json()["items"]]
    assert not any(r.startswith("same dose: pain after") for r in reasons)
    settings(backcare_home, "green_max: 2", "flare_pain: 6")
    doc = patient("plan", "--json", "--date", day(3)).json()
    held = [i for i in doc["items"] if i["reason"].startswith("same dose: pain after")]
    assert held and not any(i["reason"].startswith("progressed") for i in doc["items"])
    assert patient("pain", "6", "--date", day(4)).exit_code == 0
    assert patient("plan", "--json", "--date", day(4)).json()["mode"] == "flare"
