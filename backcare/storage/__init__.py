"""The one door to the data folder: files, locks, backups and caches.

Only this package touches the data folder (STYLE.md §3). Its files are tinydb databases,
written through the journal; nothing else in backcare imports tinydb.
"""

from backcare.storage.files import (
    DIR_MODE,
    FILE_MODE,
    MIGRATIONS,
    SCHEMA_VERSION,
    DataFileError,
    Migration,
    atomic_write_bytes,
    atomic_write_text,
    load_tables,
    read_json_file,
)
from backcare.storage.ids import new_id
from backcare.storage.paths import DataPaths, bundled_library, data_home
from backcare.storage.store import BACKUPS_KEPT, DoctorFinding, Store, open_store

__all__ = [
    "BACKUPS_KEPT",
    "DIR_MODE",
    "FILE_MODE",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "DataFileError",
    "DataPaths",
    "DoctorFinding",
    "Migration",
    "Store",
    "atomic_write_bytes",
    "atomic_write_text",
    "bundled_library",
    "data_home",
    "load_tables",
    "new_id",
    "open_store",
    "read_json_file",
]
