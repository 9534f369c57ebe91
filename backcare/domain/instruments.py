"""The questionnaires backcare can score, as named data (CLINICAL.md §3).

Each instrument is one frozen :class:`Instrument`: its title, what it measures, its items and
their answer options, its score range, which way is worse, and the rule for a change that
counts. The scoring logic lives in :mod:`backcare.domain.scoring`; this module holds only data.

House rule on wording: no questionnaire text is copied from elsewhere. The item prompts below
are short paraphrases in our own words and are marked ``official_wording=False``. For the
Oswestry Disability Index we ship no item wording at all (licence, CLINICAL.md §3), only the ten
section topics and a generic 0-5 scale. A clinic that holds a licence can supply the real
wording in a YAML file (:mod:`backcare.loading.wording`).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from backcare.errors import BackcareError

# --- Scale sizes (CLINICAL.md §3) -------------------------------------------------------------
ANSWER_MIN = 0  # every item of every instrument here starts at 0 (CLINICAL.md §3)

ODI_SECTION_COUNT = 10  # ODI: 10 sections (CLINICAL.md §3)
ODI_SECTION_MAX = 5  # ODI: each section scored 0-5 (CLINICAL.md §3)
ODI_SCORE_MAX = 100.0  # ODI: total / (5 x sections answered) x 100 (CLINICAL.md §3)

RMDQ_ITEM_COUNT = 24  # RMDQ: 24 yes/no items, score = number of "yes" (CLINICAL.md §3)
RMDQ_RECOVERED_MAX = 2  # RMDQ: a score of 2 or less ~ recovered (CLINICAL.md §3)

STARTBACK_AGREE_ITEMS = 8  # STarT Back: items 1-8 agree (1) / disagree (0) (CLINICAL.md §3)
STARTBACK_ITEM_COUNT = 9  # STarT Back: 9 items (CLINICAL.md §3)
# STarT Back item 9 (bothersomeness) answers, index = the number typed (CLINICAL.md §3).
STARTBACK_BOTHER_LABELS = ("not at all", "slightly", "moderately", "very much", "extremely")
STARTBACK_BOTHER_MAX = len(STARTBACK_BOTHER_LABELS) - 1
STARTBACK_SCORE_MAX = STARTBACK_ITEM_COUNT  # total 0-9 (CLINICAL.md §3)

PSFS_MIN_ACTIVITIES = 3  # PSFS: the patient names 3-5 activities (CLINICAL.md §3)
PSFS_MAX_ACTIVITIES = 5
PSFS_RATING_MAX = 10  # PSFS: 0 "unable" to 10 "as before the problem" (CLINICAL.md §3)
PSFS_ACTIVITY_MAX_CHARS = 60  # our choice: long enough for "carrying shopping upstairs"

PEG_ITEM_COUNT = 3  # PEG: 3 items, each 0-10 (Krebs et al. 2009, CLINICAL.md §3)
PEG_RATING_MAX = 10

NRS_MAX = 10  # Numeric Pain Rating Scale 0-10 (CLINICAL.md §3)

# --- Change thresholds (CLINICAL.md §3) -------------------------------------------------------
OSTELO_2008 = "Ostelo et al. 2008, Spine 33:90-94 (docs/clinical.md §3)"
ODI_MIC_POINTS = 10.0  # ODI minimal important change: 10 points ... (Ostelo 2008)
ODI_MIC_PERCENT = 30.0  # ... or 30% (Ostelo 2008)
RMDQ_MIC_POINTS = 5.0  # RMDQ minimal important change: 5 points ... (Ostelo 2008)
RMDQ_MIC_PERCENT = 30.0  # ... or 30% (Ostelo 2008)
PSFS_MDC_MEAN_POINTS = 2.0  # PSFS minimal detectable change on the mean (CLINICAL.md §3)
PSFS_MDC_ONE_ACTIVITY_POINTS = 3.0  # PSFS minimal detectable change on one activity
# PEG: a fall of 30% or more, the same threshold as the NRS. This is OUR default, not a
# published PEG minimal important change (CLINICAL.md §3), so callers may override it.
PEG_MEANINGFUL_PERCENT = 30.0
NRS_MIC_POINTS = 2.0  # NRS minimal important change: 2 points ... (Ostelo 2008)
NRS_MIC_PERCENT = 30.0  # ... or 30% improvement from baseline (Ostelo 2008)
NRS_MDC_POINTS = 2.0  # NRS minimal detectable change (Childs et al. 2005, Spine)
# The absolute minimum an important WORSENING must also reach, above measurement error
# (docs/clinical.md §3, issue 21). Ostelo's 30% was set for improvement:
# alone, it turned noise into alerts (pain 1 -> 1.43, ODI 4 -> 6).
NRS_WORSE_MIN_POINTS = NRS_MDC_POINTS  # Childs et al. 2005
ODI_WORSE_MIN_POINTS = ODI_MIC_POINTS  # Ostelo 2008
RMDQ_WORSE_MIN_POINTS = RMDQ_MIC_POINTS  # Ostelo 2008
PSFS_WORSE_MIN_POINTS = PSFS_MDC_MEAN_POINTS  # Stratford et al. 1995, its detectable change
PEG_WORSE_MIN_POINTS = 1.0  # Krebs et al. 2009; Reed et al. 2024, as reported (§9)


class ItemPrompt(NamedTuple):
    """One question as shown to the patient, with its answer labels (index = value scored).

    ``official_wording`` is False for our own paraphrases, and True only for wording a clinic
    supplied from its own licensed copy (:func:`load_clinic_wording`).
    """

    text: str
    options: tuple[str, ...]
    official_wording: bool = False


class ChangeRule(NamedTuple):
    """How big a change must be to count, and where that threshold comes from.

    A change counts when it reaches ``points`` (absolute, on the score's own scale) or
    ``percent`` (relative to the baseline); either may be None when the source gives none.
    ``kind`` says what the threshold is: "MIC" (minimal important change), "MDC" (minimal
    detectable change, used where no MIC is given), "default" (our own choice), or
    "risk group" (STarT Back: a move between risk groups).
    """

    points: float | None
    percent: float | None
    kind: str
    source: str
    # A worsening is important only when it meets the relative threshold (``percent``, or
    # ``points`` where there is none) AND this absolute minimum (docs/clinical.md §3).
    worse_points: float | None = None

    def describe(self) -> str:
        """The threshold in words, e.g. "10 points or 30%"."""
        parts: list[str] = []
        if self.points is not None:
            parts.append(_plural_points(self.points))
        if self.percent is not None:
            parts.append(f"{self.percent:g}%")
        return " or ".join(parts) if parts else "a change of risk group"


class Instrument(NamedTuple):
    """A questionnaire: its items, its score, and what change counts."""

    id: str
    short_name: str  # used in messages: "ODI answer 4 is '7': ..."
    title: str
    description: str
    min_items: int  # equal to max_items except for the PSFS (3-5 activities)
    max_items: int
    items: tuple[ItemPrompt, ...]
    score_min: float
    score_max: float
    score_unit: str  # "%" for the ODI, else "points"
    higher_is_worse: bool
    change_rule: ChangeRule
    answers_hint: str  # the `--answers` format (CONTRACT.md), for messages
    licence: str

    @property
    def item_count(self) -> int:
        """The number of items (for the PSFS, the most activities allowed)."""
        return self.max_items

    @property
    def answer_options(self) -> tuple[tuple[str, ...], ...]:
        """The answer labels of each item, in item order."""
        return tuple(item.options for item in self.items)


def _plural_points(value: float) -> str:
    return f"{value:g} point" + ("" if value == 1 else "s")


def _numbered_scale(top: int, low_label: str, high_label: str) -> tuple[str, ...]:
    """Labels "0 = low", "1", ..., "top = high" for a 0..top scale."""
    labels = [str(n) for n in range(ANSWER_MIN, top + 1)]
    labels[0] = f"{ANSWER_MIN} = {low_label}"
    labels[-1] = f"{top} = {high_label}"
    return tuple(labels)


# --- ODI: section topics only, no item wording (licence, CLINICAL.md §3) ----------------------
ODI_SECTION_TOPICS = (
    "Pain intensity",
    "Personal care",
    "Lifting",
    "Walking",
    "Sitting",
    "Standing",
    "Sleeping",
    "Sex life",
    "Social life",
    "Travelling",
)
ODI_GENERIC_SCALE = _numbered_scale(ODI_SECTION_MAX, "no difficulty", "the worst / unable")

ODI = Instrument(
    id="odi",
    short_name="ODI",
    title="Oswestry Disability Index",
    description="How much your back pain limits ten areas of daily life; 0-100%, higher is worse.",
    min_items=ODI_SECTION_COUNT,
    max_items=ODI_SECTION_COUNT,
    items=tuple(ItemPrompt(topic, ODI_GENERIC_SCALE) for topic in ODI_SECTION_TOPICS),
    score_min=ANSWER_MIN,
    score_max=ODI_SCORE_MAX,
    score_unit="%",
    higher_is_worse=True,
    change_rule=ChangeRule(
        ODI_MIC_POINTS, ODI_MIC_PERCENT, "MIC", OSTELO_2008, ODI_WORSE_MIN_POINTS
    ),
    answers_hint=f"{ODI_SECTION_COUNT} comma-separated answers {ANSWER_MIN}-{ODI_SECTION_MAX}, "
    "with '-' for a section left unanswered",
    licence="Free for clinical use; Mapi Research Trust asks fees of commercial software. "
    "backcare ships the scoring and section topics only; a clinic may supply the "
    "wording (docs/clinical.md §3).",
)

# --- RMDQ: our own paraphrases --------------------------------------------------------------
_YES_NO = ("no", "yes")  # index = value scored: "yes" scores 1 (CLINICAL.md §3)
_RMDQ_PARAPHRASES = (
    "My back keeps me at home most of the time.",
    "I keep shifting position to get my back comfortable.",
    "My back makes me walk more slowly than usual.",
    "My back stops me doing my usual jobs around the house.",
    "I need the handrail to get up stairs because of my back.",
    "My back makes me lie down to rest more often.",
    "I need to hold on to something to get up from a soft chair.",
    "My back makes me ask other people to do things for me.",
    "My back makes me slower at getting dressed.",
    "I can stand only for short spells because of my back.",
    "I avoid bending or kneeling because of my back.",
    "Getting up from a chair is hard because of my back.",
    "My back hurts nearly all the time.",
    "Turning over in bed is hard because of my back.",
    "My back pain has put me off my food.",
    "Back pain makes it hard to put on socks or tights.",
    "My back limits me to walking short distances.",
    "My back is making me sleep worse.",
    "I need someone's help to get dressed because of back pain.",
    "My back keeps me sitting down for most of the day.",
    "I steer clear of heavy housework because of my back.",
    "Back pain makes me more irritable with people than usual.",
    "My back makes me slower going up stairs.",
    "My back keeps me in bed most of the time.",
)

RMDQ = Instrument(
    id="rmdq",
    short_name="RMDQ",
    title="Roland-Morris Disability Questionnaire",
    description="24 statements about how your back affects you today; the score is how many "
    "apply (0-24), higher is worse.",
    min_items=RMDQ_ITEM_COUNT,
    max_items=RMDQ_ITEM_COUNT,
    items=tuple(ItemPrompt(text, _YES_NO) for text in _RMDQ_PARAPHRASES),
    score_min=ANSWER_MIN,
    score_max=RMDQ_ITEM_COUNT,
    score_unit="points",
    higher_is_worse=True,
    change_rule=ChangeRule(
        RMDQ_MIC_POINTS, RMDQ_MIC_PERCENT, "MIC", OSTELO_2008, RMDQ_WORSE_MIN_POINTS
    ),
    answers_hint=f"{RMDQ_ITEM_COUNT} comma-separated answers, each y or n",
    licence="Item prompts are backcare's own paraphrases, not the official wording.",
)

# --- STarT Back: our own paraphrases ---------------------------------------------------------
_AGREE = ("disagree", "agree")  # index = value scored: agree scores 1 (CLINICAL.md §3)
_STARTBACK_PARAPHRASES = (
    "In the past 2 weeks, my back pain has at some point spread into one or both legs.",
    "In the past 2 weeks, I have had some shoulder or neck pain as well.",
    "Because of my back pain, I have walked only short distances.",
    "In the past 2 weeks, back pain has made me slower at getting dressed.",
    "It is not really safe for someone with my back problem to be physically active.",
    "Worrying thoughts have been on my mind much of the time.",
    "My back pain feels awful and I think it will never improve.",
    "Generally, I have not been enjoying the things I used to enjoy.",
)
_STARTBACK_BOTHER_PROMPT = "Overall, how much has your back pain bothered you in the past 2 weeks?"

STARTBACK = Instrument(
    id="startback",
    short_name="STarT Back",
    title="Keele STarT Back Screening Tool",
    description="Nine questions that sort back pain into low, medium or high risk of a slow "
    "recovery, to match care to need.",
    min_items=STARTBACK_ITEM_COUNT,
    max_items=STARTBACK_ITEM_COUNT,
    items=tuple(ItemPrompt(text, _AGREE) for text in _STARTBACK_PARAPHRASES)
    + (ItemPrompt(_STARTBACK_BOTHER_PROMPT, STARTBACK_BOTHER_LABELS),),
    score_min=ANSWER_MIN,
    score_max=STARTBACK_SCORE_MAX,
    score_unit="points",
    higher_is_worse=True,
    change_rule=ChangeRule(
        None,
        None,
        "risk group",
        "Keele STarT Back risk groups low < medium < high (docs/clinical.md §3)",
    ),
    answers_hint=f"{STARTBACK_AGREE_ITEMS} comma-separated y/n (agree/disagree), then item 9 "
    f"as {ANSWER_MIN}-{STARTBACK_BOTHER_MAX} (0 not at all ... 4 extremely)",
    licence="No licence needed for non-commercial use (Keele University). Item prompts are "
    "backcare's own paraphrases, not the official wording.",
)

# --- PSFS: activities the patient names --------------------------------------------------------
_PSFS_SCALE = _numbered_scale(PSFS_RATING_MAX, "unable", "as before the problem")

PSFS = Instrument(
    id="psfs",
    short_name="PSFS",
    title="Patient-Specific Functional Scale",
    description=f"{PSFS_MIN_ACTIVITIES} to {PSFS_MAX_ACTIVITIES} activities you find hard "
    "because of your back, each rated 0 (unable) to 10 (as before); higher is "
    "better.",
    min_items=PSFS_MIN_ACTIVITIES,
    max_items=PSFS_MAX_ACTIVITIES,
    items=tuple(
        ItemPrompt(
            f"Activity {n}: name something your back makes hard, and rate how well you "
            "can do it today.",
            _PSFS_SCALE,
        )
        for n in range(1, PSFS_MAX_ACTIVITIES + 1)
    ),
    score_min=ANSWER_MIN,
    score_max=PSFS_RATING_MAX,
    score_unit="points",
    higher_is_worse=False,
    # No MIC is given in CLINICAL.md §3, so the minimal detectable change on the mean is used.
    change_rule=ChangeRule(
        PSFS_MDC_MEAN_POINTS,
        None,
        "MDC",
        "PSFS minimal detectable change, 2 points on the mean (docs/clinical.md §3)",
        PSFS_WORSE_MIN_POINTS,
    ),
    answers_hint=f"{PSFS_MIN_ACTIVITIES} to {PSFS_MAX_ACTIVITIES} comma-separated "
    f"activity=rating pairs, ratings {ANSWER_MIN}-{PSFS_RATING_MAX}, "
    "e.g. walking=4,gardening=6,lifting=3",
    licence="Item prompts are backcare's own wording.",
)

# --- PEG: our own paraphrases -----------------------------------------------------------------
PEG = Instrument(
    id="peg",
    short_name="PEG",
    title="PEG: pain, enjoyment of life, general activity",
    description="Three 0-10 ratings of pain and how much it gets in the way of life; the score "
    "is their mean, higher is worse.",
    min_items=PEG_ITEM_COUNT,
    max_items=PEG_ITEM_COUNT,
    items=(
        ItemPrompt(
            "Your pain on an average day in the past week.",
            _numbered_scale(PEG_RATING_MAX, "no pain", "as bad as you can imagine"),
        ),
        ItemPrompt(
            "In the past week, how much has pain got in the way of enjoying life?",
            _numbered_scale(PEG_RATING_MAX, "not at all", "completely"),
        ),
        ItemPrompt(
            "In the past week, how much has pain got in the way of your everyday activity?",
            _numbered_scale(PEG_RATING_MAX, "not at all", "completely"),
        ),
    ),
    score_min=ANSWER_MIN,
    score_max=PEG_RATING_MAX,
    score_unit="points",
    higher_is_worse=True,
    change_rule=ChangeRule(
        None,
        PEG_MEANINGFUL_PERCENT,
        "default",
        "backcare default, the NRS threshold; not a published PEG MCID "
        "(Krebs et al. 2009; docs/clinical.md §3)",
        PEG_WORSE_MIN_POINTS,
    ),
    answers_hint=f"{PEG_ITEM_COUNT} comma-separated values {ANSWER_MIN}-{PEG_RATING_MAX}",
    licence="Free to use (Krebs et al. 2009, J Gen Intern Med 24(6):733-738). Item prompts "
    "are backcare's own paraphrases.",
)

# The daily pain score is not a questionnaire, but its change rule lives with the others.
NRS_CHANGE_RULE = ChangeRule(
    NRS_MIC_POINTS, NRS_MIC_PERCENT, "MIC", OSTELO_2008, NRS_WORSE_MIN_POINTS
)

INSTRUMENT_IDS: tuple[str, ...] = ("odi", "rmdq", "startback", "psfs", "peg")
INSTRUMENTS: Mapping[str, Instrument] = MappingProxyType(
    {inst.id: inst for inst in (ODI, RMDQ, STARTBACK, PSFS, PEG)}
)


def get_instrument(instrument_id: str) -> Instrument:
    """The instrument with this id (case and surrounding spaces ignored)."""
    key = instrument_id.strip().lower() if isinstance(instrument_id, str) else instrument_id
    try:
        return INSTRUMENTS[key]
    except (KeyError, TypeError):
        raise BackcareError(
            f"Unknown questionnaire '{instrument_id}': choose one of {', '.join(INSTRUMENT_IDS)}"
        ) from None
