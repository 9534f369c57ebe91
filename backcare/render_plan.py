"""Rendering onboarding, the daily plan and a prescription for the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backcare.models import CATEGORIES, Prescription, Profile
from backcare.render_library import CATEGORY_STYLE
from backcare.ui import out

if TYPE_CHECKING:
    from backcare.library import Library
    from backcare.planner import Plan
    from backcare.safety import Advice
    from backcare.scoring import Scored

ADVICE_STYLE = {"urgent": "bold red", "prompt": "yellow", "advice": "cyan"}
STARTBACK_MEANING = {
    # Keele STarT Back stratified care, as NICE NG59 recommends it (CLINICAL.md §3).
    "low": "Low risk: self-management with advice and exercise, as backcare supports, is "
           "usually enough.",
    "medium": "Medium risk: a course of physiotherapy is recommended alongside these "
              "exercises. Please ask your GP or a physiotherapist.",
    "high": "High risk: physiotherapy that also helps with worry, low mood and the impact of "
            "pain is recommended. Please ask your GP or a physiotherapist.",
}


def init_summary(profile: Profile, startback: Scored | None, advice: list[Advice],
                 updated: bool) -> None:
    con = out()
    if profile.blocked_by_red_flag:
        return  # the urgent message follows, on its own
    con.print(f"[green]✓[/] Profile {'updated' if updated else 'saved'}. Your programme "
              f"starts on {profile.start_date.isoformat()}.")
    equipment = ", ".join(e for e in profile.equipment if e != "none") or "none"
    con.print(f"  {profile.minutes_per_day} minutes a day, {profile.days_per_week} days a week;"
              f" equipment: {equipment}" + (f"; avoiding: {', '.join(profile.avoid_positions)}"
                                             if profile.avoid_positions else ""))
    if profile.baseline_pain is not None:
        con.print(f"  Pain at the start: {profile.baseline_pain}/10")
    if startback is not None and startback.band:
        con.print(f"  STarT Back: {startback.band} risk (score {startback.score:g}/9). "
                  f"{STARTBACK_MEANING.get(startback.band, '')}")
    for a in advice:
        con.print(f"[{ADVICE_STYLE[a.level]}]![/] {a.message}")
    con.print("\nNext: [bold]backcare plan[/] shows today's exercises; "
              "[bold]backcare session[/] guides you through them.")


def _dose_text(item: Any) -> str:
    return item.dose.describe(item.exercise.per_side)


def plan_view(plan: Plan, library: Library | None = None) -> None:
    from rich.table import Table

    con = out()
    title = {"normal": "Today's plan", "flare": "Today's gentle plan (flare-up)",
             "prescribed": "Your prescribed programme"}[plan.mode]
    con.print(f"[bold]{title}[/] — {plan.date:%A %d %B %Y}")
    if plan.warnings:
        for w in plan.warnings:
            style = "bold red" if w.startswith(("STOP", "Flare")) else "yellow"
            con.print(f"[{style}]![/] {w}")
    if not plan.items:
        con.print("\nNo exercises today." if plan.rest_day else "\nNothing to plan today.")
        con.print(f"\n[dim]Tip:[/] {plan.tip}")
        return
    table = Table(show_lines=False, expand=False)
    table.add_column("exercise", overflow="fold")
    table.add_column("dose", overflow="fold")
    table.add_column("time", justify="right", no_wrap=True)
    table.add_column("why", overflow="fold", style="dim")
    for cat in CATEGORIES:
        items = [i for i in plan.items if i.exercise.category == cat]
        if not items:
            continue
        table.add_row(f"[bold {CATEGORY_STYLE[cat]}]{cat}[/]", "", "", "")
        for i in items:
            name = f"  {i.exercise.name}" + (" [red](flagged)[/]" if i.flagged else "")
            reason = i.reason + (f" — note: {i.note}" if i.note else "")
            table.add_row(name, _dose_text(i), f"{i.seconds / 60:.0f} min"
                          if i.seconds >= 90 else f"{i.seconds} s", reason)
    con.print(table)
    budget = f" of your {plan.budget_minutes}" if plan.budget_minutes else ""
    con.print(f"Total: about {plan.total_minutes:g} minutes{budget}.  "
              "Start with [bold]backcare session[/], or record it later with "
              "[bold]backcare log[/].")
    con.print(f"[dim]Tip:[/] {plan.tip}")


def programme_view(p: Prescription, library: Library) -> None:
    from rich.table import Table

    con = out()
    by = f" by {p.prescribed_by}" if p.prescribed_by else ""
    start = f", from {p.start.isoformat()}" if p.start else ""
    con.print(f"[bold]Prescription{by}{start}[/] — progression "
              f"{'allowed' if p.allow_progression else 'not allowed (doses stay as set)'}")
    table = Table(expand=False)
    table.add_column("exercise")
    table.add_column("dose")
    table.add_column("days")
    table.add_column("note", overflow="fold")
    for item in p.items:
        ex = library.exercises.get(item.exercise_id)
        name = ex.name if ex else f"{item.exercise_id} (not in the library)"
        given = item.dose.describe(ex.per_side if ex else False) or "library default"
        days = "every day" if len(item.days) == 7 else ", ".join(item.days)
        table.add_row(name, given, days, item.note or "")
    con.print(table)
