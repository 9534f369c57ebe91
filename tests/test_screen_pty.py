"""The guided session at a real terminal says pregnancy's stop signs (issue 21; ACOG
Committee Opinion 804)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import installed_script, terminal_env

pexpect = pytest.importorskip("pexpect")

pytestmark = pytest.mark.pty

DAY = "2026-03-02"
TIMEOUT = 20
SCRIPT = installed_script()


def test_the_session_says_pregnancys_stop_signs(tmp_path: Path) -> None:
    env = terminal_env(tmp_path / "home", DAY)
    res = subprocess.run(
        [
            SCRIPT,
            "init",
            "--no-red-flags",
            "--condition",
            "pregnancy",
            "--pregnancy-week",
            "24",
            "--assessed",
            "--pain",
            "3",
            "--yes",
            "--date",
            DAY,
        ],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    child = pexpect.spawn(
        SCRIPT,
        ["session", "--date", DAY],
        env=env,
        encoding="utf-8",
        timeout=TIMEOUT,
        dimensions=(40, 120),
    )
    seen = ""
    while "regular painful contractions" not in " ".join(seen.split()):
        found = child.expect([r"how is your back pain right now, 0 to 10\?", r"\n"])
        seen += (child.before or "") + (child.after if isinstance(child.after, str) else "")
        if found == 0:
            child.sendline("2")
    assert "vaginal bleeding" in " ".join(seen.split())
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
