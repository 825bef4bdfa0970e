"""The review's exports, opened the way a user would: Excel/WPS for .xlsx, Word for .docx, an unzip tool for the ZIP."""

import csv
import functools
import hashlib
import io
import shutil
import subprocess
import zipfile

import docx
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from applications.apply.storage import application_storage
from applications.exports.docx import application_docx
from applications.exports.dossier import clean_name, dossier_response, dossier_stream
from applications.exports.listing import HEADERS, listing_csv, listing_xlsx
from applications.exports.xlsx import summary_xlsx
from applications.models import Application, ApplicationFile
from applications.states import Status
from notices.models import Unit

from .factories import ApplicationFactory, ApplicationFileFactory

INJECTION = '=HYPERLINK("http://x","y")'


@pytest.fixture(autouse=True)
def private_storage(tmp_path, settings):
    """Application files go to a throwaway folder, never var/private."""
    settings.STORAGES = {
        **settings.STORAGES,
        "applications": {
            "BACKEND": "applications.apply.storage.PrivateFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private")},
        },
    }
    return application_storage()


@pytest.fixture
def make_application(call):
    """Applications to the 2019 call, from 岳阳楼区 unless told, in the wording these exports are checked against."""
    return functools.partial(
        ApplicationFactory, call=call, unit="岳阳楼区", category="智慧课堂",
        leader_phone="13800000001", contact_phone="13900000002",
    )


def sheet_of(data):
    return load_workbook(io.BytesIO(data)).active


def values(sheet):
    return list(sheet.iter_rows(values_only=True))


def row_after_header(rows, header):
    start = rows.index(header) + 1
    return rows[start:]


# ---------------------------------------------------------------- 附件3 汇总表

SUMMARY_HEADER = ["单位名称", "试点类别", "申报试点项目名称", "备注（是否芙蓉学校）"]


@pytest.mark.django_db
def test_summary_for_one_unit_is_annex_3_filled(call, make_application):
    make_application(school="岳阳市第一中学", project_name="智慧课堂", subtitle="以平板为载体", is_furong=True)
    make_application(school="岳阳市第二中学", project_name="创客教育")
    make_application(unit="平江县", project_name="别的县")
    unit = Unit.objects.get(name="岳阳楼区")

    sheet = sheet_of(summary_xlsx(call, Application.objects.all(), unit=unit))
    rows = values(sheet)

    assert rows[0][0] == "附件3"
    assert rows[1][0] == "2019年岳阳市教育信息化创新\n试点项目申报汇总表"
    assert any(r[0] == "县市区教育局名称（盖章）：岳阳楼区教育局" for r in rows)  # the bureau that stamps, not the area
    leader_row = next(r for r in rows if r[0] == "县市区申报负责人")
    assert leader_row[1] is None and leader_row[3] is None  # the district fills these in
    data = row_after_header(rows, tuple(SUMMARY_HEADER))
    assert data == [
        ("岳阳市第一中学", "智慧课堂", "智慧课堂——以平板为载体", "是"),  # 单位名称 is the applying school
        ("岳阳市第二中学", "智慧课堂", "创客教育", "否"),
    ]


@pytest.mark.django_db
def test_summary_for_the_city_orders_by_unit_then_submission(call, make_application):
    now = timezone.now()
    make_application(unit="市本级", school="市一中", project_name="市本级项目", submitted_at=now)
    make_application(unit="岳阳楼区", school="楼区二中", project_name="后提交", submitted_at=now)
    make_application(unit="岳阳楼区", school="楼区一中", project_name="先提交", submitted_at=now - timezone.timedelta(hours=1))
    make_application(unit="平江县", school="平江一中", project_name="平江项目", submitted_at=now)

    rows = values(sheet_of(summary_xlsx(call, Application.objects.all())))
    data = row_after_header(rows, tuple(SUMMARY_HEADER))

    assert [r[:3:2] for r in data] == [
        ("平江一中（平江县）", "平江项目"),  # the city-wide table names the district after the school
        ("楼区一中（岳阳楼区）", "先提交"),
        ("楼区二中（岳阳楼区）", "后提交"),
        ("市一中（市本级）", "市本级项目"),
    ]
    assert ("县市区教育局名称（盖章）：", None, None, None) in rows  # the city-wide table names no bureau


