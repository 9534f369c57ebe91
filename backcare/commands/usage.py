"""Usage errors in backcare's own words (issue 15).

typer converts option values with pydantic and parses the command line with its own copy of
click. Their messages speak of their machinery ("Input should be a valid integer, unable to
parse string as an integer", "Value error, 'xlsx' is not one of…", "Got unexpected extra
argument(s)"). :func:`plain` says the same thing the way the rest of backcare does: the
option, what it takes, and what was given. Exit code 2 stays (CONTRACT.md: a usage error).
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Any

from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)

from backcare.domain.suggest import did_you_mean
from backcare.domain.text import show


class PlainUsageError(UsageError):
    """A usage error already in plain words: shown as ``backcare: message``, exit 2."""

    def show(self, file: Any = None) -> None:
        import sys

        stream = file or sys.stderr
        stream.write(f"backcare: {self.message}\n")
        stream.flush()


def plain_error(exc: Exception) -> Any:
    """The error to show for ``exc``: itself when it is no usage error, help, or already
    in plain words."""
    if not isinstance(exc, UsageError) or isinstance(exc, (NoArgsIsHelpError, PlainUsageError)):
        return exc
    return PlainUsageError(plain(exc), exc.ctx)


def _label(param: Any, ctx: Any) -> str:
    """How a person names the parameter: ``--pain``, or a command's one number (``pain``)."""
    if getattr(param, "param_type_name", "") == "option":
        return str(max(param.opts, key=len))
    if param.name in ARGUMENT_NAMES:
        return ARGUMENT_NAMES[param.name]
    return str(param.metavar or param.name).upper()


def _help_of(param: Any) -> str:
    """The first sentence of a parameter's help, to go inside a sentence."""
    text = (getattr(param, "help", "") or "").strip().split(". ")[0].rstrip(".")
    return text[:1].lower() + text[1:]


def _range(param: Any) -> tuple[int, int] | None:
    """The whole numbers a parameter takes, where backcare knows them."""
    known = _known_ranges().get(param.name)
    if known is not None:
        return known
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is not None and high is not None:
        return int(low), int(high)
    return None


def _known_ranges() -> dict[str, tuple[int, int]]:
    from backcare.domain.clinical import PAIN_MAX, PAIN_MIN
    from backcare.domain.onboarding import DAYS_RANGE, MINUTES_RANGE

    pain = (PAIN_MIN, PAIN_MAX)
    return {
        "score": pain,
        "pain": pain,
        "pain_before": pain,
        "pain_after": pain,
        "minutes": MINUTES_RANGE,
        "days_per_week": DAYS_RANGE,
    }


# A command's one positional number, named as the command reads: "pain 4.5".
ARGUMENT_NAMES = {"score": "pain"}


def _choices(param: Any) -> list[str]:
    desc = getattr(param, "type_descriptor", None)
    if desc is None or not desc.is_choice or not desc.choices:
        return []
    return [c.value if isinstance(c, Enum) else str(c) for c in desc.choices]


def _given(exc: BadParameter) -> Any:
    """The value typed, from pydantic's error when there is one."""
    errors = getattr(exc.__cause__, "errors", None)
    if callable(errors):
        try:
            return errors()[0].get("input")
        except (IndexError, AttributeError, TypeError):
            return None
    return None


def _bad_value(exc: BadParameter) -> str:
    param, ctx = exc.param, exc.ctx
    if param is None:
        return _strip(exc.format_message())
    label = _label(param, ctx)
    given = _given(exc)
    shown = show(given) if given is not None else None
    choices = _choices(param)
    if choices:
        text = (
            f"{label} {shown} is not one of {', '.join(choices)}"
            if shown
            else f"{label} is one of {', '.join(choices)}"
        )
        return text + (did_you_mean(str(given), choices) if given is not None else "")
    desc = getattr(param, "type_descriptor", None)
    annotation = getattr(desc, "annotation", None)
    if annotation is int:
        span = _range(param)
        rule = f"{label} is a whole number" + (f" from {span[0]} to {span[1]}" if span else "")
        rule = f"{rule}, not {shown}" if shown else rule
        if span is None and getattr(param, "param_type_name", "") == "argument" and _help_of(param):
            rule += f" — {_help_of(param)}"
        return rule
    if annotation is float:
        return f"{label} is a number, not {shown}" if shown else f"{label} is a number"
    return (
        f"{label}: {shown} is not a value it takes"
        if shown
        else f"{label}: that is not a value it takes"
    )


def _strip(message: str) -> str:
    return message[:1].lower() + message[1:].rstrip(".")


def plain(exc: UsageError) -> str:
    """One line, in backcare's words, for a usage error typer or click raised."""
    ctx = exc.ctx
    command = ctx.command_path if ctx is not None else "backcare"
    see = f" (see '{command} --help')" if ctx is not None else ""
    if isinstance(exc, MissingParameter) and exc.param is not None:
        param = exc.param
        label = (
            str(param.metavar or param.name)
            if param.param_type_name == "argument"
            else _label(param, ctx)
        )
        choices = _choices(param)
        what = (
            f": one of {', '.join(choices)}"
            if choices
            else (f": {_help_of(param)}" if _help_of(param) else "")
        )
        return f"'{command}' needs {label}{what}"
    if isinstance(exc, BadParameter):
        return _bad_value(exc)
    if isinstance(exc, NoSuchOption):
        hint = (
            f"; did you mean {' or '.join(sorted(exc.possibilities))}?"
            if exc.possibilities
            else see
        )
        return f"'{command}' has no option {exc.option_name}{hint}"
    if isinstance(exc, BadOptionUsage):
        if "does not take a value" in exc.message:
            return f"{exc.option_name} is a switch and takes no value{see}"
        if "requires" in exc.message:
            return f"{exc.option_name} needs a value after it{see}"
        return _strip(exc.message) + see
    extra = re.fullmatch(r"Got unexpected extra argument(?:\(s\)|s)? \((.*)\)", exc.message)
    if extra:
        first = extra.group(1).split()[0] if extra.group(1).split() else ""
        if first.startswith("--"):  # where unknown options pass through (pain -1)
            return f"'{command}' has no option {first}{see}"
        return f"'{command}' does not take {show(extra.group(1))}{see}"
    unknown = re.match(r"No such command '(.*)'\.", exc.message)
    if unknown and ctx is not None:
        names = list(getattr(ctx.command, "commands", {}) or {})
        hint = did_you_mean(unknown.group(1), names) or f" ('{command} --help' lists them)"
        if getattr(ctx.command, "invoke_without_command", False) and ctx.parent is not None:
            # A command that also has commands of its own (plan, and plan swap): a stray
            # word is most likely meant for the command itself. (The top level runs without
            # a command too, for its overview; a word there is a command mistyped.)
            return f"'{command}' does not take {show(unknown.group(1))}{hint}"
        return f"there is no command {show(unknown.group(1))}{hint}"
    return _strip(exc.format_message())
