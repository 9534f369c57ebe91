"""Rendering onboarding, the daily plan and a prescription for the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Group
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from backcare.clock import today
from backcare.domain.conditions import relevant_caution
from backcare.domain.models import CATEGORIES, Dose, Prescription, Profile
from backcare.domain.words import plural, spoken_duration, spoken_minutes
from backcare.messages import DISCLAIMER, DISCLAIMER_SHORT
from backcare.render.library import CATEGORY_STYLE
from backcare.render.ui import out

if TYPE_CHECKING:
    from backcare.domain.library import Library
    from backcare.domain.planner import Plan
    from backcare.domain.safety import Advice
    from backcare.domain.scoring import Scored

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


def init_summary(
    profile: Profile,
    startback: Scored | None,
    advice: list[Advice],
    updated: bool,
    changed: list[str] | None = None,
) -> None:
    con = out()
    if profile.blocked_by_red_flag:
        return  # the urgent message follows, on its own
    if updated and not changed:
        con.print(
            "[green]✓[/] Nothing in your profile changed. Your programme started on "
            f"{profile.start_date.isoformat()}."
        )
    else:
        con.print(
            f"[green]✓[/] Profile {'updated' if updated else 'saved'}. Your programme "
            f"starts on {profile.start_date.isoformat()}."
        )
    for line in changed or []:  # a re-run says what it changed (issue 21)
        con.print(f"  Changed: {escape(line)}")
    equipment = ", ".join(e for e in profile.equipment if e != "none") or "none"
    con.print(
        f"  {plural(profile.minutes_per_day, 'minute')} a day, "
        f"{plural(profile.days_per_week, 'day')} a week;"
        f" equipment: {equipment}"
        + (f"; avoiding: {', '.join(profile.avoid_positions)}" if profile.avoid_positions else "")
    )
    if profile.baseline_pain is not None:
        con.print(f"  Pain at the start: {profile.baseline_pain}/10")
    if startback is not None and startback.band:
        con.print(
            f"  STarT Back: {startback.band} risk (score {startback.score:g}/9). "
            f"{STARTBACK_MEANING.get(startback.band, '')}"
        )
    for a in advice:
        con.print(f"[{ADVICE_STYLE[a.level]}]![/] {a.message}")
    con.print(
        "\nNext: [bold]backcare plan[/] shows today's exercises; "
        "[bold]backcare session[/] guides you through them."
    )
    con.print(Text(DISCLAIMER_SHORT, style="dim"))


def _dose_text(item: Any) -> str:
    return item.dose.describe(item.exercise.per_side)


def _time_text(seconds: int) -> str:
    return spoken_duration(seconds)


def plan_view(
    plan: Plan,
    library: Library | None = None,
    *,
    short_disclaimer: bool = True,
    conditions: tuple[str, ...] = (),
) -> None:
    """The day's plan: a table at 80 columns and more, a block an exercise below that; why
    each exercise is there is said once when it is the same for every one, as on a first
    day."""
    con = out()
    kind = {
        "normal": "plan",
        "flare": "gentle plan (flare-up)",
        "prescribed": "prescribed programme",
    }[plan.mode]
    when = f"{plan.date:%A} {plan.date.day} {plan.date:%B %Y}"
    title = f"Today's {kind}" if plan.date == today() else f"Your {kind} for"
    con.print(f"[bold]{title}[/] · {when}" if plan.date == today() else f"[bold]{title}[/] {when}")
    if plan.disclaimer == DISCLAIMER:  # before init: the whole disclaimer, first
        con.print(Text(DISCLAIMER, style="dim"))
    for w in plan.warnings:
        style = "bold red" if w.startswith(("STOP", "Flare")) else "yellow"
        con.print(f"[{style}]![/] {w}")
    if not plan.items:
        con.print("\nNo exercises today." if plan.rest_day else "\nNothing to plan today.")
        con.print(f"\n[dim]Tip:[/] {plan.tip}")
        _short_disclaimer(plan, short_disclaimer)
        return
    reasons = {i.reason for i in plan.items}
    shared = reasons.pop() if len(reasons) == 1 else None
    if con.width < WIDE:  # its category headings set the items apart: no blank line
        _plan_blocks(plan, shared, conditions)
    else:
        con.print()
        con.print(_plan_table(plan, shared, conditions))
    _plan_footer(plan, shared, short_disclaimer)


# Below this many columns a table's dose column leaves the reasons a sliver of width
# (a 10-item plan took 104 lines at 60 columns): each exercise is a block instead.
WIDE = 80
NBSP = "\u00a0"


def _plan_blocks(plan: Plan, shared: str | None, conditions: tuple[str, ...]) -> None:
    """The plan for a narrow terminal (issue 27): an exercise's name, dose and time on one
    line, then why it is there and its caution beneath it, across the whole width."""
    con = out()
    for cat in CATEGORIES:
        items = [i for i in plan.items if i.exercise.category == cat]
        if not items:
            continue
        con.print(f"[bold {CATEGORY_STYLE[cat]}]{cat.upper()}[/]")
        for i in items:
            line = _name_text(i)
            # The time is not broken from its unit when the line wraps ("3" / "min").
            line.append(f" · {_dose_text(i)} · {_time_text(i.seconds).replace(' ', NBSP)}")
            con.print(line)
            below = Text()
            if not shared:
                below.append(i.reason.rstrip(".") + ". ", style="dim")
            caution = relevant_caution(i.exercise, conditions)
            if caution:  # marked as the plan's warnings are, to leave it the width
                below.append("! " + caution, style="yellow")
            if below:
                con.print(Padding(below, (0, 0, 0, 2)))
            if i.note:
                con.print(Padding(Text(f"note: {i.note}", style="italic"), (0, 0, 0, 2)))


def _name_text(i: Any) -> Text:
    name = Text(i.exercise.name)
    if i.flagged:
        name.append(" (flagged)", style="red")
    if i.missing_equipment:  # kept: the physiotherapist chose it (issue 14)
        name.append(f" (needs {', '.join(i.missing_equipment)})", style="yellow")
    return name


def _plan_table(plan: Plan, shared: str | None, conditions: tuple[str, ...]) -> Table:
    """The plan at 80 columns and more: one exercise a line with its dose and time, and why
    it is there on a quieter, indented line beneath."""
    table = Table(box=box.SIMPLE_HEAD, expand=False, show_edge=False, pad_edge=False)
    table.add_column("exercise", ratio=1)
    table.add_column("dose", no_wrap=True)
    table.add_column("time", justify="right", no_wrap=True)
    for cat in CATEGORIES:
        items = [i for i in plan.items if i.exercise.category == cat]
        if not items:
            continue
        table.add_row(f"[bold {CATEGORY_STYLE[cat]}]{cat.upper()}[/]", "", "")
        for i in items:
            parts: list[Any] = [_name_text(i)]
            if not shared:
                parts.append(Padding(Text(i.reason, style="dim"), (0, 0, 0, 2)))
            if i.note:
                parts.append(Padding(Text(f"note: {i.note}", style="italic"), (0, 0, 0, 2)))
            caution = relevant_caution(i.exercise, conditions)
            if caution:  # where the patient exercises (issue 11): a short note here, the
                # one that matters most for this patient (issue 21); the session shows all.
                parts.append(Padding(Text("Take care: " + caution, style="yellow"), (0, 0, 0, 2)))
            table.add_row(Group(*parts), _dose_text(i), _time_text(i.seconds))
    return table


def _plan_footer(plan: Plan, shared: str | None, short_disclaimer: bool) -> None:
    con = out()
    if shared:
        con.print(f"[dim]Why these doses:[/] {shared}.")
    if any(len(i.exercise.cautions) > 1 for i in plan.items) and con.width >= WIDE:
        con.print(
            "[yellow]Take care:[/] the caution that matters most for you; the session "
            "shows every one before its exercise ('backcare exercises show ID' too)."
        )
    if any(i.flagged for i in plan.items):
        con.print(
            "[red](flagged)[/] it hurt last time, so it is kept easy today and noted "
            "for your physiotherapist."
        )
    _left_out(plan)
    budget = f" of your {plan.budget_minutes}" if plan.budget_minutes else ""
    if con.width >= WIDE:
        con.print(
            f"Total: about {spoken_minutes(plan.total_minutes)}{budget}. "
            "Start with [bold]backcare session[/], or record it later with "
            "[bold]backcare log[/]."
        )
    else:
        con.print(
            f"Total: about {spoken_minutes(plan.total_minutes)}{budget}. "
            "Then: [bold]backcare session[/]."
        )
    con.print(f"[dim]Tip:[/] {plan.tip}")
    _short_disclaimer(plan, short_disclaimer)


def _short_disclaimer(plan: Plan, wanted: bool) -> None:
    """CLINICAL.md §7: the short form once, at the end of the day's plan."""
    if wanted and plan.disclaimer != DISCLAIMER:
        out().print(Text(plan.disclaimer, style="dim"))