@pytest.mark.django_db
def test_summary_prints_on_a4_with_borders_and_chinese_font(call, make_application):
    make_application()
    sheet = sheet_of(summary_xlsx(call, Application.objects.all()))

    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.print_title_rows  # the header row repeats on every printed page
    header = next(row for row in sheet.iter_rows() if row[0].value == "单位名称")
    data = sheet[header[0].row + 1]
    for cell in (*header, *data):
        assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin"
        assert cell.alignment.wrap_text
        assert cell.font.name == "宋体"


def assert_text_without_apostrophe(cell, expected):
    """What the clerk sees is what the school typed; the file stores it as text, never as a formula."""
    assert cell.value == expected
    assert cell.data_type == "s"
    assert cell.quotePrefix  # Excel keeps it text when the cell is edited


@pytest.mark.django_db
def test_summary_bureau_row_names_the_bureau_and_has_room_for_its_seal(call, make_application):
    make_application(unit="平江县")
    make_application(unit="市本级")
    sheet = sheet_of(summary_xlsx(call, Application.objects.all(), unit=Unit.objects.get(name="平江县")))
    bureau = next(row[0] for row in sheet.iter_rows() if str(row[0].value).startswith("县市区教育局名称"))

    assert bureau.value == "县市区教育局名称（盖章）：平江县教育局"
    assert sheet.row_dimensions[bureau.row].height >= 119  # a county bureau's seal is 4.2 cm (119 pt) across
    city_level = sheet_of(summary_xlsx(call, Application.objects.all(), unit=Unit.objects.get(name="市本级")))
    assert "县市区教育局名称（盖章）：岳阳市教育体育局" in [r[0] for r in values(city_level)]  # the city's own bureau


@pytest.mark.django_db
def test_formula_in_a_school_or_project_is_text(call, make_application):
    make_application(project_name=INJECTION, school=INJECTION)
    make_application(project_name="@SUM(A1) 项目", school="=SUM(A1)")

    summary = sheet_of(summary_xlsx(call, Application.objects.all()))
    cells = {c.value: c for row in summary.iter_rows() for c in row if c.value}
    assert_text_without_apostrophe(cells[INJECTION + "（岳阳楼区）"], INJECTION + "（岳阳楼区）")  # the city-wide 单位名称
    assert_text_without_apostrophe(cells[INJECTION], INJECTION)
    assert_text_without_apostrophe(cells["@SUM(A1) 项目"], "@SUM(A1) 项目")
    assert not any(str(v).startswith("'") for v in cells)
    unit_summary = sheet_of(summary_xlsx(call, Application.objects.all(), unit=Unit.objects.get(name="岳阳楼区")))
    school = next(c for row in unit_summary.iter_rows() for c in row if c.value == "=SUM(A1)")
    assert_text_without_apostrophe(school, "=SUM(A1)")  # the first data row, styled on its own path

    listing = sheet_of(listing_xlsx(Application.objects.order_by("pk")))
    assert_text_without_apostrophe(listing.cell(row=2, column=HEADERS.index("申报学校") + 1), INJECTION)
    assert_text_without_apostrophe(listing.cell(row=3, column=HEADERS.index("试点项目名称") + 1), "@SUM(A1) 项目")
    assert not listing.cell(row=2, column=1).quotePrefix  # an ordinary value keeps an ordinary cell

    text = listing_csv(Application.objects.order_by("pk")).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][2] == "'" + INJECTION  # in CSV the apostrophe is the guard
    assert list(csv.reader(io.StringIO(text)))[2][4] == "'@SUM(A1) 项目"


# ---------------------------------------------------------------- 附件4 申请表


def docx_text(data):
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.sections[0].header.paragraphs] + [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts), document


@pytest.mark.django_db
def test_application_docx_is_annex_4_filled(make_application):
    application = make_application(school="岳阳市第一中学", project_name="智慧课堂", subtitle="以平板为载体")

    text, document = docx_text(application_docx(application))

    assert "岳阳市第一中学" in text
    assert "智慧课堂——以平板为载体" in text
    assert "张三" in text and "13800000001" in text and "李四" in text and "13900000002" in text
    assert "以平板电脑开展课堂互动教学。" in text
    assert application.reference in text
    assert "宋体" in _east_asian_fonts(document)  # the w:eastAsia slot Word uses for Chinese text


