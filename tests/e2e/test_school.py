"""A school: mistakes first, then a real application with real files, the receipt, the status look-up and the
stamped scan. At phone and desktop widths."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import check_page, opens_as, read_download

VIEWPORTS = pytest.mark.parametrize("context", ["375", "1280"], indirect=True)


@VIEWPORTS
def test_a_school_corrects_its_mistakes_applies_and_uploads_the_stamped_scan(page, school_files, request):
    school = f"岳阳市第一中学（{request.node.callspec.id} px）"
    page.goto("/")
    page.locator(".current-call").get_by_role("link", name="在线申报").click()
    expect(page.locator("h1")).to_have_text(re.compile("在线申报$"))
    check_page(page, "form")

    # Mistakes: no unit, no answer to 是否芙蓉学校, a wrong mobile number, no work plan, no consent.
    page.get_by_label("申报学校名称").fill(school)
    page.get_by_label("试点项目名称").fill("人工智能助教进课堂")
    page.get_by_role("textbox", name="负责人", exact=True).fill("王校长")
    page.get_by_label("负责人手机号码").fill("1380013")
    page.get_by_label("试点实施方案要点").fill("以人工智能助教提升课堂互动，\n覆盖全校三个年级。")
    page.get_by_role("button", name="提交申报").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("提交未成功，请修改以下问题：")
    expect(summary).to_contain_text("申报单位：请选择“申报单位”。")
    expect(summary).to_contain_text("是否芙蓉学校：请选择“是否芙蓉学校”。")
    expect(summary).to_contain_text("负责人手机号码：请填写有效的11位中国大陆手机号码")
    expect(summary).to_contain_text("工作方案：请选择“工作方案”。")
    expect(page.locator("#field-unit .field-error")).to_have_text("请选择“申报单位”。")
    expect(page.locator("#field-furong .field-error")).to_have_text("请选择“是否芙蓉学校”。")
    expect(page.locator("#field-leader_phone .field-error")).to_contain_text("请填写有效的11位中国大陆手机号码")
    # What was typed is still there.
    expect(page.get_by_label("申报学校名称")).to_have_value(school)
    expect(page.get_by_label("负责人手机号码")).to_have_value("1380013")
    expect(page.get_by_label("试点实施方案要点")).to_have_value("以人工智能助教提升课堂互动，\n覆盖全校三个年级。")
    # Each summary link takes the school to its field, the radio group's to its first choice.
    summary.get_by_role("link", name=re.compile("^是否芙蓉学校")).click()
    expect(page.locator("#id_furong_0")).to_be_focused()
    summary.get_by_role("link", name=re.compile("^负责人手机号码")).click()
    expect(page.get_by_label("负责人手机号码")).to_be_focused()
    check_page(page, "form-errors")

    # Now correctly, with a real .docx work plan.
    page.get_by_label("申报单位").select_option("平江县")
    page.get_by_label("试点类别").select_option("人工智能在教育教学中的创新应用探索")
    page.get_by_role("radio", name="否").check()
    page.get_by_label("负责人手机号码").fill("138 0013 8000")
    page.get_by_role("textbox", name="联系人", exact=True).fill("李老师")
    page.get_by_label("联系人手机号码").fill("13912345678")
    page.get_by_label("工作方案").set_input_files(school_files["plan"])
    # The file uploads at once, with its progress, and is checked: the submission then sends text only.
    expect(page.locator("#uploads-work_plan li.accepted")).to_contain_text("工作方案.docx")
    page.locator("#id_consent").check()
    page.get_by_role("button", name="提交申报").click()

    expect(page.locator("h1")).to_have_text("申报已提交")
    reference = page.locator(".reference strong").inner_text()
    assert re.fullmatch(r"20\d\d-[0-9A-Z]{4}-[0-9A-Z]{4}", reference), reference
    expect(page.locator(".summary-list")).to_contain_text(school)
    expect(page.locator("table.files")).to_contain_text("工作方案.docx")
    check_page(page, "receipt")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载预填好的申请表（附件4，Word）").click()
    annex4 = opens_as(read_download(download.value), "docx")
    assert school in "".join(c.text for t in annex4.tables for row in t.rows for c in row.cells)

    # Later, from another browser session: the status look-up, a wrong number first.
    page.context.clear_cookies()
    page.goto("/")
    page.get_by_role("link", name="查询申报状态").first.click()
    check_page(page, "status-lookup")
    page.get_by_label("申报编号").fill(reference.lower())
    page.get_by_label("负责人手机号码").fill("13900000000")
    page.get_by_role("button", name="查询").click()
    expect(page.locator("#error-summary")).to_contain_text("申报编号或负责人手机号码不正确，请核对后重试。")
    expect(page.get_by_label("申报编号")).to_have_value(reference.lower())
    page.get_by_label("负责人手机号码").fill("13800138000")
    page.get_by_role("button", name="查询").click()

    expect(page.locator("h1")).to_have_text("申报状态")
    expect(page.locator(".summary-list")).to_contain_text(reference)
    expect(page.locator(".status")).to_have_text("待上传盖章件")
    check_page(page, "status")

    page.get_by_label("申请表盖章扫描件").set_input_files(school_files["scan"])
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("盖章扫描件“申请表盖章扫描件.pdf”已上传，申报已进入评审")
    expect(page.locator(".status")).to_have_text("待审核")
    expect(page.get_by_role("button", name="重新上传")).to_be_visible()
    check_page(page, "status-uploaded")
