"""Every command explains itself: `--help` text for each command and sub-command (STYLE.md §8),
and the module entry point works."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from backcare.cli import app

Cli = Callable[..., Any]  # the `cli` fixture of conftest.py
ROOT = Path(__file__).resolve().parent.parent

# CONTRACT.md's table of commands.
CONTRACT_COMMANDS = (
    "init",
    "plan",
    "session",
    "log",
    "pain",
    "visit",
    "assess",
    "progress",
    "history",
    "goal add",
    "goal list",
    "goal done",
    "export",
    "import",
    "exercises list",
    "exercises show",
    "exercises check",
    "programme import",
    "programme show",
    "programme clear",
    "doctor",
)


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command of the click tree typer builds, groups included, with its path."""
    yield path, command
    for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
        yield from walk(sub, (*path, name))


TREE = list(walk(typer.main.get_command(app)))
PATHS = [path for path, _ in TREE]
LEAVES = [(path, cmd) for path, cmd in TREE if not getattr(cmd, "commands", None)]


def test_the_tree_holds_every_command_of_the_contract() -> None:
    names = {" ".join(path) for path in PATHS}
    missing = [c for c in CONTRACT_COMMANDS if c not in names]
    assert not missing, f"commands in CONTRACT.md that backcare lacks: {missing}"


@pytest.mark.parametrize(("path", "command"), TREE, ids=[" ".join(p) or "backcare" for p in PATHS])
def test_every_command_and_group_has_help_text(path: tuple[str, ...], command: Any) -> None:
    assert (command.help or "").strip(), f"'backcare {' '.join(path)}' has no help text"


@pytest.mark.parametrize(("path", "command"), LEAVES, ids=[" ".join(p) for p, _ in LEAVES])
def test_every_command_shows_an_example(path: tuple[str, ...], command: Any) -> None:
    assert "example" in command.help.lower(), f"'backcare {' '.join(path)}' has no example"


@pytest.mark.parametrize(("path", "command"), TREE, ids=[" ".join(p) or "backcare" for p in PATHS])
def test_every_option_and_argument_is_explained(path: tuple[str, ...], command: Any) -> None:
    unexplained = [
        p.name
        for p in command.params
        if not getattr(p, "hidden", False) and not (getattr(p, "help", "") or "")
    ]
    assert not unexplained, f"'backcare {' '.join(path)}': no help for {unexplained}"


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) or "backcare" for p in PATHS])
def test_help_runs_for_every_command(cli: Cli, path: tuple[str, ...], backcare_home: Path) -> None:
    res = cli(*path, "--help")
    assert res.exit_code == 0, res
    assert "Usage:" in res.stdout
    assert not backcare_home.exists()  # asking for help writes nothing


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) or "backcare" for p in PATHS])
def test_help_names_every_value_plainly(cli: Cli, path: tuple[str, ...]) -> None:
    """Values are named as a person writes them (N, ID,..., YYYY-MM-DD), never with typer's
    Python types (``<int>``, ``<list[str]>``) (issue 15)."""
    text = cli(*path, "--help").stdout
    assert not re.search(r"<[\w\[\]|, ]+>", text), text
    assert "list[" not in text


def test_python_m_backcare_help_works(backcare_home: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BACKCARE_HOME": str(backcare_home)}
    res = subprocess.run(
        [sys.executable, "-m", "backcare", "--help"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert "Usage:" in res.stdout
    assert "backcare init" in res.stdout
    assert res.stderr == ""


def test_the_lazy_loader_knows_the_module_of_every_command() -> None:
    """`backcare CMD` builds only COMMAND_MODULE[CMD]'s module: the map must name every
    top-level command, and each module must define the command it is named for."""
    from backcare.cli import make_app
    from backcare.commands import COMMAND_MODULE, MODULES

    registered = set(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    assert set(COMMAND_MODULE) == registered
    assert set(MODULES) == set(COMMAND_MODULE.values())
    for name, module in COMMAND_MODULE.items():
        alone = typer.main.get_command(make_app((module,)))
        assert name in alone.commands, f"{module} does not define '{name}'"  # type: ignore


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) or "backcare" for p in PATHS])
def test_dash_h_is_help_on_every_command(cli: Cli, path: tuple[str, ...]) -> None:
    short, long = cli(*path, "-h"), cli(*path, "--help")
    assert short.exit_code == 0, short
    assert short.stdout == long.stdout


@pytest.mark.parametrize("path", PATHS, ids=[" ".join(p) or "backcare" for p in PATHS])
def test_help_has_no_internal_metavars_and_no_split_words(
    cli: Cli, path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No ``{N}``, ``{FILE...}...`` or ``[1<=x<=1040]``, and no word broken at its hyphen
    across two lines (``night-`` / ``pain``), at a narrow terminal too (issue 27)."""
    for columns in ("60", "80"):
        monkeypatch.setenv("COLUMNS", columns)
        text = cli(*path, "--help").stdout
        assert not re.search(r"[{}]|<=x|x<=|x>=", text), text
        split = [line for line in text.splitlines() if re.search(r"\w-$", line)]
        assert not split, f"words split across lines at {columns} columns: {split}"


def test_a_range_is_said_in_words(cli: Cli) -> None:
    assert "[1 to 1040]" in " ".join(cli("progress", "--help").stdout.split())


def test_bare_backcare_prints_an_overview_and_exits_0(cli: Cli, backcare_home: Path) -> None:
    res = cli()
    assert res.exit_code == 0, res
    for first_day in ("backcare init", "backcare plan", "backcare session", "backcare pain"):
        assert first_day in res.stdout
    assert str(backcare_home) in res.stdout  # where the data is
    assert "--help" in res.stdout
    assert not backcare_home.exists()  # and it writes nothing


def test_bare_backcare_as_the_console_script(backcare_home: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "BACKCARE_HOME": str(backcare_home)}
    res = subprocess.run(
        [sys.executable, "-m", "backcare"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert "backcare init" in res.stdout and res.stderr == ""
