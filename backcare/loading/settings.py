"""A physiotherapist's own thresholds, from ``$BACKCARE_HOME/settings.yaml``.

CLINICAL.md §4 says the pain-guided progression values are defaults between sources that
disagree, so they must be configurable; §10 bounds every one of them, so that a setting
tunes a rule and never switches it off. The file is optional::

    thresholds:
      green_max: 2        # pain 0–2 counts as green
      amber_max: 5
    display:
      pictures: true      # exercise pictures at the terminal (issue 26)
      paper: a4           # or letter: the handout's paper (default: from the locale)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from backcare.domain.clinical import BOUNDS, DEFAULT, Thresholds
from backcare.domain.suggest import did_you_mean
from backcare.errors import BackcareError, ProblemList
from backcare.loading.yamlload import LineDict, load_yaml


def load_thresholds(path: Path) -> Thresholds:
    """The thresholds in ``path`` (a data folder's settings.yaml), else the defaults."""
    return read_thresholds(path)[0]


def read_thresholds(path: Path) -> tuple[Thresholds, frozenset[str]]:
    """The thresholds in ``path``, and the names of those the file sets (the others keep
    their defaults): `backcare config` says where each value comes from. Every value must
    lie within its bound (CLINICAL.md §10); anything else is refused, naming the file and line,
    so that no setting can switch a safety rule off."""
    if not path.exists():
        return DEFAULT, frozenset()

    data = load_yaml(path, "a settings file")
    problems = ProblemList()
    name = str(path)
    if not isinstance(data, LineDict) or set(data) - {"thresholds", "display"}:
        problems.add("expected the mappings 'thresholds' and 'display'", file=name, line=1)
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
            problems.add(
                f"unknown threshold '{key}'{did_you_mean(key, list(known))}", file=name, line=line
            )
            continue
        whole = known[key] is int
        low, high = BOUNDS[key]
        bounds = f"{low:g} to {high:g}"
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "a whole number" if whole else "a number"
            problems.add(f"{key} must be {kind} from {bounds}, not {value!r}", file=name, line=line)
        elif whole and not float(value).is_integer():
            problems.add(f"{key} must be a whole number, not {value!r}", file=name, line=line)
        elif not low <= value <= high:
            problems.add(
                f"{key} {value:g} is out of bounds: it must be {bounds} "
                "(docs/clinical.md §10: no setting may switch a safety rule off)",
                file=name,
                line=line,
            )
        else:
            changes[key] = int(value) if whole else float(value)
    result = DEFAULT._replace(**changes)  # type: ignore[arg-type]
    if not problems.problems and result.amber_max <= result.green_max:
        line = raw.line_of("amber_max") if "amber_max" in raw else raw.line_of("green_max")
        problems.add(
            f"amber_max {result.amber_max:g} must be above green_max "
            f"{result.green_max:g} (docs/clinical.md §10: green_max + 1 to 7)",
            file=name,
            line=line,
        )
    problems.raise_if_any(f"{name}: not a valid settings file")
    return result, frozenset(changes)


# Where Letter paper is the norm (the others use A4): the territory of the locale.
LETTER_TERRITORIES = (
    "US",
    "CA",
    "MX",
    "PH",
    "CL",
    "CO",
    "VE",
    "CR",
    "GT",
    "PA",
    "DO",
    "PR",
    "SV",
    "NI",
    "HN",
    "BZ",
)
PAPERS = ("a4", "letter")


class Display(NamedTuple):
    pictures: bool = True
    paper: str | None = None  # None: from the locale

    def paper_size(self) -> str:
        return self.paper or locale_paper()


def locale_paper() -> str:
    """Letter where the locale's territory uses it (en_US.UTF-8 → US), else A4."""
    for var in ("LC_PAPER", "LC_ALL", "LANG"):
        value = os.environ.get(var)
        if value:
            territory = value.split(".")[0].partition("_")[2].upper()
            return "letter" if territory in LETTER_TERRITORIES else "a4"
    return "a4"


def read_display(path: Path) -> Display:
    """The ``display`` settings: whether the terminal shows pictures, and the paper."""
    if not path.exists():
        return Display()
    data = load_yaml(path, "a settings file")
    raw = data.get("display") if isinstance(data, LineDict) else None
    if raw is None:
        return Display()
    name = str(path)
    problems = ProblemList()
    if not isinstance(raw, LineDict):
        problems.add("'display' must be a mapping", file=name, line=data.line_of("display"))
        raise BackcareError(f"{name}: not a valid settings file", problems.problems)
    out = Display()
    for key, value in raw.items():
        line = raw.line_of(key)
        if key == "pictures":
            if isinstance(value, bool):
                out = out._replace(pictures=value)
            else:
                problems.add(f"pictures must be true or false, not {value!r}", file=name, line=line)
        elif key == "paper":
            if value in PAPERS:
                out = out._replace(paper=value)
            else:
                problems.add(f"paper must be a4 or letter, not {value!r}", file=name, line=line)
        else:
            problems.add(
                f"unknown display setting '{key}'{did_you_mean(str(key), ['pictures', 'paper'])}",
                file=name,
                line=line,
            )
    problems.raise_if_any(f"{name}: not a valid settings file")
    return out
