"""The guided session engine (backcare/guide.py) with a scripted IO and a fake clock, and the
terminal front end's timers (backcare/guide_terminal.py) with an injected clock.

Nothing here waits on a real timer: every test runs in milliseconds.
"""

from __future__ import annotations

import contextlib
import io
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from backcare.domain.clinical import DEFAULT
from backcare.domain.guide import PAIN_QUESTION, RELAX_SECONDS, Guide
from backcare.domain.library import Library
from backcare.domain.logbook import with_pain_now
from backcare.domain.models import Dose, History, PainCheckin, Session
from backcare.domain.planner import Plan, PlanItem, PlanMode, estimated_seconds
from backcare.domain.progression import PainZone
from backcare.loading.library import load_library
from backcare.render.terminal import TerminalIO, big_text, clock_text

DAY = date(2026, 3, 2)


# --- a scripted IO --------------------------------------------------------------------------


class FakeIO:
    """A GuideIO that answers from a script and records every call.

    ``script`` is a list of ``(method, answer)``. When a method is called and the next entry
    names it, that answer is used (an exception instance is raised instead); otherwise the
    method gives its default: Enter at every prompt, every timer runs to its end, 0 to
    "Did it hurt?" (a number is always asked for: there is no default answer), Enter (blank)
    for the questions at the end.
    """

    def __init__(self, script: list[tuple[str, Any]] | None = None) -> None:
        self.script = list(script or [])
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def _answer(self, method: str, default: Any) -> Any:
        if self.script and self.script[0][0] == method:
            answer = self.script.pop(0)[1]
            if isinstance(answer, BaseException):
                raise answer
            return answer
        return default

    def names(self, method: str) -> list[tuple[Any, ...]]:
        return [args for name, args in self.calls if name == method]

    # GuideIO
    def show_exercise(self, item: PlanItem, index: int, total: int) -> None:
        self.calls.append(("show_exercise", (item.exercise.id, index, total)))

    def ready(self, prompt: str) -> str:
        self.calls.append(("ready", (prompt,)))
        return self._answer("ready", "")

    def countdown(self, label: str, seconds: int, big: bool = True) -> tuple[str, float]:
        self.calls.append(("countdown", (label, seconds, big)))
        return self._answer("countdown", ("", float(seconds)))

    def ask_pain(self, prompt: str, allow_blank: bool = False) -> int | None:
        self.calls.append(("ask_pain", (prompt, allow_blank)))
        return self._answer("ask_pain", None if allow_blank else 0)

    def ask_yes_no(self, prompt: str, default: bool) -> bool:
        self.calls.append(("ask_yes_no", (prompt, default)))
        return self._answer("ask_yes_no", default)

    def ask_minutes(self, prompt: str, default: int, high: int) -> int:
        self.calls.append(("ask_minutes", (prompt, default, high)))
        return self._answer("ask_minutes", default)

    def ask_text(self, prompt: str) -> str | None:
        self.calls.append(("ask_text", (prompt,)))
        return self._answer("ask_text", None)

    def message(self, text: str, style: str = "") -> None:
        self.calls.append(("message", (text, style)))

    def pain_feedback(self, pain: int, z: PainZone, name: str) -> None:
        self.calls.append(("pain_feedback", (pain, z, name)))


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    return load_library(tmp_path_factory.mktemp("lib"), use_cache=False)


def item(library: Library, exercise_id: str, **dose: int) -> PlanItem:
    ex = library.get(exercise_id)
    d = Dose(**dose)
    return PlanItem(ex, d, "new: gentle starting dose", estimated_seconds(ex, d))


@pytest.fixture
def plan(library: Library) -> Plan:
    """Three exercises of three shapes: held reps in 2 sets, reps each side, a timed walk."""
    return Plan(
        date=DAY,
        mode=PlanMode.NORMAL,
        items=(
            item(library, "bridge", sets=2, reps=2, hold_seconds=5),
            item(library, "clam", sets=1, reps=3),
            item(library, "walking", duration_minutes=10),
        ),
    )


class Saves:
    """The save callback: keeps every session it is given."""

    def __init__(self) -> None:
        self.sessions: list[Session] = []

    def __call__(self, session: Session) -> None:
        self.sessions.append(session)

    @property
    def last(self) -> Session:
        return self.sessions[-1]


