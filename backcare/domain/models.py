"""Plain domain records. No terminal, no storage: just data and its (de)serialisation.

The immutable records are NamedTuples rather than frozen dataclasses: a frozen dataclass
compiles five methods when its module loads, and every command loads these (issue 7).
Change one with ``record._replace(...)``.

Dates are ``datetime.date`` in the domain and ISO strings (``YYYY-MM-DD``) on disk and in JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, NamedTuple

from backcare.domain.poses import Poses

# Closed vocabularies of the exercise library (issue 2; CLINICAL.md §1 for the categories).
CATEGORIES: tuple[str, ...] = ("stretching", "strengthening", "aerobic", "posture")
EQUIPMENT: tuple[str, ...] = (
    "none",
    "mat",
    "chair",
    "wall",
    "step",
    "exercise-ball",
    "resistance-band",
    "pool",
    "exercise-bike",
    "bicycle",
)
# "bike" was one name for two things: an exercise bike indoors and a bicycle outdoors, which a
# pregnancy rule treats differently (CLINICAL.md §8). A profile saved with it has both.
LEGACY_EQUIPMENT: dict[str, tuple[str, ...]] = {"bike": ("exercise-bike", "bicycle")}
POSITIONS: tuple[str, ...] = ("lying", "kneeling", "sitting", "standing", "moving")
TARGETS: tuple[str, ...] = (
    "hamstrings",
    "hip-flexors",
    "glutes",
    "abdominals",
    "back-extensors",
    "hips",
    "lumbar-mobility",
    "thoracic-spine",
    "legs",
    "whole-body",
    "posture",
)
# What a condition's rule can act on (CLINICAL.md §8), named in the library's ``tags``.
TAGS: tuple[str, ...] = (
    "supine",  # lying on the back
    "prone",  # lying on the front
    "loaded-flexion",  # bending the spine forward under a load (sit-ups, lifting bent over)
    "end-range-flexion",  # bending the spine forward as far as it goes
    "end-range-twist",  # twisting the spine as far as it goes
    "high-impact",  # jumping, running
    "fall-risk",  # a real chance of a fall or a blow (a bicycle, balancing on one leg)
    "spinal-mobility",  # moves the spine gently through its range
    "extension",  # bends the back backwards: back-extension work
    "balance",  # graded balance work (osteoporosis favours it, CLINICAL.md §8)
)
DOSE_FIELDS: tuple[str, ...] = ("sets", "reps", "hold_seconds", "duration_minutes")
STATUSES: tuple[str, ...] = ("done", "partial", "skipped")
SYMPTOMS: tuple[str, ...] = (
    "numbness",
    "tingling",
    "weakness",
    "bladder-bowel",
    "saddle-numbness",
    "walking-change",
    "worsening-weakness",
    "fever",
    "night-pain",
    "weight-loss",
    "sexual-dysfunction",
)
# Red flags whose advice is to see a GP within days, not to stop (docs/clinical.md §5, issue
# 21): unexplained weight loss alone, one severity at init and at a check-in. They are kept
# with the profile's red flags, and never stop the programme by themselves.
SEE_GP_RED_FLAGS: frozenset[str] = frozenset({"weight-loss"})
# The age at which this back pain started, as a band (NICE CKS): under 20 or over 50 is a
# reason to see a GP before starting, not an emergency.
AGE_BANDS: tuple[str, ...] = ("under-20", "20-50", "over-50")
PREGNANCY_WEEK_RANGE = (1, 42)
VISIT_KINDS: tuple[str, ...] = ("manual-therapy", "assessment", "other")
# A clinician's clearance of a red-flag stop (issue 21): a visit of its own kind in the log,
# written only by `backcare clear` (it lifts the stop with it), never by `visit` or `edit`.
CLEARANCE = "clearance"
LOGGED_VISIT_KINDS: tuple[str, ...] = (*VISIT_KINDS, CLEARANCE)
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def parse_iso(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def current_equipment(names: list[str]) -> list[str]:
    """Equipment names as they are now: a legacy name becomes the names it was split into."""
    out: list[str] = []
    for name in names:
        out += LEGACY_EQUIPMENT.get(name, (name,))
    return list(dict.fromkeys(out))


class DoseRange(NamedTuple):
    default: int
    min: int
    max: int


class DoseSpec(NamedTuple):
    """An exercise's dose ranges in the library."""

    sets: DoseRange | None = None
    reps: DoseRange | None = None
    hold_seconds: DoseRange | None = None
    duration_minutes: DoseRange | None = None
    rest_seconds: int = 0

    def ranges(self) -> dict[str, DoseRange]:
        return {f: r for f in DOSE_FIELDS if (r := getattr(self, f)) is not None}


