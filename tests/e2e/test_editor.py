"""An editor changes a unit's quota in the Wagtail admin and submits it for moderation; the public table shows it
once the office head (审核发布) approves it."""

import re

from playwright.sync_api import expect

from .conftest import check_page, log_in, shot

QUOTA_PAGE = "/notices/demo-2019-pilot-projects/demo-annex-1-quotas/"


def test_an_editor_raises_a_quota_and_the_public_table_shows_it(page, server):
    page.goto(QUOTA_PAGE)
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="云溪区", exact=True))
    expect(row.get_by_role("cell")).to_have_text("1")
    total = int(page.locator("tfoot td").inner_text())

    log_in(page, server, "editor")
    page.goto("/admin/pages/search/?q=申报名额分配表")
    page.get_by_role("link", name="【演示】2019年岳阳市教育信息化创新试点项目申报名额分配表").click()
    expect(page).to_have_url(re.compile(r"/admin/pages/\d+/edit/$"))
    child = page.locator("[data-inline-panel-child]").filter(has_text="云溪区")
    child.locator("input[name$='-quota']").fill("3")
    page.get_by_role("button", name="更多动作").click()
    expect(page.get_by_role("button", name="发布", exact=True)).to_have_count(0)  # editors no longer publish
    page.get_by_role("button", name="提交给通知发布审核").click()
    expect(page.locator(".messages")).to_contain_text("已经提交进行审核")
    shot(page, "editor-submitted")
    page.goto(QUOTA_PAGE)
    expect(row.get_by_role("cell")).to_have_text("1")  # not public before it is approved

    page.context.clear_cookies()
    log_in(page, server, "publisher")
    awaiting = page.locator("section").filter(has=page.get_by_role("heading", name="等待你的审查"))
    expect(awaiting).to_contain_text("【演示】2019年岳阳市教育信息化创新试点项目申报名额分配表")
    awaiting.get_by_role("link", name="【演示】2019年岳阳市教育信息化创新试点项目申报名额分配表").first.click()
    expect(page).to_have_url(re.compile(r"/admin/pages/\d+/edit/$"))
    page.get_by_role("button", name="更多动作").click()
    page.get_by_role("button", name="批准 和发布", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("已被更新")
    shot(page, "publisher-approved")

    page.goto(QUOTA_PAGE)
    expect(row.get_by_role("cell")).to_have_text("3")
    expect(page.locator("tfoot td")).to_have_text(str(total + 2))
    check_page(page, "quota-table")
