"""Ready to publish (issue 15): ``python -m build`` makes an sdist and a wheel with the
metadata an index shows (classifiers, licence, the README as the long description), both
install and run, and a plain, non-editable install ships the exercise library (CONTRACT.md,
"Where data lives") and the report's fonts with their licences."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIBRARY_IN_WHEEL = "backcare/data/exercises.yaml"
FONTS_IN_WHEEL = (
    "backcare/fonts/DejaVuSans.ttf",
    "backcare/fonts/DejaVuSans-Bold.ttf",
    "backcare/fonts/DroidSansFallback.ttf",
    "backcare/fonts/LICENSE-DejaVu.txt",
    "backcare/fonts/LICENSE-DroidSansFallback-Apache-2.0.txt",
    "backcare/fonts/README.md",
)
FULL_ENV = "BACKCARE_FULL"  # pyproject.toml: the long-running variants of the tests
BUILD_TIMEOUT_S = 180  # an isolated build fetches setuptools: allow for a slow index


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
    tool = config["tool"]["setuptools"]
    assert "backcare.fonts" in tool["packages"]  # a package of its own (issue 27)
    patterns = tool["package-data"]["backcare.fonts"]
    for name in FONTS_IN_WHEEL:
        path = ROOT / name
        assert path.is_file(), name
        relative = path.relative_to(ROOT / "backcare" / "fonts").as_posix()
        assert any(Path(relative).match(pattern) for pattern in patterns), name
    licence = (ROOT / "backcare/fonts/LICENSE-DejaVu.txt").read_text(encoding="utf-8")
    assert "Bitstream Vera Fonts Copyright" in licence and "Arev Fonts Copyright" in licence
    apache = (ROOT / "backcare/fonts/LICENSE-DroidSansFallback-Apache-2.0.txt").read_text(
        encoding="utf-8"
    )
    assert "Apache License" in apache and "Version 2.0" in apache


def test_the_dependencies_are_light_and_fhir_validation_is_an_extra() -> None:
    """issue 15: no matplotlib or numpy (the PDF draws its own charts); fhir.resources only
    in the [fhir] extra and the test extra."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    names = {
        d.split(">")[0].split("<")[0].split("=")[0].strip().lower()
        for d in config["project"]["dependencies"]
    }
    assert not names & {"matplotlib", "numpy", "fhir.resources"}
    extras = config["project"]["optional-dependencies"]
    assert any(d.startswith("fhir.resources") for d in extras["fhir"])
    assert any(d.startswith("fhir.resources") for d in extras["test"])


def test_every_package_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "backcare").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert found <= listed, f"packages a wheel would leave out: {sorted(found - listed)}"


def _run(
    *args: str, cwd: Path | None = None, timeout: float = BUILD_TIMEOUT_S
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        check=False,
        env={**os.environ, "PIP_NO_INPUT": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )


OFFLINE = (
    "Could not find a version that satisfies",
    "No matching distribution",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
)


def copy_sources(source: Path) -> Path:
    """What a build reads, copied, so that no build/ or egg-info lands in the working tree."""
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "backcare", source / "backcare", ignore=ignore)
    shutil.copytree(ROOT / "data", source / "data", ignore=ignore)
    return source


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``python -m build`` of a copy of the sources (so no build/ or egg-info folder lands
    in the working tree): the sdist, then the wheel built from that sdist, as PyPI would
    get them. The build fetches its own setuptools from pip's index."""
    work = tmp_path_factory.mktemp("dist")
    source = copy_sources(work / "src")
    out = work / "dist"
    try:
        res = _run(sys.executable, "-m", "build", "--outdir", str(out), str(source))
    except subprocess.TimeoutExpired:
        pytest.skip(f"python -m build did not finish in {BUILD_TIMEOUT_S} s (offline?)")
    if res.returncode != 0 and "No module named build" in res.stderr:
        pytest.skip("the 'build' package is not installed (pip install -e '.[test]')")
    if res.returncode != 0 and any(m in res.stdout + res.stderr for m in OFFLINE):
        pytest.skip(f"the build could not fetch setuptools (offline?): {res.stderr[-300:]}")
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    # Every folder of the package is declared: setuptools warns of one that is not
    # ("Package 'backcare.fonts' is absent from the packages configuration", issue 27).
    assert "is absent from the" not in res.stdout + res.stderr, res.stdout[-3000:]
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    [built] = dist.glob("backcare-*.whl")
    return built


@pytest.fixture(scope="module")
def sdist(dist: Path) -> Path:
    [built] = dist.glob("backcare-*.tar.gz")
    return built