class Dose(NamedTuple):
    """A concrete dose: what to do today, or what was done."""

    sets: int | None = None
    reps: int | None = None
    hold_seconds: int | None = None
    duration_minutes: int | None = None

    def to_dict(self) -> dict[str, int | None]:
        return {f: getattr(self, f) for f in DOSE_FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Dose:
        return cls(
            data.get("sets"),
            data.get("reps"),
            data.get("hold_seconds"),
            data.get("duration_minutes"),
        )

    def describe(self, per_side: bool = False) -> str:
        """A dose in words: "2 × 8, hold 5 s" or "15 min"."""
        if self.duration_minutes is not None and self.reps is None:
            return f"{self.duration_minutes} min"
        parts = []
        if self.reps is not None:
            parts.append(f"{self.sets or 1} × {self.reps}")
        if self.hold_seconds:
            parts.append(f"hold {self.hold_seconds} s")
        if self.duration_minutes is not None:
            parts.append(f"{self.duration_minutes} min")
        text = ", ".join(parts)
        return text + (" each side" if per_side and text else "")


class Exercise(NamedTuple):
    id: str
    name: str
    category: str
    level: int
    position: str
    equipment: tuple[str, ...]
    per_side: bool
    targets: tuple[str, ...]
    instructions: tuple[str, ...]
    cues: tuple[str, ...]
    dose: DoseSpec
    progresses_to: str | None
    regresses_to: str | None
    cautions: tuple[str, ...]
    source: str
    origin: str = ""  # "file:line" where it was defined
    tags: tuple[str, ...] = ()  # from TAGS: what a condition's rule acts on (CLINICAL.md §8)
    tips: tuple[str, ...] = ()  # practical advice; ``cautions`` say when to stop or leave it out
    # Its key positions, for its pictures (issue 26); None in a library without them.
    poses: Poses | None = None
    # Its former ids (issue 27): a log, swap or prescription that names one means this.
    aliases: tuple[str, ...] = ()

    def has(self, *tags: str) -> bool:
        return any(t in self.tags for t in tags)

    def start_dose(self) -> Dose:
        """A new patient starts at the low end of each range (issue 3, CLINICAL.md §2)."""
        return Dose(**{f: r.min for f, r in self.dose.ranges().items()})

    def default_dose(self) -> Dose:
        return Dose(**{f: r.default for f, r in self.dose.ranges().items()})

    def to_dict(self) -> dict[str, Any]:
        def rng(r: DoseRange | None) -> dict[str, int] | None:
            return None if r is None else {"default": r.default, "min": r.min, "max": r.max}

        return {
            "id": self.id,
            "name": self.name,
            "category": self.category,
            "level": self.level,
            "position": self.position,
            "equipment": list(self.equipment),
            "per_side": self.per_side,
            "targets": list(self.targets),
            "instructions": list(self.instructions),
            "cues": list(self.cues),
            "dose": {
                **{f: rng(getattr(self.dose, f)) for f in DOSE_FIELDS},
                "rest_seconds": self.dose.rest_seconds,
            },
            "progresses_to": self.progresses_to,
            "regresses_to": self.regresses_to,
            "cautions": list(self.cautions),
            "tips": list(self.tips),
            "tags": list(self.tags),
            "source": self.source,
            "poses": None if self.poses is None else self.poses.to_dict(),
            "aliases": list(self.aliases),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any], origin: str = "") -> Exercise:
        dose = d["dose"]

        def rng(v: Any) -> DoseRange | None:
            return None if v is None else DoseRange(v["default"], v["min"], v["max"])

        return cls(
            id=d["id"],
            name=d["name"],
            category=d["category"],
            level=d["level"],
            position=d["position"],
            equipment=tuple(d["equipment"]),
            per_side=d["per_side"],
            targets=tuple(d["targets"]),
            instructions=tuple(d["instructions"]),
            cues=tuple(d["cues"]),
            dose=DoseSpec(
                **{f: rng(dose.get(f)) for f in DOSE_FIELDS},
                rest_seconds=dose.get("rest_seconds", 0),
            ),
            progresses_to=d.get("progresses_to"),
            regresses_to=d.get("regresses_to"),
            cautions=tuple(d["cautions"]),
            source=d["source"],
            origin=origin or d.get("origin", ""),
            tags=tuple(d.get("tags") or ()),
            tips=tuple(d.get("tips") or ()),
            poses=None if d.get("poses") is None else Poses.from_dict(d["poses"]),
            aliases=tuple(d.get("aliases") or ()),
        )


