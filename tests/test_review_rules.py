"""The review's rules, each in one home (issue 12 §1): scoping, the transition table, places held, the call."""

import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from applications.models import Application
from applications.review.workflow import perform
from applications.states import Status

from .conftest import soup
from .test_review import (  # noqa: F401 (fixtures)
    city,
    demo_call,  # noqa: F401 (autouse there, used here too)
    make_application,
    pingjiang,
    user,
    yueyang,
)

pytestmark = pytest.mark.django_db


def status_line(client, application):
    page = soup(client.get(f"/admin/applications/{application.pk}/"))
    return next(p.get_text() for p in page.find_all("p") if p.get_text().startswith("状态："))


def dashboard_cells(client, unit):
    panel = soup(client.get("/admin/")).select_one(".review-dashboard")
    row = next(tr for tr in panel.select("tbody tr") if tr.find("th").get_text() == unit)
    return [td.get_text() for td in row.find_all("td")]


# ---------------------------------------------------------------- places held, as the quota check counts them


def test_the_city_level_row_counts_only_approvals_as_places(city):
    make_application(unit="市本级", status=Status.APPROVED)
    make_application(unit="市本级", status=Status.DECLINED)  # the city declined it: it holds no 市本级 place
    make_application(unit="市本级")
    assert dashboard_cells(city, "市本级") == ["3", "—", "1", "2"]
    make_application(unit="市本级", status=Status.APPROVED)
    assert dashboard_cells(city, "市本级") == ["4", "—", "2（已满）", "2"]


def test_a_districts_declined_recommendations_still_hold_its_places(city):
    make_application(unit="平江县", status=Status.RECOMMENDED)
    make_application(unit="平江县", status=Status.DECLINED)
    assert dashboard_cells(city, "平江县") == ["2", "2（已满）", "0", "2"]


def test_the_dashboard_and_the_quota_check_agree_on_a_full_city_level_unit(city):
    make_application(unit="市本级", status=Status.APPROVED)
    make_application(unit="市本级", status=Status.DECLINED)
    last = make_application(unit="市本级")
    assert "已满" not in "".join(dashboard_cells(city, "市本级"))
    perform(user("city"), last.pk, "approve", "同意立项")  # the place the dashboard shows free is free
    assert dashboard_cells(city, "市本级")[2] == "2（已满）"


def test_the_detail_page_calls_city_level_places_approvals(city, pingjiang):
    approved = make_application(unit="市本级", status=Status.APPROVED)
    make_application(unit="市本级", status=Status.DECLINED)
    assert "市本级 名额 2 个，已立项 1 个" in status_line(city, approved)
    district = make_application(unit="平江县", status=Status.DECLINED)
    assert "平江县 名额 2 个，已推荐 1 个" in status_line(pingjiang, district)


# ---------------------------------------------------------------- who decides


def test_a_district_reviewer_trying_to_approve_is_told_it_is_the_citys_decision(pingjiang):
    application = make_application(status=Status.RECOMMENDED)
    response = pingjiang.post(f"/admin/applications/{application.pk}/do/approve/", {"opinion": "同意"}, follow=True)
    assert "立项由市教育体育局决定，县市区不能执行此操作。" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Status.RECOMMENDED


def test_the_city_trying_to_recommend_is_told_it_is_the_districts_decision(city):
    application = make_application()
    response = city.post(f"/admin/applications/{application.pk}/do/recommend/", {"opinion": "同意"}, follow=True)
    assert "推荐由县市区教育局决定，市教育体育局不能执行此操作。" in response.content.decode()


def test_a_city_level_application_has_no_recommendation(city):
    application = make_application(unit="市本级")
    response = city.post(f"/admin/applications/{application.pk}/do/recommend/", {"opinion": "同意"}, follow=True)
    assert "市本级申报不经县市区推荐" in response.content.decode()


# ---------------------------------------------------------------- one scope, one way to find the call


def test_visible_to_is_the_one_scope(city, pingjiang, yueyang):
    own, other = make_application(unit="平江县"), make_application(unit="岳阳县")
    assert set(Application.objects.visible_to(user("city"))) >= {own, other}
    assert list(Application.objects.visible_to(user("pingjiang"))) == [own]
    from django.contrib.auth.models import AnonymousUser

    assert not Application.objects.visible_to(AnonymousUser()).exists()


def test_a_draft_call_with_a_later_deadline_is_not_the_latest(city, demo_call):  # noqa: F811
    from notices.models import NoticeIndexPage, NoticePage

    index = NoticeIndexPage.objects.get()
    index.add_child(instance=NoticePage(
        title="2020年试点项目申报（草稿）", slug="draft-2020", issuer="市教育体育局", date=datetime.date(2020, 3, 1),
        signature="市教育体育局", signature_date=datetime.date(2020, 3, 1), live=False,
        deadline=timezone.now() + datetime.timedelta(days=400),
    ))
    make_application(unit="平江县", status=Status.RECOMMENDED, project_name="演示通知的项目")
    heading = soup(city.get("/admin/")).select_one("#review-dashboard-heading").get_text()
    assert demo_call.title in heading and "草稿" not in heading
    export = city.get("/admin/applications/export/summary.xlsx")
    assert export.status_code == 200
    from applications.models import AuditEntry

    assert AuditEntry.objects.filter(action="export").latest("pk").call_id == demo_call.pk


# ---------------------------------------------------------------- templates read named states


def test_no_template_compares_a_raw_status_string():
    templates = Path(settings.BASE_DIR) / "templates"
    offenders = [
        str(path.relative_to(templates))
        for path in templates.rglob("*.html")
        if ".status ==" in path.read_text() or ".status !=" in path.read_text()
    ]
    assert offenders == []


def test_the_detail_page_says_a_returned_application_waits_for_the_school(pingjiang):
    application = make_application(status=Status.RETURNED)
    assert "已退回学校，等待学校重新上传。" in soup(pingjiang.get(f"/admin/applications/{application.pk}/")).get_text()
