"""The guided session at a real terminal: rich panels, big countdowns, Enter to move on.

Input is read a line at a time (the terminal's normal mode), so it works the same in any
terminal, over ssh, and in a pseudo-terminal under test. Timers poll for Enter with
``select`` and read time from an injected clock.
"""

from __future__ import annotations

import contextlib
import math
import select
import sys
import time
from collections.abc import Iterator
from typing import Any, Protocol

from rich.console import Group
from rich.live import Live
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from backcare.domain.planner import PlanItem
from backcare.domain.progression import PainZone
from backcare.domain.text import check_note
from backcare.errors import BackcareError
from backcare.render.library import CATEGORY_STYLE
from backcare.render.ui import out

# A 5-line block font for the countdown digits, so the time left can be read from the floor.
BIG_DIGITS = {
    "0": ("█████", "█   █", "█   █", "█   █", "█████"),
    "1": ("  █  ", " ██  ", "  █  ", "  █  ", " ███ "),
    "2": ("█████", "    █", "█████", "█    ", "█████"),
    "3": ("█████", "    █", " ████", "    █", "█████"),
    "4": ("█   █", "█   █", "█████", "    █", "    █"),
    "5": ("█████", "█    ", "█████", "    █", "█████"),
    "6": ("█████", "█    ", "█████", "█   █", "█████"),
    "7": ("█████", "    █", "   █ ", "  █  ", "  █  "),
    "8": ("█████", "█   █", "█████", "█   █", "█████"),
    "9": ("█████", "█   █", "█████", "    █", "█████"),
    ":": ("     ", "  █  ", "     ", "  █  ", "     "),
}
ZONE_STYLE = {PainZone.GREEN: "green", PainZone.AMBER: "yellow", PainZone.RED: "bold red"}
ZONE_WORDS = {
    PainZone.GREEN: "green — that's fine, keep going as planned.",
    PainZone.AMBER: "amber — acceptable if it settles by tomorrow morning. "
                    "Next time its dose stays the same.",
    PainZone.RED: "red — stop this exercise for today. Next time it will be easier, "
                  "and it is flagged for your physiotherapist.",
}


def big_text(text: str) -> str:
    rows = ["  ".join(BIG_DIGITS[ch][r] for ch in text) for r in range(5)]
    return "\n".join(rows)


def clock_text(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds >= 60 else str(seconds)


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def wait_for_line(self, timeout: float) -> str | None:
        """A line typed within ``timeout`` seconds, or None."""
        ...


class RealClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def wait_for_line(self, timeout: float) -> str | None:
        try:
            ready, _, _ = select.select([sys.stdin], [], [], max(0.0, timeout))
        except (ValueError, OSError):  # stdin closed
            time.sleep(max(0.0, timeout))
            return None
        if not ready:
            return None
        line = sys.stdin.readline()
        if line == "":  # end of input: the terminal went away
            raise KeyboardInterrupt
        return line


@contextlib.contextmanager
def _no_echo() -> Iterator[None]:
    """Hide the Enter typed during a countdown: its echoed newline would push the live
    display down a line and leave its old frame on screen."""
    try:
        import termios

        fd = sys.stdin.fileno()
        old = termios.tcgetattr(fd)
    except (ImportError, OSError, ValueError):
        yield
        return
    new = list(old)
    new[3] &= ~termios.ECHO
    try:
        termios.tcsetattr(fd, termios.TCSADRAIN, new)
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)