class RoutineSwap(NamedTuple):
    """The patient's own change to their routine (``plan swap``, issue 20): from ``day``, the
    family of ``out_id`` is replaced by the family of ``in_id``."""

    day: date
    out_id: str
    in_id: str

    def to_dict(self) -> dict[str, str]:
        return {"date": self.day.isoformat(), "out": self.out_id, "in": self.in_id}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RoutineSwap:
        return cls(date.fromisoformat(d["date"]), str(d["out"]), str(d["in"]))

    def with_current_ids(self, renamed: Mapping[str, str]) -> RoutineSwap:
        return self._replace(
            out_id=renamed.get(self.out_id, self.out_id), in_id=renamed.get(self.in_id, self.in_id)
        )


@dataclass
class Profile:
    start_date: date
    baseline_pain: int | None = None
    minutes_per_day: int = 20
    days_per_week: int = 7
    equipment: list[str] = field(default_factory=lambda: ["none"])
    avoid_positions: list[str] = field(default_factory=list)
    red_flags: list[str] = field(default_factory=list)
    cleared_by_clinician: bool = False
    conditions: list[str] = field(default_factory=list)
    assessed_by_clinician: bool | None = None
    created: date | None = None
    updated: date | None = None
    # The day of the last clinician clearance: check-ins after it that report a red flag
    # stop the programme again (safety.red_flag_stop).
    cleared_on: date | None = None
    # A stable, pseudonymous identifier made once (storage.ids.new_patient_id) and never
    # changed: a clinic recognises the same patient in each of their exports (issue 16).
    patient_id: str | None = None
    # The patient's own swaps in their routine, oldest first (issue 20).
    routine_swaps: list[RoutineSwap] = field(default_factory=list)
    # The screen's age band at onset (AGE_BANDS; None: not asked, or answered "no" with
    # --no-red-flags), and the week of pregnancy on the day it was given (issue 21).
    age_band: str | None = None
    pregnancy_week: int | None = None
    pregnancy_week_on: date | None = None

    @property
    def blocked_by_red_flag(self) -> bool:
        """A red flag stops the programme until a clinician clears it (CLINICAL.md §5);
        weight loss alone is advice to see a GP (SEE_GP_RED_FLAGS)."""
        return bool(set(self.red_flags) - SEE_GP_RED_FLAGS) and not self.cleared_by_clinician

    def with_current_ids(self, renamed: Mapping[str, str]) -> Profile:
        """This profile with its swaps naming exercises by their current ids (``renamed``:
        a former id → the current one, Library.aliases; issue 27)."""
        if not any(s.out_id in renamed or s.in_id in renamed for s in self.routine_swaps):
            return self
        return replace(
            self, routine_swaps=[s.with_current_ids(renamed) for s in self.routine_swaps]
        )

    def week_of_pregnancy(self, day: date) -> int | None:
        """The week of pregnancy on ``day``, counted on from the week given."""
        if self.pregnancy_week is None or self.pregnancy_week_on is None:
            return None
        return self.pregnancy_week + max(0, (day - self.pregnancy_week_on).days) // 7

    def to_dict(self) -> dict[str, Any]:
        return {
            "start_date": iso(self.start_date),
            "baseline_pain": self.baseline_pain,
            "minutes_per_day": self.minutes_per_day,
            "days_per_week": self.days_per_week,
            "equipment": list(self.equipment),
            "avoid_positions": list(self.avoid_positions),
            "red_flags": list(self.red_flags),
            "cleared_by_clinician": self.cleared_by_clinician,
            "conditions": list(self.conditions),
            "assessed_by_clinician": self.assessed_by_clinician,
            "created": iso(self.created),
            "updated": iso(self.updated),
            "cleared_on": iso(self.cleared_on),
            "patient_id": self.patient_id,
            # Written only when there are some: every profile from before keeps its shape.
            **(
                {"routine_swaps": [s.to_dict() for s in self.routine_swaps]}
                if self.routine_swaps
                else {}
            ),
            **({"age_band": self.age_band} if self.age_band else {}),
            **(
                {
                    "pregnancy_week": self.pregnancy_week,
                    "pregnancy_week_on": iso(self.pregnancy_week_on),
                }
                if self.pregnancy_week is not None
                else {}
            ),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Profile:
        return cls(
            start_date=date.fromisoformat(d["start_date"]),
            baseline_pain=d.get("baseline_pain"),
            minutes_per_day=int(d.get("minutes_per_day", 20)),
            days_per_week=int(d.get("days_per_week", 7)),
            equipment=current_equipment(d.get("equipment", ["none"])),
            avoid_positions=list(d.get("avoid_positions", [])),
            red_flags=list(d.get("red_flags", [])),
            cleared_by_clinician=bool(d.get("cleared_by_clinician", False)),
            conditions=list(d.get("conditions", [])),
            assessed_by_clinician=d.get("assessed_by_clinician"),
            created=parse_iso(d.get("created")),
            updated=parse_iso(d.get("updated")),
            # A clearance needs a date; one recorded before it had its own took the
            # profile's last update as its day.
            cleared_on=parse_iso(d.get("cleared_on"))
            or (parse_iso(d.get("updated")) if d.get("cleared_by_clinician") else None),
            patient_id=d.get("patient_id"),
            routine_swaps=[RoutineSwap.from_dict(s) for s in d.get("routine_swaps") or ()],
            age_band=d.get("age_band"),
            pregnancy_week=d.get("pregnancy_week"),
            pregnancy_week_on=parse_iso(d.get("pregnancy_week_on")),
        )


class ExerciseLog(NamedTuple):
    exercise_id: str
    status: str
    dose: Dose
    pain: int | None = None
    # Done on top of the day's plan (a walk on a rest day): it counts for the aerobic minutes
    # and the exercise days, never for progression (issue 11). Written only when true, so
    # that every record from before keeps its shape.
    extra: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "exercise_id": self.exercise_id,
            "status": self.status,
            **self.dose.to_dict(),
            "pain": self.pain,
            **({"extra": True} if self.extra else {}),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ExerciseLog:
        return cls(
            d["exercise_id"],
            d["status"],
            Dose.from_dict(d),
            d.get("pain"),
            bool(d.get("extra", False)),
        )


class Session(NamedTuple):
    id: str
    date: date
    exercises: tuple[ExerciseLog, ...]
    pain_before: int | None = None
    pain_after: int | None = None
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "date": self.date.isoformat(),
            "pain_before": self.pain_before,
            "pain_after": self.pain_after,
            "note": self.note,
            "exercises": [e.to_dict() for e in self.exercises],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Session:
        return cls(
            id=d["id"],
            date=date.fromisoformat(d["date"]),
            exercises=tuple([ExerciseLog.from_dict(e) for e in d["exercises"]]),
            pain_before=d.get("pain_before"),
            pain_after=d.get("pain_after"),
            note=d.get("note"),
        )

    @property
    def done_any(self) -> bool:
        return any(e.status != "skipped" for e in self.exercises)


class PainCheckin(NamedTuple):
    date: date
    score: int
    note: str | None = None
    symptoms: tuple[str, ...] = ()
    flare: bool = False

    @property
    def id(self) -> str:
        # One check-in per day: a second one that day replaces the first.
        return f"p-{self.date.isoformat()}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "date": self.date.isoformat(),
            "score": self.score,
            "note": self.note,
            "symptoms": list(self.symptoms),
            "flare": self.flare,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PainCheckin:
        return cls(
            date.fromisoformat(d["date"]),
            int(d["score"]),
            d.get("note"),
            tuple(d.get("symptoms") or ()),
            bool(d.get("flare", False)),
        )


class Assessment(NamedTuple):
    id: str
    date: date
    instrument: str
    answers: Any
    score: float
    band: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "date": self.date.isoformat(),
            "instrument": self.instrument,
            "answers": self.answers,
            "score": self.score,
            "band": self.band,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Assessment:
        return cls(
            d["id"],
            date.fromisoformat(d["date"]),
            d["instrument"],
            d["answers"],
            d["score"],
            d.get("band"),
        )


class Visit(NamedTuple):
    id: str
    date: date
    kind: str
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "date": self.date.isoformat(), "kind": self.kind, "note": self.note}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Visit:
        return cls(d["id"], date.fromisoformat(d["date"]), d["kind"], d.get("note"))


