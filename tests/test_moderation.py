"""Moderated and scheduled publishing: editors (内容编辑) submit a notice, an annex or the form for 审核发布; the
office head (审核发布) approves or asks for changes with a comment; the public sees only approved versions, at
their go-live date when one is set (manage.py publish_scheduled)."""

import datetime
from contextlib import contextmanager
from unittest import mock

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from wagtail.models import GroupApprovalTask, Workflow, WorkflowState

from applications.review.groups import EDITORS_GROUP, PUBLISHERS_GROUP, ensure_groups
from notices.models import NoticeIndexPage, NoticePage, QuotaTablePage
from notices.moderation import TASK_NAME, WORKFLOW_NAME

from .admin_forms import edit_form, logged_in
from .conftest import main_text, normalise, soup
from .factories import demo_form_page

pytestmark = pytest.mark.django_db

NEW_PREAMBLE = "经研究，决定组织开展2019年岳阳市教育信息化创新试点项目申报（修订稿）。"


@pytest.fixture
def editor():
    return logged_in(editor=True)


@pytest.fixture
def publisher():
    return logged_in(publisher=True)


def submit(client, page, **changes):
    """The editor's 提交给通知发布审核 button."""
    data = edit_form(client, page, **changes)
    data["action-submit"] = "action-submit"
    response = client.post(f"/admin/pages/{page.pk}/edit/", data)
    assert response.status_code == 302, soup(response).select(".error-message")
    return response


def task_state(page):
    return WorkflowState.objects.get(base_content_type__isnull=False, object_id=str(page.pk), status="in_progress").current_task_state


def act(client, page, action, comment=""):
    """The publisher's 批准 / 要求修改 in the admin (with a comment)."""
    url = f"/admin/pages/workflow/action/{page.pk}/{action}/{task_state(page).pk}/"
    response = client.post(url, {"comment": comment})
    assert response.status_code == 302
    return response


@contextmanager
def later(**delta):
    """The clock moved on by ``delta`` (for manage.py publish_scheduled, run by cron in production)."""
    moved = timezone.now() + datetime.timedelta(**delta)
    with mock.patch("django.utils.timezone.now", return_value=moved):
        yield


# Wagtail's English that this flow showed before the portal's catalogue (locale/) and setup_portal fixed it.
ENGLISH = ("Moderators", "approval", "Your pages", "Privacy and access", "Changes requested", "Sent to", "Autosave",
           "Saved", "Content metrics", " now", " ago")


def assert_chinese(response):
    text = soup(response).find("main").get_text(" ")
    assert not [word for word in ENGLISH if word in text], text


def public_text(page):
    return main_text(Client().get(page.url))


def test_setup_makes_the_workflow_in_chinese_and_assigns_it_to_every_call(call):
    ensure_groups()
    ensure_groups()  # safe to run again
    workflow = Workflow.objects.get(name=WORKFLOW_NAME)
    assert workflow.active and [t.name for t in workflow.tasks] == [TASK_NAME]
    task = GroupApprovalTask.objects.get(name=TASK_NAME)
    assert [g.name for g in task.groups.all()] == [PUBLISHERS_GROUP]
    assert NoticeIndexPage.objects.get().get_workflow() == workflow
    for page in (call, QuotaTablePage.objects.child_of(call).get(), demo_form_page(), call.get_parent().get_parent()):
        assert page.get_workflow() == workflow, page
    # Wagtail's own English default is renamed and no longer used.
    assert not Workflow.objects.filter(name__contains="approval").exists()
    assert not GroupApprovalTask.objects.filter(name__contains="approval").exists()
    assert list(Workflow.objects.filter(active=True)) == [workflow]


def test_an_editor_can_no_longer_publish_directly(editor, call):
    edit = editor.get(f"/admin/pages/{call.pk}/edit/").content.decode()
    assert 'name="action-publish"' not in edit
    assert "提交给通知发布审核" in edit and "Moderators" not in edit

    data = edit_form(editor, call, preamble=NEW_PREAMBLE)
    data["action-publish"] = "action-publish"  # a forged publish
    editor.post(f"/admin/pages/{call.pk}/edit/", data)
    assert NEW_PREAMBLE not in public_text(call)
    assert not NoticePage.objects.get(pk=call.pk).preamble == NEW_PREAMBLE


