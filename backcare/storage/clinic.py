"""The clinic folder (issue 16): a physiotherapist's copies of their patients' records.

::

    $BACKCARE_CLINIC_HOME/          (default: clinic/ in the data folder)        0700
      clinic.json                   the list of patients: identifier, folder, name, and
                                    their latest export                         0600
      patients/<folder>/            one patient's records: a data folder like any other
                                    (backcare.json, log/, backups/, cache/)
      cache/caseload.cache          each patient's caseload summary, checksummed, keyed by
                                    the identity of the patient's files
      backups/<day>/                clinic.json before the day's first change, and the
                                    folder of a patient removed that day
      settings.yaml, exercises.yaml the clinic's thresholds and exercises (optional)
      .lock

The clinic folder follows the data folder's rules: it is a :class:`Store` (atomic writes,
the lock, daily backups, ``doctor``), whose one data file is the list; each patient's
folder is a Store of its own, which an export is merged into as ``import`` merges one.
A patient's folder is named by a digest of their identifier, so no export can name a path.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from backcare.clock import machine_today
from backcare.domain.caseload import ClinicPatient, Summary, check_clinic_patient
from backcare.domain.checks import Check, stored_problem
from backcare.domain.trail import TrailStates
from backcare.errors import BackcareError
from backcare.storage import cache
from backcare.storage.files import DIR_MODE, FILE_MODE, POSIX_MODES, TableCheck
from backcare.storage.journal import FileSet
from backcare.storage.paths import BACKUP_DIR, CACHE_DIR, DataPaths, data_home
from backcare.storage.store import DoctorFinding, Store, through_link

CLINIC_ENV = "BACKCARE_CLINIC_HOME"
CLINIC_DIR = "clinic"
INDEX_FILE = "clinic.json"
PATIENTS_DIR = "patients"
SUMMARY_CACHE_FILE = "caseload.cache"
SUMMARY_KIND = "caseload"
INDEX_CHECKS: dict[str, tuple[Check, str]] = {"patients": (check_clinic_patient, "id")}
HEAL = "heal"  # doctor --yes: the list made to match the patients' folders


def clinic_home() -> Path:
    """``$BACKCARE_CLINIC_HOME`` if set, else ``clinic/`` in the data folder."""
    env = os.environ.get(CLINIC_ENV)
    return Path(env).expanduser() if env else data_home() / CLINIC_DIR


def patient_folder(patient_id: str) -> str:
    """A patient's folder name: hex digits of a digest of their identifier, whatever
    characters the identifier holds."""
    return hashlib.sha256(patient_id.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _index_problem(tables: dict[str, Any]) -> str | None:
    return stored_problem(tables, INDEX_CHECKS)


class ClinicStore(Store):
    """The clinic folder. Reads need no lock; every write holds the clinic's lock."""

    def __init__(self, home: Path, today: Callable[[], date] = machine_today) -> None:
        super().__init__(home, today)
        self.index_path = home / INDEX_FILE
        self.summary_cache = self.paths.cache / SUMMARY_CACHE_FILE
        self._stores: dict[str, Store] = {}

    # -- what the clinic folder holds --
    def check_for(self, path: Path) -> TableCheck:
        if path.name == INDEX_FILE:
            return _index_problem
        return super().check_for(path)

    def data_files(self) -> list[Path]:
        return [self.index_path] if os.path.lexists(self.index_path) else []

    def patients(self, *, listed: bool = False) -> list[ClinicPatient]:
        """The patients on the caseload. One whose folder is gone is a removal cut short
        after its move into the backups, the removal's point of no return: every command
        reads them as removed, and ``doctor --clinic --yes`` takes their row off the list
        (issue 24). ``listed``: every row, as the list has them."""
        tables = self.load(self.index_path) or {}
        rows = [ClinicPatient.from_dict(d) for d in (tables.get("patients") or {}).values()]
        if listed:
            return rows
        root = self.home / PATIENTS_DIR
        return [p for p in rows if os.path.lexists(root / p.folder)]

    def patient_store(self, patient: ClinicPatient | str) -> Store:
        """A patient's folder as a store: one per folder in a process, so that what it has
        read and checked (or just written) is not read and checked again."""
        folder = patient.folder if isinstance(patient, ClinicPatient) else patient
        if folder not in self._stores:
            self._stores[folder] = Store(
                self.home / PATIENTS_DIR / folder, self._today, renamed=self.renamed_by
            )
        return self._stores[folder]

    def start_permission_problems(self) -> list[str]:
        """The start-up check of privacy: the clinic folder and what lies directly in it
        (the list, the caches, the backups, the patients' folder), without walking every
        patient's records, which would cost each command a walk of thousands of files.
        ``doctor --clinic`` walks them all."""
        if not POSIX_MODES:
            return []
        found = []
        top = [
            self.home,
            *(self.home / n for n in (INDEX_FILE, PATIENTS_DIR, CACHE_DIR, BACKUP_DIR)),
        ]
        for path in top:
            try:
                st = os.lstat(path)
            except OSError:
                continue
            if stat.S_ISLNK(st.st_mode):
                continue
            mode = stat.S_IMODE(st.st_mode)
            want = DIR_MODE if stat.S_ISDIR(st.st_mode) else FILE_MODE
            if mode & 0o077:
                found.append(f"{path} is readable by others (mode {mode:o}, should be {want:o})")
        return found

    def release(self, patient: ClinicPatient) -> None:
        """Forget a patient's store and what it has read: a caseload made again reads
        each patient once, and keeps none of their records afterwards."""
        self._stores.pop(patient.folder, None)

    # -- adding and merging --
    def add(
        self,
        patient_id: str,
        name: str | None,
        exported_at: str,
        source: str,
        newer: Callable[[ClinicPatient], bool],
        merge: Callable[[Store, bool], Any],
        today: date,
    ) -> tuple[ClinicPatient, bool, Any]:
        """Add or merge one patient's export, under the clinic's lock. ``merge(store,
        newer)`` puts the records into the patient's folder (as ``import`` does); the list
        is written last, so an add cut short leaves at worst a folder the next add of the
        same export completes. Returns the patient, whether they are new, and what
        ``merge`` returned."""
        with self.writing():
            tables = self.load(self.index_path) or {}
            table = tables.setdefault("patients", {})
            key = next((k for k, d in table.items() if d["id"] == patient_id), None)
            old = ClinicPatient.from_dict(table[key]) if key is not None else None
            is_newer = old is None or newer(old)
            folder = patient_folder(patient_id)
            (self.home / PATIENTS_DIR).mkdir(mode=DIR_MODE, exist_ok=True)
            merged = merge(self.patient_store(folder), is_newer)
            patient = ClinicPatient(
                id=patient_id,
                folder=folder,
                name=name if name is not None else (old.name if old else None),
                added=old.added if old else today,
                updated=today,
                exported_at=exported_at if is_newer or old is None else old.exported_at,
                source=source if is_newer or old is None else old.source,
            )
            table[key or str(max((int(k) for k in table), default=0) + 1)] = patient.to_dict()
            self.commit({self.index_path: tables})
        return patient, old is None, merged

    def remove(self, patient: ClinicPatient) -> Path:
        """Take a patient off the list. Their folder is moved into today's backups, whole,
        and the list's previous version is kept there too: a removal can be undone by hand
        from the backup. Returns where the folder was kept."""
        with self.writing():
            tables = self.load(self.index_path) or {}
            table = tables.get("patients") or {}
            key = next((k for k, d in table.items() if d["id"] == patient.id), None)
            if key is None:
                raise BackcareError(f"{patient.label} is not in the clinic's list")
            folder = self.home / PATIENTS_DIR / patient.folder
            kept = self.paths.backups / self._today().isoformat() / PATIENTS_DIR / patient.folder
            if kept.exists():  # removed once already today: keep both
                kept = kept.with_name(f"{patient.folder}-{os.urandom(3).hex()}")
            if folder.exists():
                for parent in reversed(kept.relative_to(self.home).parents[:-1]):
                    (self.home / parent).mkdir(mode=DIR_MODE, exist_ok=True)
                os.replace(folder, kept)
            del table[key]
            self.commit({self.index_path: tables})
            self._stores.pop(patient.folder, None)
        self._drop_summary(patient.folder)
        return kept

    # -- the caseload summaries (a cache: checked, never trusted) --
    def files_key(self, patient: ClinicPatient, context: str) -> str:
        """The identity of every data file of a patient, and of what the summary was made
        with (``context``): a summary stands while none of them has changed."""
        store = self.patient_store(patient)
        keys = [context, patient.exported_at]
        for path in [store.main_path, *store.month_paths()]:
            key = cache.file_key(path)
            keys.append(f"{path.name}:{key or '-'}")
        return hashlib.blake2b(
            "\0".join(keys).encode("utf-8", "surrogatepass"), digest_size=16
        ).hexdigest()

    def summaries(self) -> dict[str, cache.Entry]:
        return dict(cache.read_cache(self.summary_cache, SUMMARY_KIND).entries)

    def summary_from(self, entry: cache.Entry | None, key: str) -> Summary | None:
        if entry is None or entry.key != key:
            return None
        raw = cache.loads(entry.payload)
        try:
            return Summary.from_dict(raw)
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def save_summaries(
        self, entries: dict[str, cache.Entry], made: dict[str, tuple[str, Summary]]
    ) -> None:
        """Write the summary cache with the summaries just ``made``, keeping only the
        patients in the list. Never under the clinic's lock (the cache takes it itself)."""
        for folder, (key, summary) in made.items():
            entries[folder] = cache.Entry(key, cache.dumps(summary.to_dict()))
        live = {p.folder for p in self.patients()}
        cache.write_cache(
            self.summary_cache,
            SUMMARY_KIND,
            {k: v for k, v in entries.items() if k in live},
            self.paths.lock,
        )

    def _drop_summary(self, folder: str) -> None:
        entries = self.summaries()
        if entries.pop(folder, None) is not None:
            self.save_summaries(entries, {})

    # -- doctor --
    def check(self) -> list[DoctorFinding]:
        """The list and the clinic folder (as the data folder is checked), then every
        patient's folder, and folders that no patient in the list owns."""
        findings = super().check()
        if not os.path.lexists(self.index_path):
            backup = self.newest_good_backup(self.index_path)
            if backup is not None:
                findings.append(DoctorFinding(self.index_path, "is missing", backup, True))
        try:
            patients = self.patients(listed=True)
        except BackcareError:
            return findings  # the list is named above; its folders are checked once it reads
        owned = {p.folder for p in patients}
        for patient in patients:
            folder = self.home / PATIENTS_DIR / patient.folder
            if not os.path.lexists(folder):  # a removal cut short after the move (issue 24)
                findings.append(
                    DoctorFinding(
                        folder,
                        f"is the folder of {patient.label}, who is in the clinic's list, "
                        "but it is gone (a removal was cut short); --yes takes the "
                        "patient off the list",
                        None,
                        True,
                        HEAL,
                    )
                )
                continue
            # Permissions are the clinic's own walk's: it covers every patient's folder.
            findings += [
                f for f in self.patient_store(patient).check() if f.action != "permissions"
            ]
        for folder in self._patient_folders():
            if folder.name not in owned:
                findings.append(
                    DoctorFinding(
                        folder,
                        "is a patient folder that is not in the clinic's list (an add "
                        "was cut short); add the patient's export again, or remove the "
                        "folder",
                        None,
                        False,
                        "",
                    )
                )
        return findings

    def _owner(self, path: Path) -> Store | None:
        """The patient's store that a path inside their folder belongs to."""
        try:
            parts = path.relative_to(self.home / PATIENTS_DIR).parts
        except ValueError:
            return None
        return self.patient_store(parts[0]) if parts else None

    def restore(self, finding: DoctorFinding) -> Path | None:
        owner = self._owner(finding.path)
        return owner.restore(finding) if owner is not None else super().restore(finding)

    def fix(self, finding: DoctorFinding) -> bool:
        if finding.action == HEAL:
            return self._heal(finding.path.name)
        owner = self._owner(finding.path)
        if owner is not None and finding.action != "permissions":
            return owner.fix(finding)
        return super().fix(finding)

    def _heal(self, folder: str) -> bool:
        """Take the patients whose folder is gone off the list: the end of a removal that
        was cut short after its folder was moved into the backups."""
        with self.writing():
            if os.path.lexists(self.home / PATIENTS_DIR / folder):
                return False  # back meanwhile (an add of the same export)
            tables = self.load(self.index_path) or {}
            table = tables.get("patients") or {}
            for key in [k for k, d in table.items() if d["folder"] == folder]:
                del table[key]
            self.commit({self.index_path: tables})
            self._stores.pop(folder, None)
        self._drop_summary(folder)
        return True

    def _patient_folders(self) -> list[Path]:
        root = self.home / PATIENTS_DIR
        with contextlib.suppress(OSError):
            return sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink())
        return []

    def _cache_findings(self) -> list[DoctorFinding]:
        found = super()._cache_findings()
        if os.path.lexists(self.summary_cache):
            checked = cache.read_cache(self.summary_cache, SUMMARY_KIND)
            if not checked.readable or checked.failed:
                found.append(
                    DoctorFinding(
                        self.summary_cache,
                        "fails its checks; it is only a copy, and is made again when needed",
                        None,
                        True,
                        "remove",
                    )
                )
        return found

    def _backed_up_but_missing(self) -> list[Path]:
        return []  # the list is checked for in check(); patients' folders check their own


