"""An editor previews a page from the admin's edit view before publishing it (the 预览 button): the preview is
the page as the public would see it, in Chinese, with the edits not yet saved."""

import json

import pytest
from django.test import Client
from wagtail import blocks
from wagtail.fields import StreamField
from wagtail.test.utils.form_data import querydict_from_html

from applications.models import ApplicationFormPage
from notices.models import NoticePage

from .conftest import soup
from .factories import REVIEWER_PASSWORD, ReviewerFactory, demo_form_page

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    client = Client()
    assert client.login(username=ReviewerFactory(editor=True).username, password=REVIEWER_PASSWORD)
    return client


def block_data(block, value, prefix):
    """The form fields the admin's JavaScript posts for a StreamField value (they are not in the page's HTML)."""
    if isinstance(block, (blocks.StreamBlock, blocks.ListBlock)):
        children = value if isinstance(block, blocks.StreamBlock) else value.bound_blocks
        data = {f"{prefix}-count": str(len(children))}
        for i, child in enumerate(children):
            data.update({f"{prefix}-{i}-deleted": "", f"{prefix}-{i}-order": str(i), f"{prefix}-{i}-id": child.id or ""})
            if isinstance(block, blocks.StreamBlock):
                data[f"{prefix}-{i}-type"] = child.block_type
            data.update(block_data(child.block, child.value, f"{prefix}-{i}-value"))
        return data
    if isinstance(block, blocks.StructBlock):
        data = {}
        for name, child in block.child_blocks.items():
            data.update(block_data(child, value.get(name), f"{prefix}-{name}"))
        return data
    return {prefix: "" if value is None else str(value)}


def preview(client, page, mode="", **changes):
    """What the 预览 button does: send the edit form as it stands to the preview view, then open the preview."""
    edit = client.get(f"/admin/pages/{page.pk}/edit/")
    assert edit.status_code == 200
    data = querydict_from_html(edit.content.decode(), form_id="page-edit-form")
    page = page.specific
    for field in page._meta.get_fields():
        if isinstance(field, StreamField):
            data.update(block_data(field.stream_block, getattr(page, field.name), field.name))
    for name, value in changes.items():
        data[name] = value
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
