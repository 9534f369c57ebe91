"""Shared fixtures. Every test gets its own empty data folder: no test touches real data."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import typer
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent

# Property tests: the same examples on every run of the suite (CI must not fail on a case it
# happened to draw today and not yesterday); BACKCARE_FULL=1 draws new ones each run, to go
# looking for cases nobody has seen.
hypothesis.settings.register_profile("backcare", derandomize=True)
hypothesis.settings.register_profile("backcare-full", derandomize=False)
hypothesis.settings.load_profile(
    "backcare-full" if os.environ.get("BACKCARE_FULL") == "1" else "backcare"
)

# Data folders in memory where the machine has one (Linux's /dev/shm): backcare journals and
# syncs every write, and on a disk the syncs were most of the suite's time (a 400-day seed:
# 14 of its 21 seconds in fsync). A test cannot pull the plug, so a synced page on a disk
# tells it nothing more than one in memory; every call (fsync, rename, flock, chmod) is still
# made and checked. ``--basetemp DIR`` (or PYTEST_DEBUG_TEMPROOT) runs them elsewhere. A
# run writes about 110 MiB there; a small /dev/shm (a container's 64 MiB) is not used.
MEMORY_TEMPROOT = Path("/dev/shm")
MEMORY_TEMPROOT_FREE = 1 << 30


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    import shutil

    if config.option.basetemp is not None or "PYTEST_DEBUG_TEMPROOT" in os.environ:
        return
    try:
        roomy = shutil.disk_usage(MEMORY_TEMPROOT).free >= MEMORY_TEMPROOT_FREE
    except OSError:  # no such folder (macOS, Windows)
        return
    if roomy and os.access(MEMORY_TEMPROOT, os.W_OK | os.X_OK):
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(MEMORY_TEMPROOT)


@pytest.fixture(autouse=True)
def backcare_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("BACKCARE_HOME", str(home))
    monkeypatch.delenv("BACKCARE_LIBRARY", raising=False)
    monkeypatch.delenv("BACKCARE_TODAY", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    return home


def snapshot(home: Path, *, skip_cache: bool = False) -> dict[str, bytes]:
    """Every file in a data folder, with its contents: compare two to see that a refused
    command wrote nothing. ``skip_cache`` leaves out ``cache/``, which only saves time."""
    if not home.exists():
        return {}
    return {
        str(p.relative_to(home)): p.read_bytes()
        for p in sorted(home.rglob("*"))
        if p.is_file() and not (skip_cache and "cache" in p.relative_to(home).parts)
    }


class Result:
    def __init__(self, exit_code: int, stdout: str, stderr: str) -> None:
        self.exit_code, self.stdout, self.stderr = exit_code, stdout, stderr

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __repr__(self) -> str:
        return f"<Result exit={self.exit_code} stdout={self.stdout!r} stderr={self.stderr!r}>"


@pytest.fixture(scope="session")
def backcare_command() -> Any:
    """backcare's whole command tree, built once: typer builds it from every option's type
    hints, most of a CLI test's time if done on each run. Nothing in it depends on the
    environment: each run's Environment (backcare.context) is made when the run starts."""
    from backcare.cli import app

    return typer.main.get_command(app)


def invoke(command: Any, args: list[str], input: str | None = None) -> Result:
    """One run of ``command`` as the console would run it, inside typer's CliRunner's
    isolation (its own stdin, stdout and stderr; no stdin unless given)."""
    with CliRunner().isolation(input=input) as (stdout, stderr, _):
        code: int = 0
        try:
            command.main(args=args, prog_name="backcare")
        except SystemExit as done:
            if isinstance(done.code, int):
                code = done.code
            elif done.code is not None:  # sys.exit("message"): printed, as Python would
                sys.stdout.write(f"{done.code}\n")
                code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        # Read before the isolation ends: its streams close with it.
        return Result(code, _text(stdout.getvalue()), _text(stderr.getvalue()))


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace").replace("\r\n", "\n")


@pytest.fixture
def cli(backcare_command: Any) -> Callable[..., Result]:
    """Run backcare like a user would, through typer's CliRunner; no stdin unless given."""

    def run(*args: str, input: str | None = None) -> Result:
        return invoke(backcare_command, list(args), input)

    return run


Cli = Callable[..., Result]


