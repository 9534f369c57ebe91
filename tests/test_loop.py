"""The loop closes: two weeks of check-ins, plans and logged sessions through the command
line, with --date on every call, and the plan answers to what was logged.

- Comfortable sessions make an exercise progress ("progressed: 3 comfortable sessions").
- A red --hurt makes it step back or switch to its easier variant, flagged.
- Pain of 8 gives a flare-up plan that day and the next (two days under 7 end it).
- Everything logged comes back from `history --json`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

START = date(2026, 3, 2)
DAYS = 14
FLARE_DAY = 10  # pain 8 that morning
AMBER_DAYS = {2, 7}  # the first exercise hurt 4/10: acceptable, hold the dose

Cli = Callable[..., Any]


def day(n: int) -> str:
    return (START + timedelta(days=n)).isoformat()


def ok(cli: Cli, *args: str) -> Any:
    res = cli(*args)
    assert res.exit_code == 0, (args, res.output)
    return res


def test_fourteen_days_of_the_loop(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BACKCARE_TODAY", day(DAYS))
    ok(
        cli,
        "init",
        "--no-red-flags",
        "--no-conditions",
        "--assessed",
        "--pain",
        "5",
        "--minutes",
        "20",
        "--yes",
        "--date",
        day(0),
    )

    plans: dict[int, dict[str, Any]] = {}
    logged: dict[int, dict[str, Any]] = {}
    scores: dict[int, int] = {}
    red: tuple[int, str, str] | None = None  # (day, exercise id, name)
    for n in range(DAYS):
        scores[n] = 8 if n == FLARE_DAY else 4 if n < 7 else 3
        ok(cli, "pain", str(scores[n]), "--date", day(n))
        plans[n] = plan = ok(cli, "plan", "--json", "--date", day(n)).json()
        assert plan["date"] == day(n) and plan["items"]
        hurt: dict[str, int] = {}
        progressed = [i for i in plan["items"] if i["reason"].startswith("progressed")]
        if red is None and progressed:
            target = progressed[0]
            hurt[target["exercise_id"]] = 7
            red = (n, target["exercise_id"], target["name"])
        elif n in AMBER_DAYS:
            hurt[plan["items"][0]["exercise_id"]] = 4
        args = [
            "log",
            "--date",
            day(n),
            "--pain-before",
            str(scores[n]),
            "--pain-after",
            str(max(0, scores[n] - 1)),
            "--note",
            f"day {n + 1}",
        ]
        for ident, pain in hurt.items():
            args += ["--hurt", f"{ident}={pain}"]
        logged[n] = ok(cli, *args, "--json").json()
        assert {
            e["exercise_id"]: e["pain"] for e in logged[n]["exercises"] if e["pain"] is not None
        } == hurt

    reasons = [(n, i) for n, p in plans.items() for i in p["items"]]

    # Progression after three comfortable sessions.
    assert any(i["reason"] == "progressed: 3 comfortable sessions" for _, i in reasons)
    first_up = next(i for _, i in reasons if i["reason"].startswith("progressed"))
    assert first_up["flagged"] is False

    # A red --hurt: the next time that exercise (or its easier variant) is planned, the
    # plan steps it back, flagged for the physiotherapist, and says why.
    assert red is not None, "nothing progressed, so nothing could be stepped back"
    red_day, red_id, red_name = red
    when = f"{(START + timedelta(days=red_day)).day} {(START + timedelta(days=red_day)):%b}"
    answers = [
        (n, i)
        for n, i in reasons
        if n > red_day and f"{red_name} hurt 7/10 on {when}" in i["reason"]
    ]
    assert answers, f"no later plan answers to {red_id} hurting 7/10 on day {red_day}"
    n, answer = answers[0]
    # 7/10 or more takes the exercise out of the routine: another of its kind takes its
    # place, flagged (issue 20); it is never planned again at the same variant and dose.
    assert answer["reason"].startswith(("stepped back", "easier variant", "in place of")), answer[
        "reason"
    ]
    assert answer["flagged"] is True
    assert all(
        i["exercise_id"] != red_id for m, p in plans.items() if m > red_day for i in p["items"]
    )
    if answer["reason"].startswith("stepped back"):
        assert answer["exercise_id"] == red_id
        before = next(i for i in plans[red_day]["items"] if i["exercise_id"] == red_id)
        dose = ("sets", "reps", "hold_seconds", "duration_minutes")
        assert [answer[k] for k in dose] != [before[k] for k in dose]

    # The flare-up: pain 8 that morning gives the gentle plan, with no progression, until
    # the pain has been under 7 for 2 days (issue 11: the same rule as a declared flare).
    flare = plans[FLARE_DAY]
    assert flare["mode"] == "flare"
    assert all("flare-up" in i["reason"] for i in flare["items"])
    assert any("Flare-up" in w for w in flare["warnings"])
    assert plans[FLARE_DAY + 1]["mode"] == "flare"
    assert all(plans[n]["mode"] == "normal" for n in plans if n not in (FLARE_DAY, FLARE_DAY + 1))

    # Everything logged comes back from history --json.
    h = ok(cli, "history", "--json", "--from", day(0), "--to", day(DAYS - 1)).json()
    assert h["sessions"] == [logged[n] for n in range(DAYS)]
    for n, s in enumerate(h["sessions"]):
        assert (s["date"], s["pain_before"], s["pain_after"], s["note"]) == (
            day(n),
            scores[n],
            max(0, scores[n] - 1),
            f"day {n + 1}",
        )
        assert [e["exercise_id"] for e in s["exercises"]] == [
            i["exercise_id"] for i in plans[n]["items"]
        ]
        assert {e["status"] for e in s["exercises"]} == {"done"}
    assert [(c["date"], c["score"]) for c in h["pain_checkins"]] == [
        (day(n), scores[n]) for n in range(DAYS)
    ]
