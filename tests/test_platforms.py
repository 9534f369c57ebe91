"""backcare runs wherever Python does (issue 15).

Windows has no ``fcntl``, ``termios`` or ``tty``, no ``os.O_NOFOLLOW`` and no ``os.fchmod``
(Python 3.11), and has ``msvcrt`` instead. No Windows machine runs these tests, so they take
those modules away here: a meta-path finder refuses them, the ``os`` functions are removed,
backcare's own modules are imported afresh under those rules, and a fake ``msvcrt`` stands in
for the console and the lock. The daily commands then run through ``main()``, and a guided
session answers single keys through the Windows input layer.
"""

from __future__ import annotations

import ast
import errno
import gc
import importlib
import io
import json
import os
import pkgutil
import re
import sys
from collections.abc import Iterator
from datetime import date, timedelta
from importlib.abc import MetaPathFinder
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "backcare"
POSIX_ONLY = ("fcntl", "termios", "tty")
DAY = date(2026, 3, 2)


class RefusePosixModules(MetaPathFinder):
    """The import system as Windows has it: these modules do not exist."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname.partition(".")[0] in POSIX_ONLY:
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


class FakeMsvcrt(ModuleType):
    """Windows' ``msvcrt``: ``locking`` with the real module's rules (a byte range is
    locked by one file at a time), and a console that gives the keys of ``keys``."""

    LK_UNLCK, LK_LOCK, LK_NBLCK, LK_RLCK, LK_NBRLCK = 0, 1, 2, 3, 4

    def __init__(self) -> None:
        super().__init__("msvcrt")
        self.keys: list[str] = []
        self.keys_read: list[str] = []
        self.locks_taken = 0
        self.locks_released = 0
        self._held: dict[tuple[int, int], int] = {}

    # -- the lock --
    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        st = os.fstat(fd)
        key = (st.st_dev, st.st_ino)
        if mode == self.LK_UNLCK:
            if self._held.get(key) != fd:
                raise OSError(errno.EACCES, "not locked by this file")
            del self._held[key]
            self.locks_released += 1
        elif mode == self.LK_NBLCK:
            if key in self._held:
                raise OSError(errno.EACCES, "Permission denied")
            self._held[key] = fd
            self.locks_taken += 1
        else:
            raise AssertionError(f"backcare used locking mode {mode}, which may block forever")

    # -- the console --
    def kbhit(self) -> bool:
        if not self.keys:
            raise AssertionError("the session waited for a key the test did not give")
        return True

    def getwch(self) -> str:
        key = self.keys.pop(0)
        self.keys_read.append(key)
        return key


class WindowsLock:
    """filelock's WindowsFileLock as it locks: byte 0 of the lock file, without waiting,
    tried again until the time is up; here through the fake msvcrt."""

    def __init__(self, path: Path, msvcrt: FakeMsvcrt) -> None:
        self.path, self.msvcrt, self.fd = path, msvcrt, -1

    def acquire(self, timeout: float = -1, blocking: bool = True) -> None:
        import time

        from filelock import Timeout

        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.msvcrt.locking(fd, self.msvcrt.LK_NBLCK, 1)
            except OSError:
                if not blocking or time.monotonic() > deadline:
                    os.close(fd)
                    raise Timeout(str(self.path)) from None
                time.sleep(0.01)
                continue
            self.fd = fd
            return

    def release(self) -> None:
        self.msvcrt.locking(self.fd, self.msvcrt.LK_UNLCK, 1)
        os.close(self.fd)


@pytest.fixture
def windows(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeMsvcrt]:
    """Python as on Windows, for backcare: no POSIX-only modules or os functions, a fake
    msvcrt, and every backcare module imported anew under those rules."""
    saved = {
        name: mod
        for name, mod in sys.modules.items()
        if name.partition(".")[0] in (*POSIX_ONLY, "backcare", "msvcrt")
    }
    for name in saved:
        del sys.modules[name]
    finder = RefusePosixModules()
    sys.meta_path.insert(0, finder)
    fake = FakeMsvcrt()
    sys.modules["msvcrt"] = fake
    for name in ("O_NOFOLLOW", "fchmod"):
        monkeypatch.delattr(os, name, raising=False)
    monkeypatch.delenv("CI_NONINTERACTIVE", raising=False)
    # The data folder's lock is filelock's, whose Windows lock calls LockFileEx through
    # ctypes (its maintainers test it on Windows): here it locks byte 0 through msvcrt.
    import backcare.storage.lock as lock_module

    monkeypatch.setattr(lock_module, "_file_lock", lambda path: WindowsLock(path, fake))
    threshold = gc.get_threshold()
    try:
        yield fake
    finally:
        gc.set_threshold(*threshold)  # main() raises it for its short life
        sys.meta_path.remove(finder)
        for name in [
            n for n in sys.modules if n.partition(".")[0] in (*POSIX_ONLY, "backcare", "msvcrt")
        ]:
            del sys.modules[name]
        sys.modules.update(saved)
        assert fake._held == {}, "a lock was never released"


def run(*args: str) -> tuple[int, str, str]:
    """``backcare ARGS`` through the console script's ``main()``, in this process."""
    from backcare.cli import main

    out, err = io.StringIO(), io.StringIO()
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    else:
        code = 0
    finally:
        sys.stdout, sys.stderr = old
    return code, out.getvalue(), err.getvalue()