class Goal(NamedTuple):
    id: int  # the patient's own number for it (goal done 2), renumbered by a merge import
    text: str
    created: date
    by: date | None = None
    psfs_activity: str | None = None
    done_on: date | None = None
    # Its stable id, like every other record's (g-20260302-1a2b3c4d): made once, kept
    # through every import, and what a FHIR Goal's identifier is made from (issue 23).
    uid: str | None = None

    @property
    def key(self) -> str:
        """The stable id; a goal made before there were any has one derived from what it
        says and the day it was set, the same on every machine."""
        if self.uid:
            return self.uid
        import hashlib

        digest = hashlib.sha256(
            f"{self.created.isoformat()}#{self.text}".encode("utf-8", "replace")
        ).hexdigest()
        return f"g-{self.created:%Y%m%d}-{digest[:8]}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "created": self.created.isoformat(),
            "by": iso(self.by),
            "psfs_activity": self.psfs_activity,
            "done_on": iso(self.done_on),
            "uid": self.key,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Goal:
        goal = cls(
            int(d["id"]),
            d["text"],
            date.fromisoformat(d["created"]),
            parse_iso(d.get("by")),
            d.get("psfs_activity"),
            parse_iso(d.get("done_on")),
            d.get("uid") or None,
        )
        # Fixed as read: an edit of an older goal's words keeps the id they gave it.
        return goal if goal.uid else goal._replace(uid=goal.key)

    def completed(self, on: date) -> Goal:
        return self._replace(done_on=on)