def _left_out(plan: Plan) -> None:
    """The exercises a condition's rule leaves out, grouped by why (CLINICAL.md §8)."""
    by_why: dict[str, list[str]] = {}
    for ex, why in plan.left_out:
        by_why.setdefault(why, []).append(ex.name)
    for why, names in by_why.items():
        out().print(Text(f"Left out for {why}: {', '.join(names)}.", style="dim"))


def routine_view(plan: Plan) -> None:
    """The routine (issue 20): each exercise with its dose now, when it joined and its last
    step; what was swapped out and why; when the next review falls."""
    con = out()
    when = f"{plan.date.day} {plan.date:%B %Y}"
    if plan.routine is None:
        con.print(f"[bold]Your routine[/] · {when}")
        con.print(
            "Your physiotherapist's programme is in force, in place of the routine: "
            "'backcare programme show' shows it."
        )
        return
    r = plan.routine.routine
    con.print(f"[bold]Your routine[/] · {when} · since {r.started.day} {r.started:%b %Y}")
    if r.split:
        con.print(
            "[dim]Split over alternating training days (A and B) to fit your minutes; "
            "each exercise comes at least twice a week.[/]"
        )
    table = Table(box=box.SIMPLE_HEAD, expand=False, show_edge=False, pad_edge=False)
    table.add_column("exercise", ratio=1)
    table.add_column("dose now", no_wrap=True)
    table.add_column("joined", no_wrap=True)
    for doc in plan.routine.routine_dicts():
        name = Text(doc["name"])
        if doc["group"]:
            name.append(f" ({doc['group']} days)", style="dim")
        parts: list[Any] = [name]
        joined = doc["changes"][0]
        if joined["why"] != "in your routine from the start":
            parts.append(Padding(Text(joined["why"], style="dim"), (0, 0, 0, 2)))
        steps = [c for c in doc["changes"] if c["what"] != "joined"]
        if steps:
            last = steps[-1]
            what = last["what"].split(": ", 1)[-1]
            parts.append(
                Padding(
                    Text(f"{_short(last['date'])}: {what} ({last['why']})", style="dim"),
                    (0, 0, 0, 2),
                )
            )
        current, dose = plan.routine.current[doc["family"]]
        table.add_row(Group(*parts), dose.describe(current.per_side), _short(doc["joined"]))
    con.print()
    con.print(table)
    for lf in r.left:
        con.print(f"[yellow]Out of the routine:[/] {lf.why}.")
    if r.review_due is not None:
        con.print(
            f"[dim]Next review with your physiotherapist proposed around "
            f"{r.review_due.day} {r.review_due:%b %Y}; nothing changes unless you "
            "choose. 'backcare plan swap ID' offers another exercise of the same "
            "kind.[/]"
        )


