"""`backcare exercises list/show/check`, as a patient or a physiotherapist would run them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from backcare.domain.models import CATEGORIES
from backcare.storage.paths import bundled_library

Cli = Callable[..., Any]  # the `cli` fixture of conftest.py; it returns a Result

SEED_IDS = (
    "hamstring-stretch",
    "knee-to-chest",
    "pelvic-tilt",
    "bridge",
    "bird-dog",
    "abdominal-bracing",
    "walking",
    "swimming",
    "cycling",
    "sitting-posture",
    "standing-posture",
    "lifting-technique",
)
MIN_EXERCISES = 40
EXERCISE_KEYS = {
    "id",
    "name",
    "category",
    "level",
    "position",
    "equipment",
    "per_side",
    "targets",
    "instructions",
    "cues",
    "dose",
    "progresses_to",
    "regresses_to",
    "cautions",
    "tips",
    "tags",
    "source",
}

ENTRY = """\
  - id: {ident}
    name: {name}
    category: {category}
    level: 1
    position: lying
    equipment: [mat]
    per_side: false
    targets: [hamstrings]
    instructions:
      - Lie on your back with your knees bent.
    cues:
      - Breathe slowly.
    dose:
{dose}
    cautions:
      - Stop if it hurts.
    source: test library
"""
REPS = "      sets: {default: 1, min: 1, max: 2}\n      reps: {default: 5, min: 5, max: 10}"
MINUTES = "      duration_minutes: {default: 10, min: 5, max: 30}"


pytestmark = pytest.mark.usefixtures("parse_bundled_once")


def entry(ident: str, name: str = "My stretch", category: str = "stretching") -> str:
    return ENTRY.format(
        ident=ident, name=name, category=category, dose=MINUTES if category == "aerobic" else REPS
    )


def library_text(*entries: str) -> str:
    return "version: 1\nexercises:\n" + "".join(entries)


def assert_clean_refusal(res: Any, path: Path, line: int | None, fragment: str) -> None:
    """Exit 1, one located line per problem on stderr, and never a traceback."""
    assert res.exit_code == 1, res
    assert "Traceback" not in res.output
    where = f"backcare: {path}:{line}: " if line is not None else f"backcare: {path}: "
    assert any(ln.startswith(where) and fragment in ln for ln in res.stderr.splitlines()), res
    assert res.stdout == ""


# --- check -------------------------------------------------------------------------------------


def test_check_passes_the_bundled_library(cli: Cli) -> None:
    res = cli("exercises", "check")
    assert res.exit_code == 0, res
    assert "no problems found" in res.stderr
    assert str(bundled_library()) in res.stderr


def test_check_passes_the_bundled_file_named_explicitly(cli: Cli) -> None:
    res = cli("exercises", "check", str(bundled_library()))
    assert res.exit_code == 0, res


def test_check_passes_a_good_file_of_additions(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(library_text(entry("my-stretch")), encoding="utf-8")
    res = cli("exercises", "check", str(path))
    assert res.exit_code == 0, res
    assert "1 exercise, no problems found" in res.stderr  # one, not "1 exercises"


BAD = library_text(entry("my-stretch"))
CLI_CASES = [
    ("not-yaml", "exercises: [a, b\n  - : :\n", 2, "not valid YAML"),
    ("empty", "", 1, "the file is empty"),
    ("duplicate-id", BAD + entry("my-stretch"), 21, "duplicate id 'my-stretch'"),
    (
        "repeated-key",
        BAD.replace("    level: 1\n", "    level: 1\n    level: 2\n"),
        7,
        "my-stretch: the key 'level' appears twice",
    ),
    (
        "misspelt-field",
        BAD.replace("per_side:", "perside:"),
        9,
        "my-stretch: unknown field 'perside' (did you mean 'per_side'?)",
    ),
    (
        "yaml11-no",
        BAD.replace("name: My stretch", "name: no"),
        4,
        "my-stretch: name is 'no', which YAML 1.1 reads as false",
    ),
    (
        "min-above-max",
        BAD.replace("{default: 5, min: 5, max: 10}", "{default: 5, min: 12, max: 10}"),
        17,
        "my-stretch: dose.reps must have min ≤ default ≤ max",
    ),
    (
        "unknown-category",
        BAD.replace("category: stretching", "category: cardio"),
        5,
        "my-stretch: category is 'cardio'; it must be one of",
    ),
    (
        "dangling-link",
        BAD.replace("    cautions:", "    progresses_to: brige\n    cautions:"),
        3,
        "my-stretch: progresses_to: no exercise with id 'brige'; did you mean 'bridge'?",
    ),
    ("alias-bomb", 'a: &a ["lol", "lol"]\nb: &b [*a, *a]\nc: [*b, *b]\n', 1, "anchors and aliases"),
    ("deep", "exercises: " + "[" * 50_000 + "]" * 50_000 + "\n", 1, "nested more than"),
]


@pytest.mark.parametrize(
    ("text", "line", "fragment"), [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES]
)
def test_check_refuses_a_bad_file_with_file_and_line(
    cli: Cli, tmp_path: Path, text: str, line: int, fragment: str
) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    assert_clean_refusal(cli("exercises", "check", str(path)), path, line, fragment)


def test_check_refuses_text_that_is_not_utf8(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_bytes(BAD.replace("My stretch", "Caf\xe9").encode("latin-1"))
    assert_clean_refusal(cli("exercises", "check", str(path)), path, 4, "is not UTF-8 text")


def test_check_refuses_a_huge_file_by_its_size(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as fh:
        fh.truncate(50 * 1024 * 1024)
    assert_clean_refusal(cli("exercises", "check", str(path)), path, None, "is 50.0 MiB")


def test_check_refuses_a_symlink(cli: Cli, tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text(BAD, encoding="utf-8")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    assert_clean_refusal(cli("exercises", "check", str(link)), link, None, "symbolic link")


def test_check_refuses_a_missing_file(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    assert_clean_refusal(cli("exercises", "check", str(path)), path, None, "no such file")


# --- list --------------------------------------------------------------------------------------


def test_list_json_holds_the_whole_library(cli: Cli) -> None:
    res = cli("exercises", "list", "--json")
    assert res.exit_code == 0, res
    doc = res.json()
    assert doc["count"] == len(doc["exercises"]) >= MIN_EXERCISES
    assert {e["category"] for e in doc["exercises"]} == set(CATEGORIES)
    ids = {e["id"] for e in doc["exercises"]}
    assert set(SEED_IDS) <= ids
    assert all(set(e) >= EXERCISE_KEYS for e in doc["exercises"])
    assert res.stderr == ""


def test_list_shows_a_table(cli: Cli) -> None:
    res = cli("exercises", "list")
    assert res.exit_code == 0, res
    for ident in SEED_IDS:
        assert ident in res.stdout


@pytest.mark.parametrize("columns", [30, 40, 60, 66, 67, 80, 100, 200])
def test_list_never_breaks_an_id_at_any_width(
    cli: Cli, columns: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ids are what patients type (issue 14): each one whole, on a line, at any width and
    piped (CliRunner's output is not a terminal)."""
    monkeypatch.setenv("COLUMNS", str(columns))
    res = cli("exercises", "list")
    assert res.exit_code == 0, res
    words = {w for line in res.stdout.splitlines() for w in line.split()}
    ids = [e["id"] for e in cli("exercises", "list", "--json").json()["exercises"]]
    assert [i for i in ids if i not in words] == []