def run(
    plan: Plan, script: list[tuple[str, Any]] | None = None, pain_before: int | None = 3
) -> tuple[Session, FakeIO, Saves]:
    fake, saves = FakeIO(script), Saves()
    session = Guide(plan, fake, DEFAULT, saves, "s-test").run(pain_before)
    assert fake.script == [], f"script not used up: {fake.script}"
    return session, fake, saves


def pain_questions(fake: FakeIO) -> int:
    return sum(1 for (prompt, _) in fake.names("ask_pain") if prompt == PAIN_QUESTION)


def statuses(session: Session) -> dict[str, str]:
    return {e.exercise_id: e.status for e in session.exercises}


# --- a whole session ------------------------------------------------------------------------


def test_a_full_run_records_every_exercise_done_at_its_dose(plan: Plan) -> None:
    script = [
        ("ask_pain", 1),
        ("ask_pain", 0),
        ("ask_pain", 3),
        ("ask_pain", 2),
        ("ask_text", "felt good"),
    ]
    session, fake, saves = run(plan, script)
    assert statuses(session) == {"bridge": "done", "clam": "done", "walking": "done"}
    assert [e.dose for e in session.exercises] == [i.dose for i in plan.items]
    assert [e.pain for e in session.exercises] == [1, 0, 3]  # each one answered
    assert (session.id, session.date, session.pain_before, session.pain_after, session.note) == (
        "s-test",
        DAY,
        3,
        2,
        "felt good",
    )
    assert saves.last == session
    assert [args[1:] for args in fake.names("show_exercise")] == [(1, 3), (2, 3), (3, 3)]


def test_held_reps_count_down_each_hold_with_relax_between_and_rest_between_sets(
    plan: Plan,
) -> None:
    _, fake, _ = run(plan)
    bridge = [args for args in fake.names("countdown") if not args[0].startswith("Walking")]
    name = plan.items[0].exercise.name
    assert [(label, secs) for label, secs, _ in bridge] == [
        (f"{name} — rep 1 of 2: hold", 5),
        ("Relax", RELAX_SECONDS),
        (f"{name} — rep 2 of 2: hold", 5),
        ("Rest", plan.items[0].exercise.dose.rest_seconds),
        (f"{name} — rep 1 of 2: hold", 5),
        ("Relax", RELAX_SECONDS),
        (f"{name} — rep 2 of 2: hold", 5),
    ]
    assert ("Set 2 of 2", "bold") in fake.names("message")


def test_reps_without_a_hold_are_counted_with_enter_on_each_side(plan: Plan) -> None:
    _, fake, _ = run(plan)
    rep_prompts = [p for (p,) in fake.names("ready") if "press Enter when done" in p]
    assert len(rep_prompts) == 3 * 2  # clam: 3 reps, each side
    assert rep_prompts[0].startswith("Clam (left side) — rep 1 of 3")
    assert rep_prompts[-1].startswith("Clam (right side) — rep 3 of 3")


def test_the_walk_counts_down_its_minutes(plan: Plan) -> None:
    _, fake, _ = run(plan)
    label, seconds, big = fake.names("countdown")[-1]
    assert label.startswith("Walking: 10 min") and seconds == 600 and big


# --- skipping, stopping, interrupting -------------------------------------------------------


def test_s_at_the_start_skips_an_exercise_and_asks_no_pain(plan: Plan) -> None:
    # bridge: Enter to start; clam: 's' at its start prompt.
    script = [("ready", ""), ("ready", "s")]
    session, fake, _ = run(plan, script)
    assert statuses(session) == {"bridge": "done", "clam": "skipped", "walking": "done"}
    assert pain_questions(fake) == 2  # not asked for the skipped one
    assert ("Skipped Clam.", "dim") in fake.names("message")


def test_s_during_a_hold_leaves_the_exercise_partly_done(plan: Plan) -> None:
    script = [("countdown", ("", 5.0)), ("countdown", ("s", 1.0))]
    session, fake, _ = run(plan, script)
    assert statuses(session) == {"bridge": "partial", "clam": "done", "walking": "done"}
    assert pain_questions(fake) == 3  # a partial exercise is still asked about


