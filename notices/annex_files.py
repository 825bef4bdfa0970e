"""The annexes as files generated from their pages' content.

Blank, they are the templates the public downloads; filled (``summary_workbook`` with rows,
``application_document`` with values) they are the review's exports.
"""

import io
from copy import copy

from openpyxl import Workbook
from openpyxl.cell import Cell

from portal import office
from portal.text import project_title

from . import annex4

OPINION_LINES = 6  # lines of 12 pt text in the 5.5 cm opinion box above the signature
OPINION_LINE_WIDTH = 28  # half-width units per line in a half-page box
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
            sheet.append([office.as_text(Cell(sheet, value=v, style_array=copy(p))) for v, p in zip(cells, prototypes, strict=True)])
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


def application_document(page, values):
    """附件4 申请表, blank or filled from ``values`` (school, project, subtitle, leader, leader_phone, contact,
    contact_phone, summary, district_opinion, district_date, city_opinion, city_date, reference)."""
    v = {key: (value or "") for key, value in values.items()}
    labels = annex4.LAYOUT
    document = office.new_document()
    if v.get("reference"):
        # In the page header: on every page, and it takes no room from the one-page form.
        office.add_paragraph(document.sections[0].header, f"申报编号：{v['reference']}", size=10.5, align="right")
    office.add_paragraph(document, f"附件{page.annex_number}", size=12, bold=True, font=office.HEADING_FONT)
    office.add_title(document, page.heading_lines())
    if page.subtitle:
        office.add_paragraph(document, page.subtitle, size=14, align="center")

    table = office.bordered_table(document, rows=6, cols=4)
    rows = table.rows
    school = rows[0].cells[0].merge(rows[0].cells[3])
    office.set_cell_text(school, labels["school"] + v.get("school", ""))
    project_name = project_title(v.get("project", ""), v.get("subtitle"))
    project = rows[1].cells[0].merge(rows[1].cells[3])
    office.set_cell_text(project, labels["project"] + project_name)
    for row, who, name, phone in (
        (rows[2], labels["leader"], v.get("leader", ""), v.get("leader_phone", "")),
        (rows[3], labels["contact"], v.get("contact", ""), v.get("contact_phone", "")),
    ):
        office.set_cell_text(row.cells[0], who, align="center")
        office.set_cell_text(row.cells[1], name, align="center")
        office.set_cell_text(row.cells[2], labels["phone"], align="center")
        office.set_cell_text(row.cells[3], phone, align="center")
    for row in rows[:4]:
        office.set_row_height(row, 1)  # room for handwriting and the school's stamp
    summary = rows[4].cells[0].merge(rows[4].cells[3])
    office.set_cell_text(summary, labels["summary"] + "\n" + v.get("summary", ""))
    office.set_row_height(rows[4], 8.5)
    for cells, label, opinion, date in (
        ((rows[5].cells[0], rows[5].cells[1]), labels["district_opinion"], v.get("district_opinion"), v.get("district_date")),
        ((rows[5].cells[2], rows[5].cells[3]), labels["city_opinion"], v.get("city_opinion"), v.get("city_date")),
    ):
        cell = cells[0].merge(cells[1])
        # Blank lines push 负责人/盖章 and the date towards the foot of the box, as on the paper form.
        padding = "\n" * max(1, OPINION_LINES - office.estimated_lines(opinion or "", OPINION_LINE_WIDTH))
        office.set_cell_text(cell, f"{label}\n{opinion or ''}{padding}{labels['signer']}　　　　　{labels['stamp']}")
        office.add_paragraph(cell, date or labels["date"], align="right")
    office.set_row_height(rows[5], 5.5)
    office.keep_row_together(rows[5])
    if getattr(page, "footnote", ""):
        office.add_paragraph(document, page.footnote, size=10.5)
    return office.docx_bytes(document)
