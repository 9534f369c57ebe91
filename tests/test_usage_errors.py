"""Usage mistakes get backcare's own words (issue 15): one line on stderr that names the
option and what it takes, exit code 2, nothing written, and nothing of the machinery typer
uses underneath (pydantic's "Input should be a valid integer…", click's "Got unexpected
extra argument(s)", "Usage:" blocks)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from conftest import Cli

from backcare.cli import app

# What pydantic and click say in their own words: never shown to a patient.
INTERNALS = (
    "Input should be",
    "Value error",
    "unable to parse",
    "Invalid value for",
    "Error:",
    "Usage:",
    "Try '",
    "Got unexpected",
    "No such command",
    "No such option",
    "Missing option",
    "Missing argument",
    "requires an argument",
    "does not take a value",
    "<int>",
    "<str>",
    "list[str]",
    "Traceback",
    "pydantic",
)

MISTAKES: list[tuple[list[str], str]] = [
    (["pain", "4.5"], "pain is a whole number from 0 to 10, not '4.5'"),
    (["pain", "four"], "pain is a whole number from 0 to 10, not 'four'"),
    (["pain"], "'backcare pain' needs N: your pain now, 0 (none) to 10"),
    (
        ["export", "--format", "xlsx", "--out", "x"],
        "--format 'xlsx' is not one of json, csv, fhir, pdf, ics",
    ),
    (["export", "--format", "jsn", "--out", "x"], "(did you mean 'json'?)"),
    (
        ["export", "--out", "x"],
        "'backcare export' needs --format: one of json, csv, fhir, pdf, ics",
    ),
    (["export", "--format", "pdf"], "'backcare export' needs --out: the file to write"),
    (["export", "--format"], "--format needs a value after it"),
    (
        ["export", "--format", "ics", "--out", "x", "--weeks", "99"],
        "--weeks is a whole number from 1 to 52, not '99'",
    ),
    (["init", "--pain", "x"], "--pain is a whole number from 0 to 10, not 'x'"),
    (["init", "--minutes", "1.5"], "--minutes is a whole number from 10 to 180, not '1.5'"),
    (["init", "--days-per-week", "seven"], "--days-per-week is a whole number from 1 to 7"),
    (["log", "--pain-after", "2.5"], "--pain-after is a whole number from 0 to 10"),
    (["session", "--pain-before", "x"], "--pain-before is a whole number from 0 to 10"),
    (["progress", "--weeks", "0"], "--weeks is a whole number from 1 to"),
    (["goal", "done", "abc"], "ID is a whole number, not 'abc' — the goal's number"),
    (["goal", "add"], "'backcare goal add' needs TEXT: the goal, in your own words"),
    (["plan", "--jsn"], "'backcare plan' has no option --jsn; did you mean --json?"),
    (["plan", "--bogus"], "'backcare plan' has no option --bogus (see 'backcare plan --help')"),
    (["plan", "tomorrow"], "'backcare plan' does not take 'tomorrow'"),
    (["plan", "--json=yes"], "--json is a switch and takes no value"),
    (["plna"], "there is no command 'plna' (did you mean 'plan'?)"),
    (["--bogus"], "'backcare' has no option --bogus"),
    (["goal", "ad", "walk"], "there is no command 'ad' (did you mean 'add'?)"),
    (["exercises", "show"], "'backcare exercises show' needs ID: the exercise's id"),
]


def assert_plain(res: Any, expected: str | None = None) -> None:
    assert res.exit_code == 2, res
    assert res.stdout == "", res
    lines = res.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("backcare: "), res.stderr
    for word in INTERNALS:
        assert word not in res.stderr, (word, res.stderr)
    if expected is not None:
        assert expected in lines[0], lines[0]


@pytest.mark.parametrize(
    ("args", "expected"), MISTAKES, ids=[" ".join(a) or "-" for a, _ in MISTAKES]
)
def test_a_common_mistake_is_said_plainly(
    cli: Cli, backcare_home: Path, args: list[str], expected: str
) -> None:
    assert_plain(cli(*args), expected)
    assert not backcare_home.exists()  # nothing was written


def test_debug_does_not_bring_the_internals_back(cli: Cli) -> None:
    """--debug is for tracebacks of bugs; a usage mistake is no bug."""
    from backcare.cli import main

    with pytest.raises(SystemExit) as done:
        main(["pain", "4.5", "--debug"])
    assert done.value.code == 2


# --- every command, every option: the same mistakes -------------------------------------------


def walk(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    subs = getattr(command, "commands", None) or {}
    if not subs:
        yield path, command
    for name, sub in sorted(subs.items()):
        yield from walk(sub, (*path, name))


LEAVES = list(walk(typer.main.get_command(app)))
# What a command needs before a mistake in one of its options can be the only mistake.
NEEDS: dict[tuple[str, ...], list[str]] = {
    ("pain",): ["3"],
    ("assess",): ["odi"],
    ("goal", "add"): ["walk"],
    ("goal", "done"): ["1"],
    ("import",): ["x.json"],
    ("exercises", "show"): ["bridge"],
    ("programme", "import"): ["rx.yaml"],
    ("export",): ["--format", "json", "--out", "x"],
}


def _options(kind: str) -> list[tuple[tuple[str, ...], str]]:
    found = []
    for path, command in LEAVES:
        for param in command.params:
            if param.param_type_name != "option" or param.is_flag:
                continue
            desc = param.type_descriptor
            if kind == "int" and desc.annotation is int:
                found.append((path, max(param.opts, key=len)))
            if kind == "choice" and desc.is_choice:
                found.append((path, max(param.opts, key=len)))
    return found


WHOLE_NUMBER_OPTIONS = _options("int")
CHOICE_OPTIONS = _options("choice")


def test_the_walk_finds_the_options() -> None:
    assert (("init",), "--pain") in WHOLE_NUMBER_OPTIONS
    assert (("export",), "--format") in CHOICE_OPTIONS


@pytest.mark.parametrize(
    ("path", "option"),
    WHOLE_NUMBER_OPTIONS,
    ids=[f"{' '.join(p)} {o}" for p, o in WHOLE_NUMBER_OPTIONS],
)
def test_every_whole_number_option_says_so(cli: Cli, path: tuple[str, ...], option: str) -> None:
    res = cli(*path, *NEEDS.get(path, []), option, "2.5")
    assert_plain(res, f"{option} is a whole number")
    assert "not '2.5'" in res.stderr


@pytest.mark.parametrize(
    ("path", "option"), CHOICE_OPTIONS, ids=[f"{' '.join(p)} {o}" for p, o in CHOICE_OPTIONS]
)
def test_every_closed_list_option_names_its_choices(
    cli: Cli, path: tuple[str, ...], option: str
) -> None:
    args = [a for a in NEEDS.get(path, []) if a]
    if option in args:  # replace the good value the command needed with a bad one
        args = args[: args.index(option)] + args[args.index(option) + 2 :]
    assert_plain(cli(*path, *args, option, "zzz"), f"{option} 'zzz' is not one of")


@pytest.mark.parametrize("path", [p for p, _ in LEAVES], ids=[" ".join(p) for p, _ in LEAVES])
def test_every_command_names_an_unknown_option(cli: Cli, path: tuple[str, ...]) -> None:
    res = cli(*path, *NEEDS.get(path, []), "--no-such-option")
    assert_plain(res, f"'backcare {' '.join(path)}' has no option --no-such-option")


@pytest.mark.parametrize(
    "path",
    [p for p, c in LEAVES if any(x.param_type_name == "argument" and x.required for x in c.params)],
    ids=lambda p: " ".join(p),
)
def test_every_missing_argument_is_named_with_what_it_is(cli: Cli, path: tuple[str, ...]) -> None:
    assert_plain(cli(*path), f"'backcare {' '.join(path)}' needs ")
