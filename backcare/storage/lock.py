"""One inter-process lock, on every platform Python runs on.

tinydb has no multi-process support, and two terminals logging at once must not lose an
entry, so every read-modify-write holds an exclusive lock on the data folder's lock file:
``fcntl.flock`` where fcntl exists (POSIX), else ``msvcrt.locking`` (Windows). The platform's
module is imported here, when a lock is taken, and nowhere else: which one is used follows
what the import system offers, so a test that hides fcntl gets the Windows lock.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from backcare.errors import BackcareError
from backcare.storage.files import BINARY, FILE_MODE, NOFOLLOW

LOCK_TIMEOUT_S = 30.0
POLL_S = 0.01
_BUSY = (errno.EAGAIN, errno.EACCES, errno.EDEADLK)


def _platform_lock() -> tuple[Callable[[int], bool], Callable[[int], None]]:
    """Take-without-waiting and release, for this platform."""
    try:
        import fcntl
    except ImportError:
        import msvcrt

        def try_windows(fd: int) -> bool:
            try:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            except OSError as exc:
                if exc.errno in _BUSY:
                    return False
                raise
            return True

        def unlock_windows(fd: int) -> None:
            with contextlib.suppress(OSError):
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]

        return try_windows, unlock_windows

    def try_posix(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in _BUSY:
                return False
            raise
        return True

    def unlock_posix(fd: int) -> None:
        pass  # closing the file releases the flock

    return try_posix, unlock_posix


@contextlib.contextmanager
def exclusive(path: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the lock on ``path`` (created 0600 if need be), waiting up to ``timeout``."""
    try_lock, unlock = _platform_lock()
    flags = os.O_RDWR | os.O_CREAT | NOFOLLOW | BINARY
    try:
        fd = os.open(path, flags, FILE_MODE)
    except OSError as exc:
        raise BackcareError(f"{path}: cannot open the lock file ({exc.strerror})") from None
    try:
        deadline = time.monotonic() + timeout
        while not try_lock(fd):
            if time.monotonic() > deadline:
                raise BackcareError("another backcare is still writing to the data folder; "
                                    "try again in a moment")
            time.sleep(POLL_S)
        try:
            yield
        finally:
            unlock(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def try_exclusive(path: Path) -> Iterator[bool]:
    """Take the lock on ``path`` if it is free, without waiting; yields whether it was
    taken. For work that may simply be skipped, such as writing a cache."""
    try_lock, unlock = _platform_lock()
    flags = os.O_RDWR | os.O_CREAT | NOFOLLOW | BINARY
    try:
        fd = os.open(path, flags, FILE_MODE)
    except OSError:
        yield False
        return
    try:
        got = try_lock(fd)
        try:
            yield got
        finally:
            if got:
                unlock(fd)
    finally:
        os.close(fd)


def flock_now(fd: int) -> bool | None:
    """Take an exclusive lock on an open file without waiting, held until it is closed:
    whether it was taken, or None where there is no fcntl (Windows). An export holds its
    temp file's lock so that a leftover is told from one being written (issue 24)."""
    try:
        import fcntl
    except ImportError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True
