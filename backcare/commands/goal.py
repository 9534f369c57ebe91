"""`backcare goal add/list/done/edit/delete`: the patient's own goals (CLINICAL.md §1,
"realistic goals"). Each change is one that `backcare undo` reverses; an edit and a delete
are kept in the audit trail (issue 24).

A goal may be tied to an activity of the Patient-Specific Functional Scale (``--psfs``); then
``goal list`` and ``backcare progress`` show that activity's latest rating next to it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from backcare.commands.common import DateOpt, JsonOpt, day, store, whole_number
from backcare.domain.analytics import goal_progress, psfs_activities
from backcare.domain.history import index_history
from backcare.domain.instruments import PSFS_ACTIVITY_MAX_CHARS
from backcare.domain.models import Goal, History
from backcare.domain.scoring import normalise_activity
from backcare.errors import BackcareError, UsageProblem
from backcare.render.ui import emit_json, escape, is_interactive, out, say, warn

if TYPE_CHECKING:
    from datetime import date

    from backcare.domain.analytics import GoalProgress

GOAL_MAX_CHARS = 200

goal_app = typer.Typer(
    help="Your own goals: set them, list them, tick them off, change them.", no_args_is_help=True
)


def clean_goal_text(text: str) -> str:
    """The goal as stored: spaces trimmed and runs of whitespace made one. Refuses an empty
    goal, one over 200 characters, and control characters."""

    clean = " ".join(text.split())
    if not clean:
        raise BackcareError(
            "the goal is empty; say what you want to be able to do, for "
            'example: backcare goal add "walk to the shop without stopping"'
        )
    if len(clean) > GOAL_MAX_CHARS:
        raise BackcareError(
            f"the goal is {len(clean)} characters long; keep it to "
            f"{GOAL_MAX_CHARS} or fewer (one clear sentence works best)"
        )
    if any("\ud800" <= ch <= "\udfff" for ch in clean):  # not UTF-8 on the command line
        raise BackcareError(
            "the goal holds bytes that are not UTF-8 text; set your terminal "
            "to UTF-8 and type it again"
        )
    if any(not ch.isprintable() for ch in clean):
        raise BackcareError("the goal contains a control character; use plain text")
    return clean


def _psfs_activity(name: str) -> str:
    """An activity name for --psfs, spelt as in the patient's PSFS when it is already there."""

    clean = normalise_activity(name)
    if not clean:
        raise BackcareError("--psfs needs an activity name, for example: --psfs walking")
    if len(clean) > PSFS_ACTIVITY_MAX_CHARS:
        raise BackcareError(
            f"--psfs: the activity name is longer than {PSFS_ACTIVITY_MAX_CHARS} characters"
        )
    known = psfs_activities(store().history().assessments)
    match = known.get(clean.casefold())
    if match is None:
        warn(
            f"No PSFS answer rates '{clean}' yet; its rating will show here once "
            "you rate it (backcare assess psfs)."
        )
        return clean
    return match


def _progress(goals: list[Goal], today: date) -> list[GoalProgress]:
    """Each goal's status on ``today``; the log is read only for PSFS-tied goals."""

    tied = any(g.psfs_activity for g in goals)
    index = index_history(store().history(None, today) if tied else History(), today, {})
    return [goal_progress(g, index, today) for g in goals]


ByOpt = Annotated[
    str | None, typer.Option("--by", metavar="YYYY-MM-DD", help="The day you aim to reach it by.")
]
PsfsOpt = Annotated[
    str | None,
    typer.Option(
        "--psfs",
        metavar="ACTIVITY",
        help="Tie the goal to an activity you rate in the PSFS questionnaire.",
    ),
]