def test_q_midway_saves_done_then_partial_then_skipped(plan: Plan) -> None:
    # bridge done; clam: start, rep 1 left side, then q at rep 2.
    script = [
        ("ready", ""),
        ("ready", ""),
        ("ready", ""),
        ("ready", "q"),
        ("ask_pain", 3),
        ("ask_pain", 4),
    ]
    session, fake, saves = run(plan, script)
    assert statuses(saves.last) == {"bridge": "done", "clam": "partial", "walking": "skipped"}
    assert session == saves.last and session.pain_after == 4
    assert ("Session stopped. What you did is saved.", "yellow") in fake.names("message")
    # The walk was never shown.
    assert [args[0] for args in fake.names("show_exercise")] == ["bridge", "clam"]


def test_q_before_an_exercise_starts_leaves_it_skipped(plan: Plan) -> None:
    script = [("ready", ""), ("ready", "q")]  # bridge: start; clam: q at its start
    session, _, _ = run(plan, script)
    assert statuses(session) == {"bridge": "done", "clam": "skipped", "walking": "skipped"}


def test_stopping_because_it_hurt_still_records_the_pain(plan: Plan) -> None:
    script = [("countdown", ("q", 2.0)), ("ask_pain", 7)]
    session, fake, _ = run(plan, script)
    assert session.exercises[0].status == "partial" and session.exercises[0].pain == 7
    assert (7, PainZone.RED, "Bridge") in fake.names("pain_feedback")
    assert statuses(session)["clam"] == "skipped"


def test_ctrl_c_midway_saves_then_propagates(plan: Plan) -> None:
    fake, saves = FakeIO([("ready", ""), ("ready", ""), ("ready", KeyboardInterrupt())]), Saves()
    guide = Guide(plan, fake, DEFAULT, saves, "s-test")
    with pytest.raises(KeyboardInterrupt):
        guide.run(3)
    assert statuses(saves.last) == {"bridge": "done", "clam": "partial", "walking": "skipped"}
    assert saves.last.pain_before == 3
    assert not fake.names("ask_text")  # no more questions after Ctrl-C


def test_ctrl_c_during_a_hold(plan: Plan) -> None:
    fake, saves = FakeIO([("countdown", KeyboardInterrupt())]), Saves()
    with pytest.raises(KeyboardInterrupt):
        Guide(plan, fake, DEFAULT, saves, "s-test").run(3)
    assert statuses(saves.last) == {"bridge": "partial", "clam": "skipped", "walking": "skipped"}


def test_ctrl_c_while_asked_about_pain_keeps_the_finished_exercise(plan: Plan) -> None:
    fake, saves = FakeIO([("ask_pain", KeyboardInterrupt())]), Saves()
    with pytest.raises(KeyboardInterrupt):
        Guide(plan, fake, DEFAULT, saves, "s-test").run(3)
    assert statuses(saves.last) == {"bridge": "done", "clam": "skipped", "walking": "skipped"}


def test_save_is_called_after_every_exercise(plan: Plan) -> None:
    _, _, saves = run(plan)
    # One save per exercise, then the final one with the answers at the end.
    assert [len(s.exercises) for s in saves.sessions] == [1, 2, 3, 3]
    assert len({s.id for s in saves.sessions}) == 1  # each save replaces the last
    # So a process killed during the walk still has the first two exercises on disk.
    assert statuses(saves.sessions[1]) == {"bridge": "done", "clam": "done"}


# --- pain -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pain", "z"), [(2, PainZone.GREEN), (5, PainZone.AMBER), (6, PainZone.RED), (9, PainZone.RED)]
)
def test_pain_answer_is_zoned_and_logged(plan: Plan, pain: int, z: PainZone) -> None:
    session, fake, _ = run(plan, [("ask_pain", pain)])
    assert fake.names("pain_feedback")[0] == (pain, z, "Bridge")
    assert session.exercises[0].pain == pain
    assert [e.pain for e in session.exercises[1:]] == [0, 0]


def test_red_pain_is_in_the_saved_session_at_once(plan: Plan) -> None:
    _, _, saves = run(plan, [("ask_pain", 7)])
    assert saves.sessions[0].exercises[0].pain == 7


