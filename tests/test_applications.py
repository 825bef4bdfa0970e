"""Schools apply online: validation, the window, private storage on the S3 protocol, receipt and status."""

import hashlib

import pytest
import requests
from django.core import mail
from django.core.files.storage import storages
from django.test import Client

from applications.models import Application, ApplicationFile, ApplicationFormPage
from applications.states import Status

from .conftest import soup
from .factories import demo_form_page, docx_bytes, pdf_bytes, png_bytes, submit, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(db):
    return demo_form_page()


def field_errors(response):
    page = soup(response)
    return {
        div["id"].removeprefix("field-"): div.select_one(".field-error").get_text()
        for div in page.select(".field.has-error[id]")
    }


def summary_errors(response):
    return [li.get_text() for li in soup(response).select(".error-summary li")]


def bucket_objects(s3):
    listing = s3["client"].list_objects_v2(Bucket=s3["bucket"])
    return {o["Key"]: o["Size"] for o in listing.get("Contents", [])}


# ---------------------------------------------------------------- storage on the S3 protocol


def test_files_land_in_the_private_bucket_with_their_recorded_sha256(client, page, s3_bucket):
    response = submit(client, page)
    assert response.status_code == 302
    application = Application.objects.get()
    files = list(application.files.all())
    assert sorted(f.original_name for f in files) == ["佐证1.pdf", "工作方案.docx", "照片.png"]
    assert set(bucket_objects(s3_bucket)) == {f.key for f in files}
    for f in files:
        body = s3_bucket["client"].get_object(Bucket=s3_bucket["bucket"], Key=f.key)["Body"].read()
        assert hashlib.sha256(body).hexdigest() == f.sha256 and len(body) == f.size
        assert f.original_name not in f.key  # the user's file name is never a storage path
    assert {f.content_type for f in files} == {
        "application/pdf",
        "image/png",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }


def test_an_unsigned_get_of_an_object_is_refused_and_a_signed_url_expires_quickly(client, page, s3_bucket):
    submit(client, page)
    key = ApplicationFile.objects.first().key
    unsigned = requests.get(f"{s3_bucket['endpoint']}/{s3_bucket['bucket']}/{key}", timeout=10)
    assert unsigned.status_code == 403
    signed = storages["applications"].url(key)
    assert "X-Amz-Signature=" in signed and "X-Amz-Expires=300" in signed
    assert requests.get(signed, timeout=10).status_code == 200


def test_a_storage_failure_midway_leaves_no_application_and_no_object(client, page, s3_bucket, monkeypatch):
    storage = storages["applications"]
    original_save = type(storage)._save
    calls = []

    lock = __import__("threading").Lock()

    def fail_from_second(self, name, content):  # the bucket goes away after the first file
        with lock:
            calls.append(name)
            failing = len(calls) >= 2
        if failing:
            raise OSError("bucket unavailable")
        return original_save(self, name, content)

    monkeypatch.setattr(type(storage), "_save", fail_from_second)
    response = submit(client, page)
    assert response.status_code == 503
    assert "文件保存失败" in " ".join(summary_errors(response))
    assert len(calls) >= 2  # the first file was stored, then storing failed
    assert Application.objects.count() == 0 and ApplicationFile.objects.count() == 0
    assert bucket_objects(s3_bucket) == {}
    # What the school typed is still in the form; it is told to reselect its files.
    form = soup(response)
    assert form.find("input", {"name": "school"})["value"] == "平江县第一中学"
    assert form.find("textarea", {"name": "summary"}).get_text().strip().startswith("一、目标")
    assert form.select_one(".reselect")


def test_a_large_file_goes_up_in_parts_and_arrives_whole(client, page, s3_bucket):
    data = pdf_bytes(17 * 1024 * 1024 + 12345)  # three 8 MB multipart parts
    response = submit(client, page, work_plan=upload("大方案.pdf", data), evidence=None)
    assert response.status_code == 302
    stored = ApplicationFile.objects.get(field_name="work_plan")
    body = s3_bucket["client"].get_object(Bucket=s3_bucket["bucket"], Key=stored.key)["Body"].read()
    assert body == data and stored.sha256 == hashlib.sha256(data).hexdigest()


