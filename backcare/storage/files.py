"""Files in the data folder: written atomically, read without ever repairing anything.

- Every write goes to a temp file in the same folder, is fsynced, then ``os.replace``d over
  the old one, and the folder is synced, so a crash leaves either the old file or the new
  one, never half of each. A temp file a crash leaves behind is removed by the next writer
  once it holds the folder's lock, and reported by ``doctor``.
- A file that cannot be parsed, or that holds a record no command could have written, is
  never written over: the error names it, and ``doctor`` offers the newest good backup. A
  file that cannot be read only because of its permissions is not damaged: ``doctor`` gives
  it back to its owner.
- Each file carries its schema version in a ``_meta`` table; older files are migrated as they
  are read, in order, and a newer one is refused. ``_meta`` also counts the file's writes
  (its generation), so the newest backup is the newest in content, whatever the clock said.
- Files the user names (``export --out``) are written the same way, only ever as regular
  files, and only replace an existing file with ``--force``: without it the new file is
  linked into place, which fails if anything got there first.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from backcare.clock import epoch_seconds
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
# A month of daily records is tens of kilobytes; a data file this big is not one of ours,
# and reading it would only use up the patient's memory.
MAX_DATA_FILE_BYTES = 64 * 1024 * 1024
TEMP_SUFFIX = ".tmp"
_READ_FLAGS = os.O_RDONLY | NOFOLLOW | BINARY | getattr(os, "O_NONBLOCK", 0)

# Ordered migrations: MIGRATIONS[n] turns a file at schema n into schema n + 1.
# Each takes the file's name inside the data folder and its tables, and returns new tables.
Migration = Callable[[str, dict[str, Any]], dict[str, Any]]
MIGRATIONS: dict[int, Migration] = {}
# Checks a file's tables and returns the first thing wrong with them, or None.
TableCheck = Callable[[dict[str, Any]], "str | None"]

RESTORE_HINT = "run 'backcare doctor' to restore the newest good backup"
PERMISSION_HINT = "run 'backcare doctor --yes' to make it readable by you again"

# The data files this process has replaced: after them, a failure to print is not a
# failure of the command (cli.py says the data was saved, and keeps the exit code).
_saved: list[Path] = []


class DataFileError(BackcareError):
    """A data file that cannot be used as it is. It is left untouched."""

    def __init__(self, path: Path, problem: str, hint: str = RESTORE_HINT) -> None:
        super().__init__(f"{path}: {problem}. The file has been left as it is; {hint}.")
        self.path = path
        self.problem = problem


def unreadable(path: Path) -> UnreadableFile:
    """The error for a file or folder of the data folder its mode keeps its owner out of
    (issue 24: a mode-000 log/ once made doctor itself fail, naming nothing)."""
    try:
        mode = stat.S_IMODE(os.lstat(path).st_mode)
    except OSError:
        mode = 0
    return UnreadableFile(path, mode)


class UnreadableFile(DataFileError):
    """A data file whose permissions keep its owner from reading it: not damaged, so never
    replaced by a backup; ``doctor --yes`` makes it readable again."""

    def __init__(self, path: Path, mode: int) -> None:
        super().__init__(
            path, f"cannot be read: its permissions (mode {mode:o}) do not let you", PERMISSION_HINT
        )
        self.mode = mode


def saved_paths() -> list[Path]:
    """The data files this process has written (and fsynced)."""
    return list(_saved)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def temp_name(path: Path) -> Path:
    """A unique temp name beside ``path`` (tempfile would cost start-up time, issue 7)."""
    return path.parent / f".{path.name}.{os.urandom(6).hex()}{TEMP_SUFFIX}"


def is_temp_file(name: str) -> bool:
    """A temp file of :func:`temp_name`: ``.NAME.<12 hex digits>.tmp``."""
    if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
        return False
    stem = name[1 : -len(TEMP_SUFFIX)]
    _, dot, tag = stem.rpartition(".")
    return bool(dot) and len(tag) == 12 and all(c in "0123456789abcdef" for c in tag)


def temp_files(folder: Path) -> list[Path]:
    """Temp files left in ``folder`` by a write that never finished."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return [folder / n for n in sorted(names) if is_temp_file(n)]


