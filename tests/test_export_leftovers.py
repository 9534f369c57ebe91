"""What a killed export leaves (issue 24): killed between its link and its unlink, an
export left a full hidden copy of the data beside --out, outside the data folder, never
cleaned. Its temp file is now named for backcare, held locked while the export runs, and
noted in the data folder's outbox: the next export to that folder removes it, and doctor
names it and removes it with --yes. One still being written is left alone."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest
from conftest import Cli

START = date(2026, 3, 1)
TODAY = date(2026, 3, 20)


def killed_export(home: Path, out: Path, tag: str = "0123456789ab") -> Path:
    """What an export killed after its link leaves: the temp file and its note."""
    tmp = out.parent / f".{out.name}.backcare-{tag}.tmp"
    tmp.write_text('{"format": "backcare-export"}')
    (home / "outbox").mkdir(mode=0o700, exist_ok=True)
    (home / "outbox" / tag).write_bytes(os.fsencode(str(tmp)))
    (home / "outbox" / tag).chmod(0o600)
    return tmp


def test_the_next_export_to_that_folder_removes_it(
    patient: Cli, backcare_home: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export.json"
    tmp = killed_export(backcare_home, out)
    other = tmp_path / ".notes.txt.0123456789ab.tmp"  # not an export's: never touched
    other.write_text("mine")
    res = patient("export", "--format", "json", "--out", str(tmp_path / "again.json"))
    assert res.exit_code == 0, res.output
    assert not tmp.exists() and other.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "home") == [
        ".notes.txt.0123456789ab.tmp",
        "again.json",
    ]
    assert list((backcare_home / "outbox").iterdir()) == [backcare_home / "outbox" / "0123456789ab"]
    assert patient("doctor", "--yes").exit_code == 0  # the note of what is gone
    assert patient("doctor", "--json").json()["clean"] is True


def test_a_refused_export_clears_them_too(
    patient: Cli, backcare_home: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export.json"
    out.write_text("{}")
    tmp = killed_export(backcare_home, out)
    res = patient("export", "--format", "json", "--out", str(out))
    assert res.exit_code == 1 and "already exists" in res.stderr
    assert not tmp.exists()


def test_doctor_names_the_copy_and_yes_removes_it(
    patient: Cli, backcare_home: Path, tmp_path: Path
) -> None:
    tmp = killed_export(backcare_home, tmp_path / "export.json")
    report = patient("doctor", "--json").json()
    [finding] = report["problems"]
    assert str(tmp) in finding["problem"] and "outside the data folder" in finding["problem"]
    assert finding["fix"] == "remove"
    res = patient("doctor", "--yes")
    assert res.exit_code == 0, res.output
    assert not tmp.exists()
    assert patient("doctor", "--json").json()["clean"] is True


@pytest.mark.skipif(
    not hasattr(os, "fork") or os.name != "posix",
    reason="the lock of an export's temp file is POSIX flock",
)
def test_an_export_still_writing_is_left_alone(
    patient: Cli, backcare_home: Path, tmp_path: Path
) -> None:
    from backcare.storage.lock import flock_now

    tmp = killed_export(backcare_home, tmp_path / "export.json")
    fd = os.open(tmp, os.O_RDONLY)
    try:
        assert flock_now(fd) is True  # as the running export holds it
        assert (
            patient("export", "--format", "json", "--out", str(tmp_path / "other.json")).exit_code
            == 0
        )
        assert tmp.exists()
        assert patient("doctor", "--json").json()["clean"] is True
    finally:
        os.close(fd)
    assert patient("doctor", "--yes").exit_code == 0
    assert not tmp.exists()


def test_an_export_leaves_nothing_behind(patient: Cli, backcare_home: Path, tmp_path: Path) -> None:
    out = tmp_path / "export.json"
    assert patient("export", "--format", "json", "--out", str(out)).exit_code == 0
    assert json.loads(out.read_text())["format"] == "backcare-export"
    assert [p.name for p in tmp_path.iterdir() if p.name != "home"] == ["export.json"]
    assert list((backcare_home / "outbox").iterdir()) == []
