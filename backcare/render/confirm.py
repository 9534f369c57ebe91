"""A yes-or-no question at the terminal, in backcare's words."""

from __future__ import annotations

from rich.prompt import Confirm as _RichConfirm


class Confirm(_RichConfirm):
    """rich's yes-or-no question, whose complaint about an answer it cannot read asks for
    what the question shows, ``[y/n]``: not "Please enter Y or N" (issue 27)."""

    validate_error_message = "[prompt.invalid]Please answer y or n"
