"""What every command shares: options, the data folder, the library and the settings."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from backcare.domain.clinical import Thresholds
    from backcare.domain.library import Library
    from backcare.storage import Store

DateOpt = Annotated[Optional[str], typer.Option(  # noqa: UP045 (typer needs Optional)
    "--date", metavar="YYYY-MM-DD", help="The day this is for (default: today).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead.")]


def day(text: str | None, option: str = "--date") -> date:
    from backcare.clock import parse_date

    return parse_date(text, option)


def not_future(d: date, option: str = "--date") -> date:
    """Records are of what happened: a future date is refused (issue 4)."""
    from backcare.clock import today
    from backcare.errors import BackcareError

    if d > today():
        raise BackcareError(f"{option} {d.isoformat()} is in the future; you can only "
                            f"record days up to today ({today().isoformat()})")
    return d


@lru_cache(maxsize=1)
def store() -> Store:
    """The data folder's store. Widened permissions are warned about at every start."""
    from backcare.render.ui import warn
    from backcare.storage import Store
    from backcare.storage.paths import data_home

    s = Store(data_home())
    for problem in s.permission_problems():
        warn(f"{problem}. Your health data should be private: run 'backcare doctor' to fix.")
    return s


@lru_cache(maxsize=1)
def library() -> Library:
    from backcare.loading.library import load_library

    return load_library(store().home)


@lru_cache(maxsize=1)
def thresholds() -> Thresholds:
    from backcare.loading.settings import load_thresholds

    return load_thresholds(store().paths.settings)


def reset() -> None:
    """Forget cached state between CLI invocations in one process (tests)."""
    store.cache_clear()
    library.cache_clear()
    thresholds.cache_clear()
    from backcare.render.ui import reset_consoles

    reset_consoles()
