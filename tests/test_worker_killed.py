"""A gunicorn worker killed mid-upload (the kernel's OOM killer, an operator's kill -9, a host restart): the
application is not saved, what the worker had written is cleared by sweep_orphans, and the master's next worker
takes the school's next submission.

gunicorn runs as `make serve` runs it (portal/gunicorn.conf.py, one worker) with the test settings, on this test
run's own database (the rows committed by ``committed_site``: SQLite or PostgreSQL, whichever the run uses) and
with its files going to moto over HTTP through a proxy that can stall. The application POST is written by hand on
a raw socket, so that the test decides how much of the body the worker has when it dies."""

import http.client
import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command
from django.db import connection
from django.test.client import BOUNDARY, encode_multipart

from applications.models import Application

from .factories import demo_form_page, pdf_bytes, upload, valid_data
from .test_storage_faults import StoppableProxy, leftovers

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
BOOTED = re.compile(r"Booting worker with pid: (\d+)")
# gunicorn's exit codes when the application itself cannot be loaded or a worker cannot boot: a failure of the
# portal, not of gunicorn (the test fails, with the log).
APP_FAILED = {3, 4}
WAIT = 60  # seconds: the most any wait below may take before the test gives up (never a measured duration)


def until(condition, what, server=None):
    deadline = time.monotonic() + WAIT
    while not (result := condition()):
        if server is not None and server.process.poll() is not None:
            pytest.fail(f"gunicorn stopped while waiting for {what}:\n{server.log()}")
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}" + (f":\n{server.log()}" if server else ""))
        time.sleep(0.05)  # polling for a state another process reaches; nothing is asserted about time
    return result


def database_url():
    """The URL of this run's test database, for the server to share it."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Gunicorn:
    def __init__(self, tmp, proxy):
        self.tmp, self.proxy = tmp, proxy
        self.upload_tmp = tmp / "upload-tmp"  # FILE_UPLOAD_TEMP_DIR: where the worker receives files
        self.upload_tmp.mkdir()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_", "PORTAL_", "GUNICORN_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="portal.settings.test",
            DATABASE_URL=database_url(),
            PORTAL_VAR_DIR=str(tmp / "var"),
            FILE_UPLOAD_TEMP_DIR=str(self.upload_tmp),
            GUNICORN_BIND=f"127.0.0.1:{self.port}",
            GUNICORN_WORKERS="1",
            AWS_STORAGE_BUCKET_NAME=proxy.bucket,
            AWS_S3_ENDPOINT_URL=f"http://127.0.0.1:{proxy.port}",
            AWS_ACCESS_KEY_ID="testing",
            AWS_SECRET_ACCESS_KEY="testing",
            AWS_S3_REGION_NAME="us-east-1",
            # A stalled bucket must hold the worker until the test kills it, not make it give up first.
            AWS_S3_READ_TIMEOUT=str(WAIT * 2),
            PYTHONUNBUFFERED="1",
        )
        self.log_path = tmp / "gunicorn.log"
        self.log_file = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            # No control socket: it would be the user's ~/.gunicorn/gunicorn.ctl, shared with any other gunicorn.
            [sys.executable, "-m", "gunicorn", "-c", "portal/gunicorn.conf.py", "--no-control-socket", "portal.wsgi"],
            cwd=ROOT, env=env, stdout=self.log_file, stderr=subprocess.STDOUT,
        )

    def log(self):
        return self.log_path.read_text(errors="replace")

    def workers(self):
        return [int(pid) for pid in BOOTED.findall(self.log())]

    def serving(self):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=WAIT)
            conn.request("GET", "/status/")
            return conn.getresponse().status == 200
        except OSError:
            return False

    def receiving(self):
        """Whether the worker holds a file it is receiving (the files have no name: /proc shows their folder)."""
        worker = self.workers()[-1]
        held = []
        for fd in Path(f"/proc/{worker}/fd").iterdir():
            try:
                held.append(os.readlink(fd))
            except FileNotFoundError:  # closed meanwhile
                pass
        return any(target.startswith(f"{self.upload_tmp}/") for target in held)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # the master: a quick shutdown, its worker with it
            try:
                self.process.wait(WAIT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()


@pytest.fixture
def server(committed_site, s3_bucket, tmp_path, settings):
    if importlib.util.find_spec("gunicorn") is None:
        pytest.skip("gunicorn is not installed (pip install -r requirements.txt)")
    host, port = s3_bucket["endpoint"].rsplit("/", 1)[1].split(":")
    proxy = StoppableProxy((host, int(port)))
    proxy.bucket = s3_bucket["bucket"]
    gunicorn = Gunicorn(tmp_path, proxy)
    deadline = time.monotonic() + WAIT
    while not gunicorn.serving():
        code = gunicorn.process.poll()
        if code is not None or time.monotonic() > deadline:
            gunicorn.stop()
            proxy.close()
            if code is not None and code not in APP_FAILED:
                pytest.skip(f"gunicorn could not start (exit code {code}):\n{gunicorn.log()}")
            pytest.fail(f"the portal did not start under gunicorn:\n{gunicorn.log()}")
        time.sleep(0.05)
    settings.FILE_UPLOAD_TEMP_DIR = str(gunicorn.upload_tmp)  # for sweep_orphans, run here as on the server
    yield gunicorn
    gunicorn.stop()
    proxy.close()


def open_form(server, path):
    """GET the form as a browser does: (Cookie header, submission token, CSRF token)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=WAIT)
    conn.request("GET", path)
    response = conn.getresponse()
    html = response.read().decode()
    assert response.status == 200, html[:500]
    cookies = "; ".join(c.split(";", 1)[0] for c in response.headers.get_all("Set-Cookie") or [])
    form = BeautifulSoup(html, "html.parser").find("form", class_="application-form")
    return (cookies, form.find("input", {"name": "submission_token"})["value"],
            form.find("input", {"name": "csrfmiddlewaretoken"})["value"])


