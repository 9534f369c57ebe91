"""The PDF report's page geometry, colours and fonts, and text that always fits.

Every string goes through :class:`Writer`: it is cleaned (:class:`Glyphs`: a character no
bundled font has becomes a visible mark, never nothing), right-to-left text is shaped, a value
that is too wide for its box is set smaller and then wrapped, never clipped, and a block of
wrapped lines that does not fit on the page goes on at the top of the next (:func:`flow`).

The fonts are package data (``backcare/fonts``, with their licences): DejaVu Sans, and Droid
Sans Fallback glyph by glyph for Chinese, Japanese and Korean, added only when a report needs
it. uharfbuzz shapes Arabic and Hebrew; without it they are marked as missing, not printed
backwards.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from backcare.messages import DISCLAIMER_SHORT

if TYPE_CHECKING:
    from fpdf import FPDF

# Fonts (package data, with their licences: backcare/fonts/README.md).
FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONT = "DejaVu"
FALLBACK = "DroidFallback"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
FALLBACK_FILE = "DroidSansFallback.ttf"
MISSING = "□"  # printed in place of a character no bundled font has
LANGUAGE = "en-GB"

# Layout, in millimetres on A4 portrait.
MARGIN = 12.0
PAGE_W = 210.0
PAGE_H = 297.0
CONTENT_W = PAGE_W - 2 * MARGIN
FOOTER_H = 14.0
BOTTOM = PAGE_H - FOOTER_H - 3  # where a page's content ends
MIN_SIZE = 5.0  # the smallest type a value is set in before it wraps

Colour = tuple[int, int, int]
INK: Colour = (33, 37, 41)
MUTED: Colour = (96, 104, 112)
ACCENT: Colour = (31, 58, 95)
WHITE: Colour = (255, 255, 255)
TILE: Colour = (241, 244, 248)
CARD: Colour = (248, 249, 251)
RULE: Colour = (206, 212, 218)
GRID: Colour = (222, 226, 230)
STRIPE: Colour = (246, 248, 250)
BAD: Colour = (192, 57, 43)
GOOD: Colour = (39, 129, 77)
LEVEL_COLOURS: dict[str, Colour] = {
    "critical": (192, 57, 43),
    "high": (190, 75, 0),
    "low": (150, 120, 0),
}


class Glyphs:
    """What the bundled fonts can print, and what to do with the rest."""

    def __init__(self, pdf: FPDF, text: Iterable[str]) -> None:
        self.shaping = shaping_available()
        used = {ch for s in text for ch in s}
        covered = _cmap(pdf, FONT)
        wanted = {
            ch
            for ch in used
            if ord(ch) not in covered and not ch.isspace() and unicodedata.category(ch) != "Cf"
        }
        if wanted:  # Chinese, Japanese, Korean: glyph by glyph from the fallback font
            pdf.add_font(FALLBACK, "", str(FONT_DIR / FALLBACK_FILE))
            pdf.set_fallback_fonts([FALLBACK], exact_match=False)
            covered |= _cmap(pdf, FALLBACK)
        self.covered = covered
        missing = {ch for ch in wanted if ord(ch) not in covered}
        if not self.shaping:  # right-to-left text would print backwards: mark it instead
            missing |= {ch for ch in used if is_rtl(ch)}
        self.missing = sorted(missing)

    def clean(self, text: str) -> str:
        """The text as it will print: a missing character becomes a visible mark; invisible
        formatting characters the fonts lack are left out."""
        out = []
        for ch in text:
            if ch == "\n" or (ord(ch) in self.covered and (self.shaping or not is_rtl(ch))):
                out.append(ch)
            elif ch.isspace():
                out.append(" ")
            elif unicodedata.category(ch) != "Cf":
                out.append(MISSING)
        return "".join(out)

    def footnote(self) -> str | None:
        if not self.missing:
            return None
        shown = ", ".join(f"U+{ord(ch):04X}" for ch in self.missing[:12])
        more = f" and {len(self.missing) - 12} more" if len(self.missing) > 12 else ""
        return (
            f"{MISSING} marks a character the report's fonts cannot show ({shown}{more}); "
            "the csv and json exports keep the text as typed."
        )


def _cmap(pdf: FPDF, family: str) -> set[int]:
    """The code points a font added to ``pdf`` has glyphs for."""
    font: Any = pdf.fonts[family.lower()]
    return set(font.cmap)


def shaping_available() -> bool:
    try:
        import uharfbuzz  # noqa: F401
    except ImportError:
        return False
    return True


def is_rtl(ch: str) -> bool:
    return unicodedata.bidirectional(ch) in ("R", "AL")


class Writer:
    """fpdf2 with the report's text rules: clean every string, shape right-to-left text,
    shrink then wrap what does not fit."""

    def __init__(self, pdf: FPDF, glyphs: Glyphs) -> None:
        self.pdf = pdf
        self.glyphs = glyphs
        self._widths: dict[tuple[str, float, bool], float] = {}

    @contextmanager
    def _shaped(self, text: str) -> Iterator[None]:
        rtl = self.glyphs.shaping and any(is_rtl(ch) for ch in text)
        if rtl:
            self.pdf.set_text_shaping(True)
        try:
            yield
        finally:
            if rtl:
                self.pdf.set_text_shaping(False)

    def _drawn(self) -> None:
        """After drawing: make the next text set its font again. fpdf2 2.8 can leave the
        page's font at the fallback font after a line that ends in fallback glyphs while
        believing its own font is set, and the next line then prints as garbage (or with
        no font at all at the top of a page)."""
        self.pdf.current_font_is_set_on_page = False

    def font(self, size: float, bold: bool = False, colour: Colour = INK) -> None:
        self.pdf.set_font(FONT, "B" if bold else "", size)
        self.pdf.set_text_color(*colour)

    def width(self, text: str) -> float:
        text = self.glyphs.clean(text)
        with self._shaped(text):
            return float(self.pdf.get_string_width(text))

    def fit(
        self, text: str, width: float, size: float, bold: bool = False, minimum: float = MIN_SIZE
    ) -> float:
        """The largest size up to ``size`` at which ``text`` fits on one line of ``width``
        (``minimum`` when none does: then it wraps)."""
        self.font(size, bold)
        w = self.width(text)
        if w <= width or w == 0:
            return size
        return max(minimum, size * width / w * 0.98)

    def cell(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        text: str,
        size: float,
        bold: bool = False,
        colour: Colour = INK,
        align: str = "L",
    ) -> None:
        """One line, set smaller if it must be, to fit ``w``."""
        text = " ".join(text.split())
        size = self.fit(text, w, size, bold)
        self.font(size, bold, colour)
        clean = self.glyphs.clean(text)
        if self.width(clean) > w:  # still too wide at the smallest size: wrap instead
            self.block(x, y, w, h, text, size, bold, colour, align)
            return
        self.pdf.set_xy(x, y)
        with self._shaped(clean):
            self.pdf.cell(w, h, clean, align=align)
        self._drawn()

    def _measure(self, text: str, size: float, bold: bool) -> float:
        key = (text, size, bold)
        width = self._widths.get(key)
        if width is None:
            width = self._widths[key] = float(self.pdf.get_string_width(text))
        return width

    def lines(self, w: float, text: str, size: float, bold: bool = False) -> list[str]:
        """``text`` wrapped to ``w`` at ``size``: the lines it will print. Words are kept
        whole unless one is wider than the line (a run of CJK, a long link)."""
        self.font(size, bold)
        clean = self.glyphs.clean(text)
        if self.glyphs.shaping and any(is_rtl(ch) for ch in clean):
            with self._shaped(clean):  # shaped runs are measured and broken by fpdf2
                return cast(
                    list[str], self.pdf.multi_cell(w, 1, clean, dry_run=True, output="LINES")
                )
        out: list[str] = []
        for paragraph in clean.split("\n"):
            out += self._wrap(paragraph, w, size, bold)
        return out

    def _wrap(self, paragraph: str, w: float, size: float, bold: bool) -> list[str]:
        # Greedy, with measured words: fpdf2's own breaking re-measures the line for every
        # character, which takes seconds on years of dates.
        space = self._measure(" ", size, bold)
        lines: list[str] = []
        line, width = "", 0.0
        for word in paragraph.split(" "):
            ww = self._measure(word, size, bold)
            if line and width + space + ww <= w:
                line, width = f"{line} {word}", width + space + ww
                continue
            if line:
                lines.append(line)
            if ww <= w:
                line, width = word, ww
                continue
            line, width = "", 0.0
            for ch in word:  # a word wider than the line: break it between characters
                cw = self._measure(ch, size, bold)
                if line and width + cw > w:
                    lines.append(line)
                    line, width = "", 0.0
                line, width = line + ch, width + cw
        lines.append(line)
        return lines

    def draw(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        lines: Sequence[str],
        size: float,
        bold: bool = False,
        colour: Colour = INK,
        align: str = "L",
    ) -> float:
        """Lines already wrapped to ``w``, one under another; returns the y below them."""
        for i, line in enumerate(lines):
            self.font(size, bold, colour)
            self.pdf.set_xy(x, y + i * h)
            with self._shaped(line):
                self.pdf.cell(w, h, line, align=align)
            self._drawn()
        return y + len(lines) * h

    def block(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        text: str,
        size: float,
        bold: bool = False,
        colour: Colour = INK,
        align: str = "L",
    ) -> float:
        """Wrapped text at (x, y), line height ``h``; returns the y below it."""
        return self.draw(x, y, w, h, self.lines(w, text, size, bold), size, bold, colour, align)

    def height(self, w: float, h: float, text: str, size: float, bold: bool = False) -> float:
        return h * max(1, len(self.lines(w, text, size, bold)))


# What fpdf2 imports when it is installed, to sign and encrypt documents; backcare's pdfs are
# neither signed nor encrypted (issue 25: cryptography was 8 MiB of the report's peak).
UNUSED_BACKENDS = ("cryptography",)


def load_fpdf() -> None:
    """Import fpdf2 without the backends backcare never uses (:mod:`backcare.imports`).
    Call it before the first ``from fpdf import …``."""
    from backcare.imports import import_without

    import_without("fpdf", UNUSED_BACKENDS)


def make_pdf(title: str, subject: str) -> FPDF:
    """An A4 document with the bundled fonts, its language, title and outline, and the
    disclaimer and page number in every footer."""
    load_fpdf()
    from fpdf import FPDF
    from fpdf.enums import PageMode

    class Report(FPDF):
        def footer(self) -> None:
            self.set_draw_color(*RULE)
            self.set_line_width(0.2)
            self.line(MARGIN, PAGE_H - FOOTER_H + 2, PAGE_W - MARGIN, PAGE_H - FOOTER_H + 2)
            self.set_font(FONT, "", 6.5)
            self.set_text_color(*MUTED)
            self.set_xy(MARGIN, PAGE_H - FOOTER_H + 3.2)
            self.multi_cell(CONTENT_W - 24, 3, DISCLAIMER_SHORT, align="L")
            self.set_xy(PAGE_W - MARGIN - 22, PAGE_H - FOOTER_H + 3.2)
            self.cell(22, 3, f"page {self.page_no()} of {{nb}}", align="R")
            self.current_font_is_set_on_page = False

    pdf = Report(orientation="P", unit="mm", format="A4")
    for style, name in FONT_FILES.items():
        pdf.add_font(FONT, style, str(FONT_DIR / name))
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.c_margin = 0  # text starts where its box does: what is measured is what prints
    pdf.set_auto_page_break(auto=True, margin=PAGE_H - BOTTOM)
    pdf.set_title(title)
    pdf.set_lang(LANGUAGE)
    pdf.set_author("backcare")
    pdf.set_creator("backcare")
    pdf.set_subject(subject)
    pdf.page_mode = PageMode.USE_OUTLINES
    pdf.alias_nb_pages()
    return pdf


# --- blocks that flow over pages --------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    x: float
    width: float
    text: str
    size: float = 7.8
    bold: bool = False
    colour: Colour = INK
    align: str = "L"


def need(pdf: FPDF, height: float) -> None:
    """Start a new page unless ``height`` more fits on this one."""
    if pdf.get_y() + height > BOTTOM:
        pdf.add_page()


def flow(
    pdf: FPDF,
    w: Writer,
    cells: Sequence[Cell],
    line_h: float,
    pad: float = 0.0,
    new_page: Callable[[], None] | None = None,
    fill: Colour | None = None,
    rule: bool = False,
) -> None:
    """One row of wrapped cells side by side. A row longer than what is left of the page
    goes on at the top of the next (after ``new_page``, such as a table's header), a few
    lines at a time: nothing is cut, and no row is ever too tall to print."""
    wrapped = [w.lines(c.width, c.text, c.size, c.bold) if c.text.strip() else [] for c in cells]
    total = max((len(lines) for lines in wrapped), default=0)
    left = min(c.x for c in cells) - 1
    right = max(c.x + c.width for c in cells) + 1
    done = 0
    while done < total:
        room = int((BOTTOM - pdf.get_y() - 2 * pad) // line_h)
        if room < min(total - done, 2):
            pdf.add_page()
            if new_page is not None:
                new_page()
            continue
        take = min(room, total - done)
        y = pdf.get_y()
        height = take * line_h + 2 * pad
        if fill is not None:
            pdf.set_fill_color(*fill)
            pdf.rect(left, y, right - left, height, style="F")
        for c, lines in zip(cells, wrapped, strict=True):
            w.draw(
                c.x,
                y + pad,
                c.width,
                line_h,
                lines[done : done + take],
                c.size,
                c.bold,
                c.colour,
                c.align,
            )
        if rule:
            pdf.set_draw_color(*GRID)
            pdf.set_line_width(0.1)
            pdf.line(left, y + height, right, y + height)
        pdf.set_y(y + height)
        done += take


def heading(
    pdf: FPDF, w: Writer, text: str, gap: float = 2.6, keep: float = 8.0, level: int = 1
) -> None:
    """A section heading with a rule under it, and its entry in the document outline; kept
    on a page with ``keep`` millimetres of what follows."""
    need(pdf, gap + 6 + keep)
    y = pdf.get_y() + gap
    w.cell(MARGIN, y, CONTENT_W, 5, text, 9.5, bold=True, colour=ACCENT)
    pdf.start_section(text, level=level)
    pdf.set_draw_color(*ACCENT)
    pdf.set_line_width(0.3)
    pdf.line(MARGIN, y + 5, MARGIN + CONTENT_W, y + 5)
    pdf.set_y(y + 6.2)


def labelled(
    pdf: FPDF,
    w: Writer,
    label: str,
    text: str,
    label_w: float = 27.0,
    size: float = 7.8,
    colour: Colour = INK,
) -> None:
    """A label in the left column, and its text wrapped beside it."""
    cells = [Cell(MARGIN + label_w, CONTENT_W - label_w, text, size, colour=colour)]
    if label:
        cells.insert(0, Cell(MARGIN, label_w - 1.5, label, 7.2, bold=True, colour=MUTED))
    flow(pdf, w, cells, 3.7)
    pdf.set_y(pdf.get_y() + 0.6)


def table(
    pdf: FPDF,
    w: Writer,
    widths: Sequence[float],
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    aligns: Sequence[str],
    size: float = 7.0,
) -> None:
    """Rows of wrapped cells under a header that each page repeats."""
    line = size * 0.5
    xs = [MARGIN + sum(widths[:i]) for i in range(len(widths))]

    def head() -> None:
        flow(
            pdf,
            w,
            [
                Cell(x + 1, cw - 2, h, size, True, WHITE, align)
                for x, cw, h, align in zip(xs, widths, header, aligns, strict=True)
            ],
            line,
            pad=0.6,
            fill=ACCENT,
        )

    need(pdf, 12)
    head()
    for n, row in enumerate(rows):
        flow(
            pdf,
            w,
            [
                Cell(x + 1, cw - 2, text, size, align=align)
                for x, cw, text, align in zip(xs, widths, row, aligns, strict=True)
            ],
            line,
            pad=0.6,
            new_page=head,
            fill=STRIPE if n % 2 else None,
            rule=True,
        )
