"""`backcare --version` and `-V`: the installed package's version, from its metadata."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from conftest import Cli

from backcare import __version__

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_prints_the_package_version(cli: Cli, flag: str, backcare_home: Path) -> None:
    res = cli(flag)
    assert res.exit_code == 0, res
    assert res.stdout == f"backcare {version('backcare')}\n"
    assert re.fullmatch(r"backcare \d+\.\d+\.\d+\n", res.stdout)
    assert res.stderr == ""
    assert not backcare_home.exists()  # it reads nothing and writes nothing


def test_the_metadata_version_is_the_one_in_the_source() -> None:
    """One place holds the version: pyproject reads it from ``backcare.__version__``, and
    the installed metadata says the same (a stale editable install would not)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "backcare.__version__"}
    assert version("backcare") == __version__


def test_version_needs_no_command_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """The console script builds no command for --version: it answers at once."""
    from backcare import cli

    built: list[tuple[str, ...]] = []
    real = cli.make_app
    monkeypatch.setattr(
        cli, "make_app", lambda modules=cli.MODULES: built.append(modules) or real(modules)
    )
    with pytest.raises(SystemExit) as done:
        cli.main(["--version"])
    assert done.value.code in (0, None)
    assert built == [()]


def test_version_is_listed_in_help(cli: Cli) -> None:
    assert "-V, --version" in cli("--help").stdout
