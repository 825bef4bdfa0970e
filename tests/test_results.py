"""The call's results: the 立项名单 公示 generated from the city's decisions, the 立项通知书 the city downloads
once the 公示 has ended, the school's result on its status page, and the notices' year archive."""

import datetime
import io
import zipfile

import docx
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from applications.models import ApplicationFormPage
from applications.review import results
from applications.states import Status
from notices.models import NoticePage, ResultsPage
from notices.rollover import rollover

from .admin_forms import logged_in
from .conftest import main_text, normalise, soup
from .factories import ApplicationFactory, demo_form_page

pytestmark = pytest.mark.django_db
DENIED = "对不起， 你没有权限访问。"


@pytest.fixture
def demo(db):
    return demo_form_page().call


def decided(call=None, **kwargs):
    """Applications of every outcome, each with personal data that must never reach the 公示."""
    extra = {"call": call} if call else {}
    return {
        "approved": ApplicationFactory(status=Status.APPROVED, school="平江县第一中学", project_name="智慧课堂探索",
                                       subtitle="以数学学科为例", leader="王立项", leader_phone="13800000001",
                                       contact="赵联系", contact_phone="13900000001", **extra),
        "city": ApplicationFactory(status=Status.APPROVED, unit="市本级", school="岳阳市第一中学",
                                   project_name="人工智能课程建设", category="人工智能在教育教学中的创新应用探索",
                                   leader="钱市本", leader_phone="13800000002", **extra),
        "declined": ApplicationFactory(status=Status.DECLINED, school="平江县第二中学", project_name="未获立项的项目",
                                       leader="孙未立", leader_phone="13800000003", **extra),
        "returned": ApplicationFactory(status=Status.RETURNED, school="平江县第三中学", project_name="退回的项目", **extra),
    }


def publish(call, start, end):
    page = results.results_page(call).get_latest_revision_as_object()
    page.publicity_start, page.publicity_end = start, end
    page.save_revision().publish()
    return ResultsPage.objects.get(pk=page.pk)


def ended(call):
    today = timezone.localdate()
    return publish(call, today - datetime.timedelta(days=10), today - datetime.timedelta(days=3))


def running(call):
    today = timezone.localdate()
    return publish(call, today - datetime.timedelta(days=2), today + datetime.timedelta(days=4))


# ---------------------------------------------------------------- the 立项名单


def test_the_city_generates_a_draft_list_of_exactly_the_approved_projects_and_nothing_personal(demo, client):
    apps = decided()
    city = logged_in(city=True)
    response = city.post(f"/admin/applications/results/{demo.pk}/generate/")
    assert (response.status_code, response["Location"]) == (302, "/admin/applications/results/")
    assert "已生成立项名单草稿，共 2 个项目" in city.get("/admin/applications/results/").content.decode()

    page = ResultsPage.objects.child_of(demo).get()
    assert not page.live and page.title == "【演示】关于2019年岳阳市教育信息化创新试点项目立项名单的公示"
    assert client.get(f"{demo.url}results/").status_code == 404  # a draft is not public

    page = running(demo)
    html = client.get(page.url).content.decode()
    table = soup(client.get(page.url)).select_one(".results-table tbody")
    rows = [[td.get_text() for td in tr.find_all("td")] for tr in table.find_all("tr")]
    assert sorted(row[1:] for row in rows) == sorted([
        ["平江县", "平江县第一中学", "智慧课堂探索——以数学学科为例", "智慧教育实践与探究"],
        ["市本级", "岳阳市第一中学", "人工智能课程建设", "人工智能在教育教学中的创新应用探索"],
    ])
    for application in apps.values():
        for personal in (application.leader, application.leader_phone, application.contact, application.contact_phone,
                         application.reference, application.summary):
            assert personal not in html
    for other in ("未获立项的项目", "退回的项目", "平江县第二中学"):
        assert other not in html


