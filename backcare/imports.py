"""Importing a library without the optional modules backcare never uses (issue 25).

fpdf2 and plotext each import, when it is installed, a module needed only by features
backcare never uses (cryptography, to sign and encrypt a pdf; Pillow, to draw pictures in
the terminal), and each goes on without it when its import fails, as when it is not
installed.
Those imports were megabytes of the pdf's peak memory and milliseconds of every chart.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType


def import_without(name: str, missing: tuple[str, ...]) -> ModuleType:
    """The module ``name``, imported as if the modules ``missing`` were not installed. A
    module the process has already imported is left alone, and none is kept from a later
    import: only this import goes without them."""
    if name in sys.modules:
        return sys.modules[name]
    hidden = [m for m in missing if m not in sys.modules]
    for m in hidden:
        sys.modules[m] = None  # type: ignore[assignment]  # its import fails: not installed
    try:
        return importlib.import_module(name)
    finally:
        for m in hidden:
            if sys.modules.get(m, 0) is None:
                del sys.modules[m]
