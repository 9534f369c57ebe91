"""`backcare completion SHELL`: tab completion for bash, zsh, fish and PowerShell.

The command prints the script for a shell; the shell then runs ``backcare`` with
``_BACKCARE_COMPLETE`` set whenever Tab is pressed. Only then is this module loaded
(:func:`prepare`, from the top-level group): it gives the options that take ids or names
their completions, from the exercise library in use and the closed lists of the domain.
A normal command never loads it, so completion costs it nothing.

backcare writes nothing outside its data folder (CONTRACT.md), so it prints the script and
leaves installing it to the person, who knows their shell's start-up file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Annotated, Any

import typer

COMPLETE_ENV = "_BACKCARE_COMPLETE"
PROG = "backcare"


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"
    powershell = "powershell"


# Where each shell's script goes: what `completion` says after printing it.
HOW_TO_INSTALL = {
    Shell.bash: 'eval "$(backcare completion bash)"   in ~/.bashrc',
    Shell.zsh: 'eval "$(backcare completion zsh)"   in ~/.zshrc (after compinit)',
    Shell.fish: "backcare completion fish > ~/.config/fish/completions/backcare.fish",
    Shell.powershell: "backcare completion powershell | Out-String | Invoke-Expression   "
    "in your $PROFILE",
}


def completion(
    ctx: typer.Context,
    shell: Annotated[
        Shell,
        typer.Argument(metavar="SHELL", help="bash, zsh, fish or powershell.", show_default=False),
    ],
) -> None:
    """Print the tab-completion script for your shell: command names, exercise ids
    (exercises show, log --done/--partial/--skipped/--hurt), questionnaires, export formats,
    symptoms and the other named values complete with Tab.

    Add it to your shell's start-up file, for example in ~/.bashrc:
    eval "$(backcare completion bash)"

    Example: backcare completion zsh
    """
    import sys

    from backcare.render.ui import say

    sys.stdout.write(script(Shell(shell), ctx.find_root().command) + "\n")
    if sys.stdout.isatty():  # read at a terminal, not eval'd by a start-up file
        say(f"[dim]To turn it on: {HOW_TO_INSTALL[Shell(shell)]}[/]")


def script(shell: Shell, root: Any) -> str:
    """The shell's completion script, which calls backcare back with COMPLETE_ENV set."""
    from typer._click.shell_completion import get_completion_class
    from typer._completion_classes import completion_init

    completion_init()
    shell_class = get_completion_class(shell.value)
    assert shell_class is not None  # typer knows all four
    return str(shell_class(root, {}, PROG, COMPLETE_ENV).source())


# --- the completions ----------------------------------------------------------------------------

Item = Any  # typer's CompletionItem: a value and, for zsh and fish, a short help


def _items(
    pairs: Iterable[tuple[str, str | None]], incomplete: str, prefix: str = "", suffix: str = ""
) -> list[Item]:
    from typer._click.shell_completion import CompletionItem

    return [
        CompletionItem(prefix + value + suffix, help=help)
        for value, help in pairs
        if value.startswith(incomplete)
    ]


def _exercises() -> list[tuple[str, str | None]]:
    """The ids of the library in use, with each exercise's name; none if it cannot load."""
    from backcare.errors import BackcareError
    from backcare.loading.library import load_library
    from backcare.storage.paths import data_home

    try:
        return sorted((e.id, e.name) for e in load_library(data_home()))
    except (BackcareError, OSError):
        return []


Completer = Callable[[Any, str], list[Item]]


def exercise_ids(ctx: Any, incomplete: str) -> list[Item]:
    return _items(_exercises(), incomplete)


def exercise_id_list(ctx: Any, incomplete: str) -> list[Item]:
    """``--done bridge,wa`` → ``bridge,walking``: the last id of a comma-separated list."""
    head, comma, last = incomplete.rpartition(",")
    given = set(head.split(",")) if comma else set()
    return _items([(i, n) for i, n in _exercises() if i not in given], last, prefix=head + comma)


def exercise_id_pair(ctx: Any, incomplete: str) -> list[Item]:
    """``--hurt br`` → ``bridge=``: the id; the number after ``=`` is the person's."""
    if "=" in incomplete:
        return []
    return _items(_exercises(), incomplete, suffix="=")


def words(options: Callable[[], Iterable[str]], listed: bool = False) -> Completer:
    """Completion from a closed list (``listed``: comma-separated, as ``--equipment``)."""

    def complete(ctx: Any, incomplete: str) -> list[Item]:
        if not listed:
            return _items(((w, None) for w in options()), incomplete)
        head, comma, last = incomplete.rpartition(",")
        given = set(head.split(",")) if comma else set()
        return _items(((w, None) for w in options() if w not in given), last, prefix=head + comma)

    return complete


def _symptoms() -> Iterable[str]:
    from backcare.domain.models import SYMPTOMS

    return SYMPTOMS


def _instruments() -> Iterable[str]:
    from backcare.domain.instruments import INSTRUMENT_IDS

    return INSTRUMENT_IDS


def _visit_kinds() -> Iterable[str]:
    from backcare.domain.models import VISIT_KINDS

    return VISIT_KINDS


def _categories() -> Iterable[str]:
    from backcare.domain.models import CATEGORIES

    return CATEGORIES


def _equipment() -> Iterable[str]:
    from backcare.domain.models import EQUIPMENT

    return EQUIPMENT


def _positions() -> Iterable[str]:
    from backcare.domain.models import POSITIONS

    return POSITIONS


def _red_flags() -> Iterable[str]:
    from backcare.domain.safety import RED_FLAG_NAMES

    return RED_FLAG_NAMES


def _conditions() -> Iterable[str]:
    from backcare.domain.safety import CONDITIONS

    return CONDITIONS


# Which parameter (by its name in the command's function) completes how. Export formats and
# other enumerations complete by themselves; command names are the shell completion's own.
COMPLETERS: dict[tuple[str, ...], dict[str, Completer]] = {
    ("exercises", "show"): {"exercise_id": exercise_ids},
    ("exercises", "list"): {"category": words(_categories), "equipment": words(_equipment)},
    ("log",): {
        "done": exercise_id_list,
        "partial": exercise_id_list,
        "skipped": exercise_id_list,
        "hurt": exercise_id_pair,
        "minutes": exercise_id_pair,
    },
    ("pain",): {"symptom": words(_symptoms, listed=True)},
    ("assess",): {"instrument": words(_instruments)},
    ("visit",): {"kind": words(_visit_kinds)},
    ("init",): {
        "equipment": words(_equipment, listed=True),
        "avoid_position": words(_positions, listed=True),
        "red_flag": words(_red_flags),
        "condition": words(_conditions),
    },
}


def prepare(root: Any) -> None:
    """Get the command tree ready to answer the shell: typer's completion classes for each
    shell, and the completers above on their parameters."""
    from typer._completion_classes import completion_init

    completion_init()
    for path, completers in COMPLETERS.items():
        command = root
        for name in path:
            command = (getattr(command, "commands", None) or {}).get(name)
            if command is None:
                break
        if command is None:  # the command is not loaded in this run
            continue
        for param in command.params:
            if param.name in completers:
                # click asks each parameter for its completions through this method.
                param.shell_complete = completers[param.name]


def register(app: typer.Typer) -> None:
    app.command("completion")(completion)