def _short(iso_day: str) -> str:
    from datetime import date as _date

    d = _date.fromisoformat(iso_day)
    return f"{d.day} {d:%b}"


def ask_swap(choice: Any) -> str | None:
    """The patient picks what takes an exercise's place: a number, or Enter to cancel."""
    from rich.prompt import Prompt

    from backcare.render.ui import err

    con = err()
    con.print(
        f"In place of [bold]{escape(choice.current.name)}[/] "
        f"({choice.current.category}), you could do:"
    )
    for n, ex in enumerate(choice.options, 1):
        where = " (same position)" if ex.position == choice.current.position else ""
        con.print(f"  {n}. {escape(ex.name)} [dim]{ex.id}{where}[/]")
    answer = Prompt.ask(
        "Which one? Type its number, or Enter to cancel",
        choices=["", *(str(n) for n in range(1, len(choice.options) + 1))],
        show_choices=False,
        default="",
        console=con,
    )
    return choice.options[int(answer) - 1].id if answer else None


def programme_view(p: Prescription, library: Library) -> None:

    con = out()
    by = f" by {p.prescribed_by}" if p.prescribed_by else ""
    start = f", from {p.start.isoformat()}" if p.start else ""
    con.print(
        f"[bold]Prescription{by}{start}[/] — progression "
        f"{'allowed' if p.allow_progression else 'not allowed (doses stay as set)'}"
    )
    table = Table(expand=False)
    table.add_column("exercise")
    table.add_column("dose")
    table.add_column("days")
    table.add_column("note", overflow="fold")
    defaults = False
    for item in p.items:
        ex = library.exercises.get(item.exercise_id)
        name = ex.name if ex else f"{item.exercise_id} (not in the library)"
        given = (
            item.dose.describe(ex.per_side if ex else False)
            if item.dose != Dose()
            else "library default"
        )
        if ex is not None and any(getattr(item.dose, f) is None for f in ex.dose.ranges()):
            # What the plan will use: the prescription, with the library's defaults.
            full = {
                f: getattr(item.dose, f)
                if getattr(item.dose, f) is not None
                else getattr(ex.default_dose(), f)
                for f in ex.dose.ranges()
            }
            given = f"{Dose(**full).describe(ex.per_side)} *"
            defaults = True
        days = "every day" if len(item.days) == 7 else ", ".join(item.days)
        table.add_row(name, given, days, item.note or "")
    con.print(table)
    if defaults:
        con.print("* the library's usual dose for what the prescription leaves out")
