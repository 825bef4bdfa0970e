"""A school on a weak network: files go one by one straight to the bucket (moto over HTTP, its CORS rule as in
the README), in parts; a cut connection resumes from the last finished part, after a reload or in another
browser; a draft carries the form across browsers. Chromium's own network emulation makes the slow link."""

import hashlib
import re
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.sample_pdf import pdf_pieces

from .conftest import FORM_PATH, check_page, log_in, watched

MB = 1024 * 1024


@pytest.fixture(scope="module")
def big_pdf(tmp_path_factory):
    """Real PDFs on disk (the browser reads them from there), with their sha256."""
    folder = tmp_path_factory.mktemp("weak-network")

    def make(name, size):
        path = folder / name
        with open(path, "wb") as out:
            for piece in pdf_pieces(size):
                out.write(piece)
        return path, hashlib.sha256(path.read_bytes()).hexdigest()

    return make


def part_number(request):
    return int(parse_qs(urlparse(request.url).query)["partNumber"][0])


def fill_in(page, school, project, mobile="13812345678"):
    page.get_by_label("申报单位").select_option("平江县")
    page.get_by_label("申报学校名称").fill(school)
    page.get_by_label("试点类别").select_option("智慧教育实践与探究")
    page.get_by_label("试点项目名称").fill(project)
    page.get_by_role("radio", name="否").check()
    page.get_by_role("textbox", name="负责人", exact=True).fill("王校长")
    page.get_by_label("负责人手机号码").fill(mobile)
    page.get_by_role("textbox", name="联系人", exact=True).fill("李老师")
    page.get_by_label("联系人手机号码").fill("13912345678")
    page.get_by_label("试点实施方案要点").fill("以数据驱动教学改进。")


def test_a_30mb_file_cut_after_two_parts_resumes_after_a_reload_straight_to_the_bucket(page, bucket_server, big_pdf):
    path, sha256 = big_pdf("工作方案（30MB）.pdf", 30 * MB)
    page.goto(bucket_server.url + FORM_PATH)
    sent = []

    def cut_after_two_parts(route, request):
        if request.method == "PUT":
            sent.append(part_number(request))
            if len(sent) > 2:
                return route.abort("connectionreset")
        route.continue_()

    moto = re.compile(re.escape(bucket_server.s3["endpoint"]) + "/.*")
    page.route(moto, cut_after_two_parts)
    page.locator("#id_work_plan").set_input_files(path)
    expect(page.locator("#uploads-work_plan li")).to_contain_text("网络不稳定")  # the third part was cut
    assert sent[:3] == [1, 2, 3]
    page.unroute(moto)

    page.reload()  # the form comes back with its token: the unfinished file is listed
    row = page.locator("#uploads-work_plan li")
    expect(row).to_contain_text("上传未完成")
    resumed = []
    page.on("request", lambda r: r.method == "PUT" and r.url.startswith(bucket_server.s3["endpoint"])
            and resumed.append(part_number(r)))
    page.locator("#id_work_plan").set_input_files(path)
    expect(page.locator("#uploads-work_plan li.accepted")).to_have_count(1, timeout=60_000)
    assert resumed == [3, 4, 5, 6]  # parts 1 and 2 were not sent again
    # The object in the bucket is the file, byte for byte; the portal relayed none of it.
    stored = [o for o in bucket_server.objects() if o["Size"] == path.stat().st_size]
    assert len(stored) == 1 and hashlib.sha256(bucket_server.read(stored[0]["Key"])).hexdigest() == sha256


