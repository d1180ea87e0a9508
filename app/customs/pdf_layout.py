"""Drawing pieces of the customs PDF (app/customs/pdf_out.py) on fpdf2: rows of labelled boxes, a
table whose heading repeats on each page, tick boxes and signature lines. Rows are measured before
they are drawn, so a page break never cuts one in two."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from fpdf import FPDF
from fpdf.enums import MethodReturnValue

from app.customs.fonts import MAIN, add_fonts

MARGIN = 12.0  # mm
PAD = 1.2  # mm inside a box
LABEL_PT = 6.5
VALUE_PT = 9.0
LINE_FACTOR = 1.3  # line height / font size
PT = 25.4 / 72  # mm per point
GREY = (90, 90, 90)
HEADING_FILL = (236, 236, 236)


def line_height(size_pt: float) -> float:
    return size_pt * PT * LINE_FACTOR


class Sheet(FPDF):
    """A4, millimetres, the package fonts with shaping; the footer names the current document."""

    def __init__(self) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        add_fonts(self)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(False)  # rows break pages themselves (room_for)
        self.set_creator("storefront")
        self.footer_text = ""

    def footer(self) -> None:
        self.set_xy(MARGIN, self.h - MARGIN + 2)
        use_font(self, LABEL_PT)
        self.set_text_color(*GREY)
        with logical_text(self, self.footer_text):
            self.cell(self.epw, line_height(LABEL_PT), f"{self.footer_text}  ·  {self.page_no()}/{{nb}}")
        self.set_text_color(0)


def use_font(pdf: FPDF, size_pt: float) -> None:
    """Select the main font and write it into the page's content at the top level.

    fpdf2 2.8.9 sets the font of a line that starts with fallback-font text (Arabic) inside that
    line's q...Q, then takes it as set for the page: the Latin lines after it came out in no font
    (invisible) or in the Arabic font's glyph numbers. Setting it outside first keeps it set."""
    pdf.set_font(MAIN, size=size_pt)
    if pdf.page and pdf.current_font is not None:
        pdf._out(pdf._set_font_for_page(pdf.current_font, size_pt))


def right_to_left(text: str) -> bool:
    return any(unicodedata.bidirectional(ch) in ("R", "AL") for ch in text)


@contextmanager
def logical_text(pdf: FPDF, text: str) -> Iterator[None]:
    """Text with right-to-left runs is drawn as shaped glyphs in visual order, and Noto's Arabic
    letters are built of several glyphs (a body and its dots) that map to no character: copied
    out, it would come back scrambled. An ActualText span (ISO 32000-1 §14.9.4) gives readers the
    string as written. fpdf2 has no public call for a marked-content span, hence its `_out`."""
    if not right_to_left(text):
        yield
        return
    encoded = ("FEFF" + text.encode("utf-16-be").hex()).upper()
    pdf._out(f"/Span <</ActualText <{encoded}>>> BDC")
    yield
    pdf._out("EMC")


def wrapped(pdf: FPDF, width: float, text: str, size_pt: float) -> list[str]:
    """`text` broken into the lines that fit `width` (each still in logical order)."""
    if not text:
        return []
    use_font(pdf, size_pt)
    lines = pdf.multi_cell(width, line_height(size_pt), text, dry_run=True, output=MethodReturnValue.LINES)
    assert isinstance(lines, list)  # output=LINES alone: the list of lines
    return [str(line) for line in lines]


def lines_needed(pdf: FPDF, width: float, text: str, size_pt: float) -> int:
    return len(wrapped(pdf, width, text, size_pt))


def write(
    pdf: FPDF,
    x: float,
    y: float,
    width: float,
    text: str,
    size_pt: float = VALUE_PT,
    *,
    align: str = "L",
    grey: bool = False,
) -> float:
    """Text wrapped to `width` from (x, y), a line at a time so that each right-to-left line gets
    its own ActualText (one span over several lines reads back as one reversed line); returns the
    height used."""
    height = line_height(size_pt)
    lines = wrapped(pdf, width, text, size_pt)
    pdf.set_text_color(*(GREY if grey else (0, 0, 0)))
    for number, line in enumerate(lines):
        pdf.set_xy(x, y + number * height)
        with logical_text(pdf, line):
            pdf.cell(width, height, line, align=align)
    pdf.set_text_color(0)
    pdf.set_xy(x, y + len(lines) * height)
    return len(lines) * height


def room_for(pdf: FPDF, height: float) -> bool:
    """Start a new page when `height` does not fit; True when it did."""
    if pdf.get_y() + height <= pdf.h - MARGIN - 4:
        return False
    pdf.add_page()
    return True


@dataclass(frozen=True)
class Box:
    label: str
    value: str
    share: float  # of the row's width
    align: str = "L"
    value_pt: float = VALUE_PT


