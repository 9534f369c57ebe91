"""backcare in odd environments, through the installed console script (issue 17): closed
and full streams, encodings that cannot show every character, arguments that are not
UTF-8, odd data folders, input files that are not regular files, and --out paths that are
not regular files.

- Output errors after a committed write never turn success into failure without saying
  that the data was saved; with nothing saved they are a clean exit 1.
- A closed stdin in `init` or `session` is exit 2 (CONTRACT.md).
- PYTHONIOENCODING=ascii works, with replacement characters, and --json loses nothing.
- A BACKCARE_HOME that is a file, below a file, unreachable or another user's is named, with
  exit 1; a symlinked one is used through the link, for reading and writing alike.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

TODAY = "2026-03-20"


def console_script() -> str:
    exe = shutil.which("backcare") or str(Path(sys.executable).parent / "backcare")
    if not Path(exe).exists():
        pytest.skip("the backcare console script is not installed")
    return exe


def run(
    home: Path,
    *args: str | bytes,
    stdin: Any = subprocess.DEVNULL,
    stdout: Any = None,
    env: dict[str, str] | None = None,
    prefix: str = "",
) -> subprocess.CompletedProcess[str]:
    """The console script, its stdout and stderr captured unless ``stdout`` is given; a
    shell ``prefix`` can close or redirect descriptors the way a user's shell would."""
    environ = {
        **os.environ,
        "BACKCARE_HOME": str(home),
        "NO_COLOR": "1",
        "BACKCARE_TODAY": TODAY,
        **(env or {}),
    }
    if prefix:
        import shlex

        words = " ".join(shlex.quote(os.fsdecode(a)) for a in (console_script(), *args))
        return subprocess.run(
            ["/bin/sh", "-c", f"{words} {prefix}"],
            env=environ,
            stdin=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    return subprocess.run(
        [console_script(), *args],
        env=environ,
        stdin=stdin,
        stdout=stdout if stdout is not None else subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def home(tmp_path: Path) -> Path:
    folder = tmp_path / "home"
    res = run(
        folder,
        "init",
        "--yes",
        "--no-red-flags",
        "--no-conditions",
        "--assessed",
        "--pain",
        "5",
        "--date",
        "2026-03-01",
    )
    assert res.returncode == 0, res.stderr
    return folder


def sessions(home: Path) -> list[dict[str, Any]]:
    res = run(home, "history", "--json", "--from", "2026-03-01")
    assert res.returncode == 0, res.stderr
    return list(json.loads(res.stdout)["sessions"])


# --- closed and full streams -----------------------------------------------------------------


def test_a_closed_stdout_after_a_saved_write_says_so_and_succeeds(home: Path) -> None:
    res = run(home, "log", "--json", prefix=">&-")
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr
    assert "your data was saved (2026-03.json)" in res.stderr
    assert len(sessions(home)) == 1
    quiet = run(home, "pain", "4", prefix=">&-")  # nothing for stdout: nothing to say
    assert quiet.returncode == 0 and "saved" not in quiet.stderr, quiet.stderr


def test_a_full_stdout_after_a_saved_write_keeps_exit_0_so_nothing_is_retried(home: Path) -> None:
    with open("/dev/full", "w") as full:
        res = run(home, "log", "--json", stdout=full)
    assert res.returncode == 0, res.stderr
    assert "your data was saved" in res.stderr and "No space left on device" in res.stderr
    assert len(sessions(home)) == 1  # a retry would have made it two


def test_a_full_stdout_with_nothing_saved_is_a_clean_failure(home: Path) -> None:
    with open("/dev/full", "w") as full:
        res = run(home, "history", "--json", stdout=full)
    assert res.returncode == 1
    assert res.stderr.strip() == (
        "backcare: the output could not be written to standard output (No space left on device)"
    )


def test_a_red_flag_keeps_exit_3_when_stdout_fails(home: Path) -> None:
    with open("/dev/full", "w") as full:
        res = run(home, "pain", "4", "--symptom", "bladder-bowel", "--json", stdout=full)
    assert res.returncode == 3, res.stderr
    assert "your data was saved" in res.stderr


def test_a_closed_pipe_is_quiet(home: Path) -> None:
    for _ in range(40):
        assert run(home, "pain", "3").returncode == 0
    res = run(home, "history", "--json", "--from", "2000-01-01", prefix="| head -c 1")
    assert res.stderr == ""


def test_a_closed_stdin_is_exit_2_in_init_and_session(tmp_path: Path, home: Path) -> None:
    fresh = run(tmp_path / "fresh", "init", prefix="<&-")
    assert fresh.returncode == 2, fresh.stderr
    assert "--no-red-flags" in fresh.stderr and "Traceback" not in fresh.stderr
    assert not (tmp_path / "fresh").exists()
    session = run(home, "session", prefix="<&-")
    assert session.returncode == 2, session.stderr
    assert "needs a terminal" in session.stderr


def test_a_closed_stderr_changes_nothing(home: Path) -> None:
    res = run(home, "log", "--json", prefix="2>&-")
    assert res.returncode == 0
    assert json.loads(res.stdout)["date"] == TODAY


# --- encodings -------------------------------------------------------------------------------


def test_an_ascii_terminal_gets_replacement_characters_and_whole_json(home: Path) -> None:
    ascii_only = {"PYTHONIOENCODING": "ascii"}
    note = "réveil — ça va ✓"
    res = run(home, "pain", "3", "--note", note, env=ascii_only)
    assert res.returncode == 0, res.stderr
    assert "Pain 3/10 recorded" in res.stderr
    for args in (("plan",), ("history",), ("progress",)):
        shown = run(home, *args, env={**ascii_only, "LC_ALL": "C"})
        assert shown.returncode == 0, (args, shown.stderr)
        assert "unexpected problem" not in shown.stderr
    doc = run(home, "history", "--json", env=ascii_only)
    assert doc.returncode == 0 and doc.stdout.isascii()
    assert json.loads(doc.stdout)["pain_checkins"][0]["note"] == note


def test_arguments_that_are_not_utf8_get_a_clear_message(home: Path, tmp_path: Path) -> None:
    c_locale = {"LC_ALL": "C", "LANG": "C"}
    for args, named in (
        ((b"pain", b"3", b"--note", b"caf\xe9"), "--note holds bytes that are not UTF-8"),
        ((b"goal", b"add", b"walk \xe9"), "holds bytes that are not UTF-8"),
        ((b"pain", b"\xe9"), "pain is a whole number from 0 to 10"),
    ):
        before = sessions(home)
        res = run(home, *args, env=c_locale)
        assert res.returncode in (1, 2), res.stderr
        assert named in res.stderr and "unexpected problem" not in res.stderr
        assert sessions(home) == before
    out = tmp_path / os.fsdecode(b"rapport-\xe9.json")
    res = run(home, "export", "--format", "json", "--out", os.fsencode(out), env=c_locale)
    assert res.returncode == 0, res.stderr
    assert json.loads(out.read_bytes())["format"] == "backcare-export"


# --- odd data folders ----------------------------------------------------------------------


@pytest.fixture
def odd(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    for path in tmp_path.rglob("*"):  # an unreachable folder is made reachable to clean up
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o700)


def test_a_home_that_is_a_file_or_below_one_is_named(odd: Path) -> None:
    (odd / "file").write_text("not a folder")
    for home, problem in (
        (odd / "file", "is a file, not a folder"),
        (odd / "file" / "sub", f"is below {odd / 'file'}, which is a file"),
    ):
        for args in (("plan",), ("pain", "3"), ("history",), ("doctor",)):
            res = run(home, *args)
            assert res.returncode == 1, (home, args, res.stderr)
            assert res.stderr.strip() == f"backcare: {home}: the data folder {problem}" or (
                res.stderr.startswith(f"backcare: {home}: the data folder {problem}")
            )
    assert (odd / "file").read_text() == "not a folder"


def test_a_home_that_cannot_be_reached_is_named(odd: Path) -> None:
    loop = odd / "loop"
    loop.symlink_to(loop)
    nowhere = odd / "dangling"
    nowhere.symlink_to(odd / "nowhere")
    cases = [
        (loop, "cannot be reached (Too many levels of symbolic links)"),
        (nowhere, f"is a symbolic link to {odd / 'nowhere'}, which does not exist"),
        (odd / ("x" * 300), "cannot be reached (File name too long)"),
    ]
    for home, problem in cases:
        for args in (("plan",), ("pain", "3")):
            res = run(home, *args)
            assert res.returncode == 1, (home, res.stderr)
            assert f"{home}: the data folder {problem}" in res.stderr
    assert not (odd / "nowhere").exists()


def test_another_users_home_is_refused(odd: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("making a folder another user's needs root")
    other = odd / "other"
    other.mkdir(mode=0o700)
    os.chown(other, 65534, 65534)
    for args in (("plan",), ("pain", "3"), ("history",)):
        res = run(other, *args)
        assert res.returncode == 1
        assert f"{other}: the data folder belongs to another user (uid 65534)" in res.stderr
    assert os.listdir(other) == []  # nothing was written into it


def test_a_symlinked_home_is_used_through_the_link_for_reading_and_writing(odd: Path) -> None:
    real = odd / "real"
    real.mkdir(mode=0o700)
    link = odd / "link"
    link.symlink_to(real)
    assert run(link, "pain", "6").returncode == 0
    assert (real / "log" / "2026-03.json").is_file()
    res = run(link, "history", "--json")
    assert [c["score"] for c in json.loads(res.stdout)["pain_checkins"]] == [6]
    assert run(real, "history", "--json").stdout == res.stdout
    assert json.loads(run(link, "doctor", "--json").stdout)["clean"] is True
    assert link.is_symlink()  # used, not replaced


# --- input files and --out paths that are not regular files -----------------------------------


def test_yaml_inputs_that_are_not_regular_files_are_refused_before_reading(
    home: Path, tmp_path: Path
) -> None:
    fifo = tmp_path / "prescription.yaml"
    os.mkfifo(fifo)
    for args in (
        ("programme", "import", str(fifo)),
        ("exercises", "check", str(fifo)),
        ("exercises", "check", "/dev/zero"),
    ):
        res = run(home, *args)  # a hang would fail run()'s timeout
        assert res.returncode == 1, res.stderr
        assert "must be a regular file" in res.stderr
    settings = home / "settings.yaml"
    os.mkfifo(settings, 0o600)
    res = run(home, "plan")
    assert res.returncode == 1 and f"{settings}: is a named pipe (FIFO)" in res.stderr
    settings.unlink()
    res = run(home, "plan", env={"BACKCARE_LIBRARY": "/dev/zero"})
    assert res.returncode == 1 and "/dev/zero: is a device" in res.stderr


@pytest.mark.parametrize("kind", ["device", "fifo", "socket", "folder"])
def test_out_replaces_only_a_regular_file_even_with_force(
    home: Path, tmp_path: Path, kind: str
) -> None:
    if kind == "device":
        out = Path("/dev/null")
    elif kind == "fifo":
        out = tmp_path / "out.json"
        os.mkfifo(out)
    elif kind == "socket":
        import socket

        out = tmp_path / "out.sock"
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(out))
        sock.close()
    else:
        out = tmp_path / "folder"
        out.mkdir()
    before = os.lstat(out)
    res = run(home, "export", "--format", "json", "--out", str(out), "--force")
    assert res.returncode == 1, res.stderr
    assert f"--out {out} is a" in res.stderr
    after = os.lstat(out)
    assert (after.st_mode, after.st_ino, after.st_rdev) == (
        before.st_mode,
        before.st_ino,
        before.st_rdev,
    )


def test_two_exports_to_one_path_without_force_never_both_succeed(
    home: Path, tmp_path: Path
) -> None:
    out = tmp_path / "export.json"
    env = {**os.environ, "BACKCARE_HOME": str(home), "NO_COLOR": "1", "BACKCARE_TODAY": TODAY}
    procs = [
        subprocess.Popen(
            [console_script(), "export", "--format", "json", "--out", str(out), "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    results = [(p.wait(timeout=120), p.communicate()) for p in procs]
    codes = [code for code, _ in results]
    assert codes.count(0) == 1, results  # one wins; the others are told the file exists
    assert all("already exists" in err for code, (_, err) in results if code != 0)
    assert json.loads(out.read_text())["format"] == "backcare-export"
    assert not list(tmp_path.glob(".export.json.*.tmp"))
