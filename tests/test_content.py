"""The 2019 notice and its annexes as the public reads them."""

import io
import re
from pathlib import Path

import docx
import openpyxl
import pytest
from wagtail.documents import get_document_model
from wagtail.models import Page, Revision

from notices.models import NoticePage, QuotaTablePage, TopicGuidePage, Unit
from notices.seed import Loader, read_content

from .conftest import main_text, normalise, soup

SEED = Path(__file__).parent / "data" / "notice-2019.txt"
CALL_URL = "/notices/2019-pilot-projects/"
ANNEX_URLS = {
    1: CALL_URL + "annex-1-quotas/",
    2: CALL_URL + "annex-2-topic-guide/",
    3: CALL_URL + "annex-3-summary-table/",
    4: CALL_URL + "annex-4-application-form/",
    5: CALL_URL + "annex-5-work-plan-outline/",
}

pytestmark = pytest.mark.django_db


def seed_parts():
    """The seed split where each annex starts ('附件1' alone on a line): [notice, annex 1, …, annex 5]."""
    text = SEED.read_text(encoding="utf-8").replace("[bookmark: _GoBack]", "")
    return re.split(r"^(?=附件\d\s*$)", text, flags=re.M)


def sentences(part):
    """Every sentence of every line, white space removed (the site may break lines where the paper did not)."""
    for line in part.splitlines():
        for sentence in re.split(r"(?<=[。；])", normalise(line)):
            if sentence:
                yield sentence


@pytest.mark.parametrize("part", range(6), ids=["notice", "annex1", "annex2", "annex3", "annex4", "annex5"])
def test_every_sentence_of_the_seed_is_published(client, part):
    url = CALL_URL if part == 0 else ANNEX_URLS[part]
    response = client.get(url)
    assert response.status_code == 200
    published = main_text(response)
    missing = [s for s in sentences(seed_parts()[part]) if s not in published]
    assert missing == []


def test_the_seed_split_finds_the_notice_and_five_annexes():
    parts = seed_parts()
    assert len(parts) == 6
    assert [normalise(p).split("\n")[0][:3] for p in parts[1:]] == ["附件1", "附件2", "附件3", "附件4", "附件5"]


def test_notice_page_shows_meta_contacts_annexes_and_signature(client):
    page = soup(client.get(CALL_URL))
    assert page.find("html")["lang"] == "zh-CN"
    assert [h.get_text() for h in page.find_all("h1")] == ["关于申报2019年岳阳市教育信息化创新试点项目的通知"]
    meta = normalise(page.select_one(".article-meta").get_text())
    assert "发布日期：2019-06-20" in meta and "来源：岳阳市教育体育局" in meta
    assert "申报截止：2019年9月22日23:59（已截止）" in meta
    annexes = page.select(".annex-list li")
    assert [normalise(li.find("a").get_text()) for li in annexes] == [
        "2019年岳阳市教育信息化创新试点项目申报名额分配表",
        "2019年岳阳市教育信息化创新试点项目学校试点选题指南",
        "2019年岳阳市教育信息化创新试点项目申报汇总表",
        "2019年岳阳市教育信息化创新试点项目申请表",
        "2019年XXXX教育信息化创新试点工作方案（提纲）",
    ]
    for li, kind in zip(annexes, ["Excel", "Word", "Excel", "Word", "Word"], strict=True):
        download = li.select_one("a.download")
        assert kind in download.get_text() and "KB" in download.get_text()
    assert page.select_one(".doc-contacts a[href='mailto:yysyj@126.com']")
    signature = page.select_one(".doc-signature")
    assert normalise(signature.get_text()) == "岳阳市教育体育局2019年6月20日"


def test_every_page_type_renders_with_one_h1_and_landmarks(client):
    for url in ["/", "/notices/", CALL_URL, *ANNEX_URLS.values(), "/search/?q=试点"]:
        response = client.get(url)
        assert response.status_code == 200, url
        page = soup(response)
        assert len(page.find_all("h1")) == 1, url
        assert page.find("main", id="main") and page.find("header") and page.find("footer"), url
        assert page.select_one("a.skip-link[href='#main']"), url
        assert page.find("nav"), url


@pytest.mark.usefixtures("only_2019")
def test_home_page_shows_the_current_call_its_deadline_and_latest_notices(client):
    page = soup(client.get("/"))
    current = page.select_one(".current-call")
    assert "关于申报2019年岳阳市教育信息化创新试点项目的通知" in current.get_text()
    assert "2019年9月22日" in current.get_text()
    assert "已截止" in current.select_one(".time-left").get_text()
    assert page.select(".latest .notice-list li")


@pytest.mark.usefixtures("only_2019")
def test_notice_index_is_newest_first_and_paginated(client, call):
    index = call.get_parent()
    for day in range(1, 12):
        index.add_child(
            instance=NoticePage(
                title=f"测试通知{day:02d}", issuer="岳阳市教育体育局", date=f"2020-01-{day:02d}",
                signature="岳阳市教育体育局", signature_date=f"2020-01-{day:02d}",
            )
        )
    first = soup(client.get("/notices/"))
    titles = [a.get_text() for a in first.select(".notice-list li a")]
    assert titles[:2] == ["测试通知11", "测试通知10"] and len(titles) == 10
    assert "第 1 / 2 页" in first.select_one(".pagination").get_text()
    second = soup(client.get("/notices/?page=2"))
    assert [a.get_text() for a in second.select(".notice-list li a")] == [
        "测试通知01",
        "关于申报2019年岳阳市教育信息化创新试点项目的通知",
    ]
    assert client.get("/notices/?page=abc").status_code == 200
    assert client.get("/notices/?page=999").status_code == 200


