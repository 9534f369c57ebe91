"""An exercise's pictures at the terminal: its start and end side by side (issue 26).

Braille characters give each character cell 2 × 4 dots, enough for a clear figure in 14
rows. A terminal that cannot show Unicode gets the same lines in ASCII. Colour is never
needed: the far limbs and the equipment are dimmed, which ``NO_COLOR`` leaves as plain
characters, so the figures stay.
"""

from __future__ import annotations

import math
import os
from typing import TYPE_CHECKING

from backcare.domain.figure import BODY, FAR, PROP, Figure, figure_for
from backcare.domain.models import Exercise
from backcare.render.raster import TONES, draw, fit

if TYPE_CHECKING:
    from rich.text import Text

ROWS = 14  # the issue asks for 12 to 16
MIN_WIDTH = 60  # narrower terminals get no pictures (a session keeps its words)
GAP = 4
# Braille dot bits by (column, row) within a cell (Unicode's braille patterns).
BRAILLE_BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
STYLES = {TONES[BODY]: "", TONES[FAR]: "dim", TONES[PROP]: "dim"}


def unicode_ok() -> bool:
    """Whether the terminal can show braille: a UTF-8 stdout, and not the Linux console,
    whose font has no braille."""
    import sys

    encoding = str(getattr(sys.stdout, "encoding", None) or "utf-8")
    utf = encoding.lower().replace("-", "").startswith("utf")
    return utf and os.environ.get("TERM") not in ("linux", "vt100", "vt220")


Panel = list[list[tuple[str, int]]]  # rows of (character, tone)


def _braille(figure: Figure, cols: int, rows: int) -> list[Panel]:
    """Each drawing as rows of (character, tone) cells."""
    out: list[Panel] = []
    for d in figure.drawings:
        g = draw(d, figure.frame, cols * 2, rows * 4, thin=True)
        cells = []
        for r in range(rows):
            line = []
            for c in range(cols):
                bits, tone = 0, 0
                for dx in range(2):
                    for dy in range(4):
                        v = g.cells[r * 4 + dy][c * 2 + dx]
                        if v:
                            bits |= BRAILLE_BITS[dx][dy]
                            tone = max(tone, v)
                line.append((chr(0x2800 + bits) if bits else " ", tone))
            cells.append(line)
        out.append(cells)
    return out


def _ascii(figure: Figure, cols: int, rows: int) -> list[Panel]:
    """Each drawing in ASCII: a line's slope picks its character."""
    out: list[Panel] = []
    for d in figure.drawings:
        # A character is about twice as tall as it is wide: two vertical units a row.
        m = fit(figure.frame, cols, rows * 2)
        grid: Panel = [[(" ", 0)] * cols for _ in range(rows)]

        def put(
            x: float, y: float, ch: str, tone: int, grid: list[list[tuple[str, int]]] = grid
        ) -> None:
            c, r = round(x), int(y // 2)
            if 0 <= r < rows and 0 <= c < cols and grid[r][c][1] <= tone:
                grid[r][c] = (ch, tone)

        for shape in d.shapes:
            tone = TONES[shape.tone]
            pts = [m(x, y) for x, y in shape.points]
            if shape.kind == "circle":
                put(pts[0][0], pts[0][1], "O", tone)
                continue
            if shape.kind == "box":
                pts = pts + pts[:1]
            for a, b in zip(pts, pts[1:], strict=False):
                dx, dy = b[0] - a[0], (b[1] - a[1]) / 2
                angle = math.degrees(math.atan2(-dy, dx)) % 180
                ch = (
                    ("_" if tone == TONES[PROP] else "-")
                    if angle < 22 or angle > 158
                    else "|"
                    if 68 < angle < 112
                    else "/"
                    if angle < 90
                    else "\\"
                )
                n = max(1, math.ceil(max(abs(b[0] - a[0]), abs(b[1] - a[1])) * 1.5))
                for i in range(n + 1):
                    t = i / n
                    put(a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, ch, tone)
        out.append(grid)
    return out


def figure_lines(
    exercise: Exercise, width: int, unicode: bool | None = None, rows: int = ROWS
) -> list[Text]:
    """The exercise's positions side by side, as lines of rich Text; none for an exercise
    without poses (a library without pictures) or a terminal too narrow."""
    from rich.text import Text

    if width < MIN_WIDTH:
        return []
    use_unicode = unicode_ok() if unicode is None else unicode
    if exercise.poses is None:
        return _card(exercise.name, width, use_unicode)
    figure = figure_for(exercise.poses)
    n = len(figure.drawings)
    # A cell is about twice as tall as it is wide: 2 × 4 braille dots, or one ASCII
    # character counted as two units high.
    want = math.ceil(rows * 2 * figure.aspect)
    cols = max(8, min(want, (width - GAP * (n - 1) - 2) // n))
    panels = (_braille if use_unicode else _ascii)(figure, cols, rows)
    arrow = " → " if use_unicode else " > "
    # A lying figure is wide and low: its empty rows above are left out.
    first = next(
        (r for r in range(rows) if any(ch != " " for panel in panels for ch, _ in panel[r])), 0
    )
    lines = []
    for r in range(first, rows):
        text = Text(" ")
        for i, panel in enumerate(panels):
            if i:
                mid = r == (first + rows) // 2
                text.append((arrow if mid else " " * len(arrow)).center(GAP))
            for ch, tone in panel[r]:
                text.append(ch, style=STYLES.get(tone, ""))
        lines.append(text)
    labels = Text(" ")
    for i, d in enumerate(figure.drawings):
        if i:
            labels.append(" " * GAP)
        labels.append(d.name.center(cols), style="dim")
    lines.append(labels)
    return lines


def _card(name: str, width: int, unicode: bool) -> list[Text]:
    """An exercise from a library without poses: a plain card with its name."""
    from rich.text import Text

    label = " ".join(name.split())[: width - 8]
    tl, tr, bl, br, h, v = (
        ("┌", "┐", "└", "┘", "─", "│") if unicode else ("+", "+", "+", "+", "-", "|")
    )
    edge = h * (len(label) + 4)
    return [
        Text(f" {tl}{edge}{tr}", style="dim"),
        Text.assemble((f" {v}  ", "dim"), label, (f"  {v}", "dim")),
        Text(f" {bl}{edge}{br}", style="dim"),
    ]


def print_figure(exercise: Exercise, width: int | None = None) -> bool:
    """Print the pictures; False when there were none to print."""
    from backcare.render.ui import out

    con = out()
    lines = figure_lines(exercise, width if width is not None else con.width)
    for line in lines:
        con.print(line, soft_wrap=True)
    return bool(lines)
