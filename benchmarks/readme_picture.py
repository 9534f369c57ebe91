"""Make the README's picture of a handout's first page (issue 26).

    python benchmarks/readme_picture.py            # writes docs/handout-page-1.png

A fresh data folder, a patient with a physiotherapist's programme of four exercises, and
`backcare handout` for a fixed week; then page 1 of the PDF as a PNG, through pdfplumber
(a test dependency: pip install -e '.[test]'). Run it again after changing how the handout
or the pictures look, and commit the PNG with the change.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "handout-page-1.png"
TODAY = "2026-03-02"
PROGRAMME = """\
prescribed_by: A. Physio
start: 2026-03-02
exercises:
  - id: cat-cow
    reps: 5
    days: [mon, wed, fri]
  - id: bridge
    sets: 2
    reps: 8
    hold_seconds: 5
    note: squeeze your buttocks as you lift
  - id: bird-dog
    reps: 6
  - id: walking
    duration_minutes: 15
"""
RESOLUTION = 80  # dots per inch: readable on GitHub, a few hundred kilobytes


def main() -> None:
    import pdfplumber

    exe = shutil.which("backcare") or str(Path(sys.executable).parent / "backcare")
    with tempfile.TemporaryDirectory(prefix="backcare-picture-") as tmp:
        home, rx, pdf = Path(tmp) / "home", Path(tmp) / "rx.yaml", Path(tmp) / "handout.pdf"
        env = {**os.environ, "BACKCARE_HOME": str(home), "BACKCARE_TODAY": TODAY, "NO_COLOR": "1"}

        def run(*args: str) -> None:
            subprocess.run([exe, *args], env=env, check=True, capture_output=True)

        run(
            "init",
            "--yes",
            "--no-red-flags",
            "--no-conditions",
            "--pain",
            "5",
            "--equipment",
            "mat",
            "--date",
            TODAY,
        )
        rx.write_text(PROGRAMME, encoding="utf-8")
        run("programme", "import", str(rx))
        run("handout", "--out", str(pdf), "--date", TODAY, "--name", "Sam Smith", "--paper", "a4")
        with pdfplumber.open(pdf) as doc:
            doc.pages[0].to_image(resolution=RESOLUTION).save(OUT)
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
