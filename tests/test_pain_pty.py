"""Messages at a real terminal wrap between words (issue 14: the STOP message of a red flag
was split 'eme' / 'rgency' by the terminal). Piped, a message stays one line (the other
tests read it so)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import installed_script, terminal_env

pexpect = pytest.importorskip("pexpect")

pytestmark = pytest.mark.pty

WIDTH = 46


SCRIPT = installed_script()


def test_the_stop_message_wraps_between_words(tmp_path: Path) -> None:
    env = terminal_env(tmp_path / "home", "2026-03-05", size_from_env=False)
    assert (
        subprocess.run(
            [
                SCRIPT,
                "init",
                "--no-red-flags",
                "--no-conditions",
                "--assessed",
                "--pain",
                "3",
                "--yes",
                "--date",
                "2026-03-02",
            ],
            env=env,
            capture_output=True,
            check=False,
            timeout=60,
            stdin=subprocess.DEVNULL,
        ).returncode
        == 0
    )
    child = pexpect.spawn(
        SCRIPT,
        ["pain", "3", "--symptom", "bladder-bowel"],
        env=env,
        encoding="utf-8",
        timeout=20,
        dimensions=(40, WIDTH),
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 3
    text = re.sub(r"\x1b\[[0-9;]*m", "", child.before).replace("\r", "")
    lines = [line for line in text.split("\n") if line]
    assert "STOP" in text and "emergency" in text
    assert max(len(line) for line in lines) <= WIDTH, lines
    # In a panel of its own (red, where there is colour), and no green tick before it,
    # though the check-in it stops was recorded (issue 27).
    assert lines[0].startswith("Pain 3/10 recorded") and "✓" not in text
    assert lines[1].startswith("╭─ STOP") and lines[-1].startswith("╰")
    assert all(line.startswith("│") for line in lines[2:-1])
    piped = subprocess.run(
        [SCRIPT, "plan"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert piped.returncode == 3 and len(piped.stderr.strip().splitlines()) == 1
