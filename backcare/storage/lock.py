"""One inter-process lock, on every platform Python runs on: ``filelock`` (issue 24).

tinydb has no multi-process support, and two terminals logging at once must not lose an
entry, so every read-modify-write holds an exclusive lock on the data folder's lock file.
``filelock`` is kept by the maintainers of tox and virtualenv and tested by them on Windows:
``flock`` on POSIX, ``msvcrt.locking`` on Windows (the hand-written lock it replaces had only
met Windows in a simulation). Its soft fallback (a marker file, for a file system without
``flock``) is turned off: a marker outlives a kill, and a lock must never go stale. The lock
file is created 0600 and never followed through a link; it stays in place on release.
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from backcare.errors import BackcareError

LOCK_TIMEOUT_S = 30.0
POLL_S = 0.01
LOCK_MODE = 0o600  # storage.files.FILE_MODE (not imported: files uses this module)


def _file_lock(path: Path) -> Any:
    """filelock's lock of ``path``, whose folder must exist: filelock would make a missing
    one with the umask's mode, and a data folder is made private, by the store, or not at
    all (a FileNotFoundError here)."""
    if not path.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", str(path))
    from filelock import FileLock

    return FileLock(
        path, mode=LOCK_MODE, thread_local=False, fallback_to_soft=False, poll_interval=POLL_S
    )


def _cannot_open(path: Path, exc: OSError) -> BackcareError:
    return BackcareError(f"{path}: cannot open the lock file ({exc.strerror or exc})")


@contextlib.contextmanager
def exclusive(path: Path, timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the lock on ``path`` (created 0600 if need be), waiting up to ``timeout``."""
    from filelock import Timeout

    try:
        held = _file_lock(path)
        held.acquire(timeout=timeout)
    except Timeout:
        raise BackcareError(
            "another backcare is still writing to the data folder; try again in a moment"
        ) from None
    except OSError as exc:
        raise _cannot_open(path, exc) from None
    try:
        yield
    finally:
        held.release()


@contextlib.contextmanager
def try_exclusive(path: Path) -> Iterator[bool]:
    """Take the lock on ``path`` if it is free, without waiting; yields whether it was
    taken. For work that may simply be skipped, such as writing a cache."""
    from filelock import Timeout

    try:
        held = _file_lock(path)
        held.acquire(blocking=False)
    except (Timeout, OSError):
        yield False
        return
    try:
        yield True
    finally:
        held.release()


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
