"""A physiotherapist's prescription file (CONTRACT.md, "Prescription file"), validated like
the library: every problem with its file, line and exercise id."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from backcare.domain.checks import EARLIEST, LATEST, in_range
from backcare.domain.library import Library
from backcare.domain.models import DOSE_FIELDS, WEEKDAYS, Dose, PrescribedItem, Prescription
from backcare.domain.suggest import did_you_mean, unknown_id_message
from backcare.domain.text import unsafe_char
from backcare.errors import ProblemList
from backcare.loading.library import DOSE_CEILING
from backcare.loading.yamlload import Ambiguous, LineDict, LineList, load_yaml

TOP_KEYS = ("prescribed_by", "start", "allow_progression", "exercises")
ITEM_KEYS = ("id", *DOSE_FIELDS, "days", "note")
MAX_ITEMS = 40


# Weekdays as a physiotherapist may write them: mon or monday, any case.
DAY_NAMES = {
    **{d: d for d in WEEKDAYS},
    **{
        full: full[:3]
        for full in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    },
}


def parse_prescription(path: Path, library: Library) -> Prescription:
    name = str(path)
    data = load_yaml(path, "a prescription")
    return prescription_from(data, name, library)


def prescription_from(data: Any, name: str, library: Library) -> Prescription:
    """A prescription already read (YAML, or a CarePlan's activities: issue 16), checked by
    the file's rules; ``name`` locates the problems."""
    p = ProblemList()
    if not isinstance(data, LineDict):
        p.add("a prescription is a mapping with 'exercises' (see the README)", file=name, line=1)
        p.raise_if_any(f"{name}: not a valid prescription")
    for key in data:
        if key not in TOP_KEYS:
            p.add(
                f"unknown field '{key}'{did_you_mean(key, TOP_KEYS)}",
                file=name,
                line=data.line_of(key),
            )
    by = data.get("prescribed_by")
    if by is not None and (not isinstance(by, str) or isinstance(by, Ambiguous) or not by.strip()):
        p.add(
            "prescribed_by must be text (quote it)", file=name, line=data.line_of("prescribed_by")
        )
        by = None
    elif by is not None and unsafe_char(by, multiline=False) is not None:
        p.add(
            "prescribed_by contains control characters; only plain text is allowed",
            file=name,
            line=data.line_of("prescribed_by"),
        )
        by = None
    start = data.get("start")
    if start is not None:
        if isinstance(start, str) and not isinstance(start, Ambiguous):
            try:
                start = date.fromisoformat(start.strip())
            except ValueError:
                start = None
        if not isinstance(start, date) or isinstance(start, datetime):
            raw = data.get("start")
            shown = raw.isoformat(sep=" ") if isinstance(raw, datetime) else repr(raw)
            p.add(
                f"start must be a date like 2026-03-02, not {shown}",
                file=name,
                line=data.line_of("start"),
            )
            start = None
        elif not in_range(start):  # the store would refuse it (issue 24): say so here
            p.add(
                f"start is {start.isoformat()}; backcare keeps dates from "
                f"{EARLIEST.isoformat()} to {LATEST.isoformat()}",
                file=name,
                line=data.line_of("start"),
            )
            start = None
    allow = data.get("allow_progression", False)
    if not isinstance(allow, bool):
        p.add(
            "allow_progression must be true or false",
            file=name,
            line=data.line_of("allow_progression"),
        )
        allow = False
    items_raw = data.get("exercises")
    items: list[PrescribedItem] = []
    if not isinstance(items_raw, LineList) or not items_raw:
        p.add(
            "'exercises' must be a list of at least one exercise",
            file=name,
            line=data.line_of("exercises"),
        )
    elif len(items_raw) > MAX_ITEMS:
        p.add(f"at most {MAX_ITEMS} exercises can be prescribed", file=name, line=items_raw.line)
    else:
        seen: set[str] = set()
        for i, raw in enumerate(items_raw, 1):
            item = _item(p, name, raw, i, items_raw.line, library)
            if item is None:
                continue
            if item.exercise_id in seen:
                p.add(
                    f"'{item.exercise_id}' is prescribed twice",
                    file=name,
                    line=raw.line,
                    record=item.exercise_id,
                )
                continue
            seen.add(item.exercise_id)
            items.append(item)
    p.raise_if_any(f"{name}: not a valid prescription")
    return Prescription(tuple(items), by.strip() if by else None, start, allow)


def _item(
    p: ProblemList, name: str, raw: Any, index: int, list_line: int, library: Library
) -> PrescribedItem | None:
    if not isinstance(raw, LineDict):
        p.add(f"exercise {index} must be a mapping with at least 'id'", file=name, line=list_line)
        return None
    before = len(p.problems)
    ident = raw.get("id")
    record = ident if isinstance(ident, str) else f"exercise {index}"

    def add(msg: str, key: str | None = None) -> None:
        p.add(msg, file=name, line=raw.line_of(key) if key else raw.line, record=record)

    for key in raw:
        if key not in ITEM_KEYS:
            add(f"unknown field '{key}'{did_you_mean(key, ITEM_KEYS)}", key)
    if not isinstance(ident, str) or isinstance(ident, Ambiguous) or not ident:
        add("missing 'id' (an exercise id from 'backcare exercises list')", "id")
        return None
    if ident not in library:
        add(unknown_id_message(ident, library.exercises), "id")
        return None
    ex = library.get(ident)
    ranges = ex.dose.ranges()
    dose: dict[str, int | None] = {}
    for f in DOSE_FIELDS:
        v = raw.get(f)
        if v is None:
            dose[f] = None
            continue
        if isinstance(v, bool) or not isinstance(v, int) or isinstance(v, Ambiguous):
            add(f"{f} must be a whole number, not {v!r}", f)
            continue
        if not 1 <= v <= DOSE_CEILING[f]:
            add(f"{f} is {v}; it must be between 1 and {DOSE_CEILING[f]}", f)
            continue
        if f not in ranges:
            add(f"{f} does not apply to {ex.name} (it uses {', '.join(ranges) or 'no dose'})", f)
            continue
        dose[f] = v
    days_raw = raw.get("days")
    days: tuple[str, ...] = WEEKDAYS
    if days_raw is not None:
        if not isinstance(days_raw, list) or not days_raw:
            add("days must be a list such as [mon, wed, fri]", "days")
        else:
            got = []
            for d in days_raw:
                text = DAY_NAMES.get(d.strip().lower()) if isinstance(d, str) else None
                if text is None:
                    add(
                        f"'{d}' is not a day of the week (use mon, tue, wed, thu, fri, sat, sun)",
                        "days",
                    )
                else:
                    got.append(text)
            days = tuple(dict.fromkeys(got))
    note = raw.get("note")
    if isinstance(note, Ambiguous):
        add(
            f"note is {note!r}, which YAML 1.1 reads as {note.yaml11_value}; put it in quotes",
            "note",
        )
        note = None
    elif note is not None and not isinstance(note, str):
        add(f"note must be text, not {note!r} (put it in quotes)", "note")
        note = None
    elif note is not None and unsafe_char(note, multiline=True) is not None:
        # as --note: a note is shown on the plan, and an escape sequence would act on the
        # terminal (issue 24)
        add("note contains control characters; only plain text is allowed", "note")
        note = None
    if len(p.problems) > before:
        return None
    return PrescribedItem(ex.id, Dose(**dose), days, note.strip() if note else None)
