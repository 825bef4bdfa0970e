"""Benchmark of the two ways a school's files reach the bucket, against boto3 on the same S3 server (moto).

    .venv/bin/python bench/upload.py                  # everything (a few minutes on 2 cores), prints the report
    .venv/bin/python bench/upload.py --sizes 20       # only 3 x 20 MB (default: 20 and 60 MB per file)
    .venv/bin/python bench/upload.py --rounds 3 --submissions 20 --no-latency
    .venv/bin/python bench/upload.py --worker-interval 0.1   # the db_worker looking for tasks every 0.1 s (default 1)
    .venv/bin/python bench/upload.py --size 20        # one size only, prints JSON (used by the above)
    .venv/bin/python bench/upload.py --latency        # the final-submission latency only, prints JSON
    .venv/bin/python bench/upload.py --database postgres://postgres@127.0.0.1:5432   # on PostgreSQL, as in production

Prints figures with their targets; nothing is asserted. Ratios are against baselines measured in the same run,
interleaved round by round; times are the best of N rounds (the medians are printed too). What is measured:

1. Direct path, the school's time. The protocol of static/js/uploads.js (applications/apply/direct.py,
   upload_views.py) over real HTTP: begin, then for each part ask the portal to sign it and PUT its bytes to the
   presigned S3 URL (begin signs them all; a part asks for its own URL only if that one expired), finish (the
   portal confirms every part is in the bucket), and poll the upload until it is accepted (assembling the parts
   and the whole-file check run in a separate ``manage.py db_worker``: PORTAL_TASKS=database). Like the script, parts go one after another within a file,
   and the three files go at the same time (the script starts every file of a selection at once; here the school
   picks work plan and evidence together). The same with the files one after another is printed too (the next
   file begins once the previous one's finish has answered; the checks go on meanwhile).
   Baseline: boto3 ``upload_file`` of the same three files, one after another, with a TransferConfig of the
   portal's part size (5 MB; boto3 sends a file's parts in parallel). Polling here is every 50 ms; the
   exact moment each file was accepted comes from the task's ``finished_at`` in the database, and the time the
   script itself would show (it asks 0.4 s after finish, then 0.8, 1.5 and every 2 s) is printed beside it.
2. Final submission latency with three files already uploaded and accepted: the POST of the form's text fields
   (no files) until its 302, on the dev server (``manage.py runserver --noreload``, portal.settings.test,
   immediate tasks), p50 and p90 over 25 submissions, each on a fresh form (new browser session, new token,
   its own 3 x 1 MB uploads beforehand, its own project name: the duplicate rule refuses a school+project twice).
3. Application-server CPU per submitted MB: the gunicorn worker's CPU seconds (/proc) for the whole direct path
   of 3 files (every portal request of the protocol, polls at the script's 2 s pace, and the final submission)
   against the no-JavaScript path (one multipart POST with the same files, relayed to the bucket), for the whole
   application at each size and for each further MB (the difference between the smallest and the largest size,
   per MB: what a submission costs whatever its size cancels out; the direct path's from the worker's own CPU
   clock in the request hooks, finer than /proc's 10 ms ticks). The db_worker's CPU for the whole-file
   checks is printed separately (it is not the application server's).
4. No-JavaScript path: the multipart POST of the 3 files through gunicorn into the bucket, against boto3
   ``upload_fileobj`` with its defaults; the worker's VmHWM/VmRSS growth (/proc) and tracemalloc peak, which
   should stay flat from 3 x 20 MB to 3 x 60 MB.

Targets, printed next to the figures: 1. ratio <= 1.1; 2. p50 <= 150 ms; 3. direct/no-JS <= 2 %; 4. ratio <= 1.9,
growth <= 64 MB and flat.

Set-up, for each size a fresh process: moto's standalone S3 server in its own process (it competes for the 2 cores
with the client and the portal alike); a throwaway SQLite database (migrated and loaded once, content plus the
open demo call, then copied for each process); gunicorn with one sync worker (portal.settings.test, S3 storage
pointed at moto; the direct path gets a second gunicorn of three workers, its three files finishing at once) and the
allocator settings of `make serve`; ``manage.py db_worker`` (started once 4. is measured, so
that 4. runs as it always has; --worker-interval sets its --interval); real PDFs written to disk
(tests/sample_pdf.py). After every submission the application's objects are read back from the bucket and their
sha256 compared with the files on disk; nothing else may be left in the bucket (no object, no open multipart
upload). BENCH_PROFILE=out.prof adds one profiled no-JavaScript POST and writes its cProfile stats there.
"""

import argparse
import hashlib
import http.client
import itertools
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.sample_pdf, and the project itself
PYTHON = sys.executable
SCRIPT = str(Path(__file__).resolve())
MB = 1024 * 1024
PAGE = "/notices/demo-2019-pilot-projects/demo-apply/"
BUCKET = "bench-applications"
DEFAULT_SIZES = (20, 60)
ROUNDS = 5  # timed rounds per size and path (interleaved with the baselines); the best of each is reported
CPU_ROUNDS = 3  # direct-path rounds at the script's own pace, for the CPU figure (the lower is reported)
SUBMISSIONS = 25  # timed final submissions on the dev server
LATENCY_WARMUP = 3  # untimed submissions before those
WARMUP_MB = 1  # file size of the warm-up submissions and of the latency part
PART_MB = 5  # PORTAL_UPLOAD_PART_MB's default: the baseline uses the same part size
POLL_S = 0.05  # how often the bench asks whether an upload is accepted
SCRIPT_WAITS = (0.4, 0.8, 1.5, 2)  # static/js/uploads.js (CHECK_WAITS): seconds between its asks, the last repeated


def script_sees(finished, accepted):
    """When the script first sees an upload accepted whose finish answered at ``finished``."""
    moment, round_ = finished, 0
    while moment < accepted:
        moment += SCRIPT_WAITS[min(round_, len(SCRIPT_WAITS) - 1)]
        round_ += 1
    return moment
DIRECT_WORKERS = 3  # gunicorn workers for the direct path (GUNICORN_WORKERS of deploy/prod-local)
WORKER_INTERVAL_S = 1.0  # manage.py db_worker's default --interval (how often an idle worker looks for tasks)

TARGET_DIRECT_RATIO = 1.1
TARGET_P50_MS = 150
TARGET_CPU_SHARE = 0.02
TARGET_RELAY_RATIO = 1.9
TARGET_GROWTH_MB = 64
# The production server's allocator settings (Makefile: ALLOCATOR_ENV, used by `make serve`).
SERVER_ALLOCATOR_ENV = {"MALLOC_MMAP_THRESHOLD_": "4194304", "MALLOC_ARENA_MAX": "2"}

FIELDS = {
    "unit": "平江县",
    "category": "智慧教育实践与探究",
    "school": "平江县第一中学",
    "project": "基于课堂数据的精准教学试点",
    "subtitle": "",
    "furong": "否",
    "leader": "张三",
    "leader_phone": "13812345678",
    "contact": "李四",
    "contact_phone": "13912345678",
    "summary": "本项目围绕课堂教学数据开展精准教学实践与探究。" * 10,
    "consent": "on",
}
# (field, file name) of the three files, in the order of the fixtures on disk.
FILE_FIELDS = [("work_plan", "工作方案.pdf"), ("evidence", "佐证材料1.pdf"), ("evidence", "佐证材料2.pdf")]

