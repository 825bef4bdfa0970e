"""Issue 12 §1, the form side: the form page on Wagtail's hooks (and its previews), one role -> column table,
a 芙蓉 answer that does not depend on a label, no import circle, settings that are used."""

import ast
import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import translation

from applications.apply import roles
from applications.exports import listing
from applications.models import Application, ApplicationFormPage

from .conftest import soup
from .factories import demo_form_page, submit

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def page(db):
    return demo_form_page()


@pytest.fixture
def local(private_folder):
    return private_folder


# ---------------------------------------------------------------- previews in the admin


def edit_form_data(admin_client, page):
    """What the browser sends from the page's edit form, as it is."""
    form = soup(admin_client.get(f"/admin/pages/{page.pk}/edit/")).find("form", id="page-edit-form")
    data = {}
    for tag in form.find_all(["input", "textarea", "select"]):
        name = tag.get("name")
        if not name or tag.get("type") in ("submit", "button", "file"):
            continue
        if tag.name == "textarea":
            data[name] = tag.get_text()
        elif tag.name == "select":
            chosen = tag.find("option", selected=True)
            data[name] = chosen["value"] if chosen else ""
        elif tag.get("type") in ("checkbox", "radio"):
            if tag.has_attr("checked"):
                data[name] = tag.get("value", "on")
        else:
            data[name] = tag.get("value", "")
    return data


@pytest.mark.parametrize(
    "mode, expected",
    [("form", ["提交申报", "个人信息处理说明"]), ("landing", ["申报已提交", "预览", "下载预填好的申请表"])],
)
def test_an_editor_previews_the_form_and_the_page_a_school_sees_after_submitting(admin_client, page, mode, expected):
    preview_url = f"/admin/pages/{page.pk}/edit/preview/"
    posted = admin_client.post(preview_url, edit_form_data(admin_client, page))
    assert posted.status_code == 200 and posted.json()["is_valid"]
    response = admin_client.get(preview_url, {"mode": mode})
    assert response.status_code == 200
    text = soup(response).get_text()
    for words in expected:
        assert words in text


def test_an_editor_sees_the_form_in_preview_before_it_opens(admin_client, page):
    ApplicationFormPage.objects.filter(pk=page.pk).update(opens_at=page.closing_time - datetime.timedelta(days=1))
    page.refresh_from_db()
    request_page = page.make_preview_request(preview_mode="form")
    text = soup(request_page).get_text()
    assert "本次申报尚未开始" in text and "提交申报" in text


def test_the_form_is_not_shown_to_schools_before_it_opens(client, page):
    ApplicationFormPage.objects.filter(pk=page.pk).update(opens_at=page.closing_time - datetime.timedelta(days=1))
    response = client.get(page.url)
    assert "本次申报尚未开始" in response.content.decode() and "提交申报" not in response.content.decode()
    assert "no-cache" in response["Cache-Control"]


def test_the_form_page_is_served_by_wagtails_form_flow(client, page, local):
    """process_form_submission returns the Application; render_landing_page grants and redirects."""
    assert page.get_submission_class() is Application
    assert "serve_application_form" not in (ROOT / "applications/apply/views.py").read_text()
    response = submit(client, page)
    assert response.status_code == 302 and response["Location"].startswith("/apply/receipt/")
    assert client.get(response["Location"]).status_code == 200


# ---------------------------------------------------------------- 芙蓉学校 by value, not by label


def test_relabelling_yes_still_records_a_furong_school(client, page, local):
    field = page.form_fields.get(role="furong")
    field.choices = "是（芙蓉学校）\n否（非芙蓉学校）"
    field.save()
    form = soup(client.get(page.url))
    label = next(lab for lab in form.select("#field-furong label") if "是（芙蓉学校）" in lab.get_text())
    chosen = label.find("input") or form.find("input", id=label.get("for"))
    assert submit(client, page, furong=chosen["value"]).status_code == 302
    application = Application.objects.get()
    assert application.is_furong is True
    assert listing.row(application)[HEADER_FURONG] == "是"


