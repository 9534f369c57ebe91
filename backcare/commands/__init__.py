"""Command groups. Each module adds its commands to the app; modules import their heavy
dependencies inside the command bodies, so that start-up stays quick (STYLE.md §10)."""

from __future__ import annotations

import importlib

import typer

MODULES = (
    "onboarding", "plan", "session", "logbook", "assess", "progress", "goals", "exports",
    "exercises", "programme", "doctor",
)


def register(app: typer.Typer) -> None:
    for name in MODULES:
        try:
            module = importlib.import_module(f"backcare.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"backcare.commands.{name}":
                continue  # not built yet
            raise
        module.register(app)