@pytest.fixture
def patient(cli: Cli, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Cli:
    """A patient who has run init: no red flags, no conditions, assessed by a clinician. The
    test module sets the dates: ``TODAY`` (the clock) and ``START`` (the programme's start,
    default TODAY), and may set ``BASELINE_PAIN`` (default 5)."""
    from datetime import date

    module = request.module
    today: date = getattr(module, "TODAY", date(2026, 3, 2))
    start: date = getattr(module, "START", today)
    monkeypatch.setenv("BACKCARE_TODAY", today.isoformat())
    res = cli(
        "init",
        "--no-red-flags",
        "--no-conditions",
        "--assessed",
        "--pain",
        str(getattr(module, "BASELINE_PAIN", 5)),
        "--yes",
        "--date",
        start.isoformat(),
    )
    assert res.exit_code == 0, res.output
    assert cli("plan", "--json").exit_code == 0  # the library cache is in place
    return cli


@pytest.fixture(scope="session")
def parsed_library(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The library cache a first command writes, with the key its checksums are made with,
    made once: parsing the YAML library takes a third of a second, and each test starts
    with an empty data folder."""
    from backcare.loading.library import load_library

    home = tmp_path_factory.mktemp("library-cache")
    load_library(home)
    return {name: (home / "cache" / name).read_bytes() for name in ("library.cache", "key")}


@pytest.fixture
def warm_library_cache(backcare_home: Path, parsed_library: dict[str, bytes]) -> None:
    """Start a test's data folder with the library cache in place (opt in per file with
    ``pytestmark = pytest.mark.usefixtures("warm_library_cache")``)."""
    backcare_home.mkdir(mode=0o700)
    (backcare_home / "cache").mkdir(mode=0o700)
    for name, data in parsed_library.items():
        path = backcare_home / "cache" / name
        path.write_bytes(data)
        path.chmod(0o600)


_BUNDLED: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def parse_bundled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parse the bundled library file once per run (a third of a second in pure Python, and
    every test starts with an empty data folder, so without a library cache: it was most of
    the time of a test through the command line). Every other library file is parsed for
    real, every time; the cache in the data folder is written and read as usual; a test of
    the parser calls it directly; and a command run as a process of its own parses it all."""
    from backcare.loading import library
    from backcare.storage.paths import bundled_library

    real = library.parse_library_file
    bundled = str(bundled_library())

    def parse(path: Path) -> Any:
        if str(path) != bundled:
            return real(path)
        if bundled not in _BUNDLED:
            _BUNDLED[bundled] = real(path)
        return dict(_BUNDLED[bundled])

    monkeypatch.setattr(library, "parse_library_file", parse)


def export_document(
    store: Any, start: Any = None, end: Any = None, exported_at: str = "2026-04-05T10:00:00+01:00"
) -> dict[str, Any]:
    """The export document of a store's data between two dates, as `export` builds it."""
    from backcare.domain.document import document

    return document(
        store.profile(), store.history(start, end), store.goals(), store.programme(), exported_at
    )


@pytest.fixture(name="export_document")
def export_document_fixture() -> Callable[..., dict[str, Any]]:
    return export_document


# --- a real terminal (pexpect tests) ---------------------------------------------------------


def installed_script() -> str:
    """The installed ``backcare`` console script; the calling test module is skipped, with
    the reason, when there is none (pexpect spawns the script as a patient would run it)."""
    import shutil
    import sys

    found = shutil.which("backcare")
    beside = Path(sys.executable).parent / "backcare"
    if found:
        return found
    if beside.exists():
        return str(beside)
    pytest.skip(
        "the backcare console script is not installed (pip install -e .)", allow_module_level=True
    )


def terminal_env(home: Path, today: str, *, size_from_env: bool = True) -> dict[str, str]:
    """A clean environment for a command run in a pseudo-terminal: its own data folder and
    day, no colour, UTF-8. ``size_from_env``: COLUMNS and LINES say the terminal's size
    (100 × 40); without, the pseudo-terminal's own size does."""
    names = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in names}
    env.update(
        {
            "BACKCARE_HOME": str(home),
            "BACKCARE_TODAY": today,
            "NO_COLOR": "1",
            "TERM": "xterm",
            "PYTHONIOENCODING": "utf-8",
        }
    )
    if size_from_env:
        env.update({"COLUMNS": "100", "LINES": "40"})
    return env


def modules_loaded(
    home: Path, argv: list[str], names: tuple[str, ...], timeout: int = 120
) -> list[str]:
    """Run ``backcare argv`` in a fresh interpreter (it must succeed) and list the modules it
    loaded that are one of ``names`` or inside one: what a command pays for at start-up."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from backcare.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit as e:\n"
        "    assert not e.code, e.code\n"
        f"names = {names!r}\n"
        "print('\\n'.join(sorted(m for m in sys.modules\n"
        "                        if any(m == n or m.startswith(n + '.') for n in names))))\n"
    )
    env = {**os.environ, "BACKCARE_HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


# What `pytest -m "not slow"` leaves out, for everyday work (issue 27): besides the tests
# marked slow where they are defined (fuzz loops, benchmark smoke, mypy), everything that
# drives the console script in a pseudo-terminal or as a separate process (the crash
# harness, the environment's streams and folders, processes racing for the data), builds
# and installs the wheel, or starts a FHIR server. CI runs them all.
SLOW_FIXTURES = {"dist", "wheel", "sdist"}
SLOW_MODULES = {"test_fhir_server.py", "test_crash.py", "test_environment.py"}
SLOW_TESTS = {
    "test_each_artifact_installs_and_runs",
    "test_the_library_cache_is_checked_too",
    "test_undo_history_survives_a_restart",
    "test_two_processes_appending_at_once_lose_nothing",
    "test_a_writer_killed_mid_write_never_leaves_an_unreadable_file",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        name = getattr(item, "originalname", None) or item.name
        if (
            item.get_closest_marker("pty")
            or fixtures & SLOW_FIXTURES
            or item.path.name in SLOW_MODULES
            or name in SLOW_TESTS
        ):
            item.add_marker(pytest.mark.slow)


class Killed(BaseException):
    """The process died here (nothing after it runs, no handler sees it)."""


@pytest.fixture
def cut_before_confirming(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Once called, the next change dies with every data file written and its entry still
    pending."""
    from backcare.storage import store as store_module

    real = store_module.rename_durably

    def die(src: Path, dst: Path) -> None:
        if src.name.endswith(".pending.json"):
            monkeypatch.setattr(store_module, "rename_durably", real)
            raise Killed
        real(src, dst)

    return lambda: monkeypatch.setattr(store_module, "rename_durably", die)