def test_a_furong_field_without_two_choices_cannot_be_published(page):
    field = page.form_fields.get(role="furong")
    field.choices = "是"
    field.save()
    assert any("两个选项" in problem for problem in page.configuration_problems())


# ---------------------------------------------------------------- one role -> column table

HEADER_FURONG = listing.HEADERS.index("芙蓉学校")


def test_every_core_column_reaches_the_application_the_review_and_the_exports(client, page, local, admin_client):
    assert submit(client, page, leader_phone="13800001111", contact_phone="13900002222").status_code == 302
    application = Application.objects.get()
    columns = {column.field for column in roles.COLUMNS}
    assert columns == {"unit", "school", "category", "project_name", "subtitle", "is_furong", "leader",
                       "leader_phone", "contact", "contact_phone", "summary"}
    detail = soup(admin_client.get(f"/admin/applications/{application.pk}/"))
    headings = {th.get_text(strip=True): th.find_next("td").get_text(strip=True) for th in detail.select("th[scope=row]")}
    for heading, text in application.core_rows():
        assert headings[heading] == text
    assert headings["负责人手机号码"] == "13800001111" and headings["联系人手机号码"] == "13900002222"
    annex4 = application.annex4_values()
    assert annex4["leader_phone"] == "13800001111" and annex4["project"] == application.project_name
    assert listing.row(application)[listing.HEADERS.index("联系人手机号码")] == "13900002222"


# ---------------------------------------------------------------- no import circle


def imported_modules(path):
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names.add(("." * node.level) + (node.module or ""))
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_notices_knows_nothing_of_applications():
    for path in (ROOT / "notices").rglob("*.py"):
        assert not any(name.startswith("applications") for name in imported_modules(path)), path
        assert not re.search(r"applications\.[A-Za-z]", path.read_text()), path  # no "applications.X" either


def test_models_import_no_view_and_submission_no_model():
    assert not {".apply.views", ".review.views", "applications.apply.views", "applications.review.views"} & imported_modules(
        ROOT / "applications/models.py"
    )
    assert not {"..models", "applications.models"} & imported_modules(ROOT / "applications/apply/submission.py")


def test_a_call_still_offers_its_form_under_it(page, admin_client):
    """The notice no longer lists the form page type: the form page says it goes under a notice."""
    call = page.get_parent().specific
    assert ApplicationFormPage in call.specific_class.allowed_subpage_models()
    assert "在线申报表单" in soup(admin_client.get(f"/admin/pages/{call.pk}/add_subpage/")).get_text()


# ---------------------------------------------------------------- settings and dates


def test_no_unused_app_is_installed_and_django_filter_is_pinned():
    for app in ("django.contrib.humanize", "wagtail.contrib.table_block"):
        assert app not in django_settings.INSTALLED_APPS
    assert "wagtail.contrib.settings" in django_settings.INSTALLED_APPS  # used again: 门户设置 (home.PortalSettings)
    assert any(line.startswith("django-filter==") for line in (ROOT / "requirements.txt").read_text().splitlines())


def test_dates_in_exports_are_written_as_in_official_documents_whatever_the_language():
    from portal.dates import cn_date, cn_datetime

    with translation.override("en"):
        assert cn_date(datetime.date(2019, 6, 20)) == "2019年6月20日"
        moment = datetime.datetime(2019, 6, 20, 9, 5, tzinfo=datetime.UTC)
        assert cn_datetime(moment) == "2019年6月20日 17:05"


def test_templates_use_djangos_date_filter(client, page):
    for path in (ROOT / "templates").rglob("*.html"):
        assert "cn_date" not in path.read_text(), path
    call = page.get_parent().specific
    text = soup(client.get(call.url)).get_text()
    assert f"{call.signature_date.year}年{call.signature_date.month}月{call.signature_date.day}日" in text
