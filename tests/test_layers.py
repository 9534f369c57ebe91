"""The layers of the code, checked from its import graph (STYLE.md; issues 12 and 27).

The graph is read from the source with ``ast``: every import, at the top of a module, inside
a function, or under ``if TYPE_CHECKING:`` (a type that names a layer above is a dependency
on it too). Every package has a place in one order, bottom first, and a package may import
only the packages below it, never one beside it or above it:

    errors, messages, backcare  →  domain  →  clock  →  context  →  storage
        →  loading, exporters  →  render  →  commands  →  cli  →  __main__

Besides the order:

- **domain** (``backcare/domain/``) is pure: no typer, rich or other library of the edges,
  no ``os``, ``sys``, ``pathlib`` or ``importlib``, and it neither reads the clock
  (``date.today``, ``datetime.now``) nor opens a file (``open``).
- **storage** is the only layer that imports tinydb, and it knows nothing of the terminal.
- **exporters** and **render** present what the domain computed: neither touches storage.
- **loading** reads files people write; it does not print.
- Only ``clock.py`` reads the clock.
- No module imports another module's private names (``_name``).
- There is no import cycle anywhere.

Each rule is tested by mutation too: a violation planted in a copy of the source is caught.
"""

from __future__ import annotations

import ast
import functools
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "backcare"

# Bottom first. A package imports only those of lower levels (and its own modules).
ORDER: tuple[tuple[str, ...], ...] = (
    ("backcare.errors", "backcare.messages", "backcare.imports", "backcare"),
    ("backcare.domain",),
    ("backcare.clock",),
    ("backcare.context",),
    ("backcare.storage",),
    ("backcare.loading", "backcare.exporters"),
    ("backcare.render",),
    ("backcare.commands",),
    ("backcare.cli",),
    ("backcare.__main__",),
)
LEVEL = {package: n for n, level in enumerate(ORDER) for package in level}

DOMAIN_FORBIDDEN = (
    "typer",
    "click",
    "rich",
    "plotext",
    "tinydb",
    "yaml",
    "fpdf",
    "icalendar",
    "fhir",
    "os",
    "sys",
    "time",
    "pathlib",
    "termios",
    "select",
    "importlib",
)
CLOCK_READS = {
    ("date", "today"),
    ("datetime", "now"),
    ("datetime", "today"),
    ("datetime", "utcnow"),
    ("time", "time"),
}


