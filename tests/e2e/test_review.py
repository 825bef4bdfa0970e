"""Reviewers in the admin: a district sees only its unit, recommends and is refused beyond its quota; the city
decides, exports and opens the files."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from .conftest import log_in, opens_as, read_download, shot, submit_application


@pytest.fixture(scope="module")
def yueyanglou_applications(api, server, school_files):
    """Two applications from 岳阳楼区 (quota 1) with their stamped scans, and one from 平江县."""
    schools = ["岳阳楼区第一小学", "岳阳楼区第二小学"]
    for n, school in enumerate(schools, 1):
        submit_application(api, server, school_files, unit="岳阳楼区", school=school, project=f"智慧课堂试点{n}")
    submit_application(api, server, school_files, unit="平江县", school="平江县实验中学", project="数字校园试点")
    return schools


def open_application(page, school):
    page.get_by_role("row").filter(has_text=school).get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text(school)


def act(page, button, opinion):
    form = page.locator("form.review-action").filter(has=page.get_by_role("button", name=button, exact=True))
    form.locator("textarea").fill(opinion)
    form.get_by_role("button", name=button, exact=True).click()


def test_a_district_sees_its_unit_recommends_and_is_refused_beyond_its_quota(page, server, yueyanglou_applications):
    first, second = yueyanglou_applications
    log_in(page, server, "yueyanglou")
    expect(page.locator(".review-dashboard")).to_contain_text("岳阳楼区")
    page.goto("/admin/applications/")
    listing = page.locator(".review-listing tbody")
    expect(listing).to_contain_text(first)
    expect(listing).to_contain_text(second)
    expect(listing).not_to_contain_text("平江县")
    units = listing.locator("tr td:nth-child(2)").all_inner_texts()
    assert set(units) == {"岳阳楼区"}
    shot(page, "district-list")

    open_application(page, first)
    act(page, "推荐", "同意推荐，方案可行。")
    expect(page.locator(".messages")).to_contain_text("已推荐。")
    expect(page.locator("main")).to_contain_text("县市区已推荐，待市局审核")
    expect(page.locator("main")).to_contain_text("同意推荐，方案可行。")

    page.goto("/admin/applications/")
    open_application(page, second)
    act(page, "推荐", "也很好。")
    expect(page.locator(".messages")).to_contain_text("岳阳楼区的名额为 1 个，已用 1 个，不能再推荐。")
    expect(page.locator("main")).to_contain_text("待审核")
    shot(page, "district-refused")

    # Another unit's application is not found, whatever its address.
    page.goto("/admin/applications/?q=平江县实验中学")
    expect(page.get_by_text("没有符合条件的申报。")).to_be_visible()


@pytest.fixture(scope="module")
def city_level_application(api, server, school_files):
    submit_application(api, server, school_files, unit="市本级", school="岳阳市第十中学", project="网络学习空间试点")
    return "岳阳市第十中学"


def test_the_city_decides_exports_and_opens_the_files(page, server, city_level_application):
    school = city_level_application
    log_in(page, server, "city")
    page.goto("/admin/applications/?q=" + school)
    open_application(page, school)
    act(page, "立项", "同意立项。")
    expect(page.locator(".messages")).to_contain_text("已立项。")
    expect(page.locator("main")).to_contain_text("已立项")
    shot(page, "city-approved")

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("附件4")).first.click()
    annex4 = opens_as(read_download(download.value), "docx")
    assert "同意立项。" in "".join(c.text for t in annex4.tables for row in t.rows for c in row.cells)

    page.goto("/admin/applications/")
    with page.expect_download() as download:
        page.get_by_role("button", name="导出申报汇总表（附件3）").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    summary = opens_as(read_download(download.value), "xlsx")
    cells = [str(v) for ws in summary.worksheets for row in ws.iter_rows(values_only=True) for v in row if v]
    assert any(school in cell for cell in cells), cells

    with page.expect_download() as download:
        page.get_by_role("button", name="下载材料包（ZIP）").click()
    dossier = opens_as(read_download(download.value), "zip")
    names = dossier.namelist()
    assert any(school in name and name.endswith(".docx") for name in names), names
    assert any(name.endswith("工作方案.docx") for name in names), names
    opens_as(dossier.read(next(n for n in names if n.endswith("工作方案.docx"))), "docx")
    opens_as(dossier.read(next(n for n in names if n.endswith(".pdf"))), "pdf")

    with page.expect_download() as download:
        page.get_by_role("link", name="导出列表（Excel）").click()
    listing = opens_as(read_download(download.value), "xlsx")
    assert school in [str(v) for row in listing.active.iter_rows(values_only=True) for v in row if v]

    with page.expect_download() as download:
        page.get_by_role("link", name="导出列表（CSV）").click()
    rows = list(csv.reader(io.StringIO(read_download(download.value).decode("utf-8-sig"))))
    assert any(school in row for row in rows)

    page.goto("/admin/applications/audit/")
    page.locator("#id_action").select_option(label="导出")
    page.get_by_role("button", name="筛选").click()
    log = page.locator(".audit-listing tbody")
    expect(log).to_contain_text("申报汇总表（附件3）")
    expect(log).not_to_contain_text("立项")
    shot(page, "city-audit")
