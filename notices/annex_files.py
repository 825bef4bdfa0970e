"""The annexes as files generated from their pages' content.

Blank, they are the templates the public downloads; filled (``summary_workbook`` with rows,
``application_document`` with values) they are the review's exports.
"""

import io
from copy import copy

from docx.enum.table import WD_ALIGN_VERTICAL
from openpyxl import Workbook
from openpyxl.cell import Cell

from portal import office
from portal.text import project_title

from . import annex4

# 附件4's page plan, in points. Body text is 12 pt on exact 18 pt lines; widths are in half-width units (a
# Chinese character is two), a little under what fits so that an estimate never comes out short.
PAGE_PT = (29.7 - 2 * 2.54) / 2.54 * 72  # A4 less the top and bottom margins
LINE_PT = 18
ROW_PT = 1 / 2.54 * 72  # 1 cm: the one-line rows, room to write by hand
BORDER_PT = 2
FOOTNOTE_PT = 16
SAFETY_PT = 24  # the paragraph mark Word keeps after a table, and rounding
FULL_LINE_WIDTH = 68  # 35 characters fit across the form
QUARTER_LINE_WIDTH = 14
OPINION_LINE_WIDTH = 30  # 16 fit in a half-width opinion box
TITLE_LINE_WIDTH = 46  # 18 pt
FOOTNOTE_LINE_WIDTH = 78  # 10.5 pt
OPINION_MIN_LINES = 3  # lines for an opinion written by hand
STAMP_LINES = 5  # blank lines under the opinion: with 负责人 and the date, 7 lines (4.4 cm) for a 4.2 cm seal
SUMMARY_MIN_LINES = 6
CONTINUED = "（下转续页）"
CONTINUATION_TITLE = "试点实施方案要点（续页）"
STAMP_ROW_HEIGHT = 128  # points, 4.5 cm: the bureau's row takes its seal (4.2 cm across for a county bureau)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def file_name(page, extension):
    return f"附件{page.annex_number} {page.title}.{extension}"


def build(page):
    """(file name, bytes) for an annex page, by its type."""
    from .models import ApplicationTemplatePage, OutlinePage, QuotaTablePage, SummaryTablePage, TopicGuidePage

    if isinstance(page, QuotaTablePage):
        return file_name(page, "xlsx"), quota_workbook(page)
    if isinstance(page, TopicGuidePage):
        return file_name(page, "docx"), topic_guide_document(page)
    if isinstance(page, SummaryTablePage):
        return file_name(page, "xlsx"), summary_workbook(page, rows=[])
    if isinstance(page, ApplicationTemplatePage):
        return file_name(page, "docx"), application_document(page, {})
    if isinstance(page, OutlinePage):
        return file_name(page, "docx"), outline_document(page)
    raise TypeError(f"No file for {type(page).__name__}")


