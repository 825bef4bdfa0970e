"""District and city review in the admin: scoping, workflow, quota, audit, exports through the views."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from applications.models import Application, ApplicationFile, AuditEntry
from applications.review.groups import ensure_groups
from applications.review.workflow import TransitionError, perform
from applications.states import Status
from notices.models import QuotaAllocation, Unit

from .conftest import soup
from .factories import ApplicationFactory, ApplicationFileFactory, ReviewerFactory

pytestmark = pytest.mark.django_db
PASSWORD = "Review-pass-2019"


@pytest.fixture(autouse=True)
def demo_call(db):
    """Review happens while the call is open: the demo call's district deadline is 40 days away."""

    from .factories import demo_form_page

    return demo_form_page().call


def make_application(call=None, unit="平江县", status=Status.SUBMITTED, **fields):
    """An application of the demo call (or ``call``), submitted from ``unit``: see ApplicationFactory."""
    return ApplicationFactory(unit=unit, status=status, **({"call": call} if call else {}), **fields)


def stored_file(application, data=b"%PDF-1.4 plan"):
    """A work plan of ``application``, stored in the current storage: see ApplicationFileFactory."""
    return ApplicationFileFactory(application=application, data=data)


def login(username, **role):
    ReviewerFactory(username=username, password=PASSWORD, **role)
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


@pytest.fixture
def city():
    return login("city", city=True)


@pytest.fixture
def pingjiang():
    return login("pingjiang", unit_name="平江县")


@pytest.fixture
def yueyang():
    return login("yueyang", unit_name="岳阳县")


@pytest.fixture
def editor():
    return login("editor", editor=True)


def user(name):
    return get_user_model().objects.get(username=name)


# ---------------------------------------------------------------- scoping


def test_a_district_reviewer_lists_only_its_own_units_applications(pingjiang):
    own = make_application(unit="平江县")
    other = make_application(unit="岳阳县")
    listing = soup(pingjiang.get("/admin/applications/")).select(".review-listing tbody tr")
    references = [tr.find("a").get_text() for tr in listing]
    assert references == [own.reference]
    searched = soup(pingjiang.get("/admin/applications/?q=" + other.reference)).select(".review-listing tbody tr")
    assert searched == []
    assert soup(pingjiang.get("/admin/applications/")).title.get_text().startswith("申报评审")  # the browser tab
    detail = soup(pingjiang.get(f"/admin/applications/{own.pk}/"))
    assert detail.title.get_text().startswith(f"申报 {own.reference}")


def test_every_url_answers_404_for_another_units_application_and_its_exports_are_refused(pingjiang, tmp_path, settings):
    settings.STORAGES = {**settings.STORAGES, "applications": {
        "BACKEND": "applications.apply.storage.PrivateFileSystemStorage", "OPTIONS": {"location": tmp_path}}}
    other = make_application(unit="岳阳县")
    stored = stored_file(other, b"%PDF-1.4 secret")
    yueyang_unit = Unit.objects.get(name="岳阳县")
    for url in (f"/admin/applications/{other.pk}/", f"/admin/applications/{other.pk}/files/{stored.pk}/",
                f"/admin/applications/{other.pk}/annex4.docx"):
        assert pingjiang.get(url).status_code == 404, url  # the same answer as for one that does not exist
    assert pingjiang.post(f"/admin/applications/{other.pk}/do/recommend/", {"opinion": "同意"}).status_code == 404
    for url in (f"/admin/applications/export/summary.xlsx?unit={yueyang_unit.pk}",
                f"/admin/applications/export/dossier.zip?unit={yueyang_unit.pk}"):
        response = pingjiang.get(url)
        assert (response.status_code, response["Location"]) == (302, "/admin/"), url  # Wagtail: PermissionDenied
        assert "spreadsheet" not in response.get("Content-Type", "") and "zip" not in response.get("Content-Type", "")
    other.refresh_from_db()
    assert other.status == Status.SUBMITTED


def test_editors_and_the_public_see_no_applications(editor, client):
    application = make_application()
    for browser, goes_to in ((editor, "/admin/"), (client, "/admin/login/?next=")):
        for url in ("/admin/applications/", f"/admin/applications/{application.pk}/", "/admin/applications/audit/",
                    "/admin/applications/export/list.csv"):
            response = browser.get(url)
            assert response.status_code == 302 and response["Location"].startswith(goes_to), url
            assert application.school not in response.content.decode()


