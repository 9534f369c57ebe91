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
    res = subprocess.run(
        [_tool("ruff"), "check", "--output-format", "concise", "backcare", "tests", "benchmarks"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.slow
def test_mypy_is_clean() -> None:
    res = subprocess.run(
        [_tool("mypy"), "backcare"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_type_hints_use_the_union_syntax() -> None:
    """``X | None``, never ``Optional[X]`` (issue 15; typer reads either). ruff's UP rules
    enforce it; this makes sure none is switched off with a noqa."""
    found = [
        f"{path.relative_to(ROOT)}:{n}"
        for folder in ("backcare", "tests", "benchmarks")
        for path in (ROOT / folder).rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "Optional[" in line or "noqa: UP0" in line or "Union[" in line
    ]
    found = [f for f in found if not f.startswith("tests/test_lint.py")]
    assert found == []


def test_the_readme_says_how_to_run_the_suite_and_how_long_it_takes() -> None:
    """Everyday work runs `pytest -m "not slow"`; the README says how long each takes
    (issue 27)."""
    import re

    dev = (ROOT / "README.md").read_text(encoding="utf-8").split("## Development")[1]
    assert 'pytest -m "not slow"' in dev
    assert len(re.findall(r"about [\d½]+ minutes?\b", " ".join(dev.split()))) >= 2
