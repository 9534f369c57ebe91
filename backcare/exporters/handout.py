"""The printed exercise handout (issue 26): ``backcare handout`` for the patient's week, and
``programme export --format pdf`` for a prescription the physiotherapist hands over.

One block per exercise: its pictures with an arrow for the movement, the name, dose and days,
the steps and cues, the cautions that apply, and a row of boxes to tick through the week.
Big type in black and white, A4 or Letter. The pictures are fpdf2's own lines and circles
(:mod:`backcare.exporters.figure_pdf`); the text goes through the report's
:class:`~backcare.exporters.pdf_layout.Writer`, which never drops a character unseen.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, NamedTuple

from backcare.domain.figure import figure_for
from backcare.domain.handout import Handout, HandoutItem, days_text
from backcare.domain.models import WEEKDAYS
from backcare.exporters.figure_pdf import draw_figure
from backcare.exporters.pdf_layout import (
    FONT,
    FONT_DIR,
    FONT_FILES,
    LANGUAGE,
    Glyphs,
    Writer,
    load_fpdf,
)
from backcare.messages import DISCLAIMER_SHORT

if TYPE_CHECKING:
    from fpdf import FPDF

PAPERS = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}  # portrait, in mm
MARGIN = 14.0
FOOTER_H = 15.0
PAD = 4.0
PICTURE_W = 74.0
PICTURE_H = 38.0
TICK_H = 13.0  # the row of boxes
# Type sizes in points: big enough to read at arm's length, on a printer with no colour.
TITLE_PT = 20.0
NAME_PT = 15.0
DOSE_PT = 12.0
TEXT_PT = 10.5
LINE_MM = 4.9  # a line of TEXT_PT
BLACK = (0, 0, 0)
GREY = (90, 90, 90)
FRAME = (110, 110, 110)


class Page(NamedTuple):
    width: float
    height: float

    @property
    def content_w(self) -> float:
        return self.width - 2 * MARGIN

    @property
    def bottom(self) -> float:
        return self.height - FOOTER_H - 2


def _pdf(page: Page, title: str) -> FPDF:
    load_fpdf()
    from fpdf import FPDF

    class HandoutPDF(FPDF):
        def footer(self) -> None:
            self.set_font(FONT, "", 8)
            self.set_text_color(*GREY)
            self.set_xy(MARGIN, page.height - FOOTER_H + 3)
            self.multi_cell(page.content_w - 26, 3.6, DISCLAIMER_SHORT, align="L")
            self.set_xy(page.width - MARGIN - 24, page.height - FOOTER_H + 3)
            self.cell(24, 3.6, f"page {self.page_no()} of {{nb}}", align="R")
            self.current_font_is_set_on_page = False

    pdf = HandoutPDF(orientation="P", unit="mm", format=(page.width, page.height))
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT, style, str(FONT_DIR / name))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.c_margin = 0
    pdf.set_auto_page_break(auto=False)
    pdf.set_title(title)
    pdf.set_lang(LANGUAGE)
    pdf.set_author("backcare")
    pdf.set_creator("backcare")
    pdf.set_subject("Home exercises for low back pain, with pictures")
    pdf.alias_nb_pages()
    return pdf


def strings(h: Handout) -> Iterator[str]:
    yield from (h.title, h.subtitle, h.patient or "")
    for item in h.items:
        ex = item.exercise
        yield from (ex.name, item.note or "", *ex.instructions, *ex.cues, *item.cautions)


class Block(NamedTuple):
    """An exercise's block, wrapped: what it prints and how tall it is. Beside the pictures:
    the name, dose and days, a physiotherapist's note and the cues; below them, across the
    page: the steps and the cautions."""

    item: HandoutItem
    name: list[str]
    dose: list[str]
    side: list[tuple[str, bool, list[str]]]  # (marker, bold, wrapped lines)
    below: list[tuple[str, bool, list[str]]]
    top_h: float
    height: float


def _dose_text(item: HandoutItem) -> str:
    ex = item.exercise
    return f"{item.dose.describe(ex.per_side)}  ·  {days_text(item.days)}"


def _lines_h(rows: list[tuple[str, bool, list[str]]]) -> float:
    return sum(len(lines) for _, _, lines in rows) * LINE_MM + len(rows) * 0.6


def _block(w: Writer, item: HandoutItem, page: Page) -> Block:
    ex = item.exercise
    side_w = page.content_w - (PICTURE_W + PAD * 2 + 6)
    full_w = page.content_w - 2 * PAD - 6
    name = w.lines(side_w, ex.name, NAME_PT, bold=True)
    dose = w.lines(side_w, _dose_text(item), DOSE_PT, bold=True)
    side: list[tuple[str, bool, list[str]]] = []
    if item.note:
        side.append(
            ("", True, w.lines(side_w, f"Your physiotherapist: {item.note}", TEXT_PT, bold=True))
        )
    side += [("•", False, w.lines(side_w - 6, cue, TEXT_PT)) for cue in ex.cues]
    below = [
        (f"{i}.", False, w.lines(full_w, step, TEXT_PT))
        for i, step in enumerate(ex.instructions, 1)
    ]
    below += [("!", True, w.lines(full_w, c, TEXT_PT, bold=True)) for c in item.cautions]
    top_h = max(PICTURE_H, len(name) * 6.2 + len(dose) * 5.4 + 1.5 + _lines_h(side))
    height = PAD + top_h + 2 + _lines_h(below) + 2 + TICK_H + PAD
    return Block(item, name, dose, side, below, top_h, height)


def _rows(
    w: Writer, x: float, y: float, width: float, rows: list[tuple[str, bool, list[str]]]
) -> float:
    for marker, bold, lines in rows:
        if marker:  # "1.", "•" or "!": set directly, it always fits
            _text(w.pdf, x, y, marker, TEXT_PT, True, BLACK)
        indent = 6 if marker else 0
        y = (
            w.draw(x + indent, y, width - indent, LINE_MM, lines, TEXT_PT, bold=bold, colour=BLACK)
            + 0.6
        )
    return y


def _draw_block(pdf: FPDF, w: Writer, page: Page, b: Block, y: float, h: Handout) -> None:
    x = MARGIN
    ex = b.item.exercise
    # The block's frame: a reader (and a test) can tell where each exercise's block ends.
    pdf.set_draw_color(*FRAME)
    pdf.set_line_width(0.3)
    pdf.rect(x, y, page.content_w, b.height, style="D")
    if ex.poses is not None:
        draw_figure(pdf, figure_for(ex.poses), x + PAD, y + PAD, PICTURE_W, PICTURE_H)
    else:  # a library without pictures: a plain card with the name
        pdf.set_draw_color(*FRAME)
        pdf.rect(x + PAD, y + PAD, PICTURE_W, PICTURE_H, style="D")
        w.block(
            x + PAD + 3,
            y + PAD + PICTURE_H / 2 - 3,
            PICTURE_W - 6,
            6,
            ex.name,
            12,
            bold=True,
            colour=GREY,
            align="C",
        )
    tx = x + PAD + PICTURE_W + 6
    tw = page.content_w - (PICTURE_W + PAD * 2 + 6)
    ty = w.draw(tx, y + PAD, tw, 6.2, b.name, NAME_PT, bold=True, colour=BLACK)
    ty = w.draw(tx, ty, tw, 5.4, b.dose, DOSE_PT, bold=True, colour=BLACK) + 1.5
    _rows(w, tx, ty, tw, b.side)
    _rows(w, x + PAD, y + PAD + b.top_h + 2, page.content_w - 2 * PAD, b.below)
    _ticks(pdf, w, page, y + b.height - PAD - TICK_H, b.item, h)


def _text(
    pdf: FPDF, x: float, y: float, text: str, size: float, bold: bool, colour: tuple[int, int, int]
) -> None:
    """A short label of plain ASCII at (x, y), the top of its line: the Writer's measuring
    and cleaning are not needed, and a handout sets hundreds of them."""
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.set_text_color(*colour)
    pdf.text(x, y + size * 0.3528 * 0.95, text)
    pdf.current_font_is_set_on_page = False


def _ticks(pdf: FPDF, w: Writer, page: Page, y: float, item: HandoutItem, h: Handout) -> None:
    """A box for each day of the week, in the week's order, to tick when it is done: the
    days it is planned in black, the others light grey."""
    x = MARGIN + PAD
    w.cell(x, y + 3.2, 30, 5, "Tick when done:", TEXT_PT, bold=True, colour=BLACK)
    box_w = (page.content_w - 2 * PAD - 34) / 7
    days = (
        [(WEEKDAYS[d.weekday()], f"{WEEKDAYS[d.weekday()].capitalize()} {d.day}") for d in h.week]
        if h.week is not None
        else [(name, name.capitalize()) for name in WEEKDAYS]
    )
    for i, (name, label) in enumerate(days):
        bx = x + 34 + i * box_w
        planned = name in item.days
        _text(pdf, bx, y, label, 9, planned, BLACK if planned else GREY)
        pdf.set_draw_color(*(BLACK if planned else (185, 185, 185)))
        pdf.set_line_width(0.5 if planned else 0.25)
        pdf.rect(bx + 1, y + 5.2, 7, 7, style="D")


def _header(pdf: FPDF, w: Writer, page: Page, h: Handout) -> float:
    y = MARGIN
    y = w.block(MARGIN, y, page.content_w, 8.5, h.title, TITLE_PT, bold=True, colour=BLACK)
    if h.patient:
        y = w.block(
            MARGIN,
            y + 0.5,
            page.content_w,
            5.6,
            f"For {h.patient}",
            DOSE_PT,
            bold=True,
            colour=BLACK,
        )
    y = w.block(MARGIN, y + 0.5, page.content_w, 5.4, h.subtitle, DOSE_PT - 1, colour=GREY)
    return y + 4


def render(h: Handout, paper: str = "a4") -> tuple[bytes, int]:
    """The handout as PDF bytes, and its number of pages."""
    for noisy in ("fpdf", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    page = Page(*PAPERS[paper])
    pdf = _pdf(page, h.title)
    pdf.add_page()
    w = Writer(pdf, Glyphs(pdf, strings(h)))
    y = _header(pdf, w, page, h)
    if not h.items:
        w.block(
            MARGIN,
            y,
            page.content_w,
            6,
            "No exercise is planned for this week.",
            DOSE_PT,
            colour=BLACK,
        )
    for item in h.items:
        b = _block(w, item, page)
        if y + b.height > page.bottom and y > MARGIN + 1:
            pdf.add_page()
            y = MARGIN
        _draw_block(pdf, w, page, b, y, h)
        y += b.height + 4
    return bytes(pdf.output()), pdf.pages_count