def test_the_page_counts_down_its_publicity_and_names_the_notices_contacts(demo, client):
    decided()
    results.generate(demo)
    page = running(demo)
    text = main_text(client.get(page.url))
    assert "公示期还剩5天" in text  # four days after today, today included
    assert normalise(f"联系人：{demo.contact_department}") in text
    for value in (*demo.contact_people(), demo.contact_phone, demo.contact_email):
        assert value in text
    page = ended(demo)
    assert "公示已结束" in main_text(client.get(page.url))
    assert page.publicity_countdown(today=page.publicity_end) == "公示期还剩 1 天"


def test_generation_waits_for_every_decision_and_then_regenerates_the_same_page(demo):
    apps = decided()
    waiting = ApplicationFactory(status=Status.RECOMMENDED, project_name="等待市局决定")
    city = logged_in(city=True)
    city.post(f"/admin/applications/results/{demo.pk}/generate/")
    assert "还有 1 份申报等待市局立项决定" in city.get("/admin/applications/results/").content.decode()
    with pytest.raises(CommandError, match="还有 1 份申报等待市局立项决定"):
        call_command("generate_results", demo.slug, stdout=io.StringIO())
    assert not ResultsPage.objects.child_of(demo).exists()

    waiting.status = Status.DECLINED
    waiting.save()
    out = io.StringIO()
    call_command("generate_results", demo.slug, stdout=out)
    assert "共 2 个项目" in out.getvalue()
    apps["declined"].status = Status.APPROVED  # the city changed its mind before publishing
    apps["declined"].save()
    page, created = results.generate(demo)
    assert not created and ResultsPage.objects.child_of(demo).count() == 1
    draft = ResultsPage.objects.get(pk=page.pk).get_latest_revision_as_object()
    assert sorted(r.project_name for r in draft.rows.all()) == ["人工智能课程建设", "智慧课堂探索", "未获立项的项目"]
    assert "拟确定以下3个项目" in draft.intro


def test_the_publicity_dates_default_to_seven_days_and_are_checked(demo):
    decided()
    page, _ = results.generate(demo)
    assert page.publicity_end - page.publicity_start == datetime.timedelta(days=7)


# ---------------------------------------------------------------- the 立项通知书


def letter_texts(response):
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return {name: "\n".join(p.text for p in docx.Document(io.BytesIO(archive.read(name))).paragraphs)
            for name in archive.namelist()}


def test_after_the_publicity_the_city_downloads_one_letter_per_approved_project(demo):
    apps = decided()
    results.generate(demo)
    ended(demo)
    city = logged_in(city=True)
    response = city.get(f"/admin/applications/results/{demo.pk}/letters.zip")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    letters = letter_texts(response)
    assert len(letters) == 2
    for name in letters:
        assert all(len(part.encode()) <= 100 for part in name.split("/")), name
    by_school = {}
    for text in letters.values():
        school = text.split("\n")[3].rstrip("：")
        by_school[school] = text
    assert set(by_school) == {"平江县第一中学", "岳阳市第一中学"}
    assert "“智慧课堂探索——以数学学科为例”项目（试点类别：智慧教育实践与探究）" in by_school["平江县第一中学"]
    assert "“人工智能课程建设”项目" in by_school["岳阳市第一中学"]
    for text in letters.values():
        assert text.startswith("岳阳市教育体育局\n立项通知书")
        assert "被确定为2019年岳阳市教育信息化创新试点项目，准予立项" in text
        assert apps["approved"].leader not in text
    one = city.get(f"/admin/applications/{apps['approved'].pk}/letter.docx")
    assert one.status_code == 200 and "平江县第一中学" in "\n".join(p.text for p in docx.Document(io.BytesIO(one.content)).paragraphs)


