"""`backcare clear`: record a clinician's clearance of a red-flag stop (CLINICAL.md §5)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, NamedTuple

import typer

from backcare.clock import today
from backcare.commands.common import (
    DateOpt,
    JsonOpt,
    NoteOpt,
    day,
    not_future,
    red_flag_checkins,
    store,
)
from backcare.domain.models import CLEARANCE, History, Profile, Visit
from backcare.domain.safety import (
    checkin_red_flags,
    clearance_note,
    cleared_profile,
    cleared_red_flag_advice,
    red_flag_stop,
)
from backcare.domain.text import check_note, check_text
from backcare.errors import BackcareError, SafetyStop
from backcare.render.ui import emit_json, say
from backcare.storage import new_id


def clear(
    by: Annotated[
        str,
        typer.Option(
            "--by",
            metavar="NAME",
            help='The clinician who checked you and said exercise is safe, e.g. "Dr A. Khan, GP".',
        ),
    ],
    note: NoteOpt = None,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Record that a clinician has checked your red flag and said exercise is safe.

    It records who cleared you and when, in your log, and lifts the stop. It changes
    nothing else (not your starting pain, your start date or your conditions) and asks
    nothing. 'backcare undo' reverses it.

    Example: backcare clear --by "Dr A. Khan, GP" --note "examined, no cauda equina"
    """
    d = not_future(day(date))
    report_clearance(clearance_visit(d, check_text(by, "--by"), check_note(note)), as_json)


def clearance_visit(d: date, by: str, note: str | None) -> Visit:
    return Visit(new_id("v", d), d, CLEARANCE, clearance_note(by, note))


def report_clearance(visit: Visit, as_json: bool) -> None:
    """Record the clearance, say what it did, and exit 3 if a red flag reported after its
    day still stops the programme."""
    outcome = record_clearance(visit)
    d = visit.date
    if as_json:
        emit_json(
            {
                **visit.to_dict(),
                "cleared": outcome.cleared,
                "blocked": outcome.stop is not None,
                "profile": outcome.profile.to_dict(),
            }
        )
    else:
        tick = "" if outcome.stop is not None else "[green]✓[/] "  # none before a stop
        say(
            f"{tick}Clearance recorded: {visit.note} on {d.isoformat()}. Nothing else "
            "in your profile has changed; 'backcare undo' reverses it."
        )
        if outcome.advice:
            say(f"[yellow]![/] {outcome.advice}")
        elif not outcome.cleared:
            say("No red flag was recorded: the clearance is kept in your log.")
    if outcome.stop is not None:
        raise SafetyStop(
            f"A red flag was reported after {d.day} {d:%b %Y}, the day of this "
            f"clearance. {outcome.stop}"
        )


class Cleared(NamedTuple):
    """What a clearance did: the profile saved, the red flags it cleared, and the stop that
    still stands (a red flag reported after its day)."""

    profile: Profile
    cleared: list[str]
    stop: str | None

    @property
    def advice(self) -> str | None:
        """What to watch for, said once (issue 11)."""
        return cleared_red_flag_advice(self.cleared) if self.cleared and not self.stop else None


def record_clearance(visit: Visit) -> Cleared:
    """Record ``visit`` (a clearance) and the profile it clears, as one change: `clear`,
    and `init --cleared-by-clinician` (its alias)."""
    s = store()
    profile = s.profile()
    if profile is None:
        raise BackcareError("there is nothing to clear yet: run 'backcare init' first")
    flagged = [*profile.red_flags] if profile.blocked_by_red_flag else []
    flagged += [
        f
        for c in red_flag_checkins(s, profile)
        if c.date <= visit.date
        for f in checkin_red_flags(c)
        if f not in flagged
    ]
    saved = s.record_clearance(visit, cleared_profile(profile, visit.date, today()))
    stop = red_flag_stop(saved, History(checkins=tuple(red_flag_checkins(s, saved))))
    return Cleared(saved, flagged, stop)


def register(app: typer.Typer) -> None:
    app.command("clear")(clear)
