"""Single keys from the terminal, on every platform: the guided session's input layer.

A guided session reacts to one key, without Enter: ``s`` skips, ``q`` stops, ``p`` pauses a
timer, and Enter moves on. Two implementations sit behind :class:`Keys`:

- POSIX (Linux, macOS): the terminal is put into non-canonical mode without echo (termios)
  while keys are awaited, and ``select`` waits for one with a time limit. Ctrl-C still
  interrupts, as the terminal's signals stay on.
- Windows: ``msvcrt.kbhit`` and ``msvcrt.getwch``, which read the console's keys directly.

The platform's modules are imported here, when a keyboard is made, and nowhere else, so that
backcare starts where they do not exist (issue 15). Questions answered with a whole line
(a pain score, a note) are read with the terminal's normal line editing, not here.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from typing import Any, Protocol, TextIO

ENTER = "\n"
POLL_S = 0.05  # how often the Windows console is checked for a key
READ_CHUNK = 64  # one key press, escape sequences included, arrives in one read
CTRL_C, CTRL_D = "\x03", "\x04"
# Windows sends two codes for function and arrow keys: this prefix, then the key's own code.
WINDOWS_PREFIXES = ("\x00", "\xe0")


class Keys(Protocol):
    """Where the guided session reads its keys."""

    def single_keys(self) -> contextlib.AbstractContextManager[None]:
        """While inside, keys arrive one at a time, unechoed, without waiting for Enter."""
        ...

    def read_key(self, timeout: float | None) -> str | None:
        """The next key (Enter as ``"\\n"``, letters in lower case) pressed within
        ``timeout`` seconds (None: wait as long as it takes), or None. A closed terminal or
        Ctrl-C raises KeyboardInterrupt: the session saves what was done and stops."""
        ...


def _key(char: str) -> str:
    if char in (CTRL_C, CTRL_D):  # Ctrl-D: the end of input, as a closed terminal
        raise KeyboardInterrupt
    if char in ("\r", "\n"):
        return ENTER
    return char.lower()


class PosixKeys:
    """termios and select, on the terminal's file descriptor."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    @contextlib.contextmanager
    def single_keys(self) -> Iterator[None]:
        import termios

        try:
            old = termios.tcgetattr(self.fd)
        except (termios.error, OSError):  # not a terminal: keys arrive as they are written
            yield
            return
        new = list(old)
        new[3] &= ~(termios.ICANON | termios.ECHO)  # no line editing, no echo; signals on
        cc = list(new[6])
        cc[termios.VMIN], cc[termios.VTIME] = 1, 0
        new[6] = cc
        termios.tcsetattr(self.fd, termios.TCSANOW, new)
        try:
            yield
        finally:
            termios.tcsetattr(self.fd, termios.TCSADRAIN, old)

    def read_key(self, timeout: float | None) -> str | None:
        import select

        wait = None if timeout is None else max(0.0, timeout)
        while True:
            ready, _, _ = select.select([self.fd], [], [], wait)
            if not ready:
                return None
            # What one press sends arrives together ("q" then Enter typed out of habit, or
            # an arrow key's escape sequence): the first character is the key.
            data = os.read(self.fd, READ_CHUNK)
            if not data:
                raise KeyboardInterrupt  # the terminal went away
            text = data.decode("utf-8", errors="replace")
            if text[0] != "\x1b":  # an escape sequence (arrow keys) is no answer
                return _key(text[0])


class WindowsKeys:
    """msvcrt's console functions."""

    def __init__(self, msvcrt: Any, clock: Any = time.monotonic) -> None:
        self.msvcrt = msvcrt
        self.clock = clock

    @contextlib.contextmanager
    def single_keys(self) -> Iterator[None]:
        yield  # getwch already reads single keys without echo

    def read_key(self, timeout: float | None) -> str | None:
        deadline = None if timeout is None else self.clock() + max(0.0, timeout)
        while True:
            if self.msvcrt.kbhit():
                char = self.msvcrt.getwch()
                if char in WINDOWS_PREFIXES:
                    self.msvcrt.getwch()  # the second half of a function or arrow key
                    continue
                return _key(char)
            if deadline is not None and self.clock() >= deadline:
                return None
            time.sleep(
                POLL_S if deadline is None else max(0.0, min(POLL_S, deadline - self.clock()))
            )


class LineKeys:
    """Where neither exists (a stream that is not a terminal): a whole line is one key."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    @contextlib.contextmanager
    def single_keys(self) -> Iterator[None]:
        yield

    def read_key(self, timeout: float | None) -> str | None:
        line = self.stream.readline()
        if line == "":
            raise KeyboardInterrupt
        return _key(line.strip()[:1] or ENTER)


def keyboard(stream: TextIO) -> Keys:
    """The keys of the terminal ``stream`` reads from, by what the platform offers."""
    try:
        import termios  # noqa: F401  (POSIX)
    except ImportError:
        try:
            import msvcrt
        except ImportError:
            return LineKeys(stream)
        return WindowsKeys(msvcrt)
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return LineKeys(stream)
    return PosixKeys(fd)