def write_temp(path: Path, data: bytes, mode: int, durable: bool) -> Path:
    tmp = temp_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | BINARY, mode)
    try:
        fchmod = getattr(os, "fchmod", None)  # POSIX (Windows from Python 3.13)
        if fchmod is not None:
            fchmod(fd, mode)  # whatever the umask
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            if durable:
                os.fsync(fh.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return tmp


def atomic_write_bytes(
    path: Path, data: bytes, mode: int = FILE_MODE, durable: bool = True
) -> None:
    """Write a file so that a crash leaves the old version or the new one, nothing between.
    ``durable=False`` (caches) skips the fsyncs: a cache that a power cut truncates fails
    its checksum and is rebuilt."""
    tmp = write_temp(path, data, mode, durable)
    try:
        _replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if durable:
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


def rename_durably(source: Path, target: Path) -> None:
    """Rename a file over another in one step, and sync the folder so the rename lasts."""
    _replace(source, target)
    _fsync_dir(target.parent)


def unlink_durably(*paths: Path) -> None:
    """Remove files (those already gone aside), then sync their folders."""
    folders = set()
    for path in paths:
        try:
            os.unlink(path)
        except FileNotFoundError:
            continue
        folders.add(path.parent)
    for folder in folders:
        _fsync_dir(folder)


def atomic_write_text(path: Path, text: str, mode: int = FILE_MODE) -> None:
    """Text files are UTF-8 on every platform, whatever the locale says."""
    atomic_write_bytes(path, text.encode("utf-8"), mode)


def note_saved(path: Path) -> None:
    _saved.append(path)


class NotRegularFile(OSError):
    """A path that is a link, a FIFO, a device or a folder where a file was expected."""


class TooBig(ValueError):
    """A file over the size limit of what it should be."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


def read_regular(path: Path, limit: int) -> bytes | None:
    """The bytes of a regular file, at most ``limit`` of them (more raises :class:`TooBig`);
    None when there is no file. Refuses links, FIFOs and devices before reading: the file is
    opened without following a link and without blocking, and checked again once open, so a
    file swapped for a FIFO in between cannot hang the read (issue 17)."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotRegularFile(errno.ELOOP, "is a symbolic link") from None
        raise
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a folder")
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(errno.EINVAL, f"is {_kind_of_file(st.st_mode)}")
        if st.st_size > limit:
            raise TooBig(st.st_size)
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    if len(raw) > limit:  # it grew after fstat
        raise TooBig(len(raw))
    return raw


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def read_json_file(path: Path) -> Any:
    """Read one of our JSON files; refuse links; never repair anything in place."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DataFileError(path, f"cannot be reached ({exc.strerror})") from None
    if stat.S_ISLNK(st.st_mode):
        raise DataFileError(path, "is a symbolic link; backcare only uses its own files")
    if not stat.S_ISREG(st.st_mode):
        raise DataFileError(path, "is not a regular file")
    try:
        raw = read_regular(path, MAX_DATA_FILE_BYTES)
    except PermissionError:
        raise UnreadableFile(path, stat.S_IMODE(st.st_mode)) from None
    except (NotRegularFile, IsADirectoryError) as exc:
        raise DataFileError(path, str(exc.strerror)) from None
    except TooBig:
        raise DataFileError(
            path, f"is over {MAX_DATA_FILE_BYTES // 2**20} MiB, far more than backcare ever writes"
        ) from None
    except OSError as exc:
        raise DataFileError(path, f"cannot be read ({exc.strerror})") from None
    if raw is None:
        return None
    if not raw.strip():
        raise DataFileError(path, "is empty")
    try:
        return json.loads(raw, parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise DataFileError(path, "is not UTF-8 text (it may be damaged)") from None
    except ValueError as exc:
        raise DataFileError(path, f"is damaged (not valid JSON: {exc})") from None
    except RecursionError:
        raise DataFileError(path, "is nested too deeply to read") from None


def _meta_of(path: Path, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise DataFileError(path, "is damaged (expected a JSON object)")
    meta = data.get("_meta") or {}
    try:
        record = next(iter(meta.values())) if meta else {"schema": SCHEMA_VERSION}
    except (TypeError, AttributeError):
        raise DataFileError(path, "is damaged (its schema version cannot be read)") from None
    if not isinstance(record, dict) or "schema" not in record:
        raise DataFileError(path, "is damaged (its schema version cannot be read)")
    return record


def _schema_of(path: Path, data: Any) -> int:
    version = _meta_of(path, data)["schema"]
    if not isinstance(version, int) or isinstance(version, bool):
        raise DataFileError(path, f"has an unknown schema version {version!r}")
    return version


def generation(tables: dict[str, Any]) -> int:
    """How many times a file has been written (0 for a file from before it was counted)."""
    meta = tables.get("_meta") or {}
    record: Any = next(iter(meta.values()), {}) if isinstance(meta, dict) else {}
    value = record.get("generation", 0) if isinstance(record, dict) else 0
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def stamp_schema(tables: dict[str, Any]) -> dict[str, Any]:
    """The tables as they are written: with this backcare's schema version, and one more
    write counted (the clock is never trusted to say which copy is newer)."""
    tables["_meta"] = {"1": {"schema": SCHEMA_VERSION, "generation": generation(tables) + 1}}
    return tables


def load_tables(path: Path, home: Path, check: TableCheck | None = None) -> dict[str, Any] | None:
    """A data file's tables, migrated to the current schema and checked by ``check``; None
    when it does not exist."""
    data = read_json_file(path)
    if data is None:
        return None
    version = _schema_of(path, data)
    if version > SCHEMA_VERSION or version < 1:
        raise DataFileError(
            path,
            f"has schema version {version}, which this backcare "
            f"(schema {SCHEMA_VERSION}) does not know; it may come from a newer backcare",
        )
    name = str(path.relative_to(home)) if path.is_relative_to(home) else path.name
    while version < SCHEMA_VERSION:
        migrate = MIGRATIONS.get(version)
        if migrate is None:  # a gap in the chain is our bug; never guess at the data
            raise DataFileError(
                path, f"has schema version {version}, and this backcare has no migration from it"
            )
        data = migrate(name, data)
        version += 1
    for table, docs in data.items():
        if not isinstance(docs, dict):
            raise DataFileError(path, f"is damaged (table '{table}' is not an object)")
    if check is not None:
        check_tables(path, data, check)
    return data


def check_tables(path: Path, tables: dict[str, Any], check: TableCheck) -> None:
    """Raise the DataFileError that names ``path`` if its tables fail ``check``."""
    problem = check(tables)
    if problem is not None:
        raise DataFileError(path, f"is damaged ({problem})")


# --- files the user names (export --out) -----------------------------------------------------


def _kind_of_file(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "not a regular file"


def check_out(path: Path, force: bool) -> Path:
    """Refuse, before any work is done, an --out that is not a regular file (a device, a
    FIFO, a socket, a folder: ``--force`` or not), that would overwrite without --force, or
    whose folder does not exist. What killed exports left in that folder goes first
    (issue 24), whatever is then refused."""
    for leftover in left_export_temps(path.parent):
        remove_export_temp(leftover)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise BackcareError(f"--out {path}: cannot be reached ({exc.strerror})") from None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise BackcareError(
                f"--out {path} is a folder; give a file name, for example "
                f"{path / 'backcare-export.json'}"
            )
        if not stat.S_ISREG(st.st_mode) and not stat.S_ISLNK(st.st_mode):
            raise BackcareError(
                f"--out {path} is {_kind_of_file(st.st_mode)}; backcare only writes regular files"
            )
        if not force:
            raise BackcareError(
                f"{path} already exists; add --force to replace it, or choose another --out"
            )
    parent = path.parent
    if not parent.is_dir():
        raise BackcareError(f"--out {path}: the folder {parent} does not exist")
    return path


# An export's temp file beside --out: .NAME.backcare-<12 hex>.tmp (issue 24). Killed between
# its link and its unlink, an export left a full copy there, outside the data folder; the
# next export to that folder, or doctor (from the data folder's outbox), removes it, unless
# the export that holds its lock is still running.
_EXPORT_TAG = ".backcare-"


def export_temp_name(path: Path, tag: str) -> Path:
    return path.parent / f".{path.name}{_EXPORT_TAG}{tag}{TEMP_SUFFIX}"


def is_export_temp(name: str) -> bool:
    if not (name.startswith(".") and name.endswith(TEMP_SUFFIX)):
        return False
    head, tag, tail = name[: -len(TEMP_SUFFIX)].rpartition(_EXPORT_TAG)
    return (
        bool(tag)
        and len(head) > 1
        and len(tail) == 12
        and all(c in "0123456789abcdef" for c in tail)
    )


def _hold(fd: int) -> bool:
    """Take the lock of an open temp file without waiting: False while an export holds
    it. Without fcntl (Windows) a temp file counts as left over once a day old."""
    from backcare.storage.lock import flock_now

    taken = flock_now(fd)
    if taken is None:
        return epoch_seconds() - os.fstat(fd).st_mtime > 24 * 3600
    return taken


def remove_export_temp(tmp: Path) -> bool:
    """Remove an export's temp file that no running export holds. True if removed."""
    if not is_export_temp(tmp.name):
        return False
    try:
        fd = os.open(tmp, os.O_RDONLY | NOFOLLOW | BINARY)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode) or not _hold(fd):
            return False
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        return True
    finally:
        os.close(fd)