@pytest.mark.parametrize("category", CATEGORIES)
def test_list_filters_by_category(cli: Cli, category: str) -> None:
    doc = cli("exercises", "list", "--category", category, "--json").json()
    assert doc["count"] > 0
    assert {e["category"] for e in doc["exercises"]} == {category}


def test_list_filters_by_equipment(cli: Cli) -> None:
    everything = cli("exercises", "list", "--json").json()["exercises"]
    doc = cli("exercises", "list", "--equipment", "chair", "--json").json()
    assert 0 < doc["count"] < len(everything)
    assert all(set(e["equipment"]) <= {"none", "chair"} for e in doc["exercises"])
    assert any("chair" in e["equipment"] for e in doc["exercises"])
    both = cli(
        "exercises", "list", "--equipment", "chair", "--category", "posture", "--json"
    ).json()
    assert both["count"] > 0
    assert all(e["category"] == "posture" for e in both["exercises"])


def test_list_refuses_an_unknown_category_or_equipment(cli: Cli) -> None:
    res = cli("exercises", "list", "--category", "yoga")
    assert res.exit_code == 2
    assert "--category 'yoga' is not one of: stretching" in res.stderr
    res = cli("exercises", "list", "--equipment", "sofa", "--json")
    assert res.exit_code == 2
    assert "--equipment 'sofa'" in res.stderr
    assert res.stdout == ""


