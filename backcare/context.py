"""One invocation's world: the context object a command runs in (issue 27).

backcare keeps no state in its modules. Each invocation (a command typed at the terminal, a
test's CliRunner call) runs in one :class:`Environment`, as httpie's commands run in its
``Environment``. The root callback makes it (or takes the one ``main`` was given) and passes
it down in typer's ``ctx.obj``; it holds:

- the output streams the invocation started with, and whether ``--debug`` was given;
- what the invocation makes once and uses again: the data folder's store, the exercise
  library, the settings, the two rich consoles (each made at its first use by the module
  that owns it, :meth:`Environment.once`).

It ends with the invocation: the next one starts from a new Environment, so there is nothing
to reset between tests. The modules below the commands reach the invocation's Environment
through :func:`current`, bound by the root callback for the invocation's lifetime (the way
click binds its current context) and unbound when it ends.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TextIO, TypeVar, cast

T = TypeVar("T")

# A command lives for well under a second and builds tens of thousands of small records with
# no reference cycles among them; the default collector (every 700 allocations) walks them
# again and again while a long history loads: 3-8% of `progress`, `plan` and `pain` at ten
# years (benchmarks, issue 27). Raised while an invocation runs, and put back when it ends.
GC_THRESHOLD = 100_000  # allocations between young-generation collections (default 700)

_ACTIVE: ContextVar[Environment | None] = ContextVar("backcare_environment", default=None)


class Environment:
    """The streams, the flags and what is made once, for one invocation."""

    def __init__(
        self, *, stdout: TextIO | None = None, stderr: TextIO | None = None, debug: bool = False
    ) -> None:
        self.stdout = stdout if stdout is not None else sys.stdout
        self.stderr = stderr if stderr is not None else sys.stderr
        self.debug = debug  # tracebacks of unexpected errors are shown (--debug)
        self._made: dict[Callable[[Environment], Any], Any] = {}

    def once(self, make: Callable[[Environment], T]) -> T:
        """What ``make`` makes for this invocation, made at its first use (a failure is
        not kept: the next use tries again, and says the same thing)."""
        if make not in self._made:
            self._made[make] = make(self)
        return cast(T, self._made[make])

    @contextmanager
    def active(self) -> Iterator[Environment]:
        """This Environment as :func:`current`, while the invocation runs."""
        token = _ACTIVE.set(self)
        collector = gc.get_threshold()
        gc.set_threshold(max(GC_THRESHOLD, collector[0]), *collector[1:])
        try:
            yield self
        finally:
            gc.set_threshold(*collector)
            _ACTIVE.reset(token)


def current() -> Environment:
    """The running invocation's Environment. Outside any invocation (code called directly,
    from a test or another program), a new one for the process's streams each time: nothing
    made then is kept."""
    active = _ACTIVE.get()
    return active if active is not None else Environment()