def _east_asian_fonts(document):
    from docx.oxml.ns import qn

    return {el.get(qn("w:eastAsia")) for el in document.element.iter(qn("w:rFonts"))}


@pytest.mark.django_db
def test_application_docx_shows_opinions_once_decided(make_application):
    application = make_application()
    text, _ = docx_text(application_docx(application))
    assert "同意推荐" not in text

    application.district_opinion = "同意推荐。"
    application.district_decided_at = timezone.now()
    application.city_opinion = "同意立项。"
    application.city_decided_at = timezone.now()
    text, document = docx_text(application_docx(application))

    assert "同意推荐。" in text and "同意立项。" in text
    assert f"{timezone.localtime().year}年" in text
    assert "宋体" in _east_asian_fonts(document)


SUMMARY_1000 = ("一、试点目标\n" + "本校以智慧课堂为抓手，依托平板电脑和学习分析平台，开展以学定教的课堂互动教学改革。" * 30)[:1000]
OPINION_100 = ("经审核，该校试点方案目标明确、措施具体、保障有力，具备开展试点的基础条件，同意推荐。" * 3)[:100]


def form_and_continuation(data):
    """(form table, 续页 table or None, index of the 续页 heading or None, paragraphs) of a filled 附件4."""
    document = docx.Document(io.BytesIO(data))
    paragraphs = document.paragraphs
    at = next((i for i, p in enumerate(paragraphs) if p.paragraph_format.page_break_before), None)
    tables = document.tables
    return tables[0], (tables[1] if len(tables) > 1 else None), at, paragraphs


def cell_lines(cell):
    return [p.text for p in cell.paragraphs]


@pytest.mark.django_db
def test_long_summary_continues_on_a_continuation_page_and_the_form_keeps_room_to_stamp(make_application):
    from docx.oxml.ns import qn
    from docx.shared import Pt

    from notices.annex_files import PAGE_PT

    application = make_application(summary=SUMMARY_1000, district_opinion=OPINION_100, city_opinion=OPINION_100,
                                   district_decided_at=timezone.now(), city_decided_at=timezone.now())
    form, continuation, at, paragraphs = form_and_continuation(application_docx(application))

    # The form is one page: its rows, at the heights they are given, and the lines around them fit A4.
    heading_pt = sum(p.paragraph_format.line_spacing.pt for p in paragraphs[:at])
    assert heading_pt and all(p.paragraph_format.line_spacing == Pt(18) for row in form.rows for c in row.cells
                              for p in c.paragraphs)  # exact lines: Word, WPS and LibreOffice agree on heights
    assert sum(row.height.pt for row in form.rows) + heading_pt <= PAGE_PT
    for row in form.rows[4:]:
        assert row._tr.trPr.find(qn("w:cantSplit")) is not None
    # Each opinion box: its whole opinion, then at least 5 blank lines above 负责人/盖章 and the date: a seal fits.
    for cell in (form.rows[5].cells[0], form.rows[5].cells[2]):
        lines = cell_lines(cell)
        assert lines[1] == OPINION_100 and lines[-2].startswith("负责人：") and "年" in lines[-1]
        assert lines[2:-2] == [""] * len(lines[2:-2]) and len(lines[2:-2]) >= 5
    opinion_pt = form.rows[5].height.pt
    assert opinion_pt >= (1 + 7 + 5 + 2) * 18  # label, 100 characters at 16 a line, the seal's room, signature

    # The summary: as much as its box holds, then the rest on the 续页, nothing lost or repeated.
    box = cell_lines(form.rows[4].cells[0])
    assert box[0].startswith("试点实施方案要点") and box[-1] == "（下转续页）"
    assert paragraphs[at].text == "试点实施方案要点（续页）"
    assert application.school in paragraphs[at + 1].text
    rest = cell_lines(continuation.rows[0].cells[0])
    assert rest[0] == "（接上页）"
    assert "".join(box[1:-1] + rest[1:]).replace("\n", "") == SUMMARY_1000.replace("\n", "")
    assert box[-2].endswith("。")  # the box ends at the end of a sentence


