"""The rendering layer's shared pieces: consoles, JSON output, dates given on the command line.

Patients read stdout; messages go to stderr; ``--json`` prints exactly one document on stdout.
rich honours ``NO_COLOR`` by itself, and drops colour when output is piped.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

_OUT: Console | None = None
_ERR: Console | None = None


def out() -> Console:
    global _OUT
    if _OUT is None:
        from rich.console import Console

        _OUT = Console(highlight=False)
    return _OUT


def err() -> Console:
    global _ERR
    if _ERR is None:
        from rich.console import Console

        _ERR = Console(stderr=True, highlight=False)
    return _ERR


def reset_consoles() -> None:
    """Forget the consoles (tests swap stdout between runs)."""
    global _OUT, _ERR
    _OUT = _ERR = None


def emit_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False, default=_default) + "\n")


def _default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def say(message: str, style: str = "") -> None:
    """A message for the person at the terminal (stderr, so stdout stays clean)."""
    err().print(message, style=style or None, soft_wrap=False)


def warn(message: str) -> None:
    say(f"[bold yellow]![/] {message}")


def today() -> date:
    """The local date: the default of every --date (CONTRACT.md)."""
    override = os.environ.get("BACKCARE_TODAY")  # lets pty tests fix the clock
    if override:
        return date.fromisoformat(override)
    return date.today()


def parse_date(text: str | None, option: str = "--date") -> date:
    """A YYYY-MM-DD option value, or a usage error naming the option."""
    from backcare.errors import UsageProblem

    if text is None:
        return today()
    try:
        value = date.fromisoformat(text.strip())
        if len(text.strip()) != 10:
            raise ValueError
        return value
    except ValueError:
        raise UsageProblem(f"{option} {text!r} is not a real date; use YYYY-MM-DD, "
                           f"for example {today().isoformat()}") from None


def is_interactive() -> bool:
    return sys.stdin.isatty() and not os.environ.get("CI_NONINTERACTIVE")