def test_an_invalid_form_leaves_nothing_in_the_bucket(client, page, s3_bucket):
    response = submit(client, page, leader_phone="123")
    assert response.status_code == 200
    assert bucket_objects(s3_bucket) == {}


def test_the_local_default_is_a_folder_no_url_serves(client, page, private_folder):
    submit(client, page)
    stored = ApplicationFile.objects.first()
    assert (private_folder / stored.key).exists()
    with pytest.raises(ValueError):
        storages["applications"].url(stored.key)
    assert client.get(f"/media/{stored.key}").status_code == 404


# ---------------------------------------------------------------- validation


@pytest.fixture
def local(private_folder):
    return private_folder


def test_a_valid_application_makes_one_row_with_the_core_columns(client, page, local):
    response = submit(client, page, leader_phone="+86 138-1234-5678", furong="是")
    assert response.status_code == 302
    application = Application.objects.get()
    assert (application.unit.name, application.school, application.category) == (
        "平江县", "平江县第一中学", "智慧教育实践与探究")
    assert application.leader_phone == "13812345678" and application.is_furong
    assert application.summary == "一、目标\n二、内容"
    assert application.status == Status.AWAITING_SCAN
    assert application.form_data["work_plan"] == ["工作方案.docx"]
    assert application.call == page.call


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("unit", "北京市", "请从列表中选择“申报单位”"),
        ("category", "区块链应用", "请从列表中选择“试点类别”"),
        ("leader_phone", "07308805708", "手机号码"),
        ("leader_phone", "12345678901", "手机号码"),
        ("contact_phone", "138123", "手机号码"),
        ("school", "", "请填写“申报学校名称”"),
        ("summary", "字" * 1001, "不能超过 1000 个字（现在是 1001 个字）"),
        ("submission_token", "not-a-token", "页面已过期"),
    ],
)
def test_bad_fields_get_a_chinese_error_next_to_them_and_nothing_is_saved(client, page, local, field, value, message):
    response = submit(client, page, **{field: value})
    assert response.status_code == 200
    shown = field_errors(response).get(field) or " ".join(summary_errors(response))
    assert message in shown
    assert soup(response).select_one(".error-summary")
    assert Application.objects.count() == 0
    assert list(local.rglob("*.*")) == []
    kept = soup(response).find("input", {"name": "project"})["value"]
    assert kept == "基于智慧课堂的教学模式探索"


def test_a_summary_of_exactly_1000_characters_with_line_breaks_is_accepted(client, page, local):
    text = ("字" * 99 + "\r\n") * 10
    assert len(text.replace("\r\n", "\n")) == 1000
    assert submit(client, page, summary=text).status_code == 302


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("方案.exe", b"MZ\x90\x00" + b"\x00" * 100, "格式不被接受"),
        ("方案.pdf", b"MZ\x90\x00" + b"\x00" * 100, "内容与扩展名"),
        ("方案.docx", pdf_bytes(), "内容与扩展名"),
        ("方案.pdf", b"", "空文件"),
        ("方案.png", png_bytes(), "格式不被接受"),
    ],
)
def test_work_plan_files_are_checked_by_extension_and_content(client, page, local, name, data, message):
    response = submit(client, page, work_plan=upload(name, data))
    assert message in field_errors(response)["work_plan"]
    assert Application.objects.count() == 0


def test_one_bad_evidence_file_is_named_in_the_error(client, page, local):
    response = submit(client, page, evidence=[upload("好.pdf", pdf_bytes()), upload("坏.jpg", b"not an image")])
    assert "坏.jpg" in field_errors(response)["evidence"]
    assert Application.objects.count() == 0


def test_an_oversized_file_is_stopped_while_reading(client, page, local, settings):
    settings.PORTAL_UPLOAD_MAX_FILE_MB = 1
    response = submit(client, page, work_plan=upload("大.pdf", pdf_bytes(2 * 1024 * 1024)))
    assert response.status_code == 413
    assert "超过了单个文件 1.0\xa0MB 的限制" in " ".join(summary_errors(response))
    assert "超过了单个文件" in soup(response).select_one("#field-work_plan .field-error").get_text()
    assert Application.objects.count() == 0 and list(local.rglob("*.*")) == []
    assert soup(response).find("input", {"name": "school"})["value"] == "平江县第一中学"


