"""One context object per invocation (backcare.context, issue 27): what a command makes once
(the store, the library, the consoles) lives as long as the invocation and no longer, so
nothing is reset between runs; ``--debug`` travels in it, not in the process's environment."""

from __future__ import annotations

import gc
import io
import os
from pathlib import Path

import pytest
from conftest import Cli

from backcare.context import Environment, current

D = ("--date", "2026-03-02")


def test_what_an_invocation_makes_it_makes_once() -> None:
    made: list[Environment] = []

    def make(env: Environment) -> object:
        made.append(env)
        return object()

    env = Environment()
    assert env.once(make) is env.once(make)
    assert made == [env]
    assert Environment().once(make) is not env.once(make)  # another invocation: its own


def test_a_failure_is_not_kept() -> None:
    tries: list[int] = []

    def make(env: Environment) -> int:
        tries.append(1)
        if len(tries) == 1:
            raise OSError("not yet")
        return len(tries)

    env = Environment()
    with pytest.raises(OSError):
        env.once(make)
    assert env.once(make) == 2 and env.once(make) == 2


def test_current_is_the_active_one_and_only_while_it_runs() -> None:
    env = Environment()
    outside = current()
    assert outside is not env and current() is not outside  # nothing kept outside a run
    with env.active():
        assert current() is env
        with Environment().active() as inner:
            assert current() is inner
        assert current() is env
    assert current() is not env


def test_the_collector_is_relaxed_during_a_run_and_put_back_after() -> None:
    before = gc.get_threshold()
    with Environment().active():
        assert gc.get_threshold()[0] >= 100_000
        assert gc.get_threshold()[1:] == before[1:]
    assert gc.get_threshold() == before


def test_the_consoles_write_to_the_invocations_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    from backcare.render import ui

    first, second = io.StringIO(), io.StringIO()
    with Environment(stdout=first).active():
        assert ui.out() is ui.out()  # one console a run: a pager sees all it prints
        ui.out().print("one")
    with Environment(stdout=second).active():
        ui.out().print("two")
    assert first.getvalue() == "one\n" and second.getvalue() == "two\n"


def test_runs_in_one_process_share_nothing(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No reset between runs: the second folder is not the first one's store."""
    assert (
        cli(
            "init", "--no-red-flags", "--no-conditions", "--assessed", "--pain", "5", "--yes", *D
        ).exit_code
        == 0
    )
    assert cli("plan", "--json", *D).exit_code == 0
    monkeypatch.setenv("BACKCARE_HOME", str(tmp_path / "other"))
    res = cli("plan", "--json", *D)
    assert res.exit_code == 0, res
    assert not (tmp_path / "other" / "backcare.json").exists()
    assert "backcare init" in res.json()["warnings"][0]  # no profile in the new folder


def test_debug_shows_a_bugs_traceback_without_touching_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import backcare.storage
    from backcare.cli import main

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setenv("BACKCARE_TODAY", "2026-03-02")
    monkeypatch.setattr(backcare.storage.Store, "put_checkin", broken)
    environ = dict(os.environ)
    with pytest.raises(RuntimeError, match="a bug"):
        main(["pain", "4", "--debug", *D])
    assert dict(os.environ) == environ
    with pytest.raises(SystemExit) as done:  # the next run, without --debug: one line
        main(["pain", "4", *D])
    assert done.value.code == 70
    assert "unexpected problem" in capsys.readouterr().err