class TerminalIO:
    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or RealClock()
        self.con = out()

    def _input(self, mark: str, prompt: str) -> str:
        """Print ``mark`` (markup) and ``prompt`` (plain text: it may hold brackets, such as
        "[y/N]" or an exercise name), then read one line."""
        self.con.print(f"{mark} {escape(prompt)}", end=" ", markup=True)
        self.con.file.flush()
        line = sys.stdin.readline()
        if line == "":
            raise KeyboardInterrupt  # stdin closed: treat as stopping
        return line.strip()

    def show_exercise(self, item: PlanItem, index: int, total: int) -> None:

        ex = item.exercise
        # Library and prescription text is the user's or physiotherapist's: never markup.
        lines = [f"[bold]{escape(ex.name)}[/]   {escape(item.dose.describe(ex.per_side))}", ""]
        lines += [f"{i}. {escape(step)}" for i, step in enumerate(ex.instructions, 1)]
        lines += [""] + [f"• {escape(cue)}" for cue in ex.cues]
        if item.note:
            lines += ["", f"[bold]Physiotherapist's note:[/] {escape(item.note)}"]
        lines += ["", f"[dim]Why today: {escape(item.reason)}[/]"]
        self.con.print()
        title = f"{index} of {total} · {escape(ex.category)}"
        self.con.print(Panel("\n".join(lines), title=title,
                             border_style=CATEGORY_STYLE.get(ex.category, ""),
                             expand=False))

    def ready(self, prompt: str) -> str:
        answer = self._input("[bold]›[/]", prompt).lower()
        return answer[:1] if answer[:1] in ("s", "q") else ""

    def countdown(self, label: str, seconds: int, big: bool = True) -> tuple[str, float]:

        use_big = big

        def view(left: int) -> Any:
            figure = Text(big_text(clock_text(left)), style="bold") if use_big else \
                Text(clock_text(left), style="bold")
            return Panel(Group(Text(label), figure,
                               Text("Enter: skip  ·  q then Enter: stop", style="dim")),
                         expand=False)

        start = self.clock.monotonic()
        shown = seconds
        # Frames are drawn here, only when the figure changes, and the display is blanked
        # before it closes: no stale frame is drawn after Enter (it would reach a screen
        # reader or a test as if the timer were still running), and little goes over ssh.
        with _no_echo(), Live(view(seconds), console=self.con, auto_refresh=False,
                              transient=True) as live:
            try:
                while True:
                    elapsed = self.clock.monotonic() - start
                    left = seconds - elapsed
                    if left <= 0:
                        break
                    if math.ceil(left) != shown:
                        shown = math.ceil(left)
                        live.update(view(shown), refresh=True)
                    line = self.clock.wait_for_line(min(0.25, left))
                    if line is not None:
                        key = line.strip().lower()[:1]
                        return (key if key in ("q", "s") else ""), \
                            self.clock.monotonic() - start
            finally:
                live.update(Text(""))
        if use_big:
            self.con.bell()
        return "", float(seconds)

    def ask_pain(self, prompt: str, allow_blank: bool = False) -> int | None:
        while True:
            answer = self._input("[bold]?[/]", prompt)
            if answer == "" and allow_blank:
                return None
            if answer.isdigit() and answer.isascii() and 0 <= int(answer) <= 10:
                return int(answer)
            self.con.print("[yellow]Please type a whole number from 0 to 10"
                           + (", or just Enter to skip" if allow_blank else "") + ".[/]")

    def ask_yes_no(self, prompt: str, default: bool) -> bool:
        hint = "Y/n" if default else "y/N"
        while True:
            answer = self._input("[bold]?[/]", f"{prompt} [{hint}]").lower()
            if answer == "":
                return default
            if answer in ("y", "yes"):
                return True
            if answer in ("n", "no"):
                return False
            self.con.print("[yellow]Please answer y or n.[/]")

    def ask_minutes(self, prompt: str, default: int, high: int) -> int:
        while True:
            answer = self._input("[bold]?[/]", f"{prompt} [{default}]")
            if answer == "":
                return default
            if answer.isdigit() and answer.isascii() and 0 <= int(answer) <= high:
                return int(answer)
            self.con.print(f"[yellow]Please type a whole number from 0 to {high}.[/]")

    def ask_text(self, prompt: str) -> str | None:

        while True:
            answer = self._input("[bold]?[/]", prompt)
            try:
                return check_note(answer or None, "the note")
            except BackcareError as exc:
                self.con.print(f"[yellow]{exc.message}[/]")

    def message(self, text: str, style: str = "") -> None:
        self.con.print(f"[{style}]{escape(text)}[/]" if style else escape(text))

    def pain_feedback(self, pain: int, z: PainZone, name: str) -> None:
        self.con.print(f"[{ZONE_STYLE[z]}]{escape(name)}: {pain}/10 is {ZONE_WORDS[z]}[/]")