def test_the_wheel_contains_the_exercise_library(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        assert LIBRARY_IN_WHEEL in names
        assert zf.read(LIBRARY_IN_WHEEL) == (ROOT / "data" / "exercises.yaml").read_bytes()
        for module in ("backcare/cli.py", "backcare/commands/exercises.py", "backcare/__main__.py"):
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
    show = (
        "import backcare, backcare.storage.paths as p; print(backcare.__file__); "
        "print(p.bundled_library())"
    )
    res = subprocess.run(
        [sys.executable, "-c", show],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    module, library = res.stdout.split()
    assert Path(module).is_relative_to(site)
    assert Path(library) == site / LIBRARY_IN_WHEEL
    res = subprocess.run(
        [sys.executable, "-m", "backcare", "exercises", "check"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert str(site / LIBRARY_IN_WHEEL) in res.stderr


def test_pyproject_is_ready_to_publish() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert project["readme"] == {"file": "README.md", "content-type": "text/markdown"}
    assert project["dynamic"] == ["version"]
    classifiers = set(project["classifiers"])
    for needed in (
        "Environment :: Console",
        "Operating System :: OS Independent",
        "Programming Language :: Python :: 3.11",
        "Topic :: Scientific/Engineering :: Medical Science Apps.",
    ):
        assert needed in classifiers
    # Every classifier is a real one: the index refuses an upload with an unknown one.
    assert all(re.fullmatch(r"[A-Z][\w .+/-]*( :: [\w .+/-]+)+", c) for c in classifiers)


def _metadata(wheel: Path) -> tuple[dict[str, list[str]], str]:
    with zipfile.ZipFile(wheel) as zf:
        [name] = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        message = Parser().parsestr(zf.read(name).decode("utf-8"))
    fields: dict[str, list[str]] = {}
    for key, value in message.items():
        fields.setdefault(key, []).append(value)
    return fields, str(message.get_payload())


def test_the_wheel_carries_the_metadata_an_index_shows(wheel: Path) -> None:
    from backcare import __version__

    fields, description = _metadata(wheel)
    assert fields["Name"] == ["backcare"] and fields["Version"] == [__version__]
    assert fields["License-Expression"] == ["MIT"]
    assert fields["Requires-Python"] == [">=3.11"]
    assert fields["Description-Content-Type"] == ["text/markdown"]
    assert "Environment :: Console" in fields["Classifier"]
    assert description.strip() == (ROOT / "README.md").read_text(encoding="utf-8").strip()
    with zipfile.ZipFile(wheel) as zf:
        licences = [n for n in zf.namelist() if n.endswith("LICENSE")]
        assert licences and all(".dist-info/" in n for n in licences)


def test_the_sdist_holds_what_a_build_from_it_needs(sdist: Path) -> None:
    with tarfile.open(sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n}
    for needed in (
        "pyproject.toml",
        "README.md",
        "LICENSE",
        "data/exercises.yaml",
        "backcare/cli.py",
        "backcare/py.typed",
        "PKG-INFO",
    ):
        assert needed in names, needed


@pytest.mark.parametrize("artifact", ["wheel", "sdist"])
def test_each_artifact_installs_and_runs(
    artifact: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """``pip install`` of the file itself (the dependencies are this environment's), then
    the installed console script, away from the source tree."""
    built: Path = request.getfixturevalue(artifact)
    target = tmp_path / "site"
    res = _run(
        sys.executable,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-cache-dir",
        "-q",
        "--target",
        str(target),
        str(built),
    )
    if res.returncode != 0 and any(m in res.stdout + res.stderr for m in OFFLINE):
        pytest.skip(f"building the sdist could not fetch setuptools: {res.stderr[-300:]}")
    assert res.returncode == 0, res.stderr[-2000:]
    script = target / "bin" / "backcare"
    assert script.is_file()
    env = {**os.environ, "PYTHONPATH": str(target), "BACKCARE_HOME": str(tmp_path / "home")}
    env.pop("BACKCARE_LIBRARY", None)
    version = subprocess.run(
        [sys.executable, str(script), "--version"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    from backcare import __version__

    assert (version.returncode, version.stdout) == (0, f"backcare {__version__}\n"), version.stderr
    check = subprocess.run(
        [sys.executable, str(script), "exercises", "check"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
        check=False,
    )
    assert check.returncode == 0, check.stderr
    assert str(target / LIBRARY_IN_WHEEL) in check.stderr


@pytest.mark.slow
def test_pipx_installs_it(tmp_path: Path) -> None:
    """``pipx install .`` as the README says (the full run only: it installs every
    dependency into a new environment, as a new user's machine would)."""
    pipx = shutil.which("pipx")
    if os.environ.get(FULL_ENV) != "1" or pipx is None:
        pytest.skip(f"needs pipx on PATH and {FULL_ENV}=1 (it installs every dependency)")
    env = {
        **os.environ,
        "PIPX_HOME": str(tmp_path / "pipx"),
        "PIPX_BIN_DIR": str(tmp_path / "bin"),
        "PIPX_MAN_DIR": str(tmp_path / "man"),
    }
    source = copy_sources(tmp_path / "src")
    res = subprocess.run(
        [pipx, "install", str(source)],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    ran = subprocess.run(
        [str(tmp_path / "bin" / "backcare"), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0 and ran.stdout.startswith("backcare "), ran.stderr


def test_the_installed_package_writes_a_report_with_its_own_fonts(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site), "BACKCARE_HOME": str(tmp_path / "home")}
    out = tmp_path / "report.pdf"
    probe = (
        "import sys, backcare.exporters.pdf_layout as layout; "
        "print(layout.FONT_DIR); from backcare.cli import main; "
        f"main(['export', '--format', 'pdf', '--out', {str(out)!r}])"
    )
    res = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert Path(res.stdout.split()[0]) == site / "backcare" / "fonts"
    assert out.read_bytes().startswith(b"%PDF") and b"DejaVu" in out.read_bytes()


def test_every_folder_of_the_package_is_declared() -> None:
    """No folder under backcare/ that setuptools would warn is absent from the packages."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared = set(config["tool"]["setuptools"]["packages"])
    folders = {
        "backcare." + p.relative_to(ROOT / "backcare").as_posix().replace("/", ".")
        for p in (ROOT / "backcare").rglob("*")
        if p.is_dir() and p.name != "__pycache__" and any(f.is_file() for f in p.iterdir())
    }
    assert folders <= declared, folders - declared


def test_the_readme_installs_the_fhir_extra_from_a_checkout() -> None:
    """backcare is not on an index: `pip install 'backcare[fhir]'` would not find it."""
    for doc in ("README.md", "docs/interoperability.md"):
        text = (ROOT / doc).read_text(encoding="utf-8")
        assert "backcare[fhir]" not in text, doc
    assert "pip install '.[fhir]'" in (ROOT / "README.md").read_text(encoding="utf-8")
