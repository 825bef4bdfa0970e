"""Next year's call in minutes: rolling the 2019 call over makes a complete, unpublished 2020 draft."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import models

from applications.models import ApplicationFormPage
from notices.models import NoticePage, QuotaTablePage, TopicGuidePage
from notices.rollover import CLEAR, RolloverError, rollover

from .conftest import soup
from .test_admin_content import form_fields

pytestmark = pytest.mark.django_db


def texts(obj):
    """Every text an editor or the public could read in ``obj``'s own fields."""
    out = []
    for field in obj._meta.concrete_fields:
        if field.is_relation or field.name in ("path",):
            continue
        value = field.value_from_object(obj)
        if hasattr(value, "raw_data"):  # a StreamField: its blocks' data, not their rendering
            out.append(str(value.raw_data))
        elif isinstance(field, (models.CharField, models.TextField)) or field.get_internal_type() == "JSONField":
            out.append(str(value))
    return out


def call_tree(notice):
    pages = [notice, *[p.specific for p in notice.get_descendants()]]
    objects = list(pages)
    for page in pages:
        for relation in ("quotas", "categories", "form_fields"):
            if hasattr(page, relation):
                objects.extend(getattr(page, relation).all())
    return pages, objects


def file_text(data, name):
    import docx
    import openpyxl

    if name.endswith(".xlsx"):
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        return " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
    return " ".join(parts)


def summary(notice):
    quota = QuotaTablePage.objects.child_of(notice).get()
    guide = TopicGuidePage.objects.child_of(notice).get()
    form = ApplicationFormPage.objects.child_of(notice).get()
    return (
        sorted((q.unit.name, q.quota) for q in quota.quotas.all()),
        [(c.title, c.sort_order) for c in guide.categories.all()],
        [(f.label.replace("2019", "2020"), f.field_type, f.role, f.required) for f in form.form_fields.all()],
        sorted(type(p.specific).__name__ for p in notice.get_children()),
    )


def test_rolling_over_makes_a_complete_2020_draft_with_no_2019_left(call, client):
    draft = rollover(call, 2020)
    call.refresh_from_db()

    assert draft.title == call.title.replace("2019", "2020") and draft.slug == "2020-pilot-projects"
    assert call.download_url and draft.download_url == ""  # the old year's posting address is not carried over
    assert summary(draft) == summary(call)  # units, quotas, categories, form fields and roles, annex pages
    pages, objects = call_tree(draft)
    assert len(pages) == 7
    leftovers = [(type(o).__name__, t) for o in objects for t in texts(o) if "2019" in t]
    assert leftovers == []
    assert any("2020年" in t for t in texts(draft))  # inside sentences too

    # Dates moved by exactly one year.
    form = ApplicationFormPage.objects.child_of(draft).get()
    old_form = ApplicationFormPage.objects.child_of(call).get()
    assert draft.date == call.date.replace(year=2020) and draft.signature_date == call.signature_date.replace(year=2020)
    assert draft.deadline == call.deadline.replace(year=2020)
    assert form.opens_at == old_form.opens_at.replace(year=2020)
    assert form.closes_at is None and form.closing_time == draft.deadline  # the form closes at the notice's deadline

    # Nothing of the draft is public; the 2019 call is untouched, at its address.
    assert not any(p.live for p in pages)
    assert client.get(draft.url or "/notices/2020-pilot-projects/").status_code == 404
    assert client.get(call.url).status_code == 200 and "2020" not in soup(client.get("/notices/")).get_text()


@pytest.mark.usefixtures("only_2019")
def test_published_draft_downloads_carry_the_new_year(call, client):
    import openpyxl

    draft = rollover(call, 2020)
    for page in [draft, *draft.get_descendants()]:
        page.specific.save_revision().publish()
    quota = QuotaTablePage.objects.child_of(draft).get()
    link = soup(client.get(quota.url)).select_one(".annex-download a.download")
    assert "2020" in link["href"] and "2019" not in link["href"]
    response = client.get(link["href"])
    data = b"".join(response.streaming_content) if response.streaming else response.content
    cells = " ".join(str(c) for row in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True) for c in row if c)
    assert "2020年" in cells and "2019" not in cells
    for annex in draft.specific.annexes():  # every generated file of the new call: its name and its text
        download = annex.download
        assert "2019" not in download.file.name and "2019" not in download.title
        text = file_text(download.file.read(), download.file.name)
        assert "2019" not in text and "2020" in text, annex.title
    assert client.get(call.url).status_code == 200
    assert [a.get_text() for a in soup(client.get("/notices/")).select("main li a")][:1] == [draft.title]


def test_a_draft_with_its_dates_cleared_cannot_be_published_until_they_are_set(call, admin_client):
    draft = rollover(call, 2020, CLEAR)
    assert (draft.date, draft.signature_date, draft.deadline) == (None, None, None)
    form = ApplicationFormPage.objects.child_of(draft).get()
    assert (form.opens_at, form.closes_at) == (None, None)

    edit_url = f"/admin/pages/{draft.pk}/edit/"
    data = form_fields(soup(admin_client.get(edit_url)).find("form", id="page-edit-form"))
    data["body-count"] = ["0"]  # the body's blocks are posted by the editor's JavaScript: none here
    data["action-publish"] = ["action-publish"]
    response = admin_client.post(edit_url, data)
    assert response.status_code == 200 and "发布前请填写此日期" in soup(response).get_text()
    draft.refresh_from_db()
    assert not draft.live

    data["date"], data["signature_date"] = ["2020-06-20"], ["2020-06-20"]
    assert admin_client.post(edit_url, data).status_code == 302
    draft.refresh_from_db()
    assert draft.live and draft.date == datetime.date(2020, 6, 20)


