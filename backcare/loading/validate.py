"""One checker for every file people or programs hand to backcare: the exercise library,
a prescription, the settings and an import.

A :class:`Checker` checks the values of one record (an exercise, a prescribed item, an
imported session) and collects every problem under the record's name, with its line when
the file has lines (YAML), so that a file gets all its messages at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from backcare.clock import EARLIEST, LATEST, is_iso_day
from backcare.domain.suggest import did_you_mean
from backcare.domain.text import kind_of, show, unsafe_char
from backcare.errors import ProblemList


class Checker:
    """Checks one record's values. ``entry`` is the record as read (a YAML mapping knows
    the line of each key); ``yaml`` chooses YAML's words ("empty", "a mapping") over
    JSON's ("null", "an object")."""

    def __init__(self, problems: ProblemList, file: str | None, record: str | None,
                 entry: Any = None, *, yaml: bool = False) -> None:
        self.p, self.file, self.record, self.entry, self.yaml = (problems, file, record,
                                                                 entry, yaml)

    def add(self, message: str, key: str | None = None, line: int | None = None) -> None:
        if line is None and self.entry is not None:
            line_of = getattr(self.entry, "line_of", None)
            line = line_of(key) if key and line_of else getattr(self.entry, "line", None)
        self.p.add(message, file=self.file, line=line, record=self.record)

    def kind(self, value: Any) -> str:
        return kind_of(value, yaml=self.yaml)

    def _ambiguous(self, key: str, value: Any, fix: str, line: int | None) -> bool:
        yaml11 = getattr(value, "yaml11_value", None)
        if yaml11 is None:
            return False
        self.add(f"{key} is {str(value)!r}, which YAML 1.1 reads as {yaml11}; {fix}", key,
                 line)
        return True

    def required(self, d: Any, keys: Iterable[str]) -> bool:
        missing = [k for k in keys if k not in d]
        for key in missing:
            self.add(f"{key} is missing" if not self.yaml
                     else f"missing required field '{key}'")
        return not missing

    def unknown(self, d: Any, known: tuple[str, ...], what: str = "field") -> None:
        for key in d:
            if key not in known:
                self.add(f"unknown {what} '{key}'{did_you_mean(str(key), known)}", key)

    def text(self, key: str, value: Any, *, optional: bool = False, empty_ok: bool = False,
             max_chars: int | None = None, multiline: bool = False,
             line: int | None = None) -> str | None:
        """Text with no control characters, trimmed; None (with a problem) if it is not."""
        if value is None and optional:
            return None
        if self._ambiguous(key, value, "put it in quotes", line):
            return None
        if not isinstance(value, str):
            self.add(f"{key} must be text, not {self.kind(value)}", key, line)
            return None
        if not value.strip() and not empty_ok:
            self.add(f"{key} must not be empty" if not self.yaml
                     else f"{key} must be text, not {self.kind(value)}", key, line)
            return None
        if unsafe_char(value, multiline=multiline) is not None:
            self.add(f"{key} contains control characters; only plain text is allowed", key,
                     line)
            return None
        if max_chars is not None and len(value) > max_chars:
            self.add(f"{key} is {len(value)} characters long; at most {max_chars} allowed",
                     key, line)
            return None
        return value if empty_ok else value.strip()

    def whole(self, key: str, value: Any, low: int, high: int, *, optional: bool = False,
              line: int | None = None) -> int | None:
        if value is None and optional:
            return None
        if self._ambiguous(key, value, "write a whole number", line):
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(f"{key} must be a whole number, not {self.kind(value)}", key, line)
            return None
        if not low <= value <= high:
            self.add(f"{key} is {value}; it must be between {low} and {high}", key, line)
            return None
        return value

    def flag(self, key: str, value: Any, *, optional: bool = False) -> bool | None:
        if value is None and optional:
            return None
        if not isinstance(value, bool):
            self.add(f"{key} must be true or false, not {self.kind(value)}", key)
            return None
        return value

    def choice(self, key: str, value: Any, allowed: tuple[str, ...], *,
               line: int | None = None) -> str | None:
        text = self.text(key, value, line=line)
        if text is None:
            return None
        if text not in allowed:
            self.add(f"{key} is {show(text)}; it must be one of: {', '.join(allowed)}"
                     f"{did_you_mean(text, allowed)}", key, line)
            return None
        return text

    def names(self, key: str, value: Any, allowed: tuple[str, ...] | None = None, *,
              min_items: int = 0, max_chars: int | None = None) -> tuple[str, ...] | None:
        """A list of names (from ``allowed`` when given)."""
        if not isinstance(value, list):
            self.add(f"{key} must be a list, not {self.kind(value)}", key)
            return None
        if len(value) < min_items:
            self.add(f"{key} needs at least {min_items} item(s)", key)
            return None
        out: list[str] = []
        line = getattr(value, "line", None)
        for i, item in enumerate(value):
            label = f"{key} item {i + 1}" if self.yaml else f"{key}[{i}]"
            got = (self.choice(label, item, allowed, line=line) if allowed else
                   self.text(label, item, max_chars=max_chars, line=line))
            if got is not None:
                out.append(got)
        return tuple(out) if len(out) == len(value) else None

    def day(self, key: str, value: Any, *, optional: bool = False,
            latest: date | None = None) -> date | None:
        """A YYYY-MM-DD date from 1900 to 2999 (and not after ``latest`` when given)."""
        if value is None and optional:
            return None
        if not is_iso_day(value):
            self.add(f"{key} is {show(value)}; it must be a real date, YYYY-MM-DD", key)
            return None
        day = date.fromisoformat(value)
        if not EARLIEST <= day <= LATEST:
            self.add(f"{key} is {value}; backcare keeps dates from {EARLIEST.isoformat()} "
                     f"to {LATEST.isoformat()}", key)
            return None
        if latest is not None and day > latest:
            self.add(f"{key} is {value}, which is in the future", key)
            return None
        return day
