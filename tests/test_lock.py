"""The data folder's lock (storage/lock.py): filelock's, flock on POSIX and msvcrt on
Windows (issue 24). Two writers never hold it at once; one that cannot get it in time gets a
plain message, not a traceback; a holder killed leaves no stale lock."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from backcare.errors import BackcareError
from backcare.storage import lock

HOLDER = """
import sys, time
from pathlib import Path
from backcare.storage.lock import exclusive
with exclusive(Path(sys.argv[1])):
    print("held", flush=True)
    sys.stdin.readline()
"""


def test_a_lock_held_by_another_process_is_waited_for_then_refused_plainly(tmp_path: Path) -> None:
    path = tmp_path / ".lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with (
            pytest.raises(BackcareError, match="another backcare is still writing"),
            lock.exclusive(path, timeout=0.05),
        ):
            pass
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
    with lock.exclusive(path, timeout=5):  # released with its holder
        pass
    assert path.stat().st_mode & 0o777 == 0o600


def test_a_holder_killed_leaves_no_stale_lock(tmp_path: Path) -> None:
    """The lock is the platform's own, which the system lets go with its holder: never
    filelock's soft lock (a marker file), which a kill would leave behind."""
    path = tmp_path / ".lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    with (
        pytest.raises(BackcareError, match="another backcare is still writing"),
        lock.exclusive(path, timeout=0.05),
    ):
        pass
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    with lock.exclusive(path, timeout=5):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock"]  # no marker beside it
    assert type(lock._file_lock(path)).__name__ in ("UnixFileLock", "WindowsFileLock")


def test_try_exclusive_skips_while_another_holds_it(tmp_path: Path) -> None:
    path = tmp_path / ".lock"
    with lock.exclusive(path), lock.try_exclusive(path) as got:
        assert got is False
    with lock.try_exclusive(path) as got:
        assert got is True


def test_a_lock_file_that_cannot_be_opened_is_named(tmp_path: Path) -> None:
    with (
        pytest.raises(BackcareError, match="cannot open the lock file"),
        lock.exclusive(tmp_path / "missing-folder" / ".lock"),
    ):
        pass
    assert not (tmp_path / "missing-folder").exists()  # never made, with the umask's mode
    (tmp_path / ".lock").mkdir()
    with (
        pytest.raises(BackcareError, match="cannot open the lock file .Is a directory"),
        lock.exclusive(tmp_path / ".lock"),
    ):
        pass
    with lock.try_exclusive(tmp_path / "missing-folder" / ".lock") as got:
        assert got is False
