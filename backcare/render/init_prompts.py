"""The interactive questions of ``backcare init``: one at a time, in plain words."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.panel import Panel
from rich.prompt import IntPrompt, Prompt

from backcare.domain import onboarding as ob
from backcare.domain.instruments import get_instrument
from backcare.domain.models import Profile
from backcare.domain.safety import (
    CANCER_CONDITION,
    CANCER_FLAG,
    CAUDA_EQUINA,
    CONDITIONS,
    PREGNANCY,
    RED_FLAGS,
    red_flag_advice,
)
from backcare.domain.scoring import StartBackAnswers, score
from backcare.errors import BackcareError
from backcare.messages import DISCLAIMER
from backcare.render.confirm import Confirm
from backcare.render.ui import err

if TYPE_CHECKING:
    from backcare.domain.scoring import Scored


def _yes_no(question: str, default: bool | None = None) -> bool:
    """y or n. With no default, Enter alone asks again: every safety question is asked
    this way, so that a stray Enter never answers "no" (issue 11)."""
    if default is None:
        return Confirm.ask(question, console=err())
    return Confirm.ask(question, default=default, console=err())


def _int(question: str, low: int, high: int, default: int | None) -> int:

    while True:
        value = IntPrompt.ask(
            f"{question} ({low}–{high})",
            default=default,  # type: ignore
            console=err(),
        )
        if value is not None and low <= value <= high:
            return int(value)
        err().print(f"[yellow]Please give a whole number from {low} to {high}.[/]")


def _names(question: str, parse: Any, default: str) -> Any:

    while True:
        text = Prompt.ask(question, default=default, console=err())
        try:
            return parse(text)
        except BackcareError as exc:
            err().print(f"[yellow]{exc.message}[/]")


def ask_red_flags(a: ob.InitAnswers, existing: Profile | None = None) -> None:
    """The red-flag screen (CLINICAL.md §5, docs/clinical.md §5), each question with no
    default answer. Asked even with --yes, which never answers a safety question (issue 11).
    The cauda-equina signs come first: after a "yes" to one, the emergency message is shown
    and nothing more is asked (issue 21)."""
    con = err()
    con.print(Panel(DISCLAIMER, title="Before you start", expand=False))
    con.print("\n[bold]First, a few safety questions.[/] Answer y or n.")
    found: list[str] = []
    for flag in RED_FLAGS:
        if not _yes_no(f"  {flag.question}"):
            continue
        found.append(flag.name)
        if flag.name in CAUDA_EQUINA:
            a.red_flags = found
            con.print(
                Panel(
                    red_flag_advice(found),
                    title="Please seek help now",
                    border_style="red",
                    expand=False,
                )
            )
            return
    a.red_flags = found
    if found or a.implied_red_flags:
        con.print(
            Panel(
                red_flag_advice([*found, *a.implied_red_flags]),
                title="Please seek help",
                border_style="red",
                expand=False,
            )
        )
        if a.cleared_by_clinician is None and _yes_no(
            "Has a clinician already checked this and said exercise is safe?"
        ):
            a.cleared_by_clinician = True
    kept = existing.age_band if existing else None  # a re-run: the answer given before
    while a.age_band is None and not a.stopping:  # else no default: a safety question
        question = "  How old were you when this back pain started? (under-20, 20-50 or over-50)"
        text = (
            Prompt.ask(question, default=kept, console=con)
            if kept
            else Prompt.ask(question, console=con)
        )
        try:
            a.age_band = ob.check_age_band(text.strip() or None)
        except BackcareError as exc:
            con.print(f"[yellow]{exc.message}[/]")


def ask_conditions(a: ob.InitAnswers, existing: Profile | None = None) -> None:
    """The underlying conditions (CLINICAL.md §5 and §8), one at a time. On a re-run the
    answers kept are the defaults; on a first run no answer is (issue 21)."""
    con = err()
    had = set(existing.conditions) if existing else None
    # A history of cancer was asked with the red flags: it is one (CLINICAL.md §5).
    con.print("\n[bold]Do any of these apply to you?[/]")
    a.conditions = [
        name
        for name, words in CONDITIONS.items()
        if name != CANCER_CONDITION
        and _yes_no(f"  {words[0].upper() + words[1:]}?", None if had is None else name in had)
    ]
    if CANCER_FLAG in (a.red_flags or []) or (had and CANCER_CONDITION in had):
        a.conditions.insert(0, CANCER_CONDITION)
    if PREGNANCY in a.conditions and a.pregnancy_week is None:
        # ACOG 804: lying on the back is avoided after the first trimester; not known means
        # assumed past it (CLINICAL.md §8).
        week = existing.week_of_pregnancy(a.start_date) if existing else None
        text = Prompt.ask(
            "  Which week of pregnancy are you in? (1–42; Enter if you are not sure)",
            default=str(week) if week else "",
            console=con,
        )
        while text.strip():
            try:
                a.pregnancy_week = ob.check_pregnancy_week(int(text), a.conditions, None)
                break
            except (ValueError, BackcareError):
                text = Prompt.ask(
                    "  Please give a week from 1 to 42, or press Enter", default="", console=con
                )


def ask_missing(a: ob.InitAnswers, existing: Profile | None) -> None:

    con = err()
    if a.red_flags is None:
        ask_red_flags(a, existing)
    else:
        con.print(Panel(DISCLAIMER, title="Before you start", expand=False))
    if a.stopping:
        return  # stop here: the profile records the red flag, and init exits 3
    if a.conditions is None:
        ask_conditions(a, existing)
    if a.assessed_by_clinician is None:
        a.assessed_by_clinician = _yes_no(
            "Has a doctor or physiotherapist assessed this back pain?",
            existing.assessed_by_clinician if existing else None,
        )
    if a.pain is None and existing is not None:
        # A re-run keeps the baseline unless it is changed on purpose (issue 21): today's
        # pain belongs in 'backcare pain', not in the programme's starting point.
        a.pain = _int(
            "\nYour pain at the start of the programme (your baseline; press Enter to keep it)",
            0,
            10,
            existing.baseline_pain,
        )
    elif a.pain is None:
        a.pain = _int(
            "\nHow bad is your back pain right now? 0 is no pain, 10 the worst imaginable",
            0,
            10,
            None,
        )
    if a.minutes is None:
        a.minutes = _int(
            "How many minutes a day can you give to your exercises?",
            *ob.MINUTES_RANGE,
            existing.minutes_per_day if existing else ob.DEFAULT_MINUTES,
        )
    if a.days_per_week is None:
        a.days_per_week = _int(
            "How many days a week?",
            *ob.DAYS_RANGE,
            existing.days_per_week if existing else ob.DEFAULT_DAYS,
        )
    if a.equipment is None:
        now = ",".join(
            e for e in (existing.equipment if existing else ob.DEFAULT_EQUIPMENT) if e != "none"
        )
        a.equipment = _names(
            "What do you have? (comma-separated: mat, chair, wall, step, "
            "exercise-ball, resistance-band, pool, exercise-bike, bicycle)",
            lambda t: ob.check_equipment(t or "none"),
            now or "none",
        )
    if a.avoid_positions is None:
        avoid: list[str] = []
        if not _yes_no("Can you get down to the floor and back up again?", True):
            avoid += ["lying", "kneeling"]
        elif not _yes_no("Can you kneel on all fours?", True):
            avoid.append("kneeling")
        a.avoid_positions = avoid


def ask_startback() -> Scored | None:
    """The optional STarT Back screen (CLINICAL.md §3; NICE NG59 1.1.2 recommends it)."""
    con = err()
    if not _yes_no(
        "\nWould you answer 9 short questions (the STarT Back tool)? They help "
        "match the amount of support to your needs",
        True,
    ):
        return None
    inst = get_instrument("startback")
    items = []
    for i, item in enumerate(inst.items[:8], 1):
        items.append(_yes_no(f"  {i}/9 {item.text} (agree?)", False))
    last = inst.items[8]
    con.print(f"  9/9 {last.text}")
    for n, option in enumerate(last.options):
        con.print(f"     {n} = {option}")
    bother = _int("  Your answer", 0, 4, None)
    return score("startback", StartBackAnswers(tuple(items), bother))