# --- the timed (aerobic) exercise -----------------------------------------------------------


def walk_only(library: Library) -> Plan:
    return Plan(
        date=DAY, mode=PlanMode.NORMAL, items=(item(library, "walking", duration_minutes=10),)
    )


def test_a_walk_finished_early_asks_the_minutes_and_is_partial(library: Library) -> None:
    script = [("countdown", ("", 250.0)), ("ask_minutes", 4)]
    session, fake, _ = run(walk_only(library), script)
    prompt, default, high = fake.names("ask_minutes")[0]
    assert "10 minutes" in prompt and default == 4 and high == 10
    (walk,) = session.exercises
    assert (walk.status, walk.dose.duration_minutes) == ("partial", 4)


def test_a_walk_finished_early_but_all_minutes_done_is_done(library: Library) -> None:
    session, _, _ = run(walk_only(library), [("countdown", ("", 30.0)), ("ask_minutes", 10)])
    assert (session.exercises[0].status, session.exercises[0].dose.duration_minutes) == ("done", 10)


def test_a_walk_of_zero_minutes_is_skipped_and_not_asked_about(library: Library) -> None:
    session, fake, _ = run(walk_only(library), [("countdown", ("", 5.0)), ("ask_minutes", 0)])
    assert session.exercises[0].status == "skipped"
    assert not fake.names("ask_yes_no")


def test_q_during_the_walk_asks_the_minutes_then_stops(library: Library) -> None:
    lib_plan = Plan(
        date=DAY,
        mode=PlanMode.NORMAL,
        items=(
            item(library, "walking", duration_minutes=10),
            item(library, "clam", sets=1, reps=3),
        ),
    )
    script = [("countdown", ("q", 400.0)), ("ask_minutes", 7)]
    session, _, _ = run(lib_plan, script)
    walk, clam = session.exercises
    assert (walk.status, walk.dose.duration_minutes) == ("partial", 7)
    assert clam.status == "skipped"


def test_a_walk_run_to_the_end_asks_no_minutes(library: Library) -> None:
    session, fake, _ = run(walk_only(library))
    assert not fake.names("ask_minutes")
    assert session.exercises[0].status == "done"


# --- the session's starting pain decides a flare-up plan -----------------------------------


def test_pain_at_the_session_start_counts_when_higher_than_the_check_in() -> None:
    morning = History(checkins=(PainCheckin(DAY, 3),))
    assert with_pain_now(morning, DAY, 8).checkins[0].score == 8
    assert with_pain_now(morning, DAY, 2) == morning  # a better moment is not a new record
    assert with_pain_now(morning, DAY, None) == morning
    assert with_pain_now(History(), DAY, 8) == History()  # stored by the command itself


# --- the terminal front end -----------------------------------------------------------------


class FakeClock:
    """Time moves ``step`` seconds each time it is read; a key arrives at the n-th poll.
    It is the session's keyboard too (render/keys.py's Keys: one key, no Enter)."""

    def __init__(self, step: float = 0.25, key_at: int | None = None, key: str = "\n") -> None:
        self.now, self.step = 100.0, step
        self.key_at, self.key = key_at, key
        self.polls: list[float | None] = []

    def monotonic(self) -> float:
        self.now += self.step
        return self.now

    def single_keys(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def read_key(self, timeout: float | None) -> str | None:
        self.polls.append(timeout)
        if self.key_at is not None and len(self.polls) == self.key_at:
            return self.key
        return None


def test_countdown_returns_early_on_enter() -> None:
    clock = FakeClock(key_at=3)
    started = time.monotonic()
    key, elapsed = TerminalIO(clock, clock).countdown("Bridge — rep 1 of 5: hold", 60)
    assert key == ""
    assert 0 < elapsed < 60
    assert len(clock.polls) == 3
    assert all(t is not None and 0 < t <= 0.25 for t in clock.polls)
    assert time.monotonic() - started < 2  # no real waiting


@pytest.mark.parametrize(("pressed", "key"), [("q", "q"), ("s", "s"), ("x", ""), ("\n", "")])
def test_countdown_passes_on_q_and_s(pressed: str, key: str) -> None:
    clock = FakeClock(key_at=1, key=pressed)
    got, _ = TerminalIO(clock, clock).countdown("Relax", 3, big=False)
    assert got == key


def test_countdown_runs_to_its_end_without_input(capsys: pytest.CaptureFixture[str]) -> None:
    clock = FakeClock(step=0.5)
    key, elapsed = TerminalIO(clock, clock).countdown("Rest", 30)
    assert (key, elapsed) == ("", 30.0)
    assert 50 <= len(clock.polls) <= 70  # polled about every 0.25 s of (fake) time


def test_countdown_never_waits_past_its_end() -> None:
    clock = FakeClock(step=0.4)
    TerminalIO(clock, clock).countdown("Relax", 1, big=False)
    assert all(t is not None and t <= 1 for t in clock.polls)


def test_big_digits_and_clock_text() -> None:
    assert clock_text(5) == "5" and clock_text(65) == "1:05" and clock_text(600) == "10:00"
    rows = big_text("1:05").split("\n")
    assert len(rows) == 5 and len({len(r) for r in rows}) == 1


def stdin_lines(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))


