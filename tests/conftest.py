"""Shared fixtures. Every test gets its own empty data folder: no test touches real data."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def backcare_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("BACKCARE_HOME", str(home))
    monkeypatch.delenv("BACKCARE_LIBRARY", raising=False)
    monkeypatch.delenv("BACKCARE_TODAY", raising=False)
    monkeypatch.delenv("BACKCARE_DEBUG", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    from backcare.commands import common

    common.reset()
    return home


class Result:
    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code, self.stdout, self.stderr = exit_code, stdout, stderr

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"<Result exit={self.exit_code} stdout={self.stdout!r} stderr={self.stderr!r}>"


@pytest.fixture
def cli() -> Callable[..., Result]:
    """Run backcare like a user would, through typer's CliRunner; no stdin unless given."""
    from backcare.cli import app
    from backcare.commands import common

    def run(*args: str, input: str | None = None) -> Result:
        common.reset()
        runner = CliRunner()
        res = runner.invoke(app, list(args), input=input, catch_exceptions=False)
        return Result(res.exit_code, res.stdout, res.stderr)

    return run
