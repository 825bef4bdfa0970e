"""Browser journeys against a real server: one server process and one Chromium for the whole session.

The server is `manage.py runserver` on a free port, with its own SQLite file and folders in a temporary
directory (PORTAL_VAR_DIR), built by the project's own commands: migrate, load_initial_data --demo,
setup_portal --demo-accounts. The demo accounts' passwords are the ones setup_portal writes to
demo-accounts.txt in that folder. Chromium is Debian's (/usr/bin/chromium), never a downloaded build.
"""

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
INSTALL = "apt-get update && apt-get install -y chromium fonts-wqy-microhei"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
ARTIFACTS = ROOT / "var" / "e2e-artifacts"
VIEWPORTS = {"375": {"width": 375, "height": 812}, "1280": {"width": 1280, "height": 900}}
FORM_PATH = "/notices/demo-2019-pilot-projects/demo-apply/"
NOTICE_PATH = "/notices/demo-2019-pilot-projects/"

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # pragma: no cover - the skip below says what to do
    sync_playwright = None


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    missing = None
    if sync_playwright is None:
        missing = "the playwright package is missing: pip install -r requirements-dev.txt"
    elif not os.access(CHROMIUM, os.X_OK):
        missing = f"Chromium is not installed at {CHROMIUM}: {INSTALL}"
    browser_items = [item for item in items if here in Path(str(item.fspath)).parents]
    for item in browser_items:
        item.add_marker(pytest.mark.e2e)
        if missing:
            item.add_marker(pytest.mark.skip(reason=missing))
    if browser_items and not missing:
        # The journeys run last, and their server's database is built in the background meanwhile: in a whole
        # `make test` run the other tests hide the ~15 s that migrate and the seed take.
        items[:] = [item for item in items if item not in browser_items] + browser_items
        _Setup.start()


# ---------------------------------------------------------------- the server


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, url, var_dir, accounts):
        self.url = url
        self.var_dir = var_dir
        self.accounts = accounts  # username -> password, as setup_portal wrote them


def _server_env(var_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_", "PORTAL_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings.dev",  # PORTAL_LOAD_DEMO: the demo call and accounts
        DJANGO_DEBUG="false",  # the pages as in production (runserver --insecure still serves static files)
        DATABASE_URL=f"sqlite:///{var_dir / 'portal.sqlite3'}",
        PORTAL_VAR_DIR=str(var_dir),
        CACHE_URL="locmemcache://e2e",
        EMAIL_URL="dummymail://",
        PORTAL_SUBMIT_RATE="1000/h", PORTAL_POST_RATE="1000/h", PORTAL_STATUS_RATE="1000/h", PORTAL_UPLOAD_RATE="10000/h",
        WAGTAILADMIN_BASE_URL="http://127.0.0.1",
        PYTHONUNBUFFERED="1",
    )
    return env


SETUP = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
call_command("load_initial_data", demo=True, verbosity=0)
call_command("setup_portal", demo_accounts=True, verbosity=0)
"""


class _Setup:
    """migrate, load_initial_data --demo and setup_portal --demo-accounts into a fresh folder, in one child
    interpreter (Django starts once instead of three times), started as soon as the tests are collected."""

    process = var_dir = log = None

    @classmethod
    def start(cls):
        cls.var_dir = Path(tempfile.mkdtemp(prefix="portal-e2e-"))
        cls.log = open(cls.var_dir / "server.log", "w")
        cls.process = subprocess.Popen(
            [sys.executable, "-c", SETUP], cwd=ROOT, env=_server_env(cls.var_dir), stdout=cls.log, stderr=subprocess.STDOUT
        )

    @classmethod
    def wait(cls):
        if cls.process is None:
            cls.start()
        if cls.process.wait() != 0:
            pytest.fail("setting up the e2e server failed:\n" + (cls.var_dir / "server.log").read_text())
        return cls.var_dir, cls.log


def _runserver(env, log, log_path):
    """`manage.py runserver` on a free port with ``env``; returns (process, url) once it answers."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--insecure", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/status/", timeout=2).close()
            return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("the e2e server did not start:\n" + log_path.read_text())
            time.sleep(0.1)  # polling for the port; the browser steps never sleep