def application_post(server, path, files):
    """The head and body of a multipart application POST, as a browser sends it."""
    cookies, token, csrf = open_form(server, path)
    body = encode_multipart(BOUNDARY, valid_data(submission_token=token, csrfmiddlewaretoken=csrf, **files))
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nCookie: {cookies}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    return head, body


def send(sock, data, piece=256 * 1024):
    """Write ``data`` in pieces, as a slow line delivers it (the worker reads as it comes)."""
    for start in range(0, len(data), piece):
        sock.sendall(data[start:start + piece])


def answer_of(sock):
    """What came back on the socket: the status line's code, or None if the connection died without an answer."""
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except ConnectionResetError:
        pass
    match = re.match(rb"HTTP/1\.[01] (\d{3})", received)
    return (int(match.group(1)) if match else None), received


def kill_worker(server):
    worker = server.workers()[-1]
    os.kill(worker, signal.SIGKILL)  # the worker only: the master stays and starts another
    until(lambda: server.workers()[-1] != worker, "the master to start a new worker", server)
    until(server.serving, "the new worker to answer", server)
    return worker


def big_files():
    return {"work_plan": upload("工作方案.pdf", pdf_bytes(12 * MB)), "evidence": [upload("佐证.pdf", pdf_bytes(10 * MB))]}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("moment", ["receiving the body", "storing the files"])
def test_a_worker_killed_mid_upload_saves_nothing_leaves_nothing_after_the_sweep_and_the_next_one_takes_over(
    server, s3_bucket, moment
):
    path = demo_form_page().url
    head, body = application_post(server, path, big_files())
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=WAIT)
    if moment == "receiving the body":
        send(sock, head + body[: int(len(body) * 0.4)])  # then the line goes quiet, inside the work plan
        until(server.receiving, "the worker to receive the work plan", server)
    else:
        # The bucket stalls 3 MB into the second file: the first is stored whole, the second is a multipart
        # upload in progress (boto3 sends files over 8 MB in parts).
        server.proxy.stop_after = 15 * MB
        send(sock, head + body)
        until(lambda: not server.proxy.running.is_set(), "the worker to store the files", server)
        objects, multipart = leftovers(s3_bucket)
        assert len(objects) == 1 and len(multipart) == 1, (objects, multipart)  # what the worker dies with

    kill_worker(server)
    server.proxy.stop_after = None
    server.proxy.running.set()
    status, _ = answer_of(sock)
    sock.close()
    assert status is None  # the school's browser saw the connection drop: no answer, no receipt
    assert not Application.objects.exists()

    call_command("sweep_orphans", "--hours", "0", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert leftovers(s3_bucket) == ([], [])  # no object, no incomplete multipart upload
    assert list(server.upload_tmp.iterdir()) == []  # and no copy of the school's files on the server's disk

    # The school sends again, through the same gunicorn: its new worker saves the application whole.
    head, body = application_post(server, path, {"work_plan": upload("工作方案.pdf", pdf_bytes(9 * MB)),
                                                 "evidence": [upload("佐证.pdf", pdf_bytes(MB))]})
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=WAIT)
    send(sock, head + body)
    status, received = answer_of(sock)
    sock.close()
    assert status == 302, received[:2000]
    application = Application.objects.get()
    assert f"/apply/receipt/{application.reference}/".encode() in received
    assert sorted(application.files.values_list("original_name", flat=True)) == ["佐证.pdf", "工作方案.pdf"]
    assert leftovers(s3_bucket) == (sorted(application.files.values_list("key", flat=True)), [])
