"""Words backcare says to people, in one place (the jrnl model, STYLE.md)."""

from __future__ import annotations

# CLINICAL.md §7: the meaning is fixed, the wording is ours.
DISCLAIMER = (
    "backcare is for information and self-management support only. It does not replace a "
    "diagnosis or a treatment plan from a healthcare professional. Stop and seek advice if an "
    "exercise causes severe pain or new symptoms. Seek urgent medical help for any red-flag "
    "symptom, such as loss of bladder or bowel control or numbness between your legs."
)

DISCLAIMER_SHORT = (
    "Self-management support only, not a diagnosis or treatment. Stop and seek advice if an "
    "exercise causes severe pain or new symptoms; seek urgent help for red-flag symptoms."
)

# CLINICAL.md §1, "Practical tips", and how backcare supports each. One is shown per plan.
TIPS: tuple[str, ...] = (
    "Little and often beats a lot once in a while: doing your exercises most days is what "
    "makes the difference.",
    # The seed's advice, as written (docs/clinical.md §1): backcare's own adjustment is no
    # substitute for the physiotherapist.
    "Listen to your body: mild discomfort is fine, but if an exercise causes severe pain, "
    "stop and consult your physiotherapist.",
    "Keep moving through the day: walking, swimming and cycling all help a sore back. "
    "Aim to build up towards 150 minutes of activity a week.",
    "Set goals you can reach, such as walking to the shop without stopping. "
    'Try: backcare goal add "walk to the shop".',
    "Change position often. Sitting still for a long time stiffens the back; get up every "
    "30 to 45 minutes.",
    "Most back pain eases within a few weeks. Keeping active, gently, is part of getting better.",
    "Good sleep and managing stress both help with pain. A short walk is good for both.",
    # The seed's healthy-lifestyle advice (docs/clinical.md §1): diet, hydration, sleep,
    # staying active.
    "A healthy lifestyle helps your back: eat a balanced diet, drink enough water through "
    "the day, keep regular sleep, and stay active between your exercises.",
)

NO_PROFILE_HINT = (
    "You have not set up backcare yet, so this is a safe beginner plan. Run 'backcare init' "
    "for a short safety check and a plan that fits your time, equipment and pain."
)

# CLINICAL.md §5, red flags: what to do, in plain words.
URGENT_CAUDA_EQUINA = (
    "STOP. These signs can mean pressure on the nerves at the base of your spine "
    "(cauda equina syndrome), which needs treatment straight away. Go to an emergency "
    "department now, or call 999 (112 in Europe, 911 in the US). Do not do your exercises."
)
URGENT_OTHER = (
    "STOP. Back pain with this sign needs a doctor to check it before you exercise. Contact "
    "your GP or doctor today, or an urgent care service if you cannot reach them. Do not "
    "start or continue the exercise programme until a clinician has checked you."
)
BLOCKED_UNTIL_CLEARED = (
    "backcare will not plan exercises while a red flag is recorded. Once a clinician has "
    "checked you and said it is safe, record it with: backcare clear --by NAME"
)


# A red flag a clinician has checked (init --red-flag X --cleared-by-clinician): said once.
RED_FLAG_CLEARED = (
    "You reported {what}. A clinician has checked it and said exercise is safe, so your "
    "programme can go ahead. If it comes back or gets worse, stop your exercises and {act}."
)
ACT_CAUDA_EQUINA = "go to an emergency department straight away"
ACT_OTHER = "contact your GP or doctor the same day"

# Unexplained weight loss: one severity everywhere, "see a GP within days" (docs/clinical.md
# §5, issue 21).
WEIGHT_LOSS_ADVICE = (
    "With back pain this needs checking: please see your GP in the next "
    "few days. It is not an emergency."
)
# Back pain that started under 20 or over 50 (NICE CKS): a GP first, not an emergency.
AGE_ADVICE = (
    "Back pain that starts before the age of 20 or after 50 should be checked by a "
    "GP before you start these exercises. It is not an emergency: please book an "
    "appointment in the next few days."
)
# ACOG Committee Opinion 804 (2020): stop exercising and seek care (docs/clinical.md §8).
PREGNANCY_STOP_SIGNS = (
    "Pregnancy: stop exercising and contact your midwife or doctor at once if you have "
    "vaginal bleeding, regular painful contractions, fluid leaking, dizziness or feeling "
    "faint, chest pain, shortness of breath before exercising, a headache, calf pain or "
    "swelling, or muscle weakness that affects your balance."
)
