"""The exercise library: the bundled file, and every way a hand-written library can be wrong.

Each bad input must be refused with a message that names the file, the line and (where there
is one) the exercise's id, and never with a traceback (issue 2).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from backcare.domain.library import filter_exercises
from backcare.domain.models import CATEGORIES
from backcare.domain.suggest import unknown_id_message
from backcare.errors import BackcareError
from backcare.loading.library import (
    check_file,
    check_links,
    load_library,
    load_library_files,
    parse_library_file,
)
from backcare.loading.yamlload import MAX_YAML_BYTES, load_yaml
from backcare.storage.paths import bundled_library

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
MIN_EXERCISES = 40  # issue 2: a library broad enough for every category and level

STRETCH_DOSE = """\
      sets: {default: 1, min: 1, max: 2}
      reps: {default: 3, min: 3, max: 5}
      hold_seconds: {default: 20, min: 20, max: 30}
      rest_seconds: 30
"""
WALK_DOSE = """\
      duration_minutes: {default: 10, min: 5, max: 30}
"""


def entry(
    ident: str = "my-stretch",
    *,
    name: str = "My stretch",
    category: str = "stretching",
    level: int = 1,
    dose: str = STRETCH_DOSE,
    progresses_to: str = "null",
    regresses_to: str = "null",
) -> str:
    """One valid exercise, as a physiotherapist would write it."""
    return (
        f"  - id: {ident}\n"
        f"    name: {name}\n"
        f"    category: {category}\n"
        f"    level: {level}\n"
        f"    position: lying\n"
        f"    equipment: [mat]\n"
        f"    per_side: true\n"
        f"    targets: [hamstrings]\n"
        f"    instructions:\n"
        f"      - Lie on your back with your knees bent.\n"
        f"    cues:\n"
        f"      - Breathe slowly.\n"
        f"    dose:\n"
        f"{dose}"
        f"    progresses_to: {progresses_to}\n"
        f"    regresses_to: {regresses_to}\n"
        f"    cautions:\n"
        f"      - Stop if it hurts.\n"
        f"    source: test library\n"
    )


HEADER = "version: 1\nexercises:\n"
GOOD = HEADER + entry()


def full_library() -> str:
    """A library that stands on its own: a level-1 entry point in every category."""
    return HEADER + "".join(
        entry(
            f"only-{cat}",
            name=f"Only {cat}",
            category=cat,
            dose=WALK_DOSE if cat == "aerobic" else STRETCH_DOSE,
        )
        for cat in CATEGORIES
    )


pytestmark = pytest.mark.usefixtures("parse_bundled_once")


def line_of(text: str, marker: str, occurrence: int = 1) -> int:
    """The 1-based line of the n-th line containing marker."""
    hits = [n for n, line in enumerate(text.splitlines(), 1) if marker in line]
    return hits[occurrence - 1]


def refusal(path: Path, home: Path) -> list[str]:
    """The problem lines `exercises check FILE` would print for path."""
    with pytest.raises(BackcareError) as info:
        check_file(path, home)
    return info.value.lines()


def assert_located(
    lines: list[str], path: Path, line: int | None, fragment: str, record: str | None = None
) -> None:
    """One problem line holds the fragment, and starts with file:line: (and the id)."""
    matching = [ln for ln in lines if fragment in ln]
    assert matching, f"no problem mentions {fragment!r}: {lines}"
    where = f"{path}:{line}: " if line is not None else f"{path}: "
    if record is not None:
        where += f"{record}: "
    assert any(ln.startswith(where) for ln in matching), (where, matching)


# --- the bundled library ------------------------------------------------------------------


def test_bundled_library_passes_every_check(backcare_home: Path) -> None:
    count, files = check_file(None, backcare_home)
    assert count >= MIN_EXERCISES
    assert files == [str(bundled_library())]


def test_bundled_library_is_broad_and_holds_the_seed_exercises() -> None:
    lib = load_library_files([bundled_library()])
    assert len(lib) >= MIN_EXERCISES
    for category in CATEGORIES:
        assert lib.by_category(category), category
        assert any(e.level == 1 for e in lib.by_category(category)), category
    for ident in SEED_IDS:
        assert ident in lib, ident


def test_bundled_exercises_remember_where_they_were_defined() -> None:
    lib = load_library_files([bundled_library()])
    path, _, line = lib.get("bridge").origin.rpartition(":")
    assert path == str(bundled_library())
    assert line.isdigit()
    assert "id: bridge" in bundled_library().read_text(encoding="utf-8").splitlines()[int(line) - 1]


def test_a_good_partial_file_passes(tmp_path: Path, backcare_home: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD, encoding="utf-8")
    assert check_file(path, backcare_home) == (1, [str(path)])


def test_a_bare_list_of_exercises_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(entry().replace("  - id", "- id", 1).replace("\n  ", "\n"), encoding="utf-8")
    assert list(parse_library_file(path)) == ["my-stretch"]


# --- every way a file can be wrong -----------------------------------------------------------

DUPLICATE_KEY = GOOD.replace("    level: 1\n", "    level: 1\n    position: lying\n    level: 2\n")

# (case, file text, marker of the line to blame (or a line number), fragment, exercise id)
Blame = str | int | tuple[str, int]  # a marker, a line number, or the n-th marker
BAD_FILES: list[tuple[str, str, Blame, str, str | None]] = [
    ("not-yaml", "exercises: [a, b\n  - : :\n", 2, "not valid YAML", None),
    ("tab-indent", "exercises:\n\t- id: x\n", 2, "not valid YAML", None),
    ("empty", "", 1, "empty", None),
    ("only-whitespace", "  \n\n", 1, "empty", None),
    ("only-comments", "# nothing here\n", 1, "holds no data", None),
    ("top-level-scalar", "just some words\n", 1, "expected a mapping with 'exercises'", None),
    (
        "exercises-not-a-list",
        "version: 1\nexercises: bridge\n",
        2,
        "'exercises' must be a list",
        None,
    ),
    ("no-exercises", "version: 1\nexercises: []\n", 2, "lists no exercises", None),
    (
        "unknown-top-level-key",
        GOOD.replace("version: 1", "verison: 1"),
        "verison",
        "unknown top-level field 'verison'",
        None,
    ),
    (
        "newer-format",
        GOOD.replace("version: 1", "version: 2"),
        "version",
        "library version 2 is not supported",
        None,
    ),
    (
        "entry-not-a-mapping",
        HEADER + "  - bridge\n",
        "exercises:",
        "exercise 1 must be a mapping",
        None,
    ),
    ("two-documents", GOOD + "---\n" + GOOD, "---", "not valid YAML", None),
    (
        "python-tag",
        "exercises: !!python/object/apply:os.system ['true']\n",
        1,
        "not valid YAML",
        None,
    ),
    (
        "duplicate-id",
        GOOD + entry(),
        ("- id: my-stretch", 2),
        "duplicate id 'my-stretch' (first defined on line 3)",
        "my-stretch",
    ),
    ("repeated-key", DUPLICATE_KEY, ("level:", 2), "the key 'level' appears twice", "my-stretch"),
    (
        "unknown-field",
        GOOD.replace("    cues:", "    cue:"),
        "cue:",
        "unknown field 'cue' (did you mean 'cues'?)",
        "my-stretch",
    ),
    (
        "misspelt-field",
        GOOD.replace("per_side:", "perside:"),
        "perside",
        "unknown field 'perside' (did you mean 'per_side'?)",
        "my-stretch",
    ),
    (
        "misspelt-dose-field",
        GOOD.replace("hold_seconds:", "hold_second:"),
        "hold_second",
        "unknown dose field 'hold_second' (did you mean 'hold_seconds'?)",
        "my-stretch",
    ),
    (
        "unknown-range-key",
        GOOD.replace("max: 30}", "maximum: 30}"),
        "maximum",
        "unknown field 'maximum' in dose.hold_seconds",
        "my-stretch",
    ),
    (
        "missing-source",
        GOOD.replace("    source: test library\n", ""),
        "- id:",
        "missing required field 'source'",
        "my-stretch",
    ),
    (
        "missing-dose",
        GOOD.replace("    dose:\n" + STRETCH_DOSE, ""),
        "- id:",
        "missing required field 'dose'",
        "my-stretch",
    ),
    (
        "missing-id",
        GOOD.replace("  - id: my-stretch\n    name", "  - name"),
        "- name:",
        "missing required field 'id'",
        "exercise 1",
    ),
    (
        "missing-range-key",
        GOOD.replace("{default: 3, min: 3, max: 5}", "{default: 3, min: 3}"),
        "reps:",
        "dose.reps is missing 'max'",
        "my-stretch",
    ),
    (
        "level-as-text",
        GOOD.replace("level: 1", "level: one"),
        "level:",
        "level must be a whole number, not text ('one')",
        "my-stretch",
    ),
    (
        "level-as-fraction",
        GOOD.replace("level: 1", "level: 1.5"),
        "level:",
        "level must be a whole number, not a number (1.5)",
        "my-stretch",
    ),
    (
        "id-as-number",
        GOOD.replace("id: my-stretch", "id: 5"),
        "id: 5",
        "id must be text, not a number (5)",
        "exercise 1",
    ),
    (
        "id-not-kebab",
        GOOD.replace("id: my-stretch", "id: My_Stretch"),
        "id:",
        "must be kebab-case",
        "My_Stretch",
    ),
    (
        "instructions-not-a-list",
        GOOD.replace(
            "    instructions:\n      - Lie on your back with your knees bent.\n",
            "    instructions: Lie down.\n",
        ),
        "instructions:",
        "instructions must be a list, not text",
        "my-stretch",
    ),
    (
        "equipment-not-a-list",
        GOOD.replace("equipment: [mat]", "equipment: mat"),
        "equipment:",
        "equipment must be a list",
        "my-stretch",
    ),
    (
        "dose-not-a-mapping",
        GOOD.replace("    dose:\n" + STRETCH_DOSE, "    dose: 5\n"),
        "dose: 5",
        "dose must be a mapping",
        "my-stretch",
    ),
    (
        "name-is-a-number",
        GOOD.replace("name: My stretch", "name: 12"),
        "name:",
        "name must be text",
        "my-stretch",
    ),
    (
        "yaml11-name-no",
        GOOD.replace("name: My stretch", "name: no"),
        "name:",
        "name is 'no', which YAML 1.1 reads as false; put it in quotes",
        "my-stretch",
    ),
    (
        "yaml11-per-side-yes",
        GOOD.replace("per_side: true", "per_side: yes"),
        "per_side",
        "per_side must be true or false, not 'yes', which YAML 1.1 reads as true",
        "my-stretch",
    ),
    (
        "yaml11-base-60-hold",
        GOOD.replace("hold_seconds: {default: 20, min: 20, max: 30}", "hold_seconds: 1:30"),
        "hold_seconds",
        "'1:30', which YAML 1.1 reads as 90 (a number in base 60)",
        "my-stretch",
    ),
    (
        "yaml11-base-60-in-range",
        GOOD.replace("{default: 20, min: 20, max: 30}", "{default: 20, min: 20, max: 1:30}"),
        "hold_seconds",
        "dose.hold_seconds.max is '1:30', which YAML 1.1 reads as 90",
        "my-stretch",
    ),
    (
        "yaml11-octal",
        GOOD.replace("{default: 3, min: 3, max: 5}", "{default: 03, min: 03, max: 010}"),
        "reps:",
        "dose.reps.max is '010', which YAML 1.1 reads as 8 (a number in base 8)",
        "my-stretch",
    ),
    (
        "negative-reps",
        GOOD.replace("{default: 3, min: 3, max: 5}", "{default: 3, min: -3, max: 5}"),
        "reps:",
        "dose.reps.min is -3; it must be between 1 and",
        "my-stretch",
    ),
    (
        "zero-sets",
        GOOD.replace("{default: 1, min: 1, max: 2}", "{default: 1, min: 0, max: 2}"),
        "sets:",
        "dose.sets.min is 0; it must be between 1 and",
        "my-stretch",
    ),
    (
        "min-above-max",
        GOOD.replace("{default: 3, min: 3, max: 5}", "{default: 4, min: 6, max: 5}"),
        "reps:",
        "dose.reps must have min ≤ default ≤ max (got min 6, default 4, max 5)",
        "my-stretch",
    ),
    (
        "negative-rest",
        GOOD.replace("rest_seconds: 30", "rest_seconds: -1"),
        "rest_seconds",
        "dose.rest_seconds is -1",
        "my-stretch",
    ),
    (
        "level-too-high",
        GOOD.replace("level: 1", "level: 9"),
        "level:",
        "level is 9; it must be between 1 and",
        "my-stretch",
    ),
    (
        "aerobic-without-minutes",
        GOOD.replace("category: stretching", "category: aerobic"),
        "dose:",
        "an aerobic exercise needs dose.duration_minutes",
        "my-stretch",
    ),
    (
        "unknown-category",
        GOOD.replace("category: stretching", "category: stretchng"),
        "category:",
        (
            "category is 'stretchng'; it must be one of: stretching, strengthening, "
            "aerobic, posture (did you mean 'stretching'?)"
        ),
        "my-stretch",
    ),
    (
        "unknown-equipment",
        GOOD.replace("equipment: [mat]", "equipment: [matt]"),
        "equipment:",
        "equipment item 1 is 'matt'; it must be one of",
        "my-stretch",
    ),
    (
        "unknown-position",
        GOOD.replace("position: lying", "position: hanging"),
        "position:",
        "position is 'hanging'; it must be one of",
        "my-stretch",
    ),
    (
        "unknown-target",
        GOOD.replace("targets: [hamstrings]", "targets: [hamstring]"),
        "targets:",
        "targets item 1 is 'hamstring'; it must be one of",
        "my-stretch",
    ),
    (
        "dangling-progression",
        GOOD.replace("progresses_to: null", "progresses_to: brige"),
        "- id:",
        "progresses_to: no exercise with id 'brige'; did you mean 'bridge'",
        "my-stretch",
    ),
    (
        "dangling-regression",
        GOOD.replace("regresses_to: null", "regresses_to: nowhere-at-all"),
        "- id:",
        "regresses_to: no exercise with id 'nowhere-at-all'",
        "my-stretch",
    ),
    (
        "progression-to-itself",
        GOOD.replace("progresses_to: null", "progresses_to: my-stretch"),
        "- id:",
        "progresses_to points to itself",
        "my-stretch",
    ),
    (
        "progression-across-categories",
        GOOD.replace("progresses_to: null", "progresses_to: bridge"),
        "- id:",
        "progresses_to 'bridge' is strengthening, not stretching",
        "my-stretch",
    ),
    (
        "progression-not-harder",
        HEADER
        + entry("easy-one", progresses_to="hard-one")
        + entry("hard-one", regresses_to="easy-one"),
        "- id: easy-one",
        "progresses_to 'hard-one' is level 1; it must be higher than this exercise's level 1",
        "easy-one",
    ),
    (
        "regression-not-easier",
        HEADER
        + entry("easy-one", level=2, progresses_to="hard-one")
        + entry("hard-one", level=2, regresses_to="easy-one"),
        "- id: hard-one",
        "regresses_to 'easy-one' is level 2; it must be lower than this exercise's level 2",
        "hard-one",
    ),
    (
        "cyclic-progression",
        HEADER
        + entry("loop-a", level=1, progresses_to="loop-b")
        + entry("loop-b", level=2, progresses_to="loop-c")
        + entry("loop-c", level=3, progresses_to="loop-a"),
        "- id: loop-",
        "progresses_to links form a cycle",
        None,
    ),
]


@pytest.mark.parametrize(
    ("text", "blame", "fragment", "record"),
    [case[1:] for case in BAD_FILES],
    ids=[c[0] for c in BAD_FILES],
)
def test_a_bad_library_file_is_refused_with_file_line_and_id(
    tmp_path: Path, backcare_home: Path, text: str, blame: Blame, fragment: str, record: str | None
) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    lines = refusal(path, backcare_home)
    if isinstance(blame, int):
        line = blame
    elif isinstance(blame, tuple):
        line = line_of(text, *blame)
    else:
        line = line_of(text, blame)
    if fragment == "progresses_to links form a cycle":
        # Any entry of the loop may be blamed; each is located by its own line and id.
        found = [ln for ln in lines if fragment in ln]
        assert found, lines
        assert any(
            ln.startswith(f"{path}:{line_of(text, f'- id: {ident}')}: {ident}: ")
            for ln in found
            for ident in ("loop-a", "loop-b", "loop-c")
        ), found
        assert (
            "loop-a → loop-b → loop-c" in found[0]
            or "loop-b → loop-c → loop-a" in found[0]
            or "loop-c → loop-a → loop-b" in found[0]
        )
    else:
        assert_located(lines, path, line, fragment, record)


def test_every_problem_in_a_file_is_listed_at_once(tmp_path: Path, backcare_home: Path) -> None:
    text = GOOD.replace("level: 1", "level: one").replace("category: stretching", "category: yoga")
    path = tmp_path / "mine.yaml"
    path.write_text(text, encoding="utf-8")
    lines = refusal(path, backcare_home)
    assert_located(lines, path, line_of(text, "level:"), "level must be", "my-stretch")
    assert_located(lines, path, line_of(text, "category:"), "category is 'yoga'", "my-stretch")


def test_yaml11_readings_are_only_flagged_where_they_change_the_meaning(tmp_path: Path) -> None:
    path = tmp_path / "numbers.yaml"
    path.write_text("a: 05\nb: 010\nc: 1:30\nd: 'no'\ne: no\nf: true\ng: 12\n", encoding="utf-8")
    data = load_yaml(path)
    assert (data["a"], data["d"], data["f"], data["g"]) == (5, "no", True, 12)
    assert type(data["a"]) is int
    assert data["b"].yaml11_value == "8 (a number in base 8)"
    assert data["c"].yaml11_value == "90 (a number in base 60)"
    assert data["e"].yaml11_value == "false"


def test_a_link_to_itself_is_reported_once(tmp_path: Path, backcare_home: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        GOOD.replace("regresses_to: null", "regresses_to: my-stretch"), encoding="utf-8"
    )
    assert refusal(path, backcare_home) == [f"{path}:3: my-stretch: regresses_to points to itself"]


def test_text_that_is_not_utf8_is_refused_with_its_line(
    tmp_path: Path, backcare_home: Path
) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(GOOD.replace("My stretch", "Caf\xe9 stretch").encode("latin-1"))
    lines = refusal(path, backcare_home)
    assert_located(lines, path, line_of(GOOD, "name:"), "is not UTF-8 text")


BOMB_LEVELS = 9  # 9 levels of 9 aliases would expand to 9**9 (387 million) strings


def billion_laughs() -> str:
    lines = ['lol0: &lol0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, BOMB_LEVELS + 1):
        refs = ", ".join([f"*lol{level - 1}"] * 9)
        lines.append(f"lol{level}: &lol{level} [{refs}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_any_alias_is_expanded(
    tmp_path: Path, backcare_home: Path
) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(billion_laughs(), encoding="utf-8")
    # Refused at the first anchor, on line 1: before a single alias has been read.
    assert_located(refusal(path, backcare_home), path, 1, "anchors and aliases")
    with pytest.raises(BackcareError, match=r"bomb\.yaml:1: anchors and aliases"):
        load_yaml(path)


def test_even_a_single_harmless_alias_is_refused(tmp_path: Path) -> None:
    text = GOOD.replace("    cues:\n      - Breathe slowly.\n", "    cues: *steps\n").replace(
        "    instructions:\n", "    instructions: &steps\n"
    )
    path = tmp_path / "alias.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BackcareError) as info:
        parse_library_file(path)
    assert_located(info.value.lines(), path, line_of(text, "&steps"), "anchors and aliases")


NESTING = 100_000  # far beyond Python's recursion limit, still well under the size limit


@pytest.mark.parametrize(
    "text",
    [
        "exercises: " + "[" * NESTING + "]" * NESTING + "\n",
        "exercises: " + "{a: " * NESTING + "1" + "}" * NESTING + "\n",
        "".join("  " * depth + f"k{depth}:\n" for depth in range(60)) + "  " * 60 + "end\n",
    ],
    ids=["flow-lists", "flow-mappings", "block-mappings"],
)
def test_deeply_nested_yaml_is_refused(tmp_path: Path, backcare_home: Path, text: str) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    lines = refusal(path, backcare_home)
    assert len(lines) == 1
    assert lines[0].startswith(f"{path}:")
    assert "nested more than" in lines[0]
    assert lines[0].split(":")[1].isdigit()


HUGE_BYTES = 50 * 1024 * 1024


def test_a_50_mb_file_is_refused_by_its_size_without_being_read(
    tmp_path: Path, backcare_home: Path
) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as fh:
        fh.truncate(HUGE_BYTES)  # sparse: no disk space, no time
    assert path.stat().st_size > MAX_YAML_BYTES
    lines = refusal(path, backcare_home)
    # A whole-file refusal has no line to blame: it names the file and the size.
    assert lines == [f"{path}: is 50.0 MiB; an exercise library must be under 2 MiB"]


def test_a_symlinked_library_file_is_refused(tmp_path: Path, backcare_home: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text(GOOD, encoding="utf-8")
    link = tmp_path / "link.yaml"
    link.symlink_to(real)
    lines = refusal(link, backcare_home)
    assert lines == [f"{link}: is a symbolic link; give the real file instead"]


def test_a_missing_file_or_a_folder_is_refused_cleanly(tmp_path: Path, backcare_home: Path) -> None:
    assert refusal(tmp_path / "nope.yaml", backcare_home) == [
        f"{tmp_path / 'nope.yaml'}: no such file"
    ]
    assert refusal(tmp_path, backcare_home) == [f"{tmp_path}: is a folder, not a file"]


def test_a_repeated_key_outside_an_exercise_is_refused_too(tmp_path: Path) -> None:
    path = tmp_path / "twice.yaml"
    path.write_text("version: 1\nversion: 1\nexercises: []\n", encoding="utf-8")
    with pytest.raises(BackcareError) as info:
        parse_library_file(path)
    assert info.value.lines() == [
        f"{path}:2: the key 'version' appears twice in one entry (first on line 1)"
    ]


# --- links -------------------------------------------------------------------------------------


def test_links_may_point_into_the_library_the_file_is_merged_over(
    tmp_path: Path, backcare_home: Path
) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        GOOD.replace("progresses_to: null", "progresses_to: standing-hamstring-stretch"),
        encoding="utf-8",
    )
    assert check_file(path, backcare_home)[0] == 1


def test_a_library_on_its_own_needs_an_entry_point_in_every_category(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(GOOD, encoding="utf-8")
    with pytest.raises(BackcareError) as info:
        load_library_files([path])
    assert "no level-1 strengthening exercise" in "\n".join(info.value.lines())


def test_a_library_that_stands_on_its_own_passes(tmp_path: Path) -> None:
    path = tmp_path / "full.yaml"
    path.write_text(full_library(), encoding="utf-8")
    exercises = parse_library_file(path)
    check_links(exercises)
    assert sorted(e.category for e in exercises.values()) == sorted(CATEGORIES)


def test_unknown_id_message_suggests_close_ids() -> None:
    assert "did you mean 'bridge'" in unknown_id_message("brige", ["bridge", "walking"])
    assert "exercises list" in unknown_id_message("zzz", ["bridge"])


# --- merging and the environment ---------------------------------------------------------------


def test_the_users_file_is_merged_over_the_bundled_library_by_id(backcare_home: Path) -> None:
    backcare_home.mkdir()
    (backcare_home / "exercises.yaml").write_text(
        GOOD + entry("bridge", name="Bridge, my physio's way", category="strengthening"),
        encoding="utf-8",
    )
    lib = load_library(backcare_home)
    bundled = load_library_files([bundled_library()])
    assert len(lib) == len(bundled) + 1
    assert lib.get("my-stretch").name == "My stretch"
    assert lib.get("bridge").name == "Bridge, my physio's way"
    assert lib.get("bird-dog") == bundled.get("bird-dog")
    assert lib.files == (str(bundled_library()), str(backcare_home / "exercises.yaml"))


def test_a_bad_users_file_is_reported_with_its_line(backcare_home: Path) -> None:
    backcare_home.mkdir()
    user = backcare_home / "exercises.yaml"
    text = GOOD.replace("category: stretching", "category: stretchy")
    user.write_text(text, encoding="utf-8")
    with pytest.raises(BackcareError) as info:
        load_library(backcare_home)
    assert_located(info.value.lines(), user, line_of(text, "category:"), "stretchy", "my-stretch")


def test_a_symlinked_users_file_is_refused(tmp_path: Path, backcare_home: Path) -> None:
    backcare_home.mkdir()
    real = tmp_path / "real.yaml"
    real.write_text(GOOD, encoding="utf-8")
    (backcare_home / "exercises.yaml").symlink_to(real)
    with pytest.raises(BackcareError, match="symbolic link"):
        load_library(backcare_home)


def test_backcare_library_replaces_the_bundled_file(
    tmp_path: Path, backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = tmp_path / "clinic.yaml"
    own.write_text(full_library(), encoding="utf-8")
    monkeypatch.setenv("BACKCARE_LIBRARY", str(own))
    lib = load_library(backcare_home)
    assert sorted(e.id for e in lib) == sorted(f"only-{c}" for c in CATEGORIES)
    assert "bridge" not in lib
    assert check_file(None, backcare_home) == (len(CATEGORIES), [str(own)])


def test_a_partial_file_is_checked_over_backcare_library_when_set(
    tmp_path: Path, backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = tmp_path / "clinic.yaml"
    own.write_text(full_library(), encoding="utf-8")
    monkeypatch.setenv("BACKCARE_LIBRARY", str(own))
    partial = tmp_path / "extra.yaml"
    partial.write_text(
        GOOD.replace("level: 1", "level: 2").replace(
            "regresses_to: null", "regresses_to: only-stretching"
        ),
        encoding="utf-8",
    )
    assert check_file(partial, backcare_home) == (1, [str(partial)])
    # 'bridge' is in the bundled library, not in the one in use.
    partial.write_text(
        GOOD.replace("progresses_to: null", "progresses_to: hamstring-stretch"), encoding="utf-8"
    )
    assert_located(
        refusal(partial, backcare_home),
        partial,
        3,
        "no exercise with id 'hamstring-stretch'",
        "my-stretch",
    )


def test_a_missing_backcare_library_is_reported(
    tmp_path: Path, backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKCARE_LIBRARY", str(tmp_path / "gone.yaml"))
    with pytest.raises(BackcareError, match="gone.yaml: no such file"):
        load_library(backcare_home)


# --- the cache -------------------------------------------------------------------------------


def _bump_mtime(path: Path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))


def test_the_cache_is_written_private_and_used(
    backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backcare_home.mkdir(mode=0o700)
    first = load_library(backcare_home)
    cache = backcare_home / "cache" / "library.cache"
    assert cache.is_file()
    assert cache.stat().st_mode & 0o777 == 0o600
    assert (backcare_home / "cache").stat().st_mode & 0o777 == 0o700

    def no_parsing(path: Path) -> None:
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr("backcare.loading.library.parse_library_file", no_parsing)
    again = load_library(backcare_home)
    assert again.exercises == first.exercises
    assert again.get("bridge").origin == first.get("bridge").origin


def test_the_cache_is_invalidated_when_a_yaml_file_changes(backcare_home: Path) -> None:
    backcare_home.mkdir(mode=0o700)
    user = backcare_home / "exercises.yaml"
    user.write_text(GOOD, encoding="utf-8")
    assert load_library(backcare_home).get("my-stretch").name == "My stretch"
    user.write_text(GOOD.replace("My stretch", "My changed stretch"), encoding="utf-8")
    _bump_mtime(user)
    assert load_library(backcare_home).get("my-stretch").name == "My changed stretch"
    # Removing the file changes the set of files, which is part of the key too.
    user.unlink()
    assert "my-stretch" not in load_library(backcare_home)


def test_a_change_that_breaks_the_file_is_not_hidden_by_the_cache(backcare_home: Path) -> None:
    backcare_home.mkdir(mode=0o700)
    user = backcare_home / "exercises.yaml"
    user.write_text(GOOD, encoding="utf-8")
    load_library(backcare_home)
    user.write_text(GOOD.replace("level: 1", "level: 7"), encoding="utf-8")
    _bump_mtime(user)
    with pytest.raises(BackcareError) as info:
        load_library(backcare_home)
    assert_located(info.value.lines(), user, line_of(GOOD, "level:"), "level is 7", "my-stretch")


def test_a_damaged_cache_is_ignored_and_rewritten(backcare_home: Path) -> None:
    backcare_home.mkdir(mode=0o700)
    load_library(backcare_home)
    cache = backcare_home / "cache" / "library.cache"
    cache.write_text("{ not json", encoding="utf-8")
    assert "bridge" in load_library(backcare_home)
    assert cache.read_text(encoding="utf-8").startswith("backcare-cache library ")


def test_no_cache_is_written_when_there_is_no_data_folder(backcare_home: Path) -> None:
    assert "bridge" in load_library(backcare_home)
    assert not backcare_home.exists()  # listing exercises must not create the data folder


# --- filters ------------------------------------------------------------------------------------


def test_filters_by_category_and_equipment() -> None:
    lib = load_library_files([bundled_library()])
    stretches = filter_exercises(lib, "stretching", None)
    assert stretches and all(e.category == "stretching" for e in stretches)
    with_chair = filter_exercises(lib, None, "chair")
    assert with_chair and all(set(e.equipment) <= {"none", "chair"} for e in with_chair)
    assert any("chair" in e.equipment for e in with_chair)
    with pytest.raises(BackcareError, match="--category 'yoga'"):
        filter_exercises(lib, "yoga", None)
    with pytest.raises(BackcareError, match="--equipment 'sofa'"):
        filter_exercises(lib, None, "sofa")
