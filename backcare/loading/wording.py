"""A clinic's own (licensed) questionnaire wording, read from
``$BACKCARE_HOME/questionnaires/<id>.yaml`` (CLINICAL.md §3: the ODI's wording is licensed,
so backcare ships only its section topics)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from backcare.domain.instruments import ItemPrompt, get_instrument
from backcare.errors import BackcareError, Problem, ProblemList
from backcare.loading.yamlload import LineDict, LineList, load_yaml


def load_clinic_wording(instrument_id: str, path: str | os.PathLike[str]) -> list[ItemPrompt]:
    """Read a clinic's own (licensed) wording for an instrument from a YAML file.

    The file holds ``items:``, a list with one entry per item, in order, each with ``text`` and
    ``options`` (one label per answer, lowest score first)::

        items:
          - text: "..."
            options: ["...", "...", ...]

    The number of items and of options per item must match the instrument. Every problem is
    reported, each naming the file, line and item number. The caller decides where to look
    (``$BACKCARE_HOME/questionnaires/<id>.yaml``); this function only reads ``path``.
    """
    instrument = get_instrument(instrument_id)
    file = str(path)
    data: Any = load_yaml(Path(path), "a questionnaire wording file")
    problems = ProblemList()

    def line_of(node: Any) -> int | None:
        return node.line if isinstance(node, (LineDict, LineList)) else None

    if not isinstance(data, dict) or "items" not in data:
        raise BackcareError(
            f"{file}: a questionnaire wording file needs an 'items:' list at the top",
            [
                Problem(
                    "a questionnaire wording file needs an 'items:' list at the top",
                    file,
                    line_of(data),
                )
            ],
        )
    items = data["items"]
    items_line = data.line_of("items") if isinstance(data, LineDict) else None
    if not isinstance(items, list):
        message = "'items' must be a list, one entry per question"
        raise BackcareError(f"{file}: {message}", [Problem(message, file, items_line)])
    expected = len(instrument.items)
    if len(items) != expected:
        message = (
            f"the {instrument.short_name} has {expected} items, but the file gives {len(items)}"
        )
        raise BackcareError(f"{file}: {message}", [Problem(message, file, items_line)])

    prompts: list[ItemPrompt] = []
    for number, (entry, builtin) in enumerate(zip(items, instrument.items, strict=True), 1):
        record = f"item {number}"
        where = line_of(entry) or items_line
        if not isinstance(entry, dict):
            problems.add(
                "must be an entry with 'text' and 'options'", file=file, line=where, record=record
            )
            continue
        for key in entry:
            if key not in ("text", "options"):
                problems.add(
                    f"unknown key '{key}' (only 'text' and 'options' are allowed)",
                    file=file,
                    line=_key_line(entry, key, where),
                    record=record,
                )
        text = entry.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.add(
                "'text' must be the question, as text",
                file=file,
                line=_key_line(entry, "text", where),
                record=record,
            )
        options = entry.get("options")
        options_line = _key_line(entry, "options", where)
        want = len(builtin.options)
        if not isinstance(options, list):
            problems.add(
                f"'options' must be a list of {want} answer labels",
                file=file,
                line=options_line,
                record=record,
            )
            continue
        if len(options) != want:
            problems.add(
                f"'options' has {len(options)} labels; this item needs {want}",
                file=file,
                line=options_line,
                record=record,
            )
        for k, option in enumerate(options, 1):
            if not isinstance(option, str) or not option.strip():
                problems.add(
                    f"option {k} must be text (put numbers in quotes)",
                    file=file,
                    line=options_line,
                    record=record,
                )
        if (
            isinstance(text, str)
            and text.strip()
            and len(options) == want
            and all(isinstance(o, str) and o.strip() for o in options)
        ):
            prompts.append(
                ItemPrompt(
                    text.strip(), tuple(str(o).strip() for o in options), official_wording=True
                )
            )
    if problems:
        first = problems.problems[0]
        more = len(problems.problems) - 1
        summary = f"{first}" + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
        problems.raise_if_any(summary)
    return prompts


def _key_line(entry: Any, key: str, default: int | None) -> int | None:
    line_of = getattr(entry, "line_of", None)
    return line_of(key) if callable(line_of) else default
