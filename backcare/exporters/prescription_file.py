"""A prescription as the YAML file a physiotherapist would write by hand (CONTRACT.md,
"Prescription file"): what `programme new`, `clinic prescribe` and `programme export
--format yaml` write, and what `programme import` reads back (issue 16).

Text is written as YAML double-quoted scalars (JSON's string syntax is one), so that no
note can be misread (``no``, ``1:30``) or break the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from backcare.domain.models import DOSE_FIELDS, WEEKDAYS, Prescription

# Plain words that YAML would read as something else (a library id is kebab-case, so these
# are the only ones that need quotes).
_NOT_PLAIN = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _ident(value: str) -> str:
    return _text(value) if value.lower() in _NOT_PLAIN else value


def prescription_yaml(
    p: Prescription, names: Mapping[str, str], comments: Sequence[str] = ()
) -> str:
    """The file's text: ``comments`` first (each a line of its own), then the prescription,
    each exercise with its name as a comment."""
    lines = [f"# {line}".rstrip() for text in comments for line in text.splitlines()]
    if p.prescribed_by:
        lines.append(f"prescribed_by: {_text(p.prescribed_by)}")
    if p.start:
        lines.append(f"start: {p.start.isoformat()}")
    lines.append(f"allow_progression: {'true' if p.allow_progression else 'false'}")
    lines.append("exercises:")
    for item in p.items:
        name = names.get(item.exercise_id)
        lines.append(f"  - id: {_ident(item.exercise_id)}" + (f"  # {name}" if name else ""))
        for field in DOSE_FIELDS:
            value = getattr(item.dose, field)
            if value is not None:
                lines.append(f"    {field}: {value}")
        if item.days != WEEKDAYS:
            lines.append(f"    days: [{', '.join(item.days)}]")
        if item.note:
            lines.append(f"    note: {_text(item.note)}")
    return "\n".join(lines) + "\n"
