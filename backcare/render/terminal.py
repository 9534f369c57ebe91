"""The guided session at a real terminal: rich panels, big countdowns, single keys.

Where the session waits for a key (to start an exercise, after a repetition, during a
countdown), one key acts at once, without Enter: ``s`` skips, ``q`` stops, ``p`` pauses a
timer, Enter moves on (:mod:`backcare.render.keys`, on POSIX and Windows alike). Questions
(a pain score, a note) are read a whole line at a time, with the terminal's own editing.
Timers read time from an injected clock.
"""

from __future__ import annotations

import math
import sys
import time
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
from backcare.render.keys import ENTER, Keys, keyboard
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


class RealClock:
    def monotonic(self) -> float:
        return time.monotonic()


STOP_KEYS = ("q", "s")  # stop the session, skip the rest of the exercise
PAUSE_KEY = "p"
TICK_S = 0.25  # a countdown redraws at most this often
COUNTDOWN_KEYS = "Enter: skip  ·  p: pause  ·  q: stop"
PAUSED_KEYS = "Paused  ·  p or Enter: go on  ·  q: stop"


class TerminalIO:
    def __init__(
        self, clock: Clock | None = None, keys: Keys | None = None, pictures: bool = True
    ) -> None:
        self.clock = clock or RealClock()
        self.keys = keys or keyboard(sys.stdin)
        self.con = out()
        self.pictures = pictures  # each exercise's positions before it (issue 26)

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
        # The exercise's cautions, before it starts (issue 11), then its practical tips.
        lines += ["", "[bold yellow]Take care[/]"] + [f"! {escape(c)}" for c in ex.cautions]
        lines += [f"• {escape(tip)}" for tip in ex.tips]
        lines += ["", f"[dim]Why today: {escape(item.reason)}[/]"]
        self.con.print()
        if self.pictures:  # at 60 columns or more (render.figure.MIN_WIDTH)
            from backcare.render.figure import print_figure

            print_figure(ex)
        title = f"{index} of {total} · {escape(ex.category)}"
        self.con.print(
            Panel(
                "\n".join(lines),
                title=title,
                border_style=CATEGORY_STYLE.get(ex.category, ""),
                expand=False,
            )
        )

    def ready(self, prompt: str) -> str:
        """Wait for Enter (''), s or q: one key, no Enter needed after a letter."""
        self.con.print(f"[bold]›[/] {escape(prompt)}", end=" ", markup=True)
        self.con.file.flush()
        with self.keys.single_keys():
            while True:
                key = self.keys.read_key(None)
                if key == ENTER or key in STOP_KEYS:
                    break
        self.con.print(key if key in STOP_KEYS else "")  # the line the key ends
        return "" if key == ENTER else str(key)

    def countdown(self, label: str, seconds: int, big: bool = True) -> tuple[str, float]:
        """Count down ``seconds``. Enter ends it early, s or q end it with that key, p pauses
        it until p or Enter. Returns the key ('' for none or Enter) and the seconds counted,
        pauses left out."""

        def view(left: int, paused: bool = False) -> Any:
            figure = (
                Text(big_text(clock_text(left)), style="bold")
                if big
                else Text(clock_text(left), style="bold")
            )
            return Panel(
                Group(
                    Text(label),
                    figure,
                    Text(PAUSED_KEYS if paused else COUNTDOWN_KEYS, style="dim"),
                ),
                expand=False,
            )

        start = self.clock.monotonic()
        paused_at: float | None = None
        paused_for = 0.0
        shown = seconds

        def counted() -> float:
            now = paused_at if paused_at is not None else self.clock.monotonic()
            return now - start - paused_for

        # Frames are drawn here, only when the figure changes, and the display is blanked
        # before it closes: no stale frame is drawn after Enter (it would reach a screen
        # reader or a test as if the timer were still running), and little goes over ssh.
        with (
            self.keys.single_keys(),
            Live(view(seconds), console=self.con, auto_refresh=False, transient=True) as live,
        ):
            try:
                while True:
                    if paused_at is None:
                        left = seconds - counted()
                        if left <= 0:
                            break
                        if math.ceil(left) != shown:
                            shown = math.ceil(left)
                            live.update(view(shown), refresh=True)
                    key = self.keys.read_key(None if paused_at is not None else min(TICK_S, left))
                    if key is None:
                        continue
                    if key in STOP_KEYS:
                        return key, counted()
                    if paused_at is not None:
                        if key in (PAUSE_KEY, ENTER):
                            paused_for += self.clock.monotonic() - paused_at
                            paused_at = None
                            live.update(view(shown), refresh=True)
                    elif key == PAUSE_KEY:
                        paused_at = self.clock.monotonic()
                        live.update(view(shown, paused=True), refresh=True)
                    elif key == ENTER:
                        return "", counted()
            finally:
                live.update(Text(""))
        if big:
            self.con.bell()
        return "", float(seconds)

    def ask_pain(self, prompt: str, allow_blank: bool = False) -> int | None:
        while True:
            answer = self._input("[bold]?[/]", prompt)
            if answer == "" and allow_blank:
                return None
            if answer.isdigit() and answer.isascii() and 0 <= int(answer) <= 10:
                return int(answer)
            self.con.print(
                "[yellow]Please type a whole number from 0 to 10"
                + (", or just Enter to skip" if allow_blank else "")
                + ".[/]"
            )

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