@pytest.mark.django_db
def test_short_application_stays_one_page_without_continuation(make_application):
    application = make_application(district_opinion="同意推荐。", district_decided_at=timezone.now())
    form, continuation, at, _ = form_and_continuation(application_docx(application))

    assert continuation is None and at is None
    assert cell_lines(form.rows[4].cells[0])[1:] == ["以平板电脑开展课堂互动教学。"]
    assert cell_lines(form.rows[5].cells[0])[1] == "同意推荐。"


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")), reason="needs LibreOffice, poppler")
@pytest.mark.django_db
def test_rendered_form_keeps_both_opinion_boxes_on_its_first_page(make_application, tmp_path):
    """As a clerk prints it: LibreOffice lays out the page (skipped where it is not installed)."""
    long = make_application(summary=SUMMARY_1000, district_opinion=OPINION_100, district_decided_at=timezone.now())
    short = make_application()
    pages = {}
    for name, application in (("long", long), ("short", short)):
        (tmp_path / f"{name}.docx").write_bytes(application_docx(application))
        subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to",
                        "pdf", "--outdir", str(tmp_path), str(tmp_path / f"{name}.docx")],
                       check=True, capture_output=True)
        text = subprocess.run(["pdftotext", "-layout", str(tmp_path / f"{name}.pdf"), "-"], check=True,
                              capture_output=True, text=True).stdout
        pages[name] = text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")
    assert len(pages["short"]) == 1
    first, *rest = pages["long"]
    assert len(rest) == 1 and "续页" in rest[0]
    assert "县（市区）教育局意见" in first and "市（州）教育局意见" in first and first.count("负责人：") == 2
    assert "同意推荐" in first  # the opinion's last words, above the district's signature and seal


# ---------------------------------------------------------------- the dossier ZIP


def unzip(stream):
    return zipfile.ZipFile(io.BytesIO(b"".join(stream)))


@pytest.mark.django_db
def test_dossier_holds_forms_files_and_manifest(call, make_application):
    first = make_application(school="岳阳市第一中学", project_name="智慧课堂")
    pdf = b"%PDF-1.4 scheme " * 1000
    ApplicationFileFactory(application=first, data=pdf, field_label="实施方案", original_name="方案.pdf")
    same_readable_name = dict(field_label="实施方案", original_name="方案.pdf")
    ApplicationFileFactory(application=first, data=b"%PDF-1.4 other", **same_readable_name)
    ApplicationFileFactory(application=first, data=b"\x89PNG picture", field_label="盖章扫描件", original_name="scan:1?.png")
    make_application(unit="平江县", school="平江县第二中学")

    archive = unzip(dossier_stream(call, Application.objects.all(), "2019申报材料"))
    names = archive.namelist()
    folder = f"2019申报材料/岳阳楼区/岳阳市第一中学-智慧课堂-{first.reference}"

    assert archive.testzip() is None
    assert f"{folder}/申请表-{first.reference}.docx" in names
    assert archive.read(f"{folder}/实施方案-方案.pdf") == pdf
    assert archive.read(f"{folder}/实施方案-方案 (2).pdf") == b"%PDF-1.4 other"
    assert archive.read(f"{folder}/盖章扫描件-scan1.png") == b"\x89PNG picture"
    assert any(n.startswith("2019申报材料/平江县/平江县第二中学-") for n in names)
    assert "岳阳市第一中学" in docx_text(archive.read(f"{folder}/申请表-{first.reference}.docx"))[0]

    manifest = values(load_workbook(io.BytesIO(archive.read("2019申报材料/清单.xlsx"))).active)
    assert list(manifest[0][:8]) == ["编号", "单位", "学校", "项目", "材料", "ZIP内路径", "大小", "SHA-256"]
    listed = {row[5]: row for row in manifest[1:]}
    assert set(listed) == set(names) - {"2019申报材料/清单.xlsx"}
    for path, row in listed.items():
        body = archive.read(path)
        assert row[6] == len(body)
        assert row[7] == hashlib.sha256(body).hexdigest()
    stored = ApplicationFile.objects.get(application=first, size=len(pdf))
    assert listed[f"{folder}/实施方案-方案.pdf"][7] == stored.sha256


