"""`export --format json`: everything, in the versioned document that `import` reads back
(:mod:`backcare.domain.document`), pretty-printed as UTF-8."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from backcare.domain.document import record_count
from backcare.exporters import Rendered

if TYPE_CHECKING:
    from backcare.exporters import ExportContext, Rendered


def render(ctx: ExportContext) -> Rendered:
    """The document, pretty and UTF-8."""
    text = json.dumps(ctx.doc, indent=2, ensure_ascii=False) + "\n"
    return Rendered(text.encode("utf-8"), record_count(ctx.doc))
