"""`backcare completion SHELL` and what Tab then completes (issue 15): command names,
exercise ids (exercises show, log --done/--partial/--skipped/--hurt), questionnaires, export
formats, symptoms and the other closed lists, in bash, zsh and fish.

The shells call backcare back with ``_BACKCARE_COMPLETE`` set; the tests do the same, in
process, then through bash (and zsh and fish where they are installed). A normal command
never loads the completions.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from conftest import Cli

from backcare.cli import app, main
from backcare.commands.completion import COMPLETE_ENV, COMPLETERS


def complete_bash(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], line: str
) -> list[str]:
    """What bash gets back for ``line`` (a trailing space: a new word is being started)."""
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    monkeypatch.setenv(COMPLETE_ENV, "complete_bash")
    monkeypatch.setenv("COMP_WORDS", line)
    monkeypatch.setenv("COMP_CWORD", str(cword))
    return _run(capsys)


def _run(capsys: pytest.CaptureFixture[str]) -> list[str]:

    capsys.readouterr()
    with pytest.raises(SystemExit) as done:
        main([])
    out = capsys.readouterr()
    assert done.value.code in (0, None), out.err
    assert out.err == ""
    return out.out.split()


Tab = Callable[[str], list[str]]


@pytest.fixture
def tab(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Tab:
    """Press Tab at the end of a command line, in bash."""
    return lambda line: complete_bash(monkeypatch, capsys, line)


def test_command_names(tab: Tab) -> None:
    names = tab("backcare ")
    assert {
        "init",
        "plan",
        "session",
        "log",
        "pain",
        "export",
        "exercises",
        "completion",
        "config",
    } <= set(names)
    assert tab("backcare pro") == ["progress", "programme"]
    assert tab("backcare exercises s") == ["show"]


def test_exercise_ids_for_exercises_show(tab: Tab) -> None:
    assert tab("backcare exercises show bri") == ["bridge", "brisk-walking"]
    assert "hamstring-stretch" in tab("backcare exercises show ")


def test_exercise_ids_in_the_lists_of_log(tab: Tab) -> None:
    assert tab("backcare log --done cl") == ["clam"]
    assert tab("backcare log --partial bridge,wa") == [
        "bridge,walking",
        "bridge,walking-in-water",
        "bridge,walking-with-hills",
        "bridge,wall-angels",
    ]
    assert "bridge,bridge" not in tab("backcare log --skipped bridge,")  # no id twice
    assert tab("backcare log --hurt cl") == ["clam="]
    assert tab("backcare log --hurt clam=") == []  # the pain is the patient's to type


def test_questionnaires_formats_symptoms_and_other_names(tab: Tab) -> None:
    assert tab("backcare assess ") == ["odi", "rmdq", "startback", "psfs", "peg"]
    assert tab("backcare export --format ") == ["json", "csv", "fhir", "pdf", "ics"]
    assert tab("backcare export --format p") == ["pdf"]
    assert tab("backcare pain 4 --symptom ti") == ["tingling"]
    assert tab("backcare visit --kind ") == ["manual-therapy", "assessment", "other"]
    assert tab("backcare init --equipment mat,ch") == ["mat,chair"]
    assert tab("backcare init --red-flag sad") == ["saddle-numbness"]
    assert tab("backcare exercises list --category str") == ["stretching", "strengthening"]
    assert tab("backcare completion ") == ["bash", "zsh", "fish", "powershell"]


OWN_EXERCISE = """\
version: 1
exercises:
  - id: clam-with-band
    name: "Clam with a band"
    category: strengthening
    level: 1
    position: lying
    equipment: [mat, resistance-band]
    instructions: [Lie on your side with a band round your knees, and open them slowly.]
    cues: [Keep your hips stacked.]
    dose:
      sets: {default: 1, min: 1, max: 3}
      reps: {default: 5, min: 5, max: 10}
      rest_seconds: 30
    cautions: [Stop if you feel pain in the hip or back.]
    source: "A physiotherapist's own exercise"