@pytest.mark.django_db
def test_dossier_manifest_neutralises_formulas(call, make_application):
    make_application(school=INJECTION)
    archive = unzip(dossier_stream(call, Application.objects.all(), "x"))
    manifest = load_workbook(io.BytesIO(archive.read("x/清单.xlsx"))).active
    assert_text_without_apostrophe(manifest.cell(row=2, column=3), INJECTION)
    assert not manifest.cell(row=2, column=7).quotePrefix and manifest.cell(row=2, column=7).data_type == "n"  # size


def test_clean_name_removes_what_file_systems_reject():
    assert clean_name('a/b\\c:d*e?f"g<h>i|j\x00k\nl') == "abcdefghijkl"
    assert clean_name("  ..  ") == "未命名"
    assert clean_name("长" * 500) == "长" * 33  # 99 bytes of UTF-8: at most 100, never half a character
    latin = "Yueyang No.1 Middle School " * 10
    assert latin.startswith(clean_name(latin) + " ")  # a Latin word is not cut in two


LONG_SCHOOL = "平江县思源实验学校（平江县第一中学初中部）"
LONG_PROJECT = "基于人工智能与大数据的区域智慧课堂精准教学模式构建与实践研究——以初中数学、物理、化学三科为例" * 2


@pytest.mark.django_db
def test_dossier_names_fit_in_100_bytes_and_unzip(call, make_application, tmp_path):
    application = make_application(school=LONG_SCHOOL, project_name=LONG_PROJECT)
    for data in (b"%PDF-1.4 plan", b"%PDF-1.4 plan 2"):
        ApplicationFileFactory(application=application, data=data, field_label="工作方案", original_name="工作方案.pdf")
    for data in (b"%PDF-1.4 x", b"%PDF-1.4 y"):
        ApplicationFileFactory(application=application, data=data, field_label="佐证材料", original_name=LONG_PROJECT + ".pdf")

    archive = unzip(dossier_stream(call, Application.objects.all(), "申报材料-平江县-20190610"))
    names = archive.namelist()

    for name in names:
        for part in name.split("/"):
            assert len(part.encode("utf-8")) <= 100, part
    folder = names[0].split("/")[2]
    assert folder.startswith(LONG_SCHOOL + "-基于人工智能") and folder.endswith("-" + application.reference)
    files = [name.split("/")[3] for name in names if name.count("/") == 3]
    assert "工作方案.pdf" in files and "工作方案 (2).pdf" in files  # the label once, not 工作方案-工作方案.pdf
    evidence = [f for f in files if f.startswith("佐证材料-基于")]
    assert len(evidence) == 2 and evidence[1].endswith(" (2).pdf")  # cut to make room for the number
    archive.extractall(tmp_path)  # what unzip does: every name is one the file system accepts
    assert (tmp_path / names[0]).is_file()


@pytest.mark.django_db
def test_dossier_response_streams_a_zip_download(call, make_application):
    make_application()
    response = dossier_response(call, Application.objects.all(), "2019年申报材料.zip")

    assert response.streaming
    assert response["Content-Type"] == "application/zip"
    assert "filename*=utf-8''2019%E5%B9%B4" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment")
    assert unzip(response.streaming_content).testzip() is None


# ---------------------------------------------------------------- listing


@pytest.mark.django_db
def test_listing_csv_opens_in_excel_and_lists_every_column(make_application):
    application = make_application(status=Status.RECOMMENDED, is_furong=True)
    data = listing_csv(Application.objects.all())

    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    record = dict(zip(rows[0], rows[1], strict=True))
    assert record["申报编号"] == application.reference
    assert record["申报单位"] == "岳阳楼区"
    assert record["芙蓉学校"] == "是"
    assert record["状态"] == Status.RECOMMENDED.label
    local = timezone.localtime(application.submitted_at, timezone.get_fixed_timezone(8 * 60))
    assert record["提交时间"] == local.strftime("%Y-%m-%d %H:%M:%S")


@pytest.mark.django_db
def test_listing_xlsx_has_a_row_per_application(make_application):
    make_application()
    make_application()
    rows = values(sheet_of(listing_xlsx(Application.objects.all())))
    assert list(rows[0]) == HEADERS
    assert len(rows) == 3