def box_height(pdf: FPDF, box: Box, width: float) -> float:
    inner = width - 2 * PAD
    label = lines_needed(pdf, inner, box.label, LABEL_PT) * line_height(LABEL_PT)
    value = lines_needed(pdf, inner, box.value, box.value_pt) * line_height(box.value_pt)
    return label + value + 2 * PAD + (0.6 if box.value else line_height(box.value_pt))


def box_row(pdf: FPDF, boxes: Sequence[Box], min_height: float = 0.0) -> None:
    """Boxes side by side, as tall as the tallest: a label in small grey type, the value below."""
    total = sum(b.share for b in boxes)
    widths = [pdf.epw * b.share / total for b in boxes]
    height = max([min_height, *(box_height(pdf, b, w) for b, w in zip(boxes, widths, strict=True))])
    room_for(pdf, height)
    x, y = pdf.l_margin, pdf.get_y()
    for box, width in zip(boxes, widths, strict=True):
        pdf.rect(x, y, width, height)
        used = write(pdf, x + PAD, y + PAD, width - 2 * PAD, box.label, LABEL_PT, grey=True)
        write(pdf, x + PAD, y + PAD + used + 0.6, width - 2 * PAD, box.value, box.value_pt, align=box.align)
        x += width
    pdf.set_xy(pdf.l_margin, y + height)


@dataclass(frozen=True)
class Column:
    heading: str
    share: float
    align: str = "L"


def table(pdf: FPDF, columns: Sequence[Column], rows: Sequence[Sequence[str]], size_pt: float = 8.0) -> None:
    """A bordered table; a row that does not fit goes to the next page under a repeated heading."""
    total = sum(c.share for c in columns)
    widths = [pdf.epw * c.share / total for c in columns]

    def row_height(cells: Sequence[str], pt: float) -> float:
        most = max(lines_needed(pdf, w - 2 * PAD, text, pt) for text, w in zip(cells, widths, strict=True))
        return max(most, 1) * line_height(pt) + 2 * PAD

    def draw(cells: Sequence[str], pt: float, height: float, heading: bool) -> None:
        x, y = pdf.l_margin, pdf.get_y()
        for text, width, column in zip(cells, widths, columns, strict=True):
            if heading:
                pdf.set_fill_color(*HEADING_FILL)
            pdf.rect(x, y, width, height, style="DF" if heading else "D")
            write(pdf, x + PAD, y + PAD, width - 2 * PAD, text, pt, align=column.align, grey=heading)
            x += width
        pdf.set_xy(pdf.l_margin, y + height)

    headings = [c.heading for c in columns]
    heading_height = row_height(headings, LABEL_PT)
    room_for(pdf, heading_height + row_height(rows[0], size_pt) if rows else heading_height)
    draw(headings, LABEL_PT, heading_height, True)
    for cells in rows:
        height = row_height(cells, size_pt)
        if room_for(pdf, height):
            draw(headings, LABEL_PT, heading_height, True)
        draw(cells, size_pt, height, False)


def tick_boxes(pdf: FPDF, boxes: Sequence[tuple[bool, str]]) -> None:
    """Squares with their labels in a row (wrapping onto more rows), crossed where ticked."""
    side, size_pt = 3.2, 7.5
    row_height = 6.0
    x, y = pdf.l_margin, pdf.get_y() + 0.5
    for ticked, label in boxes:
        use_font(pdf, size_pt)
        width = pdf.get_string_width(label) + 2 * pdf.c_margin + 0.5  # fits on one line
        if x > pdf.l_margin and x + side + width > pdf.l_margin + pdf.epw:
            x, y = pdf.l_margin, y + row_height
        pdf.rect(x, y + 0.3, side, side)
        if ticked:
            pdf.line(x + 0.5, y + 0.8, x + side - 0.5, y + side - 0.2)
            pdf.line(x + 0.5, y + side - 0.2, x + side - 0.5, y + 0.8)
        write(pdf, x + side + 0.5, y, width, label, size_pt)
        x += side + width + 3
    pdf.set_xy(pdf.l_margin, y + row_height)


def signature_lines(pdf: FPDF, fields: Sequence[tuple[str, str]]) -> None:
    """Lines to write on (name, date, signature), each with its label below and any value above."""
    height = 14.0
    room_for(pdf, height + 4)
    gap = 6.0
    width = (pdf.epw - gap * (len(fields) - 1)) / len(fields)
    x, y = pdf.l_margin, pdf.get_y() + 4
    for label, value in fields:
        if value:
            write(pdf, x, y + 3, width, value, VALUE_PT)
        pdf.line(x, y + 9, x + width, y + 9)
        write(pdf, x, y + 9.6, width, label, LABEL_PT, grey=True)
        x += width + gap
    pdf.set_xy(pdf.l_margin, y + height)
