"""`backcare log` and `backcare delete` at a real terminal (issue 14): a second log of the
same exercises asks whether it is a second session or replaces the first; delete asks
before it deletes. The installed console script runs in a pseudo-terminal."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import installed_script, terminal_env

pexpect = pytest.importorskip("pexpect")

pytestmark = pytest.mark.pty

DAY = "2026-03-05"


SCRIPT = installed_script()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = terminal_env(tmp_path / "home", DAY, size_from_env=False)
    assert (
        run(
            env,
            "init",
            "--no-red-flags",
            "--no-conditions",
            "--assessed",
            "--pain",
            "4",
            "--yes",
            "--date",
            "2026-03-02",
        ).returncode
        == 0
    )
    return env


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SCRIPT, *args],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


def sessions(env: dict[str, str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(run(env, "history", "--json").stdout)["sessions"]
    return found


def spawn(env: dict[str, str], *args: str) -> Any:
    return pexpect.spawn(
        SCRIPT, list(args), env=env, encoding="utf-8", timeout=20, dimensions=(40, 120)
    )


@pytest.mark.parametrize(("answer", "count"), [("a", 2), ("r", 1), ("c", 1)])
def test_a_second_log_of_the_same_exercises_asks(
    env: dict[str, str], answer: str, count: int
) -> None:
    first = json.loads(run(env, "log", "--done", "walking", "--json").stdout)["id"]
    child = spawn(env, "log", "--done", "walking", "--minutes", "walking=30")
    child.expect(f"already has a session with Walking \\({first}\\)")
    child.expect(r"\[a/r/c\]")
    child.sendline(answer)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == (1 if answer == "c" else 0)
    got = sessions(env)
    assert len(got) == count
    if answer == "r":  # the second takes the first's place, and its id
        assert got[0]["id"] == first and got[0]["exercises"][0]["duration_minutes"] == 30


def test_delete_asks_first(env: dict[str, str]) -> None:
    ident = json.loads(run(env, "visit", "--json").stdout)["id"]
    child = spawn(env, "delete", ident)
    child.expect(r"Delete the visit of 5 Mar 2026")
    child.sendline("n")
    child.expect(r"nothing was deleted")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    child = spawn(env, "delete", ident)
    child.expect(r"Delete the visit of 5 Mar 2026")
    child.sendline("y")
    child.expect(r"Deleted the visit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert json.loads(run(env, "history", "--json").stdout)["visits"] == []