@pytest.mark.django_db
def test_listing_xlsx_prints_on_a4_landscape_with_borders_and_the_header_on_every_page(make_application):
    for _ in range(3):
        make_application(project_name="基于人工智能的区域智慧课堂精准教学模式构建与实践研究")
    sheet = sheet_of(listing_xlsx(Application.objects.all()))

    assert int(sheet.page_setup.paperSize) == 9 and sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert int(sheet.page_setup.fitToWidth) == 1 and int(sheet.page_setup.fitToHeight) == 0  # one page wide
    assert sheet.print_title_rows == "$1:$1"  # the header row repeats on every printed page
    for row in sheet.iter_rows(min_row=1, max_row=4):
        for cell in row:
            assert cell.border.left.style == "thin" and cell.border.bottom.style == "thin", cell.coordinate
            assert cell.alignment.wrap_text and cell.font.name == "宋体"
    assert sheet.row_dimensions[2].height >= 30  # the long project name wraps: the row is as tall as its lines


# ---------------------------------------------------------------- management commands


@pytest.mark.django_db
def test_export_summary_command_writes_the_workbook(call, make_application, tmp_path):
    make_application(school="命令中学", project_name="命令导出", status=Status.RECOMMENDED)
    output = tmp_path / "汇总.xlsx"

    call_command("export_summary", "--call", call.slug, "--unit", "岳阳楼区", "-o", str(output), stdout=io.StringIO())

    rows = values(sheet_of(output.read_bytes()))
    assert ("命令中学", "智慧课堂", "命令导出", "否") in rows


@pytest.mark.django_db
@pytest.mark.usefixtures("only_2019")
def test_export_summary_command_defaults_to_the_latest_call_and_the_city(call, make_application, tmp_path):
    make_application(unit="平江县", school="全市中学", project_name="全市导出", status=Status.APPROVED)
    make_application(unit="平江县", school="退回中学", status=Status.RETURNED)
    output = tmp_path / "全市.xlsx"
    call_command("export_summary", "-o", str(output), stdout=io.StringIO())
    rows = values(sheet_of(output.read_bytes()))
    assert ("全市中学（平江县）", "智慧课堂", "全市导出", "否") in rows
    assert not any("退回中学" in str(row[0]) for row in rows)  # by default only what the districts recommend
    call_command("export_summary", "--all", "-o", str(output), stdout=io.StringIO())
    assert any("退回中学" in str(row[0]) for row in values(sheet_of(output.read_bytes())))


@pytest.mark.django_db
def test_export_summary_command_rejects_unknown_unit_and_call(call, tmp_path):
    with pytest.raises(CommandError, match="找不到申报单位“火星区”"):
        call_command("export_summary", "--unit", "火星区", "-o", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="找不到申报通知"):
        call_command("export_summary", "--call", "no-such-call", "-o", str(tmp_path / "x.xlsx"))
    assert not (tmp_path / "x.xlsx").exists()


@pytest.mark.django_db
def test_export_application_command(make_application, tmp_path):
    application = make_application(school="命令中学")
    output = tmp_path / "申请表.docx"

    call_command("export_application", application.reference, "-o", str(output), stdout=io.StringIO())

    assert "命令中学" in docx_text(output.read_bytes())[0]
    with pytest.raises(CommandError, match="找不到申报编号为“2019-XXXX-XXXX”的申报"):
        call_command("export_application", "2019-XXXX-XXXX", "-o", str(tmp_path / "none.docx"))


# ---------------------------------------------------------------- query count does not grow with rows


def queries_for(export):
    with CaptureQueriesContext(connection) as context:
        export()
    return len(context.captured_queries)


@pytest.mark.django_db
def test_exports_take_the_same_number_of_queries_for_3_and_30(call, make_application):
    def counts():
        applications = Application.objects.filter(call=call)
        return (
            queries_for(lambda: summary_xlsx(call, applications)),
            queries_for(lambda: listing_xlsx(applications)),
            queries_for(lambda: listing_csv(applications)),
            queries_for(lambda: b"".join(dossier_stream(call, applications, "d"))),
        )

    for i in range(3):
        ApplicationFileFactory(application=make_application(unit="平江县" if i % 2 else "岳阳楼区"), data=b"file %d" % i)
    few = counts()
    for i in range(27):
        ApplicationFileFactory(application=make_application(unit="市本级" if i % 2 else "华容县"), data=b"file %d" % i)
    many = counts()

    assert Application.objects.count() == 30
    assert few == many
    assert max(many) <= 5


