"""The exercise library, loaded: look-ups and filters over validated exercises.

Reading and checking the YAML files is :mod:`backcare.loading.library`'s job; this is what
the planner and the views use once that is done.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from backcare.domain.models import CATEGORIES, EQUIPMENT, Exercise
from backcare.domain.suggest import unknown_id_message
from backcare.errors import BackcareError, UsageProblem


@dataclass(frozen=True)
class Library:
    exercises: dict[str, Exercise]
    files: tuple[str, ...]
    # A former id → the id its exercise goes by now (issue 27), from each exercise's
    # ``aliases``: the one place where an old id becomes the new one.
    aliases: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "aliases", {old: e.id for e in self.exercises.values() for old in e.aliases}
        )

    def canonical(self, exercise_id: str) -> str:
        """The id an exercise goes by now: a former id becomes the current one, and any
        other id (a current one, or one the library does not know) stays as it is."""
        return self.aliases.get(exercise_id, exercise_id)

    def get(self, exercise_id: str) -> Exercise:
        """The exercise of an id, current or former."""
        try:
            return self.exercises[self.canonical(exercise_id)]
        except KeyError:
            raise BackcareError(unknown_id_message(exercise_id, self.exercises)) from None

    def __contains__(self, exercise_id: object) -> bool:
        if not isinstance(exercise_id, str):
            return False
        return self.canonical(exercise_id) in self.exercises

    def __iter__(self) -> Iterator[Exercise]:
        return iter(self.exercises.values())

    def __len__(self) -> int:
        return len(self.exercises)

    def by_category(self, category: str) -> list[Exercise]:
        return [e for e in self.exercises.values() if e.category == category]

    def categories(self) -> dict[str, str]:
        """Exercise id → category, for counting aerobic minutes."""
        return {e.id: e.category for e in self.exercises.values()}

    def names(self) -> dict[str, str]:
        return {e.id: e.name for e in self.exercises.values()}

    def first_ids(self) -> dict[str, str]:
        """A renamed exercise's current id → the id it was first known by (its aliases are
        listed oldest first): what identifiers made from an id keep (issue 27)."""
        return {e.id: e.aliases[0] for e in self.exercises.values() if e.aliases}


def filter_exercises(
    library: Library, category: str | None, equipment: str | None
) -> list[Exercise]:
    """Exercises of one category and/or doable with one piece of equipment (plus none)."""
    if category is not None and category not in CATEGORIES:
        raise UsageProblem(f"--category '{category}' is not one of: {', '.join(CATEGORIES)}")
    if equipment is not None and equipment not in EQUIPMENT:
        raise UsageProblem(f"--equipment '{equipment}' is not one of: {', '.join(EQUIPMENT)}")
    chosen = [e for e in library if category is None or e.category == category]
    if equipment is not None:
        chosen = [e for e in chosen if set(e.equipment) <= {"none", equipment}]
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(chosen, key=lambda e: (order[e.category], e.level, e.name))


def search_exercises(library: Library, text: str) -> list[Exercise]:
    """Exercises matching what a physiotherapist types (issue 16): every word must be found
    in the exercise's id (or a former one), name, category, position or targets. Ordered
    like the library's list: by category, level and name."""
    words = text.casefold().split()
    order = {c: i for i, c in enumerate(CATEGORIES)}

    def fits(e: Exercise) -> bool:
        hay = " ".join((e.id, *e.aliases, e.name, e.category, e.position, *e.targets)).casefold()
        return all(w in hay for w in words)

    return sorted(
        (e for e in library if fits(e)),
        key=lambda e: (order.get(e.category, len(order)), e.level, e.name),
    )
