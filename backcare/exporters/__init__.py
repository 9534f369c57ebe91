"""Export formats. Each format is its own module, chosen by :func:`get_exporter` (the jrnl
model, STYLE.md); a module is imported only when its format is asked for, so the heavy
libraries (fpdf2, icalendar, and fhir.resources when installed) load only for their own
export.

Every exporter is pure: it takes an :class:`ExportContext` of plain data and returns the
file's bytes, or (the formats whose files grow with the years) a writer that hands them out
piece by piece, so that no export holds the whole file, or a model of every record of it, in
memory (issue 25). It never reads the clock, the store or the terminal, and it computes no figure
of its own: figures come from the context's :class:`~backcare.domain.analytics.ProgressReport`,
the one computation that `progress` shows too. The command gathers what each format
``needs`` and writes the file.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from typing import TYPE_CHECKING, Any

from backcare.errors import UsageProblem

if TYPE_CHECKING:
    from backcare.domain.analytics import ProgressReport
    from backcare.domain.poses import Poses

# What an exporter may ask the command to gather, besides the export document.
REPORT = "report"  # the progress report of the period
NAMES = "names"  # exercise names, by id, and which exercises are done on each side
PLANS = "plans"  # the plans of the coming weeks
# each session's aerobic minutes, as the progress report counts them, without the rest of
# the report (which a FHIR bundle of ten years would spend a sixth of its time on)
AEROBIC = "aerobic"


@dataclass(frozen=True)
class Exporter:
    name: str
    module: str
    needs: frozenset[str] = frozenset()
    # "all": by default the whole log; "programme": by default the programme's start to
    # today, as a report for the physiotherapist covers.
    default_period: str = "all"
    unit: str = "record"  # what its count counts, in the confirmation line
    text: bool = True  # text (it may be written to stdout with --out -), or binary

    def render(self, ctx: ExportContext) -> Rendered:
        module = importlib.import_module(self.module)
        result: Rendered = module.render(ctx)
        return result


_REGISTRY: dict[str, Exporter] = {
    e.name: e
    for e in (
        Exporter("json", "backcare.exporters.json_export"),
        Exporter("csv", "backcare.exporters.csv_export", frozenset({NAMES}), unit="row"),
        Exporter(
            "fhir", "backcare.exporters.fhir_export", frozenset({AEROBIC, NAMES}), unit="resource"
        ),
        Exporter(
            "pdf",
            "backcare.exporters.pdf_report",
            frozenset({REPORT, NAMES}),
            default_period="programme",
            unit="page",
            text=False,
        ),
        Exporter("ics", "backcare.exporters.ics_export", frozenset({PLANS}), unit="event"),
    )
}
FORMATS: tuple[str, ...] = tuple(_REGISTRY)


@dataclass(frozen=True)
class ExportContext:
    """Everything an exporter may use, as plain data."""

    doc: dict[str, Any]  # the export document (domain.document), for the period
    exported_at: str  # ISO 8601 date-time with offset
    start: str | None = None  # the period covered, ISO dates (None: from the first record)
    end: str | None = None
    patient_name: str | None = None  # only ever what the user typed with --name
    report: ProgressReport | None = None  # the figures of the period (domain.analytics)
    aerobic_minutes: Mapping[str, int] = field(default_factory=dict)  # by session id
    exercise_names: Mapping[str, str] = field(default_factory=dict)
    # fhir: a renamed exercise's current id → the id it was first known by (its first
    # alias), which its records' identifiers keep (issue 27).
    first_ids: Mapping[str, str] = field(default_factory=dict)
    poses: Mapping[str, Poses] = field(default_factory=dict)  # pdf: pictures (issue 26)
    plans: tuple[dict[str, Any], ...] = ()  # `plan --json` documents, one per planned day
    plan_days: tuple[str, ...] = ()  # ics: every day the plans cover, planned or not
    per_side: frozenset[str] = frozenset()  # exercise ids done on each side (library)
    red_above: int = 5  # exercise pain above this is red (Thresholds.amber_max)
    csv_bom: bool = True  # csv: start with a UTF-8 byte-order mark (Excel on Windows)
    fhir_version: str = "r4"  # fhir: "r4" (R4, validated with R4B models) or "r5"
    bundle: str = "collection"  # fhir: "collection", or "transaction" to POST to a server
    patient_key: str | None = None  # fhir, ics: a stable pseudonymous key for the patient
    remind_at: time = time(9, 0)  # ics: the sessions' start and reminder, local time
    time_zone: str | None = None  # ics: the IANA zone of remind_at (None: not known, and
    utc_offset: timedelta = timedelta(0)  # the events are in UTC, at this local offset)


# Where a streamed export puts each piece of its file, in order.
Sink = Callable[[bytes], object]


@dataclass(frozen=True)
class Rendered:
    """An export: its bytes, or ``stream``, which writes them piece by piece to a sink and
    returns the count (a streamed format knows it only once it is written)."""

    data: bytes = b""
    records: int = 0  # rows, resources, events… whatever the format counts
    stream: Callable[[Sink], int] | None = None

    def write(self, sink: Sink) -> int:
        """Hand the file to ``sink``, piece by piece; returns the count."""
        if self.stream is None:
            sink(self.data)
            return self.records
        return self.stream(sink)

    def whole(self) -> tuple[bytes, int]:
        """The whole file in memory, and the count: for the small exports (one clinic
        patient's) and for tests."""
        pieces: list[bytes] = []
        count = self.write(pieces.append)
        return b"".join(pieces), count


def get_exporter(name: str) -> Exporter:
    """The exporter for a format name; an unknown name is a usage error listing the known."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UsageProblem(
            f"unknown export format {name!r}; choose one of {', '.join(FORMATS)}"
        ) from None
