"""The layers of the code, checked from its import graph (STYLE.md; issue 12).

The graph is read from the source with ``ast``: every import, at the top of a module or
inside a function, except those under ``if TYPE_CHECKING:`` (they never run). A layer may
import the layers below it and never those above:

    cli, commands  →  render, exporters, loading  →  storage  →  domain  →  errors, messages

- **domain** (``backcare/domain/``) is pure: no storage, no files read by hand, no terminal,
  no typer or rich, no renderer or exporter, and no clock.
- **storage** is the only layer that imports tinydb, and it knows nothing of the terminal.
- **exporters** and **render** present what the domain computed: neither touches storage.
- **loading** reads files people write; it does not print.
- There is no import cycle anywhere.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "backcare"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, module: str, is_package: bool) -> set[str]:
    """The modules ``tree`` imports when it runs (names resolved to backcare modules where
    they are ones)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module if is_package else module.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}" if base else package
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


GRAPH = {name: _imports(ast.parse(path.read_text(encoding="utf-8")), name,
                        path.name == "__init__.py")
         for name, path in MODULES.items()}


def in_layer(module: str, layer: str) -> bool:
    return module == layer or module.startswith(layer + ".")


def offenders(layer: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(f"{module} imports {target}"
                  for module, targets in GRAPH.items() if in_layer(module, layer)
                  for target in targets
                  if any(in_layer(target, f) for f in forbidden))


def test_the_graph_sees_every_module() -> None:
    assert "backcare.domain.planner" in GRAPH and "backcare.storage.store" in GRAPH
    assert "backcare.domain.history" in GRAPH["backcare.domain.analytics"]


def test_the_domain_is_pure() -> None:
    forbidden = ("backcare.storage", "backcare.loading", "backcare.render",
                 "backcare.exporters", "backcare.commands", "backcare.cli", "backcare.clock",
                 "typer", "click", "rich", "plotext", "tinydb", "yaml", "fpdf", "icalendar",
                 "fhir", "os", "sys", "time", "pathlib", "termios", "select")
    assert offenders("backcare.domain", forbidden) == []


def test_only_storage_imports_tinydb() -> None:
    users = sorted(m for m, targets in GRAPH.items() if any(in_layer(t, "tinydb")
                                                           for t in targets))
    assert users and all(in_layer(m, "backcare.storage") for m in users), users


def test_storage_knows_nothing_of_the_terminal_or_the_commands() -> None:
    assert offenders("backcare.storage", ("backcare.render", "backcare.commands",
                                          "backcare.exporters", "backcare.cli", "typer",
                                          "rich")) == []


@pytest.mark.parametrize("layer", ["backcare.exporters", "backcare.render"])
def test_presenters_never_touch_storage_or_the_commands(layer: str) -> None:
    assert offenders(layer, ("backcare.storage", "backcare.commands", "backcare.cli",
                             "tinydb")) == []


def test_loading_does_not_print() -> None:
    assert offenders("backcare.loading", ("backcare.render", "backcare.commands",
                                          "backcare.exporters", "rich", "typer")) == []


def test_there_is_no_import_cycle() -> None:
    """Tarjan's strongly connected components over backcare's own modules."""
    graph = {m: {t for t in targets if t in MODULES and t != m}
             for m, targets in GRAPH.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

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
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    assert cycles == []


def test_a_cycle_would_be_found() -> None:
    """The checker itself: a made-up pair that import each other is a cycle."""
    tree_a = ast.parse("from backcare.domain import alerts\n")
    tree_b = ast.parse("def f():\n    from backcare.domain import analytics\n")
    a = _imports(tree_a, "backcare.domain.analytics", False)
    b = _imports(tree_b, "backcare.domain.alerts", False)
    assert "backcare.domain.alerts" in a and "backcare.domain.analytics" in b
    guarded = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                        "    from backcare.storage import Store\n")
    assert not any(in_layer(t, "backcare.storage")
                   for t in _imports(guarded, "backcare.domain.x", False))
