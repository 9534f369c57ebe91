"""Reading YAML that people write by hand: safely, with line numbers, and with no surprises.

PyYAML's safe loader is the base. On top of it this loader
- remembers the line of every mapping key, so each problem can name its line;
- refuses a key repeated inside one mapping (PyYAML silently keeps the last one);
- refuses anchors and aliases outright, so an alias bomb ("billion laughs") is rejected at once
  instead of being expanded;
- keeps YAML 1.1's yes/no/on/off, sexagesimal numbers (``1:30``, which PyYAML would silently
  read as 90) and octal numbers (``010``, read as 8) as :class:`Ambiguous` strings, so a
  validator can say that ``name: no`` would have been read as false;
- limits size and nesting depth, so a hostile file is refused quickly.
"""

from __future__ import annotations

import errno
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from backcare.errors import BackcareError, Problem

MAX_YAML_BYTES = 2 * 1024 * 1024  # a library of 1,000 exercises is well under 1 MiB
MAX_DEPTH = 20  # the deepest legitimate structure is 4 levels


class Ambiguous(str):
    """A plain scalar that YAML 1.1 would read as a bool or a base-60 number."""

    yaml11_value: Any = None


class LineDict(dict[str, Any]):
    """A mapping that remembers where it and each of its keys stood in the file."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list[Any]):
    line: int = 0


_BOOL11 = re.compile(r"^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF)$")
_SEXAGESIMAL = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$")
_OCTAL11 = re.compile(r"^[-+]?0[0-7_]+$")  # YAML 1.1 reads `010` as 8
_AMBIGUOUS = re.compile(f"{_BOOL11.pattern}|{_SEXAGESIMAL.pattern}|{_OCTAL11.pattern}")


def _loader_class() -> type:
    import yaml

    class Loader(yaml.SafeLoader):
        depth = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise _Refused(
                    "anchors and aliases (& and *) are not allowed", event.start_mark.line + 1
                )
            event = self.peek_event()
            if getattr(event, "anchor", None):
                raise _Refused(
                    "anchors and aliases (& and *) are not allowed", event.start_mark.line + 1
                )
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _Refused(
                    f"nested more than {MAX_DEPTH} levels deep", event.start_mark.line + 1
                )
            try:
                return super().compose_node(parent, index)
            finally:
                self.depth -= 1

    # YAML 1.1 booleans other than true/false, base-60 and octal numbers: keep as Ambiguous
    # text. The first resolver that matches wins, and SafeLoader's int and float resolvers
    # also match `1:30` and `010`, so the ambiguous one must come first in every list.
    # Dates stay text too: a date that does not exist (2026-02-30) would otherwise fail
    # inside PyYAML with no line, and whoever reads a date checks it with the line in hand.
    resolvers = {
        k: [
            (tag, rx)
            for tag, rx in v
            if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
        ]
        for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    for first in "yYnNoO-+0123456789":
        resolvers[first] = [("tag:backcare,ambiguous", _AMBIGUOUS), *resolvers.get(first, [])]
    Loader.yaml_implicit_resolvers = resolvers
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )

    def construct_ambiguous(loader: Any, node: Any) -> Ambiguous | int:
        value = Ambiguous(node.value)
        if _BOOL11.match(node.value):
            value.yaml11_value = str(node.value.lower() in ("y", "yes", "on")).lower()
        elif _OCTAL11.match(node.value):
            digits = node.value.replace("_", "")
            if int(digits, 8) == int(digits, 10):
                return int(digits, 10)  # `05` means 5 either way: nothing to warn about
            value.yaml11_value = f"{int(digits, 8)} (a number in base 8)"
        else:
            value.yaml11_value = f"{_base60(node.value)} (a number in base 60)"
        return value

    def construct_mapping(loader: Any, node: Any) -> Iterator[LineDict]:
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        yield result
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str) or isinstance(key, Ambiguous):
                key = str(key)
            line = key_node.start_mark.line + 1
            if key in result.key_lines:
                raise _Refused(
                    f"the key '{key}' appears twice in one entry "
                    f"(first on line {result.key_lines[key]})",
                    line,
                    _entry_id(node),
                )
            result.key_lines[key] = line
            result[key] = loader.construct_object(value_node, deep=True)

    def construct_sequence(loader: Any, node: Any) -> Iterator[LineList]:
        result = LineList()
        result.line = node.start_mark.line + 1
        yield result
        result.extend(loader.construct_object(child, deep=True) for child in node.value)

    Loader.add_constructor("tag:backcare,ambiguous", construct_ambiguous)
    Loader.add_constructor("tag:yaml.org,2002:map", construct_mapping)
    Loader.add_constructor("tag:yaml.org,2002:seq", construct_sequence)
    return Loader


def _base60(text: str) -> int | float:
    """What YAML 1.1 makes of `1:30` (90): each part is worth 60 times the next."""
    sign = -1 if text.startswith("-") else 1
    total: int | float = 0
    for part in text.lstrip("+-").replace("_", "").split(":"):
        total = total * 60 + (float(part) if "." in part else int(part))
    return sign * total


def _entry_id(node: Any) -> str | None:
    """The plain `id:` of a mapping being built, so a problem in it can name its entry."""
    for key_node, value_node in node.value:
        if key_node.value == "id" and isinstance(value_node.value, str) and value_node.value:
            return str(value_node.value)
    return None


class _Refused(Exception):
    def __init__(self, message: str, line: int, record: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.record = record


_LOADER: type | None = None


def read_text(path: Path, what: str, limit: int = MAX_YAML_BYTES) -> str:
    """Read a hand-written file, refusing links, anything that is not a regular file (a
    FIFO would hang the read, /dev/zero never end it: issue 17), huge files and text that is
    not UTF-8. The read is bounded whatever the file's size says."""
    raw = read_input(path, what, limit)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BackcareError(f"{path}:{line}: is not UTF-8 text (byte {exc.start})") from None


