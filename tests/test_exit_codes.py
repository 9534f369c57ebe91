"""One rule for exit codes (issue 27, CONTRACT.md): 2 for any input a command could not
accept as typed, 1 for bad data or a refused action, 70 for a bug. Every option with a
bounded value (a range, or a closed list of names) is tried out of bounds here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from conftest import Cli, snapshot

TODAY = "2026-03-02"
D = ("--date", TODAY)

# Each: the command line with one value out of bounds, and the option it names.
OUT_OF_BOUNDS: list[tuple[tuple[str, ...], str]] = [
    (("pain", "11", *D), "pain"),
    (("pain", "-1", *D), "pain"),
    (("pain", "4.5", *D), "pain"),
    (("pain", "4", "--symptom", "sneezing", *D), "--symptom"),
    (("visit", "--kind", "massage", *D), "--kind"),
    (("log", "--pain-before", "11", *D), "--pain-before"),
    (("log", "--pain-after", "-2", *D), "--pain-after"),
    (("log", "--hurt", "bridge=11", *D), "--hurt"),
    (("session", "--pain-before", "12", *D), "--pain-before"),
    (("init", "--pain", "11", "--yes", "--no-red-flags", "--no-conditions", *D), "--pain"),
    (("init", "--minutes", "5", "--yes", "--no-red-flags", "--no-conditions", *D), "--minutes"),
    (
        ("init", "--days-per-week", "8", "--yes", "--no-red-flags", "--no-conditions", *D),
        "--days-per-week",
    ),
    (
        ("init", "--equipment", "rocket", "--yes", "--no-red-flags", "--no-conditions", *D),
        "--equipment",
    ),
    (
        (
            "init",
            "--avoid-position",
            "upside-down",
            "--yes",
            "--no-red-flags",
            "--no-conditions",
            *D,
        ),
        "--avoid-position",
    ),
    (("init", "--red-flag", "nosebleed", "--yes", "--no-conditions", *D), "--red-flag"),
    (("init", "--condition", "hiccups", "--yes", "--no-red-flags", *D), "--condition"),
    (
        ("init", "--age-band", "10-20", "--yes", "--no-red-flags", "--no-conditions", *D),
        "--age-band",
    ),
    (
        (
            "init",
            "--condition",
            "pregnancy",
            "--pregnancy-week",
            "50",
            "--yes",
            "--no-red-flags",
            *D,
        ),
        "--pregnancy-week",
    ),
    (("progress", "--weeks", "0", *D), "--weeks"),
    (("export", "--format", "xlsx", "--out", "x.xlsx", *D), "--format"),
    (("export", "--format", "ics", "--weeks", "53", "--out", "x.ics", *D), "--weeks"),
    (("export", "--format", "ics", "--at", "25:00", "--out", "x.ics", *D), "--at"),
    (
        ("export", "--format", "fhir", "--fhir-version", "r3", "--out", "x.json", *D),
        "--fhir-version",
    ),
    (("export", "--format", "fhir", "--bundle", "batch", "--out", "x.json", *D), "--bundle"),
    (("assess", "koos", "--answers", "1", *D), "questionnaire"),
    (("assess", "peg", "--answers", "3,4,11", *D), "--answers"),
    (("exercises", "list", "--category", "yoga"), "--category"),
    (("exercises", "list", "--equipment", "rocket"), "--equipment"),
    (("handout", "--paper", "a5", "--out", "h.pdf", *D), "--paper"),
    (("programme", "export", "--format", "docx", "--out", "p.docx", *D), "--format"),
    (("completion", "tcsh"), "SHELL"),
    (("clinic", "show", "anyone", "--weeks", "0", *D), "--weeks"),
    (("clinic", "prescribe", "anyone", "--format", "xml", *D), "--format"),
]


@pytest.mark.parametrize(
    ("args", "option"), OUT_OF_BOUNDS, ids=[" ".join(a[:3]) for a, _ in OUT_OF_BOUNDS]
)
def test_a_value_out_of_bounds_is_a_usage_error(
    cli: Cli, backcare_home: Path, args: tuple[str, ...], option: str
) -> None:
    before = snapshot(backcare_home)
    res = cli(*args)
    assert res.exit_code == 2, res
    assert option.lower() in res.stderr.lower(), res.stderr  # names what was wrong
    assert "Traceback" not in res.output
    assert snapshot(backcare_home) == before  # and records nothing


# Once a record exists, `edit` changes it with the same options, and the same rule.
EDIT_OUT_OF_BOUNDS: list[tuple[str, ...]] = [
    ("--score", "11"),
    ("--symptom", "sneezing"),
    ("--kind", "massage"),
    ("--pain-before", "11"),
    ("--pain-after", "-1"),
    ("--hurt", "bridge=11"),
]


@pytest.mark.parametrize("change", EDIT_OUT_OF_BOUNDS, ids=[c[0] for c in EDIT_OUT_OF_BOUNDS])
def test_edit_out_of_bounds_is_a_usage_error(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, change: tuple[str, ...]
) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", TODAY)
    assert (
        cli(
            "init", "--no-red-flags", "--no-conditions", "--assessed", "--pain", "5", "--yes", *D
        ).exit_code
        == 0
    )
    kinds = {"--score": "pain", "--symptom": "pain", "--kind": "visit"}
    kind = kinds.get(change[0], "log")
    made = {
        "pain": ("pain", "4", *D),
        "visit": ("visit", *D),
        "log": ("log", "--done", "bridge", *D),
    }[kind]
    assert cli(*made).exit_code == 0
    history = cli("history", "--json", *D).json()
    key = {"pain": "pain_checkins", "visit": "visits", "log": "sessions"}[kind]
    record = history[key][0]["id"]
    res = cli("edit", record, *change, *D)
    assert res.exit_code == 2, res
    assert change[0] in res.stderr


def _options_with_bounds(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    found = []
    for p in command.params:
        if getattr(p, "min", None) is not None or getattr(p, "choices", None):
            found.append((" ".join(path), p.opts[0] if p.opts else p.name))
    for name, sub in sorted((getattr(command, "commands", None) or {}).items()):
        found += _options_with_bounds(sub, (*path, name))
    return found


def test_every_option_typer_bounds_is_in_the_table() -> None:
    """An option given a range or choices in its declaration is tried above; a new one must
    be added there."""
    from backcare.cli import app

    tried = {
        (" ".join(a[: 2 if a[0] in {"clinic", "exercises", "programme"} else 1]), o)
        for a, o in OUT_OF_BOUNDS
    }
    missing = [b for b in _options_with_bounds(typer.main.get_command(app)) if b not in tried]
    assert not missing, f"bounded options not tried in OUT_OF_BOUNDS: {missing}"


def test_bad_data_and_refusals_stay_exit_1(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", TODAY)
    broken = tmp_path / "broken.json"
    broken.write_text("{ not json", encoding="utf-8")
    res = cli("import", str(broken))
    assert res.exit_code == 1, res  # a file that cannot be read is bad data
    res = cli("pain", "4", "--date", "2026-03-09")
    assert res.exit_code == 1 and "future" in res.stderr  # a refused action


def test_an_internal_error_exits_70(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug is not the user's data: EX_SOFTWARE (sysexits.h), with one plain line."""
    import backcare.storage

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(backcare.storage.Store, "put_checkin", broken)
    res = cli("pain", "4", *D)
    assert res.exit_code == 70, res
    assert "unexpected problem" in res.stderr and "Traceback" not in res.output


def test_the_readme_writes_the_rule() -> None:
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Exit codes") :]
    for code in ("`0`", "`1`", "`2`", "`3`", "`70`"):
        assert code in section.split("\n## ")[0], code
