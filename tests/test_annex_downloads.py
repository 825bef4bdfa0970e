"""Annex downloads follow the content: publishing a page (or its notice) generates its file again, the old
file leaves storage, and an editor's replacement file wins until it is removed."""

import io

import openpyxl
import pytest
from django.core.files.base import ContentFile
from wagtail.documents import get_document_model

from notices.models import GeneratedAnnexFile, QuotaTablePage, TopicGuidePage

from .conftest import soup
from .test_admin_content import form_fields

pytestmark = pytest.mark.django_db


def publish_in_admin(client, page, change):
    edit_url = f"/admin/pages/{page.pk}/edit/"
    data = form_fields(soup(client.get(edit_url)).find("form", id="page-edit-form"))
    change(data)
    data["action-publish"] = ["action-publish"]
    response = client.post(edit_url, data)
    assert response.status_code == 302, soup(response).select(".error-message")


def downloaded_sheet(client, page):
    link = soup(client.get(page.url)).select_one(".annex-download a.download")
    response = client.get(link["href"])
    data = b"".join(response.streaming_content) if response.streaming else response.content
    return link, openpyxl.load_workbook(io.BytesIO(data)).active


def sheet_rows(sheet):
    return {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}


def set_quota(page, unit_name, value):
    def change(data):
        count = int(data["quotas-TOTAL_FORMS"][0])
        for i in range(count):
            if page.quotas.get(unit_id=data[f"quotas-{i}-unit"][0]).unit.name == unit_name:
                data[f"quotas-{i}-quota"] = [str(value)]
    return change


def test_a_quota_edited_and_published_is_in_the_download_with_its_total(admin_client, call):
    page = QuotaTablePage.objects.child_of(call).get()
    assert sheet_rows(downloaded_sheet(admin_client, page)[1])["岳阳县"] == 2
    publish_in_admin(admin_client, page, set_quota(page, "岳阳县", 3))

    link, sheet = downloaded_sheet(admin_client, page)
    rows = sheet_rows(sheet)
    assert rows["岳阳县"] == 3 and rows["全市"] == 21
    document = GeneratedAnnexFile.objects.get(page_id=page.pk).document
    assert f"{document.get_file_size()}" and link.select_one(".file-meta").get_text().startswith("（Excel")


def test_generated_files_do_not_pile_up(admin_client, call, django_capture_on_commit_callbacks):
    page = QuotaTablePage.objects.child_of(call).get()
    documents = get_document_model().objects.count()
    storage = GeneratedAnnexFile.objects.get(page_id=page.pk).document.file.storage
    # A first publish outside the capture: the seeded file (shared by every test) is left alone.
    publish_in_admin(admin_client, page, set_quota(page, "岳阳县", 5))
    first = GeneratedAnnexFile.objects.get(page_id=page.pk).document.file.name
    with django_capture_on_commit_callbacks(execute=True):  # the old file goes once the publish has committed
        publish_in_admin(admin_client, page, set_quota(page, "岳阳县", 3))
    second = GeneratedAnnexFile.objects.get(page_id=page.pk).document.file.name
    with django_capture_on_commit_callbacks(execute=True):
        publish_in_admin(admin_client, page, set_quota(page, "岳阳县", 4))
    third = GeneratedAnnexFile.objects.get(page_id=page.pk).document
    assert get_document_model().objects.count() == documents
    assert not storage.exists(first) and not storage.exists(second) and storage.exists(third.file.name)
    assert third.file_size == third.file.size


def test_a_category_edited_and_published_is_in_the_topic_guide_download(admin_client, call):
    import docx

    page = TopicGuidePage.objects.child_of(call).get()

    def rename(data):
        data["categories-0-title"] = ["人工智能教育应用探索（新）"]

    publish_in_admin(admin_client, page, rename)
    link = soup(admin_client.get(page.url)).select_one(".annex-download a.download")
    response = admin_client.get(link["href"])
    data = b"".join(response.streaming_content) if response.streaming else response.content
    text = "".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert "人工智能教育应用探索（新）" in text


def test_an_editors_replacement_file_wins_until_removed(admin_client, call):
    page = QuotaTablePage.objects.child_of(call).get()
    generated = GeneratedAnnexFile.objects.get(page_id=page.pk).document
    replacement = get_document_model().objects.create(title="名额表（盖章版）", file=ContentFile(b"%PDF-1.4 stamped", "名额表.pdf"))

    publish_in_admin(admin_client, page, lambda data: data.update(attachment=[str(replacement.pk)]))
    link = soup(admin_client.get(page.url)).select_one(".annex-download a.download")
    assert link["href"] == replacement.url
    editor = soup(admin_client.get(f"/admin/pages/{page.pk}/edit/")).get_text()
    assert "替换下载文件" in editor and "名额表（盖章版）" in editor

    publish_in_admin(admin_client, page, lambda data: data.update(attachment=[""]))
    link = soup(admin_client.get(page.url)).select_one(".annex-download a.download")
    assert link["href"] == GeneratedAnnexFile.objects.get(page_id=page.pk).document.url != replacement.url
    assert GeneratedAnnexFile.objects.get(page_id=page.pk).document.pk == generated.pk


def test_the_notice_page_reads_its_annexes_downloads_in_one_query(client, call):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(call.url)  # warm caches (site, settings)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(call.url).status_code == 200
    lookups = [q["sql"] for q in captured if "generatedannexfile" in q["sql"].lower()]
    assert len(lookups) == 1  # not one per annex (there are five)
