"""`backcare init`: the disclaimer, a red-flag safety screen, and the patient's profile."""

from __future__ import annotations

from typing import Annotated

import typer

from backcare.clock import today
from backcare.commands.common import (
    DateOpt,
    JsonOpt,
    day,
    not_future,
    red_flag_checkins,
    store,
    thresholds,
    whole_number,
)
from backcare.domain import onboarding as ob
from backcare.domain.clinical import check_pain
from backcare.domain.models import Assessment, History
from backcare.domain.onboarding import InitAnswers
from backcare.domain.safety import Advice, cleared_red_flag_advice, red_flag_stop, seek_help
from backcare.domain.scoring import parse_answers, score
from backcare.errors import BackcareError, SafetyStop, UsageProblem
from backcare.render.ui import emit_json, is_interactive, warn
from backcare.storage import new_id

# Who cleared the patient, when the alias `init --cleared-by-clinician` does not say.
ALIAS_CLEARED_BY = "a clinician (init --cleared-by-clinician)"


def init(
    yes: Annotated[
        bool,
        typer.Option(
            "--yes",
            help="Take the default for any comfort "
            "setting not given. Never answers a "
            "safety question.",
        ),
    ] = False,
    pain: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            parser=whole_number,
            help="Your back pain now, 0 (none) to 10 (worst imaginable).",
        ),
    ] = None,
    minutes: Annotated[
        int | None,
        typer.Option(
            metavar="N",
            parser=whole_number,
            help="Minutes a day for exercise (10–180, default 20).",
        ),
    ] = None,
    days_per_week: Annotated[
        int | None,
        typer.Option(
            "--days-per-week",
            metavar="N",
            parser=whole_number,
            help="Exercise days a week (1–7, default 7).",
        ),
    ] = None,
    equipment: Annotated[
        str | None,
        typer.Option(
            metavar="NAME,...",
            help="What you have, comma-separated: mat, chair, wall, step, exercise-ball, "
            "resistance-band, pool, exercise-bike, bicycle (default: mat).",
        ),
    ] = None,
    avoid_position: Annotated[
        str | None,
        typer.Option(
            "--avoid-position",
            metavar="NAME,...",
            help="Positions that are hard for you, comma-separated: "
            "lying, kneeling, sitting, standing, moving.",
        ),
    ] = None,
    date: DateOpt = None,
    no_red_flags: Annotated[
        bool, typer.Option("--no-red-flags", help="Answer no to every red-flag safety question.")
    ] = False,
    red_flag: Annotated[
        list[str] | None,
        typer.Option(
            "--red-flag",
            metavar="NAME",
            help="Report a red flag (repeatable): bladder-bowel, saddle-numbness, "
            "leg-weakness, walking-change, sexual-dysfunction, both-legs, cancer-history, "
            "weight-loss, night-pain, fever, immunosuppressed, trauma.",
        ),
    ] = None,
    both_legs: Annotated[
        bool,
        typer.Option(
            "--both-legs",
            help="You have pain, numbness, tingling or weakness in both legs "
            "(a red flag: the same as --red-flag both-legs).",
        ),
    ] = False,
    age_band: Annotated[
        str | None,
        typer.Option(
            "--age-band",
            metavar="BAND",
            help="Your age when this back pain started: under-20, 20-50 or over-50.",
        ),
    ] = None,
    cleared_by_clinician: Annotated[
        bool,
        typer.Option(
            "--cleared-by-clinician",
            help="A clinician has checked your red flag and said exercise is safe.",
        ),
    ] = False,
    condition: Annotated[
        list[str] | None,
        typer.Option(
            "--condition",
            metavar="NAME",
            help="An underlying condition (repeatable): cancer, osteoporosis, "
            "inflammatory, recent-surgery, pregnancy.",
        ),
    ] = None,
    no_conditions: Annotated[
        bool, typer.Option("--no-conditions", help="None of those conditions applies.")
    ] = False,
    pregnancy_week: Annotated[
        int | None,
        typer.Option(
            "--pregnancy-week",
            metavar="N",
            parser=whole_number,
            help="With --condition pregnancy: the week of pregnancy you are in (1–42).",
        ),
    ] = None,
    assessed: Annotated[
        bool | None,
        typer.Option(
            "--assessed/--not-assessed",
            help="Whether a clinician has assessed this back pain (with --yes, not given "
            "means not assessed).",
        ),
    ] = None,
    startback: Annotated[
        str | None,
        typer.Option(
            "--startback",
            metavar="ANSWERS",
            help="Answers to the STarT Back tool: 8 y/n, then 0–4 (see 'backcare assess --help').",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Set up backcare: a safety check, your pain, time and equipment.

    Asks one question at a time; every question can also be answered with an option.
    --yes takes the defaults for comfort settings only: the red-flag questions are always
    answered, by you or with --no-red-flags / --red-flag NAME.
    Re-running init updates your answers and never erases your log.

    Example: backcare init --no-red-flags --pain 5 --minutes 20 --equipment mat,chair --yes
    """
    from backcare.render import plan as render_plan

    s = store()
    existing = s.profile()
    if cleared_by_clinician and existing is not None:
        # The alias of `backcare clear` (issue 21): it records the clearance and changes
        # nothing else; it asks nothing, and --date is the day of the clearance.
        from backcare.commands.clear import clearance_visit, report_clearance

        cleared_on = not_future(day(date)) if date is not None else today()
        others = [
            pain,
            minutes,
            days_per_week,
            equipment,
            avoid_position,
            red_flag,
            condition,
            assessed,
            startback,
            age_band,
            pregnancy_week,
        ]
        if any(v is not None for v in others) or both_legs or no_conditions:
            warn(
                "Only the clearance is recorded: it changes nothing else. Run 'backcare "
                "init' again, without --cleared-by-clinician, to change your answers."
            )
        report_clearance(clearance_visit(cleared_on, ALIAS_CLEARED_BY, None), as_json)
        return
    start = day(date) if date is not None else (existing.start_date if existing else today())
    answers = ob.InitAnswers(
        start_date=start,
        pain=check_pain(pain, "--pain"),
        minutes=ob.check_range("--minutes", minutes, *ob.MINUTES_RANGE),
        days_per_week=ob.check_range("--days-per-week", days_per_week, *ob.DAYS_RANGE),
        equipment=ob.check_equipment(equipment),
        avoid_positions=ob.check_positions(avoid_position),
        cleared_by_clinician=True if cleared_by_clinician else None,
        assessed_by_clinician=assessed,
    )
    flags = [*(red_flag or []), *(["both-legs"] if both_legs else [])]
    if flags:
        answers.red_flags = ob.check_red_flags(flags)
    elif no_red_flags:
        answers.red_flags = []
    if condition:
        answers.conditions = ob.check_conditions(condition)
    elif no_conditions:
        answers.conditions = []
    answers.age_band = ob.check_age_band(age_band)
    answers.pregnancy_week = ob.check_pregnancy_week(pregnancy_week, answers.conditions, existing)
    ob.imply_red_flags(answers, no_red_flags)
    startback_scored = None
    if startback is not None:
        try:  # answers typed on the command line that cannot be scored: usage, exit 2
            startback_scored = score("startback", parse_answers("startback", startback))
        except BackcareError as exc:
            raise UsageProblem(f"--startback: {exc.message}") from None

    terminal = is_interactive() and not as_json
    if terminal and not yes:
        from backcare.render import init_prompts as init_questions

        init_questions.ask_missing(answers, existing)
        if startback_scored is None and not answers.stopping:  # a stop asks nothing more
            startback_scored = init_questions.ask_startback()
    else:
        if (
            terminal
            and existing is None
            and (answers.red_flags is None or answers.conditions is None)
        ):
            # --yes never answers a safety question (issues 11 and 21): at a terminal, ask
            # the red-flag screen and the conditions.
            from backcare.render import init_prompts as init_questions

            if answers.red_flags is None:
                init_questions.ask_red_flags(answers)
            if answers.conditions is None and not answers.stopping:
                init_questions.ask_conditions(answers)
        _fill_defaults(answers, existing, yes)

    # A questionnaire is dated when it was answered: the --date given, else today (on a
    # re-run weeks later, not the programme's start); so is the profile's created and
    # updated (issue 23).
    answered = start if date is not None else today()
    assessment = (
        None
        if startback_scored is None
        else Assessment(
            new_id("a", answered),
            answered,
            "startback",
            startback_scored.answers_json,
            startback_scored.score,
            startback_scored.band,
        )
    )
    built = ob.build_profile(answers, existing, answered)
    changed = ob.profile_changes(existing, built, today())
    if existing is None:
        profile = s.save_profile(built)
        if assessment is not None:
            s.add_assessment(assessment)
    elif changed or assessment is not None:
        # A re-run is one change undo reverses, the STarT Back answers with it (issue 21).
        profile = s.change_profile(built if changed else existing, assessment)
    else:
        profile = existing
    advice = seek_help(profile, s.history(answered, answered), answered, thresholds())
    given = [*(answers.red_flags or []), *answers.implied_red_flags]
    if given and answers.cleared_by_clinician and not profile.blocked_by_red_flag:
        # Cleared by a clinician in the same breath: the advice for the flag, said once.
        advice.insert(0, Advice("prompt", "red-flag-cleared", cleared_red_flag_advice(given)))
    # A red-flag check-in since the last clearance stops the programme too (issue 17).
    stop = red_flag_stop(profile, History(checkins=tuple(red_flag_checkins(s, profile))))
    if as_json:
        emit_json(
            {
                "profile": profile.to_dict(),
                "changed": changed,
                "startback": None
                if startback_scored is None
                else {"score": startback_scored.score, "band": startback_scored.band},
                "advice": [a.__dict__ for a in advice],
                "blocked": stop is not None,
            }
        )
    else:
        render_plan.init_summary(profile, startback_scored, advice, existing is not None, changed)
    if stop is not None:
        raise SafetyStop(stop)


def _fill_defaults(a: InitAnswers, existing: object, yes: bool) -> None:
    """Non-interactive (CONTRACT.md): what is not given keeps its existing value, or takes
    its default with --yes. On a first run without --yes, a question left unanswered is a
    usage error (exit 2) that names its option — the red-flag screen first. --yes never
    answers the red-flag screen (issue 11): without it, exit 2 even with --yes."""
    if existing is None and not a.stopping:  # when exit 3 follows, ask no more
        questions = [
            (a.red_flags, "--no-red-flags (or --red-flag NAME for each that applies)"),
            (a.conditions, "--no-conditions (or --condition NAME)"),
            (a.assessed_by_clinician, "--assessed or --not-assessed"),
            (a.pain, "--pain N"),
            (a.minutes, "--minutes N"),
            (a.days_per_week, "--days-per-week N"),
            (a.equipment, "--equipment a,b"),
            (a.avoid_positions, "--avoid-position a,b"),
        ]
        # --yes never answers a safety question: neither the red-flag screen nor the
        # conditions, which change the plan (issue 21: a pregnant or osteoporotic patient
        # got supine and end-range-flexion work from a defaulted "none").
        missing = [option for value, option in questions[: 2 if yes else None] if value is None]
        if missing and yes:
            what = "the red-flag answers" if a.red_flags is None else "the conditions answer"
            raise UsageProblem(
                f"with no terminal to ask on, init needs {what}: "
                f"{missing[0]}. --yes never answers a safety question"
            )
        if missing:
            raise UsageProblem(
                "with no terminal to ask on, init needs "
                + "; ".join(missing)
                + " — or --yes to take the defaults for the rest"
            )
    if existing is None:
        if a.red_flags is None:
            a.red_flags = []  # only when stopping: the reported flag is what is recorded
        if a.conditions is None:
            a.conditions = []
        if a.assessed_by_clinician is None:
            # An uncertain cause is "not assessed" (CLINICAL.md §5, issue 11): the advice
            # to get an assessment follows.
            a.assessed_by_clinician = False


def register(app: typer.Typer) -> None:
    app.command("init")(init)