def test_rolling_over_twice_to_the_same_year_is_refused(call):
    rollover(call, 2020)
    with pytest.raises(RolloverError, match="2020 年的申报通知已经存在"):
        rollover(call, 2020)
    with pytest.raises(CommandError, match="已经存在"):
        call_command("rollover_call", call.slug, "--year", "2020", stdout=io.StringIO())
    assert NoticePage.objects.filter(slug__startswith="2020").count() == 1


def test_the_command_makes_the_draft(call):
    out = io.StringIO()
    call_command("rollover_call", call.slug, "--year", "2021", "--clear-dates", stdout=out)
    draft = NoticePage.objects.get(slug="2021-pilot-projects")
    assert not draft.live and draft.date is None and "尚未发布" in out.getvalue()


def test_an_editor_rolls_over_from_the_notice_in_the_admin(call, admin_client):
    page = soup(admin_client.get(f"/admin/pages/{call.pk}/edit/"))
    link = next((a for a in page.find_all("a") if a.get_text(strip=True) == "生成下一年度"), None)
    assert link is not None and link["href"] == f"/admin/notices/{call.pk}/rollover/"
    form = soup(admin_client.get(link["href"]))
    assert form.find("input", {"name": "year"})["value"] == "2020"
    response = admin_client.post(link["href"], {"year": "2020", "dates": "shift"})
    draft = NoticePage.objects.get(slug="2020-pilot-projects")
    assert response.status_code == 302 and response["Location"] == f"/admin/pages/{draft.pk}/edit/"
    again = admin_client.post(link["href"], {"year": "2020", "dates": "shift"})
    assert again.status_code == 200 and "已经存在" in soup(again).get_text()
    on_the_draft = soup(admin_client.get(f"/admin/pages/{draft.pk}/edit/"))
    assert not any(a.get_text(strip=True) == "生成下一年度" for a in on_the_draft.find_all("a"))  # a draft is edited


def test_an_editor_submits_the_whole_rolled_over_call_for_moderation_at_once(call, client):
    from wagtail.models import WorkflowState

    from applications.review.groups import ensure_groups

    from .factories import ReviewerFactory

    ensure_groups()
    editor = ReviewerFactory(editor=True)
    client.force_login(editor)
    draft = rollover(call, 2020, user=editor)
    url = f"/admin/notices/{draft.pk}/submit-all/"
    header = soup(client.get(f"/admin/pages/{draft.pk}/edit/"))
    assert any(a.get("href") == url and a.get_text(strip=True) == "整套提交审核" for a in header.find_all("a"))
    confirm = soup(client.get(url)).get_text()
    assert "以下 7 个页面将一并提交" in confirm
    response = client.post(url, follow=True)
    assert "7 个页面提交审核" in soup(response).get_text()
    pages = [draft, *draft.get_descendants()]
    in_moderation = WorkflowState.objects.filter(object_id__in=[str(p.pk) for p in pages], status="in_progress")
    assert in_moderation.count() == 7
    assert not any(p.specific.live for p in pages)  # nothing public until the publisher approves
    client.post(url)
    assert WorkflowState.objects.filter(object_id__in=[str(p.pk) for p in pages]).count() == 7  # not twice


def test_the_publisher_approves_the_whole_call_at_once_and_the_public_sees_2020(call, client):
    from applications.review.groups import ensure_groups

    from .factories import ReviewerFactory

    ensure_groups()
    editor, publisher = ReviewerFactory(editor=True), ReviewerFactory(publisher=True)
    draft = rollover(call, 2020, user=editor)
    client.force_login(editor)
    assert client.get(f"/admin/notices/{draft.pk}/approve-all/").status_code == 200  # nothing for an editor to do
    assert "没有等待您审核的页面" in soup(client.get(f"/admin/notices/{draft.pk}/approve-all/")).get_text()
    client.post(f"/admin/notices/{draft.pk}/submit-all/")
    client.post(f"/admin/notices/{draft.pk}/approve-all/")  # an editor cannot approve
    draft.refresh_from_db()
    assert not draft.live

    client.force_login(publisher)
    assert "以下 7 个页面正在等待您审核" in soup(client.get(f"/admin/notices/{draft.pk}/approve-all/")).get_text()
    response = client.post(f"/admin/notices/{draft.pk}/approve-all/", {"comment": "同意发布"}, follow=True)
    assert "已批准" in soup(response).get_text()
    draft.refresh_from_db()
    pages = [draft, *draft.get_descendants()]
    assert [p.title for p in pages if not p.specific.live] == []
    client.logout()
    assert client.get("/notices/2020-pilot-projects/").status_code == 200
