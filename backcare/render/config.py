"""`backcare config`: each setting, its value, and where the value comes from."""

from __future__ import annotations

from typing import Any, NamedTuple

from backcare.render.ui import emit_json

DEFAULT = "default"
SETTINGS_FILE = "settings.yaml"
ENVIRONMENT = "environment"


class Setting(NamedTuple):
    """One value backcare uses, and where it comes from: the default, the data folder's
    settings.yaml, or an environment variable (named in ``variable``)."""

    name: str
    value: Any
    source: str
    variable: str | None = None
    note: str | None = None  # what a person may want to know (a file that is not there)


def _source(s: Setting) -> str:
    if s.source == ENVIRONMENT:
        return f"environment ({s.variable})"
    return s.source


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def show(places: list[Setting], thresholds: list[Setting], as_json: bool) -> None:
    """A table for a person; with --json, one document keyed by setting."""
    if as_json:
        emit_json(
            {
                **{s.name: _doc(s) for s in places},
                "thresholds": {s.name: _doc(s) for s in thresholds},
            }
        )
        return
    import sys

    lines = _columns(
        [
            (
                s.name.replace("_", " "),
                _value(s.value),
                _source(s) + (f"  ({s.note})" if s.note else ""),
            )
            for s in places
        ]
    )
    lines += ["", "thresholds (a physiotherapist may change them in settings.yaml)"]
    lines += [
        "  " + line
        for line in _columns([(s.name, _value(s.value), _source(s)) for s in thresholds])
    ]
    sys.stdout.write("\n".join(lines) + "\n")


def _columns(rows: list[tuple[str, str, str]]) -> list[str]:
    first = max(len(r[0]) for r in rows) + 2
    second = max(len(r[1]) for r in rows) + 2
    return [f"{a:<{first}}{b:<{second}}{c}".rstrip() for a, b, c in rows]


def _doc(s: Setting) -> dict[str, Any]:
    doc: dict[str, Any] = {"value": s.value, "source": s.source}
    if s.variable:
        doc["variable"] = s.variable
    if s.note:
        doc["note"] = s.note
    return doc