def open_clinic(home: Path | None = None) -> ClinicStore:
    """The clinic folder's store. A folder given as a symbolic link is used through it."""
    return ClinicStore(through_link(home or clinic_home(), "the clinic folder"))


def context_key(home: Path, settings: Path, version: str) -> str:
    """What every summary is made with besides the patient's files: this backcare, the
    clinic's thresholds and its exercise library (their files' identities)."""
    files = [settings, *DataPaths(home).library_files()]
    return version + "".join(f"|{cache.file_key(f) or '-'}" for f in files)


def apply_trail(store: Store, states: TrailStates) -> int:
    """Give each record the audit trail touched its final value in a patient's copy
    (domain.trail): an edit replaces the record, a deletion removes it. One change, under
    the patient folder's lock; returns how many records changed."""
    from backcare.storage.journal import Change, RecordChange

    changed: list[RecordChange] = []

    def build(files: FileSet) -> Change | None:
        for (table, ident), (day, value) in states.items():
            found = [doc for t, doc in files.find_id(ident, day) if t == table]
            current = found[0] if found else None
            if current != value and (current is not None or value is not None):
                changed.append(RecordChange(table, current, value))
        if not changed:
            return None
        n = len(changed)
        return Change(
            "import",
            f"the patient's corrections ({n} record{'' if n == 1 else 's'})",
            tuple(changed),
        )

    store.save_change(build)
    return len(changed)
