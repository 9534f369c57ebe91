"""What the guided session says around the exercises: welcome, intro, and the summary."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from rich.markup import escape

from backcare.domain.models import Profile, Session
from backcare.domain.schedule import planned_days
from backcare.render.ui import out

if TYPE_CHECKING:
    from backcare.domain.planner import Plan
    from backcare.storage import Store


def welcome(profile: Profile | None) -> None:
    con = out()
    con.print("[bold]backcare guided session[/]  ·  Enter moves on and skips any timer  ·  "
              "s skips an exercise  ·  q stops (what you did is kept)")
    if profile is None:
        con.print("[yellow]![/] You have not run 'backcare init' yet: this is a beginner "
                  "plan without the safety check.")


def plan_intro(plan: Plan) -> None:
    con = out()
    for w in plan.warnings:
        con.print(f"[yellow]![/] {escape(w)}")
    if not plan.items:
        con.print("No exercises are planned today. A gentle walk is still good for your back.")
        return
    minutes = max(1, round(plan.total_minutes))
    con.print(f"Today: {len(plan.items)} exercises, about {minutes} minutes.")


def duration_text(seconds: float) -> str:
    """"45 s", "12 min", "12 min 5 s"."""
    whole = int(seconds)
    minutes, secs = divmod(whole, 60)
    if not minutes:
        return f"{secs} s"
    return f"{minutes} min" + (f" {secs} s" if secs else "")


def week_adherence(store: Store, profile: Profile | None, day: date) -> tuple[int, int]:
    """(days with a session, planned days) from Monday to ``day``."""
    monday = day - timedelta(days=day.weekday())
    planned = planned_days(monday, day, profile, store.programme())
    done = {s.date for s in store.history(monday, day).sessions if s.done_any}
    return sum(1 for d in planned if d in done), len(planned)


def summary(session: Session, plan: Plan, store: Store, profile: Profile | None, day: date,
            seconds: float, interrupted: bool = False) -> None:
    con = out()
    counts = {k: sum(1 for e in session.exercises if e.status == k)
              for k in ("done", "partial", "skipped")}
    done, planned = week_adherence(store, profile, day)
    con.print()
    head = "Session stopped and saved" if interrupted else "Session saved"
    con.print(f"[bold green]✓ {head}.[/] {counts['done']} done, {counts['partial']} partly "
              f"done, {counts['skipped']} skipped, in {duration_text(seconds)}.")
    if planned:
        con.print(f"This week: {done} of {planned} planned days done "
                  f"({round(done / planned * 100)}%).")
    if session.pain_before is not None and session.pain_after is not None:
        diff = session.pain_after - session.pain_before
        word = "the same as" if diff == 0 else ("lower than" if diff < 0 else "higher than")
        con.print(f"Pain {session.pain_before} → {session.pain_after}: {word} before.")
        if session.pain_after >= 7:
            con.print("[yellow]![/] Your pain is high. Rest, and if it does not settle, "
                      "contact your GP or physiotherapist (NHS: see a GP if an exercise "
                      "causes severe pain).")
    con.print("Tomorrow's plan adapts to how each exercise felt. See it with "
              "'backcare plan --date "
              f"{(day + timedelta(days=1)).isoformat()}'.")