def test_the_generic_form_submissions_listing_is_closed(city, editor, django_user_model):
    """Applications are read in 申报评审 only: Wagtail's own form-submissions pages neither list the application
    form nor open its submissions, for an administrator, an editor or a reviewer."""
    admin = Client()
    admin.force_login(django_user_model.objects.create_superuser("root2", "", "x"))
    application = make_application(school="提交过申报的学校")
    page = application.page  # the form this application was submitted through
    for who, browser in (("administrator", admin), ("editor", editor), ("city reviewer", city)):
        response = browser.get(f"/admin/forms/submissions/{page.pk}/")
        assert (response.status_code, response["Location"]) == (302, "/admin/"), who
        home = browser.get(response["Location"])
        assert "对不起， 你没有权限访问。" in soup(home).select_one(".messages").get_text(), who
        forms = browser.get("/admin/forms/")
        for shown in (home, forms):
            text = shown.content.decode()
            assert application.school not in text and "张三" not in text and "13812345678" not in text, who
        if forms.status_code == 200:  # those who may open the forms listing do not find the application form in it
            assert f"/admin/forms/submissions/{page.pk}/" not in forms.content.decode(), who


# ---------------------------------------------------------------- workflow


def test_district_recommends_then_city_approves_and_the_opinions_fill_annex4(pingjiang, city):
    import docx

    application = make_application()
    response = pingjiang.post(f"/admin/applications/{application.pk}/do/recommend/", {"opinion": "同意推荐"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.RECOMMENDED and application.district_opinion == "同意推荐"
    city.post(f"/admin/applications/{application.pk}/do/approve/", {"opinion": "同意立项"})
    application.refresh_from_db()
    assert application.status == Status.APPROVED and application.city_opinion == "同意立项"
    document = docx.Document(io.BytesIO(city.get(f"/admin/applications/{application.pk}/annex4.docx").content))
    cells = " ".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "同意推荐" in cells and "同意立项" in cells
    history = soup(city.get(f"/admin/applications/{application.pk}/")).find_all("table")[-1].get_text()
    assert "推荐" in history and "立项" in history and "pingjiang" in history and "city" in history


def test_illegal_transitions_are_refused(pingjiang, city):
    application = make_application()
    with pytest.raises(TransitionError):
        perform(user("pingjiang"), application.pk, "approve", "越权")
    with pytest.raises(TransitionError):
        perform(user("city"), application.pk, "recommend", "市局不能代替县市区推荐")
    with pytest.raises(TransitionError, match="请填写"):
        perform(user("pingjiang"), application.pk, "recommend", "  ")
    waiting = make_application(status=Status.AWAITING_SCAN)
    with pytest.raises(TransitionError, match="待上传盖章件"):
        perform(user("pingjiang"), waiting.pk, "recommend", "同意")
    page = soup(pingjiang.get(f"/admin/applications/{waiting.pk}/"))
    assert not page.select("form.review-action")
    assert "学校尚未上传盖章的申请表" in page.get_text()


def test_a_return_shows_its_reason_and_the_school_can_upload_again(pingjiang, private_folder,
                                                                   django_capture_on_commit_callbacks):
    from .factories import pdf_bytes, upload

    application = make_application(leader_phone="13812345678")
    old_scan = ApplicationFileFactory(application=application, scan=True, data=pdf_bytes(1500), original_name="盖章.pdf")
    perform(user("pingjiang"), application.pk, "return", "缺少公章")
    application.refresh_from_db()
    assert application.status == Status.RETURNED
    assert AuditEntry.objects.filter(application=application, action="return", opinion="缺少公章").exists()

    school = Client()  # the school finds its application with the reference and the leader's mobile
    opened = school.post("/status/", {"reference": application.reference, "mobile": "13812345678"})
    status_url = opened["Location"]
    page = soup(school.get(status_url)).find("main").get_text()
    assert "退回" in page and "缺少公章" in page
    new_scan = pdf_bytes(3000)
    with django_capture_on_commit_callbacks(execute=True):
        response = school.post(status_url, {"scan": upload("盖章-补公章.pdf", new_scan)})
    assert response.status_code == 302
    assert "已重新上传" in soup(school.get(status_url)).get_text()
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    (stored,) = application.files.filter(field_name=ApplicationFile.STAMPED_SCAN)
    assert stored.original_name == "盖章-补公章.pdf"
    with stored.open() as kept:
        assert kept.read() == new_scan
    assert not ApplicationFile.objects.filter(pk=old_scan.pk).exists()
    assert not (private_folder / old_scan.key).exists()


def test_city_level_applications_go_straight_to_the_city(city, pingjiang):
    application = make_application(unit="市本级")
    assert not soup(pingjiang.get(f"/admin/applications/{application.pk}/")).select("form")
    perform(user("city"), application.pk, "approve", "同意立项")
    application.refresh_from_db()
    assert application.status == Status.APPROVED


def test_district_recommendations_close_at_the_calls_deadline(pingjiang):
    application = make_application()
    with pytest.raises(TransitionError, match="截止"):
        perform(user("pingjiang"), application.pk, "recommend", "同意", now=application.call.deadline + timedelta(seconds=1))
    perform(user("pingjiang"), application.pk, "recommend", "同意", now=application.call.deadline - timedelta(hours=1))


def test_a_unit_never_recommends_more_than_its_quota(pingjiang):
    first, second, third = (make_application() for _ in range(3))  # 平江县's quota is 2
    perform(user("pingjiang"), first.pk, "recommend", "同意")
    perform(user("pingjiang"), second.pk, "recommend", "同意")
    response = pingjiang.post(f"/admin/applications/{third.pk}/do/recommend/", {"opinion": "同意"}, follow=True)
    assert "名额为 2 个，已用 2 个" in response.content.decode()
    third.refresh_from_db()
    assert third.status == Status.SUBMITTED


def test_raising_a_quota_in_the_content_allows_another_recommendation(pingjiang):
    apps = [make_application(unit="平江县") for _ in range(3)]
    for a in apps[:2]:
        perform(user("pingjiang"), a.pk, "recommend", "同意")
    QuotaAllocation.objects.filter(unit__name="平江县").update(quota=3)
    perform(user("pingjiang"), apps[2].pk, "recommend", "同意")


# ---------------------------------------------------------------- list, audit, dashboard


def test_the_list_filters_searches_sorts_and_counts(city):
    make_application(unit="平江县", school="甲校", category="智慧教育实践与探究")
    make_application(unit="岳阳县", school="乙校", category="人工智能在教育教学中的创新应用探索", is_furong=True)
    make_application(unit="岳阳县", school="丙校", status=Status.RECOMMENDED)

    def schools(query):
        return [tr.find_all("td")[2].get_text() for tr in soup(city.get("/admin/applications/?" + query)).select(".review-listing tbody tr")]

    yueyang = Unit.objects.get(name="岳阳县").pk
    assert sorted(schools(f"unit={yueyang}")) == ["丙校", "乙校"]
    assert schools("is_furong=true") == ["乙校"]
    assert schools("status=recommended") == ["丙校"]
    assert schools("q=甲") == ["甲校"]
    assert schools("category=人工智能在教育教学中的创新应用探索") == ["乙校"]
    assert schools("ordering=school") == sorted(["甲校", "乙校", "丙校"])
    assert schools("ordering=unit")[0] == "甲校"  # 平江县 comes first in Annex 1
    counts = soup(city.get("/admin/applications/")).select_one(".review-counts").get_text()
    assert "共 3 份" in counts


def test_downloads_and_exports_are_audited_and_visible(pingjiang, tmp_path, settings):
    settings.STORAGES = {**settings.STORAGES, "applications": {
        "BACKEND": "applications.apply.storage.PrivateFileSystemStorage", "OPTIONS": {"location": tmp_path}}}
    application = make_application()
    stored = stored_file(application)
    response = pingjiang.get(f"/admin/applications/{application.pk}/files/{stored.pk}/")
    assert b"".join(response.streaming_content) == b"%PDF-1.4 plan"
    assert "attachment" in response["Content-Disposition"]
    pingjiang.get("/admin/applications/export/summary.xlsx")
    log = soup(pingjiang.get("/admin/applications/audit/")).get_text()
    assert "下载文件" in log and "方案.pdf" in log and "申报汇总表" in log


def test_the_audit_log_filters_by_action_actor_and_date_and_pages_keep_the_filter(city, pingjiang):
    from django.utils import timezone

    from applications.review import audit

    mine = make_application()
    other = make_application(unit="岳阳县")
    audit.record(user("pingjiang"), "recommend", application=mine, opinion="同意推荐")
    audit.record(None, "upload_scan", application=mine)
    old = audit.record(user("city"), "export", detail="申报汇总表（附件3）全市")
    AuditEntry.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    audit.record(user("city"), "approve", application=other, opinion="立项")

    def rows(client, query=""):
        page = soup(client.get("/admin/applications/audit/?" + query))
        return [[td.get_text(strip=True) for td in tr.find_all("td")] for tr in page.select(".audit-listing tbody tr")]

    assert [r[2] for r in rows(city, "action=recommend")] == ["推荐"]
    assert {r[1] for r in rows(city, f"actor={user('city').pk}")} == {"city"}
    assert [r[2] for r in rows(city, "actor=null")] == ["学校上传盖章件"]
    today = timezone.localdate()
    assert "导出" not in [r[2] for r in rows(city, f"since={today:%Y-%m-%d}")]
    assert [r[2] for r in rows(city, f"until={today - timedelta(days=5):%Y-%m-%d}")] == ["导出"]
    assert rows(city, "action=purge") == [["没有符合条件的记录。"]]
    # A district reviewer sees its unit's entries, and only their actors are offered.
    assert "立项" not in [r[2] for r in rows(pingjiang)]
    actors = [o.get_text() for o in soup(pingjiang.get("/admin/applications/audit/")).select("#id_actor option")]
    assert actors == ["全部操作人", "学校", "pingjiang"]
    # Bad dates are said in Chinese, not a 500.
    assert "请填写有效的日期" in soup(city.get("/admin/applications/audit/?since=2019-13-45")).get_text()

    for _ in range(60):
        audit.record(user("city"), "export", detail="申报列表（CSV）")
    first = soup(city.get("/admin/applications/audit/?action=export"))
    assert "第 1 / 2 页" in first.select_one(".pagination").get_text()
    next_link = first.select_one(".pagination a[rel=next]")["href"]
    assert "action=export" in next_link and "p=2" in next_link
    assert len(rows(city, "action=export&p=2")) == 61 - 50


def test_a_file_on_s3_is_a_signed_url_valid_five_minutes(pingjiang, s3_bucket):
    application = make_application()
    stored = stored_file(application)
    response = pingjiang.get(f"/admin/applications/{application.pk}/files/{stored.pk}/")
    assert response.status_code == 302
    assert "X-Amz-Expires=300" in response["Location"] and "X-Amz-Signature=" in response["Location"]


def test_the_dashboard_shows_received_recommended_and_quota(city):
    make_application(unit="平江县")
    make_application(unit="平江县", status=Status.RECOMMENDED)
    home = soup(city.get("/admin/"))
    panel = home.select_one(".review-dashboard")
    row = next(tr for tr in panel.select("tbody tr") if tr.find("th").get_text() == "平江县")
    assert [td.get_text() for td in row.find_all("td")] == ["2", "1", "0", "2"]
    assert "智慧教育实践与探究" in panel.select_one(".category-chart").get_text()


def test_the_summary_export_through_the_view_lists_the_recommended(pingjiang):
    recommended = make_application(status=Status.RECOMMENDED, project_name="推荐的项目")
    make_application(project_name="未推荐的项目")
    data = pingjiang.get("/admin/applications/export/summary.xlsx").content
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    text = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    assert recommended.project_name in text and "未推荐的项目" not in text and "平江县" in text


def test_the_command_the_admin_and_the_dossier_export_the_same_recommended_applications(pingjiang, tmp_path):
    import zipfile

    from django.core.management import call_command

    listed = {make_application(status=status).project_name for status in (Status.RECOMMENDED, Status.APPROVED)}
    make_application(status=Status.RETURNED, project_name="退回的项目")
    make_application(project_name="未推荐的项目")  # quota of 平江县: 2; only the two that hold its places are listed

    def projects(data):
        rows = list(openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
        return {row[2] for row in rows[rows.index(("单位名称", "试点类别", "申报试点项目名称", "备注（是否芙蓉学校）")) + 1:]}

    admin = projects(pingjiang.get("/admin/applications/export/summary.xlsx").content)
    output = tmp_path / "汇总.xlsx"
    call_command("export_summary", "--call", "demo-2019-pilot-projects", "--unit", "平江县", "-o", str(output),
                 stdout=io.StringIO())
    assert admin == projects(output.read_bytes()) == listed
    dossier = pingjiang.get("/admin/applications/export/dossier.zip")
    names = zipfile.ZipFile(io.BytesIO(b"".join(dossier.streaming_content))).namelist()
    folders = {name.split("/")[2] for name in names if name.count("/") == 3}
    assert len(folders) == 2 and all(project in " ".join(folders) for project in listed)
    everything = pingjiang.get("/admin/applications/export/summary.xlsx?all=1").content
    assert "未推荐的项目" in projects(everything)  # all=1 still exports every status


def test_list_and_detail_run_a_constant_number_of_queries(city, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert city.get(url).status_code == 200
        return len(queries)

    make_application()
    few = count("/admin/applications/")
    for _ in range(20):
        make_application(unit="岳阳县")
    assert count("/admin/applications/") == few
    application = make_application()
    assert count(f"/admin/applications/{application.pk}/") == count(f"/admin/applications/{make_application().pk}/")


def test_roles_are_created_by_command(capsys):
    from django.core.management import call_command

    ensure_groups()
    call_command("create_reviewer", "huarong", "--password", PASSWORD, "--unit", "华容县")
    assert user("huarong").groups.get().name == "县市区评审-华容县"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="没有名为"):
        call_command("create_reviewer", "x", "--password", PASSWORD, "--unit", "不存在县")


def test_the_city_decides_on_a_full_units_recommendations(pingjiang, city):
    first, second = make_application(), make_application()  # 平江县's quota is 2: both recommended fills it
    perform(user("pingjiang"), first.pk, "recommend", "同意")
    perform(user("pingjiang"), second.pk, "recommend", "同意")
    perform(user("city"), first.pk, "approve", "同意立项")
    perform(user("city"), second.pk, "decline", "不予立项")
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, second.status) == (Status.APPROVED, Status.DECLINED)


def test_city_level_approvals_are_limited_by_its_quota(city):
    apps = [make_application(unit="市本级") for _ in range(3)]  # quota 2
    perform(user("city"), apps[0].pk, "approve", "同意")
    perform(user("city"), apps[1].pk, "approve", "同意")
    with pytest.raises(TransitionError, match="不能再立项"):
        perform(user("city"), apps[2].pk, "approve", "同意")
    perform(user("city"), apps[2].pk, "decline", "名额已满")


def test_hand_edited_export_urls_are_404_not_500(city):
    for url in ("/admin/applications/export/summary.xlsx?unit=abc", "/admin/applications/export/summary.xlsx?call=abc",
                "/admin/applications/export/dossier.zip?unit=1%00", "/admin/applications/export/list.pdf",
                "/admin/applications/export/summary.xlsx?call=999999"):
        assert city.get(url).status_code == 404, url
    for query in ("status=bogus", "unit=abc", "ordering=nonsense", "p=99999", "call=abc", "is_furong=maybe"):
        assert city.get("/admin/applications/?" + query).status_code == 200, query


def test_applications_are_deleted_with_their_files_when_the_retention_period_ends(tmp_path, settings):
    from django.core.management import call_command

    from notices.models import NoticePage

    settings.STORAGES = {**settings.STORAGES, "applications": {
        "BACKEND": "applications.apply.storage.PrivateFileSystemStorage", "OPTIONS": {"location": tmp_path}}}
    old = make_application(call=NoticePage.objects.get(slug="2019-pilot-projects"))
    current = make_application()
    old_file, current_file = stored_file(old), stored_file(current)
    call_command("purge_applications", "--dry-run", stdout=io.StringIO())
    assert Application.objects.filter(pk=old.pk).exists()
    call_command("purge_applications", stdout=io.StringIO())  # 2019's deadline is more than three years ago
    assert not Application.objects.filter(pk=old.pk).exists()
    assert not (tmp_path / old_file.key).exists()
    assert Application.objects.filter(pk=current.pk).exists() and (tmp_path / current_file.key).exists()
    assert AuditEntry.objects.filter(action="purge").exists()


def test_editors_edit_and_publish_the_calls_content(editor):
    from notices.models import NoticePage

    notice = NoticePage.objects.get(slug="2019-pilot-projects")
    assert editor.get(f"/admin/pages/{notice.pk}/edit/").status_code == 200
    assert editor.get("/admin/snippets/notices/unit/").status_code == 200
    assert editor.get("/admin/documents/").status_code == 200