def test_quota_table_rows_and_computed_total(client):
    page = soup(client.get(ANNEX_URLS[1]))
    table = page.find("table")
    assert [th.get("scope") for th in table.select("thead th")] == ["col", "col"]
    rows = [(tr.find("th").get_text(), tr.find("td").get_text()) for tr in table.select("tbody tr")]
    assert len(rows) == 13
    assert rows[0] == ("平江县", "2") and rows[-1] == ("市本级", "2")
    assert normalise(table.select_one("tfoot").get_text()) == "全市20"


@pytest.mark.usefixtures("only_2019")
def test_topic_guide_has_four_categories_as_data(client):
    guide = TopicGuidePage.objects.get()
    assert [c.title for c in guide.categories.all()] == [
        "数字校园建设与创新应用探索",
        "智慧教育实践与探究",
        "人工智能在教育教学中的创新应用探索",
        "网络学习空间促进师生信息素养提升策略研究",
    ]
    headings = [h.get_text() for h in soup(client.get(ANNEX_URLS[2])).select("main h2")]
    assert headings[0] == "一、数字校园建设与创新应用探索" and headings[3].startswith("四、")


def test_units_have_kinds(db):
    assert Unit.objects.count() == 13
    assert Unit.objects.get(name="市本级").is_city_level
    assert Unit.objects.get(name="屈原管理区").kind == Unit.Kind.MANAGEMENT_AREA


@pytest.mark.usefixtures("only_2019")
def test_annex_downloads_are_files_generated_from_the_content(client):
    for number, url in ANNEX_URLS.items():
        page = soup(client.get(url))
        link = page.select_one(".annex-download a.download")
        response = client.get(link["href"])
        assert response.status_code == 200, url
        data = b"".join(response.streaming_content) if response.streaming else response.content
        if link["href"].endswith(".xlsx"):
            sheet = openpyxl.load_workbook(io.BytesIO(data)).active
            text = normalise("".join(str(c.value or "") for row in sheet.iter_rows() for c in row))
        else:
            document = docx.Document(io.BytesIO(data))
            text = normalise(
                "".join(p.text for p in document.paragraphs)
                + "".join(c.text for t in document.tables for r in t.rows for c in r.cells)
            )
        assert f"附件{number}" in text
        assert normalise(page.find("h1").get_text()) in text
    quota_sheet = openpyxl.load_workbook(
        io.BytesIO(QuotaTablePage.objects.get().download.file.read())
    ).active
    assert [quota_sheet.cell(row=quota_sheet.max_row, column=c).value for c in (1, 2)] == ["全市", 20]


def test_loading_the_content_twice_changes_nothing(db):
    def counts():
        return (Page.objects.count(), Revision.objects.count(), get_document_model().objects.count(),
                Unit.objects.count(), list(Page.objects.values_list("path", "title", "live")))

    before = counts()
    Loader(read_content(), log=lambda *a: None).run()
    assert counts() == before


def test_a_missing_page_is_a_chinese_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_a_server_error_is_a_chinese_500(client, monkeypatch):
    from notices.models import NoticeIndexPage

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(NoticeIndexPage, "get_context", broken)
    client.raise_request_exception = False
    response = client.get("/notices/")
    assert response.status_code == 500
    assert "服务器暂时出错" in response.content.decode()
    assert "boom" not in response.content.decode()


def test_styles_are_local_and_include_print_and_small_screens(client):
    page = soup(client.get(CALL_URL))
    hrefs = [link["href"] for link in page.find_all("link", rel="stylesheet")]
    assert all(h.startswith("/static/") for h in hrefs)
    assert page.find("link", media="print")
    assert not page.find("script", src=re.compile("^https?://"))
    css = (Path(__file__).parent.parent / "static/css/portal.css").read_text()
    assert "@media (max-width: 600px)" in css and ":focus-visible" in css


def test_a_missing_csrf_cookie_gets_a_chinese_explanation(call):
    from django.test import Client

    from applications.models import ApplicationFormPage

    page = ApplicationFormPage.objects.get(slug="apply")
    response = Client(enforce_csrf_checks=True).post(page.url, {"school": "x"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode() and "DEBUG" not in response.content.decode()


def test_production_never_prints_emails_to_the_log():
    import subprocess
    import sys

    script = "import django; django.setup(); from django.conf import settings; print(settings.EMAIL_BACKEND)"
    env = {"DJANGO_SETTINGS_MODULE": "portal.settings.production", "DJANGO_SECRET_KEY": "x", "PATH": "/usr/bin:/bin"}
    backend = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert backend.stdout.strip() == "django.core.mail.backends.smtp.EmailBackend"


def test_copying_a_call_makes_next_years_call_with_its_quotas_categories_and_form(call):
    from applications.models import ApplicationFormPage

    new = call.copy(
        recursive=True, to=call.get_parent(), update_attrs={"slug": "2020-pilot", "title": "2020年通知"}, keep_live=False
    )
    assert QuotaTablePage.objects.child_of(new).get().total() == 20
    assert TopicGuidePage.objects.child_of(new).get().categories.count() == 4
    form = ApplicationFormPage.objects.child_of(new).get()
    assert form.form_fields.count() == 13 and form.configuration_problems() == []
    assert QuotaTablePage.objects.child_of(call).get().quotas.count() == 13  # the original keeps its own