def _workbook_bytes(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_heading(sheet, page, width):
    """附件N, the title (its lines joined by line breaks) and the subtitle, merged across the table."""
    sheet.append([f"附件{page.annex_number}"])
    sheet["A1"].font = office.xlsx_font(12, bold=True)
    lines = page.heading_lines()
    sheet.append(["\n".join(lines)])
    row = sheet.max_row
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    cell = sheet.cell(row=row, column=1)
    cell.font = office.xlsx_font(16, bold=True)
    cell.alignment = office.WRAP_CENTER
    sheet.row_dimensions[row].height = 24 * len(lines)
    if page.subtitle:
        sheet.append([page.subtitle])
        row = sheet.max_row
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        sheet.cell(row=row, column=1).alignment = office.WRAP_CENTER
        sheet.cell(row=row, column=1).font = office.xlsx_font(12)


def _style_row(sheet, row, width, style="cell"):
    for column in range(1, width + 1):
        sheet.cell(row=row, column=column).style = style


def quota_workbook(page):
    workbook = Workbook()
    office.named_styles(workbook)
    sheet = workbook.active
    sheet.title = "名额分配表"
    _sheet_heading(sheet, page, 2)
    sheet.append([page.unit_column, page.quota_column])
    header_row = sheet.max_row
    _style_row(sheet, header_row, 2, "cell-bold")
    for quota in page.rows():
        sheet.append([quota.unit.name, quota.quota])
        _style_row(sheet, sheet.max_row, 2)
    sheet.append([page.total_label, page.total()])
    _style_row(sheet, sheet.max_row, 2, "cell-bold")
    sheet.column_dimensions["A"].width = 30
    sheet.column_dimensions["B"].width = 30
    office.a4_page(sheet, repeat_rows=f"{header_row}:{header_row}")
    return _workbook_bytes(workbook)


def summary_workbook(page, rows, bureau_name="", leader="", phone=""):
    """附件3 申报汇总表. ``rows`` are (unit, category, project, remark) tuples; with none, blank rows are printed.
    ``bureau_name`` is the stamping bureau's full name (平江县教育局), printed after the bureau label."""
    workbook = Workbook()
    office.named_styles(workbook)
    sheet = workbook.active
    sheet.title = "申报汇总表"
    _sheet_heading(sheet, page, 4)
    sheet.append([office.safe_cell(page.bureau_label + (bureau_name or ""))])
    row = sheet.max_row
    sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=4)
    _style_row(sheet, row, 4, "cell-left")
    sheet.append([page.leader_label, office.safe_cell(leader), page.phone_label, office.safe_cell(phone)])
    _style_row(sheet, sheet.max_row, 4)
    for cell in sheet[sheet.max_row]:
        office.as_text(cell)
    sheet.append(page.columns())
    header_row = sheet.max_row
    _style_row(sheet, header_row, 4, "cell-bold")
    for filled_in_by_hand in range(header_row - 1, header_row + 1):  # leader, column heads
        sheet.row_dimensions[filled_in_by_hand].height = 30
    sheet.row_dimensions[header_row - 2].height = STAMP_ROW_HEIGHT
    row = header_row
    widths = (24, 22, 40, 18)
    first_data_row = row + 1
    for values in rows or [("", "", "", "")] * page.blank_rows:
        row += 1  # counted, not read back: sheet.max_row scans every cell
        cells = [office.safe_cell(v) for v in values]
        if row == first_data_row:
            sheet.append(cells)
            _style_row(sheet, row, 4)
            for column in range(1, 5):
                office.as_text(sheet.cell(row=row, column=column))  # after the named style, which resets the flag
            prototypes = [sheet.cell(row=row, column=c)._style for c in range(1, 5)]
        else:
            # Cells made with a copy of the first row's style, as openpyxl's own worksheet copy does: several
            # times cheaper than assigning the named style to each cell of a 2,000-row table.
            sheet.append(
                [office.as_text(Cell(sheet, value=v, style_array=copy(p))) for v, p in zip(cells, prototypes, strict=True)]
            )
        # LibreOffice does not grow a wrapped row when it opens an .xlsx: give a row the lines it needs (and
        # a blank form two lines a row, room to write by hand).
        lines = max(office.estimated_lines(c, w) for c, w in zip(cells, widths, strict=True)) if rows else 2
        if lines > 1:
            sheet.row_dimensions[row].height = 15 * lines
    for letter, width in zip("ABCD", widths, strict=True):
        sheet.column_dimensions[letter].width = width
    office.a4_page(sheet, repeat_rows=f"{header_row}:{header_row}")
    return _workbook_bytes(workbook)


def _docx_heading(document, page):
    office.add_paragraph(document, f"附件{page.annex_number}", size=12, bold=True, font=office.HEADING_FONT)
    office.add_title(document, page.heading_lines())
    if page.subtitle:
        office.add_paragraph(document, page.subtitle, size=14, align="center")