# --- show --------------------------------------------------------------------------------------


def test_show_prints_a_panel(cli: Cli) -> None:
    res = cli("exercises", "show", "bridge")
    assert res.exit_code == 0, res
    for text in (
        "Bridge",
        "How to do it",
        "Dose",
        "Cautions: when to stop or leave it out",
        "Tips",
        "Single-leg bridge (single-leg-bridge)",
        "Based on:",
    ):
        assert text in res.stdout


def test_show_keeps_cautions_apart_from_practical_tips(cli: Cli) -> None:
    """Issue 11: a tip (a folded towel, a chair without wheels) is not a reason to stop."""
    words = " ".join(cli("exercises", "show", "bridge").stdout.split())
    cautions, tips = words.split("Cautions: when to stop or leave it out", 1)[1].split("Tips", 1)
    assert "Stop if you feel sharp pain" in cautions and "cramp" not in cautions
    assert "cramp in the back of the thigh" in tips
    doc = cli("exercises", "show", "seated-marching", "--json").json()
    assert doc["tips"] == ["Use a chair without wheels."]
    assert all("wheels" not in c for c in doc["cautions"])


@pytest.mark.parametrize("ident", ["bridge", "knee-to-chest", "hamstring-stretch"])
def test_exercises_lying_on_the_back_carry_the_pregnancy_caution(cli: Cli, ident: str) -> None:
    doc = cli("exercises", "show", ident, "--json").json()
    assert "supine" in doc["tags"]
    assert any("pregnant" in c and "lying on your back" in c for c in doc["cautions"])


def test_every_bundled_exercise_has_tags_from_the_closed_list(cli: Cli) -> None:
    from backcare.domain.models import TAGS

    exercises = cli("exercises", "list", "--json").json()["exercises"]
    assert all("tags" in e and set(e["tags"]) <= set(TAGS) for e in exercises)
    tagged = {t for e in exercises for t in e["tags"]}
    assert {
        "supine",
        "end-range-flexion",
        "end-range-twist",
        "fall-risk",
        "spinal-mobility",
    } <= tagged


def test_the_bike_is_two_things_an_exercise_bike_and_a_bicycle(cli: Cli) -> None:
    indoor = cli("exercises", "show", "exercise-bike", "--json").json()
    outdoor = cli("exercises", "show", "cycling", "--json").json()
    assert indoor["equipment"] == ["exercise-bike"] and outdoor["equipment"] == ["bicycle"]
    assert "fall-risk" in outdoor["tags"] and "fall-risk" not in indoor["tags"]
    doc = cli("exercises", "list", "--equipment", "exercise-bike", "--json").json()
    assert "exercise-bike" in {e["id"] for e in doc["exercises"]}
    assert "cycling" not in {e["id"] for e in doc["exercises"]}


