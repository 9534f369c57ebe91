"""Record ids: they sort by date and never collide across machines, so that two exports of
one patient's data merge (`import`)."""

from __future__ import annotations

import os
from datetime import date


def new_id(prefix: str, day: date) -> str:
    """``s-20260302-1a2b3c4d``: the kind of record, its day, and 32 random bits."""
    return f"{prefix}-{day:%Y%m%d}-{os.urandom(4).hex()}"


def new_patient_id() -> str:
    """``pt-1a2b3c4d5e6f7a8b``: 64 random bits, made once per patient and never changed, so
    that a clinic recognises the same patient in each of their exports (issue 16). It says
    nothing about who the patient is."""
    return f"pt-{os.urandom(8).hex()}"
