"""A flat listing of applications as .csv (for any tool) and .xlsx (for Excel users)."""

import csv
import io
from zoneinfo import ZoneInfo

from openpyxl import Workbook

from portal import office

from ..apply import roles
from ..models import Application

SHANGHAI = ZoneInfo("Asia/Shanghai")

# The core columns come from the one role -> column table, less the summary (too long for a list).
LISTED = [column for column in roles.COLUMNS if column.role != roles.Role.SUMMARY]
HEADERS = ["申报编号", *(column.label(Application) for column in LISTED), "状态", "提交时间"]


def submitted_text(value):
    # Spelled out in Beijing time whatever the server's zone, so the file reads the same everywhere.
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def row(application):
    return [
        application.reference,
        *(column.read(application) for column in LISTED),
        application.get_status_display(),
        submitted_text(application.submitted_at),
    ]


def rows(applications):
    return (row(a) for a in applications.select_related("unit"))


def listing_csv(applications) -> bytes:
    """UTF-8 with a BOM: without it Excel reads the Chinese as the local code page."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows([office.csv_cell(v) for v in values] for values in rows(applications))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


WIDTHS = (15, 10, 22, 16, 28, 18, 6, 8, 13, 8, 13, 14, 19)  # characters; the widest fit A4 landscape


def listing_xlsx(applications) -> bytes:
    """Ready to print: A4 landscape one page wide, ruled cells that wrap, the header row on every page."""
    workbook = Workbook()
    office.named_styles(workbook)
    sheet = workbook.active
    sheet.title = "申报列表"
    sheet.append(office.text_cells(sheet, HEADERS, style="cell-bold"))
    for row_number, values in enumerate(rows(applications), start=2):
        sheet.append(office.text_cells(sheet, values, style="cell"))
        # LibreOffice does not grow a wrapped row when it opens an .xlsx: give the row the lines it needs.
        lines = max(office.estimated_lines(v, w) for v, w in zip(values, WIDTHS, strict=True))
        if lines > 1:
            sheet.row_dimensions[row_number].height = 15 * lines
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCDEFGHIJKLM", WIDTHS, strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.row_dimensions[1].height = 30  # 芙蓉学校, 负责人手机号码… wrap on two lines
    office.a4_page(sheet, repeat_rows="1:1", landscape=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
