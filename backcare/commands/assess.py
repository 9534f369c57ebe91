"""`backcare assess INSTRUMENT`: a questionnaire, asked one item at a time or given with
--answers, scored, saved, and compared with the earlier ones (CLINICAL.md §3)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from backcare.commands.common import DateOpt, JsonOpt, day, not_future, store, thresholds
from backcare.domain.instruments import get_instrument
from backcare.domain.models import Assessment
from backcare.domain.scoring import Answers, parse_answers, score
from backcare.errors import BackcareError, UsageProblem
from backcare.loading.wording import load_clinic_wording
from backcare.render.ui import emit_json
from backcare.storage import new_id

if TYPE_CHECKING:
    from datetime import date

    from backcare.domain.instruments import Instrument, ItemPrompt

EXIT_STOPPED = 130  # the shell's code for Ctrl-C

# One valid --answers value per instrument (CONTRACT.md), shown when --answers is needed.
EXAMPLE_ANSWERS = {
    "odi": "2,1,2,1,2,2,1,2,-,3",
    "rmdq": "y,n,y,n,n,n,y,n,y,n,y,n,n,n,n,y,n,y,n,n,y,n,n,n",
    "startback": "y,n,y,n,n,y,n,n,2",
    "psfs": "walking=4,gardening=6,lifting=3",
    "peg": "6,5,7",
}


class Stopped(BackcareError):
    """The patient stopped the questions (Ctrl-C, or the input ended): nothing is saved."""

    exit_code = EXIT_STOPPED


def assess(
    instrument: Annotated[
        str,
        typer.Argument(
            metavar="INSTRUMENT", help="odi, rmdq, startback, psfs or peg.", show_default=False
        ),
    ],
    answers: Annotated[
        str | None,
        typer.Option(
            "--answers",
            metavar="TEXT",
            help="Every answer at once, comma-separated, instead of being asked.",
        ),
    ] = None,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Answer a questionnaire, see its score, and how it has changed.

    odi (Oswestry Disability Index), rmdq (Roland-Morris), startback (Keele STarT Back),
    psfs (Patient-Specific Functional Scale) or peg (pain, enjoyment, general activity).
    On a terminal the questions are asked one at a time; or give every answer with --answers:

    \b
      odi        10 answers 0-5, '-' for a section left unanswered
      rmdq       24 answers y/n
      startback  8 answers y/n (agree/disagree), then item 9 as 0-4
                 (0 not at all, 1 slightly, 2 moderately, 3 very much, 4 extremely)
      psfs       3 to 5 activity=rating pairs, ratings 0-10
      peg        3 answers 0-10

    Example: backcare assess odi --answers 2,1,2,1,2,2,1,2,-,3 --date 2026-03-02
    """
    from backcare.render import assess as render_assess

    inst = _instrument(instrument)
    when = not_future(day(date))
    if answers is None:
        scored = score(inst.id, _ask(inst), odi_min_sections=thresholds().odi_min_sections)
    else:
        try:  # answers typed on the command line that cannot be scored: usage, exit 2
            scored = score(
                inst.id,
                parse_answers(inst.id, answers),
                odi_min_sections=thresholds().odi_min_sections,
            )
        except BackcareError as exc:
            raise UsageProblem(f"--answers: {exc.message}") from None
    record = Assessment(
        new_id("a", when), when, inst.id, scored.answers_json, scored.score, scored.band
    )
    # Everything that can fail is done before the one write, so a refusal saves nothing.
    report = render_assess.build_report(inst, record, scored, _earlier(inst.id, when))
    reassess_days = None if as_json else thresholds().reassess_days
    store().add_assessment(record)
    if reassess_days is None:
        emit_json(render_assess.report_json(report))
    else:
        render_assess.show_report(report, reassess_days)


def _instrument(name: str) -> Instrument:
    """The instrument named on the command line; an unknown one is a usage error (exit 2)."""

    try:
        return get_instrument(name)
    except BackcareError as exc:
        raise UsageProblem(exc.message) from None


def _earlier(instrument_id: str, until: date) -> list[Assessment]:
    """This instrument's results up to ``until`` (inclusive), oldest first; those of one day
    in the order they were saved."""

    found = []
    for doc in store().records("assessments", end=until):
        if doc.get("instrument") != instrument_id:
            continue
        try:
            found.append(Assessment.from_dict(doc))
        except (KeyError, TypeError, ValueError) as exc:
            raise BackcareError(
                f"a saved {instrument_id} result of {doc.get('date')} cannot "
                f"be read ({exc!r}); 'backcare doctor' can check the data "
                "folder"
            ) from None
    return found


def _ask(inst: Instrument) -> Answers:
    """Ask on the terminal; with no terminal, say which option answers instead (exit 2)."""
    from backcare.render import assess as render_assess
    from backcare.render import ui

    if not ui.is_interactive():
        raise UsageProblem(
            f"assess {inst.id} needs --answers when there is no terminal to ask the questions "
            f"on (for example: --answers {EXAMPLE_ANSWERS[inst.id]}): give "
            f"{inst.answers_hint}"
        )
    prompts, note = _wording(inst)
    try:
        return render_assess.ask_answers(inst, prompts, note, thresholds().odi_min_sections)
    except (KeyboardInterrupt, EOFError):
        ui.err().print()
        raise Stopped("stopped; nothing was saved") from None


def _wording(inst: Instrument) -> tuple[list[ItemPrompt], str | None]:
    """The clinic's wording when it supplied a file, else backcare's own prompts and, for the
    ODI, a note on how a clinic can supply the licensed wording (CLINICAL.md §3)."""
    from backcare.render import assess as render_assess

    path = store().paths.questionnaire_wording(inst.id)
    if path.is_file():
        return load_clinic_wording(inst.id, path), None
    return list(inst.items), render_assess.clinic_wording_note(inst, path)


def register(app: typer.Typer) -> None:
    app.command("assess")(assess)
