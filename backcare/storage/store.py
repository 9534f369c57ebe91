"""The store: backcare's data folder as records, in tinydb's file format.

Layout: see :mod:`backcare.storage.paths`. Why this shape:
- Every data file is a tinydb database: tables of records by number, which tinydb itself
  opens (tests/test_storage.py). backcare writes them through its journal
  (:mod:`backcare.storage.journal`), so that a change of several files is one step a crash
  cannot cut in half; tinydb's own writes are one file at a time (issue 24).
- A file is rewritten whole on every write. One file a month keeps a write to today's log
  at a few kilobytes however many years of history there are (issue 2, issue 7).
- Every write is atomic and fsynced (:mod:`backcare.storage.files`), and every
  read-modify-write holds the folder's lock (:mod:`backcare.storage.lock`).
- Every file is checked as it is read, records included (:mod:`backcare.domain.checks`): a
  file that fails is damaged, is never written over, and ``doctor`` offers the newest good
  backup, which is the newest in content, not by the clock's date (issue 17).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from backcare.clock import epoch_seconds, machine_today
from backcare.clock import now as clock_now
from backcare.clock import stamp as moment_stamp
from backcare.domain.checks import CORRECTION_CHECKS, LOG_CHECKS, MAIN_CHECKS, stored_problem
from backcare.domain.corrections import change_summary, describe
from backcare.domain.history import Earlier
from backcare.domain.models import (
    Assessment,
    Goal,
    History,
    PainCheckin,
    Prescription,
    PrescriptionHistory,
    PrescriptionPeriod,
    Profile,
    Session,
    Visit,
    regimen,
)
from backcare.errors import BackcareError
from backcare.storage import cache, journal, lock, moved, summary
from backcare.storage.files import (
    DIR_MODE,
    FILE_MODE,
    MAX_DATA_FILE_BYTES,
    POSIX_MODES,
    DataFileError,
    TableCheck,
    UnreadableFile,
    atomic_write_bytes,
    check_tables,
    generation,
    is_export_temp,
    is_temp_file,
    load_tables,
    note_saved,
    read_regular,
    remove_export_temp,
    rename_durably,
    stamp_schema,
    temp_files,
    unlink_durably,
    unreadable,
)
from backcare.storage.journal import PENDING, UNDOING, Change, Entry, FileSet, RecordChange
from backcare.storage.paths import CORRECTIONS_FILE, MAIN_FILE, DataPaths, data_home

BACKUPS_KEPT = 7  # one a day, the last week (issue 8)
# A file's prepared bytes, or what makes them once the files before it are written.
Prepared = Mapping[Path, "bytes | Callable[[], bytes]"]
HISTORY_CACHE_MIN_MONTHS = 4
# The history cache is one file holding every month: reading it costs the whole log. A
# window of fewer months than this reads its own month files (issue 25).
HISTORY_CACHE_WINDOW_MONTHS = 12
_MONTH_NAME_LEN = len("2026-11.json")


def _is_month_name(name: str) -> bool:
    return (
        len(name) == _MONTH_NAME_LEN
        and name.endswith(".json")
        and name[4] == "-"
        and name[:4].isdigit()
        and name[5:7].isdigit()
    )


def _month_problem(month: str) -> TableCheck:
    return lambda tables: stored_problem(tables, LOG_CHECKS, month)


def _main_problem(tables: dict[str, Any]) -> str | None:
    return stored_problem(tables, MAIN_CHECKS)


def _corrections_problem(tables: dict[str, Any]) -> str | None:
    return stored_problem(tables, CORRECTION_CHECKS)


def _serialise(path: Path, tables: dict[str, Any]) -> bytes:
    """The bytes of a data file, or an error that says nothing was written."""
    try:
        return json.dumps(
            stamp_schema(tables), ensure_ascii=False, separators=(",", ":"), allow_nan=False
        ).encode("utf-8")
    except (UnicodeEncodeError, ValueError, TypeError) as exc:
        raise BackcareError(
            f"{path}: could not be saved (a value cannot be written as "
            f"JSON: {type(exc).__name__}); the previous version is "
            f"unchanged"
        ) from None


# --- the store ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DoctorFinding:
    path: Path
    problem: str
    backup: Path | None  # the newest good backup, where there is one
    fixable: bool
    # What --yes does: "restore" (the backup), "permissions" (make it private and the
    # owner's), "remove" (a leftover temp file, or a cache that failed its checks), "heal"
    # (the clinic's list made to match its patients' folders), "summarise" (a month's
    # summary made again from it), or "".
    action: str = "restore"


class Store:
    """backcare's data folder. Reads need no lock; every write holds the folder's lock."""

    def __init__(
        self,
        home: Path,
        today: Callable[[], date] = machine_today,
        now: Callable[[], str] = clock_now,
        renamed: Callable[[], Mapping[str, str]] | None = None,
    ) -> None:
        self.home = home
        self.paths = DataPaths(home)
        self._today = today  # the real date, for naming backups; never a --date
        self._now = now  # when a change is made: the audit trail's "at"
        # Months parsed by this process, by file: a command that reads one twice (the
        # planner's weeks, then the red-flag check) parses it once.
        self._parsed: dict[Path, tuple[str, cache.MonthRecords]] = {}
        self._checked: dict[Path, str] = {}  # files whose records passed, by identity
        # Recovery runs once, at the first read (issue 24): a change a crash cut short is
        # settled under the lock before anything is read; when another command holds the
        # lock, the files it is changing are read as they were before it began (_overlay).
        self._recovered = False
        self._overlay: dict[Path, dict[str, Any]] = {}
        # The log's files as the permission check at the start of a command saw them
        # (their lstat), by name: a century's months are 1,200 files, and the summaries
        # are checked against their identities (issue 25). Forgotten at any write.
        self._walked: dict[str, os.stat_result] | None = None
        # What this store settled, at its first read or under a write's lock: undo says it.
        self.settled: list[tuple[str, Entry]] = []
        # The exercises' former ids → their current ones (the library's aliases, issue 27),
        # asked for when a record naming an exercise is first read: every record is read
        # by the ids of today's library, whatever id it was written with.
        self.renamed_by = renamed
        self._renamed: Mapping[str, str] | None = None

    # -- paths and permissions --
    @property
    def main_path(self) -> Path:
        return self.paths.main

    def month_paths(self, start: date | None = None, end: date | None = None) -> list[Path]:
        folder = self.paths.log_dir
        return [folder / n for n in self.month_names(start, end)]

    def month_names(self, start: date | None = None, end: date | None = None) -> list[str]:
        """The month files' names (``2026-03.json``) from ``start``'s month to ``end``'s,
        in order (names, not paths: a century has 1,200 of them)."""
        self._recover_once()
        folder = self.paths.log_dir
        try:
            names = sorted(
                n
                for n in os.listdir(folder)
                if n.endswith(".json") and len(n) == _MONTH_NAME_LEN and not n.startswith(".")
            )
        except FileNotFoundError:
            return []
        except NotADirectoryError:
            raise DataFileError(folder, "is not a folder") from None
        except PermissionError:
            raise unreadable(folder) from None
        lo = f"{start.year:04d}-{start.month:02d}" if start else ""
        hi = f"{end.year:04d}-{end.month:02d}" if end else "9999-99"
        return [n for n in names if lo <= n[:7] <= hi]

    def home_problem(self) -> str | None:
        """What makes the data folder unusable, in words, or None. A folder that does not
        exist yet is fine: the first write makes it."""
        try:
            st = os.stat(self.home)
        except FileNotFoundError:
            return self._missing_home_problem()
        except NotADirectoryError:
            return self._missing_home_problem() or "cannot be reached (a part of it is a file)"
        except OSError as exc:
            return f"cannot be reached ({exc.strerror})"
        if not stat.S_ISDIR(st.st_mode):
            return "is a file, not a folder; point BACKCARE_HOME at a folder"
        uid = _euid()
        if uid is not None and st.st_uid != uid:
            return (
                f"belongs to another user (uid {st.st_uid}); backcare only uses a data "
                f"folder of your own"
            )
        if not os.access(self.home, os.R_OK | os.W_OK | os.X_OK):
            return "cannot be used: its permissions do not let you read and write it"
        return None

    def _missing_home_problem(self) -> str | None:
        if os.path.islink(self.home):
            return "is a symbolic link to a folder that does not exist"
        for parent in self.home.parents:
            try:
                st = os.stat(parent)
            except FileNotFoundError:
                continue
            except OSError as exc:
                return f"cannot be reached ({exc.strerror})"
            if not stat.S_ISDIR(st.st_mode):
                return f"is below {parent}, which is a file, not a folder"
            return None
        return None

    def ensure_home(self) -> None:
        problem = self.home_problem()
        if problem is not None:
            raise BackcareError(f"{self.home}: the data folder {problem}")
        try:
            self.home.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        except OSError as exc:
            raise BackcareError(
                f"{self.home}: cannot create the data folder ({exc.strerror})"
            ) from None
        if not self.home.is_dir():
            raise BackcareError(f"{self.home}: the data folder is not a folder")

    def data_files(self) -> list[Path]:
        files = [p for p in (self.main_path, self.paths.corrections) if os.path.lexists(p)]
        return files + self.month_paths()

    def _private_walk(self) -> Iterator[tuple[str, os.stat_result]]:
        """Every folder and file in the data folder, links aside (they are never followed).
        Paths as text: every command walks it, and a century's log is 1,300 files, so no
        Path is made for each (issue 25)."""
        try:
            st = os.lstat(self.home)
        except OSError:
            return
        if not stat.S_ISDIR(st.st_mode):
            return
        yield str(self.home), st
        stack = [str(self.home)]
        while stack:
            folder = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in sorted(entries, key=lambda e: e.name):
                try:
                    est = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if stat.S_ISLNK(est.st_mode):
                    continue
                yield entry.path, est
                if stat.S_ISDIR(est.st_mode):
                    stack.append(entry.path)

    def permission_problems(self) -> list[str]:
        """Health data must stay private: every folder 0700 and every file 0600, backups and
        caches included (CONTRACT.md); and each readable and writable by its owner.
        On Windows, modes say nothing about who may read a file (its access list does, and
        the user's own data folder is private to them), so there is nothing to check."""
        if not POSIX_MODES:
            return []
        found = []
        log_dir = os.path.join(str(self.paths.log_dir), "")
        walked = {}
        for path, st in self._private_walk():
            if path.startswith(log_dir):
                walked[path[len(log_dir) :]] = st
            m = stat.S_IMODE(st.st_mode)
            is_dir = stat.S_ISDIR(st.st_mode)
            want = DIR_MODE if is_dir else FILE_MODE
            if m & 0o077:
                found.append(f"{path} is readable by others (mode {m:o}, should be {want:o})")
            elif m & want != want:
                found.append(
                    f"{path} cannot be read or written by you (mode {m:o}, should be {want:o})"
                )
        self._walked = walked
        return found

    def fix_permissions(self) -> int:
        """Make every folder 0700 and file 0600 again, where this user owns it."""
        if not POSIX_MODES:
            return 0
        fixed = 0
        uid = _euid()
        for path, st in self._private_walk():
            m = stat.S_IMODE(st.st_mode)
            want = DIR_MODE if stat.S_ISDIR(st.st_mode) else FILE_MODE
            if m == want or (not m & 0o077 and m & want == want):
                continue
            if uid is not None and st.st_uid != uid:
                continue
            os.chmod(path, want)  # the walk never yields a link
            fixed += 1
        return fixed

    # -- locking --
    @contextlib.contextmanager
    def writing(self, settle: bool = True) -> Iterator[None]:
        """Hold the folder's write lock (blocking, with a time limit). Temp files an
        interrupted write left behind are removed first: no write can be in progress. Then
        a change a crash cut short is settled (``settle``; doctor's repairs do without:
        they mend what settling would have to read)."""
        self.ensure_home()
        self._walked = None
        with lock.exclusive(self.paths.lock):
            self._recovered = True  # whatever is settled, it is settled here
            self._overlay = {}
            for leftover in self.leftover_temp_files():
                with contextlib.suppress(OSError):
                    os.unlink(leftover)
            if settle:
                self.settled += self._settle()
            yield

    # -- recovery on every open (issue 24) --
    def _recover_once(self) -> None:
        if not self._recovered:
            self.recover()

    def recover(self) -> None:
        """Settle a change a crash cut short before anything is read: roll back one that
        was being written, finish an undo that had begun (:mod:`journal`), under the lock.
        When another backcare holds the lock (it may be writing that change now), nothing is
        written: this store reads the files that change touches as they were before it
        began, the last committed state. An undo history file that cannot be trusted stops
        every read (DataFileError) until ``doctor --yes`` removes it; doctor itself reads
        on (:meth:`skip_recovery`)."""
        if not any(state for _, state, _ in journal.listing(self.paths.undo_dir)):
            self._recovered = True
            return
        self._recovered = True  # settling reads the files: no second recovery inside it
        try:
            with lock.try_exclusive(self.paths.lock) as got:
                if got:
                    self._overlay = {}
                    self._walked = None
                    self.settled += self._settle()
                    return
            self._overlay = self._committed_view()
        except BaseException:
            self._recovered = False
            self._overlay = {}
            raise

    def skip_recovery(self) -> None:
        """Read the files as they are, whatever the undo history says (doctor, which
        reports an undo history file it cannot trust)."""
        self._recovered = True

    def _committed_view(self) -> dict[Path, dict[str, Any]]:
        """The files an unfinished change touches, as the change's settling would leave
        them, in memory only. A change confirmed meanwhile (its file renamed) needs none."""
        files = FileSet(self)
        for seq, state, path in reversed(journal.listing(self.paths.undo_dir)):
            if state not in (PENDING, UNDOING):
                continue
            try:
                entry = journal.read_entry(seq, path)
            except DataFileError:
                if not os.path.lexists(path):
                    continue  # confirmed (or settled) meanwhile: the files are committed
                raise
            self._replay(files, entry, state)
        return {p: files.get(p) for p in files.changed}

    def leftover_temp_files(self) -> list[Path]:
        """Temp files of writes that never finished (a crash, a kill)."""
        folders = [
            self.home,
            self.paths.log_dir,
            self.paths.cache,
            self.paths.undo_dir,
            self.paths.outbox,
        ]
        with contextlib.suppress(OSError):
            for day in sorted(os.listdir(self.paths.backups)):
                folders += [self.paths.backups / day, self.paths.backups / day / "log"]
        return [p for folder in folders for p in temp_files(folder)]

    # -- reading and writing one file --
    def check_for(self, path: Path) -> TableCheck:
        """The checks a data file's records must pass: the main file's, or a month's."""
        if path.name == MAIN_FILE:
            return _main_problem
        if path.name == CORRECTIONS_FILE:
            return _corrections_problem
        return _month_problem(path.name[:7])

    def load(self, path: Path) -> dict[str, Any] | None:
        """A data file's tables, checked record by record; None when it does not exist. A
        file this process has checked already, and that has not changed since (the same
        identity before and after this read), is not checked again."""
        self._recover_once()
        if path in self._overlay:
            return self._overlay[path]
        before = cache.file_key(path)
        tables = load_tables(path, self.home)
        if tables is None:
            return None
        after = cache.file_key(path)
        if after is None or after != before or self._checked.get(path) != after:
            check_tables(path, tables, self.check_for(path))
            if after is not None and after == before:
                self._checked[path] = after
        return tables

    def commit(self, files: dict[Path, dict[str, Any]]) -> None:
        """Write files' new tables. Every file is made into bytes first, so a value that
        cannot be written stops the whole operation before anything is written; then each
        file is backed up (the day's first change) and replaced atomically."""
        self._write(
            self._indexed(
                {path: self._prepare(path, tables) for path, tables in files.items()},
                files.__getitem__,
            )
        )

    def _prepared(self, files: FileSet, path: Path) -> bytes:
        """A file of a change, checking only what the change put in it."""
        return self._prepare(path, files.get(path), files.fresh.get(path, {}))

    def _prepare(
        self, path: Path, tables: dict[str, Any], fresh: dict[str, Any] | None = None
    ) -> bytes:
        """A data file's bytes, once its records pass the checks every read makes (issue
        24): whatever the path (a command, an import, undo putting a value back, settling a
        change, a migration), a value that would make the file fail to load is refused
        before anything is written, naming the field. ``fresh``: the tables (or records of
        them) that are new; the rest was checked as it was read."""
        problem = self.check_for(path)(tables if fresh is None else fresh)
        if problem is not None:
            raise BackcareError(f"could not save this: {problem}; nothing was changed")
        return _serialise(path, tables)

    def _indexed(
        self, data: dict[Path, bytes], tables_of: Callable[[Path], dict[str, Any]]
    ) -> Prepared:
        """``data``, and when it writes a month, the index of moved ids (:mod:`moved`) and
        the summaries of the months' years (:mod:`summary`): made from the same tables,
        written last in the same step, so that whatever settles the change settles them
        with it (issue 25). A summary is made once its month is written: it holds the
        month file's identity."""
        log_dir = self.paths.log_dir
        out: dict[Path, bytes | Callable[[], bytes]] = dict(data)
        index = moved.updated(log_dir, data, tables_of)
        if index is not None:
            out[moved.index_path(log_dir)] = index
        years: dict[str, list[summary.Written]] = {}
        for path, raw in data.items():
            if path.parent == log_dir and _is_month_name(path.name):
                years.setdefault(path.name[:4], []).append(
                    summary.Written(path, tables_of(path), raw)
                )
        for year, written in sorted(years.items()):
            out[log_dir / f"{year}{summary.SUFFIX}"] = partial(
                summary.year_bytes, log_dir, year, written, cache.file_key
            )
        return out

    def _write(self, data: Prepared) -> None:
        """Back up and replace each file with its prepared bytes, one by one, atomically (a
        summary's bytes are made once the months before it are written)."""
        for path, prepared in data.items():
            try:
                raw = prepared() if callable(prepared) else prepared
                # The id index and the summaries are made from the months: no backup, and
                # not named as the patient's data when the output fails (cli).
                derived = path.name == moved.INDEX_FILE or summary.is_summary_file(path.name)
                if not derived:
                    self.backup(path)
                path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
                atomic_write_bytes(path, raw)
            except OSError as exc:  # a full disk, say: the patient can act on it
                raise BackcareError(
                    f"{path}: could not be saved ({exc.strerror or exc}); "
                    f"the previous version is unchanged"
                ) from None
            if not derived:
                note_saved(path)
            self._parsed.pop(path, None)

    # -- backups --
    def backup(self, path: Path) -> None:
        """Before the first change of the day to a file, keep its current, good copy."""
        if not path.exists():
            return
        folder = self.paths.backups / self._today().isoformat()
        target = folder / path.relative_to(self.home)
        if target.exists():
            return
        try:
            self.load(path)  # only a good file is worth keeping
        except BackcareError:
            return
        # mkdir(parents=True) gives the folders it adds the umask's mode: make each one here.
        for folder in reversed(target.relative_to(self.home).parents[:-1]):
            (self.home / folder).mkdir(mode=DIR_MODE, exist_ok=True)
        atomic_write_bytes(target, path.read_bytes())
        self._prune_backups()

    def _backup_days(self) -> list[tuple[date, Path]]:
        """The backup folders named by a date, oldest first."""
        found = []
        with contextlib.suppress(OSError):
            for name in os.listdir(self.paths.backups):
                with contextlib.suppress(ValueError):
                    found.append((date.fromisoformat(name), self.paths.backups / name))
        return sorted(found)

    def _prune_backups(self) -> None:
        """Keep a week of backups, by age and by count. A folder dated after today was made
        while the clock was wrong: it is never chosen (newest_good_backup), and it is kept
        until it is no longer in the future, then ages like the others."""
        today = self._today()
        oldest = today - timedelta(days=BACKUPS_KEPT - 1)
        past = [(day, p) for day, p in self._backup_days() if day <= today]
        for day, folder in past:
            if day < oldest or (day, folder) in past[:-BACKUPS_KEPT]:
                shutil.rmtree(folder, ignore_errors=True)

    def newest_good_backup(self, path: Path) -> Path | None:
        """The good backup of ``path`` that is newest in content: the most writes counted in
        the file itself, then the latest modification. Folders dated after today (a wrong
        clock) are never chosen: one once turned nine check-ins back into one (issue 17)."""
        rel = path.relative_to(self.home)
        today = self._today()
        best: tuple[int, int] | None = None
        chosen = None
        for day, folder in self._backup_days():
            if day > today:
                continue
            candidate = folder / rel
            try:
                tables = self.load(candidate)
                mtime = os.lstat(candidate).st_mtime_ns
            except (BackcareError, OSError):
                continue
            if tables is None:
                continue
            rank = (generation(tables), mtime)
            if best is None or rank > best:
                best, chosen = rank, candidate
        return chosen

    def _backed_up_but_missing(self) -> list[Path]:
        """Data files that a backup holds but the folder does not: lost, never deleted by
        backcare, so a finding (a restore interrupted before issue 17 left this)."""
        missing: set[Path] = set()
        today = self._today()
        for day, folder in self._backup_days():
            if day > today:
                continue
            names = [Path(MAIN_FILE), Path(CORRECTIONS_FILE)]
            with contextlib.suppress(OSError):
                names += [
                    Path("log") / n
                    for n in os.listdir(folder / "log")
                    if n.endswith(".json") and len(n) == _MONTH_NAME_LEN
                ]
            for rel in names:
                if (
                    (folder / rel).is_file()
                    and not os.path.lexists(self.home / rel)
                    and os.access((self.home / rel).parent, os.X_OK)
                ):  # else unknown
                    missing.add(self.home / rel)
        return sorted(missing)

    # -- doctor --
    def check(self) -> list[DoctorFinding]:
        """Everything ``doctor`` reports: damaged, missing and unreadable data files,
        permissions, leftover temp files and caches that fail their checks."""
        findings = self._folder_findings()
        months = []
        for path in self._readable_data_files():
            if path.parent == self.paths.log_dir:
                months.append(path)
                continue
            findings += self._load_findings(path)
        findings += self._month_findings(months)
        for path in self._backed_up_but_missing():
            backup = self.newest_good_backup(path)
            findings.append(DoctorFinding(path, "is missing", backup, backup is not None))
        reported = {f.path for f in findings if f.action == "permissions"}
        for text in self.permission_problems():
            if not any(text.startswith(f"{p} ") for p in reported):
                findings.append(DoctorFinding(self.home, text, None, True, "permissions"))
        for leftover in self.leftover_temp_files():
            findings.append(
                DoctorFinding(
                    leftover,
                    "is a temp file an interrupted write left "
                    "behind; it holds nothing that was saved",
                    None,
                    True,
                    "remove",
                )
            )
        findings += self._cache_findings()
        findings += self._undo_findings()
        findings += self._export_findings()
        return findings

    def _load_findings(self, path: Path) -> list[DoctorFinding]:
        """A data file read whole and checked: what is wrong with it, if anything."""
        return self._loaded(path)[0]

    def _loaded(self, path: Path) -> tuple[list[DoctorFinding], dict[str, Any] | None]:
        """A data file read whole and checked: what is wrong with it, or its tables."""
        try:
            return [], self.load(path) or {}
        except UnreadableFile as exc:
            return [DoctorFinding(path, exc.problem, None, _owned(path), "permissions")], None
        except DataFileError as exc:
            backup = None if path.is_symlink() else self.newest_good_backup(path)
            return [DoctorFinding(path, exc.problem, backup, backup is not None)], None

    def _month_findings(self, paths: list[Path]) -> list[DoctorFinding]:
        """The months checked by their summaries (issue 25): a month whose bytes hash to
        its summary's hash is the file backcare wrote, its records checked as they were
        written. Only a month that differs is read whole and checked; one that is good but
        whose summary holds other figures (a hand edit) is named, and ``--yes`` makes its
        summary again. A missing summary is made again without a word."""
        found: list[DoctorFinding] = []
        years: dict[str, dict[str, summary.MonthSummary]] = {}
        fresh: dict[str, summary.MonthSummary] = {}
        for path in paths:
            month = path.name[:7]
            if month[:4] not in years:
                years[month[:4]] = summary.read_year(
                    self.paths.log_dir / f"{month[:4]}{summary.SUFFIX}"
                )
            entry = years[month[:4]].get(month)
            try:
                raw = read_regular(path, MAX_DATA_FILE_BYTES)
            except (OSError, ValueError):
                raw = None
            if entry is not None and raw is not None and summary.digest_of(raw) == entry.digest:
                continue
            problems, tables = self._loaded(path)
            if tables is None:
                found += problems
                continue
            made, lasting = self._summarise(path, tables)
            if entry is not None and not entry.same_records(made):
                found.append(
                    DoctorFinding(
                        path,
                        "does not match its summary in "
                        f"{month[:4]}{summary.SUFFIX} (the file was changed outside "
                        "backcare); progress uses the file, and --yes makes the summary "
                        "again from it",
                        None,
                        True,
                        "summarise",
                    )
                )
            elif lasting:
                fresh[month] = made
        if fresh:
            summary.write_back(self.paths.log_dir, fresh, self.paths.lock)
        return found

    def _export_findings(self) -> list[DoctorFinding]:
        """Temp files of exports that were cut short: full copies of the data beside where
        they were going, outside the data folder (issue 24). Each export notes its temp file
        in the outbox while it writes; one still running holds its lock and is no finding."""
        found = []
        with contextlib.suppress(OSError):
            for name in sorted(os.listdir(self.paths.outbox)):
                note = self.paths.outbox / name
                if is_temp_file(name):
                    continue  # a leftover of the note's own write: reported as such
                try:
                    tmp = Path(os.fsdecode(note.read_bytes()))
                except OSError:
                    continue
                if os.path.lexists(tmp) and is_export_temp(tmp.name):
                    if _export_running(tmp):
                        continue
                    problem = (
                        f"notes {tmp}, a full copy of your data that an export cut "
                        "short left outside the data folder"
                    )
                else:
                    problem = "notes an export that was cut short; nothing of it is left"
                found.append(DoctorFinding(note, problem, None, True, "remove"))
        return found

    def _folder_findings(self) -> list[DoctorFinding]:
        """Folders of the data folder that cannot be listed: named, and made readable by
        --yes where this user owns them (the permissions walk fixes them)."""
        found = []
        for folder in (
            self.paths.log_dir,
            self.paths.undo_dir,
            self.paths.backups,
            self.paths.cache,
        ):
            if os.path.isdir(folder) and not os.access(folder, os.R_OK | os.X_OK):
                found.append(
                    DoctorFinding(
                        folder, unreadable(folder).problem, None, _owned(folder), "permissions"
                    )
                )
        return found

    def _readable_data_files(self) -> list[Path]:
        try:
            return self.data_files()
        except UnreadableFile:  # the log's folder: a finding of its own
            return [p for p in (self.main_path, self.paths.corrections) if os.path.lexists(p)]

    def _undo_findings(self) -> list[DoctorFinding]:
        """Undo history files that cannot be read: only what undo could reverse is lost
        with them (the records are in the log), so doctor offers to remove them. A change
        or an undo a crash interrupted is no finding: the next command that writes settles
        it."""
        found: list[DoctorFinding] = []
        try:
            entries = journal.listing(self.paths.undo_dir)
        except UnreadableFile:  # a finding of _folder_findings
            return found
        # A confirmed entry never changes: one checked before, whose file has the identity
        # it had then (size, times, inode), is not read again (issue 25).
        checked = cache.read_cache(self.paths.undo_cache, "undo")
        passed: dict[str, cache.Entry] = {}
        for seq, state, path in entries:
            key = cache.file_key(path)
            seen = checked.entries.get(path.name)
            if not state and key is not None and seen is not None and seen.key == key:
                passed[path.name] = seen
                continue
            try:
                journal.read_entry(seq, path)
            except DataFileError as exc:
                found.append(
                    DoctorFinding(
                        path,
                        f"{exc.problem}; it only holds what 'backcare "
                        f"undo' can reverse, nothing recorded",
                        None,
                        True,
                        "remove",
                    )
                )
                continue
            if not state and key is not None and key == cache.file_key(path):
                passed[path.name] = cache.Entry(key, b"1")
        if passed != checked.entries:
            cache.write_cache(self.paths.undo_cache, "undo", passed, self.paths.lock)
        return found

    def _cache_findings(self) -> list[DoctorFinding]:
        found = []
        kinds = {
            self.paths.library_cache: "library",
            self.paths.history_cache: "history",
            self.paths.symptoms_cache: "symptoms",
            self.paths.undo_cache: "undo",
        }
        for path, kind in kinds.items():
            if not os.path.lexists(path):
                continue
            checked = cache.read_cache(path, kind)
            if not checked.readable:
                problem = "is not a cache this backcare can read"
            elif checked.failed:
                one = checked.failed == 1
                problem = (
                    f"has {checked.failed} entr{'y that fails its' if one else 'ies that'}"
                    f"{'' if one else ' fail their'} checksum"
                )
            else:
                continue
            found.append(
                DoctorFinding(
                    path,
                    problem + "; it is only a copy, and is made again when needed",
                    None,
                    True,
                    "remove",
                )
            )
        for name in cache.LEGACY_FILES:
            legacy = self.paths.cache / name
            if os.path.lexists(legacy):
                found.append(
                    DoctorFinding(
                        legacy,
                        "is a cache of an earlier backcare that nothing reads any more",
                        None,
                        True,
                        "remove",
                    )
                )
        return found

    def restore(self, finding: DoctorFinding) -> Path | None:
        """Put the newest good backup in place, in one atomic step, keeping a copy of the
        damaged file beside it. Under the lock the file is checked again: if another
        ``doctor`` (or anything else) has repaired it meanwhile, nothing is done (None)."""
        with self.writing(settle=False):
            path = finding.path
            exists = os.path.lexists(path)
            if exists:
                try:
                    self.load(path)
                    return None  # repaired meanwhile: what is there now is newer than any backup
                except UnreadableFile:
                    return None  # not damaged: its permissions are fixed, not its content
                except DataFileError:
                    pass
            backup = self.newest_good_backup(path)
            if backup is None:
                raise BackcareError(f"{path}: no good backup to restore")
            good = backup.read_bytes()
            kept = None
            if exists:
                kept = _kept_name(path)
                if stat.S_ISREG(os.lstat(path).st_mode):
                    atomic_write_bytes(kept, path.read_bytes())
                else:  # a link or a FIFO in its place: moved aside, never read
                    os.replace(path, kept)
            path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            atomic_write_bytes(path, good)  # replaces the damaged file in one step
            note_saved(path)
            self._parsed.pop(path, None)
            if path.parent == self.paths.log_dir and _is_month_name(path.name):
                made, lasting = self._summarise(path)  # its summary, of what it holds now
                if lasting:
                    summary.put(self.paths.log_dir, {path.name[:7]: made})
            return kept or path

    def fix(self, finding: DoctorFinding) -> bool:
        """What --yes does about a finding that is not a restore. True if done."""
        with self.writing(settle=False):
            if finding.action == "remove":
                if finding.path.parent == self.paths.outbox:  # an export's note: its copy
                    with contextlib.suppress(OSError):
                        remove_export_temp(Path(os.fsdecode(finding.path.read_bytes())))
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(finding.path)
                return True
            if finding.action == "permissions":
                return self.fix_permissions() > 0 or not self.permission_problems()
            if finding.action == "summarise":
                made, lasting = self._summarise(finding.path)
                if lasting:
                    summary.put(self.paths.log_dir, {finding.path.name[:7]: made})
                return lasting
        return False

    # -- reading --
    def _main(self) -> dict[str, Any]:
        return self.load(self.main_path) or {}

    @staticmethod
    def _single(tables: dict[str, Any], name: str) -> dict[str, Any] | None:
        docs = tables.get(name) or {}
        return next(iter(docs.values())) if docs else None

    def renamed(self) -> Mapping[str, str]:
        """The exercises' former ids and their current ones (empty when not given)."""
        if self._renamed is None:
            self._renamed = self.renamed_by() if self.renamed_by else {}
        return self._renamed

    def _builder(self) -> cache.RecordBuilder:
        return cache.RecordBuilder(self.renamed)

    def profile(self) -> Profile | None:
        doc = self._single(self._main(), "profile")
        if not doc:
            return None
        profile = Profile.from_dict(doc)
        return profile.with_current_ids(self.renamed()) if profile.routine_swaps else profile

    def programme(self) -> Prescription | None:
        doc = self._single(self._main(), "programme")
        return Prescription.from_dict(doc).with_current_ids(self.renamed()) if doc else None

    def prescriptions(self) -> PrescriptionHistory:
        """The history of prescriptions (issue 14). A prescription kept before its history
        was stands as one in force from its own start."""
        main = self._main()
        docs = list((main.get("prescriptions") or {}).values())
        if docs:
            return PrescriptionHistory.from_list(docs).with_current_ids(self.renamed())
        programme = self._single(main, "programme")
        return regimen(
            Prescription.from_dict(programme).with_current_ids(self.renamed())
            if programme
            else None
        )

    def goals(self) -> list[Goal]:
        docs = (self._main().get("goals") or {}).values()
        return sorted((Goal.from_dict(d) for d in docs), key=lambda g: g.id)

    def records(
        self, table: str, start: date | None = None, end: date | None = None
    ) -> list[dict[str, Any]]:
        """Raw records of one log table between two dates (inclusive), oldest first."""
        lo = start.isoformat() if start else ""
        hi = end.isoformat() if end else "9999"
        out: list[dict[str, Any]] = []
        for path in self.month_paths(start, end):
            tables = self.load(path) or {}
            out.extend(d for d in (tables.get(table) or {}).values() if lo <= d["date"] <= hi)
        out.sort(key=lambda d: d["date"])
        return out

    def first_time_today(self, notice: str, day: date) -> bool:
        """True the first time a notice is to be said on ``day`` (the real day, not a
        --date); the short disclaimer is said once a day (CLINICAL.md §7, issue 11)."""
        return cache.first_time_today(self.paths.notices_cache, notice, day, self.paths.lock)

    def forget_parsed(self) -> None:
        """Let go of the months this process has parsed, kept so that a command that reads
        one twice parses it once: for a command done reading whose memory goes to something
        else next (the pdf export, before fpdf2 and its fonts: a century's log read without
        its cache kept the peak 10 MiB higher, issue 25). A month read again is parsed
        again."""
        self._parsed.clear()

    def history(self, start: date | None = None, end: date | None = None) -> History:
        """The log between two dates (inclusive), sorted by date."""
        paths = self.month_paths(start, end)
        # Over years, parsing the JSON and building the records costs more than all the rest
        # of `progress` together, so months read before come from a compact cache, each
        # month checked by its checksum and its file's identity (issue 7, issue 17). A short
        # range reads its few files directly.
        builder = self._builder()
        use_cache = len(paths) >= HISTORY_CACHE_MIN_MONTHS and (
            start is None or len(paths) >= HISTORY_CACHE_WINDOW_MONTHS
        )
        cached = cache.read_cache(self.paths.history_cache, "history") if use_cache else None
        changed = False
        months: list[cache.MonthRecords] = []
        for path in paths:
            key = self._file_key(path)
            entry = cached.entries.get(path.name) if cached is not None and key else None
            month = None
            if entry is not None and entry.key == key:
                month = builder.month_from_raw(cache.loads(entry.payload))
            if month is None:
                month = self._read_month(path, builder)
                if cached is not None and key:
                    payload = _payload(cache.month_to_raw(month))
                    if payload is not None:
                        cached.entries[path.name] = cache.Entry(key, payload)
                        changed = True
            months.append(month)
        if cached is not None and (changed or cached.failed):
            live = {p.name for p in self.month_paths()}
            cache.write_cache(
                self.paths.history_cache,
                "history",
                {k: v for k, v in cached.entries.items() if k in live},
                self.paths.lock,
            )
        lo, hi = start or date.min, end or date.max
        sessions = [s for m in months for s in m[0] if lo <= s.date <= hi]
        checkins = [c for m in months for c in m[1] if lo <= c.date <= hi]
        assessments = [a for m in months for a in m[2] if lo <= a.date <= hi]
        visits = [v for m in months for v in m[3] if lo <= v.date <= hi]
        return History(
            tuple(sorted(sessions, key=lambda s: (s.date, s.id))),
            tuple(sorted(checkins, key=lambda c: c.date)),
            tuple(sorted(assessments, key=lambda a: (a.date, a.id))),
            tuple(sorted(visits, key=lambda v: (v.date, v.id))),
        )

    def earlier(self, before: date) -> Earlier:
        """The months before ``before``'s, summarised (:mod:`summary`, issue 25): what a
        report whose window starts at ``before`` needs of them. Each month's entry is
        checked against the month file's identity; one that does not match is made again
        from the month, read whole and checked, and written back. A year wholly before the
        window whose months all match the identities its file lists is read as its
        rollup; an old file's entries (version 1) are written back in the new form."""
        first = date(before.year, before.month, 1)
        try:
            return _earlier(first, self._summary_parts(first, trusted=True))
        except _Unreadable:
            # A year's file whose hashes match but whose values backcare never writes (made
            # by another program, or by hand with its hashes worked out again): every year's
            # summary is made again from its months, read whole and checked, and written back.
            pass
        try:
            return _earlier(first, self._summary_parts(first, trusted=False))
        except _Unreadable as exc:  # made from checked records: our bug
            raise BackcareError(
                f"the log's summaries could not be made from its months ({exc}); "
                "'backcare doctor' checks every month"
            ) from None

    def _summary_parts(self, first: date, trusted: bool) -> list[summary.Rollup]:
        """The rollups of the months before ``first``: a year's own where its file lists
        the identities its months have now, else each month's entry, made again from the
        month where it does not match (or, not ``trusted``, every one)."""
        log_dir = self.paths.log_dir
        names = self.month_names(None, first - timedelta(days=1)) if first > date.min else []
        folder = str(log_dir)
        walked = self._walked or {}
        by_year: dict[str, list[str]] = {}
        for name in names:
            by_year.setdefault(name[:4], []).append(name)
        fresh: dict[str, summary.MonthSummary] = {}
        parts: list[summary.Rollup] = []
        for year, year_names in by_year.items():
            found = summary.read_year_file(log_dir / f"{year}{summary.SUFFIX}") if trusted else None
            keys = {
                name[:7]: cache.key_of(walked[name])
                if name in walked
                else cache.file_key(os.path.join(folder, name))
                for name in year_names
            }
            if self._overlay:  # read as they were before an unfinished change: anew
                keys.update(
                    {name[:7]: None for name in year_names if log_dir / name in self._overlay}
                )
            if found is not None and found.rollup is not None and found.keys == keys:
                parts.append(found.rollup)
                continue
            entries = (found.months() if found is not None else None) or {}
            old = found is not None and found.keys is None
            for month, key in keys.items():
                entry = entries.get(month)
                if entry is None or key is None or entry.key != key:
                    entry, lasting = self._summarise(log_dir / f"{month}.json")
                    if lasting:
                        fresh[month] = entry
                elif old:
                    fresh[month] = entry  # written again with its year's rollup
                parts.append(entry.rollup(month))
        if fresh:
            summary.write_back(log_dir, fresh, self.paths.lock)
        return parts

    def _summarise(
        self, path: Path, tables: dict[str, Any] | None = None
    ) -> tuple[summary.MonthSummary, bool]:
        """A month's entry made from the month itself, read whole and checked (``tables``:
        as just read); and whether it may be kept (the file did not change while it was
        read, and no unfinished change is being read around)."""
        key = self._file_key(path)
        try:
            raw = read_regular(path, MAX_DATA_FILE_BYTES) or b""
        except (OSError, ValueError):
            raw = b""
        if tables is None:
            tables = self.load(path) or {}
        try:
            entry = summary.summarise(tables, key or "", summary.digest_of(raw))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataFileError(path, f"is damaged (a record is malformed: {exc!r})") from None
        return entry, key is not None and key == self._file_key(path)

    def symptom_checkins(self, since: date | None = None) -> list[PainCheckin]:
        """Every check-in after ``since`` (all of them without it) that reported a symptom,
        from the whole log however long it is: the red-flag stop must see a check-in of
        years ago that no clinician has cleared (issue 17). Each month's are cached, checked
        like the history; a month whose entry fails is read and checked again."""
        every = self.month_paths()
        first = since + timedelta(days=1) if since else None
        paths = (
            every
            if first is None
            else [p for p in every if p.name[:7] >= f"{first.year:04d}-{first.month:02d}"]
        )
        cached = cache.read_cache(self.paths.symptoms_cache, "symptoms")
        changed = bool(cached.failed)
        found: list[PainCheckin] = []
        builder: cache.RecordBuilder | None = None
        for path in paths:
            key = self._file_key(path)
            entry = cached.entries.get(path.name) if key else None
            checkins = None
            if entry is not None and entry.key == key:
                with contextlib.suppress(TypeError, ValueError, OverflowError):
                    checkins = (
                        []
                        if entry.payload == b"[]"
                        else cache.checkins_from_raw(cache.loads(entry.payload))
                    )
            if checkins is None:
                builder = builder or self._builder()
                checkins = [c for c in self._read_month(path, builder)[1] if c.symptoms]
                payload = _payload(cache.checkins_to_raw(checkins))
                if key and payload is not None:
                    cached.entries[path.name] = cache.Entry(key, payload)
                    changed = True
            found.extend(c for c in checkins if since is None or c.date > since)
        if changed:
            live = {p.name for p in every}
            cache.write_cache(
                self.paths.symptoms_cache,
                "symptoms",
                {k: v for k, v in cached.entries.items() if k in live},
                self.paths.lock,
            )
        return sorted(found, key=lambda c: c.date)

    def _file_key(self, path: Path) -> str | None:
        """A file's identity for the caches; None for one read as it was before an
        unfinished change (recover), which no cache may hold."""
        self._recover_once()
        return None if path in self._overlay else cache.file_key(path)

    def _read_month(self, path: Path, builder: cache.RecordBuilder) -> cache.MonthRecords:
        key = self._file_key(path)
        seen = self._parsed.get(path)
        if seen is not None and key is not None and seen[0] == key:
            return seen[1]
        tables = self.load(path) or {}
        try:
            month = builder.month_from_tables(tables)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataFileError(path, f"is damaged (a record is malformed: {exc!r})") from None
        if key is not None:
            self._parsed[path] = (key, month)
        return month

    # -- writing: the main file --
    def save_profile(self, profile: Profile, summary: str | None = "your profile") -> Profile:
        """Save the profile, through the journal (issue 24); returns it as saved (with its
        patient identifier). A change to a profile there was is one that undo reverses,
        named by ``summary``. The first profile (init's) is not, nor a change of its red
        flags or of a clinician's clearance: those are clinical facts, not slips of the
        keyboard, and no undo may lift a stop (CLINICAL.md §5); nor a write with ``summary``
        None."""
        saved = _with_patient_id(profile)
        doc = saved.to_dict()

        def build(files: FileSet) -> Change | None:
            old = self._single(files.get(self.main_path), "profile")
            if summary is None or old is None or _safety_changed(old, doc):
                files.set_table(self.main_path, "profile", {"1": doc})
                self._audit_profile(files, old, doc)
                return None
            return Change(
                "profile", change_summary("profile", summary), tables=(("profile", {"1": doc}),)
            )

        self.save_change(build)
        return saved

    def update_profile(
        self, change: Callable[[Profile], Profile], action: str, summary: str
    ) -> Profile:
        """Change the profile as one journalled step that ``undo`` reverses (a routine swap,
        issue 20): ``change`` gets the profile as it is under the lock."""
        saved: list[Profile] = []

        def build(files: FileSet) -> Change:
            docs = files.get(self.main_path).get("profile") or {}
            doc = next(iter(docs.values()), None)
            if doc is None:
                raise BackcareError("there is no profile yet: run 'backcare init' first")
            new = _with_patient_id(change(Profile.from_dict(dict(doc))))
            saved.append(new)
            return Change(action, summary, tables=(("profile", {"1": new.to_dict()}),))

        self.save_change(build)
        return saved[0]

    def ensure_patient_id(self) -> Profile | None:
        """The profile, with its stable patient identifier: a profile saved before there
        was one gets it now, once (issue 16). None without a profile. Not a change of the
        patient's: undo never takes the identifier away."""
        profile = self.profile()
        if profile is None or profile.patient_id:
            return profile
        made: list[Profile | None] = []

        def build(files: FileSet) -> None:
            doc = self._single(files.get(self.main_path), "profile")
            current = Profile.from_dict(doc) if doc else None
            if current is not None and not current.patient_id:  # not made meanwhile
                current = _with_patient_id(current)
                files.set_table(self.main_path, "profile", {"1": current.to_dict()})
            made.append(current)

        self.save_change(build)
        return made[0]

    def save_programme(self, programme: Prescription | None) -> None:
        """Use a prescription from its own start (None: stop following one)."""
        self.set_programme(programme, programme.start if programme else None, None)

    def set_programme(
        self, programme: Prescription | None, start: date | None, recorded: date | None
    ) -> None:
        """Use ``programme`` from ``start`` on (None: clear it from ``start``), keeping the
        history of prescriptions: imported, replaced or cleared, each with its date. One
        change, which undo reverses (issue 24)."""

        def build(files: FileSet) -> Change:
            main = files.get(self.main_path)
            had = self._single(main, "programme")
            docs = list((main.get("prescriptions") or {}).values())
            if not docs and had:  # the one kept before its history was
                docs = regimen(Prescription.from_dict(had)).to_list()
            event = "cleared" if programme is None else "replaced" if had else "imported"
            docs.append(PrescriptionPeriod(start, programme, event, recorded).to_dict())
            what = (
                "the prescription you stopped following"
                if programme is None
                else "the prescription " + ("that replaced the one before" if had else "imported")
            )
            return Change(
                "programme",
                what,
                tables=(
                    ("programme", {"1": programme.to_dict()} if programme else {}),
                    ("prescriptions", {str(n): d for n, d in enumerate(docs, 1)}),
                ),
            )

        self.save_change(build)

    def adopt_programme(
        self, programme: Prescription | None, prescriptions: list[dict[str, Any]] | None
    ) -> None:
        """Take a patient's own prescription and its history as their newest export has
        them (the clinic's copy of a patient, issue 16). Without a history in the export,
        the change joins the history kept here. One write of the main file."""
        if prescriptions is None:
            self.save_programme(programme)
            return

        def build(files: FileSet) -> None:
            files.set_table(
                self.main_path, "prescriptions", {str(n): d for n, d in enumerate(prescriptions, 1)}
            )
            files.set_table(
                self.main_path, "programme", {"1": programme.to_dict()} if programme else {}
            )

        self.save_change(build)

    # -- writing: goals, each change one that undo reverses (issue 24) --
    def add_goal(
        self, text: str, created: date, by: date | None, psfs_activity: str | None
    ) -> Goal:
        from backcare.storage.ids import new_id

        made: list[Goal] = []

        def build(files: FileSet) -> Change:
            goals = files.get(self.main_path).get("goals") or {}
            next_id = max((int(d["id"]) for d in goals.values()), default=0) + 1
            goal = Goal(next_id, text, created, by, psfs_activity, uid=new_id("g", created))
            made.append(goal)
            return _new_record("goal", "goals", goal.to_dict())

        self.save_change(build)
        return made[-1]

    def _goal(self, files: FileSet, goal_id: int) -> dict[str, Any]:
        found = files.find("goals", goal_id)
        if found is None:
            raise BackcareError(
                f"there is no goal {goal_id}; 'backcare goal list' shows "
                "your goals and their numbers"
            )
        return found[2]

    def complete_goal(self, goal_id: int, on: date) -> Goal:
        made: list[Goal] = []

        def build(files: FileSet) -> Change:
            before = self._goal(files, goal_id)
            goal = Goal.from_dict(before).completed(on)
            made.append(goal)
            return Change(
                "goal-done",
                change_summary("goal-done", describe("goals", before)),
                (RecordChange("goals", before, goal.to_dict()),),
            )

        self.save_change(build)
        return made[-1]

    def edit_goal(self, goal_id: int, edit: Callable[[Goal], Goal]) -> tuple[Goal, Goal]:
        """Change a goal (``edit`` makes the new one from the old), kept in the audit
        trail; returns the goal before and after."""
        made: list[tuple[Goal, Goal]] = []

        def build(files: FileSet) -> Change:
            before = self._goal(files, goal_id)
            old = Goal.from_dict(before)
            new = edit(old)
            made.append((old, new))
            return Change(
                "edit",
                change_summary("edit", describe("goals", before)),
                (RecordChange("goals", before, new.to_dict()),),
                "edit",
            )

        self.save_change(build)
        return made[-1]

    def delete_goal(self, goal_id: int) -> Goal:
        """Take a goal away, kept in the audit trail (undo puts it back)."""
        made: list[Goal] = []

        def build(files: FileSet) -> Change:
            before = self._goal(files, goal_id)
            made.append(Goal.from_dict(before))
            return Change(
                "delete",
                change_summary("delete", describe("goals", before)),
                (RecordChange("goals", before, None),),
                "delete",
            )

        self.save_change(build)
        return made[-1]

    # -- writing: the log, one change at a time, each one undoable (issue 14) --
    def add_session(self, session: Session, action: str = "log") -> None:
        self._add("sessions", session.to_dict(), action)

    def replace_session(self, old: Session, new: Session) -> None:
        """A session logged again that takes the place of the first (kept in the audit
        trail)."""
        doc = new.to_dict()
        self.save_change(
            lambda files: Change(
                "replace",
                change_summary("replace", describe("sessions", doc)),
                (RecordChange("sessions", old.to_dict(), doc),),
                "replace",
            )
        )

    def put_session(self, session: Session) -> None:
        """Save a session, replacing an earlier save of the same id: the guided session
        saves after every exercise, so a session cut short is never lost. Its first save is
        the change undo reverses; the later ones only complete it."""
        doc = session.to_dict()

        def build(files: FileSet) -> Change | None:
            found = files.find("sessions", doc["id"], doc["date"])
            if found is None:
                return _new_record("session", "sessions", doc)
            files.remove(found[0], "sessions", found[1])
            files.put(found[0], "sessions", doc, found[1])
            return None

        self.save_change(build)

    def add_assessment(self, assessment: Assessment) -> None:
        self._add("assessments", assessment.to_dict(), "assessment")

    def add_visit(self, visit: Visit) -> None:
        self._add("visits", visit.to_dict(), "visit")

    def record_clearance(self, visit: Visit, profile: Profile) -> Profile:
        """A clinician's clearance (issue 21): its record in the log and the profile that
        says so, as one change undo reverses. Returns the profile as saved."""
        saved = _with_patient_id(profile)
        doc = visit.to_dict()
        self.save_change(
            lambda files: Change(
                "clear",
                change_summary("clear", describe("visits", doc)),
                (RecordChange("visits", None, doc),),
                tables=(("profile", {"1": saved.to_dict()}),),
            )
        )
        return saved

    def change_profile(self, profile: Profile, assessment: Assessment | None = None) -> Profile:
        """A profile changed by a re-run of ``init`` (and the STarT Back answers it took), as
        one change undo reverses (issue 21). Returns the profile as saved."""
        saved = _with_patient_id(profile)
        doc = saved.to_dict()
        records = (
            () if assessment is None else (RecordChange("assessments", None, assessment.to_dict()),)
        )

        def build(files: FileSet) -> Change | None:
            old = self._single(files.get(self.main_path), "profile")
            if old is not None and _safety_changed(old, doc):
                # A red flag or a clearance is a clinical fact: written first and kept,
                # whatever happens to the rest of the change, and never undone (CLINICAL.md
                # §5, issue 24).
                if not records:
                    files.set_table(self.main_path, "profile", {"1": doc})
                    self._audit_profile(files, old, doc)
                    return None
                return Change(
                    "assessment",
                    change_summary("assessment", describe("assessments", records[0].after or {})),
                    records,
                    profile=doc,
                )
            return Change(
                "profile",
                change_summary("profile", "your profile"),
                records,
                tables=(("profile", {"1": doc}),),
            )

        self.save_change(build)
        return saved

    def put_checkin(self, checkin: PainCheckin) -> bool:
        """Record a day's pain check-in; a second one that day replaces it (kept in the
        audit trail). True if replaced."""
        doc = checkin.to_dict()

        def build(files: FileSet) -> Change:
            found = files.find("pain_checkins", doc["date"], doc["date"])
            if found is None:
                return _new_record("checkin", "pain_checkins", doc)
            return Change(
                "replace",
                change_summary("replace", describe("pain_checkins", doc)),
                (RecordChange("pain_checkins", found[2], doc),),
                "replace",
            )

        change = self.save_change(build)
        return change is not None and change.action == "replace"

    def _add(self, table: str, doc: dict[str, Any], action: str) -> None:
        self.save_change(lambda files: _new_record(action, table, doc))

    def save_change(self, build: Callable[[FileSet], Change | None]) -> Change | None:
        """Make one change, under the lock, all or nothing (:mod:`journal`). ``build`` reads
        the records as they are now and returns the change, or None when what it did to the
        files is no change of its own (a guided session's later saves). It may raise: then
        nothing is written."""
        with self.writing():
            files = FileSet(self)
            change = build(files)
            if change is None:
                self._write(
                    self._indexed({p: self._prepared(files, p) for p in files.changed}, files.get)
                )
                return None
            self._apply(files, change)
        return change

    def _apply(self, files: FileSet, change: Change) -> None:
        at = self._now()
        change_id = os.urandom(6).hex()
        first: dict[Path, bytes] = {}
        if change.profile is not None:
            old = self._single(files.get(self.main_path), "profile")
            files.set_table(self.main_path, "profile", {"1": change.profile})
            first[self.main_path] = self._prepared(files, self.main_path)
            # Its audit line is kept with it, whatever happens to the rest (issue 21).
            if self._audit_profile(files, old, change.profile, at):
                first[self.paths.corrections] = self._prepared(files, self.paths.corrections)
        try:
            ops = journal.forward(files, change, at, change_id)
        except journal.ChangedMeanwhile as exc:
            what = describe(exc.table, exc.doc) if exc.doc else "a record with its id"
            raise BackcareError(
                f"{what} changed while this command ran (another backcare "
                f"wrote it); nothing was saved: run the command again"
            ) from None
        # A file written first is written again if the change went on to change it too
        # (the audit trail: the profile's line first, then the correction's).
        rest = self._indexed(
            {p: data for p in files.changed if first.get(p) != (data := self._prepared(files, p))},
            files.get,
        )
        if not ops:
            self._write({**first, **rest})
            return
        seq = self._next_seq()
        entry = journal.encode(journal.entry_doc(seq, change_id, at, change, ops))
        self._write(first)  # a red flag kept in the profile: before anything else
        pending = self.paths.undo_entry(seq, PENDING)
        self._write_entry(pending, entry)
        self._write(rest)
        rename_durably(pending, self.paths.undo_entry(seq))
        self._prune_undo()

    def _audit_profile(
        self, files: FileSet, old: dict[str, Any] | None, new: dict[str, Any], at: str | None = None
    ) -> bool:
        """A line in the audit trail for a change of the profile that is no undoable step of
        its own: a red flag or a clearance, kept whatever happens (issue 21). True if one
        was put."""
        line = journal.profile_line("edit", old, new, at or self._now(), os.urandom(6).hex())
        if line is not None:
            files.put(self.paths.corrections, "corrections", line)
        return line is not None

    def _write_entry(self, path: Path, data: bytes) -> None:
        try:
            path.parent.mkdir(mode=DIR_MODE, exist_ok=True)
            atomic_write_bytes(path, data)
        except OSError as exc:
            raise BackcareError(
                f"{path}: could not be saved ({exc.strerror or exc}); nothing was changed"
            ) from None

    def _next_seq(self) -> int:
        found = journal.listing(self.paths.undo_dir)
        return max((seq for seq, _, _ in found), default=0) + 1

    def _prune_undo(self) -> None:
        done = [path for _, state, path in journal.listing(self.paths.undo_dir) if not state]
        with contextlib.suppress(OSError):
            unlink_durably(*done[: -journal.UNDO_KEPT])

    def _settle(self) -> list[tuple[str, Entry]]:
        """Finish what a crash interrupted (the lock is held): roll back a change that was
        being written (it was never confirmed), finish an undo that had begun."""
        settled = []
        for seq, state, path in reversed(journal.listing(self.paths.undo_dir)):
            if state not in (PENDING, UNDOING):
                continue
            entry = journal.read_entry(seq, path)
            files = FileSet(self)
            self._replay(files, entry, state)
            self._write(
                self._indexed({p: self._prepared(files, p) for p in files.changed}, files.get)
            )
            self._mend_summaries(entry, files.changed)
            unlink_durably(
                self.paths.undo_entry(seq), path
            ) if state == UNDOING else unlink_durably(path)
            settled.append(("rolled back" if state == PENDING else "undone", entry))
        return settled

    def _mend_summaries(self, entry: Entry, written: list[Path]) -> None:
        """The summaries of the months a settled change touched and settling did not write
        (the lock is held): an undo cut short after writing a month and before its summary
        leaves the month as settling wants it, so settling rewrites nothing there."""
        months = {
            str(record["date"])[:7]
            for op in entry.ops
            for record in (op.get("before"), op.get("after"))
            if isinstance(record, dict)
            and op["table"] in journal.LOG_TABLES
            and isinstance(record.get("date"), str)
        }
        fresh = {}
        for month in sorted(months):
            path = self.paths.month_named(month)
            if path in written or not os.path.lexists(path):
                continue
            entry_now = summary.read_year(self.paths.log_dir / f"{month[:4]}{summary.SUFFIX}").get(
                month
            )
            try:
                raw = read_regular(path, MAX_DATA_FILE_BYTES)
            except (OSError, ValueError):
                continue
            if (
                entry_now is not None
                and raw is not None
                and entry_now.digest == summary.digest_of(raw)
            ):
                continue
            made, lasting = self._summarise(path)
            if lasting:
                fresh[month] = made
        if fresh:
            summary.put(self.paths.log_dir, fresh)

    def _replay(self, files: FileSet, entry: Entry, state: str) -> None:
        """What settling ``entry`` does to the files, in memory."""
        journal.backward(files, entry.ops, audit=state == PENDING)
        if state == UNDOING:
            for line in entry.doc.get("undo_audit") or []:
                _put_line(files, self.paths.corrections, line)

    def undo_history(self) -> list[Entry]:
        """The changes undo can reverse, the latest last (read without the lock)."""
        return [
            journal.read_entry(seq, path)
            for seq, state, path in journal.listing(self.paths.undo_dir)
            if not state
        ]

    def undo(self, decide: Callable[[Entry, FileSet], UndoChoice]) -> UndoOutcome:
        """Reverse the latest change, in one step (:mod:`journal`). ``decide`` sees the
        change and the records as they are, and says what undo must keep: a profile to
        save first (a red flag stays, domain.corrections), and whole tables left as they
        are. A change a crash interrupted is settled first, and is then what undo did."""
        with self.writing():
            settled = self.settled
            if settled:
                return UndoOutcome(None, len(self.undo_history()), settled)
            done = [
                (seq, path)
                for seq, state, path in journal.listing(self.paths.undo_dir)
                if not state
            ]
            if not done:
                return UndoOutcome(None, 0)
            seq, path = done[-1]
            entry = journal.read_entry(seq, path)
            files = FileSet(self)
            choice = decide(entry, files)
            ops = [op for op in entry.ops if not ("whole" in op and op["table"] in choice.keep)]
            lines = journal.undo_audit(files, entry, self._now(), ops, choice.profile)
            journal.backward(files, ops, audit=False)
            for line in lines:
                _put_line(files, self.paths.corrections, line)
            first: dict[Path, bytes] = {}
            if choice.profile is not None:
                files.set_table(self.main_path, "profile", {"1": choice.profile})
                first[self.main_path] = self._prepared(files, self.main_path)
            rest = self._indexed(
                {p: self._prepared(files, p) for p in files.changed if p not in first}, files.get
            )
            undoing = journal.encode({**entry.doc, "ops": ops, "undo_audit": lines})
            self._write(first)
            self._write_entry(self.paths.undo_entry(seq, UNDOING), undoing)
            self._write(rest)
            unlink_durably(path, self.paths.undo_entry(seq, UNDOING))
            return UndoOutcome(entry, len(done) - 1, choice=choice)

    def find_record(self, ident: str, day: str | None = None) -> list[tuple[str, dict[str, Any]]]:
        """The log records with this id, as stored: in ``day``'s month when the id says its
        day, else in every month (read without the lock)."""
        files = FileSet(self)
        found = files.find_id(ident, day) if day else []
        if found or (day and ident.startswith("p-")):
            return found  # a check-in's id is its date: it is in that month, or nowhere
        # Elsewhere (moved by an edit, or an id from another program): the index of moved
        # ids names its month, checked by reading it (issue 25).
        month = moved.where(self.paths.log_dir, ident)
        if month is not None:
            found = files.find_id(ident, month)
            if found:
                return found
        found = files.find_id(ident)  # every month: an id that names none, or a hand edit
        if found:
            with self.writing():  # the index missed it: make it again, from every month
                moved.rebuild(
                    self.paths.log_dir, ((p, self.load(p) or {}) for p in self.month_paths())
                )
        return found

    def corrections(
        self, start: date | None = None, end: date | None = None
    ) -> list[dict[str, Any]]:
        """The audit trail, oldest first, as it is exported: each correction's when, what,
        and the record before and after; those of records dated in [start, end]."""
        tables = self.load(self.paths.corrections) or {}
        lo = start.isoformat() if start else ""
        hi = end.isoformat() if end else "9999"
        out = []
        for doc in (tables.get("corrections") or {}).values():
            days = {
                doc["date"],
                *(r["date"] for r in (doc.get("before"), doc.get("after")) if r and "date" in r),
            }
            if any(lo <= d <= hi for d in days):
                out.append({k: v for k, v in doc.items() if k not in ("key", "change")})
        return out

    def import_all(
        self,
        tables: dict[str, list[dict[str, Any]]],
        profile: Profile | None,
        goals: list[Goal],
        programme: Prescription | None,
        replace_profile: bool = False,
        *,
        source: str = "",
        corrections: list[dict[str, Any]] | None = None,
        prescriptions: list[dict[str, Any]] | None = None,
    ) -> tuple[dict[str, int], int]:
        """An import, as one change undo reverses: already-validated log records (ids
        already present are skipped), the audit trail's lines it carries, and the profile,
        goals and programme (with its history). Every changed file is prepared and made into
        bytes before the first is written (issue 17: a value that cannot be written once
        stopped an import after 31 of 40 check-ins were stored); then each is written
        atomically, all under one lock. Returns the log records and the goals added."""
        added = {t: 0 for t in tables}
        goals_added = 0

        def build(files: FileSet) -> Change:
            nonlocal goals_added
            records: list[RecordChange] = []
            for table, docs in tables.items():
                for doc in docs:
                    if files.find(table, journal.key_of(table, doc), doc["date"]) is None:
                        records.append(RecordChange(table, None, doc))
                        added[table] += 1
            for line in corrections or []:
                key = _line_key(line)
                if files.find("corrections", key) is None:
                    records.append(
                        RecordChange("corrections", None, {**line, "key": key, "change": "import"})
                    )
            main = files.get(self.main_path)
            whole = _main_tables(main, profile, programme, replace_profile, prescriptions)
            new_goals = _new_goals(main.get("goals") or {}, goals)
            goals_added = len(new_goals)
            records += [RecordChange("goals", None, g) for g in new_goals]
            count = sum(added.values())
            what = (
                f"the import{f' of {source}' if source else ''} "
                f"({count} record{'' if count == 1 else 's'})"
            )
            return Change("import", what, tuple(records), tables=whole, checked=True)

        self.save_change(build)
        return added, goals_added


class UndoChoice(NamedTuple):
    """What an undo keeps: a profile saved first (a red flag stays), and whole tables of
    the main file it leaves as they are."""

    profile: dict[str, Any] | None = None
    keep: frozenset[str] = frozenset()
    notes: tuple[str, ...] = ()


class UndoOutcome(NamedTuple):
    entry: Entry | None  # the change undone (None: nothing to undo, or a crash settled)
    remaining: int  # changes that can still be undone
    settled: list[tuple[str, Entry]] = []  # what a crash had left, rolled back or finished
    choice: UndoChoice = UndoChoice()


def _earlier(before: date, parts: list[summary.Rollup]) -> Earlier:
    """The domain's view of the summarised months: every exercise day, the first record,
    the check-ins a report needs (the first, the last two, every one with a symptom), the
    questionnaires it needs (the first and last two of each instrument, every PSFS) and how
    many others there were."""
    try:
        months = summary.combine(parts)
        assessments = tuple(Assessment.from_dict(a) for a in months.assessments)
        kept: dict[str, int] = {}
        for a in assessments:
            kept[a.instrument] = kept.get(a.instrument, 0) + 1
        return Earlier(
            before=before,
            exercised={(int(m[:4]), int(m[5:7])): mask for m, mask in months.exercised.items()},
            first_record=None if months.first is None else date.fromisoformat(months.first),
            checkins=tuple(PainCheckin.from_dict(c) for c in months.checkins),
            assessments=assessments,
            left_out={
                i: n - kept.get(i, 0) for i, n in months.counts.items() if n > kept.get(i, 0)
            },
        )
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise _Unreadable(repr(exc)) from None


class _Unreadable(Exception):
    """A summary holds values backcare never writes."""


def _new_record(action: str, table: str, doc: dict[str, Any]) -> Change:
    return Change(
        action, change_summary(action, describe(table, doc)), (RecordChange(table, None, doc),)
    )


def _put_line(files: FileSet, path: Path, line: dict[str, Any]) -> None:
    """An audit line, put once however often a settled undo is finished."""
    found = files.find("corrections", line["key"])
    if found is not None:
        files.remove(found[0], "corrections", found[1])
    files.put(path, "corrections", line)


_LINE_TEXT = json.JSONEncoder(sort_keys=True, ensure_ascii=False).encode  # made once


def _line_key(line: dict[str, Any]) -> str:
    """An imported audit line's key, from its content: the same line imported twice is one.
    (json.dumps with options makes an encoder per call: 60,000 lines made 60,000.)"""
    import hashlib

    raw = _LINE_TEXT(line).encode("utf-8")
    return "i-" + hashlib.sha256(raw).hexdigest()[:24]


def _main_tables(
    main: dict[str, Any],
    profile: Profile | None,
    programme: Prescription | None,
    replace_profile: bool,
    prescriptions: list[dict[str, Any]] | None,
) -> tuple[tuple[str, dict[str, Any]], ...]:
    """The main file's tables an import sets: the patient's own profile and programme are
    kept; a programme comes with its history of prescriptions."""
    whole: list[tuple[str, dict[str, Any]]] = []
    if profile is not None and (replace_profile or not main.get("profile")):
        whole.append(("profile", {"1": profile.to_dict()}))
    own = main.get("programme") or main.get("prescriptions")
    if programme is not None and not main.get("programme"):
        whole.append(("programme", {"1": programme.to_dict()}))
    if not own and prescriptions:
        whole.append(("prescriptions", {str(n): p for n, p in enumerate(prescriptions, 1)}))
    elif programme is not None and not main.get("programme") and main.get("prescriptions"):
        # A folder whose own prescription was cleared: the imported one joins its history.
        docs = [*main["prescriptions"].values(), regimen(programme).to_list()[0]]
        whole.append(("prescriptions", {str(n): p for n, p in enumerate(docs, 1)}))
    return tuple(whole)


SAFETY_FIELDS: tuple[str, ...] = ("red_flags", "cleared_by_clinician", "cleared_on")


def _safety_changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    return any(old.get(k) != new.get(k) for k in SAFETY_FIELDS)


def _new_goals(table: dict[str, Any], goals: list[Goal]) -> list[dict[str, Any]]:
    """An import's goals that are not already there (by their stable id, or by what they
    say and the day they were set), numbered after the patient's own; each keeps its
    stable id, whatever its number (issue 23)."""
    mine = [Goal.from_dict(d) for d in table.values()]
    have = {(g.text, g.created.isoformat()) for g in mine}
    keys = {g.key for g in mine}
    ids = {g.id for g in mine}
    next_id = max(ids, default=0) + 1
    out = []
    for g in goals:
        if g.key in keys or (g.text, g.created.isoformat()) in have:
            continue
        gid = g.id if g.id not in ids else next_id
        out.append({**g.to_dict(), "id": gid})
        have.add((g.text, g.created.isoformat()))
        keys.add(g.key)
        ids.add(gid)
        next_id = max(next_id, gid) + 1
    return out


def _with_patient_id(profile: Profile) -> Profile:
    """A profile is given its identifier the first time it is saved, and keeps it."""
    if profile.patient_id:
        return profile
    from dataclasses import replace

    from backcare.storage.ids import new_patient_id

    return replace(profile, patient_id=new_patient_id())


def _payload(raw: Any) -> bytes | None:
    try:
        return cache.dumps(raw)
    except (TypeError, ValueError):
        return None


def _euid() -> int | None:
    """This process's user, where the platform has users by number (POSIX)."""
    geteuid = getattr(os, "geteuid", None)
    return int(geteuid()) if geteuid is not None else None


def _export_running(tmp: Path) -> bool:
    """Whether an export still holds its temp file's lock (POSIX; elsewhere, a day)."""
    try:
        fd = os.open(tmp, os.O_RDONLY)
    except OSError:
        return False
    try:
        taken = lock.flock_now(fd)
        if taken is None:
            return epoch_seconds() - os.fstat(fd).st_mtime < 24 * 3600
        return not taken
    finally:
        os.close(fd)


def _owned(path: Path) -> bool:
    try:
        uid = _euid()
        return uid is None or os.lstat(path).st_uid == uid
    except OSError:
        return False


def _kept_name(path: Path) -> Path:
    """Where a damaged file's copy is kept: NAME.damaged-TIME, never over an earlier one."""
    stamp = f"{path.name}.damaged-{moment_stamp()}"
    kept, n = path.with_name(stamp), 1
    while os.path.lexists(kept):
        n += 1
        kept = path.with_name(f"{stamp}-{n}")
    return kept


def open_store(home: Path | None = None) -> Store:
    """The store of a data folder (``$BACKCARE_HOME``, else the platform's). A data folder
    given as a symbolic link is used through it, for reading and writing alike: the store
    works in the folder it points to (issue 17). One that points nowhere is refused."""
    return Store(through_link(home or data_home(), "the data folder"))


def through_link(home: Path, what: str) -> Path:
    """The folder ``home`` names, followed when it is a symbolic link; a link that leads
    nowhere is refused, saying where it points."""
    if not os.path.islink(home):
        return home
    try:
        os.stat(home)
    except FileNotFoundError:
        raise BackcareError(
            f"{home}: {what} is a symbolic link to {os.readlink(home)}, which does not exist"
        ) from None
    except OSError as exc:
        raise BackcareError(f"{home}: {what} cannot be reached ({exc.strerror})") from None
    return Path(os.path.realpath(home))
