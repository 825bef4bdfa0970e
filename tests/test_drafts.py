"""暂存: a form saved half-way with its files, resumed in another browser (reference + the leader's mobile
number, or an emailed link), submitted as the application with the same reference. A draft is not an
application: it counts for nothing and is deleted after PORTAL_DRAFT_DAYS days untouched."""

import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from applications.models import Application, Draft, Upload

from .conftest import soup
from .factories import demo_form_page, docx_bytes, pdf_bytes, submit, upload, valid_data


@pytest.fixture
def page(db, private_folder):
    return demo_form_page()


def save_draft(client, page, **fields):
    token = soup(client.get(page.url)).find("input", {"name": "submission_token"})["value"]
    data = {"submission_token": token, "action": "draft", **fields}
    return client.post(page.url, {k: v for k, v in data.items() if v is not None})


def typed(response, name):
    field = soup(response).find(attrs={"name": name})
    return field.get_text() if field.name == "textarea" else field.get("value")


def test_a_draft_keeps_what_was_typed_and_its_file_and_is_no_application(client, page, private_folder):
    response = save_draft(client, page, school="平江县第一中学", leader_phone="138 1234 5678", summary="一、目标",
                          work_plan=upload("工作方案.docx", docx_bytes()))
    assert response.status_code == 302
    draft = Draft.objects.get()
    assert response["Location"] == f"{page.url}?draft={draft.reference}"
    shown = client.get(response["Location"])
    text = soup(shown).get_text()
    assert f"草稿已暂存，申报编号：{draft.reference}" in text and "工作方案.docx" in text
    assert typed(shown, "school") == "平江县第一中学" and typed(shown, "summary").strip() == "一、目标"
    assert not Application.objects.exists()  # not an application: no review, quota or duplicate sees it
    assert Upload.objects.get().state == Upload.State.ACCEPTED


def test_a_draft_resumes_in_another_browser_and_becomes_the_application_with_its_reference(client, page):
    save_draft(client, page, school="平江县第一中学", project="基于智慧课堂的教学模式探索", leader_phone="13812345678",
               work_plan=upload("工作方案.docx", docx_bytes()))
    draft = Draft.objects.get()

    other = Client()
    asked = other.get(f"{page.url}?draft={draft.reference}")  # the link, written down or bookmarked
    assert asked.status_code == 302 and asked["Location"].startswith(f"/status/?reference={draft.reference}")
    looked_up = other.post("/status/", {"reference": draft.reference, "mobile": "13812345678"})
    assert looked_up["Location"] == f"{page.url}?draft={draft.reference}"
    resumed = other.get(looked_up["Location"])
    assert typed(resumed, "school") == "平江县第一中学" and "工作方案.docx" in soup(resumed).get_text()
    token = soup(resumed).find("input", {"name": "submission_token"})["value"]
    assert token == str(draft.token)

    done = other.post(page.url, valid_data(work_plan=None, submission_token=token))
    assert done.status_code == 302, soup(done).find(id="error-summary")
    application = Application.objects.get()
    assert application.reference == draft.reference and not Draft.objects.exists()
    assert {f.original_name for f in application.files.all()} == {"工作方案.docx", "照片.png", "佐证1.pdf"}


def test_a_drafts_link_after_it_was_submitted_leads_to_the_applications_status(client, page):
    save_draft(client, page, leader_phone="13812345678", work_plan=upload("工作方案.docx", docx_bytes()))
    draft = Draft.objects.get()
    token = soup(client.get(f"{page.url}?draft={draft.reference}")).find("input", {"name": "submission_token"})["value"]
    assert client.post(page.url, valid_data(work_plan=None, submission_token=token)).status_code == 302

    other = Client()  # the bookmarked draft link, another day, another computer
    asked = other.get(f"{page.url}?draft={draft.reference}")
    looked_up = other.post(asked["Location"], {"reference": draft.reference, "mobile": "13812345678"}, follow=True)
    assert asked.status_code == 302 and len(looked_up.redirect_chain) < 4
    assert looked_up.redirect_chain[-1][0] == f"/status/{draft.reference}/"
    assert draft.reference in soup(looked_up).get_text()


def test_the_wrong_mobile_number_opens_no_draft(client, page):
    save_draft(client, page, leader_phone="13812345678")
    reference = Draft.objects.get().reference
    other = Client()
    wrong = other.post("/status/", {"reference": reference, "mobile": "13900000000"})
    assert wrong.status_code == 400
    assert soup(wrong).select_one("#error-summary h2").get_text().startswith("查询未成功")
    assert other.get(f"{page.url}?draft={reference}").status_code == 302