@pytest.mark.django_db
def test_the_dossier_view_on_s3_returns_the_bytes_the_school_uploaded(client, s3_bucket, django_user_model):
    """A school applies and uploads its stamped scan into the bucket; the district recommends; the city downloads
    the ZIP from the admin and finds, byte for byte, what the school sent."""
    from django.test import Client

    from applications.review.workflow import perform

    from .factories import (
        REVIEWER_PASSWORD,
        ReviewerFactory,
        demo_form_page,
        docx_bytes,
        pdf_bytes,
        png_bytes,
        submit,
        upload,
    )

    page = demo_form_page()
    sent = {"work_plan": docx_bytes("上传到存储桶的工作方案"), "evidence": pdf_bytes(5000), "photo": png_bytes((40, 30)),
            "scan": pdf_bytes(7000)}
    response = submit(client, page, work_plan=upload("工作方案.docx", sent["work_plan"]),
                      evidence=[upload("佐证.pdf", sent["evidence"]), upload("照片.png", sent["photo"])])
    assert response.status_code == 302
    application = Application.objects.get(page=page)
    assert client.post(f"/status/{application.reference}/", {"scan": upload("盖章.pdf", sent["scan"])}).status_code == 302
    keys = {o["Key"] for o in s3_bucket["client"].list_objects_v2(Bucket=s3_bucket["bucket"]).get("Contents", [])}
    assert keys == set(application.files.values_list("key", flat=True)) and len(keys) == 4  # all of it is in the bucket
    perform(ReviewerFactory(unit_name="平江县"), application.pk, "recommend", "同意推荐")

    city = Client()
    assert city.login(username=ReviewerFactory(city=True).username, password=REVIEWER_PASSWORD)
    download = city.get(f"/admin/applications/export/dossier.zip?call={page.call.pk}")
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    archive = unzip(download.streaming_content)
    assert archive.testzip() is None
    folder = next(n.rsplit("/", 1)[0] for n in archive.namelist() if n.endswith(f"申请表-{application.reference}.docx"))
    assert folder.split("/")[-2:] == ["平江县", f"平江县第一中学-基于智慧课堂的教学模式探索-{application.reference}"]
    files = {n.rsplit("/", 1)[1]: archive.read(n) for n in archive.namelist() if n.startswith(folder + "/")}
    labels = dict(application.files.values_list("original_name", "field_label"))
    assert files[f"申请表-{application.reference}.docx"].startswith(b"PK")
    assert files["工作方案.docx"] == sent["work_plan"]
    assert files[f"{labels['佐证.pdf']}-佐证.pdf"] == sent["evidence"]
    assert files[f"{labels['照片.png']}-照片.png"] == sent["photo"]
    assert files[f"{labels['盖章.pdf']}-盖章.pdf"] == sent["scan"]
    assert len(files) == 5
    manifest = values(load_workbook(io.BytesIO(archive.read(archive.namelist()[-1]))).active)
    sizes = {row[5].rsplit("/", 1)[1]: row[6] for row in manifest[1:] if row[5].startswith(folder + "/")}
    assert sizes["工作方案.docx"] == len(sent["work_plan"])


@pytest.mark.django_db
def test_the_dossier_manifest_prints_on_a4_landscape_one_page_wide_with_its_header_on_every_page(call, make_application):
    for i in range(3):
        ApplicationFileFactory(application=make_application(), data=b"%%PDF-1.4 %d" % i)
    archive = unzip(dossier_stream(call, Application.objects.all(), "x"))
    sheet = load_workbook(io.BytesIO(archive.read("x/清单.xlsx"))).active
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4) and sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)  # one page wide, as many down
    assert sheet.print_title_rows == "$1:$1" and sheet.freeze_panes == "A2"
    assert [c.font.b for c in sheet[1]] == [True] * 9
    rows = list(sheet.iter_rows(min_row=1, max_row=sheet.max_row))
    assert len(rows) == 1 + 6  # the header, then three forms and three files
    for row in rows:
        for cell in row:
            assert {cell.border.left.style, cell.border.right.style, cell.border.top.style, cell.border.bottom.style} == {"thin"}
            assert cell.alignment.wrap_text
