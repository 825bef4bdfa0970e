"""An editor previews a page from the admin's edit view before publishing it (the 预览 button): the preview is
the page as the public would see it, in Chinese, with the edits not yet saved."""

import json

import pytest

from applications.models import ApplicationFormPage
from notices.models import NoticePage

from .admin_forms import edit_form, logged_in
from .conftest import soup
from .factories import demo_form_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return logged_in(editor=True)


def preview(client, page, mode="", **changes):
    """What the 预览 button does: send the edit form as it stands to the preview view, then open the preview."""
    data = edit_form(client, page, **changes)
    url = f"/admin/pages/{page.pk}/edit/preview/"
    sent = client.post(f"{url}?mode={mode}", data)
    assert json.loads(sent.content) == {"is_valid": True, "is_available": True}
    return client.get(url, {"mode": mode})


def test_an_editor_previews_the_notice_with_an_unsaved_title(editor):
    notice = NoticePage.objects.get(slug="2019-pilot-projects")
    response = preview(editor, notice, title="关于开展2019年教育信息化创新试点项目申报的通知（预览）")
    assert response.status_code == 200
    page = soup(response)
    assert page.find("html")["lang"] == "zh-CN"
    assert page.find("h1").get_text(strip=True) == "关于开展2019年教育信息化创新试点项目申报的通知（预览）"
    assert "附件" in page.find("main").get_text()
    notice.refresh_from_db()
    assert "（预览）" not in notice.title  # previewing saves nothing


def test_an_editor_previews_the_application_form(editor):
    form_page = demo_form_page()
    response = preview(editor, form_page, mode="form", intro="请各校认真填写（预览中的说明）。")
    assert response.status_code == 200
    main = soup(response).find("main").get_text()
    assert "请各校认真填写（预览中的说明）。" in main
    assert "申报学校" in main and "是否芙蓉学校" in main


def test_an_editor_previews_the_application_forms_landing_page(editor):
    response = preview(editor, ApplicationFormPage.objects.get(slug="demo-apply"), mode="landing")
    assert response.status_code == 200
    assert "申报材料已提交" in soup(response).get_text()
