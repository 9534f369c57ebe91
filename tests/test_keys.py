"""The guided session's input layer (render/keys.py) and the screens that read single keys
(render/terminal.py): one key acts without Enter, Enter skips a timer, p pauses it.

The POSIX keyboard is tested on a real pseudo-terminal; the Windows one with a stand-in for
``msvcrt``'s console functions. Timers run on a fake clock: nothing here waits or is timed.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator

import pytest

from backcare.render.keys import ENTER, LineKeys, PosixKeys, WindowsKeys, keyboard

termios = pytest.importorskip("termios")


@pytest.fixture
def pty_pair() -> Iterator[tuple[int, int]]:
    """(terminal, keyboard): the terminal side backcare reads, the side a person types on."""
    import pty

    keyboard_fd, terminal_fd = pty.openpty()
    yield terminal_fd, keyboard_fd
    os.close(terminal_fd)
    os.close(keyboard_fd)


def test_posix_single_keys_turns_off_line_editing_and_echo_then_restores(
    pty_pair: tuple[int, int],
) -> None:
    terminal, _ = pty_pair
    before = termios.tcgetattr(terminal)
    assert before[3] & termios.ICANON and before[3] & termios.ECHO
    with PosixKeys(terminal).single_keys():
        inside = termios.tcgetattr(terminal)
        assert not inside[3] & termios.ICANON and not inside[3] & termios.ECHO
        assert inside[3] & termios.ISIG  # Ctrl-C still interrupts
    assert termios.tcgetattr(terminal) == before


def test_posix_a_letter_arrives_without_enter(pty_pair: tuple[int, int]) -> None:
    terminal, typist = pty_pair
    keys = PosixKeys(terminal)
    with keys.single_keys():
        os.write(typist, b"s")
        assert keys.read_key(5) == "s"
        os.write(typist, b"Q")
        assert keys.read_key(5) == "q"
        os.write(typist, b"\r")
        assert keys.read_key(5) == ENTER
        assert keys.read_key(0) is None  # nothing typed: the wait ends with no key


def test_posix_a_letter_typed_with_enter_is_one_key(pty_pair: tuple[int, int]) -> None:
    """A habit from line input: "q" then Enter, sent together, stops once; the Enter does
    not also skip the next screen."""
    terminal, typist = pty_pair
    keys = PosixKeys(terminal)
    with keys.single_keys():
        os.write(typist, b"q\n")
        assert keys.read_key(5) == "q"
        assert keys.read_key(0) is None


def test_posix_arrow_keys_are_no_answer(pty_pair: tuple[int, int]) -> None:
    terminal, typist = pty_pair
    keys = PosixKeys(terminal)
    with keys.single_keys():
        os.write(typist, b"\x1b[A")  # up arrow
        assert keys.read_key(0.1) is None
        os.write(typist, b"p")
        assert keys.read_key(5) == "p"


def test_posix_ctrl_d_and_a_closed_terminal_stop_the_session() -> None:
    read_fd, write_fd = os.pipe()
    keys = PosixKeys(read_fd)
    os.write(write_fd, b"\x04")
    with pytest.raises(KeyboardInterrupt):
        keys.read_key(5)
    os.close(write_fd)
    with pytest.raises(KeyboardInterrupt):
        keys.read_key(5)  # end of input: the terminal went away
    os.close(read_fd)


class ConsoleKeys:
    """msvcrt's console functions, typing ``typed`` one key at a time."""

    def __init__(self, typed: str) -> None:
        self.typed = list(typed)

    def kbhit(self) -> bool:
        return bool(self.typed)

    def getwch(self) -> str:
        return self.typed.pop(0)


def test_windows_keys_read_the_console() -> None:
    keys = WindowsKeys(ConsoleKeys("S\r\xe0Kq"))
    with keys.single_keys():
        assert keys.read_key(5) == "s"
        assert keys.read_key(5) == ENTER
        assert keys.read_key(5) == "q"  # the arrow key's two codes were passed over


def test_windows_keys_time_out_and_ctrl_c_interrupts() -> None:
    now = [0.0]
    keys = WindowsKeys(ConsoleKeys(""), clock=lambda: now[0])
    assert keys.read_key(0) is None
    with pytest.raises(KeyboardInterrupt):
        WindowsKeys(ConsoleKeys("\x03")).read_key(None)


