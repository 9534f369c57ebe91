"""The data folder's lock (storage/lock.py): fcntl on POSIX, msvcrt on Windows, chosen by
what the import system offers. Two writers never hold it at once; one that cannot get it in
time gets a plain message, not a traceback."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

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


def test_a_lock_held_by_another_process_is_waited_for_then_refused_plainly(
        tmp_path: Path) -> None:
    path = tmp_path / ".lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(BackcareError, match="another backcare is still writing"), \
                lock.exclusive(path, timeout=0.05):
            pass
    finally:
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=30)
    with lock.exclusive(path, timeout=5):  # released with its holder
        pass
    assert path.stat().st_mode & 0o777 == 0o600


class LockingOnly(ModuleType):
    """msvcrt's ``locking``, with its rule: one holder of a byte range at a time."""

    LK_UNLCK, LK_NBLCK = 0, 2

    def __init__(self) -> None:
        super().__init__("msvcrt")
        self.held: set[tuple[int, int]] = set()
        self.calls: list[int] = []

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        st = os.fstat(fd)
        key = (st.st_dev, st.st_ino)
        self.calls.append(mode)
        if mode == self.LK_NBLCK:
            if key in self.held:
                raise OSError(errno.EACCES, "Permission denied")
            self.held.add(key)
        else:
            self.held.discard(key)


def test_without_fcntl_the_windows_lock_is_used(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    msvcrt = LockingOnly()
    monkeypatch.setitem(sys.modules, "fcntl", None)  # import fcntl fails, as on Windows
    monkeypatch.setitem(sys.modules, "msvcrt", msvcrt)
    path = tmp_path / ".lock"
    with lock.exclusive(path):
        assert msvcrt.held
        with pytest.raises(BackcareError, match="another backcare is still writing"), \
                lock.exclusive(path, timeout=0.05):
            pass
    assert not msvcrt.held
    assert msvcrt.calls[0] == msvcrt.LK_NBLCK and msvcrt.calls[-1] == msvcrt.LK_UNLCK
    with lock.exclusive(path):  # free again
        pass


def test_a_lock_file_that_cannot_be_opened_is_named(tmp_path: Path) -> None:
    with pytest.raises(BackcareError, match="cannot open the lock file"), \
            lock.exclusive(tmp_path / "missing-folder" / ".lock"):
        pass
