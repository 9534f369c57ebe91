"""A picture of an exercise, as shapes: the one drawing that every output draws (issue 26).

:func:`figure_for` turns an exercise's poses into a :class:`Figure`: for each key position,
lines, circles and outlines in body-height units (x right, y up, the floor at y = 0), all on
one common frame so that start and end can be compared and drawn at the same scale. The
terminal (braille, half blocks or ASCII), SVG and the PDF each draw these shapes; none of
them knows about joints.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from backcare.domain import poses as pz
from backcare.domain.poses import Pose, Poses

# Tones: the body, its far-side limbs (lighter), and what is drawn with it.
BODY, FAR, PROP = "body", "far", "prop"
# Stroke widths, fractions of body height.
TRUNK_W = 0.075
LIMB_W = 0.05
PROP_W = 0.02


class Shape(NamedTuple):
    kind: str  # "line" (a polyline), "circle", "box" (a filled outline)
    points: tuple[tuple[float, float], ...]
    width: float
    tone: str
    r: float = 0.0  # a circle's radius


class Drawing(NamedTuple):
    name: str  # start, middle, end
    shapes: tuple[Shape, ...]

    def box(self) -> tuple[float, float, float, float]:
        return _bounds(self.shapes)


class Figure(NamedTuple):
    """All the key positions of one exercise on one frame: ``frame`` is (x0, y0, x1, y1),
    the same for each drawing, with the floor at y = 0."""

    drawings: tuple[Drawing, ...]
    frame: tuple[float, float, float, float]

    @property
    def aspect(self) -> float:
        x0, y0, x1, y1 = self.frame
        return (x1 - x0) / (y1 - y0)


def _bounds(shapes: tuple[Shape, ...] | list[Shape]) -> tuple[float, float, float, float]:
    xs: list[float] = []
    ys: list[float] = []
    for s in shapes:
        pad = s.r + s.width / 2
        for x, y in s.points:
            xs += [x - pad, x + pad]
            ys += [y - pad, y + pad]
    return min(xs), min(ys), max(xs), max(ys)


def _xy(p: pz.Vec) -> tuple[float, float]:
    return (p[0], p[1])


def _line(*pts: pz.Vec, width: float = LIMB_W, tone: str = BODY) -> Shape:
    return Shape("line", tuple(_xy(p) for p in pts), width, tone)


def _curve(a: pz.Vec, mid: pz.Vec, b: pz.Vec, steps: int = 6) -> tuple[pz.Vec, ...]:
    """A quadratic curve from a to b through mid (the trunk's bow)."""
    # The control point that makes the curve pass through mid at t = 1/2.
    c = tuple(2 * m - (x + y) / 2 for m, x, y in zip(mid, a, b, strict=True))
    out = []
    for i in range(steps + 1):
        t = i / steps
        out.append(
            tuple(
                (1 - t) ** 2 * x + 2 * (1 - t) * t * k + t * t * y
                for x, k, y in zip(a, c, b, strict=True)
            )
        )
    return tuple(out)  # type: ignore[arg-type]


def _limb_shapes(pt: dict[str, pz.Vec], side: str, tone: str) -> list[Shape]:
    def p(n: str) -> pz.Vec:
        return pt[f"{side}-{n}"]

    return [
        _line(pt["hip"], p("hip"), p("knee"), p("ankle"), tone=tone),
        _line(p("heel"), p("toe"), width=LIMB_W * 0.8, tone=tone),
        _line(p("ankle"), p("heel"), width=LIMB_W * 0.8, tone=tone),
        _line(
            pt["shoulder"],
            p("shoulder"),
            p("elbow"),
            p("wrist"),
            p("hand"),
            width=LIMB_W * 0.85,
            tone=tone,
        ),
    ]


def _props(pose: Pose, sk: pz.Skeleton, body: list[Shape]) -> list[Shape]:
    """What is drawn with the body, placed by it."""
    pt = sk.points
    x0, _, x1, _ = _bounds(body)
    props: list[Shape] = []
    hip = pt["hip"]
    facing = 1.0 if pose.view == "side" else 0.0
    if "chair" in pose.props:
        seat = pz.SEAT_HEIGHT
        back = hip[0] - 0.13 * facing if facing else hip[0] - 0.12
        front = back + 0.24
        props.append(Shape("line", ((back, seat), (front, seat)), PROP_W * 1.5, PROP))
        props.append(Shape("line", ((front - 0.02, seat), (front - 0.02, 0.0)), PROP_W, PROP))
        props.append(Shape("line", ((back + 0.02, 0.0), (back + 0.02, seat + 0.26)), PROP_W, PROP))
    if "chair-in-front" in pose.props:
        # A chair to hold, its back towards the body, at arm's length in front.
        seat = pz.SEAT_HEIGHT
        back = hip[0] + 0.36 if facing else x1 + 0.08
        props.append(Shape("line", ((back, seat), (back + 0.22, seat)), PROP_W * 1.5, PROP))
        props.append(Shape("line", ((back + 0.2, seat), (back + 0.2, 0.0)), PROP_W, PROP))
        props.append(Shape("line", ((back, 0.0), (back, seat + 0.26)), PROP_W, PROP))
    if "bed" in pose.props:
        left = min(x0, hip[0] - 0.5) - 0.02
        right = max(x1, hip[0] + 0.05) if pose.posture.startswith("lying") else hip[0] + 0.1
        h = pz.BED_HEIGHT
        props.append(Shape("box", ((left, 0.0), (right, 0.0), (right, h), (left, h)), PROP_W, PROP))
    if "step" in pose.props:
        toes = [pt["near-toe"], pt["far-toe"]]
        raised = max(toes, key=lambda p: p[1])
        if raised[1] > pz.STEP_HEIGHT * 0.5:
            left, right = raised[0] - 0.18, raised[0] + 0.06
        else:
            front = max(p[0] for p in toes)
            left, right = front + 0.03, front + 0.27
        h = pz.STEP_HEIGHT
        props.append(Shape("box", ((left, 0.0), (right, 0.0), (right, h), (left, h)), PROP_W, PROP))
    if "wall" in pose.props and facing:  # seen from the front, the wall is behind it
        behind = min(pt["hip"][0], pt["shoulder"][0], pt["head"][0] - pz.HEAD / 2 + 0.02)
        x = behind - pz.TRUNK_RADIUS - 0.01
        props.append(Shape("line", ((x, 0.0), (x, 1.05)), PROP_W * 1.5, PROP))
    if "bike" in pose.props:
        r = 0.16
        crank = (hip[0] + 0.12, 0.26)
        rear, front_hub = (hip[0] - 0.28, r), (hip[0] + 0.52, r)
        saddle = (hip[0], pz.SADDLE_HEIGHT - 0.01)
        bars = (hip[0] + 0.42, 0.62)
        props += [
            Shape("circle", (rear,), PROP_W, PROP, r),
            Shape("circle", (front_hub,), PROP_W, PROP, r),
            Shape("line", (rear, saddle, crank, rear), PROP_W, PROP),
            Shape("line", (saddle, front_hub), PROP_W, PROP),
            Shape("line", (front_hub, bars), PROP_W, PROP),
        ]
    if "mat" in pose.props:
        t = pz.MAT_THICKNESS
        props.append(
            Shape(
                "box",
                ((x0 - 0.03, 0.0), (x1 + 0.03, 0.0), (x1 + 0.03, t), (x0 - 0.03, t)),
                PROP_W / 2,
                PROP,
            )
        )
    if "water" in pose.props:
        level = (
            pt["shoulder"][1] + pz.TRUNK_RADIUS
            if pose.posture.startswith("lying")
            else hip[1] + 0.12
        )
        n = 12
        wave = tuple(
            (x0 - 0.05 + (x1 - x0 + 0.1) * i / n, level + 0.012 * math.sin(i * math.pi / 2))
            for i in range(n + 1)
        )
        props.append(Shape("line", wave, PROP_W, PROP))
    return props


def drawing_for(name: str, pose: Pose) -> Drawing:
    sk = pz.skeleton(pose)
    pt = sk.points
    near_first = pose.view == "front"
    # The far limbs first, so the trunk and the near limbs are drawn over them.
    far = _limb_shapes(pt, "far", FAR if not near_first else BODY)
    near = _limb_shapes(pt, "near", BODY)
    trunk = [
        _line(*_curve(pt["hip"], sk.spine_mid, pt["shoulder"]), width=TRUNK_W),
        _line(pt["shoulder"], pt["neck"], width=LIMB_W),
        Shape("circle", (_xy(pt["head"]),), LIMB_W * 0.6, BODY, pz.HEAD / 2 * 0.85),
    ]
    body = far + trunk + near
    props = _props(pose, sk, body)
    return Drawing(name, tuple(props + body))


FLOOR_MARGIN = 0.06


def figure_for(poses: Poses) -> Figure:
    """Each key position drawn, on one frame with the floor along its bottom."""
    drawings = [drawing_for(name, pose) for name, pose in poses.positions()]
    boxes = [d.box() for d in drawings]
    x0 = min(b[0] for b in boxes) - FLOOR_MARGIN
    x1 = max(b[2] for b in boxes) + FLOOR_MARGIN
    y0 = min(0.0, min(b[1] for b in boxes)) - PROP_W
    y1 = max(b[3] for b in boxes) + 0.02
    with_floor = []
    for (_, pose), d in zip(poses.positions(), drawings, strict=True):
        shapes = d.shapes
        if "water" not in pose.props:
            shapes = (
                Shape("line", ((x0 + PROP_W, 0.0), (x1 - PROP_W, 0.0)), PROP_W, PROP),
            ) + shapes
        with_floor.append(Drawing(d.name, shapes))
    return Figure(tuple(with_floor), (x0, y0, x1, y1))
