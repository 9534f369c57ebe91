"""`clinic add --as` at a real terminal (issue 22): renaming a patient already in the clinic
asks first."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import installed_script, terminal_env
from test_clinic_cli import export_doc

pexpect = pytest.importorskip("pexpect")

pytestmark = pytest.mark.pty

TIMEOUT = 20
SCRIPT = installed_script()
TODAY = "2026-03-20"


def names(env: dict[str, str]) -> list[str]:
    res = subprocess.run(
        [SCRIPT, "clinic", "list", "--json", "--date", TODAY],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert res.returncode == 0, res.stderr
    return [p["name"] for p in json.loads(res.stdout)["patients"]]


@pytest.mark.parametrize(("answer", "after"), [("n", "J. Murphy"), ("y", "John Murphy")])
def test_a_rename_with_as_asks_first(tmp_path: Path, answer: str, after: str) -> None:
    env = terminal_env(tmp_path / "home", TODAY)
    export = tmp_path / "murphy.json"
    export.write_text(json.dumps(export_doc("pt-murp000000000001")), encoding="utf-8")
    first = subprocess.run(
        [SCRIPT, "clinic", "add", str(export), "--as", "J. Murphy", "--date", TODAY],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert first.returncode == 0, first.stderr
    child = pexpect.spawn(
        SCRIPT,
        ["clinic", "add", str(export), "--as", "John Murphy", "--date", TODAY],
        env=env,
        encoding="utf-8",
        timeout=TIMEOUT,
        dimensions=(40, 100),
    )
    child.expect(r"Rename J\. Murphy to John Murphy\?")
    child.sendline(answer)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == (1 if answer == "n" else 0)
    assert names(env) == [after]
