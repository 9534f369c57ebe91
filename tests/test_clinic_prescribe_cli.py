"""`clinic prescribe` drafts the patient's routine (issue 20): its 5–10 exercises, at the
doses they have reached, on the weekdays each is done, within the patient's conditions."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from conftest import Cli

from backcare.loading.library import load_library

START = date(2026, 3, 2)
pytestmark = pytest.mark.usefixtures("warm_library_cache")


def day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


def draft_for(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *init: str, days: int = 6
) -> dict[str, object]:
    """A patient who logs ``days`` comfortable days, exports, and is drafted for."""
    monkeypatch.setenv("BACKCARE_TODAY", day(days))
    monkeypatch.setenv("BACKCARE_HOME", str(tmp_path / "patient"))
    res = cli(
        "init",
        "--no-red-flags",
        "--assessed",
        "--yes",
        "--pain",
        "3",
        "--minutes",
        "40",
        "--equipment",
        "mat,chair",
        "--date",
        day(0),
        *init,
    )
    assert res.exit_code == 0, res.output
    for n in range(days):
        assert cli("log", "--date", day(n), "--pain-after", "1").exit_code == 0
    export = tmp_path / "export.json"
    assert (
        cli("export", "--format", "json", "--out", str(export), "--date", day(days)).exit_code == 0
    )
    monkeypatch.setenv("BACKCARE_HOME", str(tmp_path / "clinic-side"))
    res = cli("clinic", "add", str(export), "--as", "Patient")
    assert res.exit_code == 0, res.output
    out = tmp_path / "next.yaml"
    res = cli("clinic", "prescribe", "Patient", "--out", str(out), "--date", day(days))
    assert res.exit_code == 0, res.output
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert isinstance(doc, dict)
    return doc


def test_the_draft_is_the_routine_with_its_days(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = draft_for(cli, tmp_path, monkeypatch, "--no-conditions")
    items = doc["exercises"]
    assert isinstance(items, list) and 5 <= len(items) <= 10
    lib = load_library()
    assert {lib.get(i["id"]).category for i in items} == {
        "stretching",
        "strengthening",
        "aerobic",
        "posture",
    }
    for item in items:  # every exercise on several days of the week, not one
        assert len(item.get("days") or ["every"] * 7) >= 2, item
    # Doses as they are now: six comfortable days moved the bridge on from its start.
    bridge = next(i for i in items if i["id"] in ("bridge", "single-leg-bridge"))
    assert (bridge["id"], bridge.get("reps")) != ("bridge", 5)


@pytest.mark.parametrize(
    "condition,tag", [("pregnancy", "supine"), ("osteoporosis", "end-range-flexion")]
)
def test_a_draft_keeps_the_rules_of_the_patients_conditions(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, condition: str, tag: str
) -> None:
    doc = draft_for(cli, tmp_path, monkeypatch, "--condition", condition)
    lib = load_library()
    items = doc["exercises"]
    assert isinstance(items, list) and len(items) >= 5
    assert not [i["id"] for i in items if tag in lib.get(i["id"]).tags]