def test_a_school_on_a_2_mbit_line_saves_a_draft_loses_the_connection_and_finishes_in_another_browser(
    browser, bucket_server, big_pdf, school_files
):
    school, project = "平江县弱网中学", "断点续传试点项目"
    evidence, evidence_sha = big_pdf("佐证材料.pdf", 11 * MB)
    first = browser.new_context(base_url=bucket_server.url, viewport={"width": 375, "height": 812}, locale="zh-CN")
    first.set_default_timeout(20_000)
    page = first.new_page()
    network = first.new_cdp_session(page)
    network.send("Network.enable")
    rate = 2_000_000 / 8  # 2 Mbit/s each way, 100 ms round trips: a county school's line
    network.send("Network.emulateNetworkConditions", {
        "offline": False, "latency": 100, "downloadThroughput": rate, "uploadThroughput": rate,
    })
    page.goto(bucket_server.url + FORM_PATH)
    fill_in(page, school, project)
    page.locator("#id_work_plan").set_input_files(school_files["plan"])
    expect(page.locator("#uploads-work_plan li.accepted")).to_have_count(1)
    page.get_by_role("button", name="暂存").click()
    expect(page.locator(".messages")).to_contain_text("草稿已暂存，申报编号：")
    reference = re.search(r"申报编号：(\S+?)。", page.locator(".messages").inner_text())[1]

    finished = []
    page.on("requestfinished", lambda r: r.method == "PUT" and finished.append(part_number(r)))
    page.locator("#id_evidence").set_input_files(evidence)
    row = page.locator("#uploads-evidence li")
    expect(row).to_contain_text(re.compile(r"KB/秒 · 剩余约 \d+ 秒"))  # progress, speed and time left
    # The first 5 MB part takes about 20 s at 2 Mbit/s; then the line drops in the middle of the second.
    page.wait_for_function("() => document.querySelector('#uploads-evidence progress').value > 5.5 * 1024 * 1024",
                           timeout=90_000)
    assert finished == [1]
    network.send("Network.emulateNetworkConditions", {
        "offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1,
    })
    expect(row).to_contain_text("网络不稳定")
    first.close()  # the school gives up on this computer

    other = browser.new_context(base_url=bucket_server.url, viewport={"width": 1280, "height": 900}, locale="zh-CN")
    other.set_default_timeout(20_000)
    page = watched(other.new_page(), "weak_network")
    page.goto(f"{bucket_server.url}{FORM_PATH}?draft={reference}")
    expect(page.get_by_label("申报编号")).to_have_value(reference)  # asked for the mobile number, not a 404
    page.get_by_label("负责人手机号码").fill("13812345678")
    page.get_by_role("button", name="查询").click()
    expect(page.locator(".draft-banner")).to_contain_text(reference)
    expect(page.get_by_label("申报学校名称")).to_have_value(school)
    expect(page.locator("#uploads-work_plan li")).to_contain_text("工作方案.docx")
    expect(page.locator("#uploads-evidence li")).to_contain_text("上传未完成")
    check_page(page, "draft-resumed")
    resumed = []
    page.on("request", lambda r: r.method == "PUT" and resumed.append(part_number(r)))
    page.locator("#id_evidence").set_input_files(evidence)
    expect(page.locator("#uploads-evidence li.accepted")).to_have_count(1, timeout=60_000)
    assert resumed and 1 not in resumed  # it went on from where the first computer stopped
    page.locator("#id_consent").check()
    page.get_by_role("button", name="提交申报").click()
    expect(page.locator("h1")).to_have_text("申报已提交")
    expect(page.locator(".reference strong")).to_have_text(reference)  # the draft's reference is kept
    expect(page.locator("table.files")).to_contain_text("佐证材料.pdf")
    expect(page.locator("table.files")).to_contain_text("工作方案.docx")

    stored = {o["Size"]: o["Key"] for o in bucket_server.objects()}
    assert hashlib.sha256(bucket_server.read(stored[evidence.stat().st_size])).hexdigest() == evidence_sha

    # The district's reviewer sees exactly the school's files.
    other.clear_cookies()
    log_in(page, bucket_server, "pingjiang")
    page.goto(f"{bucket_server.url}/admin/applications/?q={school}")
    page.get_by_role("row").filter(has_text=school).get_by_role("link").first.click()
    files = page.locator("main li").filter(has_text="SHA-256")
    expect(files).to_have_count(2)
    expect(files.filter(has_text="工作方案：工作方案.docx")).to_have_count(1)
    expect(files.filter(has_text="佐证材料：佐证材料.pdf")).to_have_count(1)
    other.close()


def test_a_check_answer_lost_on_the_way_is_asked_again_and_the_file_ends_accepted(page, server, school_files):
    """The file is stored and being checked; one of the script's questions about it is lost (a network blip): the
    script asks again instead of pausing a file that has arrived whole."""
    def finish_still_checking(route, request):
        answer = route.fetch()
        route.fulfill(response=answer, json={**answer.json(), "state": "checking"})  # as with a busy task worker

    lost = []

    def lose_the_first_question(route, request):
        if request.method == "GET" and not lost:
            lost.append(request.url)
            return route.abort("connectionreset")
        return route.continue_()

    page.route(re.compile(r".*/apply/uploads/[0-9a-f-]+/finish/$"), finish_still_checking)
    page.route(re.compile(r".*/apply/uploads/[0-9a-f-]+/$"), lose_the_first_question)
    page.goto(server.url + FORM_PATH)
    page.locator("#id_work_plan").set_input_files(school_files["plan"])
    expect(page.locator("#uploads-work_plan li.accepted")).to_have_count(1)
    assert lost
    expect(page.locator("#uploads-work_plan li")).to_contain_text("检查通过")
