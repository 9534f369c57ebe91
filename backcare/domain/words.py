"""Numbers and dates in words: one way of writing each, wherever a figure is shown (the
terminal, the report, an alert's message)."""

from __future__ import annotations

from datetime import date

MINUS = "\u2212"  # a typographic minus: "−3.4" reads as a change, not as a dash
NONE = "–"  # a figure that does not exist (no check-in yet)


def num(value: float | str | None) -> str:
    """A figure as shown: at most one decimal, no trailing zero (46.7, 100, 3)."""
    if value is None:
        return NONE
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value != int(value):
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.0f}"


def signed(value: float | None, unit: str = "") -> str:
    """A change, always with its sign: +2, −3.4, ±0."""
    if value is None:
        return NONE
    sign = MINUS if value < 0 else "+" if value > 0 else "±"
    return f"{sign}{num(abs(value))}{unit}"


def signed_points(value: float) -> str:
    """A change in points: "−1 point", "+2 points", "−1.5 points"."""
    return f"{signed(value)} {'point' if abs(value) == 1 else 'points'}"


def say_date(d: date) -> str:
    """A date as people write it: 3 Mar 2026."""
    return f"{d.day} {d:%b %Y}"


def short_date(d: date, ref: date | None = None) -> str:
    """3 Mar; with the year when it is not ``ref``'s year."""
    text = f"{d.day} {d:%b}"
    return text if ref is None or d.year == ref.year else f"{text} {d.year}"


def plural(n: float, one: str, many: str | None = None) -> str:
    """ "1 day", "2 days", "1 exercise", "0 exercises"."""
    word = one if n == 1 else (many or one + "s")
    return f"{num(n)} {word}"


HALF = "\u00bd"


def spoken_duration(seconds: float) -> str:
    """A time the way people say it: "35 s" (to 5 s under a minute), "1½ min" (to half a
    minute up to ten), "17 min" beyond: never "87 s" or "16.9 minutes" (issue 27)."""
    if seconds < 60:
        return f"{max(5, round(seconds / 5) * 5):.0f} s" if seconds > 0 else "0 s"
    if seconds < 600:
        halves = round(seconds / 30)
        whole, half = divmod(halves, 2)
        return f"{whole}{HALF if half else ''} min"
    return f"{round(seconds / 60)} min"


def spoken_minutes(minutes: float) -> str:
    """A number of minutes as people say it: "about 17 minutes" (see spoken_duration)."""
    text = spoken_duration(minutes * 60)
    if text.endswith(" min"):
        n = text.removesuffix(" min")
        return f"{n} minute" if n == "1" else f"{n} minutes"
    return text
