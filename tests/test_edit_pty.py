"""`backcare edit ID` at a real terminal (issue 14): it shows the record and asks for each
field, the current value as the default. The installed console script runs in a
pseudo-terminal."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import installed_script, terminal_env

pexpect = pytest.importorskip("pexpect")

pytestmark = pytest.mark.pty

TIMEOUT = 20
TODAY = "2026-03-06"
DAY = "2026-03-05"


SCRIPT = installed_script()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = terminal_env(tmp_path / "home", TODAY)
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


def history(env: dict[str, str]) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(run(env, "history", "--json").stdout)
    return doc


def spawn(env: dict[str, str], *args: str) -> Any:
    return pexpect.spawn(
        SCRIPT, ["edit", *args], env=env, encoding="utf-8", timeout=TIMEOUT, dimensions=(40, 100)
    )


STYLE = r"(?:\x1b\[[0-9;]*m)*"  # rich shows a prompt's default in bold


def asks(question: str, default: str) -> str:
    """The pattern of a question with its default: 'Date (2026-03-05):'."""
    return rf"{re.escape(question)}{STYLE} {STYLE}\({re.escape(default)}\)"


def answer(child: Any, prompt: str, text: str) -> None:
    child.expect(prompt)
    child.sendline(text)


def test_a_session_is_asked_field_by_field_with_its_values_as_defaults(env: dict[str, str]) -> None:
    res = run(
        env,
        "log",
        "--date",
        DAY,
        "--done",
        "bridge,walking",
        "--minutes",
        "walking=10",
        "--pain-after",
        "5",
        "--note",
        "after work",
        "--json",
    )
    assert res.returncode == 0, res.stderr
    ident = json.loads(res.stdout)["id"]
    child = spawn(env, ident)
    child.expect(r"Editing the session of 5 Mar 2026")
    answer(child, asks("Date", DAY), "")  # Enter keeps it
    answer(child, asks("Bridge: done, partial or skipped", "done"), "partial")
    answer(child, asks("Pain during or just after it, 0–10", "-"), "3")
    answer(child, asks("Walking: done, partial or skipped", "done"), "")
    answer(child, asks("Minutes done", "10"), "12")
    answer(child, asks("Pain during or just after it, 0–10", "-"), "")
    answer(child, r"Another exercise you did", "")
    answer(child, asks("Pain before the session, 0–10", "-"), "4")
    answer(child, asks("Pain after the session, 0–10", "5"), "eleven")
    answer(child, r"give a whole number from 0 to 10", "2")  # asked again
    child.expect(r"Note now: after work")
    answer(child, r"Note \(Enter keeps it, - removes it\)", "felt fine")
    child.expect(r"Corrected the session of 5 Mar 2026")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    (s,) = history(env)["sessions"]
    got = {e["exercise_id"]: e for e in s["exercises"]}
    assert (got["bridge"]["status"], got["bridge"]["pain"]) == ("partial", 3)
    assert (got["walking"]["status"], got["walking"]["duration_minutes"]) == ("done", 12)
    assert (s["id"], s["date"], s["pain_before"], s["pain_after"], s["note"]) == (
        ident,
        DAY,
        4,
        2,
        "felt fine",
    )


def test_a_check_in_is_asked_too_and_enter_everywhere_changes_nothing(env: dict[str, str]) -> None:
    assert run(env, "pain", "5", "--date", DAY, "--symptom", "tingling").returncode == 0
    before = history(env)
    child = spawn(env, f"p-{DAY}")
    for prompt in (
        asks("Date", DAY),
        asks("Pain, 0–10", "5"),
        asks("Symptoms (comma-separated; - for none)", "tingling"),
        asks("A flare-up? (y/n)", "n"),
        r"Note \(Enter keeps it\)",
    ):
        answer(child, prompt, "")
    child.expect(r"Nothing changed")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert history(env) == before


def test_ctrl_c_stops_and_changes_nothing(env: dict[str, str]) -> None:
    assert run(env, "visit", "--date", DAY, "--note", "first").returncode == 0
    before = history(env)
    ident = before["visits"][0]["id"]
    child = spawn(env, ident)
    answer(child, r"Date", "2026-03-04")
    child.expect(r"Kind")
    child.sendintr()
    child.expect(r"nothing was changed")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert history(env) == before