def test_check_refuses_the_old_bike_and_an_unknown_tag(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(BAD.replace("equipment: [mat]", "equipment: [bike]"), encoding="utf-8")
    assert_clean_refusal(
        cli("exercises", "check", str(path)),
        path,
        8,
        "equipment 'bike' is now exercise-bike or bicycle",
    )
    path.write_text(
        BAD.replace("    targets:", "    tags: [upside-down]\n    targets:"), encoding="utf-8"
    )
    assert_clean_refusal(
        cli("exercises", "check", str(path)),
        path,
        10,
        "tags item 1 is 'upside-down'; it must be one of: supine",
    )


def test_show_json(cli: Cli) -> None:
    res = cli("exercises", "show", "bird-dog", "--json")
    assert res.exit_code == 0, res
    doc = res.json()
    assert doc["id"] == "bird-dog"
    assert doc["category"] == "strengthening"
    assert set(doc) >= EXERCISE_KEYS
    assert set(doc["dose"]) >= {"sets", "reps", "hold_seconds", "duration_minutes"}


def test_show_an_unknown_id_suggests_the_closest(cli: Cli) -> None:
    res = cli("exercises", "show", "brige")
    assert res.exit_code == 1
    assert "no exercise with id 'brige'; did you mean 'bridge'" in res.stderr
    assert "Traceback" not in res.output
    res = cli("exercises", "show", "zzzz", "--json")
    assert res.exit_code == 1
    assert res.stdout == ""
    assert "'backcare exercises list' shows them all" in res.stderr


# --- where the library comes from ------------------------------------------------------------


def test_the_users_own_file_is_merged_by_id(cli: Cli, backcare_home: Path) -> None:
    backcare_home.mkdir(mode=0o700)
    (backcare_home / "exercises.yaml").write_text(
        library_text(
            entry("my-stretch"), entry("bridge", "Bridge, the clinic's way", "strengthening")
        ),
        encoding="utf-8",
    )
    doc = cli("exercises", "list", "--json").json()
    by_id = {e["id"]: e for e in doc["exercises"]}
    assert by_id["my-stretch"]["name"] == "My stretch"
    assert by_id["bridge"]["name"] == "Bridge, the clinic's way"
    assert set(SEED_IDS) <= set(by_id)
    assert cli("exercises", "show", "my-stretch", "--json").json()["id"] == "my-stretch"


def test_backcare_library_replaces_the_bundled_file(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = tmp_path / "clinic.yaml"
    own.write_text(
        library_text(*(entry(f"clinic-{c}", f"Clinic {c}", c) for c in CATEGORIES)),
        encoding="utf-8",
    )
    monkeypatch.setenv("BACKCARE_LIBRARY", str(own))
    doc = cli("exercises", "list", "--json").json()
    assert sorted(e["id"] for e in doc["exercises"]) == sorted(f"clinic-{c}" for c in CATEGORIES)
    assert cli("exercises", "show", "bridge").exit_code == 1
    res = cli("exercises", "check")
    assert res.exit_code == 0, res
    assert str(own) in res.stderr


def test_a_broken_users_file_stops_list_with_its_line(cli: Cli, backcare_home: Path) -> None:
    backcare_home.mkdir(mode=0o700)
    user = backcare_home / "exercises.yaml"
    user.write_text(BAD.replace("level: 1", "level: -1"), encoding="utf-8")
    assert_clean_refusal(cli("exercises", "list"), user, 6, "my-stretch: level is -1")
    assert_clean_refusal(cli("exercises", "check"), user, 6, "my-stretch: level is -1")


def test_the_library_cache_follows_edits_between_runs(cli: Cli, backcare_home: Path) -> None:
    import os

    backcare_home.mkdir(mode=0o700)
    user = backcare_home / "exercises.yaml"
    user.write_text(library_text(entry("my-stretch")), encoding="utf-8")
    assert cli("exercises", "show", "my-stretch", "--json").json()["name"] == "My stretch"
    assert (backcare_home / "cache" / "library.cache").is_file()
    user.write_text(library_text(entry("my-stretch", "Renamed stretch")), encoding="utf-8")
    st = user.stat()
    os.utime(user, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    assert cli("exercises", "show", "my-stretch", "--json").json()["name"] == "Renamed stretch"
