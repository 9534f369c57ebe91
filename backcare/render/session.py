"""What the guided session says around the exercises: welcome, intro, and the summary."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from rich.markup import escape

from backcare.domain.clinical import Thresholds
from backcare.domain.models import Profile, Session
from backcare.domain.words import num, plural
from backcare.messages import DISCLAIMER, DISCLAIMER_SHORT
from backcare.render.ui import out

if TYPE_CHECKING:
    from backcare.domain.analytics import ProgressReport
    from backcare.domain.planner import Plan


def welcome(profile: Profile | None, short_disclaimer: bool = True) -> None:
    con = out()
    con.print(
        "[bold]backcare guided session[/]  ·  one key, no Enter needed:  Enter moves on "
        "and skips a timer  ·  s skips an exercise  ·  p pauses a timer  ·  q stops "
        "(what you did is kept)"
    )
    if profile is None:
        con.print(f"[dim]{escape(DISCLAIMER)}[/]")
        con.print(
            "[yellow]![/] You have not run 'backcare init' yet: this is a beginner "
            "plan without the safety check."
        )
    elif short_disclaimer:  # CLINICAL.md §7: the short form once a day
        con.print(f"[dim]{escape(DISCLAIMER_SHORT)}[/]")


def plan_intro(plan: Plan) -> None:
    con = out()
    for w in plan.warnings:
        con.print(f"[yellow]![/] {escape(w)}")
    if not plan.items:
        con.print("No exercises are planned today. A gentle walk is still good for your back.")
        return
    minutes = max(1, round(plan.total_minutes))
    con.print(f"Today: {plural(len(plan.items), 'exercise')}, about {plural(minutes, 'minute')}.")


def duration_text(seconds: float) -> str:
    """ "45 s", "12 min", "12 min 5 s"."""
    whole = int(seconds)
    minutes, secs = divmod(whole, 60)
    if not minutes:
        return f"{secs} s"
    return f"{minutes} min" + (f" {secs} s" if secs else "")


def summary_lines(
    session: Session,
    week: ProgressReport,
    day: date,
    seconds: float,
    t: Thresholds,
    interrupted: bool = False,
) -> list[str]:
    """What the end of a session says (markup), from the session and this week's figures
    (``week``: the progress report from Monday to today, the same computation as
    `progress`)."""
    counts = {
        k: sum(1 for e in session.exercises if e.status == k)
        for k in ("done", "partial", "skipped")
    }
    head = "Session stopped and saved" if interrupted else "Session saved"
    lines = [
        f"[bold green]✓ {head}.[/] {counts['done']} done, {counts['partial']} partly "
        f"done, {counts['skipped']} skipped, in {duration_text(seconds)}."
    ]
    if week.sessions_planned:
        lines.append(
            f"This week: {week.sessions_done} of {week.sessions_planned} planned "
            f"days done ({num(week.adherence_percent)}%)."
        )
    if session.pain_before is not None and session.pain_after is not None:
        diff = session.pain_after - session.pain_before
        word = "the same as" if diff == 0 else ("lower than" if diff < 0 else "higher than")
        lines.append(f"Pain {session.pain_before} → {session.pain_after}: {word} before.")
        if session.pain_after >= t.severe_pain:  # severe pain (CLINICAL.md §5)
            lines.append(
                "[yellow]![/] Your pain is high. Rest, and if it does not settle, "
                "contact your GP or physiotherapist (NHS: see a GP if an exercise "
                "causes severe pain)."
            )
    lines.append(
        "Tomorrow's plan adapts to how each exercise felt. See it with "
        f"'backcare plan --date {(day + timedelta(days=1)).isoformat()}'."
    )
    return lines


def summary(lines: list[str]) -> None:
    con = out()
    con.print()
    for line in lines:
        con.print(line)