def test_line_keys_read_a_line_as_a_key() -> None:
    keys = LineKeys(io.StringIO("s\n\nquit\n"))
    assert [keys.read_key(None) for _ in range(3)] == ["s", ENTER, "q"]
    with pytest.raises(KeyboardInterrupt):
        keys.read_key(None)


def test_the_keyboard_follows_what_the_platform_offers(
    pty_pair: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal, _ = pty_pair
    with os.fdopen(os.dup(terminal), "r") as stream:
        assert isinstance(keyboard(stream), PosixKeys)
    assert isinstance(keyboard(io.StringIO()), LineKeys)  # no file descriptor
    monkeypatch.setitem(sys.modules, "termios", None)  # as on Windows: import fails
    monkeypatch.setitem(sys.modules, "msvcrt", ConsoleKeys(""))
    assert isinstance(keyboard(io.StringIO()), WindowsKeys)


# --- the screens that read keys ---------------------------------------------------------------


class ScriptedKeys:
    """Keys pressed after a given number of seconds on a fake clock: the session's clock
    and its keyboard at once."""

    def __init__(self, presses: list[tuple[float, str | None]]) -> None:
        self.presses = presses
        self.now = 0.0
        self.waits: list[float | None] = []

    def monotonic(self) -> float:
        return self.now

    def single_keys(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def read_key(self, timeout: float | None) -> str | None:
        self.waits.append(timeout)
        after, key = self.presses.pop(0)
        if timeout is not None and after > timeout:  # not pressed within the wait
            self.presses.insert(0, (after - timeout, key))
            self.now += timeout
            return None
        self.now += after
        return key


@pytest.fixture
def io_with(capsys: pytest.CaptureFixture[str]) -> Iterator[type]:
    from backcare.render.terminal import TerminalIO

    yield TerminalIO


def test_ready_takes_one_key_and_ignores_the_others(io_with: type) -> None:
    keys = ScriptedKeys([(0, "x"), (0, "p"), (0, "s")])
    assert io_with(keys, keys).ready("Press Enter to start") == "s"
    keys = ScriptedKeys([(0, ENTER)])
    assert io_with(keys, keys).ready("Press Enter to start") == ""
    keys = ScriptedKeys([(0, "q")])
    assert io_with(keys, keys).ready("Press Enter to start") == "q"
    assert keys.waits == [None]  # a prompt waits for as long as it takes


def test_a_countdown_runs_out_by_itself(io_with: type) -> None:
    keys = ScriptedKeys([(100.0, None)])
    assert io_with(keys, keys).countdown("Hold", 5) == ("", 5.0)


def test_enter_ends_a_countdown_early_and_says_how_long_it_ran(io_with: type) -> None:
    keys = ScriptedKeys([(2.0, ENTER)])
    assert io_with(keys, keys).countdown("Hold", 5) == ("", 2.0)


def test_q_and_s_end_a_countdown_with_their_key(io_with: type) -> None:
    for key in ("q", "s"):
        keys = ScriptedKeys([(1.5, key)])
        assert io_with(keys, keys).countdown("Hold", 5) == (key, 1.5)


def test_p_pauses_a_countdown_and_the_pause_is_not_counted(
    io_with: type, capsys: pytest.CaptureFixture[str]
) -> None:
    """3 s counted, then a 100 s pause, then 2 s more and Enter: 5 s were done."""
    keys = ScriptedKeys([(3.0, "p"), (100.0, "p"), (2.0, ENTER)])
    assert io_with(keys, keys).countdown("Walking", 600) == ("", 5.0)
    assert None in keys.waits  # while paused, it waits for a key, not for the clock


def test_enter_also_ends_a_pause_and_a_paused_timer_never_runs_out(io_with: type) -> None:
    keys = ScriptedKeys([(1.0, "p"), (3600.0, ENTER), (10.0, None)])
    assert io_with(keys, keys).countdown("Hold", 5) == ("", 5.0)


def test_q_during_a_pause_stops_with_the_time_before_the_pause(io_with: type) -> None:
    keys = ScriptedKeys([(4.0, "p"), (50.0, "q")])
    assert io_with(keys, keys).countdown("Hold", 20) == ("q", 4.0)


def test_other_keys_do_not_end_a_countdown(io_with: type) -> None:
    keys = ScriptedKeys([(1.0, "x"), (1.0, "7"), (10.0, None)])
    assert io_with(keys, keys).countdown("Hold", 5) == ("", 5.0)