# Hooks for the gunicorn worker (bench instrumentation only; the app is not modified): the worker's pid,
# per-request server time and CPU time, time spent in the S3 storage's save(), ru_maxrss around the request,
# and the tracemalloc peak for requests that carry the X-Bench-Trace header.
GUNICORN_CONF = r'''
import json, os, resource, time, tracemalloc

_out = os.environ["BENCH_HOOK_OUT"]
_state = {}


def _write(record):
    with open(_out, "a") as f:
        f.write(json.dumps(record) + "\n")


def post_worker_init(worker):
    from storages.backends.s3 import S3Storage

    original = S3Storage.save

    def timed_save(self, *args, **kwargs):
        started = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            _state["storage_s"] = _state.get("storage_s", 0.0) + time.perf_counter() - started

    S3Storage.save = timed_save
    _write({"event": "ready", "pid": os.getpid()})


def pre_request(worker, req):
    trace = any(name == "X-BENCH-TRACE" for name, _ in req.headers)
    _state.clear()
    _state.update(t0=time.perf_counter(), cpu0=time.process_time(), storage_s=0.0, trace=trace,
                  maxrss0=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    if trace:
        tracemalloc.start()
        tracemalloc.reset_peak()
    if any(name == "X-BENCH-PROFILE" for name, _ in req.headers):
        import cProfile

        _state["profile"] = cProfile.Profile()
        _state["profile"].enable()


def post_request(worker, req, environ, resp):
    record = {
        "event": "request", "method": req.method, "path": req.path,
        "server_s": time.perf_counter() - _state.get("t0", time.perf_counter()),
        "cpu_s": time.process_time() - _state.get("cpu0", time.process_time()),
        "storage_s": _state.get("storage_s", 0.0),
        "maxrss_kb_before": _state.get("maxrss0"),
        "maxrss_kb_after": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    if _state.get("profile"):
        import pstats

        _state["profile"].disable()
        pstats.Stats(_state["profile"]).dump_stats(_out + ".prof")
    if _state.get("trace") and tracemalloc.is_tracing():
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        record.update(trace_current=current, trace_peak=peak)
    _write(record)
'''


def log(*parts):
    print("[bench]", *parts, file=sys.stderr, flush=True)


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- moto, in its own process -------------------------------------------------------------------------------


def run_moto():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    print(host, port, flush=True)
    try:
        sys.stdin.read()  # until the parent closes our stdin
    finally:
        server.stop()


# --- fixtures and the multipart body ------------------------------------------------------------------------


def write_pdf(path, size):
    """A real one-page PDF of exactly ``size`` bytes (random padding), written in 1 MB pieces. Returns its sha256."""
    from tests.sample_pdf import pdf_pieces

    digest = hashlib.sha256()
    with open(path, "wb") as f:
        for piece in pdf_pieces(size, fill=os.urandom):
            f.write(piece)
            digest.update(piece)
    return digest.hexdigest()


def write_pdfs(folder, stem, size_mb):
    """Three PDFs of ``size_mb`` MB; returns [(path, sha256)] in FILE_FIELDS order."""
    made = []
    for i in range(len(FILE_FIELDS)):
        path = folder / f"{stem}{i}-{size_mb}mb.pdf"
        made.append((path, write_pdf(path, size_mb * MB)))
    return made