def test_a_submitted_change_is_public_only_once_the_publisher_approves_it(editor, publisher, call):
    old = normalise(call.preamble)
    submit(editor, call, preamble=NEW_PREAMBLE)
    assert old in public_text(call) and normalise(NEW_PREAMBLE) not in public_text(call)

    # The publisher is told on the admin home and sees the change before approving it.
    home = soup(publisher.get("/admin/")).get_text()
    assert "等待你的审查" in home and call.title in home and "批准" in home and "请求修改" in home
    assert_chinese(publisher.get("/admin/"))
    assert_chinese(editor.get("/admin/"))
    assert_chinese(editor.get(f"/admin/pages/{call.pk}/edit/"))
    assert NEW_PREAMBLE in publisher.get(f"/admin/pages/{call.pk}/edit/").content.decode()

    act(publisher, call, "approve", comment="同意发布。")
    assert normalise(NEW_PREAMBLE) in public_text(call) and old not in public_text(call)
    history = soup(editor.get(f"/admin/pages/{call.pk}/workflow_history/")).get_text()
    assert "通知发布审核" in history and "已批准" in history


def test_the_publisher_asks_for_changes_with_a_comment_and_nothing_is_published(editor, publisher, call):
    submit(editor, call, preamble=NEW_PREAMBLE)
    act(publisher, call, "reject", comment="请补充文号后再提交。")
    assert normalise(NEW_PREAMBLE) not in public_text(call)
    state = WorkflowState.objects.filter(object_id=str(call.pk)).latest("created_at")
    assert state.status == "needs_changes"
    edit = editor.get(f"/admin/pages/{call.pk}/edit/")
    assert "被要求修改" in soup(edit).get_text() and "重新提交给审核发布" in soup(edit).get_text()
    assert_chinese(edit)
    assert_chinese(editor.get("/admin/"))
    detail = editor.get(f"/admin/pages/{call.pk}/workflow_history/detail/{state.pk}/").content.decode()
    assert "请补充文号后再提交。" in detail


def test_a_new_notice_scheduled_and_approved_goes_live_at_its_date_with_publish_scheduled(editor, publisher, call):
    go_live = timezone.localtime() + datetime.timedelta(days=2)
    draft = call.copy(update_attrs={"slug": "scheduled-notice", "title": "关于定时发布的通知"}, keep_live=False)
    submit(editor, draft, go_live_at=go_live.strftime("%Y-%m-%d %H:%M"))
    act(publisher, draft, "approve")
    draft.refresh_from_db()
    assert not draft.live and Client().get("/notices/scheduled-notice/").status_code == 404
    listing = main_text(Client().get("/notices/"))
    assert "关于定时发布的通知" not in listing

    call_command("publish_scheduled")  # before its date: nothing happens
    assert Client().get("/notices/scheduled-notice/").status_code == 404

    with later(days=2, minutes=1):
        call_command("publish_scheduled")
    assert Client().get("/notices/scheduled-notice/").status_code == 200
    assert "关于定时发布的通知" in main_text(Client().get("/notices/"))


def test_a_scheduled_change_to_a_live_notice_waits_for_its_date(editor, publisher, call):
    go_live = timezone.localtime() + datetime.timedelta(days=1)
    submit(editor, call, preamble=NEW_PREAMBLE, go_live_at=go_live.strftime("%Y-%m-%d %H:%M"))
    act(publisher, call, "approve")
    assert normalise(NEW_PREAMBLE) not in public_text(call)
    call_command("publish_scheduled")
    assert normalise(NEW_PREAMBLE) not in public_text(call)
    with later(days=1, minutes=1):
        call_command("publish_scheduled")
    assert normalise(NEW_PREAMBLE) in public_text(call)


def test_the_publisher_compares_two_revisions_of_a_notice_body_included(publisher, call):
    before = call.latest_revision
    body = list(call.body.raw_data)
    body[0]["value"]["heading"] = "申报范围与名额（修订）"
    call.body = body
    call.preamble = NEW_PREAMBLE
    after = call.save_revision()
    response = publisher.get(f"/admin/pages/{call.pk}/revisions/compare/{before.pk}...{after.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    text = soup(response).get_text()
    assert "正文" in text and "导语" in text
    assert "申报范围与名额（修订）" in html and "（修订稿）" in html
    assert soup(response).select(".deletion") and soup(response).select(".addition")
    live = publisher.get(f"/admin/pages/{call.pk}/revisions/compare/live...latest/")
    assert live.status_code == 200 and "申报范围与名额（修订）" in live.content.decode()


def test_the_groups_are_what_setup_portal_makes(editor, publisher):
    from django.contrib.auth.models import Group
    from wagtail.models import GroupPagePermission

    def page_codenames(name):
        return set(
            GroupPagePermission.objects.filter(group__name=name).values_list("permission__codename", flat=True)
        )

    assert "publish_page" not in page_codenames(EDITORS_GROUP)
    assert "publish_page" in page_codenames(PUBLISHERS_GROUP)
    assert Group.objects.filter(name=PUBLISHERS_GROUP).exists()
