"""The commands, one module per command or command group, each named after it.

Each module adds its commands to the app with ``register``. A run of one command loads only
that command's module (:data:`COMMAND_MODULE`): typer converts every option of every command
it is given, and the domain, the renderers and the heavy libraries a command needs are
imported by its own module alone (STYLE.md §10).
"""

from __future__ import annotations

import importlib

import typer

# Which module defines each top-level command. A test checks it against the app.
COMMAND_MODULE = {
    "init": "init",
    "plan": "plan",
    "session": "session",
    "log": "log",
    "pain": "pain",
    "visit": "visit",
    "history": "history",
    "assess": "assess",
    "progress": "progress",
    "goal": "goal",
    "export": "export",
    "import": "import_",
    "exercises": "exercises",
    "programme": "programme",
    "doctor": "doctor",
    "config": "config",
    "completion": "completion",
    "edit": "edit",
    "delete": "delete",
    "undo": "undo",
    "clinic": "clinic",
    "routine": "plan",
    "clear": "clear",
    "handout": "handout",
}
MODULES = tuple(dict.fromkeys(COMMAND_MODULE.values()))


def register(app: typer.Typer, modules: tuple[str, ...] = MODULES) -> None:
    for name in modules:
        module = importlib.import_module(f"backcare.commands.{name}")
        module.register(app)
