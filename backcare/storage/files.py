"""Files in the data folder: written atomically, read without ever repairing anything.

- Every write goes to a temp file in the same folder, is fsynced, then ``os.replace``d over
  the old one, and the folder is synced, so a crash leaves either the old file or the new
  one, never half of each.
- A file that cannot be parsed is never written over: the error names it, and ``doctor``
  offers the newest good backup.
- Each file carries its schema version in a ``_meta`` table; older files are migrated as they
  are read, in order, and a newer one is refused.
- Files the user names (``export --out``) are written the same way, and only replace an
  existing file with ``--force``.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backcare.errors import BackcareError

SCHEMA_VERSION = 1
DIR_MODE = 0o700
FILE_MODE = 0o600
# Where the platform has them (POSIX): links are never followed when a file is opened, and
# modes are private. On Windows a file opened by number must be binary, or newlines would be
# rewritten, and modes mean little (a Windows folder's privacy comes from its access list).
NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
BINARY = getattr(os, "O_BINARY", 0)
POSIX_MODES = os.name == "posix"
REPLACE_TRIES = 20  # Windows: a reader holding the old file open makes os.replace wait
REPLACE_WAIT_S = 0.05

# Ordered migrations: MIGRATIONS[n] turns a file at schema n into schema n + 1.
# Each takes the file's name inside the data folder and its tables, and returns new tables.
Migration = Callable[[str, dict[str, Any]], dict[str, Any]]
MIGRATIONS: dict[int, Migration] = {}


class DataFileError(BackcareError):
    """A data file that cannot be used as it is. It is left untouched."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(
            f"{path}: {problem}. The file has been left as it is; "
            f"run 'backcare doctor' to restore the newest good backup.")
        self.path = path


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(path: Path, data: bytes, mode: int = FILE_MODE) -> None:
    """Write a file so that a crash leaves the old version or the new one, nothing between."""
    # A unique temp name in the same folder (tempfile would cost start-up time, issue 7).
    tmp = path.parent / f".{path.name}.{os.urandom(6).hex()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | BINARY, mode)
    try:
        fchmod = getattr(os, "fchmod", None)  # POSIX (Windows from Python 3.13)
        if fchmod is not None:
            fchmod(fd, mode)  # whatever the umask
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _replace(source: Path, target: Path) -> None:
    """``os.replace``, which Windows refuses for a moment while another process reads the
    file being replaced; POSIX never does."""
    for _ in range(REPLACE_TRIES - 1):
        try:
            os.replace(source, target)
            return
        except PermissionError:
            if POSIX_MODES:
                raise
            time.sleep(REPLACE_WAIT_S)
    os.replace(source, target)


def atomic_write_text(path: Path, text: str, mode: int = FILE_MODE) -> None:
    """Text files are UTF-8 on every platform, whatever the locale says."""
    atomic_write_bytes(path, text.encode("utf-8"), mode)


def read_json_file(path: Path) -> Any:
    """Read one of our JSON files; refuse links; never repair anything in place."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(st.st_mode):
        raise DataFileError(path, "is a symbolic link; backcare only uses its own files")
    if not stat.S_ISREG(st.st_mode):
        raise DataFileError(path, "is not a regular file")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFileError(path, f"cannot be read ({exc.strerror})") from None
    if not raw.strip():
        raise DataFileError(path, "is empty")
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        raise DataFileError(path, "is not UTF-8 text (it may be damaged)") from None
    except ValueError as exc:
        raise DataFileError(path, f"is damaged (not valid JSON: {exc})") from None
    except RecursionError:
        raise DataFileError(path, "is nested too deeply to read") from None


def _schema_of(path: Path, data: Any) -> int:
    if not isinstance(data, dict):
        raise DataFileError(path, "is damaged (expected a JSON object)")
    meta = data.get("_meta") or {}
    try:
        version = next(iter(meta.values()))["schema"] if meta else SCHEMA_VERSION
    except (TypeError, KeyError, AttributeError, StopIteration):
        raise DataFileError(path, "is damaged (its schema version cannot be read)") from None
    if not isinstance(version, int) or isinstance(version, bool):
        raise DataFileError(path, f"has an unknown schema version {version!r}")
    return version


def stamp_schema(tables: dict[str, Any]) -> dict[str, Any]:
    """The tables as they are written: with this backcare's schema version."""
    tables["_meta"] = {"1": {"schema": SCHEMA_VERSION}}
    return tables


def load_tables(path: Path, home: Path) -> dict[str, Any] | None:
    """A data file's tables, migrated to the current schema; None when it does not exist."""
    data = read_json_file(path)
    if data is None:
        return None
    version = _schema_of(path, data)
    if version > SCHEMA_VERSION or version < 1:
        raise DataFileError(
            path, f"has schema version {version}, which this backcare "
                  f"(schema {SCHEMA_VERSION}) does not know; it may come from a newer backcare")
    name = str(path.relative_to(home)) if path.is_relative_to(home) else path.name
    while version < SCHEMA_VERSION:
        migrate = MIGRATIONS.get(version)
        if migrate is None:  # a gap in the chain is our bug; never guess at the data
            raise DataFileError(path, f"has schema version {version}, and this backcare "
                                      f"has no migration from it")
        data = migrate(name, data)
        version += 1
    for table, docs in data.items():
        if not isinstance(docs, dict):
            raise DataFileError(path, f"is damaged (table '{table}' is not an object)")
    return data




# --- files the user names (export --out) -----------------------------------------------------

def check_out(path: Path, force: bool) -> Path:
    """Refuse, before any work is done, an --out that would overwrite without --force or
    cannot be written."""
    if os.path.lexists(path):
        if path.is_dir() and not path.is_symlink():
            raise BackcareError(f"--out {path} is a folder; give a file name, for example "
                                f"{path / 'backcare-export.json'}")
        if not force:
            raise BackcareError(f"{path} already exists; add --force to replace it, or "
                                f"choose another --out")
    parent = path.parent
    if not parent.is_dir():
        raise BackcareError(f"--out {path}: the folder {parent} does not exist")
    return path


def write_out(path: Path, data: bytes, force: bool) -> None:
    """Write a file the user named, privately (0600) and atomically: a reader never sees
    half a file."""
    check_out(path, force)
    try:
        atomic_write_bytes(path, data)
    except OSError as exc:
        raise BackcareError(f"--out {path}: cannot be written ({exc.strerror})") from None
