"""The clock, and the dates people type: the only place backcare reads today's date.

The domain never reads the clock (STYLE.md §1): commands ask here for today and pass it on.
"""

from __future__ import annotations

import os
import time
from datetime import date, datetime, timedelta

from backcare.domain.checks import EARLIEST, LATEST, in_range, is_iso_day
from backcare.errors import UsageProblem

TODAY_ENV = "BACKCARE_TODAY"  # lets tests started as separate processes fix the clock


def today() -> date:
    """The local date: the default of every --date (CONTRACT.md)."""
    override = os.environ.get(TODAY_ENV)
    if override:
        return date.fromisoformat(override)
    return date.today()


def now() -> str:
    """This moment, local time with its offset (``2026-03-04T09:30:12+01:00``): when a
    correction was made. Its day is :func:`today`'s, so that a fixed clock fixes it too."""
    moment = datetime.now().astimezone()
    override = os.environ.get(TODAY_ENV)
    if override:
        day = date.fromisoformat(override)
        moment = moment.replace(year=day.year, month=day.month, day=day.day)
    return moment.isoformat(timespec="seconds")


def now_on(day: date) -> str:
    """This moment's time of day on ``day`` (a command's ``--date``), local time with its
    offset: when an export made for that day says it was made (issue 23)."""
    moment = datetime.now().astimezone()
    return moment.replace(year=day.year, month=day.month, day=day.day).isoformat(timespec="seconds")


def machine_today() -> date:
    """The machine's own date, whatever ``BACKCARE_TODAY`` says: backups are named, aged
    and pruned by it, so that a fixed day (a test's, a backfill's) never makes a real
    backup look old or new."""
    return date.today()


def epoch_seconds() -> float:
    """Seconds since the epoch, to compare with a file's modification time (a temp file
    left a day ago, an export still being written)."""
    return time.time()


def stamp() -> str:
    """This moment, local time, as ``YYYYmmddHHMMSS``: a kept copy's name."""
    return f"{datetime.now():%Y%m%d%H%M%S}"


def utc_offset() -> timedelta:
    """The local time's offset from UTC, now (an ICS export's times are local)."""
    return datetime.now().astimezone().utcoffset() or timedelta(0)


def parse_date(text: str | None, option: str = "--date") -> date:
    """A YYYY-MM-DD option value from 1900 to 2999, or a usage error naming the option."""
    if text is None:
        return today()
    value = text.strip()
    if not is_iso_day(value):
        raise UsageProblem(
            f"{option} {text!r} is not a real date; use YYYY-MM-DD, "
            f"for example {today().isoformat()}"
        )
    day = date.fromisoformat(value)
    if not in_range(day):
        raise UsageProblem(
            f"{option} {value} is outside the dates backcare keeps "
            f"({EARLIEST.isoformat()} to {LATEST.isoformat()})"
        )
    return day
