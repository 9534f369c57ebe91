"""The store: backcare's data folder as records. Only the storage package imports tinydb.

Layout: see :mod:`backcare.storage.paths`. Why this shape:
- tinydb rewrites its whole file on every write. One file a month keeps a write to today's log
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from tinydb import TinyDB

from backcare.domain.checks import LOG_CHECKS, MAIN_CHECKS, stored_problem
from backcare.domain.models import (
    Assessment,
    Goal,
    History,
    PainCheckin,
    Prescription,
    Profile,
    Session,
    Visit,
)
from backcare.errors import BackcareError
from backcare.storage import cache, lock
from backcare.storage.files import (
    DIR_MODE,
    FILE_MODE,
    POSIX_MODES,
    DataFileError,
    TableCheck,
    UnreadableFile,
    atomic_write_bytes,
    check_tables,
    generation,
    load_tables,
    note_saved,
    stamp_schema,
    temp_files,
)
from backcare.storage.paths import MAIN_FILE, DataPaths, data_home

BACKUPS_KEPT = 7  # one a day, the last week (issue 8)
HISTORY_CACHE_MIN_MONTHS = 4
_MONTH_NAME_LEN = len("2026-11.json")


def _month_problem(month: str) -> TableCheck:
    return lambda tables: stored_problem(tables, LOG_CHECKS, month)


def _main_problem(tables: dict[str, Any]) -> str | None:
    return stored_problem(tables, MAIN_CHECKS)


def _serialise(path: Path, tables: dict[str, Any]) -> bytes:
    """The bytes of a data file, or an error that says nothing was written."""
    try:
        return json.dumps(stamp_schema(tables), ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False).encode("utf-8")
    except (UnicodeEncodeError, ValueError, TypeError) as exc:
        raise BackcareError(f"{path}: could not be saved (a value cannot be written as "
                            f"JSON: {type(exc).__name__}); the previous version is "
                            f"unchanged") from None


class AtomicJSONStorage:
    """tinydb storage that writes atomically, keeps a daily backup, and never repairs.

    It has tinydb's storage interface (read, write, close) without subclassing its base, so
    that reading commands never import tinydb at all (issue 7).

    tinydb writes the whole file after each step of an operation: ``truncate`` then
    ``insert``, ``remove`` then ``insert``. Written one by one, a crash between two steps
    would leave a profile or a check-in deleted, and the day's backup would hold that
    half-done state. So the steps are kept in memory and :meth:`flush` writes the result once,
    only when the whole operation has succeeded (``Store._db``).
    """

    def __init__(self, path: Path, store: Store) -> None:
        self.path = path
        self.store = store
        self._pending: dict[str, Any] | None = None

    def read(self) -> dict[str, Any] | None:
        if self._pending is not None:
            return self._pending
        return self.store.load(self.path)

    def write(self, data: dict[str, Any]) -> None:
        self._pending = data

    def flush(self) -> None:
        """Write what the operation left, in one atomic replace."""
        if self._pending is None:
            return
        data, self._pending = self._pending, None
        self.store.commit({self.path: data})

    def close(self) -> None:
        self._pending = None  # an operation that failed half-way is never written


# --- the store ------------------------------------------------------------------------------

@dataclass(frozen=True)
class DoctorFinding:
    path: Path
    problem: str
    backup: Path | None  # the newest good backup, where there is one
    fixable: bool
    # What --yes does: "restore" (the backup), "permissions" (make it private and the
    # owner's), "remove" (a leftover temp file, or a cache that failed its checks), or "".
    action: str = "restore"


class Store:
    """backcare's data folder. Reads need no lock; every write holds the folder's lock."""

    def __init__(self, home: Path, today: Callable[[], date] = date.today) -> None:
        self.home = home
        self.paths = DataPaths(home)
        self._today = today  # the real date, for naming backups; never a --date
        # Months parsed by this process, by file: a command that reads one twice (the
        # planner's weeks, then the red-flag check) parses it once.
        self._parsed: dict[Path, tuple[str, cache.MonthRecords]] = {}
        self._checked: dict[Path, str] = {}  # files whose records passed, by identity

    # -- paths and permissions --
    @property
    def main_path(self) -> Path:
        return self.paths.main

    def month_path(self, day: date) -> Path:
        return self.paths.month(day)

    def month_paths(self, start: date | None = None, end: date | None = None) -> list[Path]:
        folder = self.paths.log_dir
        try:
            names = sorted(n for n in os.listdir(folder) if n.endswith(".json")
                           and len(n) == _MONTH_NAME_LEN and not n.startswith("."))
        except FileNotFoundError:
            return []
        except NotADirectoryError:
            raise DataFileError(folder, "is not a folder") from None
        lo = f"{start.year:04d}-{start.month:02d}" if start else ""
        hi = f"{end.year:04d}-{end.month:02d}" if end else "9999-99"
        return [folder / n for n in names if lo <= n[:7] <= hi]

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
            return (f"belongs to another user (uid {st.st_uid}); backcare only uses a data "
                    f"folder of your own")
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
            raise BackcareError(f"{self.home}: cannot create the data folder "
                                f"({exc.strerror})") from None
        if not self.home.is_dir():
            raise BackcareError(f"{self.home}: the data folder is not a folder")

    def data_files(self) -> list[Path]:
        files = [self.main_path] if os.path.lexists(self.main_path) else []
        return files + self.month_paths()

    def _private_walk(self) -> Iterator[tuple[Path, os.stat_result]]:
        """Every folder and file in the data folder, links aside (they are never followed)."""
        try:
            st = os.lstat(self.home)
        except OSError:
            return
        if not stat.S_ISDIR(st.st_mode):
            return
        yield self.home, st
        stack = [self.home]
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
                path = Path(entry.path)
                yield path, est
                if stat.S_ISDIR(est.st_mode):
                    stack.append(path)

    def permission_problems(self) -> list[str]:
        """Health data must stay private: every folder 0700 and every file 0600, backups and
        caches included (CONTRACT.md); and each readable and writable by its owner.
        On Windows, modes say nothing about who may read a file (its access list does, and
        the user's own data folder is private to them), so there is nothing to check."""
        if not POSIX_MODES:
            return []
        found = []
        for path, st in self._private_walk():
            m = stat.S_IMODE(st.st_mode)
            is_dir = stat.S_ISDIR(st.st_mode)
            want = DIR_MODE if is_dir else FILE_MODE
            if m & 0o077:
                found.append(f"{path} is readable by others (mode {m:o}, should be "
                             f"{want:o})")
            elif m & want != want:
                found.append(f"{path} cannot be read or written by you (mode {m:o}, should "
                             f"be {want:o})")
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
    def writing(self) -> Iterator[None]:
        """Hold the folder's write lock (blocking, with a time limit). Temp files an
        interrupted write left behind are removed first: no write can be in progress."""
        self.ensure_home()
        with lock.exclusive(self.paths.lock):
            for leftover in self.leftover_temp_files():
                with contextlib.suppress(OSError):
                    os.unlink(leftover)
            yield

    def leftover_temp_files(self) -> list[Path]:
        """Temp files of writes that never finished (a crash, a kill)."""
        folders = [self.home, self.paths.log_dir, self.paths.cache]
        with contextlib.suppress(OSError):
            for day in sorted(os.listdir(self.paths.backups)):
                folders += [self.paths.backups / day, self.paths.backups / day / "log"]
        return [p for folder in folders for p in temp_files(folder)]

    @contextlib.contextmanager
    def _db(self, path: Path) -> Iterator[TinyDB]:
        from tinydb import TinyDB

        db = TinyDB(path, storage=_storage_for(self))
        try:
            yield db
            cast(AtomicJSONStorage, db.storage).flush()  # one write per operation
        finally:
            db.close()

    # -- reading and writing one file --
    def check_for(self, path: Path) -> TableCheck:
        """The checks a data file's records must pass: the main file's, or a month's."""
        if path.name == MAIN_FILE:
            return _main_problem
        return _month_problem(path.name[:7])

    def load(self, path: Path) -> dict[str, Any] | None:
        """A data file's tables, checked record by record; None when it does not exist. A
        file this process has checked already, and that has not changed since (the same
        identity before and after this read), is not checked again."""
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
        data = {path: _serialise(path, tables) for path, tables in files.items()}
        for path, raw in data.items():
            try:
                self.backup(path)
                path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
                atomic_write_bytes(path, raw)
            except OSError as exc:  # a full disk, say: the patient can act on it
                raise BackcareError(f"{path}: could not be saved ({exc.strerror or exc}); "
                                    f"the previous version is unchanged") from None
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
            names = [Path(MAIN_FILE)]
            with contextlib.suppress(OSError):
                names += [Path("log") / n for n in os.listdir(folder / "log")
                          if n.endswith(".json") and len(n) == _MONTH_NAME_LEN]
            for rel in names:
                if (folder / rel).is_file() and not os.path.lexists(self.home / rel):
                    missing.add(self.home / rel)
        return sorted(missing)

    # -- doctor --
    def check(self) -> list[DoctorFinding]:
        """Everything ``doctor`` reports: damaged, missing and unreadable data files,
        permissions, leftover temp files and caches that fail their checks."""
        findings = []
        for path in self.data_files():
            try:
                self.load(path)
            except UnreadableFile as exc:
                findings.append(DoctorFinding(path, exc.problem, None, _owned(path),
                                              "permissions"))
            except DataFileError as exc:
                backup = None if path.is_symlink() else self.newest_good_backup(path)
                findings.append(DoctorFinding(path, exc.problem, backup, backup is not None))
        for path in self._backed_up_but_missing():
            backup = self.newest_good_backup(path)
            findings.append(DoctorFinding(path, "is missing", backup, backup is not None))
        reported = {f.path for f in findings if f.action == "permissions"}
        for text in self.permission_problems():
            if not any(text.startswith(f"{p} ") for p in reported):
                findings.append(DoctorFinding(self.home, text, None, True, "permissions"))
        for leftover in self.leftover_temp_files():
            findings.append(DoctorFinding(leftover, "is a temp file an interrupted write left "
                                                    "behind; it holds nothing that was saved",
                                          None, True, "remove"))
        findings += self._cache_findings()
        return findings

    def _cache_findings(self) -> list[DoctorFinding]:
        found = []
        kinds = {self.paths.library_cache: "library", self.paths.history_cache: "history",
                 self.paths.symptoms_cache: "symptoms"}
        for path, kind in kinds.items():
            if not os.path.lexists(path):
                continue
            checked = cache.read_cache(path, kind)
            if not checked.readable:
                problem = "is not a cache this backcare can read"
            elif checked.failed:
                one = checked.failed == 1
                problem = (f"has {checked.failed} entr{'y that fails its' if one else 'ies that'}"
                           f"{'' if one else ' fail their'} checksum")
            else:
                continue
            found.append(DoctorFinding(path, problem + "; it is only a copy, and is made "
                                                       "again when needed", None, True,
                                       "remove"))
        for name in cache.LEGACY_FILES:
            legacy = self.paths.cache / name
            if os.path.lexists(legacy):
                found.append(DoctorFinding(legacy, "is a cache of an earlier backcare that "
                                                   "nothing reads any more", None, True,
                                           "remove"))
        return found

    def restore(self, finding: DoctorFinding) -> Path | None:
        """Put the newest good backup in place, in one atomic step, keeping a copy of the
        damaged file beside it. Under the lock the file is checked again: if another
        ``doctor`` (or anything else) has repaired it meanwhile, nothing is done (None)."""
        with self.writing():
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
            return kept or path

    def fix(self, finding: DoctorFinding) -> bool:
        """What --yes does about a finding that is not a restore. True if done."""
        with self.writing():
            if finding.action == "remove":
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(finding.path)
                return True
            if finding.action == "permissions":
                return self.fix_permissions() > 0 or not self.permission_problems()
        return False

    # -- reading --
    def _main(self) -> dict[str, Any]:
        return self.load(self.main_path) or {}

    @staticmethod
    def _single(tables: dict[str, Any], name: str) -> dict[str, Any] | None:
        docs = tables.get(name) or {}
        return next(iter(docs.values())) if docs else None

    def profile(self) -> Profile | None:
        doc = self._single(self._main(), "profile")
        return Profile.from_dict(doc) if doc else None

    def programme(self) -> Prescription | None:
        doc = self._single(self._main(), "programme")
        return Prescription.from_dict(doc) if doc else None

    def goals(self) -> list[Goal]:
        docs = (self._main().get("goals") or {}).values()
        return sorted((Goal.from_dict(d) for d in docs), key=lambda g: g.id)

    def records(self, table: str, start: date | None = None,
                end: date | None = None) -> list[dict[str, Any]]:
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

    def history(self, start: date | None = None, end: date | None = None) -> History:
        """The log between two dates (inclusive), sorted by date."""
        paths = self.month_paths(start, end)
        # Over years, parsing the JSON and building the records costs more than all the rest
        # of `progress` together, so months read before come from a compact cache, each
        # month checked by its checksum and its file's identity (issue 7, issue 17). A short
        # range reads its few files directly.
        builder = cache.RecordBuilder()
        use_cache = len(paths) >= HISTORY_CACHE_MIN_MONTHS
        cached = cache.read_cache(self.paths.history_cache, "history") if use_cache else None
        changed = False
        months: list[cache.MonthRecords] = []
        for path in paths:
            key = cache.file_key(path)
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
            cache.write_cache(self.paths.history_cache, "history",
                              {k: v for k, v in cached.entries.items() if k in live},
                              self.paths.lock)
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

    def symptom_checkins(self, since: date | None = None) -> list[PainCheckin]:
        """Every check-in after ``since`` (all of them without it) that reported a symptom,
        from the whole log however long it is: the red-flag stop must see a check-in of
        years ago that no clinician has cleared (issue 17). Each month's are cached, checked
        like the history; a month whose entry fails is read and checked again."""
        every = self.month_paths()
        first = since + timedelta(days=1) if since else None
        paths = every if first is None else \
            [p for p in every if p.name[:7] >= f"{first.year:04d}-{first.month:02d}"]
        cached = cache.read_cache(self.paths.symptoms_cache, "symptoms")
        changed = bool(cached.failed)
        found: list[PainCheckin] = []
        builder: cache.RecordBuilder | None = None
        for path in paths:
            key = cache.file_key(path)
            entry = cached.entries.get(path.name) if key else None
            checkins = None
            if entry is not None and entry.key == key:
                with contextlib.suppress(TypeError, ValueError, OverflowError):
                    checkins = [] if entry.payload == b"[]" else \
                        cache.checkins_from_raw(cache.loads(entry.payload))
            if checkins is None:
                builder = builder or cache.RecordBuilder()
                checkins = [c for c in self._read_month(path, builder)[1] if c.symptoms]
                payload = _payload(cache.checkins_to_raw(checkins))
                if key and payload is not None:
                    cached.entries[path.name] = cache.Entry(key, payload)
                    changed = True
            found.extend(c for c in checkins if since is None or c.date > since)
        if changed:
            live = {p.name for p in every}
            cache.write_cache(self.paths.symptoms_cache, "symptoms",
                              {k: v for k, v in cached.entries.items() if k in live},
                              self.paths.lock)
        return sorted(found, key=lambda c: c.date)

    def _read_month(self, path: Path, builder: cache.RecordBuilder) -> cache.MonthRecords:
        key = cache.file_key(path)
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
    def _put_single(self, table: str, doc: dict[str, Any] | None) -> None:
        with self.writing(), self._db(self.main_path) as db:
            t = db.table(table)
            t.truncate()
            if doc is not None:
                t.insert(doc)

    def save_profile(self, profile: Profile) -> Profile:
        """Save the profile; returns it as saved (with its patient identifier)."""
        saved = _with_patient_id(profile)
        self._put_single("profile", saved.to_dict())
        return saved

    def ensure_patient_id(self) -> Profile | None:
        """The profile, with its stable patient identifier: a profile saved before there
        was one gets it now, once (issue 16). None without a profile."""
        profile = self.profile()
        if profile is None or profile.patient_id:
            return profile
        with self.writing(), self._db(self.main_path) as db:
            table = db.table("profile")
            doc = next(iter(table.all()), None)
            if doc is None:
                return None
            current = Profile.from_dict(dict(doc))
            if not current.patient_id:  # another process may have made it meanwhile
                current = _with_patient_id(current)
                table.truncate()
                table.insert(current.to_dict())
            return current

    def save_programme(self, programme: Prescription | None) -> None:
        self._put_single("programme", programme.to_dict() if programme else None)

    def add_goal(self, text: str, created: date, by: date | None,
                 psfs_activity: str | None) -> Goal:
        with self.writing(), self._db(self.main_path) as db:
            t = db.table("goals")
            next_id = max((int(d["id"]) for d in t.all()), default=0) + 1
            goal = Goal(next_id, text, created, by, psfs_activity)
            t.insert(goal.to_dict())
            return goal

    def complete_goal(self, goal_id: int, on: date) -> Goal:
        with self.writing(), self._db(self.main_path) as db:
            t = db.table("goals")
            doc = t.get(_query().id == goal_id)
            if doc is None:
                raise BackcareError(f"no goal with id {goal_id}; 'backcare goal list' "
                                    f"shows them")
            goal = Goal.from_dict(dict(doc)).completed(on)
            t.update(goal.to_dict(), _query().id == goal_id)
            return goal

    # -- writing: the log --
    def add_session(self, session: Session) -> None:
        self._insert("sessions", session.to_dict())

    def put_session(self, session: Session) -> None:
        """Save a session, replacing an earlier save of the same id: the guided session
        saves after every exercise, so a session cut short is never lost."""
        with self.writing(), self._db(self.month_path(session.date)) as db:
            t = db.table("sessions")
            t.remove(_query().id == session.id)
            t.insert(session.to_dict())

    def add_assessment(self, assessment: Assessment) -> None:
        self._insert("assessments", assessment.to_dict())

    def add_visit(self, visit: Visit) -> None:
        self._insert("visits", visit.to_dict())

    def put_checkin(self, checkin: PainCheckin) -> bool:
        """Record a day's pain check-in; a second one that day replaces it. True if replaced."""
        with self.writing(), self._db(self.month_path(checkin.date)) as db:
            t = db.table("pain_checkins")
            replaced = t.remove(_query().date == checkin.date.isoformat())
            t.insert(checkin.to_dict())
            return bool(replaced)

    def _insert(self, table: str, doc: dict[str, Any]) -> None:
        with self.writing(), self._db(self.month_path(date.fromisoformat(doc["date"]))) as db:
            db.table(table).insert(doc)

    def import_records(self, tables: dict[str, list[dict[str, Any]]]) -> dict[str, int]:
        """Add already-validated log records, skipping ids already present. One write per
        month file, all under one lock. Returns how many of each were added."""
        return self.import_all(tables, None, [], None)[0]

    def import_main(self, profile: Profile | None, goals: list[Goal],
                    programme: Prescription | None, replace_profile: bool) -> int:
        """Profile, goals and programme from an import; returns goals added."""
        return self.import_all({}, profile, goals, programme, replace_profile)[1]

    def import_all(self, tables: dict[str, list[dict[str, Any]]], profile: Profile | None,
                   goals: list[Goal], programme: Prescription | None,
                   replace_profile: bool = False) -> tuple[dict[str, int], int]:
        """An import: already-validated log records (ids already present are skipped), and
        the profile, goals and programme. Every changed file is prepared and made into bytes
        before the first is written (issue 17: a value that cannot be written once stopped
        an import after 31 of 40 check-ins were stored); then each is written atomically,
        all under one lock. Returns the log records and the goals added."""
        by_month: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for table, docs in tables.items():
            for doc in docs:
                by_month.setdefault(doc["date"][:7], {}).setdefault(table, []).append(doc)
        added = {t: 0 for t in tables}
        with self.writing():
            changed: dict[Path, dict[str, Any]] = {}
            for month in sorted(by_month):
                path = self.paths.month_named(month)
                current = self.load(path) or {}
                for table, docs in by_month[month].items():
                    existing = current.setdefault(table, {})
                    ids = {d.get("id") for d in existing.values()}
                    for doc in docs:
                        if doc["id"] in ids:
                            continue
                        _append(existing, doc)
                        ids.add(doc["id"])
                        added[table] += 1
                        changed[path] = current
            goals_added = 0
            if profile is not None or goals or programme is not None:
                main = self.load(self.main_path) or {}
                goals_added, main_changed = _merge_main(main, profile, goals, programme,
                                                        replace_profile)
                if main_changed:
                    changed[self.main_path] = main
            self.commit(changed)
        return added, goals_added


def _append(table: dict[str, Any], doc: dict[str, Any]) -> None:
    """Add a record to a table as tinydb would: under the next record number."""
    table[str(max((int(k) for k in table), default=0) + 1)] = doc


def _merge_main(main: dict[str, Any], profile: Profile | None, goals: list[Goal],
                programme: Prescription | None, replace_profile: bool) -> tuple[int, bool]:
    """An import's profile, programme and goals merged into the main file's tables; the
    patient's own profile and programme are kept. Returns the goals added, and whether
    anything changed."""
    changed = False
    if profile is not None and (replace_profile or not main.get("profile")):
        main["profile"] = {"1": profile.to_dict()}
        changed = True
    if programme is not None and not main.get("programme"):
        main["programme"] = {"1": programme.to_dict()}
        changed = True
    table = main.setdefault("goals", {})
    have = {(d["text"], d["created"]) for d in table.values()}
    ids = {d["id"] for d in table.values()}
    next_id = max(ids, default=0) + 1
    added = 0
    for g in goals:
        if (g.text, g.created.isoformat()) in have:
            continue
        gid = g.id if g.id not in ids else next_id
        _append(table, {**g.to_dict(), "id": gid})
        ids.add(gid)
        next_id = max(next_id, gid) + 1
        added += 1
    return added, changed or added > 0


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


def _owned(path: Path) -> bool:
    try:
        uid = _euid()
        return uid is None or os.lstat(path).st_uid == uid
    except OSError:
        return False


def _kept_name(path: Path) -> Path:
    """Where a damaged file's copy is kept: NAME.damaged-TIME, never over an earlier one."""
    stamp = f"{path.name}.damaged-{datetime.now():%Y%m%d%H%M%S}"
    kept, n = path.with_name(stamp), 1
    while os.path.lexists(kept):
        n += 1
        kept = path.with_name(f"{stamp}-{n}")
    return kept


def _query() -> Any:
    from tinydb import Query

    return Query()


def _storage_for(store: Store) -> Callable[[Path], AtomicJSONStorage]:
    def make(path: Path) -> AtomicJSONStorage:
        return AtomicJSONStorage(Path(path), store)
    return make


def open_store(home: Path | None = None) -> Store:
    """The store of a data folder (``$BACKCARE_HOME``, else the platform's). A data folder
    given as a symbolic link is used through it, for reading and writing alike: the store
    works in the folder it points to (issue 17). One that points nowhere is refused."""
    home = home or data_home()
    if os.path.islink(home):
        try:
            os.stat(home)
        except FileNotFoundError:
            raise BackcareError(f"{home}: the data folder is a symbolic link to "
                                f"{os.readlink(home)}, which does not exist") from None
        except OSError as exc:
            raise BackcareError(f"{home}: the data folder cannot be reached "
                                f"({exc.strerror})") from None
        home = Path(os.path.realpath(home))
    return Store(home)

