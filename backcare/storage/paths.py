"""Where backcare keeps its files (CONTRACT.md, "Where data lives").

Every path inside the data folder is named here, and only here: the other layers ask the
:class:`DataPaths` of a store for a path, never spell one out.

::

    $BACKCARE_HOME/                 0700
      backcare.json                 profile, programme (and the history of
                                    prescriptions), goals                     0600
      log/2026-11.json              that month's sessions, pain check-ins,
                                    assessments and visits                    0600
      corrections.json              the audit trail: every correction of a record,
                                    with when, what and the old value         0600
      undo/00000012.json            one change that `undo` can reverse, the last 20
                                    (``.pending``: being written; ``.undoing``: being
                                    undone; the next writer settles either)
      backups/2026-11-27/...        the previous good copy of each file changed that day
      cache/                        copies that only save time, each entry checksummed: the
                                    validated library, the history in compact form, the
                                    check-ins that reported a symptom (and the checksum key)
      settings.yaml                 a physiotherapist's thresholds (optional)
      exercises.yaml                the patient's or physiotherapist's own exercises (optional)
      questionnaires/<id>.yaml      a clinic's licensed questionnaire wording (optional)
      .lock                         serialises writers across processes
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

HOME_ENV = "BACKCARE_HOME"
LIBRARY_ENV = "BACKCARE_LIBRARY"

MAIN_FILE = "backcare.json"
LOG_DIR = "log"
BACKUP_DIR = "backups"
CACHE_DIR = "cache"
LOCK_FILE = ".lock"
SETTINGS_FILE = "settings.yaml"
USER_LIBRARY_FILE = "exercises.yaml"
QUESTIONNAIRE_DIR = "questionnaires"
LIBRARY_CACHE_FILE = "library.cache"
HISTORY_CACHE_FILE = "history.cache"
SYMPTOMS_CACHE_FILE = "symptoms.cache"
NOTICES_CACHE_FILE = "notices.cache"
UNDO_CACHE_FILE = "undo.cache"
CORRECTIONS_FILE = "corrections.json"
UNDO_DIR = "undo"
OUTBOX_DIR = "outbox"


def data_home() -> Path:
    """The data folder: ``$BACKCARE_HOME`` if set, else platformdirs' user data dir."""
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("backcare"))


def bundled_library() -> Path:
    """The exercise library shipped with the package (``data/exercises.yaml``).

    Installed, it sits in the package as ``backcare/data``; in a source checkout it is the
    top-level ``data/`` beside the package. Plain paths, not importlib.resources, which
    costs every command several milliseconds of imports (issue 7)."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "data" / "exercises.yaml"
    if installed.is_file():
        return installed
    return package.parent / "data" / "exercises.yaml"


@functools.lru_cache(maxsize=8192)  # a century of months, and more
def _month_file(home: Path, month: str) -> Path:
    return home / LOG_DIR / f"{month}.json"


def month_of(path: Path) -> str:
    """``2026-03`` of ``log/2026-03.json``."""
    return path.name[:7]


def is_month(text: str) -> bool:
    """Whether ``text`` is a month as the log names it: ``YYYY-MM``, its month 01 to 12."""
    return (
        len(text) == 7
        and text[4] == "-"
        and text[:4].isdigit()
        and text[5:].isdigit()
        and 1 <= int(text[5:]) <= 12
    )


@dataclass(frozen=True)
class DataPaths:
    """The names of everything inside one data folder."""

    home: Path

    @property
    def main(self) -> Path:
        return self.home / MAIN_FILE

    @property
    def log_dir(self) -> Path:
        return self.home / LOG_DIR

    def month(self, day: date) -> Path:
        return self.log_dir / f"{day.year:04d}-{day.month:02d}.json"

    def month_named(self, month: str) -> Path:
        """The log file of a month given as YYYY-MM: one Path object per month, made once
        (an import of ten years asks for them tens of thousands of times, issue 25)."""
        return _month_file(self.home, month)

    @property
    def corrections(self) -> Path:
        """The audit trail of corrections (issue 14)."""
        return self.home / CORRECTIONS_FILE

    @property
    def undo_dir(self) -> Path:
        return self.home / UNDO_DIR

    @property
    def outbox(self) -> Path:
        """Where an export notes its temp file while it writes (issue 24): doctor finds a
        copy of the data a killed export left outside the data folder."""
        return self.home / OUTBOX_DIR

    def undo_entry(self, seq: int, state: str = "") -> Path:
        """One change in the undo history: ``state`` is "" (done), "pending" (being
        written) or "undoing" (being undone)."""
        suffix = f".{state}" if state else ""
        return self.undo_dir / f"{seq:08d}{suffix}.json"

    @property
    def backups(self) -> Path:
        return self.home / BACKUP_DIR

    @property
    def cache(self) -> Path:
        return self.home / CACHE_DIR

    @property
    def library_cache(self) -> Path:
        return self.cache / LIBRARY_CACHE_FILE

    @property
    def history_cache(self) -> Path:
        return self.cache / HISTORY_CACHE_FILE

    @property
    def symptoms_cache(self) -> Path:
        """Each month's check-ins that reported a symptom: the red-flag stop reads the
        whole log without reading every month file (issue 17)."""
        return self.cache / SYMPTOMS_CACHE_FILE

    @property
    def notices_cache(self) -> Path:
        """Which notices were said today (the short disclaimer is said once a day)."""
        return self.cache / NOTICES_CACHE_FILE

    @property
    def undo_cache(self) -> Path:
        """The undo history files doctor has checked, each by its file's identity: an
        import's entry names every record it added, and is checked once (issue 25)."""
        return self.cache / UNDO_CACHE_FILE

    @property
    def lock(self) -> Path:
        return self.home / LOCK_FILE

    @property
    def settings(self) -> Path:
        return self.home / SETTINGS_FILE

    @property
    def user_library(self) -> Path:
        return self.home / USER_LIBRARY_FILE

    def questionnaire_wording(self, instrument: str) -> Path:
        return self.home / QUESTIONNAIRE_DIR / f"{instrument}.yaml"

    def library_files(self) -> list[Path]:
        """The library files to load, in merge order: the base first ($BACKCARE_LIBRARY,
        else the bundled file), the user's own over it."""
        override = os.environ.get(LIBRARY_ENV)
        base = Path(override).expanduser() if override else bundled_library()
        files = [base]
        if self.user_library.exists():
            files.append(self.user_library)
        return files
