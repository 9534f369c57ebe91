"""Pictures from pose data (issue 26): every bundled exercise's poses pass the validator, and
its figure, rendered to PNG, stays inside its box, never crosses the floor line, and shows
a movement (start and end differ). The validator refuses what would break a body."""

from __future__ import annotations

import struct
import zlib
from functools import cache

import pytest

from backcare.domain import poses as pz
from backcare.domain.figure import BODY, FAR, Figure, figure_for
from backcare.domain.handout import cautions_for
from backcare.domain.library import Library
from backcare.domain.poses import Pose, Poses, body_problems, poses_problems, read_pose
from backcare.render.raster import PNG_COLOURS, TONES, figure_png, fit

PNG_HEIGHT = 120


@cache
def bundled() -> Library:
    from backcare.loading.library import load_library_files
    from backcare.storage.paths import bundled_library

    return load_library_files([bundled_library()])


def exercise_ids() -> list[str]:
    return [e.id for e in bundled()]


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """A greyscale PNG (as backcare writes it) back to rows of grey values."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        assert crc == zlib.crc32(kind + body) & 0xFFFFFFFF, kind
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert (depth, colour) == (8, 0)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    rows = [raw[r * (width + 1) + 1 : (r + 1) * (width + 1)] for r in range(height)]
    assert all(raw[r * (width + 1)] == 0 for r in range(height))  # filter: none
    return width, height, rows


def panels(fig: Figure) -> tuple[int, int, list[list[bytes]]]:
    """The figure's PNG, cut back into one grid of rows per position."""
    width, height, rows = decode_png(figure_png(fig, PNG_HEIGHT))
    n = len(fig.drawings)
    panel_w = (width - 8 * (n - 1)) // n
    cut = [[row[i * (panel_w + 8) : i * (panel_w + 8) + panel_w] for row in rows] for i in range(n)]
    return panel_w, height, cut


BODY_GREYS = {PNG_COLOURS[TONES[BODY]][0], PNG_COLOURS[TONES[FAR]][0]}
WHITE = PNG_COLOURS[0][0]


def test_every_bundled_exercise_has_poses_that_pass_the_validator() -> None:
    lib = bundled()
    assert len(lib) >= 50
    for ex in lib:
        assert ex.poses is not None, ex.id
        assert poses_problems(ex.poses) == [], ex.id
        for _, pose in ex.poses.positions():
            again, problems = read_pose(pose.to_dict())
            assert problems == [] and again is not None, ex.id


@pytest.mark.parametrize("ident", exercise_ids())
def test_each_figure_rendered_to_png_is_inside_its_box_above_the_floor_and_moves(
    ident: str,
) -> None:
    ex = bundled().get(ident)
    assert ex.poses is not None
    fig = figure_for(ex.poses)
    width, height, grids = panels(fig)
    m = fit(fig.frame, width, height)
    floor_row = m(0.0, 0.0)[1]
    # A body resting on the floor touches it; the validator lets it sink 3 cm at most.
    slack = pz.CONTACT_SLACK * m.scale + 2
    in_water = any("water" in p.props for _, p in ex.poses.positions())
    for (name, _), grid in zip(ex.poses.positions(), grids, strict=True):
        ink = [(c, r) for r, row in enumerate(grid) for c, v in enumerate(row) if v != WHITE]
        assert ink, f"{ident} {name}: nothing drawn"
        # Inside its box: nothing is cut off at an edge.
        assert all(0 < c < width - 1 and 0 < r < height - 1 for c, r in ink), (
            f"{ident} {name}: the figure touches the edge of its box"
        )
        if not in_water:
            body = [
                (c, r) for r, row in enumerate(grid) for c, v in enumerate(row) if v in BODY_GREYS
            ]
            below = [p for p in body if p[1] > floor_row + slack]
            assert not below, f"{ident} {name}: {len(below)} dots of the body below the floor"
    changed = sum(
        a != b
        for ra, rb in zip(grids[0], grids[-1], strict=True)
        for a, b in zip(ra, rb, strict=True)
    )
    assert changed >= 10, f"{ident}: start and end look the same ({changed} dots differ)"


def test_poses_for_the_new_exercises_pass_the_validator() -> None:
    """The safety engineer's four new exercises (issue 21) get their poses at the merge,
    from the file beside this branch; written here too so the validator is tried on them."""
    new = {
        "heel-to-toe-stand": {
            "start": {"posture": "standing", "shoulder-out": 20},
            "end": {"posture": "standing", "hip": [9, -9], "shoulder-out": 30},
        },
        "standing-on-one-leg-with-support": {
            "start": {
                "posture": "standing",
                "with": ["chair-in-front"],
                "shoulder": 45,
                "elbow": 20,
            },
            "end": {
                "posture": "standing",
                "with": ["chair-in-front"],
                "hip": [20, 0],
                "knee": [80, 0],
                "shoulder": 45,
                "elbow": 20,
            },
        },
        "standing-pelvic-tilt": {
            "start": {
                "posture": "standing",
                "with": ["wall"],
                "spine": -12,
                "hip": 5,
                "knee": 10,
                "ankle": 5,
            },
            "end": {
                "posture": "standing",
                "with": ["wall"],
                "spine": 10,
                "hip": 5,
                "knee": 15,
                "ankle": 8,
            },
        },
    }
    for ident, raw in new.items():
        for pose in raw.values():
            assert read_pose(pose)[1] == [], ident
        assert poses_problems(Poses.from_dict(raw)) == [], ident


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ({"posture": "standing", "knee": 170}, "knee is 170°"),
        ({"posture": "standing", "hip": [200, 0]}, "hip is 200°"),
        ({"posture": "lying", "hip": 10}, "posture is 'lying'"),
        ({"hip": 10}, "posture is missing"),
        ({"posture": "standing", "elbows": 10}, "unknown field 'elbows'"),
        ({"posture": "standing", "knee": "bent"}, "knee must be a number"),
        ({"posture": "standing", "knee": [10, 20, 30]}, "one angle, or two"),
        ({"posture": "standing", "with": ["trampoline"]}, "'with' must be a list of"),
        ({"posture": "standing", "view": "top"}, "view is 'top'"),
    ],
)
def test_a_position_that_breaks_the_rules_is_refused(raw: dict[str, object], says: str) -> None:
    pose, problems = read_pose(raw)
    assert pose is None
    assert any(says in message for message, _ in problems), problems


