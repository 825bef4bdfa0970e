"""The deadline passes while a school has the form open. It opened the form in time, typed for an hour, and sends
after the closing time: the answer is a refusal with the closed message, and what it typed is on the page to copy;
nothing is saved, no file it posted is stored, and its uploads in progress go no further. (The form's closing time
is moved to a minute ago and published, which is what ApplicationFormPage.is_open() reads.)"""

import re
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from applications.models import Application, Draft, Upload
from portal.dates import cn_datetime

from .conftest import soup
from .factories import demo_form_page, pdf_bytes, upload, valid_data
from .test_direct_uploads import begin, form_token, piece, send_part

MB = 1024 * 1024
CHINESE = re.compile(r"[\u4e00-\u9fff]")
SUMMARY = "一、目标：在数学课堂中使用平板开展即时反馈。\r\n二、内容：每周两节试点课，\r\n    课后整理数据。"


@pytest.fixture
def page(db):
    return demo_form_page()


@pytest.fixture(params=["folder", "bucket"])
def stored(request, settings, tmp_path):
    """Both places files can go; returns a function listing everything stored there (for the bucket, objects and
    unfinished multipart uploads alike)."""
    settings.PORTAL_UPLOAD_PARTS_DIR = tmp_path / "parts"
    if request.param == "folder":
        folder = request.getfixturevalue("private_folder")
        return lambda: sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    s3 = request.getfixturevalue("s3_bucket")
    client, bucket = s3["client"], s3["bucket"]
    return lambda: sorted(
        [o["Key"] for o in client.list_objects_v2(Bucket=bucket).get("Contents", [])]
        + [f"(unfinished) {u['Key']}" for u in client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]
    )


def deadline_passes(page):
    page.closes_at = timezone.now() - timedelta(minutes=1)
    page.save_revision().publish()
    return page.closes_at


def shown_back(response):
    """{label: text} of the read-only copy of what was typed, and the files it names."""
    section = soup(response).find("section", class_="typed-back")
    assert section is not None, "no copy of the typed text on the page"
    labels = [dt.get_text() for dt in section.find_all("dt")]
    texts = [dd.get_text() for dd in section.find_all("dd")]
    return dict(zip(labels, texts, strict=True)), section.get_text()


@pytest.mark.parametrize("action", ["submit", "draft"])
def test_a_form_sent_after_the_deadline_is_refused_and_its_text_comes_back(client, page, stored, action):
    opened = soup(client.get(page.url))
    assert opened.select("form.application-form")  # the school began in time
    token = opened.find("input", {"name": "submission_token"})["value"]
    labels = {f.clean_name: f.label for f in page.get_form_fields()}

    closed_at = deadline_passes(page)
    data = valid_data(submission_token=token, action=action, summary=SUMMARY,
                      work_plan=upload("工作方案.pdf", pdf_bytes(3 * MB)),
                      evidence=[upload("佐证1.pdf", pdf_bytes(MB)), upload("照片.pdf", pdf_bytes())])
    response = client.post(page.url, data)

    assert response.status_code == 403
    answer = soup(response)
    assert answer.select_one(".notice-box.closed").get_text().strip() == (
        f"本次申报已于 {cn_datetime(closed_at)} 截止，不再接受提交。"
    )
    assert not answer.select("form.application-form")  # no form to send again
    typed, text = shown_back(response)
    assert typed[labels["school"]] == "平江县第一中学"
    assert typed[labels["project"]] == "基于智慧课堂的教学模式探索"
    assert typed[labels["unit"]] == "平江县" and typed[labels["leader_phone"]] == "13812345678"
    assert typed[labels["summary"]].replace("\r\n", "\n") == SUMMARY.replace("\r\n", "\n")  # line breaks and indent
    verb = "暂存" if action == "draft" else "提交"
    assert f"本次{verb}没有被接受" in text and "请复制留存" in text
    assert "工作方案.pdf" in text and "佐证1.pdf" in text  # named, so the school knows they were not kept

    assert not Application.objects.exists() and not Draft.objects.exists() and not Upload.objects.exists()
    assert stored() == []


def test_a_draft_saved_in_time_shows_its_text_after_the_deadline(client, page, private_folder):
    token = form_token(client, page)
    saved = client.post(page.url, valid_data(submission_token=token, action="draft", summary=SUMMARY,
                                             work_plan=None, evidence=None))
    assert saved.status_code == 302
    draft = Draft.objects.get()
    deadline_passes(page)

    reopened = client.get(saved["Location"])  # the draft's own address, as 继续填写 opens it
    assert reopened.status_code == 200 and not soup(reopened).select("form.application-form")
    typed, text = shown_back(reopened)
    assert f"草稿 {draft.reference} 的内容（未提交）" in text
    assert typed["申报学校名称"] == "平江县第一中学"
    assert typed["试点实施方案要点"].replace("\r\n", "\n") == SUMMARY.replace("\r\n", "\n")


def test_the_upload_endpoints_refuse_in_chinese_once_the_deadline_has_passed(client, page, stored):
    token = form_token(client, page)
    data = pdf_bytes(7 * MB)  # two parts
    started = begin(client, page, token, "方案.pdf", len(data))
    assert started.status_code == 201
    upload_ = started.json()
    assert send_part(client, upload_, 1, piece(upload_, data, 1)) in (200, 204)  # in time

    deadline_passes(page)
    if not upload_["same_origin"]:
        # A part URL signed before the deadline still works at the bucket (S3 cannot be told of deadlines) …
        assert requests.put(upload_["urls"]["2"], data=piece(upload_, data, 2), timeout=30).status_code == 200
    answers = {
        "resume": begin(client, page, token, "方案.pdf", len(data)),
        "new file": begin(client, page, token, "另一个.pdf", 1000),
        "part url": client.post(f"/apply/uploads/{upload_['id']}/parts/2/"),
        "part": client.put(f"/apply/uploads/{upload_['id']}/parts/2/", piece(upload_, data, 2),
                           content_type="application/octet-stream"),
        "finish": client.post(f"/apply/uploads/{upload_['id']}/finish/"),  # … but the portal assembles nothing
    }
    for what, answer in answers.items():
        assert answer.status_code == 403, (what, answer.content)
        error = answer.json()["error"]
        assert CHINESE.search(error) and ("截止" in error or "开放时间" in error), (what, error)
    assert Upload.objects.get().state == Upload.State.UPLOADING
    assert not any(key.endswith(".pdf") and not key.startswith("(unfinished)") for key in stored())  # no file made


def test_a_form_broken_while_the_school_types_shows_its_text_back_too(client, page, private_folder):
    """The other refusal before the form is read: a core field gone from the published form (503)."""
    token = form_token(client, page)
    page.form_fields.filter(role="project").delete()
    response = client.post(page.url, valid_data(submission_token=token, summary=SUMMARY))
    assert response.status_code == 503
    assert "申报表单正在维护" in soup(response).select_one(".notice-box.closed").get_text()
    typed, text = shown_back(response)
    assert typed["申报学校名称"] == "平江县第一中学" and "本次提交没有被接受" in text
    assert not Application.objects.exists() and list(private_folder.rglob("*.*")) == []
