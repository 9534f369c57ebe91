"""`backcare init` at a real terminal: no safety question has a default (issue 11).

The installed console script runs in a pseudo-terminal. Enter alone at a red-flag question
asks it again; `--yes` takes the defaults for comfort settings but still asks every
red-flag question.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import installed_script, terminal_env

pexpect = pytest.importorskip("pexpect")

pytestmark = pytest.mark.pty

TIMEOUT = 20
DAY = "2026-03-02"
RED_FLAG_QUESTIONS = 12
CONDITION_QUESTIONS = 4  # a history of cancer is asked with the red flags
FIRST_QUESTION = r"lost control of your bladder or bowels.*\[y/n\]"


SCRIPT = installed_script()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return terminal_env(tmp_path / "home", DAY)


def profile(env: dict[str, str]) -> dict[str, object] | None:
    res = subprocess.run(
        [SCRIPT, "init", "--json"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    if res.returncode != 0:
        return None
    doc: dict[str, object] = json.loads(res.stdout)["profile"]
    return doc


def spawn(env: dict[str, str], *args: str) -> object:
    return pexpect.spawn(
        SCRIPT, ["init", *args], env=env, encoding="utf-8", timeout=TIMEOUT, dimensions=(40, 100)
    )


def test_enter_alone_does_not_answer_a_red_flag_question(env: dict[str, str]) -> None:
    child = spawn(env, "--date", DAY)
    child.expect(FIRST_QUESTION)
    child.sendline("")
    child.expect(r"Please answer y or n")
    child.expect(FIRST_QUESTION)  # asked again, not taken as "no"
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert profile(env) is None  # nothing was saved on the way


def test_yes_at_a_terminal_still_asks_every_red_flag_question(env: dict[str, str]) -> None:
    """And the age band and the conditions: --yes answers no safety question (issue 21)."""
    child = spawn(env, "--yes", "--pain", "3", "--date", DAY)
    for _ in range(RED_FLAG_QUESTIONS):
        child.expect(r"\[y/n\]")
        child.sendline("n")
    child.expect(r"How old were you when this back pain started")
    child.sendline("")
    child.expect(r"How old were you when this back pain started")  # no default
    child.sendline("20-50")
    for _ in range(CONDITION_QUESTIONS):
        child.expect(r"\[y/n\]")
        child.sendline("n")
    child.expect(r"Profile saved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    saved = profile(env)
    assert saved is not None and saved["red_flags"] == [] and saved["minutes_per_day"] == 20


def test_an_emergency_answer_ends_the_questions(env: dict[str, str]) -> None:
    """Issue 21: after a cauda-equina "yes", init shows the emergency message and asks
    nothing more (it used to ask 8 more questions, then offer the STarT Back tool)."""
    child = spawn(env, "--date", DAY)
    child.expect(FIRST_QUESTION)
    child.sendline("y")
    child.expect(r"emergency")
    child.expect(pexpect.EOF)
    said = child.before or ""
    child.close()
    assert child.exitstatus == 3
    assert "[y/n]" not in said and "STarT Back" not in said and "(0–10)" not in said
    saved = subprocess.run(
        [SCRIPT, "history", "--json"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert saved.returncode == 0
    plan = subprocess.run(
        [SCRIPT, "plan", "--date", DAY],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert plan.returncode == 3 and "backcare clear --by NAME" in plan.stderr


def test_a_rerun_offers_the_current_answers_and_keeps_the_baseline(env: dict[str, str]) -> None:
    """Issue 21: answering "3" for today's pain on a re-run overwrote the baseline of 5. The
    re-run asks for the pain at the start, offers 5, and says what changed (here nothing)."""
    first = subprocess.run(
        [
            SCRIPT,
            "init",
            "--no-red-flags",
            "--condition",
            "osteoporosis",
            "--age-band",
            "over-50",
            "--assessed",
            "--pain",
            "5",
            "--yes",
            "--date",
            DAY,
        ],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert first.returncode == 0, first.stderr
    child = spawn(env)
    for _ in range(RED_FLAG_QUESTIONS):  # the screen is asked again, with no default
        child.expect(r"\[y/n\]")
        child.sendline("n")
    child.expect(r"started\?.*\(over-50\)")
    child.sendline("")
    for _ in range(CONDITION_QUESTIONS):  # the conditions kept are the defaults now
        child.expect(r"\[y/n\].{0,12}\((y|n)\)")
        child.sendline("")
    child.expect(r"assessed this back pain\?.{0,20}\(y\)")  # as before
    child.sendline("")
    child.expect(r"pain at the start of the programme.*\(5\)")
    child.sendline("")
    for prompt in (
        "minutes a day",
        "days a week",
        "What do you have",
        "down to the floor",
        "kneel on all fours",
    ):  # Enter keeps each
        child.expect(prompt)
        child.sendline("")
    child.expect(r"STarT Back")
    child.sendline("n")
    child.expect(r"Nothing in your profile changed")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    saved = profile(env)
    assert saved is not None and saved["baseline_pain"] == 5
    assert saved["conditions"] == ["osteoporosis"] and saved["start_date"] == DAY
