"""`backcare exercises show ID` draws the exercise (issue 26): two figures side by side in
braille, ASCII where the terminal cannot show Unicode, none with --no-pictures or the
setting; --svg FILE writes them. `exercises check` wants poses for every exercise of a
library with pictures; a library with none is a library without pictures."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

Cli = Callable[..., Any]
BRAILLE = range(0x2801, 0x2900)  # braille patterns with at least one dot
pytestmark = pytest.mark.usefixtures("parse_bundled_once")

ENTRY = """\
  - id: {ident}
    name: {name}
    category: stretching
    level: 1
    position: lying
    equipment: [mat]
    instructions:
      - Lie on your back with your knees bent.
    cues:
      - Breathe slowly.
    dose:
      sets: {{default: 1, min: 1, max: 2}}
      reps: {{default: 5, min: 5, max: 10}}
    cautions:
      - Stop if it hurts.
    source: test library
{poses}"""
POSES = """\
    poses:
      start: {posture: lying-back, with: [mat], hip: 45, knee: 90}
      end: {posture: lying-back, with: [mat], hip: [120, 45], knee: [120, 90]}
"""


def entry(ident: str, name: str = "My stretch", poses: str = POSES) -> str:
    return ENTRY.format(ident=ident, name=name, poses=poses)


def library(*entries: str) -> str:
    return "version: 1\nexercises:\n" + "".join(entries)


def picture_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if any(ord(ch) in BRAILLE for ch in line)]


def halves(rows: list[str]) -> tuple[str, str]:
    """The rows split at the gap between the two figures (the arrow's column)."""
    arrow_row = next(r for r in rows if "→" in r)
    cut = arrow_row.index("→")
    return ("".join(r[:cut] for r in rows), "".join(r[cut + 1 :] for r in rows))


@pytest.mark.parametrize("no_color", [True, False])
def test_show_bridge_draws_two_figures_and_no_color_keeps_them(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, no_color: bool
) -> None:
    if not no_color:
        monkeypatch.delenv("NO_COLOR")
    res = cli("exercises", "show", "bridge")
    assert res.exit_code == 0, res
    rows = picture_rows(res.stdout)
    assert 4 <= len(rows) <= 16
    left, right = halves(rows)
    assert sum(ord(ch) in BRAILLE for ch in left) > 20
    assert sum(ord(ch) in BRAILLE for ch in right) > 20
    assert left != right
    labels = next(line for line in res.stdout.splitlines() if "start" in line)
    assert labels.index("start") < labels.index("end")
    assert "How to do it" in res.stdout  # the words are still there, below the pictures
    assert "\x1b[" not in res.stdout  # no colour codes through the runner either way


def test_a_terminal_without_unicode_gets_ascii_figures(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERM", "linux")  # the Linux console's font has no braille
    res = cli("exercises", "show", "cat-cow")
    assert res.exit_code == 0, res
    assert picture_rows(res.stdout) == []
    lines = res.stdout.split("╭")[0].splitlines()
    drawn = [line for line in lines if set(line) & set("/\\|-_")]
    assert len(drawn) >= 4
    assert all(line.isascii() for line in drawn)
    assert any(" > " in line for line in drawn)  # the arrow between start and end


def test_no_pictures_the_setting_and_a_narrow_terminal_leave_them_out(
    cli: Cli, backcare_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert picture_rows(cli("exercises", "show", "bridge", "--no-pictures").stdout) == []
    monkeypatch.setenv("COLUMNS", "50")
    narrow = cli("exercises", "show", "bridge")
    assert narrow.exit_code == 0 and picture_rows(narrow.stdout) == []
    monkeypatch.setenv("COLUMNS", "120")
    backcare_home.mkdir(mode=0o700)
    (backcare_home / "settings.yaml").write_text("display:\n  pictures: false\n", encoding="utf-8")
    res = cli("exercises", "show", "bridge")
    assert res.exit_code == 0, res
    assert picture_rows(res.stdout) == []
    assert "How to do it" in res.stdout


def test_a_bad_display_setting_is_refused_with_its_line(cli: Cli, backcare_home: Path) -> None:
    backcare_home.mkdir(mode=0o700)
    settings = backcare_home / "settings.yaml"
    settings.write_text(
        "thresholds:\n  green_max: 2\ndisplay:\n  pictures: maybe\n", encoding="utf-8"
    )
    res = cli("exercises", "show", "bridge")
    assert res.exit_code == 1
    assert f"{settings}:4: pictures must be true or false, not 'maybe'" in res.stderr
    settings.write_text("display:\n  paper: a5\n  colour: red\n", encoding="utf-8")
    res = cli("exercises", "show", "bridge")
    assert res.exit_code == 1
    assert "paper must be a4 or letter, not 'a5'" in res.stderr
    assert "unknown display setting 'colour'" in res.stderr
    assert "Traceback" not in res.output
    # The thresholds beside a display block are read as before.
    settings.write_text(
        "thresholds:\n  green_max: 2\ndisplay:\n  pictures: true\n", encoding="utf-8"
    )
    assert cli("config", "--json").json()["thresholds"]["green_max"]["value"] == 2


def test_svg_writes_both_positions(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "bridge.svg"
    res = cli("exercises", "show", "bridge", "--svg", str(out))
    assert res.exit_code == 0, res
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    ns = {"s": "http://www.w3.org/2000/svg"}
    groups = root.findall("s:g", ns)
    assert [g.get("id") for g in groups] == ["start", "end"]
    for g in groups:
        assert len(g.findall("s:polyline", ns)) >= 8
        assert len(g.findall("s:circle", ns)) == 1  # the head
    assert root.find("s:title", ns).text == "Bridge"  # type: ignore[union-attr]
    assert f"pictures written to {out}" in res.stderr
    # Never over a file without --force; the message names the option typed.
    again = cli("exercises", "show", "bridge", "--svg", str(out))
    assert again.exit_code == 1
    assert "add --force" in again.stderr
    assert cli("exercises", "show", "bridge", "--svg", str(out), "--force").exit_code == 0
    folder = cli("exercises", "show", "bridge", "--svg", str(tmp_path))
    assert folder.exit_code == 1 and f"--svg {tmp_path} is a folder" in folder.stderr


def test_json_carries_the_poses(cli: Cli) -> None:
    doc = cli("exercises", "show", "bridge", "--json").json()
    assert doc["poses"]["start"]["posture"] == "lying-back"
    assert set(doc["poses"]) == {"start", "end"}


def test_check_refuses_an_exercise_without_poses_in_a_library_with_pictures(
    cli: Cli, tmp_path: Path
) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text(library(entry("one"), entry("two", "Other", poses="")), encoding="utf-8")
    res = cli("exercises", "check", str(f))
    assert res.exit_code == 1
    assert f"{f}:" in res.stderr and "two: has no poses" in res.stderr
    assert "one:" not in res.stderr


def test_a_library_without_any_poses_is_accepted_and_draws_a_card(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "clinic.yaml"
    f.write_text(library(entry("one", poses=""), entry("two", "Other", poses="")), encoding="utf-8")
    assert cli("exercises", "check", str(f)).exit_code == 0
    own = tmp_path / "home"
    own.mkdir(mode=0o700)
    (own / "exercises.yaml").write_text(
        library(entry("one", "Clinic stretch", poses="")), encoding="utf-8"
    )
    monkeypatch.setenv("BACKCARE_HOME", str(own))
    assert cli("exercises", "check").exit_code == 0
    res = cli("exercises", "show", "one")
    assert res.exit_code == 0 and picture_rows(res.stdout) == []
    card = res.stdout.split("╭")[0].splitlines()
    assert [line.strip()[0] for line in card if line.strip()] == ["┌", "│", "└"]
    assert "Clinic stretch" in card[1]
    svg = tmp_path / "one.svg"
    assert cli("exercises", "show", "one", "--svg", str(svg)).exit_code == 0
    text = svg.read_text(encoding="utf-8")
    assert "Clinic stretch" in text and "<polyline" not in text  # a plain card


@pytest.mark.parametrize(
    ("poses", "says"),
    [
        ("    poses:\n      start: {posture: standing}\n", "poses has no 'end' position"),
        (
            "    poses:\n      start: {posture: standing}\n"
            "      end: {posture: standing, knee: 170}\n",
            "poses.end: knee is 170°; a human knee goes from 0 to 150",
        ),
        (
            "    poses:\n      start: {posture: lying-back, hip: 45, knee: 90}\n"
            "      end: {posture: lying-back, hip: -30}\n",
            "poses.end: the near heel goes",
        ),
        (
            "    poses:\n      start: {posture: standing}\n      end: {posture: standing}\n",
            "poses.end: the end position is the same as the start",
        ),
        (
            "    poses:\n      start: {posture: standing}\n"
            "      end: {posture: standing, hip: 20}\n"
            "      finish: {posture: standing}\n",
            "unknown position 'finish' in poses",
        ),
    ],
)
def test_check_names_the_line_of_a_bad_pose(
    cli: Cli, tmp_path: Path, poses: str, says: str
) -> None:
    f = tmp_path / "mine.yaml"
    f.write_text(library(entry("one", poses=poses)), encoding="utf-8")
    res = cli("exercises", "check", str(f))
    assert res.exit_code == 1, res
    assert says in res.stderr, res.stderr
    assert f"{f}:" in res.stderr
    assert "Traceback" not in res.output


def test_the_session_shows_the_pictures_before_each_exercise_at_60_columns(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from backcare.domain.models import Dose
    from backcare.domain.planner import PlanItem
    from backcare.render.terminal import TerminalIO

    ex = __import__("test_pictures").bundled().get("cat-cow")
    item = PlanItem(ex, Dose(1, 5, 3), "why", 60)
    for columns, pictures, drawn in ((100, True, True), (59, True, False), (100, False, False)):
        monkeypatch.setenv("COLUMNS", str(columns))
        TerminalIO(keys=object(), pictures=pictures).show_exercise(  # type: ignore[arg-type]
            item, 1, 3
        )
        shown = capsys.readouterr().out
        assert bool(picture_rows(shown)) is drawn, (columns, pictures)
        assert "Cat-cow" in shown
