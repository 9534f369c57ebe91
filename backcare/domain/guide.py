"""The guided session as a sequence of steps, independent of any terminal.

:class:`Guide` walks through a plan with a :class:`GuideIO` (the terminal, or a script in
tests) and reports progress to a ``save`` callback after every exercise, so a session that is
stopped — with ``q``, Ctrl-C, or a closed terminal — keeps everything done so far. Timers go
through the IO's ``countdown``, which takes an injected clock, so tests run in milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from backcare.domain.clinical import Thresholds
from backcare.domain.models import Dose, Exercise, ExerciseLog, Session
from backcare.domain.planner import Plan, PlanItem
from backcare.domain.progression import PainZone, zone
from backcare.domain.words import plural

RELAX_SECONDS = 3  # between held repetitions
PAIN_QUESTION = "Did it hurt? Give your pain during it, 0 (not at all) to 10:"


class Stop(Exception):
    """The patient asked to stop the whole session. ``outcome`` is what they did of the
    current exercise, when the step that was stopped knows it (a timed activity)."""

    def __init__(self, outcome: tuple[str, Dose] | None = None) -> None:
        super().__init__()
        self.outcome = outcome


class Skip(Exception):
    """The patient asked to skip the rest of the current exercise."""


class GuideIO(Protocol):
    def show_exercise(self, item: PlanItem, index: int, total: int) -> None: ...

    def ready(self, prompt: str) -> str:
        """Wait for Enter ('' ), 's' (skip) or 'q' (stop)."""
        ...

    def countdown(self, label: str, seconds: int, big: bool = True) -> tuple[str, float]:
        """Count down; Enter ends it early. Returns (key typed or '', seconds elapsed)."""
        ...

    def ask_pain(self, prompt: str, allow_blank: bool = False) -> int | None: ...

    def ask_yes_no(self, prompt: str, default: bool) -> bool: ...

    def ask_minutes(self, prompt: str, default: int, high: int) -> int: ...

    def ask_text(self, prompt: str) -> str | None: ...

    def message(self, text: str, style: str = "") -> None: ...

    def pain_feedback(self, pain: int, z: PainZone, name: str) -> None: ...


@dataclass
class Progress:
    """What has been done so far; turned into a Session at every save."""

    session_id: str
    day: date
    pain_before: int | None = None
    pain_after: int | None = None
    note: str | None = None
    logs: list[ExerciseLog] = field(default_factory=list)
    stopped: bool = False
    seconds: float = 0.0

    def session(self, plan: Plan) -> Session:
        logged = {log.exercise_id for log in self.logs}
        rest = (
            []
            if not self.stopped
            else [
                ExerciseLog(i.exercise.id, "skipped", i.dose, None)
                for i in plan.items
                if i.exercise.id not in logged
            ]
        )
        return Session(
            self.session_id,
            self.day,
            tuple(self.logs + rest),
            self.pain_before,
            self.pain_after,
            self.note,
        )


class Guide:
    def __init__(
        self,
        plan: Plan,
        io: GuideIO,
        t: Thresholds,
        save: Callable[[Session], None],
        session_id: str,
    ) -> None:
        self.plan, self.io, self.t, self.save = plan, io, t, save
        self.progress = Progress(session_id, plan.date)

    # -- one exercise --
    def _reps(self, ex: Exercise, dose: Dose, side: str) -> int:
        """Guide the repetitions of one set; returns how many were done."""
        reps = dose.reps or 1
        done = 0
        for rep in range(1, reps + 1):
            label = f"{ex.name}{side} — rep {rep} of {reps}"
            if dose.hold_seconds:
                key, _ = self.io.countdown(f"{label}: hold", dose.hold_seconds)
                self._key(key)
                if rep < reps:
                    key, _ = self.io.countdown("Relax", RELAX_SECONDS, big=False)
                    self._key(key)
            else:
                self._key(self.io.ready(f"{label}: press Enter when done  (s skip, q stop)"))
            done += 1
        return done

    @staticmethod
    def _key(key: str) -> None:
        if key == "q":
            raise Stop
        if key == "s":
            raise Skip

    def _do_timed(self, item: PlanItem) -> tuple[str, Dose]:
        minutes = item.dose.duration_minutes or 1
        key, elapsed = self.io.countdown(
            f"{item.exercise.name}: {minutes} min (Enter to finish early)", minutes * 60
        )
        self.progress.seconds += elapsed
        if key != "q" and elapsed + 1 >= minutes * 60:
            return "done", item.dose
        did = self.io.ask_minutes(
            f"How many of the {plural(minutes, 'minute')} did you do?",
            min(minutes, max(0, round(elapsed / 60))),
            minutes,
        )
        if did <= 0:
            outcome = ("skipped", item.dose)
        else:
            outcome = (
                "done" if did >= minutes else "partial",
                item.dose._replace(duration_minutes=did),
            )
        if key == "q":
            raise Stop(outcome)
        return outcome

    def _do_sets(self, item: PlanItem) -> tuple[str, Dose]:
        ex, dose = item.exercise, item.dose
        sets = dose.sets or 1
        sides = (" (left side)", " (right side)") if ex.per_side else ("",)
        for s in range(1, sets + 1):
            if sets > 1:
                self.io.message(f"Set {s} of {sets}", "bold")
            for side in sides:
                self._reps(ex, dose, side)
            if s < sets and ex.dose.rest_seconds:
                key, _ = self.io.countdown("Rest", ex.dose.rest_seconds)
                self._key(key)
        return "done", dose

    def _exercise(self, item: PlanItem, index: int, total: int) -> None:
        self.io.show_exercise(item, index, total)
        key = self.io.ready("Press Enter to start, s to skip it, q to stop the session")
        if key == "q":
            raise Stop
        if key == "s":
            self.io.message(f"Skipped {item.exercise.name}.", "dim")
            self._log(item, "skipped", item.dose, None)
            return
        status, dose, stopping = "done", item.dose, False
        try:
            if item.dose.reps is None:
                status, dose = self._do_timed(item)
            else:
                status, dose = self._do_sets(item)
        except Skip:
            status = "partial"
        except Stop as stop:
            # Stopping is often because it hurt: still ask, so tomorrow's plan can adapt.
            status, dose = stop.outcome or ("partial", item.dose)
            stopping = True
        except KeyboardInterrupt:
            self._log(item, "partial", dose, None)
            raise
        pain = None
        try:
            # No default answer (issue 11): a stray Enter must not become "no". The patient
            # gives a number, and only a number 0-3 makes the exercise green (CLINICAL.md §4).
            if status != "skipped":
                pain = self.io.ask_pain(PAIN_QUESTION)
                if pain is not None:
                    self.io.pain_feedback(pain, zone(pain, self.t), item.exercise.name)
        finally:
            # Logged even when Ctrl-C comes during the questions: the exercise was done.
            self._log(item, status, dose, pain)
        if stopping:
            raise Stop

    def _log(self, item: PlanItem, status: str, dose: Dose, pain: int | None) -> None:
        self.progress.logs.append(ExerciseLog(item.exercise.id, status, dose, pain))
        self.save(self.progress.session(self.plan))

    # -- the whole session --
    def run(self, pain_before: int | None) -> Session:
        """Guide the whole plan. Ctrl-C (KeyboardInterrupt) saves what was done, then
        propagates, so the command can exit 130."""
        p = self.progress
        p.pain_before = pain_before
        total = len(self.plan.items)
        try:
            for n, item in enumerate(self.plan.items, 1):
                self._exercise(item, n, total)
        except Stop:
            p.stopped = True
            self.save(p.session(self.plan))
            self.io.message("Session stopped. What you did is saved.", "yellow")
        except KeyboardInterrupt:
            p.stopped = True
            self.save(p.session(self.plan))
            raise
        p.pain_after = self.io.ask_pain(
            "How is your pain now, 0 to 10? (Enter to skip)", allow_blank=True
        )
        p.note = self.io.ask_text("Anything to note? (Enter to skip)")
        session = p.session(self.plan)
        self.save(session)
        return session