@goal_app.command("add")
def add_goal(
    text: Annotated[str, typer.Argument(metavar="TEXT", help="The goal, in your own words.")],
    by: ByOpt = None,
    psfs: PsfsOpt = None,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Set a goal of your own, with an optional target date.

    Example: backcare goal add "walk to the shop without stopping" --by 2026-03-01 --psfs walking
    """

    clean = clean_goal_text(text)
    created = day(date)
    target = day(by, "--by") if by is not None else None
    if target is not None and target < created:
        raise BackcareError(
            f"--by {target.isoformat()} is before today "
            f"({created.isoformat()}); pick a day still to come"
        )
    activity = _psfs_activity(psfs) if psfs is not None else None
    goal = store().add_goal(clean, created, target, activity)
    if as_json:
        emit_json(_progress([goal], created)[0].to_dict())
        return
    when = f", by {target.isoformat()}" if target else ""
    tied = f", tied to your PSFS rating of '{activity}'" if activity else ""
    say(
        f"[green]✓[/] Goal {goal.id} set{when}{tied}. Tick it off with: "
        f"backcare goal done {goal.id}"
    )


@goal_app.command("list")
def list_goals(date: DateOpt = None, as_json: JsonOpt = False) -> None:
    """List your goals: open ones first, with their dates and PSFS ratings.

    Example: backcare goal list
    """
    from backcare.render import progress as render_progress

    today = day(date)
    progress = _progress(store().goals(), today)
    if as_json:
        emit_json({"date": today.isoformat(), "goals": [g.to_dict() for g in progress]})
        return
    render_progress.goal_list(progress, out())


@goal_app.command("done")
def done_goal(
    goal_id: Annotated[
        int,
        typer.Argument(metavar="ID", parser=whole_number, help="The goal's number (goal list)."),
    ],
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Mark a goal as reached. Well done!

    Example: backcare goal done 2
    """

    on = day(date)
    s = store()
    goal = next((g for g in s.goals() if g.id == goal_id), None)
    if goal is None:
        raise BackcareError(
            f"there is no goal {goal_id}; 'backcare goal list' shows your goals and their numbers"
        )
    if goal.done_on is not None:
        if as_json:
            emit_json(_progress([goal], on)[0].to_dict())
        else:
            say(
                f"Goal {goal.id} was already done on {goal.done_on.isoformat()}: "
                f"{escape(goal.text)}"
            )
        return
    if on < goal.created:
        raise BackcareError(
            f"--date {on.isoformat()} is before goal {goal.id} was set ({goal.created.isoformat()})"
        )
    goal = s.complete_goal(goal_id, on)
    if as_json:
        emit_json(_progress([goal], on)[0].to_dict())
        return
    say(f"[green]✓[/] Well done! Goal {goal.id} reached on {on.isoformat()}: {escape(goal.text)}")


@goal_app.command("edit")
def edit_goal(
    goal_id: Annotated[
        int,
        typer.Argument(metavar="ID", parser=whole_number, help="The goal's number (goal list)."),
    ],
    text: Annotated[
        str | None, typer.Option("--text", metavar="TEXT", help="The goal, in your own words.")
    ] = None,
    by: ByOpt = None,
    psfs: PsfsOpt = None,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Change a goal's words, its target date or its PSFS activity; the rest stays.

    The goal as it was is kept in the audit trail, and 'backcare undo' brings it back.

    Example: backcare goal edit 2 --by 2026-04-01
    """

    if text is None and by is None and psfs is None:
        raise UsageProblem("goal edit needs what to change: --text, --by or --psfs")
    on = day(date)
    clean = clean_goal_text(text) if text is not None else None
    target = day(by, "--by") if by is not None else None
    activity = _psfs_activity(psfs) if psfs is not None else None

    def edit(goal: Goal) -> Goal:
        if target is not None and target < goal.created:
            raise BackcareError(
                f"--by {target.isoformat()} is before goal {goal.id} was set "
                f"({goal.created.isoformat()})"
            )
        new = goal._replace(
            text=clean if clean is not None else goal.text,
            by=target if target is not None else goal.by,
            psfs_activity=activity if activity is not None else goal.psfs_activity,
        )
        if new == goal:
            raise BackcareError(f"goal {goal.id} already reads so; nothing was changed")
        return new

    old, goal = store().edit_goal(goal_id, edit)
    if as_json:
        emit_json(_progress([goal], on)[0].to_dict())
        return
    say(
        f"[green]✓[/] Goal {goal.id} changed: {escape(goal.text)}"
        + (f", by {goal.by.isoformat()}" if goal.by else "")
        + ". The goal as it was is kept in the audit trail; 'backcare undo' brings it back."
    )


@goal_app.command("delete")
def delete_goal(
    goal_id: Annotated[
        int,
        typer.Argument(metavar="ID", parser=whole_number, help="The goal's number (goal list)."),
    ],
    yes: Annotated[
        bool,
        typer.Option("--yes", help="Delete without asking (needed when there is no terminal)."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Delete a goal. It asks first; without a terminal it needs --yes.

    The goal is kept in the audit trail, and 'backcare undo' brings it back.

    Example: backcare goal delete 2 --yes
    """

    goal = next((g for g in store().goals() if g.id == goal_id), None)
    if goal is None:
        raise BackcareError(
            f"there is no goal {goal_id}; 'backcare goal list' shows your goals and their numbers"
        )
    if not yes:
        if not is_interactive():
            raise UsageProblem(
                f"goal delete needs --yes when there is no terminal to "
                f"confirm on (it would delete goal {goal_id})"
            )
        from backcare.render.confirm import Confirm
        from backcare.render.ui import err

        if not Confirm.ask(f"Delete goal {goal_id}?", default=False, console=err()):
            raise BackcareError("nothing was deleted")
    gone = store().delete_goal(goal_id)
    if as_json:
        emit_json({"id": gone.id, "deleted": gone.to_dict()})
        return
    say(
        f"[green]✓[/] Deleted goal {gone.id}. It is kept in the audit trail; 'backcare undo' "
        "brings it back."
    )


def register(app: typer.Typer) -> None:
    app.add_typer(goal_app, name="goal")
