"""Privacy (issue 8): private permissions, no network, and notes never leak into errors."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

SECRET = "my-secret-diary-note"


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_folder_and_files_are_private(cli: Callable[..., object], backcare_home: Path) -> None:
    cli("init", "--yes", "--no-red-flags", "--no-conditions", "--pain", "5", "--date", "2026-11-01")
    cli("pain", "4", "--date", "2026-11-02", "--note", SECRET)
    assert _mode(backcare_home) == 0o700
    assert _mode(backcare_home / "log") == 0o700
    files = [p for p in backcare_home.rglob("*") if p.is_file()]
    assert files
    for p in files:
        assert _mode(p) == 0o600, p


def test_widened_permissions_warned_and_fixed_by_doctor(
    cli: Callable[..., object], backcare_home: Path
) -> None:
    cli("pain", "4", "--date", "2026-11-02")
    os.chmod(backcare_home, 0o755)
    os.chmod(backcare_home / "log" / "2026-11.json", 0o644)
    res = cli("plan", "--json", "--date", "2026-11-03")
    assert res.exit_code == 0
    assert "readable by others" in res.stderr and "doctor" in res.stderr
    res.json()  # stdout stays one clean JSON document
    fixed = cli("doctor", "--yes")
    assert fixed.exit_code == 0, fixed
    assert _mode(backcare_home) == 0o700
    assert _mode(backcare_home / "log" / "2026-11.json") == 0o600
    assert "readable by others" not in cli("plan", "--date", "2026-11-03").stderr


@pytest.mark.parametrize("fmt", ["json", "csv", "ics"])
def test_exports_are_private(cli: Callable[..., object], tmp_path: Path, fmt: str) -> None:
    cli("log", "--date", "2026-11-02")
    out = tmp_path / f"export.{fmt}"
    res = cli("export", "--format", fmt, "--out", str(out), "--date", "2026-11-03")
    assert res.exit_code == 0, res
    assert _mode(out) == 0o600


def test_no_command_opens_a_socket(
    cli: Callable[..., object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Health data stays on the machine: every command runs with sockets blocked."""
    opened: list[tuple[object, ...]] = []

    class NoSocket(socket.socket):
        def __init__(self, *args: object, **kwargs: object) -> None:
            opened.append(args)
            raise OSError("network access is blocked in this test")

    def no_connection(*args: object, **kwargs: object) -> None:
        opened.append(args)
        raise OSError("network access is blocked in this test")

    monkeypatch.setattr(socket, "socket", NoSocket)
    monkeypatch.setattr(socket, "create_connection", no_connection)
    monkeypatch.setattr(socket, "getaddrinfo", no_connection)
    programme = tmp_path / "p.yaml"
    programme.write_text("exercises:\n  - id: bridge\n    reps: 8\n")
    calls = [
        [
            "init",
            "--yes",
            "--no-red-flags",
            "--no-conditions",
            "--pain",
            "5",
            "--date",
            "2026-10-01",
        ],
        ["plan", "--json", "--date", "2026-11-02"],
        ["log", "--date", "2026-11-02", "--note", "fine"],
        ["pain", "4", "--date", "2026-11-02"],
        ["visit", "--kind", "manual-therapy", "--date", "2026-11-02"],
        ["assess", "odi", "--answers", "1,2,3,1,2,3,1,2,3,0", "--date", "2026-11-02"],
        ["goal", "add", "walk to the shop", "--date", "2026-11-02"],
        ["goal", "list"],
        ["progress", "--json", "--date", "2026-11-03"],
        ["progress", "--date", "2026-11-03"],
        ["history", "--json", "--to", "2026-11-03"],
        ["exercises", "list"],
        ["exercises", "show", "bridge"],
        ["exercises", "check"],
        ["programme", "import", str(programme)],
        ["programme", "show"],
        ["programme", "clear"],
        *[
            ["export", "--format", f, "--out", str(tmp_path / f"out.{f}"), "--date", "2026-11-03"]
            for f in ("json", "csv", "fhir", "pdf", "ics")
        ],
        ["import", str(tmp_path / "out.json")],
        ["handout", "--out", str(tmp_path / "handout.pdf"), "--date", "2026-11-03"],
        [
            "programme",
            "export",
            "--format",
            "pdf",
            "--file",
            str(programme),
            "--out",
            str(tmp_path / "programme.pdf"),
        ],
        ["exercises", "show", "cat-cow", "--svg", str(tmp_path / "cat-cow.svg")],
        ["doctor"],
    ]
    for args in calls:
        res = cli(*args)
        assert res.exit_code == 0, (args, res)
    assert opened == []


def test_notes_never_appear_in_errors(
    cli: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    refused = cli("log", "--date", "2026-11-02", "--note", SECRET, "--hurt", "bridge=11")
    assert refused.exit_code == 2 and SECRET not in refused.output
    # An unexpected failure (a bug) while a note is in hand: one line, no locals, no note.
    import backcare.storage

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(backcare.storage.Store, "put_checkin", broken)
    res = cli("pain", "4", "--date", "2026-11-02", "--note", SECRET)
    assert res.exit_code == 70
    assert SECRET not in res.output
    assert "Traceback" not in res.output
    assert "unexpected problem" in res.stderr


def test_typer_never_shows_locals() -> None:
    from backcare.cli import app

    assert app.pretty_exceptions_show_locals is False
