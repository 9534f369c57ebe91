"""A figure drawn into a grid of dots: for the terminal's braille, half blocks and ASCII,
and for the PNG the tests and the README's picture look at (issue 26).

Pure Python, no terminal: a drawing becomes a grid of tones, 0 for nothing, then the props,
the far limbs and the body (:data:`TONES`), each dot holding the darkest tone drawn on it.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from backcare.domain.figure import BODY, FAR, PROP, Drawing, Figure

TONES = {PROP: 1, FAR: 2, BODY: 3}


class Grid(NamedTuple):
    width: int
    height: int
    cells: list[list[int]]  # [row][col], row 0 at the top

    def ink(self, tone: int | None = None) -> list[tuple[int, int]]:
        """(col, row) of every dot drawn (of one tone, when given)."""
        return [
            (c, r)
            for r, row in enumerate(self.cells)
            for c, v in enumerate(row)
            if v and (tone is None or v == tone)
        ]


class Mapping(NamedTuple):
    scale: float
    ox: float
    oy: float
    height: int

    def __call__(self, x: float, y: float) -> tuple[float, float]:
        return (self.ox + x * self.scale, self.height - 1 - (self.oy + y * self.scale))


def fit(frame: tuple[float, float, float, float], width: int, height: int, pad: int = 1) -> Mapping:
    """Body units to dots: the frame scaled to fit, centred, floor at the bottom."""
    x0, y0, x1, y1 = frame
    scale = min((width - 1 - 2 * pad) / (x1 - x0), (height - 1 - 2 * pad) / (y1 - y0))
    ox = (width - 1 - (x1 - x0) * scale) / 2 - x0 * scale
    oy = pad - y0 * scale
    return Mapping(scale, ox, oy, height)


def _stamp(cells: list[list[int]], x: float, y: float, r: float, tone: int) -> None:
    h, w = len(cells), len(cells[0])
    ri = max(0, math.ceil(r))
    cx, cy = round(x), round(y)
    for row in range(cy - ri, cy + ri + 1):
        if not 0 <= row < h:
            continue
        for col in range(cx - ri, cx + ri + 1):
            if (
                0 <= col < w
                and (col - x) ** 2 + (row - y) ** 2 <= r * r + 0.25
                and cells[row][col] < tone
            ):
                cells[row][col] = tone


def _segment(
    cells: list[list[int]], a: tuple[float, float], b: tuple[float, float], r: float, tone: int
) -> None:
    n = max(1, math.ceil(math.hypot(b[0] - a[0], b[1] - a[1]) * 2))
    for i in range(n + 1):
        t = i / n
        _stamp(cells, a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, r, tone)


def draw(
    drawing: Drawing,
    frame: tuple[float, float, float, float],
    width: int,
    height: int,
    thin: bool = False,
) -> Grid:
    """``thin`` draws every stroke one dot wide (for the terminal's coarse dots)."""
    m = fit(frame, width, height)
    cells = [[0] * width for _ in range(height)]
    for shape in drawing.shapes:
        tone = TONES[shape.tone]
        r = 0.0 if thin else max(0.5, shape.width * m.scale / 2)
        pts = [m(x, y) for x, y in shape.points]
        if shape.kind == "circle":
            cx, cy = pts[0]
            rad = shape.r * m.scale
            steps = max(12, math.ceil(rad * 7))
            ring = [
                (
                    cx + rad * math.cos(2 * math.pi * i / steps),
                    cy + rad * math.sin(2 * math.pi * i / steps),
                )
                for i in range(steps + 1)
            ]
            for a, b in zip(ring, ring[1:], strict=False):
                _segment(cells, a, b, r, tone)
        elif shape.kind == "box":
            for a, b in zip(pts, pts[1:] + pts[:1], strict=True):
                _segment(cells, a, b, r, tone)
        else:
            for a, b in zip(pts, pts[1:], strict=False):
                _segment(cells, a, b, r, tone)
            if len(pts) == 1:
                _stamp(cells, *pts[0], r, tone)
    return Grid(width, height, cells)


# --- PNG (for tests, the README picture and people checking a pose) -------------------------

PNG_COLOURS = {0: (255, 255, 255), 1: (150, 150, 150), 2: (110, 110, 110), 3: (0, 0, 0)}


def png_bytes(grids: list[Grid], gap: int = 8) -> bytes:
    """Grids side by side as a greyscale PNG (zlib only: no imaging library)."""
    import struct
    import zlib

    height = max(g.height for g in grids)
    rows = []
    for r in range(height):
        line = bytearray([0])  # filter: none
        for i, g in enumerate(grids):
            if i:
                line += bytes([255]) * gap
            for c in range(g.width):
                v = g.cells[r][c] if r < g.height else 0
                line.append(PNG_COLOURS[v][0])
        rows.append(bytes(line))
    width = sum(g.width for g in grids) + gap * (len(grids) - 1)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def figure_png(figure: Figure, height: int = 160) -> bytes:
    width = max(24, round(height * figure.aspect))
    return png_bytes([draw(d, figure.frame, width, height) for d in figure.drawings])