def left_export_temps(folder: Path) -> list[Path]:
    """The temp files killed exports left in ``folder``."""
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    return [folder / n for n in sorted(names) if is_export_temp(n)]


# Writes a file piece by piece to the function it is given (a streamed export: issue 25).
Writer = Callable[[Callable[[bytes], None]], object]
CHUNK_BYTES = 1 << 20  # a streamed file reaches the disk a MiB at a time


def write_out(path: Path, data: bytes | Writer, force: bool, outbox: Path | None = None) -> None:
    """Write a file the user named, privately (0600) and atomically: a reader never sees
    half a file. Without ``force`` the complete temp file is hard-linked to ``path``, which
    fails if anything is there, so two exports at once cannot both succeed and lose one
    (issue 17). With ``force`` it replaces only a regular file (or a link, not followed).
    The temp file is held locked while it exists, and noted in ``outbox`` (the data
    folder's) so that a killed export's copy is found again (issue 24). ``data`` is the
    file's bytes, or a :data:`Writer` that hands them out piece by piece: only a MiB of
    them is held at a time, and the file appears at ``path`` only once it is whole."""
    check_out(path, force)
    tag = os.urandom(6).hex()
    tmp = export_temp_name(path, tag)
    note = outbox / tag if outbox is not None else None
    if note is not None:
        try:  # best effort: a data folder not made yet has nothing to note it in
            with contextlib.suppress(FileExistsError):
                os.mkdir(note.parent, DIR_MODE)
            atomic_write_bytes(note, os.fsencode(os.path.abspath(tmp)))
        except OSError:
            note = None
    try:
        fd = _write_held(tmp, data)
    except BaseException as exc:  # a writer's own error too: nothing is left behind
        if note is not None:
            with contextlib.suppress(OSError):
                os.unlink(note)
        if isinstance(exc, OSError):
            raise BackcareError(f"--out {path}: cannot be written ({exc.strerror})") from None
        raise
    try:
        if force:
            check_out(path, force)  # again, just before: a FIFO put there meanwhile is refused
            _replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if anything is at path, link or not
            except FileExistsError:
                raise BackcareError(
                    f"{path} already exists (it appeared while the export "
                    f"was being made); nothing was replaced. Add --force to "
                    f"replace it, or choose another --out"
                ) from None
            except OSError as exc:
                if exc.errno not in (
                    errno.EPERM,
                    errno.ENOTSUP,
                    errno.EOPNOTSUPP,
                    errno.EXDEV,
                    errno.EMLINK,
                ):
                    raise
                _exclusive_copy(path, tmp)  # a file system without hard links
    except OSError as exc:
        raise BackcareError(f"--out {path}: cannot be written ({exc.strerror})") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if fd >= 0:
            os.close(fd)
        if note is not None:
            with contextlib.suppress(OSError):
                os.unlink(note)
    _fsync_dir(path.parent)
    note_saved(path)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_held(tmp: Path, data: bytes | Writer) -> int:
    """Create ``tmp`` (0600), lock it, fill it durably; returns its open, locked fd."""
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | NOFOLLOW | BINARY, FILE_MODE)
    try:
        _hold(fd)
        fchmod = getattr(os, "fchmod", None)
        if fchmod is not None:
            fchmod(fd, FILE_MODE)  # whatever the umask
        if isinstance(data, bytes):
            _write_all(fd, data)
        else:
            pending: list[bytes] = []
            size = 0

            def sink(piece: bytes) -> None:
                nonlocal size
                pending.append(piece)
                size += len(piece)
                if size >= CHUNK_BYTES:
                    _write_all(fd, b"".join(pending))
                    pending.clear()
                    size = 0

            data(sink)
            _write_all(fd, b"".join(pending))
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if not POSIX_MODES:  # Windows renames no open file; its temp files age out instead
        os.close(fd)
        return -1
    return fd


def _exclusive_copy(path: Path, tmp: Path) -> None:
    """Where links are not allowed: create ``path`` exclusively (O_EXCL), then fill it from
    the complete ``tmp``. A reader could see it half-written for a moment; it is never one
    made by someone else."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | NOFOLLOW | BINARY, FILE_MODE)
    except FileExistsError:
        raise BackcareError(
            f"{path} already exists; nothing was replaced. Add --force to "
            f"replace it, or choose another --out"
        ) from None
    with os.fdopen(fd, "wb") as fh, open(tmp, "rb") as src:
        while piece := src.read(CHUNK_BYTES):
            fh.write(piece)
        fh.flush()
        os.fsync(fh.fileno())
