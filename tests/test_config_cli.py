"""`backcare config [--json]`: the data folder, the settings file, and every setting in force
with where it comes from: the default, settings.yaml, or the environment (issue 15)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import Cli, snapshot

from backcare.domain.clinical import DEFAULT
from backcare.storage.paths import bundled_library


def config(cli: Cli) -> Any:
    res = cli("config", "--json")
    assert res.exit_code == 0, res
    return res.json()


def test_the_defaults_and_the_environment(
    cli: Cli, backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NO_COLOR")
    doc = config(cli)
    assert doc["data_folder"] == {
        "value": str(backcare_home),
        "source": "environment",
        "variable": "BACKCARE_HOME",
        "note": "not made yet: 'backcare init' makes it",
    }
    assert doc["settings_file"]["value"] == str(backcare_home / "settings.yaml")
    assert doc["settings_file"]["note"].startswith("not there")
    assert doc["exercise_library"] == {"value": str(bundled_library()), "source": "default"}
    assert doc["today"]["source"] == "default"
    assert doc["colour"]["value"] is True and doc["colour"]["source"] == "default"
    assert set(doc["thresholds"]) == set(DEFAULT._fields)
    assert doc["thresholds"]["green_max"] == {"value": DEFAULT.green_max, "source": "default"}


def test_each_value_says_which_environment_variable_set_it(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = tmp_path / "clinic-library.yaml"
    library.write_bytes(bundled_library().read_bytes())
    monkeypatch.setenv("BACKCARE_LIBRARY", str(library))
    monkeypatch.setenv("BACKCARE_TODAY", "2026-03-02")
    doc = config(cli)
    assert doc["exercise_library"] == {
        "value": str(library),
        "source": "environment",
        "variable": "BACKCARE_LIBRARY",
    }
    assert doc["today"] == {
        "value": "2026-03-02",
        "source": "environment",
        "variable": "BACKCARE_TODAY",
    }
    assert doc["colour"] == {"value": False, "source": "environment", "variable": "NO_COLOR"}


def test_thresholds_from_settings_yaml_are_marked_so(cli: Cli, backcare_home: Path) -> None:
    backcare_home.mkdir(mode=0o700)
    (backcare_home / "settings.yaml").write_text(
        "thresholds:\n  green_max: 2\n  pain_mic_percent: 25\n", encoding="utf-8"
    )
    doc = config(cli)
    assert "note" not in doc["settings_file"]
    assert doc["thresholds"]["green_max"] == {"value": 2, "source": "settings.yaml"}
    assert doc["thresholds"]["pain_mic_percent"] == {"value": 25.0, "source": "settings.yaml"}
    assert doc["thresholds"]["amber_max"] == {"value": DEFAULT.amber_max, "source": "default"}
    assert isinstance(doc["thresholds"]["green_max"]["value"], int)  # a count stays whole


def test_the_table_for_a_person(cli: Cli, backcare_home: Path) -> None:
    backcare_home.mkdir(mode=0o700)
    (backcare_home / "settings.yaml").write_text("thresholds:\n  green_max: 2\n", encoding="utf-8")
    res = cli("config")
    assert res.exit_code == 0, res
    lines = res.stdout.splitlines()
    assert lines[0].split() == [
        "data",
        "folder",
        str(backcare_home),
        "environment",
        "(BACKCARE_HOME)",
    ]
    assert any(line.split() == ["green_max", "2", "settings.yaml"] for line in lines)
    assert any(line.split() == ["amber_max", str(DEFAULT.amber_max), "default"] for line in lines)


def test_a_bad_settings_file_is_named_with_its_line(cli: Cli, backcare_home: Path) -> None:
    backcare_home.mkdir(mode=0o700)
    (backcare_home / "settings.yaml").write_text(
        "thresholds:\n  green_max: 2\n  greens_to_progress: 2.5\n", encoding="utf-8"
    )
    res = cli("config")
    assert res.exit_code == 1
    assert res.stderr.strip() == (
        f"backcare: {backcare_home / 'settings.yaml'}:3: "
        "greens_to_progress must be a whole number, not 2.5"
    )


def test_config_writes_nothing(cli: Cli, backcare_home: Path) -> None:
    assert cli("config").exit_code == 0
    assert not backcare_home.exists()
    assert (
        cli(
            "init", "--no-red-flags", "--no-conditions", "--assessed", "--pain", "3", "--yes"
        ).exit_code
        == 0
    )
    before = snapshot(backcare_home)
    assert cli("config", "--json").exit_code == 0
    assert snapshot(backcare_home) == before
