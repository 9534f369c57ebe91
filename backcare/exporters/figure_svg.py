"""An exercise's pictures as SVG, for anyone who wants the figure elsewhere (issue 26):
``backcare exercises show ID --svg FILE``. The same shapes as the terminal and the PDF."""

from __future__ import annotations

from xml.sax.saxutils import escape

from backcare.domain.figure import BODY, FAR, PROP, Figure, Shape
from backcare.domain.models import Exercise

COLOURS = {BODY: "#000000", FAR: "#6e6e6e", PROP: "#9a9a9a"}
PANEL = 240  # each position's height, in SVG units
GAP = 48
LABEL = 28


def _shape(s: Shape, m: tuple[float, float, float, float]) -> str:
    scale, ox, oy, top = m

    def pt(x: float, y: float) -> str:
        return f"{ox + x * scale:.1f},{top - (y - oy) * scale:.1f}"

    stroke = f'stroke="{COLOURS[s.tone]}" stroke-width="{max(1.0, s.width * scale):.1f}"'
    if s.kind == "circle":
        cx, cy = pt(*s.points[0]).split(",")
        return f'<circle cx="{cx}" cy="{cy}" r="{s.r * scale:.1f}" fill="white" {stroke}/>'
    points = " ".join(pt(x, y) for x, y in s.points)
    if s.kind == "box":
        return f'<polygon points="{points}" fill="#eeeeee" {stroke}/>'
    return (
        f'<polyline points="{points}" fill="none" {stroke} stroke-linecap="round" '
        f'stroke-linejoin="round"/>'
    )


def figure_svg(figure: Figure, title: str) -> str:
    x0, y0, x1, y1 = figure.frame
    scale = PANEL / (y1 - y0)
    width = (x1 - x0) * scale
    n = len(figure.drawings)
    total = n * width + (n - 1) * GAP
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total:.0f}" '
        f'height="{PANEL + LABEL}" viewBox="0 0 {total:.0f} {PANEL + LABEL}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, d in enumerate(figure.drawings):
        left = i * (width + GAP)
        m = (scale, left - x0 * scale, y0, PANEL)
        parts.append(f'<g id="{d.name}">')
        parts += [_shape(s, m) for s in d.shapes]
        parts.append(
            f'<text x="{left + width / 2:.1f}" y="{PANEL + LABEL - 8}" '
            f'text-anchor="middle" font-family="sans-serif" font-size="16">'
            f"{d.name}</text></g>"
        )
        if i:
            ax = left - GAP / 2
            parts.append(
                f'<path d="M{ax - 14:.1f},{PANEL / 2:.1f} h24 m-8,-8 l8,8 l-8,8" '
                f'fill="none" stroke="#000" stroke-width="3"/>'
            )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def card_svg(title: str) -> str:
    """A plain card with the name: an exercise from a library without poses."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="360" height="120" '
        f'viewBox="0 0 360 120"><title>{escape(title)}</title>'
        f'<rect x="2" y="2" width="356" height="116" rx="10" fill="white" stroke="#000" '
        f'stroke-width="2"/><text x="180" y="66" text-anchor="middle" '
        f'font-family="sans-serif" font-size="20">{escape(title)}</text></svg>\n'
    )


def exercise_svg(exercise: Exercise) -> str:
    from backcare.domain.figure import figure_for

    if exercise.poses is None:
        return card_svg(exercise.name)
    return figure_svg(figure_for(exercise.poses), exercise.name)