"""


def test_the_patients_own_exercises_complete_too(tab: Tab, backcare_home: Path) -> None:
    backcare_home.mkdir(mode=0o700)
    (backcare_home / "exercises.yaml").write_text(OWN_EXERCISE, encoding="utf-8")
    assert tab("backcare exercises show clam") == ["clam", "clam-with-band"]


def test_a_broken_library_completes_nothing_and_says_nothing(
    tab: Tab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("exercises: [", encoding="utf-8")
    monkeypatch.setenv("BACKCARE_LIBRARY", str(broken))
    assert tab("backcare exercises show b") == []


def test_completion_writes_nothing(tab: Tab, backcare_home: Path) -> None:
    tab("backcare exercises show ")
    tab("backcare log --done b")
    assert not backcare_home.exists()


def test_zsh_and_fish_get_the_same_answers_with_their_descriptions(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("_TYPER_COMPLETE_ARGS", "backcare exercises show bri")
    monkeypatch.setenv(COMPLETE_ENV, "complete_zsh")
    zsh = " ".join(_run(capsys))
    assert '"bridge":"Bridge"' in zsh and '"brisk-walking":"Brisk' in zsh
    monkeypatch.setenv(COMPLETE_ENV, "complete_fish")
    monkeypatch.setenv("_TYPER_COMPLETE_FISH_ACTION", "get-args")
    assert _run(capsys)[:2] == ["bridge", "Bridge"]


# --- the command, and the scripts in real shells ---------------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish", "powershell"])
def test_completion_prints_the_script_for_each_shell(cli: Cli, shell: str) -> None:
    res = cli("completion", shell)
    assert res.exit_code == 0, res
    assert COMPLETE_ENV in res.stdout and "backcare" in res.stdout
    assert res.stderr == ""  # not at a terminal: the script alone, fit for eval


def test_completion_needs_a_shell_it_knows(cli: Cli) -> None:
    res = cli("completion", "tcsh")
    assert res.exit_code == 2
    assert "SHELL 'tcsh' is not one of bash, zsh, fish, powershell" in res.stderr


def _script_runner(shell: str) -> str:
    found = shutil.which(shell)
    if found is None:
        pytest.skip(f"{shell} is not installed here")
    return found


def _backcare_env(home: Path) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
        "BACKCARE_HOME": str(home),
    }


def test_bash_completes_with_the_script(backcare_home: Path) -> None:
    bash = _script_runner("bash")
    line = (
        'eval "$(backcare completion bash)"; '
        "COMP_WORDS=(backcare log --done bridge,wa); COMP_CWORD=3; "
        '_backcare_completion backcare; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    res = subprocess.run(
        [bash, "--norc", "-c", line],
        capture_output=True,
        text=True,
        env=_backcare_env(backcare_home),
        timeout=60,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == [
        "bridge,walking",
        "bridge,walking-in-water",
        "bridge,walking-with-hills",
        "bridge,wall-angels",
    ]


def test_fish_completes_with_the_script(backcare_home: Path) -> None:
    fish = _script_runner("fish")
    line = 'backcare completion fish | source; complete -C "backcare exercises show bri"'
    res = subprocess.run(
        [fish, "--no-config", "-c", line],
        capture_output=True,
        text=True,
        env=_backcare_env(backcare_home),
        timeout=60,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == ["bridge\tBridge", "brisk-walking\tBrisk walking"]


def test_zsh_loads_the_script_and_registers_it(backcare_home: Path) -> None:
    zsh = _script_runner("zsh")
    line = (
        'autoload -Uz compinit && compinit -u && eval "$(backcare completion zsh)" && '
        "print -r -- $_comps[backcare]"
    )
    res = subprocess.run(
        [zsh, "-f", "-c", line],
        capture_output=True,
        text=True,
        env=_backcare_env(backcare_home),
        timeout=60,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "_backcare_completion"


# --- the table, and the cost ----------------------------------------------------------------


def test_every_completer_names_a_real_parameter() -> None:
    root = typer.main.get_command(app)
    for path, completers in COMPLETERS.items():
        command = root
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]
        names = {p.name for p in command.params}
        assert set(completers) <= names, (path, set(completers) - names)


def test_a_normal_command_never_loads_the_completions(backcare_home: Path) -> None:
    code = (
        "import sys\nfrom backcare.cli import main\n"
        "try:\n    main(['plan', '--json'])\nexcept SystemExit:\n    pass\n"
        "print('backcare.commands.completion' in sys.modules, file=sys.stderr)"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "BACKCARE_HOME": str(backcare_home)},
        timeout=60,
        check=False,
    )
    assert res.stderr.strip().splitlines()[-1] == "False", res.stderr
