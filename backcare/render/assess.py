"""The terminal side of ``backcare assess``: asking a questionnaire one item at a time, and
showing a scored result with what changed since the earlier ones.

:func:`build_report` turns a stored :class:`~backcare.domain.models.Assessment` and the same
instrument's earlier ones into one :class:`AssessReport`; :func:`report_json` (the
``assess --json`` document, CONTRACT.md) and :func:`show_report` (the terminal view) are both
drawn from it, so they cannot disagree (STYLE.md §5). :func:`ask_answers` is the prompt loop.

Questions and messages go to stderr, the result to stdout, so ``--json`` stays one document.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.prompt import Prompt
from rich.table import Table

from backcare.domain.instruments import (
    PEG_RATING_MAX,
    PSFS_RATING_MAX,
    RMDQ_RECOVERED_MAX,
    STARTBACK_AGREE_ITEMS,
    Instrument,
    ItemPrompt,
)
from backcare.domain.models import Assessment
from backcare.domain.scoring import (
    ODI_BANDS,
    ODI_MIN_SECTIONS_ANSWERED,
    ODI_UNANSWERED,
    SCORE_DECIMALS,
    STARTBACK_PSYCHOSOCIAL_FIRST_ITEM,
    Answers,
    Change,
    Scored,
    StartBackAnswers,
    activity_problem,
    compare,
    normalise_activity,
    plain_band,
    summary_sentence,
)
from backcare.domain.words import short_date
from backcare.render.ui import err, out

# Instruments whose items may be left unanswered: only the ODI (CONTRACT.md: '-' marks an
# unanswered section; CLINICAL.md §3 leaves it out of the denominator).
SKIPPABLE = frozenset({"odi"})
# On a two-answer item (yes/no, agree/disagree) these letters always work, as in --answers.
YES_LETTERS = ("y", "yes")
NO_LETTERS = ("n", "no")
STARTBACK_SOURCE = (
    "This follows Keele University's STarT Back stratified care, which the "
    "NICE guideline on low back pain (NG59) recommends."
)


# --- The report: one result, and its change since earlier ones -------------------------------
@dataclass(frozen=True)
class ChangeSince:
    """How this result compares with one earlier result of the same instrument."""

    earlier: Assessment
    change: Change
    sentence: str  # e.g. "down 12 points since 3 Feb — a clinically important improvement"


@dataclass(frozen=True)
class AssessReport:
    instrument: Instrument
    record: Assessment
    details: dict[str, int]
    interpretation: str
    since_first: ChangeSince | None
    since_previous: ChangeSince | None


def _change_since(record: Assessment, earlier: Assessment) -> ChangeSince | None:
    change = compare(earlier, record)
    if change is None:  # a damaged earlier result: nothing to compare with
        return None
    label = short_date(earlier.date, record.date)
    return ChangeSince(earlier, change, summary_sentence(record.instrument, change, label))


def build_report(
    instrument: Instrument, record: Assessment, scored: Scored, earlier: Sequence[Assessment]
) -> AssessReport:
    """The report on ``record``, given the same instrument's ``earlier`` results (oldest
    first, all on or before its date)."""
    first = _change_since(record, earlier[0]) if earlier else None
    previous = (
        first if len(earlier) == 1 else _change_since(record, earlier[-1]) if earlier else None
    )
    return AssessReport(
        instrument,
        record,
        dict(scored.details),
        interpretation(instrument, scored),
        first,
        previous,
    )


def _odi_band_ranges() -> str:
    """ "0–20% minimal, 21–40% moderate, ..." from scoring.ODI_BANDS (CLINICAL.md §3), in the
    plain words the patient sees (Fairbank's names stay in the exports, issue 11)."""
    parts, lower = [], 0
    for upper, band in ODI_BANDS:
        parts.append(f"{lower}–{upper:g}% {plain_band(band)}")
        lower = int(upper) + 1
    return ", ".join(parts)


def interpretation(instrument: Instrument, scored: Scored) -> str:
    """What the score means, in a sentence or two (CLINICAL.md §3)."""
    if instrument.id == "odi":
        answered = scored.details.get("sections_answered", len(instrument.items))
        skipped = len(instrument.items) - answered
        note = (
            f" {skipped} section{'s' * (skipped > 1)} left unanswered "
            f"{'were' if skipped > 1 else 'was'} left out of the score."
            if skipped
            else ""
        )
        words = plain_band(scored.band) or ""
        return (
            f"{words.capitalize()} disability on the Oswestry "
            f"scale ({_odi_band_ranges()}); a higher score means your back limits daily "
            f"life more.{note}"
        )
    if instrument.id == "startback":
        from backcare.render.plan import STARTBACK_MEANING

        psychosocial_items = len(instrument.items) - STARTBACK_PSYCHOSOCIAL_FIRST_ITEM + 1
        meaning = STARTBACK_MEANING.get(scored.band or "", "")
        return (
            f"{meaning} (Total {scored.details['total']} of {instrument.score_max:g}; "
            f"worry and mood questions {scored.details['psychosocial']} of "
            f"{psychosocial_items}.) {STARTBACK_SOURCE}"
        )
    if instrument.id == "rmdq":
        text = (
            f"{scored.score:g} of the {instrument.score_max:g} statements apply to you "
            "today; a higher score means your back limits you more."
        )
        if scored.score <= RMDQ_RECOVERED_MAX:
            text += f" A score of {RMDQ_RECOVERED_MAX} or less is close to recovered."
        return text
    if instrument.id == "psfs":
        count = len(scored.answers_json)
        return (
            f"The mean of your {count} activity ratings, from 0 (unable) to "
            f"{PSFS_RATING_MAX} (as before your back problem); higher is better."
        )
    return (
        f"The mean of your three 0–{PEG_RATING_MAX} ratings of pain, and of how much it "
        "gets in the way of enjoying life and of your general activity; higher is worse."
    )


def score_text(instrument: Instrument, value: float) -> str:
    """A score as shown: "32.0%", "7/24", "4.3/10"."""
    number = (
        str(value)
        if isinstance(value, int) and not isinstance(value, bool)
        else f"{value:.{SCORE_DECIMALS}f}"
    )
    if instrument.score_unit == "%":
        return f"{number}%"
    return f"{number}/{instrument.score_max:g}"


def _earlier_text(report: AssessReport, since: ChangeSince) -> str:
    if report.instrument.id == "startback":
        return f"{since.earlier.band} risk"
    return score_text(report.instrument, since.earlier.score)


def _change_json(since: ChangeSince | None) -> dict[str, Any] | None:
    if since is None:
        return None
    c = since.change
    return {
        "since": since.earlier.date.isoformat(),
        "assessment_id": since.earlier.id,
        "baseline": c.baseline,
        "latest": c.latest,
        "change": c.change,
        "percent_change": c.percent_change,
        "direction": c.direction,
        "clinically_important": c.clinically_important,
        "important_worsening": c.important_worsening,
        "rule": c.rule,
        "source": c.source,
        "note": c.note,
        "sentence": since.sentence,
    }


def report_json(report: AssessReport) -> dict[str, Any]:
    """The ``assess --json`` document: CONTRACT.md's keys first, then extras."""
    r = report.record
    return {
        "instrument": r.instrument,
        "date": r.date.isoformat(),
        "score": r.score,
        "band": r.band,
        "id": r.id,
        "answers": r.answers,
        "details": report.details,
        "interpretation": report.interpretation,
        "change_since_first": _change_json(report.since_first),
        "change_since_previous": _change_json(report.since_previous),
    }


def show_report(report: AssessReport, reassess_days: int) -> None:

    con = out()
    inst, r = report.instrument, report.record
    band = (
        f" — {r.band} risk"
        if r.band and inst.id == "startback"
        else f" — {plain_band(r.band)} disability"
        if r.band
        else ""
    )
    con.print(
        f"[green]✓[/] Saved your {escape(inst.short_name)} of {short_date(r.date)} {r.date.year}."
    )
    con.print(f"[bold]{escape(inst.title)}: {score_text(inst, r.score)}{band}[/]")
    con.print(escape(report.interpretation))
    if inst.id == "psfs":
        for activity, rating in r.answers.items():
            con.print(f"  • {escape(activity)}: {rating}/{PSFS_RATING_MAX}")
    if report.since_first is None:
        con.print(
            f"This is your first {escape(inst.short_name)}; later ones will be compared "
            f"with it. Try it again in about {reassess_days} days."
        )
        return

    con.print(f"[bold]Change since your earlier {escape(inst.short_name)} results[/]")
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column()
    rows = [("first", report.since_first)]
    if report.since_previous is not None and report.since_previous is not report.since_first:
        rows.append(("previous", report.since_previous))
    for which, since in rows:
        style = (
            "green"
            if since.change.clinically_important
            else "red"
            if since.change.important_worsening
            else ""
        )
        sentence = f"[{style}]{escape(since.sentence)}[/]" if style else escape(since.sentence)
        grid.add_row(f"  {which} ({escape(_earlier_text(report, since))})", sentence)
    con.print(grid)


# --- Asking, one item at a time ---------------------------------------------------------------
def _answer_keys(options: Sequence[str]) -> dict[str, int]:
    """What may be typed for each answer: its number, its label, and on a two-answer item
    y/n (as in --answers) and the labels' first letters."""
    keys = {str(value): value for value in range(len(options))}
    for value, label in enumerate(options):
        keys.setdefault(label.strip().casefold(), value)
    if len(options) == 2:
        for word in NO_LETTERS:
            keys.setdefault(word, 0)
        for word in YES_LETTERS:
            keys.setdefault(word, 1)
        for value, letter in enumerate(_letters(options)):
            keys.setdefault(letter, value)
    return keys


def _letters(options: Sequence[str]) -> tuple[str, ...]:
    """Single letters for a two-answer item: the labels' first letters when they differ (d/a
    for disagree/agree), else n/y."""
    firsts = tuple(label.strip()[:1].casefold() for label in options)
    if len(set(firsts)) == len(firsts) and all(f.isalpha() for f in firsts):
        return firsts
    return (NO_LETTERS[0], YES_LETTERS[0])


def _is_numbered_scale(options: Sequence[str]) -> bool:
    """A scale whose labels are its numbers ("0 = no pain", "1", ... "10 = ..."), which fits
    on one line."""
    return len(options) > 2 and all(
        label.split(" ", 1)[0] == str(value) for value, label in enumerate(options)
    )


def _show_item(number: int, total: int, prompt: ItemPrompt) -> None:

    con = err()
    con.print(f"\n[bold]Item {number} of {total}[/]  {escape(prompt.text)}")
    if _is_numbered_scale(prompt.options):
        con.print("   " + "  ·  ".join(escape(label) for label in prompt.options))
        return
    letters = _letters(prompt.options) if len(prompt.options) == 2 else None
    for value, label in enumerate(prompt.options):
        key = f"{value} ({letters[value]})" if letters else f"{value}"
        con.print(f"   {key:>5}  {escape(label)}")


def _answer_hint(options: Sequence[str], can_skip: bool) -> str:
    top = len(options) - 1
    if len(options) == 2:
        no, yes = _letters(options)
        hint = f"{yes}/{no}, or 1/0"
    else:
        hint = f"0–{top}"
    return hint + (f"; Enter or {ODI_UNANSWERED} to skip" if can_skip else "")


def _ask(question: str) -> str:

    return Prompt.ask(question, console=err()).strip()


def _ask_choice(
    number: int, total: int, prompt: ItemPrompt, can_skip: bool, skip_refused: str | None = None
) -> int | None:
    """One item: its number, its text and options; re-asked until the answer is valid.
    Returns the answer's value, or None when skipped."""
    _show_item(number, total, prompt)
    keys = _answer_keys(prompt.options)
    hint = _answer_hint(prompt.options, can_skip and skip_refused is None)
    while True:
        raw = _ask(f"Your answer ({hint})")
        if can_skip and raw in ("", ODI_UNANSWERED):
            if skip_refused:
                err().print(f"[yellow]{skip_refused}[/]")
                continue
            err().print(
                "  [dim]Left unanswered: the score is worked out from the sections you answer.[/]"
            )
            return None
        value = keys.get(raw.casefold())
        if value is not None:
            return value
        what = "Please give an answer" if not raw else f"'{_printable(raw)}' is not an answer"
        err().print(f"[yellow]{what}: type {hint}.[/]")


def _printable(text: str) -> str:

    clean = "".join(ch for ch in text if not unicodedata.category(ch).startswith("C"))
    return escape(clean[:30])


def _ask_rating(question: str, top: int) -> int:
    while True:
        raw = _ask(question)
        if raw.isascii() and raw.isdigit() and int(raw) <= top:
            return int(raw)
        err().print(f"[yellow]Please give a whole number from 0 to {top}.[/]")


def _ask_psfs(instrument: Instrument, prompts: Sequence[ItemPrompt]) -> dict[str, int]:
    """PSFS: 3 to 5 activities, each a name then a rating 0-10; Enter on an optional name
    finishes."""
    # The check every PSFS name gets when scored; used here so a bad one is re-asked at once.

    con = err()
    ratings: dict[str, int] = {}
    total = instrument.max_items
    for number, prompt in enumerate(prompts, 1):
        optional = number > instrument.min_items
        con.print(
            f"\n[bold]{escape(prompt.text)}[/]  [dim]({number} of "
            f"{instrument.min_items}–{total})[/]"
        )
        while True:
            finish = " (or press Enter to finish)" if optional else ""
            name = normalise_activity(_ask(f"The activity{finish}"))
            if not name and optional:
                return ratings
            if not name:
                problem = "Please name an activity, for example: walking to the shop"
            elif (why := activity_problem(name)) is not None:
                problem = f"That name {why}"
            elif name.casefold() in (n.casefold() for n in ratings):
                problem = "You have already rated that one: name a different activity"
            else:
                break
            con.print(f"[yellow]{escape(problem)}.[/]")
        con.print("   " + "  ·  ".join(escape(label) for label in prompt.options))
        ratings[name] = _ask_rating(
            f"How well can you do '{escape(name)}' today? (0–{PSFS_RATING_MAX})", PSFS_RATING_MAX
        )
    return ratings


def ask_answers(
    instrument: Instrument,
    prompts: Sequence[ItemPrompt],
    wording_note: str | None,
    min_answered: int = ODI_MIN_SECTIONS_ANSWERED,
) -> Answers:
    """Ask every item of ``instrument`` with ``prompts``, and return the normalised answers
    (as :func:`backcare.domain.scoring.parse_answers` would). KeyboardInterrupt and EOFError pass
    through: the caller decides what stopping means."""
    con = err()
    con.print(f"[bold]{escape(instrument.title)}[/]: {escape(instrument.description)}")
    if wording_note:
        con.print(f"[dim]{escape(wording_note)}[/]")
    con.print("[dim]Press Ctrl-C at any time to stop; nothing is saved until the end.[/]")
    if instrument.id == "psfs":
        return _ask_psfs(instrument, prompts)
    can_skip = instrument.id in SKIPPABLE
    total = len(prompts)
    values: list[int | None] = []
    for number, prompt in enumerate(prompts, 1):
        # A score needs min_answered sections (CLINICAL.md §9): no more may be skipped once
        # skipping this one would leave too few.
        skipped = sum(1 for v in values if v is None)
        refuse = (
            f"Please answer this one: a score needs at least {min_answered} of the "
            f"{total} sections answered."
            if can_skip and skipped + 1 > total - min_answered
            else None
        )
        values.append(_ask_choice(number, total, prompt, can_skip, refuse))
    if instrument.id == "odi":
        return values
    if instrument.id == "rmdq":
        return [bool(v) for v in values]
    if instrument.id == "startback":
        return StartBackAnswers(
            tuple(bool(v) for v in values[:STARTBACK_AGREE_ITEMS]),
            int(values[STARTBACK_AGREE_ITEMS] or 0),
        )
    return [int(v or 0) for v in values]


def clinic_wording_note(instrument: Instrument, path: Path) -> str | None:
    """For the ODI without a clinic's wording: why only topics are shown, and how a clinic can
    supply the wording (CLINICAL.md §3, licence)."""
    if instrument.id != "odi":
        return None
    options = len(instrument.items[0].options)
    return (
        f"backcare shows only the {len(instrument.items)} ODI section topics and a general "
        f"0–{options - 1} scale, because the questionnaire's full wording is licensed. "
        f"A clinic that holds a licence can supply it: save it as {path}, with an 'items:' "
        f"list of {len(instrument.items)} entries, each with 'text' and {options} "
        "'options' (lowest score first)."
    )