@pytest.fixture(scope="session")
def server():
    var_dir, log = _Setup.wait()
    env = _server_env(var_dir)
    accounts = dict(re.findall(r"用户名 (\S+)\s+密码 (\S+)", (var_dir / "demo-accounts.txt").read_text("utf-8")))
    process, url = _runserver(env, log, var_dir / "server.log")
    yield Server(url, var_dir, accounts)
    process.terminate()
    process.wait(10)
    log.close()
    shutil.rmtree(var_dir, ignore_errors=True)


class BucketServer(Server):
    def __init__(self, url, var_dir, accounts, s3):
        super().__init__(url, var_dir, accounts)
        self.s3 = s3  # {"endpoint", "client", "bucket"}: moto over HTTP

    def objects(self):
        return self.s3["client"].list_objects_v2(Bucket=self.s3["bucket"]).get("Contents", [])

    def read(self, key):
        return self.s3["client"].get_object(Bucket=self.s3["bucket"], Key=key)["Body"].read()


def allow_uploads_from(client, bucket, origin):
    """The bucket's CORS rule the README asks for: the portal's pages may PUT parts and read the ETag."""
    client.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [{
        "AllowedOrigins": [origin], "AllowedMethods": ["PUT", "GET", "HEAD"], "AllowedHeaders": ["*"],
        "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 3000,
    }]})


@pytest.fixture(scope="session")
def bucket_server(server, s3_server):
    """A second server on the same database whose application files go to an S3 bucket (moto over HTTP, CORS
    set as in the README): the browser sends file parts straight to the bucket."""
    bucket = "e2e-applications"
    s3_server["client"].create_bucket(Bucket=bucket)
    env = _server_env(server.var_dir)
    env.update(
        AWS_STORAGE_BUCKET_NAME=bucket, AWS_S3_ENDPOINT_URL=s3_server["endpoint"], AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing", AWS_S3_REGION_NAME="us-east-1",
        PORTAL_UPLOAD_MAX_FILE_MB="40", PORTAL_UPLOAD_RATE="10000/h",
    )
    log = open(server.var_dir / "bucket-server.log", "w")
    process, url = _runserver(env, log, server.var_dir / "bucket-server.log")
    allow_uploads_from(s3_server["client"], bucket, url)
    yield BucketServer(url, server.var_dir, server.accounts, {**s3_server, "bucket": bucket})
    process.terminate()
    process.wait(10)
    log.close()


# ---------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def playwright():
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright):
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def api(playwright, server):
    """Plain HTTP for arranging data (submitting applications a journey starts from), without rendering."""
    return playwright


@pytest.fixture
def context(browser, server, request):
    viewport = getattr(request, "param", "1280")
    context = browser.new_context(base_url=server.url, viewport=VIEWPORTS[viewport], locale="zh-CN", accept_downloads=True)
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context, request):
    module = request.node.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    yield watched(context.new_page(), module)


def watched(page, module):
    """A page whose script errors and failed subresources are collected for check_page."""
    page.artifact_prefix = f"{module}-{page.viewport_size['width']}"  # e.g. school-375-form-errors.png
    # Script errors and failed subresources (a stylesheet, script or icon). A page's own 400 (a refused form)
    # is the answer the user is meant to see, not a fault.
    page.console_errors = []
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    page.on("console", lambda m: m.type == "error" and not m.text.startswith("Failed to load resource")
            and page.console_errors.append(m.text))
    page.on("response", lambda r: r.status >= 400 and r.request.resource_type != "document"
            and page.console_errors.append(f"{r.status} {r.url}"))
    return page


def shot(page, name):
    """A full-page screenshot under var/e2e-artifacts/, named after the test and the step."""
    page.screenshot(path=ARTIFACTS / f"{page.artifact_prefix}-{name}.png", full_page=True)


# ---------------------------------------------------------------- what every public page must pass

_axe = None
AXE_RESULTS = []


def check_page(page, name):
    """What a user (and a screen reader user) would check on any public or school page: it fits the screen,
    it has a title and one h1, no console errors (a missing favicon would be one), landmarks are named apart,
    and axe-core finds no serious or critical violation. Then a screenshot."""
    global _axe
    from axe_playwright_python.sync_playwright import Axe

    _axe = _axe or Axe()
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name}: wider than the {width} px screen"
    assert page.title().endswith("申报门户")
    expect(page.locator("h1")).to_have_count(1)
    landmarks = page.evaluate(
        """() => [...document.querySelectorAll('nav, [role=search], aside, section[aria-label], section[aria-labelledby]')]
             .map(e => (e.getAttribute('role') || e.tagName.toLowerCase()) + ':' + (e.getAttribute('aria-label')
               || (e.getAttribute('aria-labelledby') && document.getElementById(e.getAttribute('aria-labelledby'))?.textContent) || ''))"""
    )
    assert len(landmarks) == len(set(landmarks)), f"{name}: landmarks with the same role and name: {landmarks}"
    results = _axe.run(page, options={"resultTypes": ["violations"]}).response
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    AXE_RESULTS.append((page.url, width, [(v["id"], v["impact"]) for v in results["violations"]]))
    assert not bad, f"{name}: axe-core violations: {bad}"
    assert not page.console_errors, f"{name}: console errors: {page.console_errors}"
    page.console_errors.clear()
    shot(page, name)


