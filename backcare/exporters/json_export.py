"""`export --format json`: everything, in the versioned document that `import` reads back
(:mod:`backcare.domain.document`), as UTF-8.

Streamed (issue 25): the document's top-level keys one to a line, and each record of a list
on a line of its own, encoded by json's C encoder record by record. The file is the same
document as ``json.dumps(doc)``; only the whitespace differs from json's indenting encoder,
which is pure Python and took most of the export's time on ten years."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from backcare.domain.document import Records, record_count
from backcare.exporters import Rendered

if TYPE_CHECKING:
    from backcare.exporters import ExportContext, Rendered, Sink

# Records are encoded into pieces of about this many, so that the sink gets few large writes.
BATCH = 256


def render(ctx: ExportContext) -> Rendered:
    """The document, streamed."""
    doc = ctx.doc

    def stream(sink: Sink) -> int:
        encode = json.JSONEncoder(ensure_ascii=False).encode
        sink(b"{\n")
        last = len(doc) - 1
        for n, (key, value) in enumerate(doc.items()):
            end = ",\n" if n < last else "\n"
            head = f"  {encode(key)}: "
            if isinstance(value, Records) and not value:
                value = []
            if not isinstance(value, (list, Records)) or not value:
                sink((head + encode(value) + end).encode("utf-8"))
                continue
            sink((head + "[\n").encode("utf-8"))
            for start in range(0, len(value), BATCH):
                lines = [encode(item) for item in value[start : start + BATCH]]
                more = start + BATCH < len(value)
                sink(("    " + ",\n    ".join(lines) + (",\n" if more else "\n")).encode("utf-8"))
            sink(("  ]" + end).encode("utf-8"))
        sink(b"}\n")
        return record_count(doc)

    return Rendered(stream=stream)