def test_a_draft_needs_the_leaders_mobile_number_and_keeps_the_rest_typed(client, page):
    response = save_draft(client, page, school="平江县第一中学", leader_phone="12345")
    assert response.status_code == 200 and not Draft.objects.exists()
    error = soup(response).find(id="id_leader_phone-error").get_text()
    assert "11位" in error
    assert typed(response, "school") == "平江县第一中学"
    assert "请选择“工作方案”" not in soup(response).get_text()  # a draft is not judged complete
    empty = save_draft(Client(), page, school="平江县第一中学")
    assert "暂存前请填写负责人手机号码" in soup(empty).find(id="error-summary").get_text()
    assert soup(empty).select_one("#error-summary h2").get_text().startswith("暂存未成功")  # not “提交未成功”


def test_a_refused_file_is_named_next_to_its_field_and_the_rest_of_the_draft_is_saved(client, page):
    response = save_draft(client, page, leader_phone="13812345678", work_plan=upload("方案.pdf", b"MZ not a pdf"),
                          evidence=[upload("佐证.pdf", pdf_bytes())])
    assert response.status_code == 200
    draft = Draft.objects.get()
    assert f"草稿已暂存，申报编号：{draft.reference}" in soup(response).get_text()
    assert "“方案.pdf”" in soup(response).find(id="id_work_plan-error").get_text()
    assert [u.original_name for u in Upload.objects.all()] == ["佐证.pdf"]


def test_a_link_sent_by_email_opens_the_draft_anywhere(client, page, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the email is a task, enqueued once the draft is saved
        save_draft(client, page, leader_phone="13812345678", leader="张校长", resume_email="school@example.com")
    draft = Draft.objects.get()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["school@example.com"]
    body = mail.outbox[0].body
    assert draft.reference in body and "张校长" not in body and "13812345678" not in body
    link = re.search(r"http://testserver(/apply/draft/\S+/)", body).group(1)
    opened = Client().get(link, follow=True)
    assert typed(opened, "leader") == "张校长"
    assert Client().get(link[:-5] + "xxxx/", follow=True).redirect_chain[-1][0] == "/status/"  # a forged link


def test_a_draft_does_not_count_as_the_schools_application(client, page):
    save_draft(client, page, school="平江县第一中学", project="基于智慧课堂的教学模式探索", leader_phone="13812345678")
    assert submit(Client(), page).status_code == 302  # the same school and project, submitted elsewhere
    assert Application.objects.count() == 1 and Draft.objects.count() == 1


def test_a_submitted_form_cannot_be_saved_as_a_draft_again(client, page):
    token = soup(client.get(page.url)).find("input", {"name": "submission_token"})["value"]
    assert client.post(page.url, valid_data(submission_token=token)).status_code == 302
    again = client.post(page.url, {"submission_token": token, "action": "draft", "leader_phone": "13812345678"})
    assert again.status_code == 200 and "已经提交" in soup(again).find(id="error-summary").get_text()
    assert not Draft.objects.exists()


def test_drafts_untouched_for_30_days_are_deleted_with_their_files(client, page, private_folder):
    save_draft(client, page, leader_phone="13812345678", work_plan=upload("旧.docx", docx_bytes()))
    save_draft(Client(), page, leader_phone="13812345679", work_plan=upload("新.docx", docx_bytes()))
    old = Draft.objects.get(leader_phone="13812345678")
    Draft.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=31))
    call_command("purge_applications", stdout=io.StringIO())
    assert list(Draft.objects.values_list("leader_phone", flat=True)) == ["13812345679"]
    assert [u.original_name for u in Upload.objects.all()] == ["新.docx"]
    stored = [p for p in private_folder.rglob("*") if p.is_file()]
    assert len(stored) == 1
    call_command("sweep_orphans", "--hours", "0", stdout=io.StringIO())  # a draft's files are not orphans
    assert Upload.objects.count() == 1 and len([p for p in private_folder.rglob("*") if p.is_file()]) == 1


def test_a_token_from_another_forms_draft_is_refused_in_chinese_and_that_draft_is_untouched(client, page):
    save_draft(client, page, school="平江县第一中学", leader_phone="13812345678")
    other_draft = Draft.objects.get()
    from applications.models import ApplicationFormPage

    other_page = ApplicationFormPage.objects.live().exclude(pk=page.pk).first()
    other_page.opens_at, other_page.closes_at = page.opens_at, page.closing_time
    other_page.save_revision().publish()
    answer = Client().post(other_page.url, {"submission_token": str(other_draft.token), "action": "draft",
                                            "school": "别的学校", "leader_phone": "13812345678"})
    assert answer.status_code == 400
    assert "页面已过期" in soup(answer).find(id="error-summary").get_text()
    other_draft.refresh_from_db()
    assert other_draft.page_id == page.pk and other_draft.form_data["school"] == "平江县第一中学"