def test_prompts_show_their_brackets(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """'[y/N]' must not be eaten as rich markup."""
    stdin_lines(monkeypatch, "maybe\ny\n\n")
    tio = TerminalIO(FakeClock())
    assert tio.ask_yes_no("Did it hurt?", False) is True
    assert tio.ask_minutes("How many of the 10 minutes did you do?", 3, 10) == 3
    shown = capsys.readouterr().out
    assert "Did it hurt? [y/N]" in shown and "Please answer y or n." in shown
    assert "did you do? [3]" in shown


def test_pain_question_repeats_until_0_to_10(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stdin_lines(monkeypatch, "11\n-1\nseven\n7\n\n")
    tio = TerminalIO(FakeClock())
    assert tio.ask_pain("How much, 0 to 10?") == 7
    assert tio.ask_pain("How is your pain now?", allow_blank=True) is None
    assert capsys.readouterr().out.count("Please type a whole number from 0 to 10") == 3


def test_ready_reads_s_and_q(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where stdin is no terminal, a line is one key; a key that means nothing is passed
    over (issue 14: only Enter, s and q answer)."""
    stdin_lines(monkeypatch, "\nS\nquit\nxyz\n\n")
    tio = TerminalIO(FakeClock())
    assert [tio.ready("go") for _ in range(4)] == ["", "s", "q", ""]


def test_closed_input_stops_like_ctrl_c(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin_lines(monkeypatch, "")
    with pytest.raises(KeyboardInterrupt):
        TerminalIO(FakeClock()).ready("go")


def test_exercise_text_is_never_read_as_markup(
    library: Library, capsys: pytest.CaptureFixture[str]
) -> None:
    it = item(library, "bridge", sets=1, reps=5)
    noted = PlanItem(it.exercise, it.dose, "[bold]why[/]", it.seconds, note="[/] left side")
    TerminalIO(FakeClock()).show_exercise(noted, 1, 1)
    TerminalIO(FakeClock()).message("[/] odd", "dim")
    shown = capsys.readouterr().out
    assert "[/] left side" in shown and "[bold]why[/]" in shown and "[/] odd" in shown


def test_pain_feedback_names_the_exercise_and_the_zone(capsys: pytest.CaptureFixture[str]) -> None:
    TerminalIO(FakeClock()).pain_feedback(7, PainZone.RED, "Bridge")
    shown = " ".join(capsys.readouterr().out.split())
    assert "Bridge: 7/10 is red — stop this exercise" in shown


# --- the command ----------------------------------------------------------------------------


def test_session_without_a_terminal_points_to_log(
    cli: Callable[..., Any], backcare_home: Path
) -> None:
    res = cli("session", "--pain-before", "3")
    assert res.exit_code == 2
    assert "backcare log" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert not (backcare_home / "log").exists()


def test_session_refuses_a_bad_starting_pain(cli: Callable[..., Any]) -> None:
    res = cli("session", "--pain-before", "11")
    assert res.exit_code == 2 and "--pain-before 11" in res.stderr
