"""The one error type of backcare, and the exit codes of CONTRACT.md.

Domain code raises :class:`BackcareError` (or a subclass). The CLI entry point turns it into
one clean line on stderr and the matching exit code; a traceback is shown only with ``--debug``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

EXIT_OK = 0
EXIT_BAD_DATA = 1  # bad data, or a refused action
EXIT_USAGE = 2  # usage error, or a question left unanswered without a terminal
EXIT_SAFETY = 3  # a red flag: the patient is told to seek help
EXIT_INTERNAL = 70  # a bug in backcare (EX_SOFTWARE of sysexits.h), not the user's data


@dataclass
class Problem:
    """One thing wrong with an input, located as precisely as we can."""

    message: str
    file: str | None = None
    line: int | None = None
    record: str | None = None  # an exercise id, a record id, …

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        rec = f"{self.record}: " if self.record else ""
        return f"{where}{rec}{self.message}"


class BackcareError(Exception):
    """An error a patient or physiotherapist can act on. Its message is the whole story."""

    exit_code = EXIT_BAD_DATA

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems: list[Problem] = list(problems or [])

    def lines(self) -> list[str]:
        """What to print: the problems one per line, else the message."""
        if self.problems:
            return [str(p) for p in self.problems]
        return [self.message]


class UsageProblem(BackcareError):
    """A missing or malformed option (exit 2)."""

    exit_code = EXIT_USAGE


class SafetyStop(BackcareError):
    """A red flag: stop, and seek help (exit 3)."""

    exit_code = EXIT_SAFETY


@dataclass
class ProblemList:
    """Collects problems while validating, so a file gets every message at once."""

    problems: list[Problem] = field(default_factory=list)

    def add(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        record: str | None = None,
    ) -> None:
        self.problems.append(Problem(message, file, line, record))

    def __bool__(self) -> bool:
        return bool(self.problems)

    def raise_if_any(self, summary: str) -> None:
        if self.problems:
            raise BackcareError(summary, self.problems)
