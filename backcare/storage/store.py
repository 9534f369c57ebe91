"""The store: backcare's data folder as records. Only the storage package imports tinydb.

Layout: see :mod:`backcare.storage.paths`. Why this shape:
- tinydb rewrites its whole file on every write. One file a month keeps a write to today's log
  at a few kilobytes however many years of history there are (issue 2, issue 7).
- Every write is atomic and fsynced (:mod:`backcare.storage.files`), and every
  read-modify-write holds the folder's lock (:mod:`backcare.storage.lock`).
- A file that cannot be parsed is never written over: the error names it, and ``doctor``
  offers the newest good backup.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from tinydb import TinyDB

import shutil

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
    atomic_write_bytes,
    atomic_write_text,
    load_tables,
    stamp_schema,
)
from backcare.storage.paths import DataPaths, data_home

BACKUPS_KEPT = 7  # one a day, the last week (issue 8)
HISTORY_CACHE_MIN_MONTHS = 4


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
        return load_tables(self.path, self.store.home)

    def write(self, data: dict[str, Any]) -> None:
        self._pending = data

    def flush(self) -> None:
        """Write what the operation left, in one atomic replace."""
        if self._pending is None:
            return
        data, self._pending = self._pending, None
        stamp_schema(data)
        try:
            self.store.backup(self.path)
            self.path.parent.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
            atomic_write_text(self.path, json.dumps(data, ensure_ascii=False,
                                                    separators=(",", ":")))
        except OSError as exc:  # a full disk, say: the patient can act on it
            raise BackcareError(f"{self.path}: could not be saved ({exc.strerror or exc}); "
                                f"the previous version is unchanged") from None

    def close(self) -> None:
        self._pending = None  # an operation that failed half-way is never written




# --- the store ------------------------------------------------------------------------------

@dataclass(frozen=True)
class DoctorFinding:
    path: Path
    problem: str
    backup: Path | None  # the newest good backup, where there is one
    fixable: bool


class Store:
    """backcare's data folder. Reads need no lock; every write holds the folder's lock."""

    def __init__(self, home: Path, today: Callable[[], date] = date.today) -> None:
        self.home = home
        self.paths = DataPaths(home)
        self._today = today  # the real date, for naming backups; never a --date

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
                           and len(n) == 12 and not n.startswith("."))
        except FileNotFoundError:
            return []
        lo = f"{start.year:04d}-{start.month:02d}" if start else ""
        hi = f"{end.year:04d}-{end.month:02d}" if end else "9999-99"
        return [folder / n for n in names if lo <= n[:7] <= hi]

    def ensure_home(self) -> None:
        try:
            self.home.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        except OSError as exc:
            raise BackcareError(f"{self.home}: cannot create the data folder "
                                f"({exc.strerror})") from None
        if self.home.is_symlink() or not self.home.is_dir():
            raise BackcareError(f"{self.home}: the data folder is not a folder")

    def data_files(self) -> list[Path]:
        files = [self.main_path] if os.path.lexists(self.main_path) else []
        return files + self.month_paths()

    def permission_problems(self) -> list[str]:
        """Health data must stay private: the folder 0700, its files 0600 (CONTRACT.md).
        On Windows, modes say nothing about who may read a file (its access list does, and
        the user's own data folder is private to them), so there is nothing to check."""
        if not POSIX_MODES:
            return []
        found = []
        try:
            mode = stat.S_IMODE(os.stat(self.home).st_mode)
        except FileNotFoundError:
            return []
        if mode & 0o077:
            found.append(f"{self.home} is readable by others (mode {mode:o}, should be 700)")
        # The same folders fix_permissions() repairs: backups hold the same health data.
        for folder in (self.paths.log_dir, self.paths.backups):
            with contextlib.suppress(FileNotFoundError):
                m = stat.S_IMODE(os.stat(folder).st_mode)
                if m & 0o077:
                    found.append(f"{folder} is readable by others (mode {m:o}, should be 700)")
        for path in self.data_files():
            with contextlib.suppress(FileNotFoundError):
                m = stat.S_IMODE(os.lstat(path).st_mode)
                if m & 0o077:
                    found.append(f"{path} is readable by others (mode {m:o}, should be 600)")
        return found

    def fix_permissions(self) -> int:
        if not POSIX_MODES:
            return 0
        fixed = 0
        for folder in (self.home, self.paths.log_dir, self.paths.backups):
            if folder.is_dir() and stat.S_IMODE(folder.stat().st_mode) & 0o077:
                os.chmod(folder, DIR_MODE)
                fixed += 1
        for path in self.data_files():
            if not path.is_symlink() and stat.S_IMODE(path.stat().st_mode) & 0o077:
                os.chmod(path, FILE_MODE)
                fixed += 1
        return fixed

    # -- locking --
    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the folder's write lock (blocking, with a time limit)."""
        self.ensure_home()
        with lock.exclusive(self.paths.lock):
            yield

    @contextlib.contextmanager
    def _db(self, path: Path) -> Iterator[TinyDB]:
        from tinydb import TinyDB

        db = TinyDB(path, storage=_storage_for(self))
        try:
            yield db
            cast(AtomicJSONStorage, db.storage).flush()  # one write per operation
        finally:
            db.close()

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
            load_tables(path, self.home)  # only a good file is worth keeping
        except BackcareError:
            return
        # mkdir(parents=True) gives the folders it adds the umask's mode: make each one here.
        for folder in reversed(target.relative_to(self.home).parents[:-1]):
            (self.home / folder).mkdir(mode=DIR_MODE, exist_ok=True)
        atomic_write_bytes(target, path.read_bytes())
        self._prune_backups()

    def _prune_backups(self) -> None:
        root = self.paths.backups
        days = sorted(p for p in root.iterdir() if p.is_dir() and len(p.name) == 10)
        for old in days[:-BACKUPS_KEPT]:

            shutil.rmtree(old, ignore_errors=True)

    def newest_good_backup(self, path: Path) -> Path | None:
        root = self.paths.backups
        if not root.is_dir():
            return None
        rel = path.relative_to(self.home)
        for day in sorted((p for p in root.iterdir() if p.is_dir()), reverse=True):
            candidate = day / rel
            if candidate.is_file():
                try:
                    load_tables(candidate, self.home)
                    return candidate
                except BackcareError:
                    continue
        return None

    # -- doctor --
    def check(self) -> list[DoctorFinding]:
        findings = []
        for path in self.data_files():
            try:
                load_tables(path, self.home)
            except BackcareError as exc:
                problem = exc.message.split(". The file has been left")[0]
                problem = problem.removeprefix(f"{path}: ")
                backup = None if path.is_symlink() else self.newest_good_backup(path)
                findings.append(DoctorFinding(path, problem, backup, backup is not None))
        for text in self.permission_problems():
            findings.append(DoctorFinding(self.home, text, None, True))
        return findings

    def restore(self, finding: DoctorFinding) -> Path:
        """Put the newest good backup in place; keep the damaged file beside it."""
        if finding.backup is None:
            raise BackcareError(f"{finding.path}: no good backup to restore")
        with self.writing():
            kept = finding.path.with_name(
                f"{finding.path.name}.damaged-{datetime.now():%Y%m%d%H%M%S}")
            if os.path.lexists(finding.path):
                os.replace(finding.path, kept)
                if POSIX_MODES and not kept.is_symlink():
                    os.chmod(kept, FILE_MODE)
            atomic_write_bytes(finding.path, finding.backup.read_bytes())
            return kept

    # -- reading --
    def _main(self) -> dict[str, Any]:
        return load_tables(self.main_path, self.home) or {}

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
            tables = load_tables(path, self.home) or {}
            out.extend(d for d in (tables.get(table) or {}).values() if lo <= d["date"] <= hi)
        out.sort(key=lambda d: d["date"])
        return out

    def history(self, start: date | None = None, end: date | None = None) -> History:
        """The log between two dates (inclusive), sorted by date."""
        paths = self.month_paths(start, end)
        # Over years, parsing the JSON and building the records costs more than all the rest
        # of `progress` together, so months read before come from a compact cache of plain
        # tuples, checked against each file's size, mtime and inode (issue 7). A short range
        # reads its few files directly.
        builder = cache.RecordBuilder()
        cached = (cache.read_history_cache(self.paths.history_cache)
                  if len(paths) >= HISTORY_CACHE_MIN_MONTHS else None)
        changed = False
        months: list[cache.MonthRecords] = []
        for path in paths:
            key = cache.file_key(path)
            entry = cached.get(path.name) if cached is not None and key else None
            month = None
            if entry is not None and entry[0] == key:
                month = builder.month_from_raw(entry[1])
            if month is None:
                month = self._read_month(path, builder)
                if cached is not None and key:
                    cached[path.name] = (key, cache.month_to_raw(month))
                    changed = True
            months.append(month)
        if changed and cached is not None:
            live = {p.name for p in self.month_paths()}
            cache.write_history_cache(self.paths.history_cache,
                                      {k: v for k, v in cached.items() if k in live})
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

    def _read_month(self, path: Path, builder: cache.RecordBuilder) -> cache.MonthRecords:
        tables = load_tables(path, self.home) or {}
        try:
            return builder.month_from_tables(tables)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise DataFileError(path, f"is damaged (a record is malformed: {exc!r})") from None

    # -- writing: the main file --
    def _put_single(self, table: str, doc: dict[str, Any] | None) -> None:
        with self.writing(), self._db(self.main_path) as db:
            t = db.table(table)
            t.truncate()
            if doc is not None:
                t.insert(doc)

    def save_profile(self, profile: Profile) -> None:
        self._put_single("profile", profile.to_dict())

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
        by_month: dict[str, dict[str, list[dict[str, Any]]]] = {}
        for table, docs in tables.items():
            for doc in docs:
                by_month.setdefault(doc["date"][:7], {}).setdefault(table, []).append(doc)
        added = {t: 0 for t in tables}
        with self.writing():
            for month in sorted(by_month):
                path = self.paths.month_named(month)
                current = load_tables(path, self.home) or {}
                changed = False
                for table, docs in by_month[month].items():
                    existing = current.setdefault(table, {})
                    ids = {d.get("id") for d in existing.values()}
                    next_key = max((int(k) for k in existing), default=0) + 1
                    for doc in docs:
                        if doc["id"] in ids:
                            continue
                        existing[str(next_key)] = doc
                        ids.add(doc["id"])
                        next_key += 1
                        added[table] += 1
                        changed = True
                if changed:
                    month_file = _storage_for(self)(path)
                    month_file.write(current)
                    month_file.flush()
        return added

    def import_main(self, profile: Profile | None, goals: list[Goal],
                    programme: Prescription | None, replace_profile: bool) -> int:
        """Profile, goals and programme from an import; returns goals added."""
        with self.writing(), self._db(self.main_path) as db:
            if profile is not None and (replace_profile or not db.table("profile").all()):
                db.table("profile").truncate()
                db.table("profile").insert(profile.to_dict())
            if programme is not None and not db.table("programme").all():
                db.table("programme").insert(programme.to_dict())
            t = db.table("goals")
            have = {(d["text"], d["created"]) for d in t.all()}
            next_id = max((int(d["id"]) for d in t.all()), default=0) + 1
            added = 0
            for g in goals:
                if (g.text, g.created.isoformat()) in have:
                    continue
                gid = g.id if not t.contains(_query().id == g.id) else next_id
                t.insert({**g.to_dict(), "id": gid})
                next_id = max(next_id, gid) + 1
                added += 1
            return added


def _query() -> Any:
    from tinydb import Query

    return Query()


def _storage_for(store: Store) -> Callable[[Path], AtomicJSONStorage]:
    def make(path: Path) -> AtomicJSONStorage:
        return AtomicJSONStorage(Path(path), store)
    return make


def open_store(home: Path | None = None) -> Store:

    return Store(home or data_home())
