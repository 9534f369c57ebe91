"""Long output at a terminal goes through a pager, as ``git`` and ``gh`` do (issue 27).

The pager is ``$BACKCARE_PAGER``, else ``$PAGER``, else ``less``; an empty value or ``cat``
means none. Output that is piped or redirected is never paged, nor output that fits on
the screen, nor any ``--json`` document. ``--no-pager`` turns it off for one command.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from backcare.render.ui import out

PAGER_ENV = "BACKCARE_PAGER"
DEFAULT_PAGER = "less"
# less: quit at once if it fits on one screen, keep colours, leave the text on the screen
# (git's own defaults).
LESS_DEFAULTS = "FRX"


def pager_command() -> list[str] | None:
    """The pager to run, as its words; None for none."""
    import shlex

    for name in (PAGER_ENV, "PAGER"):
        value = os.environ.get(name)
        if value is not None:
            break
    else:
        value = DEFAULT_PAGER
    words = shlex.split(value) if value.strip() else []
    if not words or words == ["cat"]:
        return None
    return words


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


@contextmanager
def paged(enabled: bool = True) -> Iterator[None]:
    """What is printed to :func:`out` inside the block, through the pager when stdout is a
    terminal and the text is longer than its screen."""
    command = pager_command() if enabled and stdout_is_terminal() else None
    if command is None:
        yield
        return
    con = out()
    with con.capture() as capture:
        yield
    text = capture.get()
    if text.count("\n") < con.height or not _run(command, text):
        sys.stdout.write(text)
        sys.stdout.flush()


def _run(command: list[str], text: str) -> bool:
    """Show ``text`` in the pager; False when it could not be started."""
    import subprocess  # only when a pager runs: startup is part of the experience

    env = dict(os.environ)
    env.setdefault("LESS", LESS_DEFAULTS)
    try:
        subprocess.run(command, input=text.encode("utf-8", "replace"), env=env, check=False)
    except OSError:  # not installed: the text is printed as it is
        return False
    return True
