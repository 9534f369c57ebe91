"""Corrupt data files and hostile input files (issue 8).

A damaged data file gets a clear error that names it; the file is left untouched; ``doctor``
offers the newest good backup and ``doctor --yes`` restores it. Hostile files are refused
with a clear message, before any expensive work.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

Damage = Callable[[Path], None]


def _truncate(p: Path) -> None:
    p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2])


def _empty(p: Path) -> None:
    p.write_bytes(b"")


def _garbage(p: Path) -> None:
    p.write_bytes(os.urandom(300))


def _future_schema(p: Path) -> None:
    data = json.loads(p.read_text())
    data["_meta"] = {"1": {"schema": 99}}
    p.write_text(json.dumps(data))


DAMAGES: dict[str, Damage] = {
    "truncated": _truncate,
    "emptied": _empty,
    "garbage": _garbage,
    "unknown schema version": _future_schema,
}


def _setup(cli: Callable[..., object], home: Path) -> Path:
    assert (
        cli(
            "init",
            "--yes",
            "--no-red-flags",
            "--no-conditions",
            "--pain",
            "5",
            "--date",
            "2026-10-01",
        ).exit_code
        == 0
    )
    assert cli("pain", "5", "--date", "2026-11-02").exit_code == 0
    # A second write the same day: the first made today's backup of the good file.
    assert cli("pain", "4", "--date", "2026-11-03").exit_code == 0
    return home / "log" / "2026-11.json"


@pytest.mark.parametrize("how", sorted(DAMAGES))
def test_damaged_log_file_is_named_kept_and_restorable(
    cli: Callable[..., object], how: str, backcare_home: Path
) -> None:
    target = _setup(cli, backcare_home)
    DAMAGES[how](target)
    damaged = target.read_bytes()
    for args in (
        ["history", "--from", "2026-11-01", "--to", "2026-11-30", "--json"],
        ["pain", "6", "--date", "2026-11-04"],
        ["plan", "--date", "2026-11-04"],
    ):
        res = cli(*args)
        assert res.exit_code == 1, (args, res)
        assert str(target) in res.stderr
        assert "doctor" in res.stderr
        assert "Traceback" not in res.stderr
        assert target.read_bytes() == damaged, f"{args} changed the damaged file"
    report = cli("doctor", "--json")
    assert report.exit_code == 0
    problems = report.json()["problems"]
    assert [p["file"] for p in problems] == [str(target)]
    assert problems[0]["backup"]
    assert cli("doctor").exit_code == 2  # no terminal: it names --yes
    fixed = cli("doctor", "--yes")
    assert fixed.exit_code == 0, fixed
    assert "restored" in fixed.stderr
    kept = list(target.parent.glob("2026-11.json.damaged-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == damaged
    hist = cli("history", "--from", "2026-11-01", "--to", "2026-11-30", "--json")
    assert hist.exit_code == 0
    assert [c["date"] for c in hist.json()["pain_checkins"]] == ["2026-11-02"]
    assert cli("doctor", "--json").json()["clean"] is True


def test_damaged_main_file(cli: Callable[..., object], backcare_home: Path) -> None:
    _setup(cli, backcare_home)
    cli("init", "--yes", "--minutes", "30")  # a second write: the backup exists
    main = backcare_home / "backcare.json"
    _garbage(main)
    res = cli("plan")
    assert res.exit_code == 1 and str(main) in res.stderr
    assert cli("doctor", "--yes").exit_code == 0
    assert cli("plan", "--json").exit_code == 0


def test_no_backup_is_said_plainly(cli: Callable[..., object], backcare_home: Path) -> None:
    cli("pain", "5", "--date", "2026-11-02")
    target = backcare_home / "log" / "2026-11.json"
    _garbage(target)
    res = cli("doctor", "--yes")
    assert res.exit_code == 1
    assert "no backup" in res.stderr


def test_symlinked_data_file_is_refused(
    cli: Callable[..., object], backcare_home: Path, tmp_path: Path
) -> None:
    target = _setup(cli, backcare_home)
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_bytes(target.read_bytes())
    target.unlink()
    target.symlink_to(elsewhere)
    res = cli("history", "--from", "2026-11-01", "--to", "2026-11-30")
    assert res.exit_code == 1 and "symbolic link" in res.stderr


# --- hostile files --------------------------------------------------------------------------

BOMB = (
    "\n".join(
        ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
        + [
            f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
            f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
            f"*{chr(97 + i)}]"
            for i in range(8)
        ]
    )
    + "\n"
)


def _big(path: Path, size: int = 50 * 1024 * 1024) -> Path:
    with open(path, "wb") as fh:
        fh.truncate(size)  # sparse: quick to make, 50 MB to read
    return path


@pytest.mark.parametrize("command", [["exercises", "check"], ["programme", "import"]])
def test_yaml_alias_bomb_refused(
    cli: Callable[..., object], tmp_path: Path, command: list[str]
) -> None:
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(BOMB)
    res = cli(*command, str(bomb))
    assert res.exit_code == 1
    assert "aliases" in res.stderr and f"{bomb}:1" in res.stderr


@pytest.mark.parametrize(
    "command,name",
    [
        (["exercises", "check"], "big.yaml"),
        (["programme", "import"], "big.yaml"),
        (["import"], "big.json"),
    ],
)
def test_fifty_megabyte_file_refused(
    cli: Callable[..., object], tmp_path: Path, command: list[str], name: str
) -> None:
    big = _big(tmp_path / name, 50 * 1024 * 1024 if name.endswith("yaml") else 80 * 1024 * 1024)
    res = cli(*command, str(big))
    assert res.exit_code == 1
    assert str(big) in res.stderr and "MiB" in res.stderr


def test_deeply_nested_yaml_and_json_refused(cli: Callable[..., object], tmp_path: Path) -> None:
    deep_yaml = tmp_path / "deep.yaml"
    deep_yaml.write_text("exercises: " + "[" * 5000 + "]" * 5000 + "\n")
    res = cli("exercises", "check", str(deep_yaml))
    assert res.exit_code == 1 and "nested" in res.stderr
    deep_json = tmp_path / "deep.json"
    deep_json.write_text(
        '{"format": "backcare-export", "version": 1, "sessions": '
        + "[" * 100000
        + "]" * 100000
        + "}"
    )
    res = cli("import", str(deep_json))
    assert res.exit_code == 1 and "Traceback" not in res.stderr


def test_symlinked_input_files_refused(cli: Callable[..., object], tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text("exercises: []\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    res = cli("exercises", "check", str(link))
    assert res.exit_code == 1 and "symbolic link" in res.stderr


def test_import_of_unknown_version_refused(
    cli: Callable[..., object], tmp_path: Path, backcare_home: Path
) -> None:
    doc = {
        "format": "backcare-export",
        "version": 7,
        "exported_at": "2026-11-27T08:00:00",
        "profile": None,
        "sessions": [],
        "pain_checkins": [],
        "assessments": [],
        "visits": [],
        "goals": [],
        "programme": None,
    }
    path = tmp_path / "future.json"
    path.write_text(json.dumps(doc))
    res = cli("import", str(path))
    assert res.exit_code == 1
    assert "version" in res.stderr and "7" in res.stderr
    assert not (backcare_home / "log").exists()
