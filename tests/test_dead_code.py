"""Dead code stays gone (issue 27): vulture finds nothing unused in backcare apart from what
tests/vulture_whitelist.py names, each with its reason."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_vulture_finds_no_dead_code() -> None:
    exe = shutil.which("vulture") or str(Path(sys.executable).parent / "vulture")
    if not Path(exe).exists():
        pytest.skip("vulture is not installed (pip install -e '.[test]' brings it)")
    res = subprocess.run(
        [exe, "backcare", "tests/vulture_whitelist.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_the_code_is_formatted() -> None:
    exe = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    res = subprocess.run(
        [exe, "format", "--check", "backcare", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr
