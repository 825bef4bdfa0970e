"""Files uploaded one by one, in parts, ahead of submission (applications/apply/direct.py): on the local folder
through the portal's part endpoint, on S3 (moto over HTTP) straight to the bucket with presigned URLs. moto
checks no signature, expiry or size: every refusal here is the portal's own check after the upload."""

import hashlib
import io
import json
import os
import re
import time

import pytest
import requests
from django.core.management import call_command
from django.test import Client

from applications.models import Application, ApplicationFile, Upload

from .conftest import soup
from .disguised_files import HTML, corpus
from .factories import demo_form_page, docx_bytes, pdf_bytes, submit, valid_data

MB = 1024 * 1024


@pytest.fixture(params=["folder", "bucket"])
def storage(request, settings, tmp_path):
    """Both places files can go; returns a function listing what the storage holds."""
    settings.PORTAL_UPLOAD_PARTS_DIR = tmp_path / "parts"
    if request.param == "folder":
        folder = request.getfixturevalue("private_folder")
        return lambda: sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    s3 = request.getfixturevalue("s3_bucket")
    return lambda: sorted(o["Key"] for o in s3["client"].list_objects_v2(Bucket=s3["bucket"]).get("Contents", []))


@pytest.fixture
def page(db):
    return demo_form_page()


def form_token(client, page):
    return soup(client.get(page.url)).find("input", {"name": "submission_token"})["value"]


def begin(client, page, token, name, size, field="evidence"):
    body = {"token": token, "field": field, "name": name, "size": size, "modified": 1700000000000}
    return client.post(f"/apply/{page.pk}/uploads/", json.dumps(body), content_type="application/json")


def send_part(client, upload, number, data):
    """Ask the portal for the part's URL and write the part there, as the script does."""
    signed = client.post(f"/apply/uploads/{upload['id']}/parts/{number}/").json()
    if signed["same_origin"]:
        return client.put(signed["url"], data, content_type="application/octet-stream").status_code
    assert signed["url"].startswith("http://127.0.0.1:")  # the bucket, not the portal
    return requests.put(signed["url"], data=data, timeout=30).status_code


def piece(upload, data, number):
    size = upload["part_size"]
    return data[(number - 1) * size:number * size]


def upload_file(client, page, token, name, data, field="evidence"):
    """Upload a whole file; returns the finished upload's description."""
    started = begin(client, page, token, name, len(data), field)
    assert started.status_code == 201, started.content
    upload = started.json()
    for number in range(1, upload["parts"] + 1):
        assert send_part(client, upload, number, piece(upload, data, number)) in (200, 204)
    return client.post(f"/apply/uploads/{upload['id']}/finish/").json()


def submit_text_only(client, page, token, **overrides):
    """The final submission with the script: the form's text, no file (they went ahead)."""
    return client.post(page.url, valid_data(work_plan=None, evidence=None, submission_token=token, **overrides))


def test_files_uploaded_ahead_make_the_application_and_the_submission_sends_text_only(client, page, storage):
    token = form_token(client, page)
    plan, evidence = docx_bytes("工作方案" * 2000), pdf_bytes(11 * MB)
    assert upload_file(client, page, token, "工作方案.docx", plan, field="work_plan")["state"] == "accepted"
    finished = upload_file(client, page, token, "佐证材料.pdf", evidence)
    assert finished["state"] == "accepted" and finished["parts"] == 3

    response = submit_text_only(client, page, token)
    assert response.status_code == 302, soup(response).find(id="error-summary")
    application = Application.objects.get()
    files = {f.original_name: f for f in application.files.all()}
    assert set(files) == {"工作方案.docx", "佐证材料.pdf"}
    for name, data in (("工作方案.docx", plan), ("佐证材料.pdf", evidence)):
        with files[name].open() as stored:
            assert hashlib.sha256(stored.read()).hexdigest() == hashlib.sha256(data).hexdigest() == files[name].sha256
    assert not Upload.objects.exists()  # the uploads became the application's files
    assert sorted(f.key for f in files.values()) == storage()  # nothing else stored, no parts left
    receipt = soup(client.get(response["Location"])).get_text()
    assert "佐证材料.pdf" in receipt and "工作方案.docx" in receipt


def test_an_upload_resumes_from_its_last_finished_part_in_another_browser(page, storage):
    first = Client()
    token = form_token(first, page)
    data = pdf_bytes(12 * MB)
    upload = begin(first, page, token, "方案.pdf", len(data)).json()
    for number in (1, 2):
        send_part(first, upload, number, piece(upload, data, number))
    # The connection drops; the school goes on elsewhere with the same form (its draft, its token).
    other = Client()
    resumed = begin(other, page, token, "方案.pdf", len(data)).json()
    assert resumed["id"] == upload["id"] and resumed["received"] == [1, 2]
    assert list(upload["urls"]) == ["1", "2", "3"] and list(resumed["urls"]) == ["3"]  # signed in one request
    send_part(other, resumed, 3, piece(resumed, data, 3))
    finished = other.post(f"/apply/uploads/{upload['id']}/finish/").json()
    assert finished["state"] == "accepted"
    assert Upload.objects.get().sha256 == hashlib.sha256(data).hexdigest()


def test_finishing_with_parts_missing_says_so_and_keeps_what_arrived(client, page, storage):
    token = form_token(client, page)
    data = pdf_bytes(11 * MB)
    upload = begin(client, page, token, "方案.pdf", len(data)).json()
    send_part(client, upload, 1, piece(upload, data, 1))
    answer = client.post(f"/apply/uploads/{upload['id']}/finish/")
    assert answer.status_code == 409 and "2 个分片没有上传完" in answer.json()["error"]
    assert begin(client, page, token, "方案.pdf", len(data)).json()["received"] == [1]


@pytest.mark.parametrize("case", ["bigger parts", "extra part", "expired url"])
def test_an_object_not_as_signed_for_never_reaches_an_application(client, page, s3_bucket, settings, case):
    """The bucket (moto here; a misconfigured one in life) takes whatever is PUT: the portal checks after."""
    from django.core.files.storage import storages

    listing = lambda: s3_bucket["client"].list_objects_v2(Bucket=s3_bucket["bucket"]).get("Contents", [])  # noqa: E731
    token = form_token(client, page)
    data = pdf_bytes(7 * MB)
    upload = begin(client, page, token, "方案.pdf", len(data)).json()
    if case == "bigger parts":  # the declared size was within the limit; what was written is not
        send_part(client, upload, 1, piece(upload, data, 1))
        send_part(client, upload, 2, piece(upload, data, 2) + b"x" * (3 * MB))
    elif case == "extra part":  # a part nobody signed for, written with the bucket's own credentials
        for number in (1, 2):
            send_part(client, upload, number, piece(upload, data, number))
        row, bucket = Upload.objects.get(), storages["applications"]
        bucket.connection.meta.client.upload_part(
            Bucket=bucket.bucket_name, Key=row.key, UploadId=row.multipart_id, PartNumber=3, Body=b"%PDF-1.4 extra"
        )
    else:
        settings.PORTAL_UPLOAD_URL_SECONDS = 1
        settings.PORTAL_UPLOAD_CLOCK_SKEW_SECONDS = 0
        signed = [client.post(f"/apply/uploads/{upload['id']}/parts/{n}/").json()["url"] for n in (1, 2)]
        time.sleep(2.2)  # the URLs expire; moto takes the parts anyway (it checks no expiry)
        for number, url in zip((1, 2), signed, strict=True):
            assert requests.put(url, data=piece(upload, data, number), timeout=30).status_code == 200
    finished = client.post(f"/apply/uploads/{upload['id']}/finish/").json()
    assert finished["state"] == "refused" and "已被删除" in finished["problem"]
    assert listing() == []
    assert s3_bucket["client"].list_multipart_uploads(Bucket=s3_bucket["bucket"]).get("Uploads", []) == []
    response = submit_text_only(client, page, token)
    assert response.status_code == 200 and not Application.objects.exists()
    assert "方案.pdf" in soup(response).find(id="error-summary").get_text()


def test_the_portals_part_endpoint_takes_only_parts_as_signed_for(client, page, private_folder, settings):
    token = form_token(client, page)
    data = pdf_bytes(7 * MB)
    upload = begin(client, page, token, "方案.pdf", len(data)).json()
    url = client.post(f"/apply/uploads/{upload['id']}/parts/2/").json()["url"]
    put = lambda url, body: client.put(url, body, content_type="application/octet-stream")  # noqa: E731
    assert put(url, piece(upload, data, 2) + b"x").status_code == 400  # not the part's length
    assert client.post(f"/apply/uploads/{upload['id']}/parts/3/").status_code == 400  # no third part
    assert put(f"/apply/uploads/{upload['id']}/parts/3/", b"x").status_code == 400
    settings.PORTAL_UPLOAD_URL_SECONDS = 0
    client.post(f"/apply/uploads/{upload['id']}/parts/1/")
    expired = put(f"/apply/uploads/{upload['id']}/parts/1/", piece(upload, data, 1))
    assert expired.status_code == 403 and "已过期" in expired.json()["error"]
    assert begin(client, page, token, "方案.pdf", len(data)).json()["received"] == []


def test_a_reused_url_cannot_change_a_finished_file(client, page, s3_bucket):
    token = form_token(client, page)
    data = pdf_bytes(2 * MB)
    upload = begin(client, page, token, "方案.pdf", len(data), field="work_plan").json()
    url = client.post(f"/apply/uploads/{upload['id']}/parts/1/").json()["url"]
    requests.put(url, data=data, timeout=30)
    assert client.post(f"/apply/uploads/{upload['id']}/finish/").json()["state"] == "accepted"
    # The multipart upload is gone: S3 answers NoSuchUpload (moto fails with a 500), nothing changes.
    assert requests.put(url, data=b"%PDF-1.4 changed afterwards", timeout=30).status_code >= 400
    assert submit_text_only(client, page, token).status_code == 302
    stored = ApplicationFile.objects.get(original_name="方案.pdf")
    with stored.open() as f:
        assert hashlib.sha256(f.read()).hexdigest() == hashlib.sha256(data).hexdigest() == stored.sha256


@pytest.mark.parametrize("name,data,says", [("方案.pdf", HTML, "不符"), *corpus()],
                         ids=lambda v: v if isinstance(v, str) and len(v) < 20 else "")
def test_disguised_files_are_refused_on_this_path_too_naming_the_file(client, page, storage, name, data, says):
    token = form_token(client, page)
    finished = upload_file(client, page, token, name, data)
    assert finished["state"] == "refused", finished
    assert says in finished["problem"] and "请" in finished["problem"]
    assert name not in finished["problem"]  # the page and the script show it after the file's name
    assert storage() == []
    response = submit_text_only(client, page, token)
    assert not Application.objects.exists()
    assert soup(response).find(id="error-summary").get_text().count(name) == 1


@pytest.mark.parametrize("name,size,says", [
    ("方案.exe", 1000, "格式不被接受"),
    ("方案.pdf", 0, "空文件"),
    ("方案.pdf", 21 * MB, "超过了"),
])
def test_a_file_refused_by_its_name_or_size_is_refused_before_any_byte_is_sent(client, page, storage, name, size,
                                                                                says):
    answer = begin(client, page, form_token(client, page), name, size)
    assert answer.status_code == 400 and says in answer.json()["error"] and name in answer.json()["error"]
    assert not Upload.objects.exists() and storage() == []


@pytest.mark.parametrize("body", [
    {"size": -5}, {"size": 10**30}, {"size": "x"}, {"modified": 10**30}, {"modified": -1}, {"name": "../../" + "长" * 5000},
    {"token": "not-a-uuid"}, {"field": None}, [], "text", {"name": None}, {"name": {"a": 1}}, {"name": "方\x00案.pdf"},
])
def test_odd_begin_requests_get_a_chinese_answer_never_a_500(client, page, private_folder, body):
    token = form_token(client, page)
    sent = {"token": token, "field": "evidence", "name": "方案.pdf", "size": 1000, **body} if isinstance(body, dict) else body
    answer = client.post(f"/apply/{page.pk}/uploads/", json.dumps(sent), content_type="application/json")
    assert answer.status_code in (201, 400), answer.content
    assert answer.status_code == 201 or re.search(r"[\u4e00-\u9fff]", answer.json()["error"])
    if answer.status_code == 201:
        assert len(Upload.objects.get().original_name) <= 255 and "/" not in Upload.objects.get().original_name
        assert "\x00" not in Upload.objects.get().original_name
    else:
        assert "None" not in answer.json()["error"] and "{" not in answer.json()["error"]


def test_a_begin_request_of_deeply_nested_json_gets_a_chinese_answer(client, page, private_folder):
    answer = client.post(f"/apply/{page.pk}/uploads/", "[" * 100000 + "]" * 100000, content_type="application/json")
    assert answer.status_code == 400 and "请求不完整" in answer.json()["error"]


def test_sending_a_submitted_form_again_shows_its_receipt(client, page, storage):
    token = form_token(client, page)
    assert upload_file(client, page, token, "工作方案.docx", docx_bytes(), field="work_plan")["state"] == "accepted"
    assert upload_file(client, page, token, "佐证材料.pdf", pdf_bytes())["state"] == "accepted"
    first = submit_text_only(client, page, token)
    again = submit_text_only(client, page, token)  # the answer was lost: the browser sends the form again
    assert first.status_code == again.status_code == 302 and again["Location"] == first["Location"]
    assert Application.objects.count() == 1


def test_the_forms_total_is_enforced_across_files(client, page, private_folder, settings):
    settings.PORTAL_UPLOAD_MAX_TOTAL_MB = 3
    token = form_token(client, page)
    assert begin(client, page, token, "一.pdf", 2 * MB).status_code == 201
    answer = begin(client, page, token, "二.pdf", 2 * MB)
    assert answer.status_code == 400 and "合计" in answer.json()["error"]


def test_a_file_can_be_removed_before_submitting(client, page, storage):
    token = form_token(client, page)
    upload_file(client, page, token, "方案.docx", docx_bytes(), field="work_plan")
    kept = upload_file(client, page, token, "保留.pdf", pdf_bytes())
    removed = upload_file(client, page, token, "删除.pdf", pdf_bytes())
    assert client.delete(f"/apply/uploads/{removed['id']}/").status_code == 200
    assert len(storage()) == 2
    assert submit_text_only(client, page, token).status_code == 302
    assert [f.original_name for f in Application.objects.get().files.filter(field_name="evidence")] == ["保留.pdf"]
    assert kept["state"] == "accepted"


def test_a_required_file_field_without_a_file_is_still_refused(client, page, private_folder):
    token = form_token(client, page)
    response = submit_text_only(client, page, token)
    assert response.status_code == 200 and not Application.objects.exists()
    assert "请选择“工作方案”" in soup(response).find(id="error-summary").get_text()


def test_an_unfinished_upload_stops_the_submission_naming_the_file(client, page, private_folder):
    token = form_token(client, page)
    upload_file(client, page, token, "方案.docx", docx_bytes(), field="work_plan")
    begin(client, page, token, "没传完.pdf", 6 * MB)
    response = submit_text_only(client, page, token)
    assert response.status_code == 200 and not Application.objects.exists()
    assert "“没传完.pdf”尚未上传完成" in soup(response).find(id="error-summary").get_text()


def test_upload_endpoints_need_the_csrf_token_an_open_form_and_a_real_upload(page, private_folder, settings):
    browser = Client(enforce_csrf_checks=True)
    token = form_token(browser, page)
    assert begin(browser, page, token, "方案.pdf", 1000).status_code == 403  # no CSRF header
    csrf = browser.cookies["csrftoken"].value
    body = json.dumps({"token": token, "field": "evidence", "name": "方案.pdf", "size": 1000})
    ok = browser.post(f"/apply/{page.pk}/uploads/", body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert ok.status_code == 201
    assert browser.get("/apply/uploads/00000000-0000-0000-0000-000000000000/").status_code == 404
    not_a_file_field = json.dumps({"token": token, "field": "school", "name": "a.pdf", "size": 10})
    assert browser.post(f"/apply/{page.pk}/uploads/", not_a_file_field, content_type="application/json",
                        HTTP_X_CSRFTOKEN=csrf).status_code == 400
    page.closes_at = page.opens_at
    page.save_revision().publish()
    closed = browser.post(f"/apply/{page.pk}/uploads/", body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert closed.status_code == 403 and "截止，不再接受提交" in closed.json()["error"]


def test_upload_requests_are_throttled_per_address(client, page, private_folder, settings):
    settings.PORTAL_UPLOAD_RATE = "3/h"
    token = form_token(client, page)
    answers = [begin(client, page, token, f"{n}.pdf", 1000).status_code for n in range(4)]
    assert answers == [201, 201, 201, 429]


def test_an_anonymous_multipart_post_anywhere_writes_nothing_to_the_bucket(s3_bucket, page):
    listing = lambda: s3_bucket["client"].list_objects_v2(Bucket=s3_bucket["bucket"]).get("Contents", [])  # noqa: E731
    uploads = lambda: s3_bucket["client"].list_multipart_uploads(Bucket=s3_bucket["bucket"]).get("Uploads", [])  # noqa: E731
    stranger = Client(enforce_csrf_checks=True)
    files = {"work_plan": io.BytesIO(pdf_bytes(9 * MB)), "evidence": io.BytesIO(pdf_bytes(2 * MB))}
    for url in ("/search/", "/no-such-page/", page.url, "/status/", "/admin/login/"):
        for f in files.values():
            f.seek(0)
        stranger.post(url, {"q": "x", **files})
    assert listing() == [] and uploads() == []
    # And a form refused by its own validation stores nothing either.
    response = submit(Client(), page, leader_phone="123")
    assert response.status_code == 200 and listing() == [] and uploads() == []


def test_abandoned_uploads_are_swept_and_drafts_keep_theirs(client, page, storage):
    from datetime import timedelta

    from django.utils import timezone

    token = form_token(client, page)
    upload_file(client, page, token, "留下.pdf", pdf_bytes())
    begin(client, page, token, "没传完.pdf", 6 * MB)
    Upload.objects.update(updated_at=timezone.now() - timedelta(hours=30))
    call_command("sweep_orphans", stdout=io.StringIO())
    assert not Upload.objects.exists() and storage() == []


def test_a_form_not_yet_open_says_so_to_the_upload_script(client, page, private_folder):
    from datetime import timedelta

    from django.utils import timezone

    token = form_token(client, page)
    page.opens_at = timezone.now() + timedelta(days=1)
    page.save_revision().publish()
    answer = begin(client, page, token, "方案.pdf", 1000)
    assert answer.status_code == 403 and "本次申报尚未开始" in answer.json()["error"]


def test_part_folders_left_by_a_killed_worker_are_swept(client, page, private_folder, settings, tmp_path):
    settings.PORTAL_UPLOAD_PARTS_DIR = tmp_path / "parts"
    token = form_token(client, page)
    live = begin(client, page, token, "方案.pdf", 6 * MB).json()
    stray = tmp_path / "parts" / ("f" * 32)
    stray.mkdir(parents=True)
    (stray / "1.part").write_bytes(b"x")
    two_hours_ago = time.time() - 7200
    os.utime(stray, (two_hours_ago, two_hours_ago))
    call_command("sweep_orphans", "--hours", "1", stdout=io.StringIO())
    assert not stray.exists()
    assert (tmp_path / "parts" / live["id"].replace("-", "")).exists()  # an upload still to be resumed keeps its parts
