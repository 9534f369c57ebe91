"""A plain, non-editable install must ship the exercise library (CONTRACT.md, "Where data
lives") and the report's fonts with their licences: build the wheel and look inside it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIBRARY_IN_WHEEL = "backcare/data/exercises.yaml"
FONTS_IN_WHEEL = ("backcare/fonts/DejaVuSans.ttf", "backcare/fonts/DejaVuSans-Bold.ttf",
                  "backcare/fonts/DroidSansFallback.ttf", "backcare/fonts/LICENSE-DejaVu.txt",
                  "backcare/fonts/LICENSE-DroidSansFallback-Apache-2.0.txt",
                  "backcare/fonts/README.md")
FULL_ENV = "BACKCARE_FULL"  # pyproject.toml: the long-running variants of the tests
BUILD_TIMEOUT_S = 90  # an isolated build fetches setuptools and wheel: allow for a slow index
MISSING_BUILD_TOOLS = ("invalid command 'bdist_wheel'", "No module named 'setuptools'",
                       "No module named 'wheel'", "Cannot import 'setuptools.build_meta'")


def test_pyproject_ships_the_library_as_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    tool = config["tool"]["setuptools"]
    assert "backcare.data" in tool["packages"]
    assert tool["package-dir"]["backcare.data"] == "data"
    assert "*.yaml" in tool["package-data"]["backcare.data"]
    assert (ROOT / "data" / "exercises.yaml").is_file()
    assert config["project"]["scripts"]["backcare"] == "backcare.cli:main"


def test_the_fonts_ship_as_package_data_with_their_licences() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["backcare"]
    for name in FONTS_IN_WHEEL:
        path = ROOT / name
        assert path.is_file(), name
        relative = path.relative_to(ROOT / "backcare").as_posix()
        assert any(Path(relative).match(pattern) for pattern in patterns), name
    licence = (ROOT / "backcare/fonts/LICENSE-DejaVu.txt").read_text(encoding="utf-8")
    assert "Bitstream Vera Fonts Copyright" in licence and "Arev Fonts Copyright" in licence
    apache = (ROOT / "backcare/fonts/LICENSE-DroidSansFallback-Apache-2.0.txt").read_text(
        encoding="utf-8")
    assert "Apache License" in apache and "Version 2.0" in apache


def test_the_dependencies_are_light_and_fhir_validation_is_an_extra() -> None:
    """issue 15: no matplotlib or numpy (the PDF draws its own charts); fhir.resources only
    in the [fhir] extra and the test extra."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = {d.split(">")[0].split("<")[0].split("=")[0].strip().lower()
             for d in config["project"]["dependencies"]}
    assert not names & {"matplotlib", "numpy", "fhir.resources"}
    extras = config["project"]["optional-dependencies"]
    assert any(d.startswith("fhir.resources") for d in extras["fhir"])
    assert any(d.startswith("fhir.resources") for d in extras["test"])


def test_every_package_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {".".join(init.parent.relative_to(ROOT).parts)
             for init in (ROOT / "backcare").rglob("__init__.py")
             if "__pycache__" not in init.parts}
    assert found <= listed, f"packages a wheel would leave out: {sorted(found - listed)}"


def _pip_wheel(source: Path, out: Path, isolated: bool) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "pip", "wheel", "--no-deps",
            "--disable-pip-version-check", "--timeout", "10", "--retries", "0", "-q",
            "-w", str(out), str(source)]
    if not isolated:
        args.insert(5, "--no-build-isolation")
    return subprocess.run(args, capture_output=True, text=True, timeout=BUILD_TIMEOUT_S,
                          env={**os.environ, "PIP_NO_INPUT": "1"}, check=False)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `pip install .` would install, built from a copy of the sources (so no
    build/ or egg-info folder lands in the working tree)."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "backcare", source / "backcare", ignore=ignore)
    shutil.copytree(ROOT / "data", source / "data", ignore=ignore)
    out = work / "dist"
    # As asked: with the build tools already installed, nothing to download.
    res = _pip_wheel(source, out, isolated=False)
    if res.returncode != 0 and any(m in res.stdout + res.stderr for m in MISSING_BUILD_TOOLS):
        if os.environ.get(FULL_ENV) != "1":
            pytest.skip("cannot build a wheel with --no-build-isolation: setuptools' "
                        "bdist_wheel (the 'wheel' package, or setuptools>=70.1) is not "
                        f"installed. Set {FULL_ENV}=1 to build in an isolated environment "
                        "fetched from pip's index instead (about 20 s).")
        # Let pip fetch the build requirements from its configured index instead.
        try:
            res = _pip_wheel(source, out, isolated=True)
        except subprocess.TimeoutExpired:
            pytest.skip("setuptools/wheel are not installed for --no-build-isolation, and an "
                        f"isolated build did not finish in {BUILD_TIMEOUT_S} s (offline?)")
        if res.returncode != 0:
            pytest.skip("setuptools/wheel are not installed for --no-build-isolation, and an "
                        f"isolated build failed (offline?): {res.stderr.strip()[-300:]}")
    assert res.returncode == 0, res.stderr
    [built] = out.glob("backcare-*.whl")
    return built


def test_the_wheel_contains_the_exercise_library(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert LIBRARY_IN_WHEEL in names
        assert zf.read(LIBRARY_IN_WHEEL) == (ROOT / "data" / "exercises.yaml").read_bytes()
        for module in ("backcare/cli.py", "backcare/commands/exercises.py",
                       "backcare/__main__.py"):
            assert module in names
        for font in FONTS_IN_WHEEL:
            assert font in names, font
            assert zf.read(font) == (ROOT / font).read_bytes()
        [entry_points] = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        assert "backcare = backcare.cli:main" in zf.read(entry_points).decode()


def test_the_installed_package_finds_its_library(wheel: Path, tmp_path: Path) -> None:
    """Unpacked as pip would install it, away from the source tree."""
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site), "BACKCARE_HOME": str(tmp_path / "home")}
    env.pop("BACKCARE_LIBRARY", None)
    show = "import backcare, backcare.storage.paths as p; print(backcare.__file__); " \
           "print(p.bundled_library())"
    res = subprocess.run([sys.executable, "-c", show], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=60, check=False)
    assert res.returncode == 0, res.stderr
    module, library = res.stdout.split()
    assert Path(module).is_relative_to(site)
    assert Path(library) == site / LIBRARY_IN_WHEEL
    res = subprocess.run([sys.executable, "-m", "backcare", "exercises", "check"],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60,
                         check=False)
    assert res.returncode == 0, res.stderr
    assert str(site / LIBRARY_IN_WHEEL) in res.stderr


def test_the_installed_package_writes_a_report_with_its_own_fonts(wheel: Path,
                                                                  tmp_path: Path) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site), "BACKCARE_HOME": str(tmp_path / "home")}
    out = tmp_path / "report.pdf"
    probe = ("import sys, backcare.exporters.pdf_layout as layout; "
             "print(layout.FONT_DIR); from backcare.cli import main; "
             f"main(['export', '--format', 'pdf', '--out', {str(out)!r}])")
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=120, check=False)
    assert res.returncode == 0, res.stderr
    assert Path(res.stdout.split()[0]) == site / "backcare" / "fonts"
    assert out.read_bytes().startswith(b"%PDF") and b"DejaVu" in out.read_bytes()
