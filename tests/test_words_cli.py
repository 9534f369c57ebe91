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
    assert patient("log", "--date", day, "--pain-before", "3", "--pain-after", "7") \
        .exit_code == 0
    text = " ".join(patient("progress", "--date", day).stdout.split())
    assert "In the red zone (pain of 6 or more)" in text
    assert not [h for h in HIDDEN if h in text]


def test_an_odi_short_of_sections_says_what_to_do_in_plain_words(patient: Cli) -> None:
    res = patient("assess", "odi", "--answers", "1,2,-,-,-,1,1,1,1,1", "--date",
                  TODAY.isoformat())
    assert res.exit_code == 2 and "answer the sections marked '-'" in res.stderr
    assert "§" not in res.stderr


@pytest.mark.parametrize(("seconds", "said"), [
    (0, "0 s"), (3, "5 s"), (35, "35 s"), (87, "1½ min"), (90, "1½ min"), (120, "2 min"),
    (150, "2½ min"), (599, "10 min"), (1014, "17 min"),
])
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

    padded = [f"{p.relative_to(ROOT)}: {line.strip()}"
              for p in sorted((ROOT / "backcare").rglob("*.py"))
              for line in p.read_text(encoding="utf-8").splitlines()
              if re.search(r"%d[ /]%b|%d %B", line)]
    assert not padded, padded