def test_the_per_submission_total_is_enforced(client, page, local, settings):
    settings.PORTAL_UPLOAD_MAX_TOTAL_MB = 1
    evidence = [upload(f"{i}.pdf", pdf_bytes(400 * 1024)) for i in range(3)]
    response = submit(client, page, evidence=evidence)
    assert response.status_code == 413
    assert "每次提交" in " ".join(summary_errors(response))
    assert Application.objects.count() == 0


def test_consent_is_required(client, page, local):
    response = submit(client, page, consent=None)
    assert "个人信息处理说明" in soup(response).select_one(".privacy .field-error").get_text()
    assert Application.objects.count() == 0


def test_the_form_shows_the_privacy_notice(client, page):
    notice = soup(client.get(page.url)).select_one(".privacy").get_text()
    for words in ("岳阳市教育体育局", "仅用于", "保存三年", "联系市教科院"):
        assert words in notice


def test_the_honeypot_refuses_bots(client, page, local):
    response = submit(client, page, website="http://spam.example")
    assert response.status_code == 400
    assert Application.objects.count() == 0


def test_csrf_is_enforced(page, local):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    assert submit(browser, page).status_code == 403
    assert Application.objects.count() == 0


def test_submissions_are_throttled_per_client_address(client, page, local, settings):
    settings.PORTAL_SUBMIT_RATE = "2/h"
    for _ in range(3):  # a school correcting its mistakes is not throttled
        assert submit(client, page, leader_phone="123").status_code == 200
    assert submit(client, page, project="项目一").status_code == 302
    assert submit(client, page, project="项目二").status_code == 302
    response = submit(client, page, project="项目三")
    assert response.status_code == 429 and "过于频繁" in " ".join(summary_errors(response))
    assert Application.objects.count() == 2


# ---------------------------------------------------------------- once only, and the window


def test_a_resent_form_makes_one_application(client, page, local):
    token = soup(client.get(page.url)).find("input", {"name": "submission_token"})["value"]
    first = submit(client, page, submission_token=token)
    second = submit(client, page, submission_token=token)
    assert first["Location"] == second["Location"]
    assert Application.objects.count() == 1
    assert ApplicationFile.objects.count() == 3


def test_file_help_reads_as_one_sentence_each(client, page, local):
    shown = soup(client.get(page.url))
    plan_help = shown.select_one("#id_work_plan_helptext").get_text(" ", strip=True)
    assert plan_help.startswith("按附件5《工作方案（提纲）》撰写。支持 PDF、DOC、DOCX 格式")
    assert "。；" not in shown.get_text() and plan_help.endswith("。")


def test_going_back_and_submitting_again_does_not_make_a_second_application(client, page, local):
    assert submit(client, page).status_code == 302
    again = submit(client, page, project=" 基于智慧课堂的教学模式探索 ")  # Back: a fresh form, the same project
    assert again.status_code == 200
    message = field_errors(again)["project"]
    assert "已经提交过试点项目“基于智慧课堂的教学模式探索”的申报，请勿重复提交" in message
    assert message in " ".join(summary_errors(again))
    assert soup(again).find("input", {"name": "school"})["value"] == "平江县第一中学"  # what was typed is kept
    assert Application.objects.count() == 1
    assert sorted(p.name for p in local.rglob("*") if p.is_file()) == sorted(
        f.key.rsplit("/", 1)[1] for f in ApplicationFile.objects.all()
    )


def test_a_school_may_apply_with_another_project_and_again_after_a_return(client, page, local):
    first = submit(client, page)
    assert submit(client, page, project="另一个试点项目").status_code == 302
    Application.objects.filter(reference=first["Location"].rstrip("/").rsplit("/", 1)[1]).update(status=Status.RETURNED)
    assert submit(client, page).status_code == 302  # the returned one no longer counts
    assert Application.objects.count() == 3


def test_the_2019_form_is_closed_and_refuses_posts(client, local):
    page = ApplicationFormPage.objects.get(slug="apply")
    shown = soup(client.get(page.url))
    assert "已于 2019年9月22日 23:59 截止" in shown.select_one(".notice-box").get_text()
    assert not shown.select("form.application-form")
    response = client.post(page.url, {"school": "x"})
    assert response.status_code == 403
    assert Application.objects.count() == 0


def test_a_form_not_yet_open_says_when_it_opens(client, page, local):
    from datetime import timedelta

    page.opens_at = page.closing_time - timedelta(days=1)
    page.save_revision().publish()
    assert "尚未开始" in soup(client.get(page.url)).select_one(".notice-box").get_text()
    assert client.post(page.url, {"school": "x"}).status_code == 403


# ---------------------------------------------------------------- receipt, Annex 4, status page, email


def test_the_receipt_shows_the_reference_files_and_offers_the_prefilled_annex4(client, page, local):
    import io

    import docx

    response = submit(client, page)
    receipt = client.get(response["Location"])
    application = Application.objects.get()
    text = soup(receipt).find("main").get_text()
    assert application.reference in text
    assert "工作方案.docx" in text and "佐证1.pdf" in text
    link = soup(receipt).find("a", href=lambda h: h and h.endswith("annex4.docx"))
    document = docx.Document(io.BytesIO(client.get(link["href"]).content))
    cells = " ".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    paragraphs = " ".join(p.text for p in document.sections[0].header.paragraphs + document.paragraphs)
    assert "平江县第一中学" in cells and "基于智慧课堂的教学模式探索——以数学学科为例" in cells
    assert "13812345678" in cells and "一、目标" in cells
    assert application.reference in paragraphs


def test_the_reference_has_no_confusable_characters(client, page, local):
    submit(client, page)
    code = Application.objects.get().reference.split("-", 1)[1].replace("-", "")
    assert len(code) == 8 and not set(code) & set("0O1IL2Z5S8BUV")


def test_another_browser_is_asked_for_the_leaders_mobile_then_sees_the_link(client, page, local):
    """A receipt, annex 4 or status link opened elsewhere asks for the mobile number (reference filled in),
    shows nothing of the application before, and opens the link after; never a bare 404."""
    from django.test import Client

    location = submit(client, page)["Location"]
    reference = Application.objects.get().reference
    for url in (location, location + "annex4.docx", f"/status/{reference}/"):
        stranger = Client()
        asked = stranger.get(url, follow=True)
        assert asked.status_code == 200 and asked.redirect_chain[0][1] == 302
        form = soup(asked).find("main")
        assert form.find("input", {"name": "reference"})["value"] == reference
        assert "张校长" not in form.get_text() and "13812345678" not in str(form)
        wrong = stranger.post(asked.request["PATH_INFO"] + "?" + asked.request["QUERY_STRING"],
                              {"reference": reference, "mobile": "13900000000", "next": url})
        assert wrong.status_code == 400 and stranger.get(url).status_code == 302
        right = stranger.post("/status/", {"reference": reference, "mobile": "13812345678", "next": url})
        assert right.status_code == 302 and right["Location"] == url
        assert stranger.get(url).status_code == 200
    # A reference that does not exist gets the same question: whether one exists is not told.
    missing = Client().get("/status/2019-AAAA-AAAA/")
    assert missing.status_code == 302 and missing["Location"].startswith("/status/?reference=2019-AAAA-AAAA")


def test_the_look_up_never_sends_the_school_to_another_site(client, page, local):
    submit(client, page)
    reference = Application.objects.get().reference
    answer = Client().post("/status/", {"reference": reference, "mobile": "13812345678",
                                        "next": "https://evil.example/"})
    assert answer.status_code == 302 and answer["Location"] == f"/status/{reference}/"


def test_status_lookup_needs_the_reference_and_the_leaders_mobile(page, local, client):
    from django.test import Client

    submit(client, page)
    reference = Application.objects.get().reference
    school = Client()
    wrong = school.post("/status/", {"reference": reference, "mobile": "13900000000"})
    assert wrong.status_code == 400 and "不正确" in " ".join(summary_errors(wrong))
    empty = school.post("/status/", {"reference": "", "mobile": "1" * 30})
    assert " ".join(summary_errors(empty)) == "申报编号：请填写“申报编号”。 负责人手机号码：请填写 11 位手机号码。"
    right = school.post("/status/", {"reference": reference.lower().replace("-", " "), "mobile": "138 1234 5678"})
    assert right.status_code == 302
    status = soup(school.get(right["Location"])).find("main").get_text()
    assert "待上传盖章件" in status
    assert "基于智慧课堂的教学模式探索——以数学学科为例" in status  # the project as on the receipt and 附件4
    # The status page shows the status, not the people.
    for personal in ("张校长", "李老师", "13812345678", "13912345678"):
        assert personal not in status


def test_uploading_the_stamped_scan_moves_the_application_to_review(client, page, local):
    submit(client, page)
    application = Application.objects.get()
    status_url = f"/status/{application.reference}/"
    bad = client.post(status_url, {"scan": upload("盖章.docx", docx_bytes())})
    assert "格式不被接受" in field_errors(bad)["scan"]
    good = client.post(status_url, {"scan": upload("盖章.pdf", pdf_bytes())})
    assert good.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.files.filter(field_name=ApplicationFile.STAMPED_SCAN).count() == 1
    again = client.post(status_url, {"scan": upload("盖章2.pdf", pdf_bytes())})
    assert again.status_code == 302
    assert list(application.files.filter(field_name=ApplicationFile.STAMPED_SCAN).values_list("original_name", flat=True)) == ["盖章2.pdf"]


def test_the_office_gets_one_email_per_application_without_phone_numbers(
    client, page, local, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, page)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["demo-office@localhost"]
    assert Application.objects.get().reference in message.body
    assert "13812345678" not in message.body and "张校长" not in message.body


# ---------------------------------------------------------------- editors and core roles


def test_a_new_form_page_starts_with_the_annex4_fields():
    fresh = ApplicationFormPage(title="新表单")
    roles = [f.role for f in fresh.form_fields.all()]
    assert roles[:3] == ["unit", "school", "category"] and "work_plan" in roles and "evidence" in roles
    assert fresh.configuration_problems() == []


def test_a_form_missing_a_core_role_cannot_be_published_or_submitted(client, page, local, admin_client):
    from .test_admin_content import form_fields

    edit_url = f"/admin/pages/{page.pk}/edit/"
    data = form_fields(soup(admin_client.get(edit_url)).find("form", id="page-edit-form"))
    total = int(data["form_fields-TOTAL_FORMS"][0])
    school = next(i for i in range(total) if data[f"form_fields-{i}-role"] == ["school"])
    data[f"form_fields-{school}-DELETE"] = ["1"]
    data["action-publish"] = ["action-publish"]
    response = admin_client.post(edit_url, data)
    assert response.status_code == 200
    assert "缺少核心字段“申报学校名称”" in response.content.decode()
    page.refresh_from_db()
    assert page.form_fields.filter(role="school").exists()


def test_editors_can_relabel_a_core_field(client, page, local):
    field = page.form_fields.get(role="school")
    field.label = "学校全称"
    field.save()
    assert "学校全称" in soup(client.get(page.url)).select_one("#field-school label").get_text()
    assert submit(client, page).status_code == 302
    assert Application.objects.get().school == "平江县第一中学"


def test_control_and_invisible_characters_are_dropped_and_exports_still_work(client, page, local):
    import io

    import docx

    response = submit(client, page, school="平江\x07县第一\u202e中学\x00", summary="第一行\x0b第二行\u200b")
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.school == "平江县第一中学"
    assert application.summary == "第一行\n第二行"
    document = docx.Document(io.BytesIO(client.get(response["Location"] + "annex4.docx").content))
    assert "平江县第一中学" in " ".join(c.text for t in document.tables for r in t.rows for c in r.cells)


def test_failed_status_lookups_are_throttled(client, page, local, settings):
    from django.test import Client

    settings.PORTAL_STATUS_RATE = "3/h"
    submit(client, page)
    reference = Application.objects.get().reference
    guesser = Client()
    for _ in range(3):
        assert guesser.post("/status/", {"reference": reference, "mobile": "13900000000"}).status_code == 400
    blocked = guesser.post("/status/", {"reference": reference, "mobile": "13812345678"})
    assert blocked.status_code == 429 and "过多" in " ".join(summary_errors(blocked))


def test_an_oversized_scan_gets_one_clear_error(client, page, local, settings):
    submit(client, page)
    settings.PORTAL_UPLOAD_MAX_FILE_MB = 1
    reference = Application.objects.get().reference
    response = client.post(f"/status/{reference}/", {"scan": upload("盖章.pdf", pdf_bytes(2 * 1024 * 1024))})
    assert response.status_code == 413
    errors = soup(response).select(".field-error")
    assert [e.get_text() for e in errors] == ["文件“盖章.pdf”超过了单个文件 1.0\xa0MB 的限制，请压缩后重新选择。"]