def topic_guide_document(page):
    from .templatetags.notice_tags import cn_numeral

    document = office.new_document()
    _docx_heading(document, page)
    for i, category in enumerate(page.categories.all(), start=1):
        office.add_paragraph(document, f"{cn_numeral(i)}、{category.title}", bold=True, font=office.HEADING_FONT)
        office.add_paragraph(document, f"试点条件：{category.conditions}", indent=True)
        office.add_paragraph(document, f"试点方向：{category.directions}", indent=True)
    if page.applicants:
        office.add_paragraph(document, f"申报对象：{page.applicants}", indent=True)
    return office.docx_bytes(document)


def outline_document(page):
    from .templatetags.notice_tags import cn_numeral, numbered_items

    document = office.new_document()
    _docx_heading(document, page)
    for i, block in enumerate(page.body, start=1):
        office.add_paragraph(document, f"{cn_numeral(i)}、{block.value['heading']}", bold=True, font=office.HEADING_FONT)
        for paragraph in block.value["paragraphs"]:
            office.add_paragraph(document, paragraph, indent=True)
        for number, text in numbered_items(block.value["items"]):
            office.add_paragraph(document, f"{number}{text}", indent=True)
    return office.docx_bytes(document)


def _opinion_text(label, opinion, lines, labels):
    """An opinion box: the label, the opinion, blank lines down to 负责人/盖章 and the date at its foot."""
    padding = "\n" * (lines - 3 - office.estimated_lines(opinion, OPINION_LINE_WIDTH))
    return f"{label}\n{opinion}{padding}\n{labels['signer']}　　　　　{labels['stamp']}"