def ok(*args: str) -> str:
    code, out, err = run(*args)
    assert code == 0, (args, err)
    return out


def test_the_finder_really_hides_the_posix_modules(windows: FakeMsvcrt) -> None:
    for name in POSIX_ONLY:
        with pytest.raises(ImportError):
            importlib.import_module(name)
    import msvcrt

    assert msvcrt is windows
    assert not hasattr(os, "O_NOFOLLOW") and not hasattr(os, "fchmod")


def test_every_module_of_backcare_imports_without_them(windows: FakeMsvcrt) -> None:
    names = ["backcare"] + [m.name for m in pkgutil.walk_packages([str(PACKAGE)], "backcare.")]
    for name in names:
        importlib.import_module(name)
    assert len(names) > 60
    assert not any(n in sys.modules for n in POSIX_ONLY)


def test_the_daily_commands_run_through_main(
    windows: FakeMsvcrt, backcare_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", DAY.isoformat())
    start = (DAY - timedelta(days=6)).isoformat()
    ok(
        "init",
        "--no-red-flags",
        "--no-conditions",
        "--assessed",
        "--pain",
        "5",
        "--yes",
        "--date",
        start,
    )
    plan = json.loads(ok("plan", "--json"))
    assert plan["items"]
    first = plan["items"][0]["exercise_id"]
    for n in range(6):
        d = (DAY - timedelta(days=5 - n)).isoformat()
        ok("log", "--done", first, "--date", d, "--note", "à l'aise — 背中 ok")
        ok("pain", str(5 - n % 3), "--date", d, "--note", "raideur le matin")
    progress = json.loads(ok("progress", "--json"))
    assert progress["sessions_done"] == 6
    exports = {}
    for fmt in ("json", "csv", "fhir", "ics", "pdf"):
        out = tmp_path / f"export.{fmt}"
        ok("export", "--format", fmt, "--out", str(out))
        exports[fmt] = out.read_bytes()
    doc = json.loads(exports["json"].decode("utf-8"))
    assert [s["note"] for s in doc["sessions"]] == ["à l'aise — 背中 ok"] * 6
    assert "背中".encode() in exports["csv"]
    assert exports["pdf"].startswith(b"%PDF")
    # Every file backcare wrote is UTF-8 and kept its newlines as written.
    for path in backcare_home.rglob("*.json"):
        path.read_bytes().decode("utf-8")
        assert b"\r\n" not in path.read_bytes()
    # Every write held the Windows lock, and let it go.
    assert windows.locks_taken >= 13
    assert windows.locks_released == windows.locks_taken
    assert not any(n in sys.modules for n in POSIX_ONLY)


class PromptedStdin(io.StringIO):
    """A console's stdin: each line answers the question last printed on ``screen``, by
    what it asks, so that rewording one question does not shift every answer after it."""

    ANSWERS = (
        (r"How is your pain now", "2"),
        (r"how is your back pain right now", "3"),
        (r"How many of the \d+ minutes", "4"),
        (r"Did it hurt\?", "1"),  # a number: the question has no default (issue 11)
        (r"0 to 10|0–10", "0"),
        (r"Anything to note\?", "typed on windows"),
    )

    def __init__(self, screen: io.StringIO) -> None:
        super().__init__()
        self.screen = screen
        self.asked: list[str] = []

    def isatty(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        question = self.screen.getvalue().rstrip().rsplit("\n", 1)[-1]
        for pattern, answer in self.ANSWERS:
            if re.search(pattern, question):
                self.asked.append(question)
                self.screen.write(answer + "\n")  # the console echoes the line typed
                return answer + "\n"
        raise AssertionError(f"the session asked a question the test did not expect: {question!r}")


def test_a_guided_session_through_the_windows_keys(
    windows: FakeMsvcrt, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", DAY.isoformat())
    ok(
        "init",
        "--no-red-flags",
        "--no-conditions",
        "--assessed",
        "--pain",
        "3",
        "--yes",
        "--date",
        DAY.isoformat(),
    )
    rx = tmp_path / "rx.yaml"
    rx.write_text(
        "exercises:\n  - id: sit-to-stand\n  - id: walking\n  - id: mini-squat\n", encoding="utf-8"
    )
    ok("programme", "import", str(rx))

    windows.keys = [
        "s",  # getting up from a chair: skip it, no Enter after the letter
        "\r",  # walking: start
        "p",
        "\r",  # its countdown: pause, then Enter goes on
        "\xe0",
        "H",  # an arrow key (two codes on Windows) does nothing
        "\r",  # Enter ends the walk early: "how many minutes?" 4
        "\r",  # mini-squat: start
        "\r",  # rep 1 done
        "q",  # stop during rep 2
    ]
    screen = io.StringIO()
    stdin = PromptedStdin(screen)
    monkeypatch.setattr(sys, "stdin", stdin)

    from backcare.cli import main

    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = screen, io.StringIO()
    try:
        with pytest.raises(SystemExit) as exit_:
            main(["session"])
    finally:
        sys.stdout, sys.stderr = old
    assert exit_.value.code in (0, None), screen.getvalue()[-2000:]
    assert windows.keys == [], "keys left unread"
    assert windows.keys_read[0] == "s"

    h = json.loads(ok("history", "--json", "--from", DAY.isoformat()))
    (session,) = h["sessions"]
    logged = {e["exercise_id"]: e for e in session["exercises"]}
    # The prescription's former id (sit-to-stand) is logged under its current one.
    assert [e["exercise_id"] for e in session["exercises"]] == [
        "getting-up-from-a-chair",
        "walking",
        "mini-squat",
    ]
    assert logged["getting-up-from-a-chair"]["status"] == "skipped"
    assert (logged["walking"]["status"], logged["walking"]["duration_minutes"]) == ("partial", 4)
    assert logged["mini-squat"]["status"] == "partial"
    assert (logged["walking"]["pain"], logged["mini-squat"]["pain"]) == (1, 1)
    assert (session["pain_before"], session["pain_after"], session["note"]) == (
        3,
        2,
        "typed on windows",
    )
    assert "Session stopped. What you did is saved." in screen.getvalue()


# --- the rules, read from the source -----------------------------------------------------------

KEYS_MODULE = PACKAGE / "render" / "keys.py"
LOCK_MODULE = PACKAGE / "storage" / "lock.py"
PLATFORM_MODULES = {"fcntl", "termios", "tty", "select", "msvcrt"}


def _imports(tree: ast.AST) -> Iterator[tuple[str, bool]]:
    """Each module imported, and whether at the top level of the file."""
    top = {id(n) for n in getattr(tree, "body", [])}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.partition(".")[0], id(node) in top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module.partition(".")[0], id(node) in top


def test_platform_modules_are_imported_only_by_the_keys_and_the_lock() -> None:
    """Issue 15: no fcntl, termios, tty, select or msvcrt at module level anywhere, and
    inside functions only in the two modules that choose between the platforms."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        for name, at_top in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if name in PLATFORM_MODULES and (at_top or path not in (KEYS_MODULE, LOCK_MODULE)):
                found.append(
                    f"{path.relative_to(ROOT)} imports {name}"
                    + (" at module level" if at_top else "")
                )
    assert found == []


def _calls(tree: ast.AST) -> Iterator[ast.Call]:
    yield from (n for n in ast.walk(tree) if isinstance(n, ast.Call))


def test_text_files_are_opened_as_utf8_and_binary_files_as_bytes() -> None:
    """Windows' default encoding is the locale's (often cp1252): every open() names its
    encoding, or opens bytes."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        for call in _calls(ast.parse(path.read_text(encoding="utf-8"))):
            func = call.func
            if isinstance(func, ast.Attribute):  # path.open(), path.read_text(), …
                if (
                    func.attr not in ("open", "read_text", "write_text")
                    or getattr(func.value, "id", "") == "os"
                ):  # os.open: bytes
                    continue
                name = func.attr
            elif getattr(func, "id", "") == "open":  # the builtin
                name = "open"
            else:
                continue
            keywords = {k.arg for k in call.keywords}
            # The mode: open(file, mode) for the builtin, path.open(mode) for a Path.
            at = 1 if name == "open" and not isinstance(func, ast.Attribute) else 0
            given = call.args[at : at + 1] + [k.value for k in call.keywords if k.arg == "mode"]
            modes = [m.value for m in given if isinstance(m, ast.Constant)]
            if "encoding" not in keywords and not any("b" in str(m) for m in modes):
                found.append(f"{path.relative_to(ROOT)}:{call.lineno} {name}()")
    assert found == []


def test_paths_are_joined_with_pathlib_not_a_slash_in_a_string() -> None:
    """No ``home / "log/2026-11.json"`` or ``f"{home}/x"`` for a path: on Windows the
    separator is a backslash."""
    found = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
                for side in (node.left, node.right):
                    if (
                        isinstance(side, ast.Constant)
                        and isinstance(side.value, str)
                        and ("/" in side.value or "\\" in side.value)
                    ):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
        for call in _calls(tree):
            if getattr(call.func, "id", "") in ("Path", "PurePath") and any(
                isinstance(a, (ast.Constant, ast.JoinedStr)) and "/" in ast.unparse(a)
                for a in call.args
            ):
                found.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert found == []


def test_posix_only_os_features_are_looked_up_not_assumed() -> None:
    """``os.O_NOFOLLOW``, ``os.O_BINARY`` and ``os.fchmod`` exist on one platform only: they
    are read with getattr."""
    allowed: set[tuple[str, str]] = set()
    found = []
    for path in PACKAGE.rglob("*.py"):
        rel = str(path.relative_to(PACKAGE))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and getattr(node.value, "id", "") == "os"
                and node.attr
                in ("O_NOFOLLOW", "O_BINARY", "fchmod", "lchmod", "getuid", "geteuid", "fchown")
                and (rel, node.attr) not in allowed
            ):
                found.append(f"{rel}:{node.lineno} os.{node.attr}")
    assert found == []


def test_modes_are_not_checked_where_they_mean_nothing(
    backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Windows a data folder's privacy is its access list: mode bits read as 0o777 and
    would raise a false alarm at every start."""
    from backcare.storage import Store, store

    s = Store(backcare_home)
    s.ensure_home()
    backcare_home.chmod(0o755)
    assert s.permission_problems()
    monkeypatch.setattr(store, "POSIX_MODES", False)
    assert s.permission_problems() == []
    assert s.fix_permissions() == 0
