"""An exercise's key positions as data, and the body they pose (issue 26).

A pose names a posture (standing, lying on the back, on all fours, …), the view it is drawn
from, the equipment drawn with it, and the angles of its joints. :func:`skeleton` turns it
into points: a small 3-D stick body with standard anthropometric proportions, placed on its
support and projected onto the picture's plane. :func:`body_problems` refuses what would
break a body: a joint outside its human range, a part through the floor, a hand that does
not reach the floor it should lean on.

Pure: no terminal, no files. Angles are in degrees; lengths are fractions of body height.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

Vec = tuple[float, float, float]

POSTURES: tuple[str, ...] = (
    "standing",
    "sitting",
    "kneeling",
    "all-fours",
    "lying-back",
    "lying-front",
    "lying-side",
)
VIEWS: tuple[str, ...] = ("side", "front")
# What can be drawn with a figure. "floor" is always drawn unless the figure is in water.
# A "chair" is sat on, or stood up from (behind the body); a "chair-in-front" is held.
PROPS: tuple[str, ...] = (
    "floor",
    "mat",
    "chair",
    "chair-in-front",
    "wall",
    "step",
    "bed",
    "water",
    "bike",
)
POSITION_NAMES: tuple[str, ...] = ("start", "middle", "end")

# Segment lengths as fractions of body height H, from Winter's body-segment figure
# (D. A. Winter, Biomechanics and Motor Control of Human Movement, 4th ed., 2009, Fig. 4.1):
# shoulder 0.818 H, chin 0.870 H, greater trochanter 0.530 H, knee 0.285 H, ankle 0.039 H,
# shoulder-elbow 0.186 H, elbow-wrist 0.146 H, hand 0.108 H, foot 0.152 H, shoulder width
# 0.259 H, hip width 0.191 H, head (chin to crown) 0.130 H. docs/pictures.md cites them.
TRUNK = 0.818 - 0.530
NECK = 0.870 - 0.818
HEAD = 0.130
THIGH = 0.530 - 0.285
SHANK = 0.285 - 0.039
ANKLE_HEIGHT = 0.039
FOOT = 0.152
UPPER_ARM = 0.186
FOREARM = 0.146
HAND = 0.108
SHOULDER_WIDTH = 0.259
HIP_WIDTH = 0.191
# How thick the drawn body is (half a stroke): the trunk rests on the floor at this height.
TRUNK_RADIUS = 0.045
LIMB_RADIUS = 0.025
# Heights of what a posture rests on (fractions of H): a dining chair's seat is about knee
# height, a bed a little higher, a stair step about 0.1 H; a mat is a thin layer.
SEAT_HEIGHT = 0.26
BED_HEIGHT = 0.30
STEP_HEIGHT = 0.10
MAT_THICKNESS = 0.015
SADDLE_HEIGHT = 0.44

# Joints: their human range of motion in degrees (negative = the opposite direction), after
# the usual goniometric norms (Norkin & White, Measurement of Joint Motion, 5th ed., 2016)
# with a few degrees of slack for a drawing. Limb joints take one value for both sides, or
# [near, far]: the side nearer the viewer is drawn solid, the far one lighter.
#   spine: flexion (+, rounds the back) / extension (−, arches it)
#   side-bend: towards the near side (+); twist: the shoulders turn towards the near side (+)
#   neck: flexion (+, chin down) / extension (−)
#   hip: flexion (+) / extension (−); hip-out: abduction (+) / adduction (−);
#   hip-turn: external rotation (+, the knee opens outwards with the foot kept in place)
#   knee, elbow: flexion; ankle: dorsiflexion (+) / plantarflexion (−)
#   shoulder: flexion (+, forwards and up to overhead) / extension (−); shoulder-out:
#   abduction (+, sideways and up); shoulder-turn: external rotation (+, a bent elbow's
#   forearm turns outwards, or up when the arm is out to the side)
BODY_JOINTS: dict[str, tuple[int, int]] = {
    "spine": (-35, 60),
    "side-bend": (-40, 40),
    "twist": (-50, 50),
    "neck": (-60, 50),
}
LIMB_JOINTS: dict[str, tuple[int, int]] = {
    "hip": (-30, 135),
    "hip-out": (-30, 50),
    "hip-turn": (-45, 60),
    "knee": (0, 150),
    "ankle": (-60, 30),
    "shoulder": (-60, 180),
    "shoulder-out": (-30, 180),
    "shoulder-turn": (-70, 90),
    "elbow": (0, 150),
}
# The whole body's lean from its posture's usual line (not a joint: how the body sits in
# the world): forwards (+) or backwards (−). Lying on the back, + lifts the head end.
TILT_RANGE = (-90, 90)
# Within this distance (fraction of H) a part counts as touching what it rests on.
CONTACT_SLACK = 0.03


class Pose(NamedTuple):
    """One key position of an exercise."""

    posture: str
    view: str = "side"
    props: tuple[str, ...] = ()
    tilt: float = 0.0
    body: tuple[tuple[str, float], ...] = ()  # spine, side-bend, twist, neck
    limbs: tuple[tuple[str, float, float], ...] = ()  # (joint, near, far)

    def angle(self, name: str) -> float:
        return dict(self.body).get(name, 0.0)

    def limb(self, name: str) -> tuple[float, float]:
        for joint, near, far in self.limbs:
            if joint == name:
                return near, far
        return 0.0, 0.0

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"posture": self.posture}
        if self.view != "side":
            out["view"] = self.view
        if self.props:
            out["with"] = list(self.props)
        if self.tilt:
            out["tilt"] = _num(self.tilt)
        for name, value in self.body:
            out[name] = _num(value)
        for name, near, far in self.limbs:
            out[name] = _num(near) if near == far else [_num(near), _num(far)]
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Pose:
        body = tuple((k, float(d[k])) for k in BODY_JOINTS if k in d)
        limbs = []
        for k in LIMB_JOINTS:
            if k in d:
                v = d[k]
                near, far = v if isinstance(v, list) else (v, v)
                limbs.append((k, float(near), float(far)))
        return cls(
            d["posture"],
            d.get("view", "side"),
            tuple(d.get("with", ())),
            float(d.get("tilt", 0)),
            body,
            tuple(limbs),
        )


class Poses(NamedTuple):
    """An exercise's key positions: start and end, and an optional middle."""

    start: Pose
    end: Pose
    middle: Pose | None = None

    def positions(self) -> list[tuple[str, Pose]]:
        out = [("start", self.start)]
        if self.middle is not None:
            out.append(("middle", self.middle))
        return out + [("end", self.end)]

    def to_dict(self) -> dict[str, Any]:
        return {name: p.to_dict() for name, p in self.positions()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Poses:
        middle = d.get("middle")
        return cls(
            Pose.from_dict(d["start"]),
            Pose.from_dict(d["end"]),
            None if middle is None else Pose.from_dict(middle),
        )


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


POSE_KEYS: tuple[str, ...] = ("posture", "view", "with", "tilt", *BODY_JOINTS, *LIMB_JOINTS)


def read_pose(raw: Any) -> tuple[dict[str, Any] | None, list[tuple[str, str | None]]]:
    """Check one position's fields as written; returns the plain mapping (or None) and the
    problems, each with the key it concerns."""
    problems: list[tuple[str, str | None]] = []
    if not isinstance(raw, dict):
        return None, [("must be a mapping with a posture and joint angles", None)]
    for key in raw:
        if key not in POSE_KEYS:
            from backcare.domain.suggest import did_you_mean

            problems.append((f"unknown field '{key}'{did_you_mean(str(key), POSE_KEYS)}", str(key)))
    out: dict[str, Any] = {}
    posture = raw.get("posture")
    if posture not in POSTURES:
        what = "is missing" if posture is None else f"is {posture!r}"
        problems.append((f"posture {what}; it must be one of: {', '.join(POSTURES)}", "posture"))
    else:
        out["posture"] = posture
    view = raw.get("view", "side")
    if view not in VIEWS:
        problems.append((f"view is {view!r}; it must be side or front", "view"))
    elif view != "side":
        out["view"] = view
    props = raw.get("with", [])
    if not isinstance(props, list) or any(p not in PROPS for p in props):
        problems.append((f"'with' must be a list of: {', '.join(PROPS)}", "with"))
    elif props:
        out["with"] = list(props)

    def number(key: str, value: Any, low: int, high: int, what: str) -> float | None:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            problems.append((f"{key} must be a number of degrees, not {value!r}", key))
            return None
        if not low <= value <= high:
            problems.append((f"{key} is {_num(value)}°; {what} goes from {low} to {high}", key))
            return None
        return value

    if "tilt" in raw:
        t = number("tilt", raw["tilt"], *TILT_RANGE, "a lean")
        if t is not None:
            out["tilt"] = t
    for key, (low, high) in BODY_JOINTS.items():
        if key in raw:
            v = number(key, raw[key], low, high, f"a human {key}")
            if v is not None:
                out[key] = v
    for key, (low, high) in LIMB_JOINTS.items():
        if key not in raw:
            continue
        value = raw[key]
        if isinstance(value, list):
            if len(value) != 2:
                problems.append((f"{key} must be one angle, or two: [near, far]", key))
                continue
            pair = [number(key, v, low, high, f"a human {key}") for v in value]
            if None not in pair:
                out[key] = pair
        else:
            v = number(key, value, low, high, f"a human {key}")
            if v is not None:
                out[key] = v
    return (out if not problems else None), problems


# --- the body -------------------------------------------------------------------------------


def _add(a: Vec, b: Vec, k: float = 1.0) -> Vec:
    return (a[0] + k * b[0], a[1] + k * b[1], a[2] + k * b[2])


def _scale(a: Vec, k: float) -> Vec:
    return (a[0] * k, a[1] * k, a[2] * k)


def _cross(a: Vec, b: Vec) -> Vec:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def _dot(a: Vec, b: Vec) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def _unit(a: Vec) -> Vec:
    n = math.sqrt(_dot(a, a)) or 1.0
    return _scale(a, 1 / n)


def _rot(v: Vec, axis: Vec, degrees: float) -> Vec:
    """``v`` turned about the unit ``axis`` (Rodrigues' formula)."""
    if not degrees:
        return v
    t = math.radians(degrees)
    c, s = math.cos(t), math.sin(t)
    kxv = _cross(axis, v)
    kdv = _dot(axis, v)
    return (
        v[0] * c + kxv[0] * s + axis[0] * kdv * (1 - c),
        v[1] * c + kxv[1] * s + axis[1] * kdv * (1 - c),
        v[2] * c + kxv[2] * s + axis[2] * kdv * (1 - c),
    )


class Frame(NamedTuple):
    """A body part's directions: up (towards the head), front, and near (the body's side
    that faces the viewer in the side view)."""

    up: Vec
    front: Vec
    near: Vec

    def turned(self, axis: Vec, degrees: float) -> Frame:
        return Frame(
            _rot(self.up, axis, degrees),
            _rot(self.front, axis, degrees),
            _rot(self.near, axis, degrees),
        )


X: Vec = (1.0, 0.0, 0.0)
Y: Vec = (0.0, 1.0, 0.0)
Z: Vec = (0.0, 0.0, 1.0)
# Each posture's pelvis frame in the side view: the picture's x goes right, y up, z towards
# the viewer. Upright postures face right; lying on the back, the head is on the left.
POSTURE_FRAMES: dict[str, Frame] = {
    "standing": Frame(Y, X, Z),
    "sitting": Frame(Y, X, Z),
    "kneeling": Frame(Y, X, Z),
    "all-fours": Frame(X, _scale(Y, -1), Z),
    "lying-back": Frame(_scale(X, -1), Y, Z),
    "lying-front": Frame(X, _scale(Y, -1), Z),
    "lying-side": Frame(X, Z, Y),
}
UPRIGHT = ("standing", "sitting", "kneeling")


class Skeleton(NamedTuple):
    """A posed body: named points (x right, y up, z towards the viewer), y = 0 the floor."""

    points: dict[str, Vec]
    spine_mid: Vec  # where the trunk's curve bows to
    floor: float  # the height of what the body rests on at its lowest (0 = floor)


SIDES = ("near", "far")


def _limbs(points: dict[str, Vec], pose: Pose, pelvis: Frame, chest: Frame) -> None:
    hip_c, sh_c = points["hip"], points["shoulder"]
    for i, side in enumerate(SIDES):
        sign = 1 if side == "near" else -1

        def j(name: str, i: int = i) -> float:
            return pose.limb(name)[i]

        # Leg: abduct in the pelvis's frontal plane, then flex; the knee bends back.
        hip = _add(hip_c, pelvis.near, sign * HIP_WIDTH / 2)
        leg = pelvis.turned(pelvis.front, -sign * j("hip-out"))
        leg = leg.turned(leg.near, j("hip"))
        knee = _add(hip, leg.up, -THIGH)
        shank = leg.turned(leg.near, -j("knee"))
        ankle = _add(knee, shank.up, -SHANK)
        foot = shank.turned(shank.near, j("ankle"))
        heel = _add(_add(ankle, foot.up, -ANKLE_HEIGHT), foot.front, -0.03)
        toe = _add(heel, foot.front, FOOT)
        if j("hip-turn"):
            # External rotation about the line from hip to ankle: the knee opens outwards,
            # the foot stays where it is (a clam, a figure-four).
            axis = _unit(_add(ankle, hip, -1))
            out = _scale(pelvis.near, sign)
            best = None
            for d in (j("hip-turn"), -j("hip-turn")):
                k = _add(hip, _rot(_add(knee, hip, -1), axis, d))
                if best is None or _dot(k, out) > _dot(best[0], out):
                    best = (k, d)
            assert best is not None
            knee = best[0]
            heel = _add(ankle, _rot(_add(heel, ankle, -1), axis, best[1]))
            toe = _add(ankle, _rot(_add(toe, ankle, -1), axis, best[1]))
        points.update(
            {
                f"{side}-hip": hip,
                f"{side}-knee": knee,
                f"{side}-ankle": ankle,
                f"{side}-heel": heel,
                f"{side}-toe": toe,
            }
        )
        # Arm: abduct in the chest's frontal plane, then flex; the elbow bends forwards.
        shoulder = _add(sh_c, chest.near, sign * SHOULDER_WIDTH / 2)
        arm = chest.turned(chest.front, -sign * j("shoulder-out"))
        arm = arm.turned(arm.near, j("shoulder"))
        arm = arm.turned(arm.up, -sign * j("shoulder-turn"))
        elbow = _add(shoulder, arm.up, -UPPER_ARM)
        fore = arm.turned(arm.near, j("elbow"))
        wrist = _add(elbow, fore.up, -FOREARM)
        hand = _add(wrist, fore.up, -HAND * 0.35)
        points.update(
            {
                f"{side}-shoulder": shoulder,
                f"{side}-elbow": elbow,
                f"{side}-wrist": wrist,
                f"{side}-hand": hand,
            }
        )


def _raw_skeleton(pose: Pose) -> tuple[dict[str, Vec], Vec]:
    pelvis = POSTURE_FRAMES[pose.posture]
    if pose.view == "front" and pose.posture in UPRIGHT:
        pelvis = pelvis.turned(Y, -90)  # face the viewer
    if pose.posture == "lying-side":  # seen from the front: + lifts the head end
        pelvis = pelvis.turned(pelvis.front, pose.tilt)
    else:
        pelvis = pelvis.turned(pelvis.near, -pose.tilt)
    # The trunk: its chord from hip to shoulder leans with the pelvis; the spine's flexion
    # bows the curve backwards and tips the chest forwards; side bend and twist turn it.
    spine = pose.angle("spine")
    chest = pelvis.turned(pelvis.front, pose.angle("side-bend"))
    chest = chest.turned(chest.up, -pose.angle("twist"))
    points: dict[str, Vec] = {"hip": (0.0, 0.0, 0.0)}
    points["shoulder"] = _add(points["hip"], chest.up, TRUNK)
    bow = TRUNK / 2 * math.tan(math.radians(spine) / 4)
    mid = _add(_add(points["hip"], chest.up, TRUNK / 2), chest.front, -bow)
    chest = chest.turned(chest.near, -spine / 2)
    head = chest.turned(chest.near, -pose.angle("neck"))
    points["neck"] = _add(points["shoulder"], head.up, NECK)
    points["head"] = _add(points["neck"], head.up, HEAD / 2)
    # Where the face is, for a nose mark that shows which way the head looks.
    points["face"] = _add(points["head"], head.front, HEAD / 2)
    _limbs(points, pose, pelvis, chest)
    return points, mid


# Which points each posture rests on.
SUPPORTS: dict[str, tuple[str, ...]] = {
    "standing": ("near-heel", "near-toe", "far-heel", "far-toe"),
    "kneeling": ("near-knee", "far-knee"),
    "all-fours": ("near-knee", "far-knee"),
    "sitting": ("hip",),
    "lying-back": ("hip", "shoulder", "head"),
    "lying-front": ("hip", "shoulder", "head"),
    "lying-side": (
        "hip",
        "shoulder",
        "far-elbow",
        "far-knee",
        "far-hip",
        "far-shoulder",
        "far-heel",
        "far-toe",
    ),
}
TRUNK_POINTS = ("hip", "shoulder")


def radius(name: str) -> float:
    if name in TRUNK_POINTS:
        return TRUNK_RADIUS
    if name == "head":
        return HEAD / 2
    return LIMB_RADIUS


def support_height(pose: Pose) -> float:
    """The height of the surface the posture rests on."""
    if pose.posture == "sitting":
        if "bike" in pose.props:
            return SADDLE_HEIGHT
        if "chair" in pose.props:
            return SEAT_HEIGHT
        if "bed" in pose.props:
            return BED_HEIGHT
    elif pose.posture.startswith("lying") and "bed" in pose.props:
        return BED_HEIGHT
    return MAT_THICKNESS if "mat" in pose.props else 0.0


def skeleton(pose: Pose) -> Skeleton:
    """The posed body, resting on its support."""
    points, mid = _raw_skeleton(pose)
    lowest = min(points[n][1] - radius(n) for n in SUPPORTS[pose.posture])
    lift = support_height(pose) - lowest
    moved = {n: (p[0], p[1] + lift, p[2]) for n, p in points.items()}
    return Skeleton(moved, (mid[0], mid[1] + lift, mid[2]), support_height(pose))


PART_WORDS = {"head": "the head", "hip": "the pelvis", "shoulder": "the shoulders"}


def part_word(name: str) -> str:
    if name in PART_WORDS:
        return PART_WORDS[name]
    side, _, part = name.partition("-")
    return f"the {side} {part}"


def body_problems(pose: Pose) -> list[str]:
    """What breaks the body in this pose: a part through the floor (or what it rests on),
    and a support it should lean on but does not reach."""
    problems: list[str] = []
    sk = skeleton(pose)
    in_water = "water" in pose.props
    # A body on a chair or a bed still has the floor under its feet.
    floor = 0.0 if pose.posture in ("sitting",) or "bed" in pose.props else sk.floor
    if not in_water:
        for name, p in sk.points.items():
            if name == "face":
                continue
            depth = floor - (p[1] - radius(name))
            if depth > CONTACT_SLACK:
                problems.append(
                    f"{part_word(name)} goes {round(depth * 100)} cm through the "
                    f"floor (for a body 1 m tall)"
                )
    if pose.posture == "all-fours":
        gap = min(sk.points[f"{s}-hand"][1] - LIMB_RADIUS for s in SIDES) - sk.floor
        if gap > CONTACT_SLACK:
            problems.append(
                f"on all fours a hand must reach the floor; the lower hand is "
                f"{round(gap * 100)} cm above it (for a body 1 m tall)"
            )
    if pose.posture == "standing" and "bike" not in pose.props:
        feet = [sk.points[f"{s}-{p}"][1] for s in SIDES for p in ("heel", "toe")]
        if min(feet) - LIMB_RADIUS - sk.floor > CONTACT_SLACK:
            problems.append("standing, a foot must be on the floor")
    return problems


def poses_problems(poses: Poses) -> list[tuple[str, str]]:
    """Each position's problems, with the position's name; and start and end must differ."""
    out = [(name, msg) for name, p in poses.positions() for msg in body_problems(p)]
    if poses.start == poses.end:
        out.append(("end", "the end position is the same as the start: show the movement"))
    return out
