"""Export formats. Each format is its own module, chosen by :func:`get_exporter` (the jrnl
model, STYLE.md); a module is imported only when its format is asked for, so the heavy
libraries (fpdf2, matplotlib, fhir.resources, icalendar) load only for their own export.

Every exporter is pure: it takes an :class:`ExportContext` of plain data (the JSON export
document and whatever else its format needs) and returns the file's bytes. It never reads the
clock, the store or the terminal; the command gathers the data and writes the file.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# name → (module, function, what the command must gather besides the export document)
_REGISTRY: dict[str, tuple[str, str, frozenset[str]]] = {
    "json": ("backcare.loading.exchange", "render", frozenset()),
    "csv": ("backcare.exporters.csv_export", "render", frozenset()),
    "fhir": ("backcare.exporters.fhir_export", "render", frozenset({"aerobic_ids"})),
    "pdf": ("backcare.exporters.pdf_report", "render",
            frozenset({"progress", "exercise_names"})),
    "ics": ("backcare.exporters.ics_export", "render", frozenset({"plans"})),
}
FORMATS: tuple[str, ...] = tuple(_REGISTRY)


@dataclass(frozen=True)
class ExportContext:
    """Everything an exporter may use, as plain data."""

    doc: dict[str, Any]  # the JSON export document (exchange.build_export)
    exported_at: str  # ISO 8601 date-time with offset
    start: str | None = None  # the period covered, ISO dates (None: from the first record)
    end: str | None = None
    patient_name: str | None = None  # only ever what the user typed with --name
    aerobic_ids: frozenset[str] = frozenset()  # exercise ids whose category is aerobic
    exercise_names: Mapping[str, str] = field(default_factory=dict)
    progress: dict[str, Any] | None = None  # shaped like `progress --json` (CONTRACT.md)
    plans: tuple[dict[str, Any], ...] = ()  # `plan --json` documents, one per planned day
    red_above: int = 5  # exercise pain above this is red (Thresholds.amber_max)
    cache_dir: Path | None = None  # where a charting library may keep its caches


@dataclass(frozen=True)
class Rendered:
    data: bytes
    records: int  # rows, resources, events… whatever the format counts


@dataclass(frozen=True)
class Exporter:
    name: str
    needs: frozenset[str]
    _module: str
    _function: str

    def render(self, ctx: ExportContext) -> Rendered:
        module = importlib.import_module(self._module)
        result: Rendered = getattr(module, self._function)(ctx)
        return result


def get_exporter(name: str) -> Exporter:
    """The exporter for a format name; an unknown name is a usage error listing the known."""
    from backcare.errors import UsageProblem

    try:
        module, function, needs = _REGISTRY[name]
    except KeyError:
        raise UsageProblem(f"unknown export format {name!r}; choose one of "
                           f"{', '.join(FORMATS)}") from None
    return Exporter(name, needs, module, function)
