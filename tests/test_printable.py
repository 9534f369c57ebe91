"""Text from files and echoed arguments never acts on the terminal (issue 24): one function,
``render.ui.printable``, shows every control character as a symbol at each door to the
terminal (messages, error lines, both rich consoles), and JSON escapes the C1 controls.
A test for each source: prescriptions, libraries, imports, clinic files, arguments."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from conftest import Cli, snapshot

START = date(2026, 3, 1)
TODAY = date(2026, 3, 20)
ESC_TITLE = "\x1b]0;pwned\x07"  # sets the window's title
ESC_CLEAR = "\x1b[2J"  # clears the screen
CSI = "\x9b"  # a C1 control some terminals read as ESC [


def acts_on_terminal(text: str) -> bool:
    return any(c in text for c in ("\x1b", "\x07", CSI, "\u202e"))


def test_printable_shows_controls_and_keeps_lines() -> None:
    from backcare.render.ui import printable

    assert (
        printable(f"a{ESC_TITLE}b{ESC_CLEAR}c{CSI}d\u202ee\nf\tg")
        == "a␛]0;pwned␇b␛[2Jc\ufffdd\ufffde\nf\tg"
    )
    assert printable("plain words, é and 😀") == "plain words, é and 😀"


def test_every_door_to_the_terminal_passes_through_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """say() and warn() (stderr), both rich consoles (a table's cells too), and JSON."""
    from rich.table import Table

    from backcare.render import ui

    stdout, stderr = io.StringIO(), io.StringIO()
    monkeypatch.setattr("sys.stdout", stdout)
    monkeypatch.setattr("sys.stderr", stderr)
    ui.say(f"note: {ESC_CLEAR}")
    ui.warn(f"title {ESC_TITLE}")
    table = Table("what")
    table.add_row(f"cell {ESC_CLEAR}{CSI}")
    ui.out().print(table)
    ui.err().print(f"[yellow]{ESC_TITLE}[/]")
    ui.emit_json({"note": f"{CSI}x\u202e"})
    assert not acts_on_terminal(stdout.getvalue()), stdout.getvalue()
    assert not acts_on_terminal(stderr.getvalue()), stderr.getvalue()
    assert "cell ␛[2J" in stdout.getvalue() and "␛]0;pwned␇" in stderr.getvalue()
    assert json.loads(stdout.getvalue().splitlines()[-1]) == {"note": f"{CSI}x\u202e"}


@pytest.mark.parametrize(
    ("field", "line"),
    [
        ('prescribed_by: "A. Physio \\e]0;pwned\\a"', 1),
        ('exercises:\n  - id: bridge\n    note: "squeeze \\e[2J hard"', 3),
    ],
)
def test_a_prescription_with_an_escape_sequence_is_refused(
    patient: Cli, backcare_home: Path, tmp_path: Path, field: str, line: int
) -> None:
    """It once passed programme import, and plan then set the window's title and cleared
    the screen; --note refused the same characters."""
    text = field + ("\nexercises:\n  - id: bridge\n" if field.startswith("prescribed") else "")
    rx = tmp_path / "rx.yaml"
    rx.write_text(text)
    before = snapshot(backcare_home, skip_cache=True)
    res = patient("programme", "import", str(rx))
    assert res.exit_code == 1
    assert f"rx.yaml:{line}:" in res.stderr and "control characters" in res.stderr
    assert not acts_on_terminal(res.output)
    assert snapshot(backcare_home, skip_cache=True) == before


def test_a_library_with_an_escape_sequence_is_refused_without_echoing_it(
    patient: Cli, backcare_home: Path
) -> None:
    mine = backcare_home / "exercises.yaml"
    mine.write_text('version: 1\nexercises:\n  - id: bridge\n    name: "Bridge \\e]0;pwned\\a"\n')
    res = patient("exercises", "show", "bridge")
    assert res.exit_code == 1, res.output
    assert "control characters" in res.stderr
    assert not acts_on_terminal(res.output)


def test_an_import_echoes_no_escape_sequence(patient: Cli, tmp_path: Path) -> None:
    source = tmp_path / "export.json"
    source.write_text(json.dumps({"format": f"backcare-{ESC_CLEAR}", "version": 1}))
    res = patient("import", str(source))
    assert res.exit_code == 1
    assert "format" in res.stderr
    assert not acts_on_terminal(res.output)


@pytest.mark.parametrize(
    "argv",
    [
        ["exercises", "show", ESC_TITLE],
        ["clinic", "show", ESC_CLEAR],
        ["clinic", "add", f"{ESC_CLEAR}.json"],
        ["edit", f"s-{ESC_TITLE}", "--note", "x"],
        ["delete", f"{CSI}2J", "--yes"],
        ["goal", "done", "1"],
    ],
)
def test_an_argument_echoed_in_an_error_is_shown_not_obeyed(patient: Cli, argv: list[str]) -> None:
    res = patient(*argv)
    assert res.exit_code != 0
    assert not acts_on_terminal(res.output), res.output


def test_a_clinic_file_with_an_escape_sequence_reaches_no_terminal(
    patient: Cli, backcare_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clinic's list of patients is a file too: a name in it with an escape sequence
    (written by hand, or by another program) is shown, never obeyed."""
    export = tmp_path / "sam.json"
    assert patient("export", "--format", "json", "--out", str(export)).exit_code == 0
    clinic = tmp_path / "clinic"
    monkeypatch.setenv("BACKCARE_CLINIC_HOME", str(clinic))
    assert patient("clinic", "add", str(export)).exit_code == 0
    listing = clinic / "clinic.json"
    text = listing.read_text()
    assert '"name":null' in text
    listing.write_text(text.replace('"name":null', '"name":"Sam \\u001b]0;pwned\\u0007"'))
    for argv in (["clinic", "list"], ["clinic", "list", "--json"], ["doctor", "--clinic"]):
        res = patient(*argv)
        assert not acts_on_terminal(res.output), (argv, res.output)