def application_document(page, values):
    """附件4 申请表, blank or filled from ``values`` (school, project, subtitle, leader, leader_phone, contact,
    contact_phone, summary, district_opinion, district_date, city_opinion, city_date, reference).

    The form is the page that is signed and stamped, so it is planned to stay one A4 page: every line has an
    exact height, the opinion boxes get the lines their text needs plus room for a seal, and the summary box
    takes what is left of the page. A summary longer than its box goes on to a 续页 after the form, as the
    form itself says (可另附页), instead of pushing the opinion boxes onto a page of their own.
    """
    v = {key: (value or "") for key, value in values.items()}
    labels = annex4.LAYOUT
    document = office.new_document()
    if v.get("reference"):
        # In the page header: on every page, and it takes no room from the one-page form.
        office.add_paragraph(document.sections[0].header, f"申报编号：{v['reference']}", size=10.5, align="right")
    used = 0  # points of the page's height taken, estimated line by line
    office.exact_spacing(office.add_paragraph(document, f"附件{page.annex_number}", size=12, bold=True,
                                              font=office.HEADING_FONT), 20)
    used += 20
    for line in page.heading_lines():
        office.exact_spacing(office.add_paragraph(document, line, size=18, bold=True, align="center",
                                                  font=office.HEADING_FONT), 30)
        used += 30 * office.estimated_lines(line, TITLE_LINE_WIDTH)
    if page.subtitle:
        office.exact_spacing(office.add_paragraph(document, page.subtitle, size=14, align="center"), 24, after_pt=6)
        used += 30

    table = office.bordered_table(document, rows=6, cols=4)
    rows = table.rows
    project_name = project_title(v.get("project", ""), v.get("subtitle"))
    for row, text in ((rows[0], labels["school"] + v.get("school", "")), (rows[1], labels["project"] + project_name)):
        office.set_cell_text(row.cells[0].merge(row.cells[3]), text, line_pt=LINE_PT)
        used += max(ROW_PT, LINE_PT * office.estimated_lines(text, FULL_LINE_WIDTH) + BORDER_PT)
    for row, who, name, phone in (
        (rows[2], labels["leader"], v.get("leader", ""), v.get("leader_phone", "")),
        (rows[3], labels["contact"], v.get("contact", ""), v.get("contact_phone", "")),
    ):
        for cell, text in zip(row.cells, (who, name, labels["phone"], phone), strict=True):
            office.set_cell_text(cell, text, align="center", line_pt=LINE_PT)
        used += max(ROW_PT, LINE_PT * office.estimated_lines(name, QUARTER_LINE_WIDTH) + BORDER_PT)
    for row in rows[:4]:
        office.set_row_height(row, pt=ROW_PT)  # room for handwriting and the school's stamp
        for cell in row.cells:
            cell.vertical_alignment = WD_ALIGN_VERTICAL.CENTER
    footnote = getattr(page, "footnote", "")
    if footnote:
        used += FOOTNOTE_PT * office.estimated_lines(footnote, FOOTNOTE_LINE_WIDTH) + 4

    # The opinion boxes: their label, the longer opinion (or lines to write one by hand), then room for the seal.
    opinions = (v.get("district_opinion", ""), v.get("city_opinion", ""))
    text_lines = max([OPINION_MIN_LINES] + [office.estimated_lines(o, OPINION_LINE_WIDTH) for o in opinions if o])
    opinion_lines = 1 + text_lines + STAMP_LINES + 2
    opinion_pt = opinion_lines * LINE_PT + BORDER_PT
    # The summary box: the rest of the page; its text is cut where the box is full, the rest goes to the 续页.
    summary_pt = max(SUMMARY_MIN_LINES * LINE_PT, PAGE_PT - used - opinion_pt - SAFETY_PT)
    capacity = int((summary_pt - BORDER_PT) // LINE_PT) - 1  # lines under the box's label
    summary, rest = office.cut_to_lines(v.get("summary", ""), capacity, FULL_LINE_WIDTH)
    if rest:
        summary, rest = office.cut_to_lines(v.get("summary", ""), capacity - 1, FULL_LINE_WIDTH)
        summary += "\n" + CONTINUED
    cell = rows[4].cells[0].merge(rows[4].cells[3])
    office.set_cell_text(cell, labels["summary"] + "\n" + summary, line_pt=LINE_PT)
    office.set_row_height(rows[4], pt=summary_pt)
    for cells, label, opinion, date in (
        ((rows[5].cells[0], rows[5].cells[1]), labels["district_opinion"], opinions[0], v.get("district_date")),
        ((rows[5].cells[2], rows[5].cells[3]), labels["city_opinion"], opinions[1], v.get("city_date")),
    ):
        cell = cells[0].merge(cells[1])
        office.set_cell_text(cell, _opinion_text(label, opinion, opinion_lines, labels), line_pt=LINE_PT)
        office.exact_spacing(office.add_paragraph(cell, date or labels["date"], align="right"), LINE_PT)
    office.set_row_height(rows[5], pt=opinion_pt)
    for row in rows[4:]:
        office.keep_row_together(row)
    if footnote:
        paragraph = office.add_paragraph(document, footnote, size=10.5)
        office.exact_spacing(paragraph, FOOTNOTE_PT, before_pt=4)
    if rest:
        _continuation(document, v, rest)
    return office.docx_bytes(document)


def _continuation(document, v, rest):
    """The 续页: the rest of the summary on a page of its own, named so that a loose sheet finds its form."""
    heading = office.add_paragraph(document, CONTINUATION_TITLE, size=14, bold=True, align="center",
                                   font=office.HEADING_FONT)
    office.exact_spacing(heading, 28, after_pt=6).paragraph_format.page_break_before = True
    who = f"申报学校：{v.get('school', '')}　　试点项目：{project_title(v.get('project', ''), v.get('subtitle'))}"
    office.exact_spacing(office.add_paragraph(document, who, size=10.5), FOOTNOTE_PT, after_pt=6)
    table = office.bordered_table(document, rows=1, cols=1)
    office.set_cell_text(table.rows[0].cells[0], "（接上页）\n" + rest, line_pt=LINE_PT)
