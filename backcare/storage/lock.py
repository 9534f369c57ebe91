"""One inter-process lock, on every platform Python runs on.

tinydb has no multi-process support, and two terminals logging at once must not lose an
entry, so every read-modify-write holds an exclusive lock on the data folder's lock file:
``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows. The platform's module is imported
here, when a lock is taken, and nowhere else.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from backcare.errors import BackcareError

LOCK_TIMEOUT_S = 30.0
POLL_S = 0.01
FILE_MODE = 0o600
_BUSY = (errno.EAGAIN, errno.EACCES, errno.EDEADLK)


def _try_lock(fd: int) -> bool:
    """Take the lock without waiting; False when another process holds it."""
    if sys.platform == "win32":
        import msvcrt

        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError as exc:
            if exc.errno in _BUSY:
                return False
            raise
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in _BUSY:
            return False
        raise
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        with contextlib.suppress(OSError):
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
    # On POSIX, closing the file releases the flock.


@contextlib.contextmanager
def exclusive(path: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the lock on ``path`` (created 0600 if need be), waiting up to ``timeout``."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, FILE_MODE)
    except OSError as exc:
        raise BackcareError(f"{path}: cannot open the lock file ({exc.strerror})") from None
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() > deadline:
                raise BackcareError("another backcare is still writing to the data folder; "
                                    "try again in a moment")
            time.sleep(POLL_S)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def try_exclusive(path: Path) -> Iterator[bool]:
    """Take the lock on ``path`` if it is free, without waiting; yields whether it was
    taken. For work that may simply be skipped, such as writing a cache."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, FILE_MODE)
    except OSError:
        yield False
        return
    try:
        got = _try_lock(fd)
        try:
            yield got
        finally:
            if got:
                _unlock(fd)
    finally:
        os.close(fd)
