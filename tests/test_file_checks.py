"""A file is accepted for what it is, not for its first bytes: the disguised files are refused, on the form and
as the stamped scan, each refusal naming the file and saying what to do; real files of each type pass."""

import pytest
from django.core.exceptions import ValidationError

from applications.apply import uploads
from applications.models import Application

from .conftest import soup
from .disguised_files import HTML, corpus, macro_docx
from .factories import demo_form_page, docx_bytes, jpeg_bytes, pdf_bytes, png_bytes, submit, upload

EVERY_TYPE = uploads.UploadRule(uploads.EVIDENCE_EXTENSIONS, 200 * uploads.MB)


def error_of(name, data):
    try:
        EVERY_TYPE.validate(upload(name, data))
    except ValidationError as error:
        return " ".join(error.messages)
    return None


@pytest.mark.parametrize("name,data,says", corpus(), ids=lambda v: v if isinstance(v, str) and len(v) < 20 else "")
def test_each_disguised_file_is_refused_by_name_with_what_to_do(name, data, says):
    message = error_of(name, data)
    assert message is not None, f"{name} was accepted"
    assert f"“{name}”" in message and says in message
    assert "请" in message  # it says what to do
    assert "。。" not in message and message.endswith("。")


def test_real_files_of_each_type_pass():
    import io
    import zipfile

    from openpyxl import Workbook

    workbook, buffer = Workbook(), io.BytesIO()
    workbook.active["A1"] = "名额"
    workbook.save(buffer)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("照片/1.png", png_bytes())
    for name, data in [
        ("方案.pdf", pdf_bytes(3 * uploads.MB)),
        ("方案.docx", docx_bytes("一" * 20000)),
        ("表.xlsx", buffer.getvalue()),
        ("照片.png", png_bytes((800, 600))),
        ("照片.jpg", jpeg_bytes((1200, 900))),
        ("材料.zip", archive.getvalue()),
    ]:
        assert error_of(name, data) is None, name


def test_an_image_beyond_the_pixel_limit_is_refused_without_decoding_it(monkeypatch):
    from applications.apply import file_checks

    monkeypatch.setattr(file_checks, "MAX_IMAGE_PIXELS", 100 * 100)
    message = error_of("扫描.png", png_bytes((200, 200)))
    assert "“扫描.png”" in message and "像素" in message and "dpi" in message


def test_wrong_extension_message_ends_once():
    message = error_of("程序.exe", b"MZ" + b"\x00" * 100)
    assert message.endswith("。") and "。。" not in message


@pytest.mark.django_db
def test_the_form_refuses_a_png_carrying_html_and_keeps_nothing(client, private_folder):
    page = demo_form_page()
    response = submit(client, page, evidence=[upload("照片.png", png_bytes()[:16] + HTML)])
    assert response.status_code == 200
    errors = " ".join(li.get_text() for li in soup(response).select(".error-summary li"))
    assert "“照片.png”不是完整的图片文件" in errors
    assert Application.objects.count() == 0 and not any(private_folder.rglob("*.*"))


@pytest.mark.django_db
def test_the_form_refuses_a_macro_document_named_docx(client, private_folder):
    page = demo_form_page()
    response = submit(client, page, work_plan=upload("工作方案.docx", macro_docx()))
    assert "“工作方案.docx”含有宏" in soup(response).get_text()
    assert Application.objects.count() == 0


@pytest.mark.django_db
def test_the_stamped_scan_refuses_a_png_carrying_html_and_a_pdf_carrying_html(client, private_folder):
    page = demo_form_page()
    assert submit(client, page).status_code == 302
    application = Application.objects.get()
    url = f"/status/{application.reference}/"
    for name, data in [("盖章件.png", png_bytes()[:16] + HTML), ("盖章件.pdf", b"%PDF-1.4\n" + HTML)]:
        response = client.post(url, {"scan": upload(name, data)})
        assert f"“{name}”不是完整的" in soup(response).get_text()
    application.refresh_from_db()
    assert application.status == "awaiting_scan" and not application.files.filter(field_name="stamped_scan").exists()