def test_before_the_publicity_ends_the_letters_cannot_be_downloaded(demo):
    apps = decided()
    city = logged_in(city=True)
    url = f"/admin/applications/results/{demo.pk}/letters.zip"
    response = city.get(url)
    assert (response.status_code, response["Location"]) == (302, "/admin/applications/results/")
    results.generate(demo)
    for step in (None, running):
        if step:
            step(demo)
        response = city.get(url)
        assert (response.status_code, response["Location"]) == (302, "/admin/applications/results/")
    message = soup(city.get("/admin/applications/results/")).select_one(".messages").get_text()
    assert "立项名单正在公示" in message and "方可下载立项通知书" in message
    response = city.get(f"/admin/applications/{apps['approved'].pk}/letter.docx")
    assert (response.status_code, response["Location"]) == (302, f"/admin/applications/{apps['approved'].pk}/")


@pytest.mark.parametrize("role", [{"unit_name": "平江县"}, {"editor": True}])
def test_a_district_reviewer_or_an_editor_is_sent_home_from_the_results_and_letters(demo, role):
    apps = decided()
    results.generate(demo)
    ended(demo)
    other = logged_in(**role)
    for url in (f"/admin/applications/results/{demo.pk}/letters.zip", "/admin/applications/results/",
                f"/admin/applications/{apps['approved'].pk}/letter.docx"):
        response = other.get(url)
        assert (response.status_code, response["Location"]) == (302, "/admin/"), url
        assert DENIED in soup(other.get("/admin/")).select_one(".messages").get_text()
    response = other.post(f"/admin/applications/results/{demo.pk}/generate/")
    assert (response.status_code, response["Location"]) == (302, "/admin/")


# ---------------------------------------------------------------- the school's status page


def status_page(application):
    browser = Client()
    response = browser.post("/status/", {"reference": application.reference, "mobile": application.leader_phone})
    assert response.status_code == 302
    return browser.get(response["Location"])


def test_the_status_page_shows_the_result_once_the_list_is_published(demo):
    apps = decided()
    for application in (apps["approved"], apps["declined"]):
        text = main_text(status_page(application))
        assert "评审结果待公布" in text and "已立项" not in text and "未立项" not in text
    results.generate(demo)
    page = running(demo)
    approved = status_page(apps["approved"])
    assert "评审结果：已立项" in main_text(approved)
    assert soup(approved).select_one(".result a")["href"] == page.url
    declined = status_page(apps["declined"])
    assert "评审结果：未立项" in main_text(declined)
    assert soup(declined).select_one(".result a")["href"] == page.url


# ---------------------------------------------------------------- the year archive


@pytest.mark.usefixtures("only_2019")
def test_notices_are_grouped_by_year_and_the_2019_addresses_stay(client, call):
    decided(call=call)
    results.generate(call)
    ended(call)
    pages = [call, *call.get_children().live().specific()]
    urls_before = [p.url for p in pages]
    for url in urls_before:
        assert client.get(url).status_code == 200, url

    notice = soup(client.get(call.url))
    assert "（申报已截止）" in notice.select_one(".apply-link").get_text()
    assert notice.select_one(".results-link a")["href"] == f"{call.url}results/"
    assert len(notice.select(".annex-list > li")) == 5

    draft = rollover(call, 2020)
    draft.save_revision().publish()
    assert not ResultsPage.objects.child_of(draft).exists()  # the 2019 list is not copied into 2020
    index = soup(client.get("/notices/"))
    assert [h.get_text() for h in index.select(".year-heading")] == ["2020年", "2019年"]
    assert [a.get_text() for a in index.select(".notice-year")[1].select("a")] == [call.title]

    fresh = [NoticePage.objects.get(pk=call.pk), *NoticePage.objects.get(pk=call.pk).get_children().live().specific()]
    assert [p.url for p in fresh] == urls_before
    assert ApplicationFormPage.objects.child_of(call).get().url in urls_before
    for url in urls_before:
        assert client.get(url).status_code == 200, url


def test_an_editor_edits_the_generated_page_in_the_admin(demo, admin_client):
    decided()
    page, _ = results.generate(demo)
    edit = admin_client.get(f"/admin/pages/{page.pk}/edit/")
    assert edit.status_code == 200 and "智慧课堂探索" in edit.content.decode()
