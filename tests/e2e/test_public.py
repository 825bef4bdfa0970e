"""The public: home → the notice → its five annexes → every download; search. At phone and desktop widths."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import check_page, opens_as, read_download, shot

VIEWPORTS = pytest.mark.parametrize("context", ["375", "1280"], indirect=True)

ANNEX_FILES = {  # annex number -> (kind, content type)
    1: ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    2: ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    3: ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    4: ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    5: ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
}


def download(page, link):
    """Click a download link as a visitor would; return the HTTP response and the downloaded bytes."""
    href = link.get_attribute("href")
    with page.expect_response(lambda r: r.url.endswith(href)) as response, page.expect_download() as download:
        link.click()
    return response.value, read_download(download.value)


@VIEWPORTS
def test_home_notice_annexes_and_downloads(page):
    page.goto("/")
    check_page(page, "home")
    current = page.locator(".current-call")
    expect(current.get_by_role("heading")).to_have_text("正在申报")
    current.get_by_role("link", name=re.compile("【演示】关于申报")).click()

    expect(page.locator("h1")).to_have_text(re.compile("【演示】关于申报2019年岳阳市教育信息化创新试点项目的通知"))
    check_page(page, "notice")
    apply = page.get_by_role("link", name=re.compile("在线申报$"))
    expect(apply).to_be_visible()
    box = apply.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"], "the apply button leaves the screen"

    annexes = page.locator(".annex-list > li")
    expect(annexes).to_have_count(5)
    notice_url = page.url
    downloaded = []
    for number in range(1, 6):
        item = page.locator(".annex-list > li").nth(number - 1)
        expect(item.locator(".annex-no")).to_have_text(f"{number}.")
        title = item.get_by_role("link").first.inner_text()
        item.get_by_role("link").first.click()
        expect(page.locator(".annex-label")).to_have_text(f"附件{number}")
        expect(page.locator("main .article-meta")).to_contain_text("所属通知：【演示】关于申报2019年")
        check_page(page, f"annex{number}")
        kind, content_type = ANNEX_FILES[number]
        link = page.locator(".annex-download a.download")
        expect(link).to_contain_text("Excel" if kind == "xlsx" else "Word")
        response, data = download(page, link)
        assert response.status == 200 and response.headers["content-type"] == content_type
        assert "attachment" in response.headers["content-disposition"]
        document = opens_as(data, kind)
        heading = re.sub(r"\s", "", page.locator("h1").inner_text().split("\n")[-1])  # e.g. 申报名额分配表
        assert heading in re.sub(r"\s", "", _text(document, kind)), f"附件{number} ({title}) lacks its heading {heading}"
        downloaded.append(link.get_attribute("href"))
        page.goto(notice_url)

    # The notice's own attachment list offers the same five files.
    assert page.locator(".annex-list a.download").evaluate_all("as => as.map(a => a.getAttribute('href'))") == downloaded


def _text(document, kind):
    if kind == "docx":
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    return "\n".join(str(v) for ws in document.worksheets for row in ws.iter_rows(values_only=True) for v in row if v)


@VIEWPORTS
def test_search_finds_the_notice_and_its_quota_table(page):
    page.goto("/")
    search = page.get_by_role("search", name="全站搜索")
    search.get_by_role("searchbox").fill("名额")
    search.get_by_role("button", name="搜索").click()
    expect(page).to_have_url(re.compile(r"/search/\?q="))
    expect(page.locator(".search-count")).to_contain_text("“名额”共找到")
    expect(page.locator(".search-results")).to_contain_text("申报名额分配表")
    check_page(page, "search")
    page.get_by_role("search", name="修改搜索条件").get_by_label("关键词").fill("没有这个词的内容")
    page.get_by_role("search", name="修改搜索条件").get_by_role("button", name="搜索").click()
    expect(page.get_by_text("没有找到相关内容，请更换关键词再试。")).to_be_visible()
    shot(page, "search-nothing")


def test_the_favicon_is_served(page):
    page.goto("/status/")
    for href in page.locator("link[rel=icon]").evaluate_all("links => links.map(l => l.href)"):
        response = page.request.get(href)
        assert response.status == 200 and response.headers["content-type"].startswith("image/") and response.body()
    response = page.request.get("/favicon.ico")
    assert response.status == 200 and response.headers["content-type"].startswith("image/")
