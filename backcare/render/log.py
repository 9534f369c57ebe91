"""Rendering what was recorded: a saved session, a check-in, and the history table."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING

from backcare.domain.clinical import Thresholds
from backcare.domain.models import History, PainCheckin, Session
from backcare.domain.progression import PainZone, session_signal, zone
from backcare.domain.scoring import plain_band
from backcare.domain.words import say_date
from backcare.render.ui import emit_json, out, say
from backcare.render.ui import escape as escape_words

if TYPE_CHECKING:
    from backcare.domain.library import Library
    from backcare.domain.logbook import CheckinOutcome, Logged

ZONE_STYLE = {
    PainZone.GREEN: "green",
    PainZone.AMBER: "yellow",
    PainZone.RED: "bold red",
    PainZone.UNKNOWN: "dim",
}
STATUS_MARK = {"done": "✓", "partial": "◐", "skipped": "–"}


def pain_text(pain: int | None, t: Thresholds) -> str:
    if pain is None:
        return ""
    z = zone(pain, t)
    return f"[{ZONE_STYLE[z]}]{pain}/10 {z.value}[/]"


def session_saved(session: Session, library: Library, t: Thresholds) -> None:
    counts = {
        s: sum(1 for e in session.exercises if e.status == s)
        for s in ("done", "partial", "skipped")
    }
    say(
        f"[green]✓[/] Session recorded for {session.date.isoformat()}: "
        f"{counts['done']} done, {counts['partial']} partly done, {counts['skipped']} skipped."
    )

    def name(ident: str) -> str:
        return escape_words(library.get(ident).name if ident in library else ident)

    done = [e for e in session.exercises if e.status != "skipped"]
    for e in done:
        if e.pain is not None and e.pain >= t.hurt_swap_pain:
            # Severe pain from an exercise: stop it and consult the physiotherapist (the
            # seed's advice, CLINICAL.md §5); the routine swaps it out (issue 20).
            say(
                f"[bold red]![/] {name(e.exercise_id)} hurt {e.pain}/10. Stop that exercise "
                "and tell your physiotherapist. It is out of your routine for now, and "
                "another exercise of its kind takes its place."
            )
        elif e.pain is not None and zone(e.pain, t) is PainZone.RED:
            say(
                f"[bold red]![/] {name(e.exercise_id)} hurt {e.pain}/10. Stop that exercise "
                "for now and tell your physiotherapist if it keeps hurting; next time it will "
                "be easier, and it is flagged for them."
            )
    after = session_signal(session, t)  # CLINICAL.md §4, issue 11
    if after is PainZone.RED:
        say(
            f"[bold red]![/] Pain after the session was {session.pain_after}/10. No exercise of "
            "this session will go up next time; they are eased off and flagged for your "
            "physiotherapist."
        )
    elif after is PainZone.AMBER:
        say(
            f"[yellow]![/] Pain after the session was {session.pain_after}/10: next time the "
            "doses stay the same."
        )
    elif after is PainZone.UNKNOWN and done and all(e.pain is None for e in done):
        say(
            "[yellow]![/] No pain answer was given, so this session does not count towards "
            "your doses going up. Next time add --pain-after N (and --hurt ID=PAIN for any "
            "exercise that hurt)."
        )
    extras = [name(e.exercise_id) for e in session.exercises if e.extra]
    if extras:
        say(
            f"Not in the day's plan, so recorded as extra: {', '.join(extras)}. Extras count "
            "for your activity minutes, not for your plan's doses."
        )


def log_notes(logged: Logged, library: Library, replaced: bool) -> None:
    """What `log` recorded beyond the counts: what the lists left out, minutes."""

    def names(ids: tuple[str, ...]) -> str:
        return ", ".join(escape_words(library.get(i).name if i in library else i) for i in ids)

    ident = logged.session.id
    if replaced:
        say(
            f"It replaced the session logged before that day ({ident}); 'backcare undo' "
            "puts the first one back."
        )
    # Where the patient is asked to type exercises, they are named by id (issue 27): an id
    # follows the exercise's name, so it reads as one too.
    if logged.unmentioned:
        ids = ",".join(logged.unmentioned)
        say(
            f"Not mentioned, so not recorded: {', '.join(logged.unmentioned)}. To add them: "
            f"backcare edit {ident} --done {ids} (or --skipped {ids})."
        )
    if logged.short:
        say(f"Fewer minutes than planned, so recorded as partly done: {names(logged.short)}.")
    if logged.no_minutes:
        say(
            f"No minutes given, so none are counted for: {', '.join(logged.no_minutes)}. "
            f"To add them: backcare edit {ident} "
            + " ".join(f"--minutes {i}=N" for i in logged.no_minutes)
            + "."
        )


def ask_add_or_replace(first: Session, names: str) -> bool | None:
    """A second log of exercises already logged that day: a second session (True),
    instead of the first (False), or neither (None)."""
    from rich.prompt import Prompt

    from backcare.render.ui import err

    err().print(
        f"{first.date.isoformat()} already has a session with {escape_words(names)} ({first.id})."
    )
    answer = Prompt.ask(
        "Is this a second session (a), does it replace the first (r), or cancel (c)?",
        choices=["a", "r", "c"],
        console=err(),
    )
    return {"a": True, "r": False}.get(answer)


def checkin_saved(c: PainCheckin, outcome: CheckinOutcome, replaced: bool, as_json: bool) -> None:
    if as_json:
        emit_json(
            {
                **c.to_dict(),
                "replaced": replaced,
                "flare": c.flare,
                "flare_plan": outcome.flare,
                "urgent": outcome.urgent,
                "advice": [
                    {"level": a.level, "rule": a.rule, "message": a.message} for a in outcome.advice
                ],
            }
        )
        return
    word = "updated" if replaced else "recorded"
    if outcome.urgent:  # no green tick before a stop: the stop follows, in red, on its own
        say(f"Pain {c.score}/10 {word} for {c.date.isoformat()}.")
        return
    say(f"[green]✓[/] Pain {c.score}/10 {word} for {c.date.isoformat()}.")
    if outcome.flare:
        say(
            "[yellow]![/] Flare-up: your plans will be gentle, with no progression, until "
            "your pain has been under 7 for 2 days. Keep moving gently."
        )
    for a in outcome.advice:
        style = {"urgent": "bold red", "prompt": "yellow"}.get(a.level, "cyan")
        say(f"[{style}]![/] {escape_words(a.message)}")


def history_view(
    h: History,
    start: date,
    end: date,
    library: Library,
    t: Thresholds,
    edited: Mapping[str, str] | None = None,
) -> None:
    """The log as a table, each record with its id (what `edit` and `delete` take) and,
    when it was corrected after the fact, the day (issue 14)."""
    from rich.markup import escape
    from rich.table import Table

    edited = edited or {}
    con = out()
    con.print(f"[bold]Your log[/], {start.isoformat()} to {end.isoformat()}")
    if not (h.sessions or h.checkins or h.visits or h.assessments):
        con.print(
            "Nothing recorded in these dates. Record today with 'backcare pain N' or "
            "'backcare session'."
        )
        return
    table = Table(expand=False)
    table.add_column("date · id", no_wrap=True)
    table.add_column("what")
    table.add_column("details", overflow="fold")
    rows: list[tuple[str, int, str, str, str]] = []

    def mark(ident: str) -> str:
        day = edited.get(ident)
        return f"\n  [dim]edited on {say_date(date.fromisoformat(day))}[/]" if day else ""

    # Notes, ids and names are the patient's own text: escaped, never read as markup.
    for s in h.sessions:
        parts = []
        for e in s.exercises:
            name = library.get(e.exercise_id).name if e.exercise_id in library else e.exercise_id
            pain = f" {pain_text(e.pain, t)}" if e.pain is not None else ""
            extra = " (extra)" if e.extra else ""
            # Each exercise's dose, so that the log shows how it went up (issue 20).
            per_side = library.get(e.exercise_id).per_side if e.exercise_id in library else False
            dose = e.dose.describe(per_side) if e.status != "skipped" else ""
            dose = f" {escape(dose)}" if dose else ""
            parts.append(f"{STATUS_MARK.get(e.status, '?')} {escape(name)}{dose}{extra}{pain}")
        before = (
            f"pain {_pain_word(s.pain_before)}→{_pain_word(s.pain_after)}"
            if s.pain_before is not None or s.pain_after is not None
            else ""
        )
        details = (
            "; ".join(parts)
            + (f"\n  {before}" if before else "")
            + (f"\n  note: {escape(s.note)}" if s.note else "")
            + mark(s.id)
        )
        rows.append((s.date.isoformat(), 1, s.id, "session", details))
    for c in h.checkins:
        extra = (
            (f", {escape(', '.join(c.symptoms))}" if c.symptoms else "")
            + (", flare-up" if c.flare else "")
            + (f"\n  note: {escape(c.note)}" if c.note else "")
        )
        rows.append(
            (c.date.isoformat(), 0, c.id, "pain", f"{pain_text(c.score, t)}{extra}{mark(c.id)}")
        )
    for a in h.assessments:
        words = plain_band(a.band) if a.instrument == "odi" else a.band  # issue 11
        band = f" ({escape(words)})" if words else ""
        rows.append(
            (
                a.date.isoformat(),
                2,
                a.id,
                "assessment",
                f"{escape(a.instrument)}: {a.score:g}{band}{mark(a.id)}",
            )
        )
    for v in h.visits:
        rows.append(
            (
                v.date.isoformat(),
                3,
                v.id,
                "visit",
                escape(v.kind.replace("-", " "))
                + (f": {escape(v.note)}" if v.note else "")
                + mark(v.id),
            )
        )
    for d, _, ident, what, details in sorted(rows, key=lambda r: (r[0], r[1])):
        table.add_row(f"{d}\n[dim]{escape(ident)}[/]", what, details)
    con.print(table)
    con.print(
        "✓ done  ◐ partly done  – skipped.  To correct a record: backcare edit ID; "
        "to remove one: backcare delete ID; to reverse the last change: backcare undo."
    )


def _pain_word(pain: int | None) -> str:
    return "not recorded" if pain is None else str(pain)
