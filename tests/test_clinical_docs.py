"""docs/clinical.md: the rules, thresholds and sources the code, the README and the library
cite (issue 11). Every cited section exists, and the bounds table is the code's own."""

from __future__ import annotations

import re
from pathlib import Path

from backcare.domain.clinical import BOUNDS, DEFAULT

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "clinical.md"


def sections() -> set[int]:
    return {
        int(n)
        for n in re.findall(r"^## (\d+)\. ", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)
    }


def test_the_doc_has_the_sections_of_clinical_md() -> None:
    assert sections() == set(range(1, 11))


def test_every_section_cited_anywhere_exists() -> None:
    cited: set[int] = set()
    files = [
        *ROOT.joinpath("backcare").rglob("*.py"),
        ROOT / "data" / "exercises.yaml",
        ROOT / "README.md",
    ]
    for path in files:
        text = path.read_text(encoding="utf-8")
        for ref in re.findall(r"(?:CLINICAL|clinical)\.md[^§\n]{0,3}(§[\d§, –-]+)", text):
            cited |= {int(n) for n in re.findall(r"\d+", ref)}
    assert cited and cited <= sections()


def test_the_bounds_table_is_the_codes_own() -> None:
    rows = re.findall(
        r"^\| `(\w+)` \| ([\d.]+) \| (.+?) \|$", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE
    )
    table = {name: (float(default), allowed) for name, default, allowed in rows}
    assert set(table) == set(BOUNDS)
    for name, (low, high) in BOUNDS.items():
        default, allowed = table[name]
        assert default == getattr(DEFAULT, name), name
        if name == "amber_max":
            assert allowed == f"`green_max` + 1 to {high:g}"
        else:
            assert allowed == f"{low:g}–{high:g}", name


def test_the_readme_points_to_it() -> None:
    assert "docs/clinical.md" in (ROOT / "README.md").read_text(encoding="utf-8")
