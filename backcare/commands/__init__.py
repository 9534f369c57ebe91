"""Command groups. Each module adds its commands to the app; modules import their heavy
dependencies inside the command bodies, so that start-up stays quick (STYLE.md §10)."""

from __future__ import annotations

import importlib

import typer

MODULES = (
    "onboarding", "plan", "session", "logbook", "assess", "progress", "goals", "exports",
    "exercises", "programme", "doctor",
)
# Which module defines each top-level command, so that a run of one command builds only
# that command's options (typer converts every option of every command it is given).
COMMAND_MODULE = {
    "init": "onboarding", "plan": "plan", "session": "session", "log": "logbook",
    "pain": "logbook", "visit": "logbook", "history": "logbook", "assess": "assess",
    "progress": "progress", "goal": "goals", "export": "exports", "import": "exports",
    "exercises": "exercises", "programme": "programme", "doctor": "doctor",
}


def register(app: typer.Typer, modules: tuple[str, ...] = MODULES) -> None:
    for name in modules:
        module = importlib.import_module(f"backcare.commands.{name}")
        module.register(app)
