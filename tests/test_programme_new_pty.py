"""`backcare programme new` at a real terminal (issue 16): the installed console script in a
pseudo-terminal, answered as a physiotherapist would answer it.
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


SCRIPT = installed_script()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return terminal_env(tmp_path / "home", "2026-03-02")


def spawn(env: dict[str, str], out: Path) -> object:
    return pexpect.spawn(
        SCRIPT,
        ["programme", "new", "--out", str(out)],
        env=env,
        encoding="utf-8",
        timeout=TIMEOUT,
        dimensions=(40, 100),
    )


def imported(env: dict[str, str], path: Path) -> dict[str, object]:
    res = subprocess.run(
        [SCRIPT, "programme", "import", str(path), "--json"],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert res.returncode == 0, res.stderr
    doc: dict[str, object] = json.loads(res.stdout)
    return doc


def test_the_builder_searches_asks_each_dose_and_writes_a_valid_file(
    env: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "plan.yaml"
    child = spawn(env, out)
    child.expect(r"Exercise 1.*when done\)")
    child.sendline("zzz")  # nothing matches: it says so and asks again
    child.expect(r"No exercise matches 'zzz'")
    child.expect(r"Exercise 1.*when done\)")
    child.sendline("bridge")
    child.expect(r"Bridge \(bridge")
    child.expect(r"Which one\?")
    child.sendline("1")
    child.expect(r"Sets \(usual \d+.\d+\)")
    child.sendline("3")
    child.expect(r"Repetitions \(usual")
    child.sendline("")  # the library's usual number
    child.expect(r"Hold \(seconds\)")
    child.sendline("7")
    child.expect(r"Days")
    child.sendline("mon,funday")
    child.expect(r"'funday' is not a day of the week")
    child.sendline("mon, wed")
    child.expect(r"note for the patient")
    child.sendline("squeeze gently")
    child.expect(r"Exercise 2")
    child.sendline("aerobic")  # a category finds its exercises
    child.expect(r"Which one\?")
    (line,) = [line for line in child.before.splitlines() if "Walking (walking" in line]
    child.sendline(line.split()[0])
    child.expect(r"Minutes \(usual")
    child.sendline("15")
    child.expect(r"Days")
    child.sendline("")
    child.expect(r"note for the patient")
    child.sendline("")
    child.expect(r"Exercise 3")
    child.sendline("")  # done
    child.expect(r"move the doses on")
    child.sendline("y")
    child.expect(r"Prescribed by")
    child.sendline("A. Physio")
    child.expect(r"Start date")
    child.sendline("2026-13-40")
    child.expect(r"Give a date like")
    child.sendline("2026-03-09")
    # A message wraps between words at the terminal's width (issue 14).
    child.expect(r"Wrote\s+\S*plan\.yaml\s+\(prescription\s+file,\s+2\s+exercises\)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    doc = imported(env, out)
    bridge, walking = doc["exercises"]  # type: ignore[misc]
    assert doc["prescribed_by"] == "A. Physio" and doc["start"] == "2026-03-09"
    assert doc["allow_progression"] is True
    assert bridge["id"] == "bridge" and bridge["sets"] == 3 and bridge["hold_seconds"] == 7
    assert bridge["days"] == ["mon", "wed"] and bridge["note"] == "squeeze gently"
    assert walking == {
        "id": "walking",
        "duration_minutes": 15,
        "note": None,
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    }


def test_stopping_the_builder_writes_nothing(env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "plan.yaml"
    child = spawn(env, out)
    child.expect(r"Exercise 1")
    child.sendline("bridge")
    child.expect(r"Which one\?")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus != 0 and not out.exists()