def write_body(path, fields, files, boundary):
    """multipart/form-data body on disk; ``files`` is [(field name, path on disk, file name)]."""
    b = boundary.encode()
    with open(path, "wb") as out:
        for name, value in fields.items():
            out.write(b"--" + b + b"\r\n")
            out.write(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
            out.write(value.encode("utf-8") + b"\r\n")
        for name, source, filename in files:
            out.write(b"--" + b + b"\r\n")
            out.write(f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'.encode())
            out.write(b"Content-Type: application/pdf\r\n\r\n")
            with open(source, "rb") as f:
                shutil.copyfileobj(f, out, MB)
            out.write(b"\r\n")
        out.write(b"--" + b + b"--\r\n")
    return os.path.getsize(path)


# --- a small browser: cookies, one kept-alive connection per thread and server ------------------------------


class ProtocolError(RuntimeError):
    pass


class Form:
    """What a GET of the form page gives a browser."""

    def __init__(self, html):
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        token = re.search(r'name="submission_token" value="([^"]+)"', html)
        begin = re.search(r'data-begin-url="([^"]+)"', html)
        if not (csrf and token and begin):
            raise ProtocolError("form page has no csrf/submission_token/data-begin-url: is the demo call open?")
        self.csrf, self.token, self.begin_url = csrf.group(1), token.group(1), begin.group(1)


class Browser:
    """Cookies are kept for the portal only. gunicorn's sync worker closes each connection (http.client then opens
    a new one); moto keeps them alive, as S3 does. Several threads may share a browser (tabs, or the script's
    simultaneous uploads): each has its own connections."""

    def __init__(self, host, port):
        self.origin = (host, port)
        self.cookies = {}
        self._local = threading.local()
        self.form = None

    def _connection(self, host, port):
        connections = self._local.__dict__.setdefault("connections", {})
        if (host, port) not in connections:
            connections[host, port] = http.client.HTTPConnection(host, port, timeout=600, blocksize=MB)
        return connections[host, port]

    def request(self, method, url, body=None, headers=None):
        parts = urlsplit(url)
        host, port = (parts.hostname, parts.port) if parts.netloc else self.origin
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        same_origin = (host, port) == self.origin
        headers = dict(headers or {})
        if same_origin and self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in list(self.cookies.items()))
        conn = self._connection(host, port)
        for attempt in (1, 2):
            try:
                conn.request(method, target, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()  # a kept-alive connection the server had closed: once more on a new one
                if attempt == 2 or not isinstance(body, (bytes, type(None))):
                    raise
            except BaseException:
                conn.close()
                raise
        if same_origin:
            self._remember(response)
        return response.status, response.headers, data

    def _remember(self, response):
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    def get(self, path):
        return self.request("GET", path)

    def open_form(self):
        status, _, page = self.get(PAGE)
        if status != 200:
            raise ProtocolError(f"GET {PAGE} -> {status}")
        self.form = Form(page.decode())
        return self.form

    def api(self, method, path, payload=None):
        """A JSON request as uploads.js makes it (CSRF header, JSON body)."""
        headers = {"X-CSRFToken": self.form.csrf, "Content-Type": "application/json", "Accept": "application/json"}
        body = json.dumps(payload).encode() if payload is not None else None
        status, _, data = self.request(method, path, body, headers)
        try:
            answer = json.loads(data) if data else {}
        except ValueError:
            answer = {"error": data[:200].decode(errors="replace")}
        if status >= 400:
            raise ProtocolError(f"{method} {path} -> {status}: {answer.get('error')}")
        return answer

    def post_file(self, path, body_path, content_type, extra_headers=None):
        """POST a body streamed from a file on disk (a fresh connection); returns (status, headers, data, s)."""
        conn = http.client.HTTPConnection(*self.origin, timeout=600, blocksize=MB)
        headers = dict(extra_headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in list(self.cookies.items()))
        headers.update({"Content-Type": content_type, "Content-Length": str(os.path.getsize(body_path))})
        try:
            with open(body_path, "rb") as body:
                started = time.perf_counter()
                conn.request("POST", path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                elapsed = time.perf_counter() - started
            self._remember(response)
            return response.status, response.headers, data, elapsed
        finally:
            conn.close()

    def submit_text(self, project):
        """The final submission of the script's form: text fields only, the files having gone ahead. Returns
        (the receipt's reference, seconds until the 302)."""
        fields = {**FIELDS, "project": project, "csrfmiddlewaretoken": self.form.csrf,
                  "submission_token": self.form.token, "action": "submit"}
        body = urlencode(fields).encode()
        started = time.perf_counter()
        status, headers, data = self.request(
            "POST", PAGE, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        elapsed = time.perf_counter() - started
        return receipt_reference(status, headers, data), elapsed


def receipt_reference(status, headers, data):
    location = headers.get("Location", "")
    match = re.search(r"/apply/receipt/([^/]+)/$", location)
    if status != 302 or not match:
        errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)<', data.decode(errors="replace"))
        raise ProtocolError(f"POST -> {status} {location!r}; errors: {[e for e in errors if e.strip()][:5]}")
    return match.group(1)


def send_one(browser, field, path, name):
    """One file through the direct protocol, as uploads.js sends it: begin; for each part, ask the portal to sign
    it and PUT it (one part after another); finish. Returns the finish's answer and the moments (perf_counter)."""
    size = path.stat().st_size
    upload = browser.api("POST", browser.form.begin_url, {
        "token": browser.form.token, "field": field, "name": name, "size": size,
        "modified": int(path.stat().st_mtime * 1000),
    })
    received = set(upload["received"])
    part_size = upload["part_size"]
    urls = upload.get("urls", {})  # begin signs every part still to send; a part without one asks for it
    with open(path, "rb") as f:
        for number in range(1, upload["parts"] + 1):
            if number in received:
                continue
            f.seek((number - 1) * part_size)
            blob = f.read(part_size)
            if str(number) in urls:
                signed = {"url": urls[str(number)], "same_origin": upload["same_origin"]}
            else:
                signed = browser.api("POST", f"/apply/uploads/{upload['id']}/parts/{number}/")
            headers = {"Content-Type": "application/octet-stream"}
            if signed["same_origin"]:
                headers["X-CSRFToken"] = browser.form.csrf
            status, _, data = browser.request("PUT", signed["url"], blob, headers)
            if not 200 <= status < 300:
                raise ProtocolError(f"PUT part {number} of {name} -> {status}: {data[:300]!r}")
    parts_sent = time.perf_counter()
    upload = browser.api("POST", f"/apply/uploads/{upload['id']}/finish/")
    return {"upload": upload, "parts_sent": parts_sent, "finished": time.perf_counter(),
            "checking": upload["state"] == "checking"}


def settle(browser, sent, script_pace=False):
    """Ask until the upload is no longer being checked (every POLL_S, or at the script's pace); it must be
    accepted. Adds the moment it was seen accepted to ``sent``."""
    upload = sent["upload"]
    while upload["state"] == "checking":
        time.sleep(SCRIPT_WAITS[-1] if script_pace else POLL_S)
        upload = browser.api("GET", f"/apply/uploads/{upload['id']}/")
    if upload["state"] != "accepted":
        raise ProtocolError(f"{upload['name']}: {upload['state']} {upload.get('problem')}")
    return {**sent, "id": upload["id"], "accepted": time.perf_counter()}


def upload_all(browser, fixtures, together=True, script_pace=False):
    """The three files until accepted. ``together``: each in its own thread, as the script starts the files of
    a selection; else one after another (the next begins when the previous one's finish has answered), then
    each is waited for."""
    jobs = [(field, path, name) for (field, name), (path, _) in zip(FILE_FIELDS, fixtures, strict=True)]
    if not together:
        return [settle(browser, sent, script_pace) for sent in [send_one(browser, *job) for job in jobs]]
    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(lambda job: settle(browser, send_one(browser, *job), script_pace), jobs))


# --- processes ----------------------------------------------------------------------------------------------


def cpu_seconds(pid=None):
    """User + system CPU time of a process (this one, all threads, if None), from /proc."""
    if pid is None:
        usage = os.times()
        return usage.user + usage.system
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(pids):
    """{name: CPU seconds}; a name may stand for several processes (the direct path's gunicorn workers)."""
    return {
        name: sum(cpu_seconds(p) for p in pid) if isinstance(pid, tuple) else cpu_seconds(pid)
        for name, pid in pids.items()
    }


def cpu_spent(before, after):
    return {name: after[name] - before[name] for name in before}


def proc_status(pid):
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                values[key] = int(rest.split()[0])  # kB
    return values


class HookLog:
    def __init__(self, path):
        self.path = path

    def records(self):
        if not os.path.exists(self.path):
            return []
        with open(self.path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def count_after(self, predicate, timeout=30):
        """The number of records once one matching ``predicate`` is the last (the hook writes after answering)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            records = self.records()
            if records and predicate(records[-1]):
                return len(records)
            time.sleep(0.02)
        raise RuntimeError("timed out waiting for a request's hook record")

    def records_until(self, start, predicate, timeout=30):
        """The records from ``start`` on, once one of them matches ``predicate``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            records = self.records()[start:]
            if any(predicate(r) for r in records):
                return records
            time.sleep(0.02)
        raise RuntimeError("timed out waiting for a request's hook record")

    def wait(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [r for r in self.records() if predicate(r)]
            if found:
                return found[-1]
            time.sleep(0.05)
        raise RuntimeError(f"timed out waiting for {what}")


def wait_for_page(browser, proc, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited ({proc.returncode})")
        try:
            if browser.get(PAGE)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the server did not answer")


class Stack:
    """moto in its own process, the app's environment, Django set up here on a copy of the prepared database;
    servers added with ``start``. Everything is stopped and removed by ``close``."""

    def __init__(self, template, tasks="immediate"):
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-upload-"))
        self.procs, self.logs = [], {}
        os.environ["AWS_ACCESS_KEY_ID"] = "testing"
        os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
        self.moto = self.start("moto", [PYTHON, SCRIPT, "--moto"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        host, port = self.moto.stdout.readline().split()
        endpoint = f"http://{host}:{port}"

        import boto3

        self.s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
        self.s3.create_bucket(Bucket=BUCKET)
        (self.tmp / "uploads").mkdir()
        (self.tmp / "parts").mkdir()
        self.env = {
            **database_env(self.tmp),
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": endpoint,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "PORTAL_UPLOAD_MAX_FILE_MB": "100",
            "PORTAL_UPLOAD_MAX_TOTAL_MB": "400",
            "PORTAL_UPLOAD_PART_MB": str(PART_MB),
            "PORTAL_UPLOAD_RATE": "1000000/h",  # the bench polls far more often than a school's page
            "PORTAL_UPLOAD_PARTS_DIR": str(self.tmp / "parts"),
            "PORTAL_SUBMIT_RATE": "1000/h",
            "PORTAL_TASKS": tasks,
            # Django's temporary upload files go here, so that leftovers can be counted (and are removed).
            "FILE_UPLOAD_TEMP_DIR": str(self.tmp / "uploads"),
        }
        started = time.perf_counter()
        if template:
            if POSTGRES:
                postgres("createdb", "-T", TEMPLATE_DB, database_name(self.tmp))
            else:
                shutil.copy(Path(template) / "bench.sqlite3", self.tmp / "bench.sqlite3")
            shutil.copytree(Path(template) / "media", self.tmp / "media")
        elif POSTGRES:
            postgres("createdb", database_name(self.tmp))
        os.environ.update(self.env)
        prepare_database(self.tmp, migrate=not template)
        log(f"database ready in {time.perf_counter() - started:.1f}s")

    def start(self, name, command, **kwargs):
        """Start a process logging to <name>.log (its stderr only, if its stdout is taken)."""
        self.logs[name] = handle = open(self.tmp / f"{name}.log", "w")  # noqa: SIM115 (closed in close())
        if "stdout" in kwargs:
            kwargs["stderr"] = handle
        else:
            kwargs.update(stdout=handle, stderr=subprocess.STDOUT)
        proc = subprocess.Popen(command, text=True, cwd=ROOT, **kwargs)
        self.procs.append(proc)
        return proc

    def server_env(self, **extra):
        return {**os.environ, **self.env, **extra}

    def tails(self):
        for name in self.logs:
            path = self.tmp / f"{name}.log"
            if path.exists():
                log(f"--- tail of {name}.log ---")
                sys.stderr.write("".join(path.read_text(errors="replace").splitlines(True)[-30:]))

    def close(self):
        for proc in reversed(self.procs):
            if proc.poll() is not None:
                continue
            try:
                if proc is self.moto:
                    proc.stdin.close()
                else:
                    proc.send_signal(signal.SIGTERM)
                proc.wait(15)
            except Exception:
                proc.kill()
                proc.wait()
        for handle in self.logs.values():
            handle.close()
        if POSTGRES:
            from django.db import connections

            connections.close_all()
            postgres("dropdb", "--if-exists", "--force", database_name(self.tmp))
        shutil.rmtree(self.tmp, ignore_errors=True)


# --database postgres://user@host:port: the servers on PostgreSQL, as in production (a database per process,
# copied from a prepared template database), instead of a SQLite file. Set in the environment for child processes.
POSTGRES = os.environ.get("BENCH_POSTGRES", "")
TEMPLATE_DB = "bench_upload_template"


def postgres(tool, *args):
    server = urlsplit(POSTGRES)
    subprocess.run([tool, "-h", server.hostname, "-p", str(server.port or 5432), "-U", server.username or "postgres",
                    *args], check=True, capture_output=True)


def database_name(folder):
    return TEMPLATE_DB if folder.name.startswith("bench-upload-db-") else f"bench_upload_{os.getpid()}"


def database_env(folder):
    return {
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": (f"{POSTGRES.rstrip('/')}/{database_name(folder)}" if POSTGRES
                         else f"sqlite:///{folder}/bench.sqlite3"),
        "DJANGO_MEDIA_ROOT": str(folder / "media"),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
    }


def prepare_database(folder, migrate=True):
    """Set Django up on ``folder``'s database; with ``migrate``, create it: content plus the open demo call."""
    import django

    (folder / "media").mkdir(exist_ok=True)
    django.setup()
    from django.conf import settings

    # portal.settings.test pins MEDIA_ROOT inside the project (var/test-media) unless told: keep the seeded annex
    # documents in the temp dir. Nothing has touched the default storage yet.
    settings.MEDIA_ROOT = str(folder / "media")
    if not migrate:
        return
    from django.core.management import call_command
    from django.utils import timezone

    from notices.seed import Loader, read_content

    call_command("migrate", verbosity=0)
    loader = Loader(read_content(), log=lambda *a: None)
    loader.run()
    loader.load_demo(timezone.now())


def run_prepare(folder):
    folder = Path(folder)
    if POSTGRES:
        postgres("dropdb", "--if-exists", "--force", TEMPLATE_DB)
        postgres("createdb", TEMPLATE_DB)
    os.environ.update(database_env(folder))
    prepare_database(folder)


# --- checks on the bucket -----------------------------------------------------------------------------------


def object_sha256(s3, key):
    body = s3.get_object(Bucket=BUCKET, Key=key)["Body"]
    digest = hashlib.sha256()
    for chunk in iter(lambda: body.read(MB), b""):
        digest.update(chunk)
    return digest.hexdigest()


def check_application(s3, reference, fixtures):
    """The application's files: exactly the three, each object in the bucket with the size and sha256 of its
    file on disk (and recorded so), nothing else in the bucket, no multipart upload left open. The objects are
    then deleted (moto keeps everything in memory). Returns a list of problems (empty: OK)."""
    from applications.models import ApplicationFile

    expected = {name: (path.stat().st_size, digest) for (_, name), (path, digest) in zip(FILE_FIELDS, fixtures,
                                                                                         strict=True)}
    rows = list(ApplicationFile.objects.filter(application__reference=reference))
    problems = []
    if sorted(r.original_name for r in rows) != sorted(expected):
        problems.append(f"files {sorted(r.original_name for r in rows)}")
    for row in rows:
        size, digest = expected.get(row.original_name, (None, None))
        try:
            found = object_sha256(s3, row.key)
        except s3.exceptions.ClientError as error:
            problems.append(f"{row.original_name}: {error}")
            continue
        if found != digest:
            problems.append(f"{row.original_name}: sha256 in bucket {found[:12]} != on disk {str(digest)[:12]}")
        if row.sha256 != digest or row.size != size:
            problems.append(f"{row.original_name}: recorded sha256/size differ from the file on disk")
    in_bucket = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
    if in_bucket != {r.key for r in rows}:
        problems.append(f"bucket holds {len(in_bucket)} objects, the application {len(rows)}")
    open_uploads = s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])
    if open_uploads:
        problems.append(f"{len(open_uploads)} multipart uploads left open")
    for key in in_bucket:
        s3.delete_object(Bucket=BUCKET, Key=key)
    return problems


def request_kind(record):
    path, method = record["path"], record["method"]
    if path == PAGE:
        return f"form {method}"
    for kind, pattern in (("begin", r"/apply/\d+/uploads/$"), ("part URL", r"/parts/\d+/$"),
                          ("finish", r"/finish/$"), ("poll", r"/apply/uploads/[^/]+/$")):
        if re.search(pattern, path):
            return kind
    return f"{method} {path}"


def requests_by_kind(records):
    """{kind: [requests, worker CPU seconds, worker seconds]} of the gunicorn hook records."""
    kinds = {}
    for record in records:
        if record.get("event") == "request":
            row = kinds.setdefault(request_kind(record), [0, 0.0, 0.0])
            row[0] += 1
            row[1] += record.get("cpu_s", 0.0)
            row[2] += record["server_s"]
    return kinds


def task_times(upload_ids, since):
    """(when the last whole-file check finished, in time.time() seconds; the checks' waits in the queue; their
    run times) for the uploads with these public ids, from django-tasks-db's rows."""
    from django_tasks_db.models import DBTaskResult

    from applications.models import Upload

    pks = set(Upload.objects.filter(public_id__in=upload_ids).values_list("pk", flat=True))
    rows = [
        r for r in DBTaskResult.objects.filter(enqueued_at__gte=datetime.fromtimestamp(since - 1, tz=UTC))
        if r.task_path.endswith(".verify") and (r.args_kwargs.get("args") or [None])[0] in pks
    ]
    if len(rows) != len(upload_ids) or any(r.finished_at is None for r in rows):
        return None
    return (
        max(r.finished_at.timestamp() for r in rows),
        [(r.started_at - r.enqueued_at).total_seconds() for r in rows],
        [(r.finished_at - r.started_at).total_seconds() for r in rows],
    )


# --- 1, 3, 4: one size, gunicorn + db_worker ----------------------------------------------------------------


def measure(size_mb, rounds=ROUNDS, template=None, worker_interval=WORKER_INTERVAL_S):
    stack = Stack(template, tasks="database")
    tmp, s3 = stack.tmp, stack.s3
    try:
        fixtures = write_pdfs(tmp, "file", size_mb)
        warmups = write_pdfs(tmp, "warmup", WARMUP_MB)

        # The app under gunicorn, one sync worker; the whole-file checks in a db_worker beside it.
        conf = tmp / "gunicorn_conf.py"
        conf.write_text(GUNICORN_CONF)
        hooks = HookLog(tmp / "hooks.jsonl")
        app_port = free_port()
        stack.start("gunicorn", [
            PYTHON, "-m", "gunicorn", "-c", str(conf), "-w", "1", "--timeout", "600",
            "--bind", f"127.0.0.1:{app_port}", "portal.wsgi:application",
        ], env=stack.server_env(**SERVER_ALLOCATOR_ENV, BENCH_HOOK_OUT=str(hooks.path)))
        worker_pid = hooks.wait(lambda r: r["event"] == "ready", 90, "the gunicorn worker")["pid"]

        serial = itertools.count(1)
        # CPU seconds per process, to see where each path's work goes (2 cores are shared by all of them).
        cpu_pids = {"client": None, "worker": worker_pid, "moto": stack.moto.pid}

        def project():
            return f"{FIELDS['project']}{next(serial)}"  # one school, one application per project

        # ---- 4. the no-JavaScript path: one multipart POST with the files, relayed to the bucket by the worker
        def relayed(files, extra_headers=None):
            browser = Browser("127.0.0.1", app_port)
            form = browser.open_form()
            fields = {**FIELDS, "project": project(), "csrfmiddlewaretoken": form.csrf,
                      "submission_token": form.token, "action": "submit"}
            boundary = uuid.uuid4().hex
            body = tmp / "body.bin"
            parts = [(field, path, name) for (field, name), (path, _) in zip(FILE_FIELDS, files, strict=True)]
            body_bytes = write_body(body, fields, parts, boundary)
            requests_before = len([r for r in hooks.records() if r["event"] == "request"])
            before = proc_status(worker_pid)
            cpu_before = cpu_snapshot(cpu_pids)
            status, headers, data, elapsed = browser.post_file(
                PAGE, body, f"multipart/form-data; boundary={boundary}", extra_headers
            )
            hook = hooks.wait(
                lambda r, n=requests_before: r["event"] == "request" and r["method"] == "POST"
                and len([x for x in hooks.records() if x["event"] == "request"]) > n,
                30, "the POST's hook record",
            )
            after = proc_status(worker_pid)
            cpu = cpu_spent(cpu_before, cpu_snapshot(cpu_pids))
            body.unlink()
            reference = receipt_reference(status, headers, data)
            return {
                "reference": reference, "elapsed": elapsed, "body_bytes": body_bytes, "hook": hook,
                "before": before, "after": after, "cpu": cpu, "problems": check_application(s3, reference, files),
            }

        def boto3_default():
            """Baseline of the no-JavaScript path: upload_fileobj with boto3's defaults, one file after another."""
            started = time.perf_counter()
            for i, (path, _) in enumerate(fixtures):
                with open(path, "rb") as f:
                    s3.upload_fileobj(f, BUCKET, f"baseline/{i}.pdf")
            return time.perf_counter() - started, baseline_ok()

        def boto3_parts():
            """Baseline of the direct path: upload_file with the portal's part size, one file after another
            (boto3 sends each file's parts in parallel, 10 threads)."""
            from boto3.s3.transfer import TransferConfig

            config = TransferConfig(multipart_threshold=PART_MB * MB, multipart_chunksize=PART_MB * MB)
            started = time.perf_counter()
            for i, (path, _) in enumerate(fixtures):
                s3.upload_file(str(path), BUCKET, f"baseline/{i}.pdf", Config=config)
            return time.perf_counter() - started, baseline_ok()

        def baseline_ok():
            ok = all(
                object_sha256(s3, f"baseline/{i}.pdf") == digest for i, (_, digest) in enumerate(fixtures)
            )
            for i in range(len(fixtures)):
                s3.delete_object(Bucket=BUCKET, Key=f"baseline/{i}.pdf")
            return ok

        log(f"{size_mb} MB: no-JavaScript path ({rounds} rounds)")
        warm = relayed(warmups)  # loads the views, templates, boto3 and the S3 connection in the worker
        relay_runs, default_times, baselines_ok = [], [], True
        for _ in range(rounds):
            elapsed, ok = boto3_default()
            default_times.append(elapsed)
            baselines_ok = baselines_ok and ok
            relay_runs.append(relayed(fixtures))
        # The same again with tracemalloc on in the worker for that request only (slower; not timed).
        traced = relayed(fixtures, {"X-Bench-Trace": "1"})
        if os.environ.get("BENCH_PROFILE"):  # a path: one more POST under cProfile, stats written there
            relayed(fixtures, {"X-Bench-Profile": "1"})
            shutil.copy(str(hooks.path) + ".prof", os.environ["BENCH_PROFILE"])
        temp_files_left = len(list((tmp / "uploads").iterdir()))

        # ---- 1 and 3. the direct path: the script's protocol, then the text-only submission. The db_worker starts
        # only now: the no-JavaScript path is measured as before, without it.
        db_worker = stack.start("db_worker", [
            PYTHON, "manage.py", "db_worker", "--backend", "worker", "--no-startup-delay", "--no-reload", "--interval",
            str(worker_interval),
        ], env=stack.server_env())
        cpu_pids["db_worker"] = db_worker.pid
        # The school's three files finish at the same time: give them the workers a server has (production runs
        # GUNICORN_WORKERS per instance), not the single worker whose memory the no-JavaScript path is measured
        # on. The worker CPU below is the sum over all of them.
        direct_port = free_port()
        stack.start("gunicorn-direct", [
            PYTHON, "-m", "gunicorn", "-c", str(conf), "-w", str(DIRECT_WORKERS), "--timeout", "600",
            "--bind", f"127.0.0.1:{direct_port}", "portal.wsgi:application",
        ], env=stack.server_env(**SERVER_ALLOCATOR_ENV, BENCH_HOOK_OUT=str(hooks.path)))

        def direct_workers():
            return {x["pid"] for x in hooks.records() if x["event"] == "ready"} - {worker_pid}

        hooks.wait(lambda r: len(direct_workers()) >= DIRECT_WORKERS, 90, "the direct path's gunicorn workers")
        cpu_pids["worker"] = tuple(sorted(direct_workers()))

        def direct(files, together=True, script_pace=False):
            browser = Browser("127.0.0.1", direct_port)
            browser.open_form()  # not timed: the school has the page open
            first_request = hooks.count_after(lambda r: r.get("path") == PAGE and r["method"] == "GET")
            cpu_before = cpu_snapshot(cpu_pids)
            since, started = time.time(), time.perf_counter()
            uploads = upload_all(browser, files, together=together, script_pace=script_pace)
            done = time.perf_counter()
            cpu_uploads = cpu_spent(cpu_before, cpu_snapshot(cpu_pids))
            tasks = task_times([u["id"] for u in uploads], since)  # read between the two, outside both windows
            cpu_before_submit = cpu_snapshot(cpu_pids)
            reference, submit_s = browser.submit_text(project())
            records = hooks.records_until(first_request, lambda r: r.get("path") == PAGE and r["method"] == "POST")
            cpu_submit = cpu_spent(cpu_before_submit, cpu_snapshot(cpu_pids))
            run = {
                "total": done - started,
                "parts_sent": max(u["parts_sent"] for u in uploads) - started,
                "finished": max(u["finished"] for u in uploads) - started,
                # What uploads.js would show: it asks 0.4 s after finish returns, then 0.8, 1.5 and every 2 s.
                "script_seen": max(
                    script_sees(u["finished"], u["accepted"]) if u["checking"] else u["accepted"] for u in uploads
                ) - started,
                "submit_s": submit_s,
                "cpu": {name: cpu_uploads[name] + cpu_submit[name] for name in cpu_uploads},
                "cpu_submit": cpu_submit,
                "requests": requests_by_kind(records),
                "problems": check_application(s3, reference, files),
            }
            if tasks is not None:
                last, waits, runs = tasks
                run.update(exact=last - since, queue_wait=statistics.mean(waits), check_run=statistics.mean(runs))
            return run

        log(f"{size_mb} MB: direct path ({rounds} rounds x 2, {CPU_ROUNDS} at the script's pace)")
        hwm_before_direct = proc_status(cpu_pids["worker"][0])
        direct(warmups)  # loads the upload views, the presigning client, and the checks in the db_worker
        parts_times, together_runs, one_by_one_runs = [], [], []
        for _ in range(rounds):
            elapsed, ok = boto3_parts()
            parts_times.append(elapsed)
            baselines_ok = baselines_ok and ok
            together_runs.append(direct(fixtures, together=True))
            one_by_one_runs.append(direct(fixtures, together=False))
        paced_runs = [direct(fixtures, together=True, script_pace=True) for _ in range(CPU_ROUNDS)]
        hwm_after_direct = proc_status(cpu_pids["worker"][0])

        first, last = relay_runs[0], relay_runs[-1]
        best = min(relay_runs, key=lambda r: r["elapsed"])
        hook = best["hook"]
        direct_problems = [p for r in together_runs + one_by_one_runs + paced_runs for p in r["problems"]]
        result = {
            "size_mb": size_mb,
            "files": len(fixtures),
            "rounds": rounds,
            "submitted_mb": sum(path.stat().st_size for path, _ in fixtures) / MB,
            # 1. direct path
            "parts_baseline_samples": parts_times,
            "together": together_runs,
            "one_by_one": one_by_one_runs,
            "paced": paced_runs,
            "direct_problems": direct_problems,
            "direct_checks": len(together_runs + one_by_one_runs + paced_runs),
            "direct_hwm_growth_mb": (hwm_after_direct["VmHWM"] - hwm_before_direct["VmHWM"]) / 1024,
            # 4. no-JavaScript path
            "body_mb": best["body_bytes"] / MB,
            "view_s": best["elapsed"],
            "view_samples": [r["elapsed"] for r in relay_runs],
            "boto3_samples": default_times,
            "server_s": hook["server_s"],
            "storage_s": hook["storage_s"],
            "boto3_s": min(default_times),
            "ratio": best["elapsed"] / min(default_times),
            "median_ratio": statistics.median(r["elapsed"] for r in relay_runs) / statistics.median(default_times),
            "relay_cpu": [r["cpu"] for r in relay_runs],
            "relay_problems": [p for r in relay_runs + [traced] for p in r["problems"]],
            "baselines_ok": baselines_ok,
            # Peak growth over all the timed submissions: before the first, after the last.
            "hwm_before_mb": first["before"]["VmHWM"] / 1024,
            "hwm_after_mb": last["after"]["VmHWM"] / 1024,
            "hwm_growth_mb": (last["after"]["VmHWM"] - first["before"]["VmHWM"]) / 1024,
            "first_hwm_growth_mb": (first["after"]["VmHWM"] - first["before"]["VmHWM"]) / 1024,
            "rss_before_mb": first["before"]["VmRSS"] / 1024,
            "rss_after_mb": last["after"]["VmRSS"] / 1024,
            "maxrss_growth_mb": (last["hook"]["maxrss_kb_after"] - first["hook"]["maxrss_kb_before"]) / 1024,
            "warmup_hwm_growth_mb": (warm["after"]["VmHWM"] - warm["before"]["VmHWM"]) / 1024,
            "trace_peak_mb": traced["hook"].get("trace_peak", 0) / MB,
            "trace_retained_mb": traced["hook"].get("trace_current", 0) / MB,
            "traced_view_s": traced["elapsed"],
            "temp_files_left": temp_files_left,
            "view_cpu": best["cpu"],
        }
        print(json.dumps(result), flush=True)
        return result
    except Exception:
        stack.tails()
        raise
    finally:
        stack.close()


# --- 2. the final submission on the dev server --------------------------------------------------------------


def measure_latency(submissions=SUBMISSIONS, template=None):
    stack = Stack(template, tasks="immediate")
    try:
        files = write_pdfs(stack.tmp, "small", WARMUP_MB)
        port = free_port()
        server = stack.start("runserver", [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
                             env=stack.server_env())
        wait_for_page(Browser("127.0.0.1", port), server)
        times, receipts, server_cpu, problems = [], [], [], []
        for i in range(LATENCY_WARMUP + submissions):
            browser = Browser("127.0.0.1", port)  # a school's fresh browser: a new session, a new form token
            browser.open_form()
            upload_all(browser, files, together=False)  # with immediate tasks, accepted when finish answers
            cpu_before = cpu_seconds(server.pid)
            reference, elapsed = browser.submit_text(f"{FIELDS['project']}-{i}")
            cpu = cpu_seconds(server.pid) - cpu_before
            started = time.perf_counter()
            status, _, _ = browser.get(f"/apply/receipt/{reference}/")
            if status != 200:
                raise ProtocolError(f"receipt -> {status}")
            receipt_s = time.perf_counter() - started
            problems.extend(check_application(stack.s3, reference, files))
            if i >= LATENCY_WARMUP:
                times.append(elapsed)
                receipts.append(receipt_s)
                server_cpu.append(cpu)
        result = {"times": times, "receipts": receipts, "server_cpu": server_cpu, "problems": problems}
        print(json.dumps(result), flush=True)
        return result
    except Exception:
        stack.tails()
        raise
    finally:
        stack.close()


# --- the report ---------------------------------------------------------------------------------------------


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def verdict(ok):
    return "meets" if ok else "MISSES"


def run_child(args, timeout):
    proc = subprocess.run([PYTHON, SCRIPT, *args], cwd=ROOT, stdout=subprocess.PIPE, text=True, timeout=timeout)
    if proc.returncode != 0:
        print(f"{' '.join(args)}: measurement failed (exit {proc.returncode}); see stderr above")
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main_report(sizes, rounds=ROUNDS, submissions=SUBMISSIONS, latency=True, worker_interval=WORKER_INTERVAL_S):
    started = time.perf_counter()
    template = Path(tempfile.mkdtemp(prefix="bench-upload-db-"))
    try:
        log("preparing the database (migrate, content, demo call) ...")
        subprocess.run([PYTHON, SCRIPT, "--prepare", str(template)], cwd=ROOT, check=True, timeout=300)
        results = []
        for size in sizes:
            log(f"measuring 3 x {size} MB in a fresh process ...")
            result = run_child(["--size", str(size), "--rounds", str(rounds), "--template", str(template),
                                "--worker-interval", str(worker_interval)], 1200)
            if result:
                results.append(result)
        lat = None
        if latency:
            log(f"measuring {submissions} final submissions on the dev server ...")
            lat = run_child(["--latency", "--submissions", str(submissions), "--template", str(template)], 900)
    finally:
        shutil.rmtree(template, ignore_errors=True)
        if POSTGRES:
            postgres("dropdb", "--if-exists", "--force", TEMPLATE_DB)

    print()
    print("Upload benchmark: gunicorn (1 sync worker, portal.settings.test, allocator settings of `make serve`:")
    print(f"{SERVER_ALLOCATOR_ENV}), S3 = moto server in its own process, PORTAL_TASKS=database with a db_worker")
    default = ", its default" if worker_interval == WORKER_INTERVAL_S else f"; the default is {WORKER_INTERVAL_S:g}"
    print(f"(--interval {worker_interval:g}{default}). 3 files per submission (work_plan + 2 evidence), real PDFs.")
    print(f"Database: {'PostgreSQL (' + POSTGRES + ')' if POSTGRES else 'SQLite files'}.")
    print(f"Times are the best of {rounds} interleaved rounds (medians in brackets). Indicative on a busy machine.")
    report_direct(results)
    report_latency(lat, submissions)
    report_cpu(results)
    report_relayed(results, rounds)
    print()
    print(f"total wall time {time.perf_counter() - started:.0f}s")


def best_and_median(runs, key):
    values = [r[key] for r in runs if key in r]
    return (min(values), statistics.median(values)) if values else (float("nan"), float("nan"))


def report_direct(results):
    print()
    print("== 1. Direct path, the school's time: begin, sign + PUT each part, finish, until accepted (3 files) ==")
    print(f"baseline = boto3 upload_file of the same files to the same moto, one after another, {PART_MB} MB parts")
    print("(TransferConfig; boto3 sends a file's parts 10 at a time). direct = the script's protocol: parts one after")
    print("another within a file, the 3 files at the same time ('together', as the script uploads a selection) or")
    print("one after another ('one by one': the next begins once the previous one's finish has answered, its check")
    print("going on meanwhile). Polls every 50 ms; 'exact' = when the last check task finished (its database row).")
    print()
    print(f"{'file':>5} {'variant':<10} {'baseline':>9} {'direct':>14} {'ratio':>6} {'of med':>6} {'exact':>6} "
          f"{'parts':>6} {'finish':>6} {'queue':>6} {'check':>6} {'script':>7} {'submit':>7}")
    print(f"{'MB':>5} {'':<10} {'s':>9} {'s':>14} {'':>6} {'':>6} {'s':>6} "
          f"{'sent s':>6} {'s':>6} {'wait s':>6} {'s':>6} {'sees s':>7} {'ms':>7}")
    for r in results:
        base_best, base_median = min(r["parts_baseline_samples"]), statistics.median(r["parts_baseline_samples"])
        for label, runs in (("together", r["together"]), ("one by one", r["one_by_one"])):
            best, median = best_and_median(runs, "total")
            exact, _ = best_and_median(runs, "exact")
            cells = [best_and_median(runs, key)[1] for key in ("parts_sent", "finished", "queue_wait", "check_run")]
            script, _ = best_and_median(runs, "script_seen")
            submit = statistics.median(x["submit_s"] for x in runs) * 1000
            print(
                f"{r['size_mb']:>5} {label:<10} {base_best:>4.2f}({base_median:.2f}) {best:>7.2f}({median:>5.2f}) "
                f"{best / base_best:>6.2f} {median / base_median:>6.2f} {exact:>6.2f} "
                + " ".join(f"{c:>6.2f}" for c in cells)
                + f" {script:>7.2f} {submit:>7.0f}"
            )
    print("ratio = best direct / best baseline; 'of med' = the same of medians. Medians of the rounds: parts sent =")
    print("until the last part's PUT was answered; finish = until the last finish answered; queue wait / check = the")
    print("tasks' wait in the db_worker's queue and their run, assembling the parts included (means); script sees =")
    print("when uploads.js would first show all 3 accepted (0.4, 0.8, 1.5, then every 2 s after finish); submit = the")
    print("final text-only POST (gunicorn).")
    print()
    print(f"target: ratio <= {TARGET_DIRECT_RATIO} (the 'together' variant), the school's time being until its files")
    print("are in the bucket (the last finish answered: the portal has seen every part there; from then on the form")
    print("can be submitted, and assembling and checking the files, left to the task worker, are done by the")
    print("submission if it comes first). Until the worker has assembled and accepted them is printed beside it.")
    for r in results:
        base = min(r["parts_baseline_samples"])
        best, _ = best_and_median(r["together"], "total")
        exact, _ = best_and_median(r["together"], "exact")
        parts, _ = best_and_median(r["together"], "parts_sent")
        stored, _ = best_and_median(r["together"], "finished")
        print(f"  {r['size_mb']:>3} MB: ratio until stored {stored / base:.2f} {verdict(stored / base <= TARGET_DIRECT_RATIO)}"
              f"; until the parts were sent {parts / base:.2f}; until accepted (polled) {best / base:.2f}, "
              f"exact {exact / base:.2f}")
    for r in results:
        state = "OK" if not r["direct_problems"] else "MISMATCH: " + "; ".join(r["direct_problems"][:5])
        print(f"  {r['size_mb']:>3} MB: sha256 of the application's objects in the bucket vs the files on disk, "
              f"{r['direct_checks']} direct-path submissions: {state}; boto3 baselines "
              f"{'OK' if r['baselines_ok'] else 'MISMATCH'}")


def report_latency(lat, submissions):
    print()
    print("== 2. Final submission latency, 3 files already uploaded and accepted (dev server) ==")
    if lat is None:
        print("  not measured")
        return
    ms = [t * 1000 for t in lat["times"]]
    p50, p90 = statistics.median(ms), percentile(ms, 0.9)
    print("manage.py runserver --noreload (portal.settings.test, immediate tasks, S3 = moto); the POST of the text")
    print(f"fields until its 302, each on a fresh form with its own 3 x {WARMUP_MB} MB uploads "
          f"({LATENCY_WARMUP} untimed first).")
    print(f"  n={len(ms)}  p50 {p50:.0f} ms  p90 {p90:.0f} ms  min {min(ms):.0f}  max {max(ms):.0f} ms; "
          f"server CPU per POST (median) {statistics.median(lat['server_cpu']) * 1000:.0f} ms; "
          f"the receipt GET after it p50 {statistics.median(lat['receipts']) * 1000:.0f} ms")
    print(f"  target: p50 <= {TARGET_P50_MS} ms: {verdict(p50 <= TARGET_P50_MS)}; sha256 of the objects vs disk: "
          + ("OK" if not lat["problems"] else "MISMATCH: " + "; ".join(lat["problems"][:5])))


def report_cpu(results):
    print()
    print("== 3. Application-server CPU seconds per submitted MB (gunicorn worker, /proc) ==")
    print("direct = every portal request of the script's protocol for the 3 files (begin, part URLs, finish, polls at")
    print("the script's 2 s pace) plus the final submission; the whole-file checks run in the db_worker, printed")
    print(f"apart. no-JS = the multipart POST of the same files. The lower of {CPU_ROUNDS} rounds (direct), of all the")
    print("timed rounds (no-JS).")
    print()
    print(f"{'file':>5} {'sub MB':>7} {'no-JS s':>8} {'ms/MB':>6} {'direct s':>9} {'ms/MB':>6} {'ratio':>7} "
          f"{'submit s':>9} {'db_worker s':>12} {'moto s':>8}")
    for r in results:
        mb = r["submitted_mb"]
        relay = min(c["worker"] for c in r["relay_cpu"])
        paced = min(r["paced"], key=lambda x: x["cpu"]["worker"])
        direct = paced["cpu"]["worker"]
        print(f"{r['size_mb']:>5} {mb:>7.0f} {relay:>8.3f} {relay / mb * 1000:>6.2f} {direct:>9.3f} "
              f"{direct / mb * 1000:>6.2f} {direct / relay:>6.1%} {paced['cpu_submit']['worker']:>9.3f} "
              f"{paced['cpu']['db_worker']:>12.3f} {paced['cpu']['moto']:>8.2f}")
    print("submit = the final submission's share of 'direct'; db_worker = the check tasks' process over the same")
    print("window (not the application server), its polling for tasks while idle included.")
    print("where the direct path's worker CPU goes (requests x mean worker CPU ms / mean worker ms, from the hooks):")
    for r in results:
        paced = min(r["paced"], key=lambda x: x["cpu"]["worker"])
        kinds = paced["requests"].items()
        print(f"  {r['size_mb']:>3} MB: " + "; ".join(
            f"{kind} {n} x {cpu / n * 1000:.1f}/{wall / n * 1000:.1f}" for kind, (n, cpu, wall) in kinds
        ))
    print(f"target: direct/no-JS <= {TARGET_CPU_SHARE:.0%}, per submitted MB")
    for r in results:
        relay = min(c["worker"] for c in r["relay_cpu"])
        direct = min(x["cpu"]["worker"] for x in r["paced"])
        print(f"  {r['size_mb']:>3} MB, whole application: {direct / relay:.1%} "
              f"{verdict(direct / relay <= TARGET_CPU_SHARE)}; the worker's VmHWM grew "
              f"{r['direct_hwm_growth_mb']:.1f} MB over all the direct-path rounds")
    if len(results) > 1:
        # The whole-application figure includes what a submission costs whatever its size (the requests of the
        # protocol, the final POST); the cost of each further MB is what says whether the server handles bytes.
        small, large = results[0], results[-1]
        added = large["submitted_mb"] - small["submitted_mb"]

        def slope(pick):
            return (pick(large) - pick(small)) / added

        relay = slope(lambda r: min(c["worker"] for c in r["relay_cpu"]))
        # The direct path's from the request hooks (the worker's process_time, in ns): /proc counts in 10 ms
        # ticks, as coarse as the whole difference between the sizes there.
        direct = slope(lambda r: min(sum(cpu for _, cpu, _ in x["requests"].values()) for x in r["paced"]))
        print(f"  each further MB ({small['submitted_mb']:.0f} -> {large['submitted_mb']:.0f} MB submitted): "
              f"no-JS {relay * 1000:.2f} ms/MB, direct {direct * 1000:.3f} ms/MB: {direct / relay:.1%} "
              f"{verdict(direct / relay <= TARGET_CPU_SHARE)}")


def report_relayed(results, rounds):
    print()
    print("== 4. No-JavaScript path: one multipart POST with the 3 files, relayed to the bucket by the worker ==")
    print("baseline = boto3 upload_fileobj of the same files with its defaults, one after another.")
    print()
    header = (
        f"{'file':>5} {'body':>6} {'view':>6} {'server':>6} {'in S3':>6} {'boto3':>6} {'ratio':>6} {'of med':>6} "
        f"{'HWM+1st':>7} {'HWM+all':>7} {'tm peak':>7} {'RSS aft':>7} {'objects':>8} {'tmp':>4}"
    )
    units = (
        f"{'MB':>5} {'MB':>6} {'s':>6} {'s':>6} {'s':>6} {'s':>6} {'':>6} {'':>6} "
        f"{'MB':>7} {'MB':>7} {'MB':>7} {'MB':>7} {'sha256':>8} {'left':>4}"
    )
    print(header)
    print(units)
    for r in results:
        objects = "OK" if not r["relay_problems"] and r["baselines_ok"] else "MISMATCH"
        print(
            f"{r['size_mb']:>5} {r['body_mb']:>6.1f} {r['view_s']:>6.2f} {r['server_s']:>6.2f} {r['storage_s']:>6.2f} "
            f"{r['boto3_s']:>6.2f} {r['ratio']:>6.2f} {r['median_ratio']:>6.2f} {r['first_hwm_growth_mb']:>7.1f} "
            f"{r['hwm_growth_mb']:>7.1f} {r['trace_peak_mb']:>7.1f} {r['rss_after_mb']:>7.1f} {objects:>8} "
            f"{r['temp_files_left']:>4}"
        )
    print("view    = client wall time of the POST (send body, server parses/validates/stores, 302 back)")
    print("server  = worker time for the request (gunicorn pre_request -> post_request hooks)")
    print("in S3   = time inside S3Storage.save() (exists check + upload_fileobj), summed over the 3 files; the files")
    print("          are received to temporary files and validated first, then stored: this is part of 'server'")
    print("HWM+1st = growth of the worker's VmHWM (/proc/<pid>/status) across the first timed POST (after a 3 x 1 MB")
    print("          warm-up POST); HWM+all = the same from before the first to after the last timed POST")
    print("tm peak = tracemalloc peak inside the worker during an identical extra POST (tracing only that request)")
    print("tmp left= Django temporary upload files still on disk after the requests")
    for r in results:
        cpu = ", ".join(f"{name} {seconds:.2f}" for name, seconds in r["view_cpu"].items())
        print(
            f"  {r['size_mb']} MB: worker VmHWM {r['hwm_before_mb']:.1f} -> {r['hwm_after_mb']:.1f} MB, VmRSS "
            f"{r['rss_before_mb']:.1f} -> {r['rss_after_mb']:.1f} MB; warm-up POST grew VmHWM by "
            f"{r['warmup_hwm_growth_mb']:.1f} MB; ru_maxrss grew {r['maxrss_growth_mb']:.1f} MB; tracemalloc retained "
            f"{r['trace_retained_mb']:.1f} MB; traced POST {r['traced_view_s']:.2f}s\n"
            f"        CPU seconds of the best POST: {cpu}\n"
            f"        view samples {', '.join(f'{t:.2f}' for t in r['view_samples'])}s; boto3 samples "
            f"{', '.join(f'{t:.2f}' for t in r['boto3_samples'])}s"
        )
    print()
    print(f"targets: ratio view/boto3 <= {TARGET_RELAY_RATIO}; worker memory growth <= {TARGET_GROWTH_MB} MB and flat "
          "in file size")
    for r in results:
        print(
            f"  {r['size_mb']:>3} MB: ratio {r['ratio']:.2f} {verdict(r['ratio'] <= TARGET_RELAY_RATIO)} (of medians "
            f"{r['median_ratio']:.2f}); VmHWM growth over one POST {r['first_hwm_growth_mb']:.1f} MB "
            f"{verdict(r['first_hwm_growth_mb'] <= TARGET_GROWTH_MB)} (over {rounds} POSTs {r['hwm_growth_mb']:.1f} MB)"
        )
    if len(results) >= 2:
        a, b = results[0], results[-1]
        print(
            f"  growth vs size (one POST): {a['size_mb']} MB -> {a['first_hwm_growth_mb']:.1f} MB, "
            f"{b['size_mb']} MB -> {b['first_hwm_growth_mb']:.1f} MB (tracemalloc {a['trace_peak_mb']:.1f} -> "
            f"{b['trace_peak_mb']:.1f} MB)"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, help="measure 1, 3 and 4 with files of SIZE MB only; print JSON")
    parser.add_argument("--latency", action="store_true", help="measure 2 (final submission latency) only; print JSON")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="file sizes (MB) to run")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="timed rounds per size and path (best reported)")
    parser.add_argument("--submissions", type=int, default=SUBMISSIONS, help="timed final submissions (part 2)")
    parser.add_argument("--no-latency", action="store_true", help="skip part 2")
    parser.add_argument("--worker-interval", type=float, default=WORKER_INTERVAL_S,
                        help="the db_worker's --interval, seconds (default: %(default)s, db_worker's own default)")
    parser.add_argument("--database", help="postgres://user@host:port: the servers on PostgreSQL (a database per "
                        "process, copied from a template) instead of SQLite files")
    parser.add_argument("--template", help=argparse.SUPPRESS)  # a prepared database to copy
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    parser.add_argument("--moto", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.database:
        os.environ["BENCH_POSTGRES"] = args.database  # for the child processes too
        global POSTGRES
        POSTGRES = args.database
    if args.moto:
        run_moto()
    elif args.prepare:
        run_prepare(args.prepare)
    elif args.size:
        measure(args.size, args.rounds, args.template, args.worker_interval)
    elif args.latency:
        measure_latency(args.submissions, args.template)
    else:
        main_report(args.sizes, args.rounds, args.submissions, not args.no_latency, args.worker_interval)


if __name__ == "__main__":
    main()
