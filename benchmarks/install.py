"""What installing backcare costs a new user (issue 15): a fresh venv, a cache-less
``pip install .``, and three figures — the install's wall time, the disk space it adds to the
venv, and how many packages it brings, backcare included.

It installs whatever pyproject.toml asks for, through this machine's usual pip settings, from
a copy of the sources (so no build folder lands in the working tree). Run it with
``python benchmarks/run.py --install``; ``--tiny`` installs backcare alone (``--no-deps``),
a quick check that the script works.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "backcare", "data")
MIB = 1024 * 1024
# Issue 15's targets, measured on this machine.
TARGET_SECONDS = 25.0
TARGET_MB = 120.0
TARGET_PACKAGES = 26
BIGGEST_SHOWN = 8


@dataclass
class Figures:
    seconds: float  # wall time of `pip install .`
    added_mb: float  # disk space the install added to the venv
    packages: int  # distributions the install added, backcare included
    base_mb: float  # the fresh venv, with pip
    names: list[str]
    biggest: list[tuple[str, int]]  # (distribution, bytes), largest first
    runs: bool  # the installed backcare answered --version


def disk_usage(folder: Path) -> int:
    """Bytes on disk under ``folder``, as ``du`` counts them (blocks, each file once)."""
    seen: set[tuple[int, int]] = set()
    total = 0
    for path in [folder, *folder.rglob("*")]:
        st = path.lstat()
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        total += getattr(st, "st_blocks", 0) * 512 or st.st_size
    return total


def _python(venv: Path) -> Path:
    scripts = venv / ("Scripts" if os.name == "nt" else "bin")
    return scripts / ("python.exe" if os.name == "nt" else "python")


def installed(venv: Path) -> dict[str, str]:
    res = subprocess.run(
        [
            str(_python(venv)),
            "-m",
            "pip",
            "list",
            "--format",
            "json",
            "--disable-pip-version-check",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return {p["name"].lower(): p["version"] for p in json.loads(res.stdout)}


def package_sizes(venv: Path, names: set[str]) -> list[tuple[str, int]]:
    """The disk space of each installed distribution's files, largest first."""
    code = (
        "import json, sys\nfrom importlib.metadata import distributions\n"
        "out = {}\nfor d in distributions():\n"
        "    out[d.metadata['Name'].lower()] = [str(d.locate_file(f)) for f in d.files or []]\n"
        "json.dump(out, sys.stdout)"
    )
    res = subprocess.run(
        [str(_python(venv)), "-c", code], capture_output=True, text=True, check=True
    )
    files = json.loads(res.stdout)
    sizes = []
    for name in names:
        total = 0
        for f in files.get(name, []):
            try:
                st = os.lstat(f)
            except OSError:
                continue
            total += getattr(st, "st_blocks", 0) * 512 or st.st_size
        sizes.append((name, total))
    return sorted(sizes, key=lambda pair: -pair[1])


def copy_sources(target: Path) -> Path:
    source = target / "backcare-src"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", "build")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=ignore)
        elif path.exists():
            shutil.copy2(path, source / name)
    return source


def measure(tiny: bool = False) -> Figures:
    """Install into a fresh venv and return the figures."""
    work = Path(tempfile.mkdtemp(prefix="backcare-install-"))
    try:
        venv = work / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        before_bytes = disk_usage(venv)
        before = installed(venv)
        source = copy_sources(work)
        args = [
            str(_python(venv)),
            "-m",
            "pip",
            "install",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "-q",
            str(source),
        ]
        if tiny:
            args.insert(5, "--no-deps")
        t0 = time.perf_counter()
        res = subprocess.run(args, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - t0
        if res.returncode != 0:
            raise SystemExit(f"pip install failed ({res.returncode}):\n{res.stderr[-3000:]}")
        added = set(installed(venv)) - set(before)
        added_bytes = disk_usage(venv) - before_bytes
        ran = subprocess.run(
            [str(_python(venv)), "-m", "backcare", "--version"],
            capture_output=True,
            text=True,
            check=False,
        )
        return Figures(
            seconds,
            added_bytes / MIB,
            len(added),
            before_bytes / MIB,
            sorted(added),
            package_sizes(venv, added)[:BIGGEST_SHOWN],
            ran.returncode == 0 and ran.stdout.startswith("backcare "),
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(f: Figures, tiny: bool = False) -> bool:
    """Print the table (the README's performance section shows it); True when every target
    is met."""
    rows = [
        (
            "install time (pip install ., no cache)",
            f"{f.seconds:.1f} s",
            f"≤ {TARGET_SECONDS:g} s",
            f.seconds <= TARGET_SECONDS,
        ),
        ("venv size added", f"{f.added_mb:.0f} MB", f"≤ {TARGET_MB:g} MB", f.added_mb <= TARGET_MB),
        (
            "packages installed, backcare included",
            str(f.packages),
            f"≤ {TARGET_PACKAGES}",
            f.packages <= TARGET_PACKAGES,
        ),
    ]
    what = (
        "backcare alone (--no-deps, a check that the script works)"
        if tiny
        else "backcare and every dependency pyproject.toml names"
    )
    print(
        f"\nbackcare install benchmark — {what}: a fresh venv ({f.base_mb:.0f} MB with "
        "pip), one cache-less `pip install .` from a copy of the sources"
    )
    print(
        f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}, {sys.platform}; "
        "MB = 2^20 bytes of disk, as du counts\n"
    )
    print("| figure | measured | target | ok |")
    print("|---|---|---|---|")
    for label, measured, target, good in rows:
        print(f"| {label} | {measured} | {target} | {'yes' if good else 'NO'} |")
    print(
        "\nlargest packages: "
        + ", ".join(f"{name} {size / MIB:.0f} MB" for name, size in f.biggest)
    )
    print("installed: " + ", ".join(f.names))
    if not f.runs and not tiny:  # without its dependencies it cannot
        print("\nthe installed backcare did not run: backcare --version failed")
    ok = all(good for *_, good in rows) and (f.runs or tiny)
    print(f"\n{'every target met' if ok else 'SOME TARGETS MISSED'}")
    return ok


def main(tiny: bool = False) -> bool:
    print("installing into a fresh venv…", file=sys.stderr)
    return report(measure(tiny), tiny)


if __name__ == "__main__":
    sys.exit(0 if main("--tiny" in sys.argv) else 1)