def test_invalid_inputs_point_at_their_error_messages(client, page, local):
    response = submit(client, page, leader_phone="123")
    field = soup(response).find("input", {"name": "leader_phone"})
    described = field["aria-describedby"].split()
    assert "id_leader_phone-error" in described and "id_leader_phone_helptext" in described
    page_soup = soup(response)
    for target in described:
        assert page_soup.find(id=target), target


def test_an_editor_creates_a_form_page_with_the_annex4_fields_already_there(admin_client, call):
    from .test_admin_content import form_fields

    add_url = f"/admin/pages/add/applications/applicationformpage/{call.pk}/"
    data = form_fields(soup(admin_client.get(add_url)).find("form", id="page-edit-form"))
    data.update({
        "title": ["2020年在线申报"], "slug": ["apply-2020"],
        "opens_at": ["2020-06-20 08:00"], "closes_at": ["2020-09-15 23:59"],
        "action-publish": ["action-publish"],
    })
    response = admin_client.post(add_url, data)
    assert response.status_code == 302, soup(response).select(".error-message, .help-critical")
    page = ApplicationFormPage.objects.get(slug="apply-2020")
    assert page.live
    names = {f.role: f.clean_name for f in page.form_fields.all()}
    assert names["school"] == "school" and names["leader_phone"] == "leader_phone" and len(names) == 13


@pytest.mark.parametrize("where", ["local", "s3"])
def test_files_without_an_application_are_swept(client, page, where, request):
    import io as _io
    import os
    import time

    from django.core.management import call_command

    request.getfixturevalue("private_folder" if where == "local" else "s3_bucket")
    submit(client, page)
    kept = set(ApplicationFile.objects.values_list("key", flat=True))
    orphan = storages["applications"].save("9/2026-ORPH-ANED/x.pdf", _io.BytesIO(b"%PDF-1.4 left behind"))
    call_command("sweep_orphans", "--hours", "1", stdout=_io.StringIO())
    assert storages["applications"].exists(orphan)  # too recent: may belong to a submission in progress
    if where == "local":
        old = time.time() - 7200
        os.utime(storages["applications"].path(orphan), (old, old))
        call_command("sweep_orphans", "--hours", "1", stdout=_io.StringIO())
    else:
        call_command("sweep_orphans", "--hours", "0", stdout=_io.StringIO())
    assert not storages["applications"].exists(orphan)
    assert all(storages["applications"].exists(key) for key in kept)


def test_the_home_page_leads_a_school_to_the_open_form_and_its_status(client, page):
    home = soup(client.get("/")).select_one(".current-call")
    links = {a.get_text(): a["href"] for a in home.find_all("a")}
    assert links["在线申报"] == page.url
    assert links["查询申报状态"] == "/status/"
    notice = soup(client.get(page.call.url)).select_one(".apply-link a")
    assert notice["href"] == page.url


def test_the_form_offers_the_units_of_its_quota_table_and_the_categories_of_its_topic_guide_in_order(client, page):
    from notices.models import QuotaTablePage, TopicGuidePage

    call = page.call
    table = QuotaTablePage.objects.child_of(call).live().get()
    guide = TopicGuidePage.objects.child_of(call).live().get()

    def offered(name):
        return [o.get_text() for o in soup(client.get(page.url)).select(f"select[name={name}] option") if o["value"]]

    units = [row.unit.name for row in table.rows()]
    assert len(units) == 13 and offered("unit") == units
    assert offered("category") == [c.title for c in guide.categories.all()] and len(offered("category")) == 4
    # The editor moves the first unit to the end and publishes: the form follows. A draft is not offered.
    rows = list(table.quotas.all())
    rows[0].sort_order = len(rows)
    table.quotas = rows
    table.save_revision().publish()
    assert offered("unit") == units[1:] + units[:1]
    categories = list(guide.categories.all())
    categories[0].title = "草稿中的类别"
    guide.categories = categories
    guide.save_revision()
    assert "草稿中的类别" not in offered("category")
