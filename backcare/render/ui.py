"""The rendering layer's shared pieces: consoles, JSON output, dates given on the command line.

Patients read stdout; messages go to stderr; ``--json`` prints exactly one document on stdout.
rich honours ``NO_COLOR`` by itself, and drops colour when output is piped.
"""

from __future__ import annotations

import json
import os
import re
import sys
from datetime import date
from typing import TYPE_CHECKING, Any, TextIO

from backcare.context import Environment, current

if TYPE_CHECKING:
    from rich.console import Console


def out() -> Console:
    """The invocation's console on stdout: one for the whole invocation, so that a pager
    (render.pager) or a countdown sees everything printed to it."""
    return current().once(_stdout_console)


def err() -> Console:
    """The invocation's console on stderr (questions and their answers)."""
    return current().once(_stderr_console)


def _stdout_console(env: Environment) -> Console:
    return _console(env.stdout)


def _stderr_console(env: Environment) -> Console:
    return _console(env.stderr)


def _console(stream: TextIO) -> Console:
    from rich.console import Console

    console = Console(file=stream, highlight=False)
    console.push_render_hook(_printable_hook())
    return console


# --- printable text: the one door from a file's text to the terminal (issue 24) -------------
#
# Text from files (prescriptions, libraries, imports, clinic files) and arguments echoed in
# a message may hold escape sequences: ESC ] 0 ; … BEL sets the window's title, ESC [ 2 J
# clears the screen, a C1 CSI (U+009B) does the same on some terminals, and bidi controls
# reorder what is shown. Every door to the terminal passes text through printable(): say()
# and warn(), the error lines (cli.py), and both rich consoles (a render hook, which sees the
# text before rich adds its own colour codes). JSON escapes the C0 controls itself;
# emit_json escapes the C1 ones too.

_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_SHOWN = {
    **{c: 0x2400 + c for c in range(0x20) if chr(c) not in "\n\t"},
    0x7F: 0x2421,
    **{c: 0xFFFD for c in range(0x80, 0xA0)},
    **{ord(c): 0xFFFD for c in _BIDI},
}


def printable(text: str) -> str:
    """``text`` with every control character shown as a symbol (ESC as ␛, BEL as ␇, a C1
    control or a bidi control as �) instead of acting on the terminal; line breaks and
    tabs stay."""
    if text.isprintable():
        return text
    return text.translate(_SHOWN)


def _printable_hook() -> Any:
    from rich.console import RenderHook
    from rich.segment import Segment

    class Printable:
        """A renderable's text made printable; rich's own control segments untouched."""

        def __init__(self, inner: Any) -> None:
            self.inner = inner

        def __rich_console__(self, console: Any, options: Any) -> Any:
            for seg in console.render(self.inner, options):
                yield seg if seg.control else Segment(printable(seg.text), seg.style)

    class Hook(RenderHook):
        def process_renderables(self, renderables: list[Any]) -> list[Any]:
            return [Printable(r) for r in renderables]

    return Hook()


def emit_json(doc: Any) -> None:
    """One JSON document on stdout: indented for a person at a terminal, compact for a
    program (json's indenting encoder is pure Python, several times slower on ten years).
    Documents are trees made by ``to_dict()``: no cycle to look for (a report of ten years
    is 2 MB of JSON)."""
    pretty = sys.stdout.isatty()
    text = json.dumps(
        doc,
        ensure_ascii=not _unicode_out(),
        default=_default,
        indent=2 if pretty else None,
        separators=None if pretty else (",", ":"),
        check_circular=False,
    )
    if not text.isprintable():  # a C1 or bidi control, inside a string: escaped as JSON
        text = text.translate(_JSON_ESCAPED)
    sys.stdout.write(text + "\n")


_JSON_ESCAPED = {c: f"\\u{c:04x}" for c in [*range(0x7F, 0xA0), *map(ord, _BIDI)]}


def _unicode_out() -> bool:
    """Whether stdout takes any character; if not (PYTHONIOENCODING=ascii), JSON escapes
    them, which any JSON reader turns back into the same text."""
    encoding = str(getattr(sys.stdout, "encoding", None) or "utf-8")
    return encoding.lower().replace("-", "").startswith("utf")


def _default(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


# The few styles messages use, as ANSI codes. Messages are written without rich, so the
# quick commands (log, pain) do not pay for importing it (issue 7).
_ANSI = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "cyan": "36",
    "magenta": "35",
}
_STYLE_WORD = "(?:bold|dim|red|green|yellow|cyan|magenta)"
_TAG = re.compile(rf"(?<!\\)\[(/?)({_STYLE_WORD}(?: {_STYLE_WORD})*)?\]")


def colour_ok(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def plain(message: str, colour: bool = False) -> str:
    """Our own light markup (``[bold red]…[/]``) as ANSI colour, or removed. Anything else
    in brackets, such as a patient's own words, is left exactly as it is."""

    def sub(m: re.Match[str]) -> str:
        if not m.group(1) and not m.group(2):
            return m.group(0)  # "[]" is not ours
        if not colour:
            return ""
        if m.group(1) or not m.group(2):
            return "\x1b[0m"
        return "\x1b[" + ";".join(_ANSI[w] for w in m.group(2).split()) + "m"

    return _TAG.sub(sub, message).replace("\\[", "[")


def escape(text: str) -> str:
    """A patient's own words inside a message: never read as markup."""
    return text.replace("[", "\\[")


def say(message: str, style: str = "") -> None:
    """A message for the person at the terminal (stderr, so stdout stays clean); at a
    terminal, wrapped between words at its width (issue 14: a terminal's own wrapping
    splits words, "eme/rgency")."""
    stream = sys.stderr
    colour = colour_ok(stream)
    message = printable(message)
    text = plain(f"[{style}]{message}[/]" if style else message, colour)
    width = terminal_width(stream)
    if width and any(len(line) > width for line in text.split("\n")):
        import textwrap

        text = "\n".join(
            "\n".join(
                textwrap.wrap(
                    line,
                    width,
                    subsequent_indent="  ",
                    break_long_words=False,
                    break_on_hyphens=False,
                )
                or [""]
            )
            for line in text.split("\n")
        )
    stream.write(text + ("\x1b[0m" if colour and "\x1b[" in text else "") + "\n")
    stream.flush()


def terminal_width(stream: TextIO) -> int | None:
    """The width of the terminal ``stream`` writes to; None when it is not a terminal."""
    try:
        if not stream.isatty():
            return None
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        return None


def warn(message: str) -> None:
    say(f"[bold yellow]![/] {message}")


def is_interactive() -> bool:
    stdin = sys.stdin
    return stdin is not None and stdin.isatty() and not os.environ.get("CI_NONINTERACTIVE")
