"""Lint and type checks run with the suite (STYLE.md §9), so CI checks them too."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    exe = shutil.which(name) or str(Path(sys.executable).parent / name)
    if not Path(exe).exists():
        pytest.skip(f"{name} is not installed (pip install -e '.[test]' brings it)")
    return exe


def test_ruff_is_clean() -> None:
    res = subprocess.run([_tool("ruff"), "check", "--output-format", "concise",
                          "backcare", "tests", "benchmarks"], cwd=ROOT, capture_output=True,
                         text=True, check=False)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.slow
def test_mypy_is_clean() -> None:
    res = subprocess.run([_tool("mypy"), "backcare"], cwd=ROOT, capture_output=True, text=True,
                         check=False)
    assert res.returncode == 0, res.stdout + res.stderr
