"""Words (issue 21): the seed's advice as written, its lifestyle advice among the tips, and
no section numbers, tags or file names on a patient's screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from backcare.messages import TIPS

Cli = Callable[..., Any]
TODAY = date(2026, 3, 2)
HIDDEN = ("§", "clinical.md", "seed article", "Tags (", ".yaml")

pytestmark = pytest.mark.usefixtures("warm_library_cache")


def tips_shown(cli: Cli) -> set[str]:
    days = [TODAY + timedelta(days=n) for n in range(len(TIPS))]
    return {cli("plan", "--json", "--date", d.isoformat()).json()["tip"] for d in days}


def test_the_seeds_advice_stands_as_written(patient: Cli) -> None:
    tips = " ".join(tips_shown(patient))
    assert "if an exercise causes severe pain, stop and consult your physiotherapist" in tips
    assert "adjust tomorrow's plan" not in tips


def test_the_seeds_lifestyle_advice_is_among_the_tips(patient: Cli) -> None:
    lifestyle = [t for t in tips_shown(patient) if "diet" in t]
    assert len(lifestyle) == 1
    for word in ("diet", "water", "sleep", "active"):
        assert word in lifestyle[0]


def test_exercises_show_says_no_section_tag_or_file(cli: Cli) -> None:
    listed = cli("exercises", "list", "--json").json()["exercises"]
    for ex in listed:
        text = cli("exercises", "show", ex["id"]).stdout
        assert not [h for h in HIDDEN if h in text], ex["id"]
        assert "Based on: " in text
    # They stay in --json, for clinicians and scripts.
    doc = cli("exercises", "show", "hamstring-stretch", "--json").json()
    assert "docs/clinical.md" in doc["source"] and doc["tags"] == ["supine"]


def test_the_progress_view_names_no_section(patient: Cli) -> None:
    day = TODAY.isoformat()
    assert patient("log", "--date", day, "--pain-before", "3", "--pain-after", "7").exit_code == 0
    text = " ".join(patient("progress", "--date", day).stdout.split())
    assert "In the red zone (pain of 6 or more)" in text
    assert not [h for h in HIDDEN if h in text]


def test_an_odi_short_of_sections_says_what_to_do_in_plain_words(patient: Cli) -> None:
    res = patient("assess", "odi", "--answers", "1,2,-,-,-,1,1,1,1,1", "--date", TODAY.isoformat())
    assert res.exit_code == 2 and "answer the sections marked '-'" in res.stderr
    assert "§" not in res.stderr


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (0, "0 s"),
        (3, "5 s"),
        (35, "35 s"),
        (87, "1½ min"),
        (90, "1½ min"),
        (120, "2 min"),
        (150, "2½ min"),
        (599, "10 min"),
        (1014, "17 min"),
    ],
)
def test_times_are_rounded_the_way_people_say_them(seconds: float, said: str) -> None:
    """Never "87 s" or "about 16.9 minutes" (issue 27)."""
    from backcare.domain.words import spoken_duration, spoken_minutes

    assert spoken_duration(seconds) == said
    assert spoken_minutes(16.9) == "17 minutes" and spoken_minutes(1) == "1 minute"


def test_points_are_singular_for_one() -> None:
    from backcare.domain.words import signed_points

    assert signed_points(-1) == "\u22121 point"
    assert signed_points(2) == "+2 points" and signed_points(-1.5) == "\u22121.5 points"


def test_a_yes_or_no_question_asks_for_what_it_shows() -> None:
    from backcare.render.confirm import Confirm

    assert "Please answer y or n" in Confirm.validate_error_message
    assert "Y or N" not in Confirm.validate_error_message


def test_a_rest_day_message_names_its_day_not_today() -> None:
    from datetime import date

    from backcare.domain.planner import rest_day_words

    said = rest_day_words(date(2026, 12, 6))
    assert said.startswith("Sunday 6 Dec is a rest day") and "Today" not in said


def test_dates_in_messages_are_never_zero_padded() -> None:
    """One date style: "6 Dec", not "06 Dec" (issue 27)."""
    import re

    from conftest import ROOT

    padded = [
        f"{p.relative_to(ROOT)}: {line.strip()}"
        for p in sorted((ROOT / "backcare").rglob("*.py"))
        for line in p.read_text(encoding="utf-8").splitlines()
        if re.search(r"%d[ /]%b|%d %B", line)
    ]
    assert not padded, padded


# --- plurals, yes-or-no questions and days in the messages that still missed (issue 27) -------


def test_every_yes_or_no_question_is_backcares() -> None:
    """rich's own Confirm says "Please enter Y or N": every question uses render.confirm's."""
    from conftest import ROOT

    direct = [
        str(p.relative_to(ROOT))
        for p in sorted((ROOT / "backcare").rglob("*.py"))
        if "rich.prompt import Confirm" in p.read_text(encoding="utf-8") and p.name != "confirm.py"
    ]
    assert direct == []


def test_doctor_counts_what_it_made_private_in_words(cli: Cli, backcare_home: Any) -> None:
    import os

    assert cli("pain", "4", "--date", TODAY.isoformat()).exit_code == 0
    os.chmod(backcare_home / "log" / f"{TODAY:%Y-%m}.json", 0o644)
    res = cli("doctor", "--yes")
    assert res.exit_code == 0, res.output
    assert "made 1 file or folder private and yours again" in res.stderr
    assert "(s)" not in res.output


def test_an_import_counts_its_problems_in_words(cli: Cli, tmp_path: Any) -> None:
    import json

    doc = {
        "format": "backcare-export",
        "version": 1,
        "exported_at": "2026-03-06T10:00:00Z",
        "profile": None,
        "sessions": [],
        "pain_checkins": [],
        # One more than the 20 problems shown: the last line counts the one left.
        "assessments": [
            {
                "id": f"a-20260303-0000ab{n:02d}",
                "date": "2026-03-03",
                "instrument": "peg",
                "answers": [5, 6, 4],
                "score": 9,
                "band": None,
            }
            for n in range(21)
        ],
        "visits": [],
        "goals": [],
        "programme": None,
    }
    path = tmp_path / "problems.json"
    path.write_text(json.dumps(doc), "utf-8")
    res = cli("import", str(path))
    assert res.exit_code == 1, res.output
    assert f"{path}: … and 1 more problem; nothing was imported" in " ".join(res.stderr.split())
    assert "(s)" not in res.output


def test_a_library_list_that_is_too_short_says_one_item(cli: Cli, tmp_path: Any) -> None:
    own = tmp_path / "own.yaml"
    own.write_text(
        """exercises:
  - id: tall-standing
    name: "Tall standing"
    category: posture
    level: 1
    position: standing
    equipment: [none]
    instructions: []
    cues: [Breathe.]
    dose:
      sets: {default: 1, min: 1, max: 2}
      reps: {default: 5, min: 5, max: 10}
    cautions: [Stop if it hurts.]
    source: "a physiotherapist"
""",
        encoding="utf-8",
    )
    res = cli("exercises", "check", str(own))
    assert res.exit_code == 1, res.output
    assert "instructions needs at least 1 item" in res.stderr and "(s)" not in res.stderr


def test_a_flare_up_on_another_day_names_that_day_not_today(patient: Cli) -> None:
    """A plan for another day never says "today" (issue 27)."""
    day = TODAY + timedelta(days=4)  # Friday 6 Mar; the clock says Monday 2 Mar
    assert patient("pain", "8", "--date", TODAY.isoformat()).exit_code == 0
    plan = patient("plan", "--json", "--date", TODAY.isoformat()).json()
    assert plan["mode"] == "flare"
    assert plan["warnings"][0].startswith(
        "Flare-up (your pain on 2 Mar is 8/10): Monday 2 Mar has a gentle plan"
    )
    later = patient("plan", "--json", "--date", day.isoformat()).json()
    flare = [w for w in later["warnings"] if w.startswith("Flare-up")]
    assert flare and "Friday 6 Mar has a gentle plan" in flare[0]
    assert not any("today" in w.lower() for w in later["warnings"])
