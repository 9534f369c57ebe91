"""Long output at a terminal goes through a pager, as git's does (issue 27): `progress`,
`history` and `exercises list`. $BACKCARE_PAGER, else $PAGER, else less; --no-pager; never
when the output is piped, and never for --json."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import Cli

import backcare.render.pager as pager

TODAY = "2026-03-02"
COMMANDS = [("progress", "--date", TODAY), ("history", "--date", TODAY), ("exercises", "list")]


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """stdout taken for a terminal of 10 lines; the pager writes what it got to a file."""
    monkeypatch.setattr(pager, "stdout_is_terminal", lambda: True)
    monkeypatch.setenv("LINES", "10")
    shown = tmp_path / "paged.txt"
    monkeypatch.setenv(
        "BACKCARE_PAGER",
        f'{sys.executable} -c "import sys, pathlib; '
        f'pathlib.Path({str(shown)!r}).write_bytes(sys.stdin.buffer.read())"',
    )
    return shown


@pytest.fixture
def patient_with_data(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("BACKCARE_TODAY", TODAY)
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
            "2026-02-02",
        ).exit_code
        == 0
    )
    for d in range(2, 28, 2):
        assert cli("pain", "4", "--date", f"2026-02-{d:02d}").exit_code == 0
    return cli


@pytest.mark.parametrize("args", COMMANDS, ids=[a[0] for a in COMMANDS])
def test_long_output_at_a_terminal_goes_through_the_pager(
    patient_with_data: Cli, terminal: Path, args: tuple[str, ...]
) -> None:
    res = patient_with_data(*args)
    assert res.exit_code == 0, res
    assert terminal.exists(), res.stdout
    paged = terminal.read_text(encoding="utf-8")
    assert paged.count("\n") > 10 and res.stdout == ""  # all of it, in the pager alone


@pytest.mark.parametrize("args", COMMANDS, ids=[a[0] for a in COMMANDS])
def test_no_pager_and_json_print_straight(
    patient_with_data: Cli, terminal: Path, args: tuple[str, ...]
) -> None:
    plain = patient_with_data(*args, "--no-pager")
    assert plain.exit_code == 0 and plain.stdout.count("\n") > 10
    assert patient_with_data(*args, "--json").json()
    assert not terminal.exists()


@pytest.mark.parametrize("args", COMMANDS, ids=[a[0] for a in COMMANDS])
def test_piped_output_is_never_paged(
    patient_with_data: Cli, terminal: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.setattr(pager, "stdout_is_terminal", lambda: False)
    res = patient_with_data(*args)
    assert res.exit_code == 0 and res.stdout.count("\n") > 10
    assert not terminal.exists()


def test_output_that_fits_the_screen_is_not_paged(
    cli: Cli, terminal: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINES", "500")
    res = cli("history", "--date", TODAY)
    assert res.exit_code == 0 and res.stdout and not terminal.exists()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ["less"]),
        ({"PAGER": "more"}, ["more"]),
        ({"PAGER": "more", "BACKCARE_PAGER": "less -S"}, ["less", "-S"]),
        ({"PAGER": "more", "BACKCARE_PAGER": ""}, None),
        ({"BACKCARE_PAGER": "cat"}, None),
    ],
)
def test_which_pager(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: list[str] | None
) -> None:
    monkeypatch.delenv("PAGER", raising=False)
    monkeypatch.delenv("BACKCARE_PAGER", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert pager.pager_command() == expected


def test_a_pager_that_is_not_installed_prints_straight(
    patient_with_data: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pager, "stdout_is_terminal", lambda: True)
    monkeypatch.setenv("LINES", "10")
    monkeypatch.setenv("BACKCARE_PAGER", "no-such-pager-anywhere")
    res = patient_with_data("history", "--date", TODAY)
    assert res.exit_code == 0 and res.stdout.count("\n") > 10
