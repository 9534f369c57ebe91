"""`backcare undo`: reverse the last change to the record."""

from __future__ import annotations

from typing import Any

import typer

from backcare.commands.common import JsonOpt, store
from backcare.commands.records import keep_red_flags
from backcare.domain import corrections as fix
from backcare.domain.models import Profile
from backcare.domain.safety import RED_FLAGS
from backcare.domain.words import plural
from backcare.errors import BackcareError, SafetyStop
from backcare.render.ui import emit_json, say
from backcare.storage.journal import Entry, FileSet
from backcare.storage.store import UndoChoice


def undo(as_json: JsonOpt = False) -> None:
    """Reverse the last change: a log, a check-in, a questionnaire, a visit, an edit, a
    delete, an import, a goal's, the profile's or the prescription's. Run it again to
    reverse the change before that, up to the last 20; it works across restarts.

    It says what it reversed, and keeps it in the audit trail. A red flag a check-in
    reported stays until a clinician clears it.

    Example: backcare undo
    """
    s = store()
    found: dict[str, Any] = {}

    def decide(entry: Entry, files: FileSet) -> UndoChoice:
        main = files.get(s.main_path)
        doc = next(iter((main.get("profile") or {}).values()), None)
        profile = Profile.from_dict(doc) if doc else None
        now, then = [], []
        for op in entry.ops:
            if op["table"] != "pain_checkins":
                continue
            after = op.get("after")
            hit = files.find("pain_checkins", after["key"], after["date"]) if after else None
            now.append(hit[2] if hit else None)
            then.append(op.get("before"))
        flags = keep_red_flags("pain_checkins", now, then, profile, loaded=True)
        found["flags"] = flags
        keep: set[str] = set()
        notes = []
        if any(
            op.get("table") == "profile" and "whole" in op for op in entry.ops
        ) and fix.held_flags(profile):
            keep.add("profile")  # a profile that holds a red flag stays (CLINICAL.md §5)
            notes.append(
                "Your profile from that import is kept: it holds a red flag ("
                + ", ".join(_flag_words(profile))
                + "), which only a clinician's "
                "clearance lifts."
            )
        return UndoChoice(flags.profile, frozenset(keep), tuple(notes))

    outcome = s.undo(decide)
    if outcome.settled:
        state, entry = outcome.settled[0]
        text = settled_words(state, entry.summary)
        if as_json:
            emit_json(
                {
                    "undone": None,
                    "settled": state,
                    "summary": entry.summary,
                    "remaining": outcome.remaining,
                }
            )
        else:
            say(f"[green]✓[/] {text}")
        return
    if outcome.entry is None:
        raise BackcareError("nothing to undo: no change is recorded (backcare keeps the last 20)")
    entry = outcome.entry
    flags = found.get("flags")
    if as_json:
        emit_json(
            {
                "undone": entry.action,
                "summary": entry.summary,
                "remaining": outcome.remaining,
                "notes": list(outcome.choice.notes),
            }
        )
    else:
        say(f"[green]✓[/] Undone: {entry.summary}; {fix.undo_effect(entry.action)}.")
        for note in outcome.choice.notes:
            say(f"[bold red]![/] {note}")
        if flags is not None and flags.kept:
            say(f"[bold red]![/] {flags.kept}")
        more = outcome.remaining
        say(
            f"{plural(more, 'more change')} can be undone."
            if more
            else "That was the last change that can be undone."
        )
    if flags is not None and flags.stop:
        raise SafetyStop(flags.stop)


def settled_words(state: str, summary: str) -> str:
    """What settling a change a crash cut short did, in words."""
    return (
        f"The last change, {summary}, was interrupted before it was saved; it has been rolled back."
        if state == "rolled back"
        else f"The undo of {summary} was interrupted; it is now complete."
    )


def _flag_words(profile: Profile | None) -> list[str]:
    by_name = {f.name: f.what for f in RED_FLAGS}
    return [by_name.get(f, f) for f in (profile.red_flags if profile else [])]


def register(app: typer.Typer) -> None:
    app.command("undo")(undo)
