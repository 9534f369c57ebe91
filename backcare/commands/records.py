"""What `edit`, `delete` and `undo` share: finding a record by its id, and keeping every
red flag standing through a correction (domain.corrections)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, NamedTuple

from backcare.clock import today
from backcare.commands.common import library, store
from backcare.domain import corrections as fix
from backcare.domain.logbook import profile_with_red_flags
from backcare.domain.models import PainCheckin, Profile
from backcare.domain.safety import RED_FLAGS, red_flag_advice
from backcare.errors import BackcareError
from backcare.messages import BLOCKED_UNTIL_CLEARED


class Found(NamedTuple):
    table: str  # sessions | pain_checkins | assessments | visits
    doc: dict[str, Any]  # the record as stored
    ident: str


def find(ident: str) -> Found:
    """The one log record with this id, or a message that says how to find the right id."""
    hits = store().find_record(ident, fix.id_day(ident))
    if not hits:
        raise BackcareError(
            f"no record has the id {ident[:60]!r}; 'backcare history' shows each record's id"
        )
    if len(hits) > 1:
        kinds = " and ".join(fix.KIND_WORDS[t] for t, _ in hits)
        raise BackcareError(
            f"{ident[:60]} is the id of a {kinds} (they came from another "
            "program); 'backcare history --json' shows them"
        )
    table, doc = hits[0]
    return Found(table, doc, fix.record_id(table, doc))


def names() -> dict[str, str]:
    return library().names()


class Flags(NamedTuple):
    profile: dict[str, Any] | None  # the profile to save first, when it must hold more
    stop: str | None  # a red flag this correction reports: stop (exit 3)
    kept: str | None  # a red flag it takes out of the log: the programme stays stopped


def keep_red_flags(
    table: str,
    before: Iterable[dict[str, Any] | None],
    after: Iterable[dict[str, Any] | None],
    profile: Profile | None = None,
    *,
    loaded: bool = False,
) -> Flags:
    """A correction of check-ins never lifts a red-flag stop (CLINICAL.md §5): the red
    flags it takes out of the log move into the profile, which only a clinician's
    clearance lifts; one it adds stops the programme, as `pain` does (issue 14)."""
    if table != "pain_checkins":
        return Flags(None, None, None)
    if not loaded:
        profile = store().profile()
    was = [PainCheckin.from_dict(d) for d in before if d]
    now = [PainCheckin.from_dict(d) for d in after if d]
    added = fix.flags_added(profile, was, now)
    flags = tuple(sorted({*fix.flags_taken_out(profile, was, now), *added}))
    new = profile_with_red_flags(profile, flags, today(), today()).to_dict() if flags else None
    gone = fix.flags_removed(profile, was, now)
    kept = None
    if gone:
        what = " and ".join(_words(f) for f in gone)
        kept = (
            f"The programme stays stopped: this check-in reported {what}, a red flag. "
            "Only a clinician's clearance lifts it: backcare clear --by NAME"
        )
    stop = f"{red_flag_advice(added)} {BLOCKED_UNTIL_CLEARED}" if added else None
    return Flags(new, stop, kept)


def _words(flag: str) -> str:
    by_name = {f.name: f for f in RED_FLAGS}
    return by_name[flag].what if flag in by_name else flag
