"""The one rule for text that people type: notes, goals, names, activities.

Text a patient types reaches the terminal, the report and the physiotherapist's systems, so
it may hold any letter of any script, but no character that would act instead of show:
control codes (an escape sequence could rewrite the screen), a lone surrogate (it cannot be
written as UTF-8), and the bidirectional overrides that make text display in another order
than it is stored. A note may span lines (tab and line feed); a name or a goal may not.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from backcare.errors import BackcareError

NOTE_MAX_CHARS = 2000  # a note is a few lines, not a document
NOTE_MAX_LINES = 40  # and a few lines: a column of 80 one-word lines is not a note
# Explicit direction overrides and isolates (Unicode bidi controls): stored one way, shown
# another, they can disguise what a note says.
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_LINE_BREAKS = frozenset("\t\n")


def unsafe_char(text: str, *, multiline: bool) -> str | None:
    """The first character of ``text`` that is not allowed, or None."""
    # Printable text holds no control, format (bidi) or separator character: the usual case,
    # checked at C speed (every record of a data file is checked as it is read).
    plain = text.replace("\n", "").replace("\t", "") if multiline else text
    if plain.isprintable():
        return None
    for ch in text:
        if multiline and ch in _LINE_BREAKS:
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs", "Zl", "Zp") or ch in _BIDI:
            return ch
    return None


def check_text(
    text: str,
    what: str,
    *,
    multiline: bool = False,
    max_chars: int = NOTE_MAX_CHARS,
    max_lines: int = NOTE_MAX_LINES,
) -> str:
    """``text`` trimmed, or a BackcareError naming ``what`` and what is wrong with it. The
    message never repeats the text: notes are health data, and messages reach logs."""
    if len(text) > max_chars:
        raise BackcareError(f"{what} is {len(text)} characters long; keep it under {max_chars}")
    bad = unsafe_char(text, multiline=multiline)
    if bad is not None and "\ud800" <= bad <= "\udfff":
        # Bytes that were not UTF-8 on the command line (LC_ALL=C, an old terminal) reach
        # Python as lone surrogates: they cannot be stored, and are no control character.
        raise BackcareError(
            f"{what} holds bytes that are not UTF-8 text; set your "
            f"terminal to UTF-8 and type it again"
        )
    if bad is not None:
        kind = "a line break" if bad in "\n\r\u2028\u2029" else "control characters"
        raise BackcareError(
            f"{what} contains {kind}; use plain text" + ("" if multiline else " on one line")
        )
    if multiline and text.count("\n") >= max_lines:
        raise BackcareError(
            f"{what} has {text.count(chr(10)) + 1} lines; keep it to {max_lines} or fewer"
        )
    return text.strip()


def check_note(note: str | None, what: str = "--note") -> str | None:
    """A patient's note: up to 2,000 characters over a few lines; empty means none."""
    if note is None:
        return None
    return check_text(note, what, multiline=True) or None


def show(value: Any) -> str:
    """A value as a person would recognise it in a message: 'text' in quotes, a number as
    written, long text cut short."""
    if isinstance(value, str):
        if not value.strip():
            return "empty"
        return repr(value if len(value) <= 40 else value[:40] + "…")
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def kind_of(value: Any, *, yaml: bool = False) -> str:
    """What sort of value this is, in words (JSON's words, or YAML's with ``yaml``)."""
    if value is None:
        return "empty" if yaml else "null"
    yaml11 = getattr(value, "yaml11_value", None)
    if yaml11 is not None:  # `per_side: yes` must not read as a plain word
        return f"{str(value)!r}, which YAML 1.1 reads as {yaml11}"
    if isinstance(value, bool):
        return f"true/false ({str(value).lower()})" if yaml else str(value).lower()
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return "empty text" if not value.strip() else f"text ({show(value)})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping" if yaml else "an object"
    return type(value).__name__
