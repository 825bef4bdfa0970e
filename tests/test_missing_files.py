"""A stored file that has gone missing (deleted from the bucket, a folder restored without it) is named as
missing, in Chinese, and logged as an error: the ZIP dossier stays whole and valid, a single download never
shows a 500 or the bucket's raw XML."""

import io
import logging
import zipfile

import openpyxl
import pytest
from django.core.files.storage import storages

from applications.states import Status

from .conftest import soup
from .test_review import city, make_application, stored_file  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["s3", "local"])
def storage(request):
    request.getfixturevalue("s3_bucket" if request.param == "s3" else "private_folder")
    return storages["applications"]


def application_with_a_missing_file(storage):
    application = make_application(status=Status.RECOMMENDED)
    kept = stored_file(application, b"%PDF-1.4 kept")
    lost = stored_file(application, b"%PDF-1.4 lost")
    lost.original_name = "丢失的方案.pdf"
    lost.save()
    storage.delete(lost.key)
    return application, kept, lost


def test_the_dossier_names_a_missing_file_and_stays_a_valid_zip(city, storage, caplog):
    application, kept, lost = application_with_a_missing_file(storage)
    with caplog.at_level(logging.ERROR):
        response = city.get(f"/admin/applications/export/dossier.zip?call={application.call.pk}")
        data = b"".join(response.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    names = archive.namelist()
    assert any(archive.read(n) == b"%PDF-1.4 kept" for n in names if n.endswith(".pdf"))
    assert not any("丢失的方案" in n for n in names)
    manifest = next(n for n in names if n.endswith("清单.xlsx"))
    rows = list(openpyxl.load_workbook(io.BytesIO(archive.read(manifest))).active.iter_rows(values_only=True))
    missing = [row for row in rows if row[5] and "丢失的方案" in row[5]]
    assert len(missing) == 1 and "文件缺失" in missing[0][8]
    assert any(lost.key in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)


def test_a_single_download_of_a_missing_file_says_so_in_chinese(city, storage, caplog):
    application, kept, lost = application_with_a_missing_file(storage)
    with caplog.at_level(logging.ERROR):
        response = city.get(f"/admin/applications/{application.pk}/files/{lost.pk}/", follow=True)
    assert response.status_code == 200
    assert "“丢失的方案.pdf”在存储中找不到" in soup(response).get_text()
    assert any(lost.key in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)
    ok = city.get(f"/admin/applications/{application.pk}/files/{kept.pk}/")
    on_s3 = hasattr(storage, "bucket_name")
    assert ok.status_code == (302 if on_s3 else 200)  # S3: a signed URL; the folder: the file itself