class Source:
    """A copy of backcare's source (or the real one): its modules and their imports."""

    def __init__(self, package: Path, parsed: Source | None = None) -> None:
        """``parsed``: a Source of the same files, whose trees are taken where a file is
        unchanged (a mutant differs from the real source in one file)."""
        self.package = package
        self.texts: dict[str, str] = {}
        self.paths = {self.module_name(p): p for p in package.rglob("*.py")}
        self.trees = {name: self._parse(name, path, parsed) for name, path in self.paths.items()}
        same = {
            name
            for name in self.paths
            if parsed is not None and self.trees[name] is parsed.trees.get(name)
        }
        assert parsed is not None or not same
        self.graph = {
            name: parsed.graph[name]
            if name in same and parsed
            else {target for target, _ in self.imports(name)}
            for name in self.paths
        }
        # What runs: without TYPE_CHECKING's imports (a cycle through a type is harmless).
        self.runtime = {
            name: parsed.runtime[name]
            if name in same and parsed
            else {target for target, _ in self.imports(name, typing=False)}
            for name in self.paths
        }

    def _parse(self, name: str, path: Path, parsed: Source | None) -> ast.Module:
        text = path.read_text(encoding="utf-8")
        self.texts[name] = text
        if parsed is not None and parsed.texts.get(name) == text:
            return parsed.trees[name]
        return ast.parse(text)

    def module_name(self, path: Path) -> str:
        parts = list(path.relative_to(self.package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        return ".".join(parts)

    def imports(self, module: str, typing: bool = True) -> list[tuple[str, str]]:
        """``(module imported, name imported)`` for every import, TYPE_CHECKING's too
        unless ``typing`` is False."""
        is_package = self.paths[module].name == "__init__.py"
        found: list[tuple[str, str]] = []
        skipped = (
            set()
            if typing
            else {
                id(n)
                for node in ast.walk(self.trees[module])
                if isinstance(node, ast.If) and _is_type_checking(node)
                for child in node.body
                for n in ast.walk(child)
            }
        )
        for node in ast.walk(self.trees[module]):
            if id(node) in skipped:
                continue
            if isinstance(node, ast.Import):
                found.extend((alias.name, "") for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = module if is_package else module.rpartition(".")[0]
                    for _ in range(node.level - 1):
                        package = package.rpartition(".")[0]
                    base = f"{package}.{base}" if base else package
                for alias in node.names:
                    candidate = f"{base}.{alias.name}"
                    found.append((candidate, "") if candidate in self.paths else (base, alias.name))
        return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def in_layer(module: str, layer: str) -> bool:
    return module == layer or module.startswith(layer + ".")


def package_of(module: str) -> str | None:
    """The package of the order a backcare module belongs to (None: not backcare's)."""
    matches = [p for p in LEVEL if in_layer(module, p) and p != "backcare"]
    if matches:
        return max(matches, key=len)
    return "backcare" if module == "backcare" else None


def offenders(src: Source, layer: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} imports {target}"
        for module, targets in src.graph.items()
        if in_layer(module, layer)
        for target in targets
        if any(in_layer(target, f) for f in forbidden)
    )


# --- the rules, each a function of the source ------------------------------------------------


def unplaced_packages(src: Source) -> list[str]:
    """Every module belongs to a package of the order."""
    return sorted(m for m in src.paths if package_of(m) is None)


def order_breaches(src: Source) -> list[str]:
    """Every pair of packages: an import goes down the order, never across or up."""
    found = []
    for module, targets in src.graph.items():
        own = package_of(module)
        for target in targets:
            theirs = package_of(target)
            if own is None or theirs is None or theirs == own:
                continue
            if LEVEL[theirs] >= LEVEL[own]:
                found.append(f"{module} ({own}) imports {target} ({theirs})")
    return sorted(found)


def impure_domain(src: Source) -> list[str]:
    found = offenders(src, "backcare.domain", DOMAIN_FORBIDDEN)
    for module, tree in src.trees.items():
        if in_layer(module, "backcare.domain"):
            found += [f"{module}:{line} {what}" for line, what in _clock_and_files(tree)]
    return sorted(found)


def clock_readers(src: Source) -> list[str]:
    """Only backcare.clock reads the clock: storage, exports and commands ask it."""
    return sorted(
        f"{module}:{line} {what}"
        for module, tree in src.trees.items()
        if module != "backcare.clock"
        for line, what in _clock_and_files(tree)
        if what != "open()"
    )


def private_imports(src: Source) -> list[str]:
    """No module takes another's private helpers (``from backcare.x import _y``)."""
    return sorted(
        f"{module} imports {target}.{name}"
        for module in src.paths
        for target, name in src.imports(module)
        if name.startswith("_")
        and not name.startswith("__")
        and in_layer(target, "backcare")
        and target != module
    )


def tinydb_users(src: Source) -> list[str]:
    return sorted(
        m
        for m, targets in src.graph.items()
        if any(in_layer(t, "tinydb") for t in targets) and not in_layer(m, "backcare.storage")
    )


def cycles(src: Source) -> list[list[str]]:
    """Tarjan's strongly connected components over backcare's own modules, as they run."""
    graph = {
        m: {t for t in targets if t in src.paths and t != m} for m, targets in src.runtime.items()
    }
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def _clock_and_files(tree: ast.AST) -> list[tuple[int, str]]:
    """``date.today()``, ``datetime.now()`` (also as ``datetime.datetime.now``), a
    ``date.today`` passed as a function, and ``open(...)``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            owner = node.value
            name = (
                owner.id
                if isinstance(owner, ast.Name)
                else owner.attr
                if isinstance(owner, ast.Attribute)
                else None
            )
            if (name, node.attr) in CLOCK_READS:
                found.append((node.lineno, f"{name}.{node.attr}"))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "open"
        ):
            found.append((node.lineno, "open()"))
    return found


# --- the real source obeys every rule ---------------------------------------------------------

SRC = Source(PACKAGE)


def test_the_graph_sees_every_module() -> None:
    assert "backcare.domain.planner" in SRC.graph and "backcare.storage.store" in SRC.graph
    assert "backcare.domain.history" in SRC.graph["backcare.domain.analytics"]


def test_every_package_has_a_place_in_the_order() -> None:
    assert unplaced_packages(SRC) == []
    packages = {package_of(m) for m in SRC.paths}
    assert packages == set(LEVEL), set(LEVEL) ^ packages


def test_every_import_goes_down_the_order() -> None:
    assert order_breaches(SRC) == []


def test_the_domain_is_pure() -> None:
    assert impure_domain(SRC) == []


def test_only_clock_py_reads_the_clock() -> None:
    assert clock_readers(SRC) == []


def test_no_module_imports_another_modules_private_helpers() -> None:
    assert private_imports(SRC) == []


def test_only_storage_imports_tinydb() -> None:
    # Storage writes tinydb's format through its journal and needs no import of it
    # (tests/test_tinydb_format.py opens every data file with tinydb).
    assert tinydb_users(SRC) == []


def test_storage_knows_nothing_of_the_terminal_or_the_commands() -> None:
    assert (
        offenders(
            SRC,
            "backcare.storage",
            (
                "backcare.render",
                "backcare.commands",
                "backcare.exporters",
                "backcare.cli",
                "typer",
                "rich",
            ),
        )
        == []
    )


@pytest.mark.parametrize("layer", ["backcare.exporters", "backcare.render"])
def test_presenters_never_touch_storage_or_the_commands(layer: str) -> None:
    assert (
        offenders(SRC, layer, ("backcare.storage", "backcare.commands", "backcare.cli", "tinydb"))
        == []
    )


def test_loading_does_not_print() -> None:
    assert (
        offenders(
            SRC,
            "backcare.loading",
            ("backcare.render", "backcare.commands", "backcare.exporters", "rich", "typer"),
        )
        == []
    )


def test_there_is_no_import_cycle() -> None:
    assert cycles(SRC) == []


# --- each rule catches a violation planted in a copy (mutation) -------------------------------


@functools.cache
def _on_the_real_source(rule: Callable[[Source], list[object]]) -> list[object]:
    return rule(SRC)


def _copy(tmp_path: Path) -> Path:
    dest = tmp_path / "backcare"
    shutil.copytree(
        PACKAGE, dest, ignore=shutil.ignore_patterns("__pycache__", "fonts", "*.md", "*.typed")
    )
    return dest


def _plant(tmp_path: Path, module: str, text: str) -> Source:
    root = _copy(tmp_path)
    path = root.joinpath(*module.split(".")[1:]).with_suffix(".py")
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(old + "\n" + text + "\n", encoding="utf-8")
    return Source(root, parsed=SRC)


MUTATIONS: list[tuple[str, str, str, Callable[[Source], list[object]]]] = [
    ("a package outside the order", "backcare.plugins.extra", "X = 1\n", unplaced_packages),
    (
        "domain imports storage",
        "backcare.domain.words",
        "from backcare.storage import Store",
        order_breaches,
    ),
    (
        "storage imports render",
        "backcare.storage.ids",
        "def f():\n    from backcare.render import ui",
        order_breaches,
    ),
    (
        "exporters import loading, beside them",
        "backcare.exporters.csv_export",
        "from backcare.loading import yamlload",
        order_breaches,
    ),
    ("commands import cli", "backcare.commands.visit", "import backcare.cli", order_breaches),
    (
        "domain imports render under TYPE_CHECKING",
        "backcare.domain.words",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        "    from backcare.render.ui import out",
        order_breaches,
    ),
    ("domain imports rich", "backcare.domain.words", "import rich", impure_domain),
    (
        "domain imports importlib",
        "backcare.domain.words",
        "def f():\n    import importlib\n    return importlib.import_module('x')",
        impure_domain,
    ),
    (
        "domain reads date.today",
        "backcare.domain.words",
        "def f():\n    return date.today()",
        impure_domain,
    ),
    (
        "domain reads datetime.now",
        "backcare.domain.words",
        "import datetime\ndef f():\n    return datetime.datetime.now()",
        impure_domain,
    ),
    (
        "domain opens a file",
        "backcare.domain.words",
        "def f(p):\n    return open(p).read()",
        impure_domain,
    ),
    (
        "a command reads the clock",
        "backcare.commands.visit",
        "def f():\n    return datetime.now()",
        clock_readers,
    ),
    (
        "storage names a backup by date.today",
        "backcare.storage.ids",
        "def f(today=date.today):\n    return today()",
        clock_readers,
    ),
    (
        "storage ages a file by time.time",
        "backcare.storage.files",
        "def f(st):\n    return time.time() - st.st_mtime",
        clock_readers,
    ),
    (
        "a command takes another's private helper",
        "backcare.commands.visit",
        "from backcare.commands.export import _private",
        private_imports,
    ),
    ("render imports tinydb", "backcare.render.ui", "import tinydb", tinydb_users),
    ("a cycle", "backcare.domain.schedule", "from backcare.domain import planner", cycles),
]


@pytest.mark.parametrize(
    ("what", "module", "text", "rule"), MUTATIONS, ids=[m[0] for m in MUTATIONS]
)
def test_each_rule_catches_a_planted_violation(
    tmp_path: Path, what: str, module: str, text: str, rule: Callable[[Source], list[object]]
) -> None:
    before = _on_the_real_source(rule)
    assert before == []
    planted = rule(_plant(tmp_path, module, text))
    assert len(planted) > len(before), what
