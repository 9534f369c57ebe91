"""An exercise's pictures drawn into a PDF with fpdf2's own lines and circles, as the
report's charts are: no image files (issue 26). The same shapes as the terminal and SVG."""

from __future__ import annotations

from typing import TYPE_CHECKING

from backcare.domain.figure import BODY, FAR, PROP, Figure, Shape

if TYPE_CHECKING:
    from fpdf import FPDF

# Black and white print: the body black, the far limbs mid grey, what it uses light grey.
INKS = {BODY: (0, 0, 0), FAR: (125, 125, 125), PROP: (160, 160, 160)}
PROP_FILL = (235, 235, 235)
ARROW_W = 9.0  # the room an arrow takes between two pictures, in mm


def _shape(pdf: FPDF, s: Shape, scale: float, ox: float, oy: float) -> None:
    def pt(x: float, y: float) -> tuple[float, float]:
        return (ox + x * scale, oy - y * scale)

    pdf.set_draw_color(*INKS[s.tone])
    pdf.set_line_width(max(0.15, s.width * scale))
    if s.kind == "circle":
        cx, cy = pt(*s.points[0])
        r = s.r * scale
        pdf.set_fill_color(255, 255, 255)
        pdf.ellipse(cx - r, cy - r, 2 * r, 2 * r, style="DF")
    elif s.kind == "box":
        pdf.set_fill_color(*PROP_FILL)
        pdf.polygon([pt(x, y) for x, y in s.points], style="DF")
    else:
        pts = [pt(x, y) for x, y in s.points]
        for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False):
            pdf.line(x0, y0, x1, y1)  # one stroke per segment


def draw_figure(
    pdf: FPDF, figure: Figure, x: float, y: float, w: float, h: float, arrow: bool = True
) -> float:
    """The positions side by side in the box (x, y, w, h), with an arrow between each two;
    returns the width used."""
    n = len(figure.drawings)
    gap = min(ARROW_W, w * 0.12) if arrow else 2.0
    fx0, fy0, fx1, fy1 = figure.frame
    scale = min((w - gap * (n - 1)) / n / (fx1 - fx0), h / (fy1 - fy0))
    panel = (fx1 - fx0) * scale
    used = n * panel + (n - 1) * gap
    bottom = y + h - (h - (fy1 - fy0) * scale) / 2
    with pdf.local_context(stroke_cap_style="ROUND", stroke_join_style="ROUND"):
        for i, d in enumerate(figure.drawings):
            left = x + i * (panel + gap)
            for s in d.shapes:
                _shape(pdf, s, scale, left - fx0 * scale, bottom + fy0 * scale)
            if i and arrow:
                _arrow(pdf, left - gap / 2, y + h / 2, gap / ARROW_W)
    return used


def _arrow(pdf: FPDF, cx: float, cy: float, k: float = 1.0) -> None:
    """The movement's arrow, ``k`` times its full size."""
    pdf.set_draw_color(0, 0, 0)
    pdf.set_fill_color(0, 0, 0)
    pdf.set_line_width(0.6 * k)
    pdf.line(cx - 3.2 * k, cy, cx + 1.6 * k, cy)
    pdf.polygon(
        [(cx + 3.4 * k, cy), (cx + 1.0 * k, cy - 1.6 * k), (cx + 1.0 * k, cy + 1.6 * k)], style="F"
    )
