"""Small helpers for the .docx and .xlsx files the portal generates: A4 pages and fonts that show Chinese.

Word and LibreOffice pick the font for Chinese text from the *East Asian* font slot (w:eastAsia), which
python-docx does not set by itself; without it Chinese falls back to whatever the viewer has.
"""

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side

from .text import clean_text

CJK_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"

# ---------------------------------------------------------------- docx


def _east_asian_font(rpr, font):
    """Set the East Asian font slot of a run's (or style's) properties; returns the rFonts element."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    rfonts.set(qn("w:eastAsia"), font)
    return rfonts


def set_run_font(run, east_asian=CJK_FONT, size=None, bold=None):
    run.font.name = LATIN_FONT
    rfonts = _east_asian_font(run._element.get_or_add_rPr(), east_asian)
    # Shared punctuation (“ ” ：…) is drawn from the East Asian font, as in a Chinese document.
    rfonts.set(qn("w:hint"), "eastAsia")
    if size:
        run.font.size = Pt(size)
    if bold is not None:
        run.bold = bold
    return run


def new_document():
    """An A4 document whose default style uses a Chinese font."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.54)
    section.left_margin = section.right_margin = Cm(2.8)
    normal = document.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = Pt(12)
    rpr = normal.element.get_or_add_rPr()
    _east_asian_font(rpr, CJK_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")
    return document


def add_paragraph(document_or_cell, text="", *, size=None, bold=None, align=None, font=CJK_FONT, indent=False):
    paragraph = document_or_cell.add_paragraph()
    if align == "center":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif align == "right":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if indent:
        paragraph.paragraph_format.first_line_indent = Pt((size or 12) * 2)
    if text:
        set_run_font(paragraph.add_run(clean_text(text)), east_asian=font, size=size, bold=bold)
    return paragraph


def add_title(document, lines, size=18):
    for line in lines:
        add_paragraph(document, line, size=size, bold=True, align="center", font=HEADING_FONT)


def exact_spacing(paragraph, line_pt, after_pt=0, before_pt=0):
    """Lines exactly ``line_pt`` apart and no space around: Word, WPS and LibreOffice then give the paragraph
    the same height whatever font each substitutes, so a page can be planned."""
    paragraph.paragraph_format.line_spacing = Pt(line_pt)
    paragraph.paragraph_format.space_before = Pt(before_pt)
    paragraph.paragraph_format.space_after = Pt(after_pt)
    return paragraph


def set_cell_text(cell, text, *, size=12, bold=None, align=None, line_pt=None):
    """Replace a table cell's content with one or more lines (split on newlines); ``line_pt``: exact spacing."""
    cell.text = ""
    lines = clean_text(str(text)).split("\n") if text is not None else [""]
    first = cell.paragraphs[0]
    for i, line in enumerate(lines):
        paragraph = first if i == 0 else cell.add_paragraph()
        if align == "center":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif align == "right":
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        if line_pt:
            exact_spacing(paragraph, line_pt)
        set_run_font(paragraph.add_run(line), size=size, bold=bold)


def bordered_table(document, rows, cols):
    table = document.add_table(rows=rows, cols=cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    return table


def set_row_height(row, cm=None, pt=None):
    row.height = Cm(cm) if cm is not None else Pt(pt)  # at least this high: a row with more text grows


def keep_row_together(row):
    """A table row that is never split across pages (the opinion boxes with their signatures)."""
    tr_pr = row._tr.get_or_add_trPr()
    if tr_pr.find(qn("w:cantSplit")) is None:
        tr_pr.append(OxmlElement("w:cantSplit"))


def estimated_lines(text, width):
    """Lines ``text`` takes in a column ``width`` half-width characters wide (a Chinese character is two)."""
    text = str(text or "")
    if len(text) * 2 <= width and "\n" not in text:
        return 1  # the common case, decided without encoding
    lines = 0
    for line in text.split("\n"):
        units = len(line.encode("gbk", "replace"))  # GBK: two bytes a Chinese character, one a Latin one
        lines += max(1, -(-units // max(1, int(width))))
    return lines


def cut_to_lines(text, lines, width):
    """(head, rest): the most of ``text`` that takes at most ``lines`` lines ``width`` half-width units wide,
    ended at a sentence or a clause where one is near, and what is left (with its line breaks)."""
    head, used = [], 0
    paragraphs = str(text or "").split("\n")
    for i, paragraph in enumerate(paragraphs):
        need = estimated_lines(paragraph, width)
        if used + need <= lines:
            head.append(paragraph)
            used += need
            continue
        room, end = (lines - used) * width, 0
        for ch in paragraph:
            room -= len(ch.encode("gbk", "replace"))
            if room < 0:
                break
            end += 1
        # End at a sentence in the last half, else at a clause in the last third, else where the box is full.
        for marks, share in (("。；！？;!?", 2), ("，、：,:", 3)):
            at = max(paragraph.rfind(mark, 0, end) for mark in marks) + 1
            if at > end - end // share:
                end = at
                break
        if end:
            head.append(paragraph[:end])
        return "\n".join(head), "\n".join([paragraph[end:], *paragraphs[i + 1 :]]).strip("\n")
    return "\n".join(head), ""


def docx_bytes(document):
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- xlsx

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)


def xlsx_font(size=11, bold=False):
    return Font(name=CJK_FONT, size=size, bold=bold)


def a4_page(sheet, repeat_rows=None, landscape=False):
    """Print on A4, one page wide (as many down as it takes), centred; ``repeat_rows`` (print titles) head
    every page."""
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.6
    if repeat_rows:
        sheet.print_title_rows = repeat_rows


def named_styles(workbook):
    """Bordered cell styles registered once per workbook: assigning a named style is cheap, building fonts,
    borders and alignments per cell is not (it made a 2,000-row export several times slower than the bare
    write)."""
    styles = (("cell", False, WRAP_CENTER), ("cell-bold", True, WRAP_CENTER), ("cell-left", False, WRAP_LEFT))
    for name, bold, align in styles:
        workbook.add_named_style(NamedStyle(name=name, font=xlsx_font(11, bold=bold), border=BORDER, alignment=align))


_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")


def starts_like_formula(value):
    """Text a spreadsheet would run as a formula if typed in (=, +, -, @ …)."""
    return isinstance(value, str) and value.startswith(_FORMULA_PREFIXES)


def safe_cell(value):
    """Text an .xlsx cell can hold: no characters XML forbids. Pass the cell through ``as_text`` once styled."""
    return clean_text(value) if isinstance(value, str) else value


def as_text(cell):
    """Keep a value that starts like a formula as text, with nothing added to what the clerk reads: stored as
    a string (openpyxl writes "=…" as a formula otherwise) and flagged quotePrefix, as Excel does for text typed
    after an apostrophe, so it stays text when the cell is edited. Call it after styling: a named style resets
    the flag."""
    if starts_like_formula(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def text_cells(sheet, values, style=None):
    """Cells for ``sheet.append`` (normal or write-only), in the named ``style``, through ``as_text``. All cells,
    not only the guarded: a write-only sheet reuses a cell it was given for the values after it, flag included."""
    cells = [Cell(sheet, row=1, column=1, value=safe_cell(v)) for v in values]
    for cell in cells:
        if style:
            cell.style = style
        as_text(cell)
    return cells


def csv_cell(value):
    """CSV has no cell types: there a leading apostrophe is the standard guard against formulas."""
    value = safe_cell(value)
    return "'" + value if starts_like_formula(value) else value