def read_input(path: Path, what: str, limit: int) -> bytes:
    """The bytes of a file someone hands to backcare, or one clear line saying why not."""
    from backcare.storage.files import NotRegularFile, TooBig, read_regular

    name = str(path)
    try:
        raw = read_regular(path, limit)
    except NotRegularFile as exc:
        hint = (
            "; give the real file instead"
            if exc.errno == errno.ELOOP
            else f"; {what} must be a regular file"
        )
        raise BackcareError(f"{name}: {exc.strerror}{hint}") from None
    except TooBig as exc:
        raise BackcareError(
            f"{name}: is {exc.size / 1024 / 1024:.1f} MiB; {what} must be "
            f"under {limit // 1024 // 1024} MiB"
        ) from None
    except IsADirectoryError:
        raise BackcareError(f"{name}: is a folder, not a file") from None
    except PermissionError:
        raise BackcareError(f"{name}: cannot be read (permission denied)") from None
    except OSError as exc:
        raise BackcareError(f"{name}: cannot be read ({exc.strerror})") from None
    if raw is None:
        raise BackcareError(f"{name}: no such file")
    return raw


def load_yaml(path: Path, what: str = "the file") -> Any:
    """Parse one YAML document into LineDict/LineList, or raise BackcareError with file:line."""
    return parse_yaml(read_text(path, what), str(path))


def parse_yaml(text: str, name: str) -> Any:
    """Parse YAML text (a file's, or one about to be written) as :func:`load_yaml` does;
    ``name`` is what problems are located by."""
    global _LOADER
    if not text.strip():
        raise BackcareError(f"{name}:1: the file is empty", [Problem("the file is empty", name, 1)])
    import yaml

    if _LOADER is None:
        _LOADER = _loader_class()
    loader = _LOADER(text)
    try:
        data = loader.get_single_data()
    except _Refused as exc:
        problem = Problem(exc.message, name, exc.line, exc.record)
        raise BackcareError(str(problem), [problem]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        msg = f"not valid YAML: {exc.problem or exc.context}"
        raise BackcareError(f"{name}:{line}: {msg}", [Problem(msg, name, line)]) from None
    except yaml.YAMLError as exc:
        raise BackcareError(
            f"{name}: not valid YAML: {exc}", [Problem(f"not valid YAML: {exc}", name, 1)]
        ) from None
    except RecursionError:
        raise BackcareError(f"{name}: nested too deeply to read") from None
    finally:
        loader.dispose()
    if data is None:
        raise BackcareError(
            f"{name}:1: the file holds no data", [Problem("the file holds no data", name, 1)]
        )
    return data