def pytest_terminal_summary(terminalreporter):
    if AXE_RESULTS:
        minor = sorted({v for _, _, vs in AXE_RESULTS for v in vs})
        terminalreporter.write_line(
            f"e2e: axe-core checked {len(AXE_RESULTS)} page views, no serious or critical violation"
            + (f"; minor ones: {minor}" if minor else "; none at all")
            + f"; screenshots in {ARTIFACTS.relative_to(ROOT)}/"
        )


# ---------------------------------------------------------------- files a school uploads


@pytest.fixture(scope="session")
def school_files(tmp_path_factory):
    """A real work plan (.docx made with python-docx) and a real stamped scan (a one-page PDF made with pypdf)."""
    import docx
    from pypdf import PdfWriter

    folder = tmp_path_factory.mktemp("school-files")
    plan = docx.Document()
    plan.add_heading("岳阳市第一中学教育信息化创新试点工作方案", level=1)
    plan.add_paragraph("一、试点目标：以人工智能助教提升课堂互动。")
    plan_path = folder / "工作方案.docx"
    plan.save(plan_path)
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    scan_path = folder / "申请表盖章扫描件.pdf"
    with open(scan_path, "wb") as out:
        writer.write(out)
    return {"plan": plan_path, "scan": scan_path}


# ---------------------------------------------------------------- arranging applications over plain HTTP


def submit_application(api, server, school_files, *, unit, school, project, category="智慧教育实践与探究", scan=True):
    """Submit an application the way the form does (multipart POST with the CSRF token), upload the stamped
    scan, and return its reference. For journeys that start where a school's ends."""
    http = api.request.new_context(base_url=server.url)
    try:
        form = http.get(FORM_PATH).text()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
        submission = re.search(r'name="submission_token" value="([^"]+)"', form)[1]
        plan = school_files["plan"]
        response = http.post(FORM_PATH, multipart={
            "csrfmiddlewaretoken": token, "submission_token": submission, "unit": unit, "school": school,
            "category": category, "project": project, "furong": "否", "leader": "王校长", "leader_phone": "13812345678",
            "contact": "李老师", "contact_phone": "13912345678", "summary": "以人工智能助教提升课堂互动。", "consent": "on",
            "website": "",
            "work_plan": {"name": plan.name, "mimeType": "application/octet-stream", "buffer": plan.read_bytes()},
        })
        match = re.search(r"/apply/receipt/([^/]+)/", response.url)
        assert response.ok and match, f"submission refused: {response.status} {response.text()[:2000]}"
        reference = match[1]
        if scan:
            status_url = f"/status/{reference}/"
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', http.get(status_url).text())[1]
            pdf = school_files["scan"]
            response = http.post(status_url, multipart={
                "csrfmiddlewaretoken": token,
                "scan": {"name": pdf.name, "mimeType": "application/pdf", "buffer": pdf.read_bytes()},
            })
            assert response.ok and "待审核" in response.text()
        return reference
    finally:
        http.dispose()


def log_in(page, server, username):
    page.goto("/admin/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(server.accounts[username])
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def read_download(download):
    return Path(download.path()).read_bytes()


def opens_as(data, kind):
    """The bytes open as a real file of that kind (the way a reviewer's office software would)."""
    import zipfile

    assert data, "empty file"
    if kind == "xlsx":
        import openpyxl

        return openpyxl.load_workbook(io.BytesIO(data), read_only=False)
    if kind == "docx":
        import docx

        return docx.Document(io.BytesIO(data))
    if kind == "zip":
        archive = zipfile.ZipFile(io.BytesIO(data))
        assert archive.testzip() is None
        return archive
    if kind == "pdf":
        from pypdf import PdfReader

        return PdfReader(io.BytesIO(data))
    raise ValueError(kind)