class PrescribedItem(NamedTuple):
    exercise_id: str
    dose: Dose
    days: tuple[str, ...] = WEEKDAYS
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.exercise_id,
            **{k: v for k, v in self.dose.to_dict().items() if v is not None},
            "days": list(self.days),
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PrescribedItem:
        return cls(d["id"], Dose.from_dict(d), tuple(d.get("days") or WEEKDAYS), d.get("note"))


class Prescription(NamedTuple):
    items: tuple[PrescribedItem, ...]
    prescribed_by: str | None = None
    start: date | None = None
    allow_progression: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "prescribed_by": self.prescribed_by,
            "start": iso(self.start),
            "allow_progression": self.allow_progression,
            "exercises": [i.to_dict() for i in self.items],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Prescription:
        return cls(
            tuple(PrescribedItem.from_dict(i) for i in d["exercises"]),
            d.get("prescribed_by"),
            parse_iso(d.get("start")),
            bool(d.get("allow_progression", False)),
        )

    def with_current_ids(self, renamed: Mapping[str, str]) -> Prescription:
        """This prescription naming its exercises by their current ids (issue 27)."""
        if not any(i.exercise_id in renamed for i in self.items):
            return self
        return self._replace(
            items=tuple(
                i._replace(exercise_id=renamed.get(i.exercise_id, i.exercise_id))
                for i in self.items
            )
        )


class PrescriptionPeriod(NamedTuple):
    """One event in the history of prescriptions (issue 14): a prescription imported,
    replaced or cleared, in force from ``start`` (None: from the beginning, for a
    prescription kept before its history was)."""

    start: date | None
    prescription: Prescription | None  # None: cleared, backcare plans by itself again
    event: str = "imported"  # imported | replaced | cleared
    recorded: date | None = None  # the day it was recorded

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": iso(self.start),
            "event": self.event,
            "recorded": iso(self.recorded),
            "programme": self.prescription.to_dict() if self.prescription else None,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PrescriptionPeriod:
        programme = d.get("programme")
        return cls(
            parse_iso(d.get("from")),
            Prescription.from_dict(programme) if programme else None,
            str(d.get("event") or "imported"),
            parse_iso(d.get("recorded")),
        )


