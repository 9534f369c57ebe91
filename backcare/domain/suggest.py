"""Did-you-mean: one wording for every message that names a mistyped word."""

from __future__ import annotations

from collections.abc import Iterable


def close_matches(word: str, options: Iterable[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    """Candidates close to ``word``. difflib loads only when something was mistyped."""
    import difflib

    return difflib.get_close_matches(word, list(options), n=n, cutoff=cutoff)


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """ " (did you mean 'x'?)" for a near miss, else nothing."""
    close = close_matches(word, options, n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unknown_id_message(exercise_id: str, known: Iterable[str]) -> str:
    close = close_matches(exercise_id, list(known), n=3, cutoff=0.6)
    hint = (
        f"; did you mean {' or '.join(repr(c) for c in close)}?"
        if close
        else "; 'backcare exercises list' shows them all"
    )
    return f"no exercise with id '{exercise_id}'{hint}"
