"""Where backcare keeps its files (CONTRACT.md, "Where data lives")."""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "BACKCARE_HOME"
LIBRARY_ENV = "BACKCARE_LIBRARY"


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


def library_files(home: Path) -> list[Path]:
    """The library files to load, in merge order: the base first, the user's own over it."""
    override = os.environ.get(LIBRARY_ENV)
    base = Path(override).expanduser() if override else bundled_library()
    files = [base]
    user = home / "exercises.yaml"
    if user.exists():
        files.append(user)
    return files