class PrescriptionHistory(NamedTuple):
    """Every prescription with the day it applies from, in the order they were recorded.
    On each day the one in force is the last recorded whose start has come: a
    prescription applies from its start onwards, and days before it keep the plan they had
    (issue 14)."""

    periods: tuple[PrescriptionPeriod, ...] = ()

    def on(self, day: date) -> Prescription | None:
        """The prescription in force on ``day`` (None: backcare plans by itself). Its
        ``start`` is the day it came into force, the first day it is followed exactly."""
        for period in reversed(self.periods):
            if period.start is None or period.start <= day:
                p = period.prescription
                if p is None or not p.items:
                    return None
                return p._replace(start=period.start) if period.start else p
        return None

    def upcoming(self, day: date) -> PrescriptionPeriod | None:
        """The next change after ``day``: a prescription that starts later, or a clearing."""
        now = self.on(day)
        for start in sorted({p.start for p in self.periods if p.start and p.start > day}):
            if self.on(start) != now:
                return next(p for p in reversed(self.periods) if p.start == start)
        return None

    def first_start(self) -> date | None:
        """The first day a prescription was in force (None: none, or one from the start)."""
        starts = [
            p.start
            for p in self.periods
            if p.prescription is not None and p.prescription.items and p.start is not None
        ]
        return min(starts) if starts else None

    def starts(self) -> list[date]:
        """The days on which the prescription in force may change, in order."""
        return sorted({p.start for p in self.periods if p.start is not None})

    def to_list(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self.periods]

    def with_current_ids(self, renamed: Mapping[str, str]) -> PrescriptionHistory:
        """Every prescription naming its exercises by their current ids (issue 27)."""
        if not renamed:
            return self
        return PrescriptionHistory(
            tuple(
                p._replace(prescription=p.prescription.with_current_ids(renamed))
                if p.prescription is not None
                else p
                for p in self.periods
            )
        )

    @classmethod
    def from_list(cls, docs: Iterable[dict[str, Any]]) -> PrescriptionHistory:
        return cls(tuple(PrescriptionPeriod.from_dict(d) for d in docs))


# What the schedule, the figures and the planner are judged by: the history of
# prescriptions, or one prescription in force from its own start (the only one there is).
Prescribed = Prescription | PrescriptionHistory | None


def regimen(prescribed: Prescribed) -> PrescriptionHistory:
    """The history of prescriptions ``prescribed`` stands for."""
    if prescribed is None:
        return PrescriptionHistory()
    if isinstance(prescribed, PrescriptionHistory):
        return prescribed
    return PrescriptionHistory((PrescriptionPeriod(prescribed.start, prescribed),))


class History(NamedTuple):
    """What the planner and the analytics read: the log, already loaded, each kind sorted
    by date."""

    sessions: tuple[Session, ...] = ()
    checkins: tuple[PainCheckin, ...] = ()
    assessments: tuple[Assessment, ...] = ()
    visits: tuple[Visit, ...] = ()

    def between(self, start: date | None, end: date | None) -> History:
        """The records from ``start`` to ``end`` inclusive (None: no limit)."""
        if start is None and end is None:
            return self
        lo, hi = start or date.min, end or date.max
        return History(
            tuple(s for s in self.sessions if lo <= s.date <= hi),
            tuple(c for c in self.checkins if lo <= c.date <= hi),
            tuple(a for a in self.assessments if lo <= a.date <= hi),
            tuple(v for v in self.visits if lo <= v.date <= hi),
        )

    def with_checkins(self, extra: Iterable[PainCheckin]) -> History:
        """This history with more check-ins (those of a day it already has are left out)."""
        have = {c.date for c in self.checkins}
        more = [c for c in extra if c.date not in have]
        if not more:
            return self
        return self._replace(checkins=tuple(sorted([*self.checkins, *more], key=lambda c: c.date)))

    def first_day(self) -> date | None:
        """The first day anything was recorded."""
        firsts = [records[0].date for records in self if records]
        return min(firsts) if firsts else None
