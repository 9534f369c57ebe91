"""A physiotherapist's own thresholds, from ``$BACKCARE_HOME/settings.yaml``.

CLINICAL.md §4 says the pain-guided progression values are defaults between sources that
disagree, so they must be configurable. The file is optional::

    thresholds:
      green_max: 2        # pain 0–2 counts as green
      amber_max: 5
"""

from __future__ import annotations

import math
from pathlib import Path

from backcare.domain.clinical import DEFAULT, Thresholds
from backcare.errors import BackcareError, ProblemList
from backcare.loading.yamlload import LineDict, load_yaml


def load_thresholds(path: Path) -> Thresholds:
    """The thresholds in ``path`` (a data folder's settings.yaml), else the defaults."""
    return read_thresholds(path)[0]


def read_thresholds(path: Path) -> tuple[Thresholds, frozenset[str]]:
    """The thresholds in ``path``, and the names of those the file sets (the others keep
    their defaults): `backcare config` says where each value comes from."""
    if not path.exists():
        return DEFAULT, frozenset()

    data = load_yaml(path, "a settings file")
    problems = ProblemList()
    name = str(path)
    if not isinstance(data, LineDict) or set(data) - {"thresholds"}:
        problems.add("expected one mapping, 'thresholds'", file=name, line=1)
        raise BackcareError(f"{name}: not a valid settings file", problems.problems)
    raw = data.get("thresholds")
    if raw is None:
        return DEFAULT, frozenset()
    if not isinstance(raw, LineDict):
        problems.add("'thresholds' must be a mapping", file=name, line=data.line_of("thresholds"))
        raise BackcareError(f"{name}: not a valid settings file", problems.problems)
    # Each threshold's kind is its default's: whole numbers stay whole (a count of days or
    # sessions), the others may have decimals.
    known = {field: type(value) for field, value in DEFAULT._asdict().items()}
    changes: dict[str, float] = {}
    for key, value in raw.items():
        line = raw.line_of(key)
        if key not in known:
            problems.add(f"unknown threshold '{key}'", file=name, line=line)
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 \
                or not math.isfinite(value):
            problems.add(f"{key} must be a number ≥ 0, not {value!r}", file=name, line=line)
        elif known[key] is int and value != int(value):
            problems.add(f"{key} must be a whole number, not {value!r}", file=name, line=line)
        else:
            changes[key] = int(value) if known[key] is int else float(value)
    result = DEFAULT._replace(**changes)  # type: ignore[arg-type]
    if not result.green_max < result.amber_max <= 10:
        problems.add("green_max must be below amber_max, and amber_max at most 10",
                     file=name, line=raw.line)
    problems.raise_if_any(f"{name}: not a valid settings file")
    return result, frozenset(changes)