def test_a_leg_through_the_floor_is_refused() -> None:
    # Lying on the back, a hip extended 30° sends the leg down through the floor.
    problems = body_problems(Pose.from_dict({"posture": "lying-back", "hip": -30}))
    assert any("heel goes" in p and "through the floor" in p for p in problems), problems
    # Bent knees with the feet on the floor are fine.
    assert body_problems(Pose.from_dict({"posture": "lying-back", "hip": 45, "knee": 90})) == []


def test_a_support_the_body_does_not_reach_is_refused() -> None:
    # On all fours with the arms along the body, the hands are nowhere near the floor.
    problems = body_problems(Pose.from_dict({"posture": "all-fours", "hip": 90, "knee": 90}))
    assert any("a hand must reach the floor" in p for p in problems), problems


def test_an_end_like_the_start_is_refused() -> None:
    same = {"posture": "standing", "knee": 10}
    problems = poses_problems(Poses.from_dict({"start": same, "end": dict(same)}))
    assert problems == [("end", "the end position is the same as the start: show the movement")]


def test_segments_follow_winters_proportions() -> None:
    """Standing straight, the joints are at Winter's heights (fractions of body height)."""
    sk = pz.skeleton(Pose.from_dict({"posture": "standing"}))
    hip = sk.points["near-hip"][1]
    knee = sk.points["near-knee"][1]
    ankle = sk.points["near-ankle"][1]
    shoulder = sk.points["shoulder"][1]
    lowest = min(sk.points["near-heel"][1], sk.points["near-toe"][1]) - pz.LIMB_RADIUS
    assert lowest == pytest.approx(0.0, abs=1e-9)  # standing on the floor
    assert hip - ankle == pytest.approx(0.530 - 0.039, abs=1e-6)
    assert knee - ankle == pytest.approx(0.285 - 0.039, abs=1e-6)
    assert shoulder - hip == pytest.approx(0.818 - 0.530, abs=1e-6)


def test_a_bridge_lifts_the_pelvis_and_a_cat_rounds_the_back() -> None:
    lib = bundled()
    bridge = lib.get("bridge").poses
    assert bridge is not None
    start, end = pz.skeleton(bridge.start), pz.skeleton(bridge.end)
    assert end.points["hip"][1] > start.points["hip"][1] + 0.1
    assert end.points["shoulder"][1] < end.points["hip"][1]
    cat = lib.get("cat-cow").poses
    assert cat is not None
    rounded, arched = pz.skeleton(cat.start), pz.skeleton(cat.end)
    # On all fours, the middle of the back is higher than the line from hip to shoulder
    # when it is rounded (cat), lower when it is arched (cow).
    for sk, up in ((rounded, True), (arched, False)):
        chord = (sk.points["hip"][1] + sk.points["shoulder"][1]) / 2
        assert (sk.spine_mid[1] > chord) is up


def test_cautions_written_for_a_condition_apply_only_to_a_patient_who_has_it() -> None:
    knee = bundled().get("knee-to-chest")
    pregnant = [c for c in knee.cautions if c.startswith("If you are pregnant")]
    assert pregnant
    assert not set(pregnant) & set(cautions_for(knee, []))
    assert set(pregnant) <= set(cautions_for(knee, ["pregnancy"]))
    assert cautions_for(knee, None) == knee.cautions  # conditions not known: all of them
    general = [c for c in knee.cautions if c.startswith("Stop")]
    assert set(general) <= set(cautions_for(knee, []))


def test_the_worked_example_in_the_docs_passes_the_validator() -> None:
    """docs/pictures.md's wall sit: its finished entry's poses, as the docs print them."""
    import re
    from pathlib import Path

    import yaml

    doc = (Path(__file__).resolve().parent.parent / "docs" / "pictures.md").read_text(
        encoding="utf-8"
    )
    blocks = re.findall(r"```yaml\n(.*?)```", doc, re.S)
    finished = next(b for b in blocks if "source:" in b and "poses:" in b)
    poses = yaml.safe_load(finished.split("poses:", 1)[1].replace("\n      ", "\n"))
    assert set(poses) == {"start", "end"}
    for raw in poses.values():
        assert read_pose(raw)[1] == []
    assert poses_problems(Poses.from_dict(poses)) == []
    words = " ".join(doc.split())
    assert "Winter" in words and "Biomechanics and Motor Control of Human Movement" in words
