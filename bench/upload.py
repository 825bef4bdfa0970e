"""Benchmark of the application upload path: a real multipart POST through gunicorn into S3 (moto).

    .venv/bin/python bench/upload.py                 # sizes 20 and 60 MB per file, one fresh process each
    .venv/bin/python bench/upload.py --sizes 5 20    # other sizes
    .venv/bin/python bench/upload.py --size 20       # one measurement, prints JSON (used by the above)

Prints figures only; nothing is asserted. For each size, a fresh process:

- starts moto's standalone S3 server (in its own process, so it competes equally with both paths), creates
  a bucket, migrates a throwaway SQLite database and loads the content plus the open demo call;
- starts the app under gunicorn (one sync worker, portal.settings.test, S3 storage pointed at moto), with the
  allocator settings of `make serve`;
- writes three N MB PDFs to disk, then posts the application form (work_plan + 2 evidence files) over real
  HTTP, streaming a multipart body from a file on disk, so the client never holds a file in memory;
- measures the worker process: VmHWM/VmRSS from /proc before and after the POST (the honest peak-memory
  figure), and, in a second identical POST, the tracemalloc peak inside the worker during that request;
- checks that the three objects landed in the bucket with the right sizes and hashes, and nothing else;
- records the CPU seconds of the client, the worker and moto for each path (2 cores are shared by all);
- uploads the same three files directly with boto3 ``upload_fileobj`` as the baseline.
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
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.sample_pdf, and the project itself
PYTHON = sys.executable
MB = 1024 * 1024
PAGE = "/notices/demo-2019-pilot-projects/demo-apply/"
BUCKET = "bench-applications"
DEFAULT_SIZES = (20, 60)
WARMUP_MB = 1
TARGET_RATIO = 1.5
ROUNDS = 5  # default timed rounds per size (direct + view each); the best of each is reported
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

# Hooks for the gunicorn worker (bench instrumentation only; the app is not modified): the worker's pid,
# per-request server time, time spent in the S3 storage's save(), ru_maxrss around the request, and the
# tracemalloc peak for requests that carry the X-Bench-Trace header.
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
    _state.update(t0=time.perf_counter(), storage_s=0.0, trace=trace,
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


# --- a tiny cookie-keeping HTTP client ----------------------------------------------------------------------


class Browser:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.cookies = {}

    def _remember(self, response):
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    def _headers(self, extra=None):
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def get(self, path):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            conn.request("GET", path, headers=self._headers())
            response = conn.getresponse()
            body = response.read()
            self._remember(response)
            return response.status, response.headers, body
        finally:
            conn.close()

    def post_file(self, path, body_path, content_type, extra_headers=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=600, blocksize=MB)
        headers = self._headers(extra_headers)
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


def form_tokens(html):
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    token = re.search(r'name="submission_token" value="([^"]+)"', html)
    if not (csrf and token):
        raise RuntimeError("form page has no csrf/submission_token inputs: is the demo call open?")
    return csrf.group(1), token.group(1)


def cpu_seconds(pid=None):
    """User + system CPU time of a process (this one if None), from /proc."""
    if pid is None:
        usage = os.times()
        return usage.user + usage.system
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(pids):
    return {name: cpu_seconds(pid) for name, pid in pids.items()}


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

    def wait(self, predicate, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [r for r in self.records() if predicate(r)]
            if found:
                return found[-1]
            time.sleep(0.05)
        raise RuntimeError(f"timed out waiting for {what}")


# --- one measurement ----------------------------------------------------------------------------------------


def measure(size_mb, rounds=ROUNDS):
    tmp = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    moto = gunicorn = None
    moto_log = gunicorn_log = None
    try:
        os.environ["AWS_ACCESS_KEY_ID"] = "testing"
        os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
        moto_log = open(tmp / "moto.log", "w")
        moto = subprocess.Popen(
            [PYTHON, str(Path(__file__).resolve()), "--moto"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=moto_log, text=True, cwd=ROOT,
        )
        host, port = moto.stdout.readline().split()
        endpoint = f"http://{host}:{port}"

        import boto3

        s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=endpoint)
        s3.create_bucket(Bucket=BUCKET)

        (tmp / "media").mkdir()
        (tmp / "uploads").mkdir()
        app_env = {
            "DJANGO_SETTINGS_MODULE": "portal.settings.test",
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": endpoint,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "PORTAL_UPLOAD_MAX_FILE_MB": "100",
            "PORTAL_UPLOAD_MAX_TOTAL_MB": "400",
            "PORTAL_SUBMIT_RATE": "1000/h",
            "DJANGO_MEDIA_ROOT": str(tmp / "media"),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            # Django's temporary upload files go here, so that leftovers can be counted (and are removed).
            "FILE_UPLOAD_TEMP_DIR": str(tmp / "uploads"),
        }
        os.environ.update(app_env)
        sys.path.insert(0, str(ROOT))

        import django

        django.setup()
        from django.conf import settings

        # portal.settings.test pins MEDIA_ROOT inside the project (var/test-media); keep the seeded annex
        # documents in the temp dir instead. Nothing has touched the default storage yet.
        settings.MEDIA_ROOT = str(tmp / "media")

        from django.core.management import call_command
        from django.utils import timezone

        from notices.seed import Loader, read_content

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        loader = Loader(read_content(), log=lambda *a: None)
        loader.run()
        loader.load_demo(timezone.now())
        log(f"{size_mb} MB: database ready in {time.perf_counter() - started:.1f}s")

        # Fixtures on disk: three N MB PDFs for the measurement, three small ones for the warm-up.
        fixtures, hashes = [], {}
        for i in range(3):
            path = tmp / f"file{i}-{size_mb}mb.pdf"
            hashes[path.name] = write_pdf(path, size_mb * MB)
            fixtures.append(path)
        warmups = []
        for i in range(3):
            path = tmp / f"warmup{i}.pdf"
            write_pdf(path, WARMUP_MB * MB)
            warmups.append(path)

        # The app under gunicorn, one sync worker.
        conf = tmp / "gunicorn_conf.py"
        conf.write_text(GUNICORN_CONF)
        hooks = HookLog(tmp / "hooks.jsonl")
        app_port = free_port()
        gunicorn_log = open(tmp / "gunicorn.log", "w")
        gunicorn = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "-c", str(conf), "-w", "1", "--timeout", "600",
             "--bind", f"127.0.0.1:{app_port}", "portal.wsgi:application"],
            cwd=ROOT, env={**os.environ, **app_env, **SERVER_ALLOCATOR_ENV, "BENCH_HOOK_OUT": str(hooks.path)},
            stdout=gunicorn_log, stderr=subprocess.STDOUT,
        )
        worker_pid = hooks.wait(lambda r: r["event"] == "ready", 90, "the gunicorn worker")["pid"]

        browser = Browser("127.0.0.1", app_port)
        serial = itertools.count(1)
        # CPU seconds per process, to see where each path's work goes (2 cores are shared by all three).
        cpu_pids = {"client": None, "worker": worker_pid, "moto": moto.pid}
        direct_cpu = []

        def submit(files, extra_headers=None):
            status, _, page = browser.get(PAGE)
            if status != 200:
                raise RuntimeError(f"GET {PAGE} -> {status}")
            csrf, token = form_tokens(page.decode())
            fields = {**FIELDS, "csrfmiddlewaretoken": csrf, "submission_token": token}
            fields["project"] = f"{FIELDS['project']}{next(serial)}"  # one school, one application per project
            boundary = uuid.uuid4().hex
            body = tmp / "body.bin"
            parts = [("work_plan", files[0], "工作方案.pdf")] + [
                ("evidence", f, f"佐证材料{i}.pdf") for i, f in enumerate(files[1:], 1)
            ]
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
            location = headers.get("Location", "")
            match = re.search(r"/apply/receipt/([^/]+)/$", location)
            if status != 302 or not match:
                errors = re.findall(r'class="[^"]*error[^"]*"[^>]*>(.*?)<', data.decode(errors="replace"))
                raise RuntimeError(f"POST -> {status} {location!r}; errors: {errors[:5]}")
            reference = match.group(1)
            status, _, _ = browser.get(location)
            if status != 200:
                raise RuntimeError(f"receipt {location} -> {status}")
            return {
                "reference": reference, "elapsed": elapsed, "body_bytes": body_bytes, "hook": hook,
                "before": before, "after": after, "cpu": cpu,
            }

        def objects_for(reference):
            from applications.models import ApplicationFile

            found = {}
            for row in ApplicationFile.objects.filter(application__reference=reference):
                try:
                    found[row.key] = s3.head_object(Bucket=BUCKET, Key=row.key)["ContentLength"]
                except s3.exceptions.ClientError:
                    pass
            return found

        def verify(reference, expected_size, expected_hashes=None):
            from applications.models import ApplicationFile

            objects = objects_for(reference)
            rows = list(ApplicationFile.objects.filter(application__reference=reference))
            in_bucket = {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}
            ok = (
                len(objects) == 3
                and in_bucket == set(objects)  # nothing else: no second copy, no leftover
                and all(size == expected_size for size in objects.values())
                and sorted(r.key for r in rows) == sorted(objects)
                and all(r.size == expected_size for r in rows)
            )
            if expected_hashes is not None:
                ok = ok and sorted(r.sha256 for r in rows) == sorted(expected_hashes)
            for key in objects:
                s3.delete_object(Bucket=BUCKET, Key=key)
            return ok, len(objects), sorted(set(objects.values()))

        # Warm-up: loads the views, templates, boto3 and the S3 connection in the worker.
        warm = submit(warmups)
        verify(warm["reference"], WARMUP_MB * MB)

        def direct():
            cpu_before = cpu_snapshot(cpu_pids)
            started = time.perf_counter()
            for i, path in enumerate(fixtures):
                with open(path, "rb") as f:
                    s3.upload_fileobj(f, BUCKET, f"direct/{i}.pdf")
            elapsed = time.perf_counter() - started
            direct_cpu.append(cpu_spent(cpu_before, cpu_snapshot(cpu_pids)))
            sizes = [s3.head_object(Bucket=BUCKET, Key=f"direct/{i}.pdf")["ContentLength"] for i in range(3)]
            for i in range(3):
                s3.delete_object(Bucket=BUCKET, Key=f"direct/{i}.pdf")
            return elapsed, all(size == size_mb * MB for size in sizes)

        # Timed rounds, interleaved: the baseline (the same three files straight to the bucket with boto3,
        # opened from disk), then the submission through the app. Timings are noisy (moto shares 2 cores).
        direct_times, view_runs, ok, direct_ok = [], [], True, True
        for _ in range(rounds):
            elapsed, sizes_ok = direct()
            direct_times.append(elapsed)
            direct_ok = direct_ok and sizes_ok
            run = submit(fixtures)
            run_ok, count, sizes = verify(run["reference"], size_mb * MB, list(hashes.values()))
            ok = ok and run_ok
            view_runs.append(run)
        direct_s = min(direct_times)
        first, last = view_runs[0], view_runs[-1]
        best = min(view_runs, key=lambda r: r["elapsed"])

        # The same again with tracemalloc on in the worker for that request only (slower; not timed).
        traced = submit(fixtures, {"X-Bench-Trace": "1"})
        traced_ok, _, _ = verify(traced["reference"], size_mb * MB, list(hashes.values()))

        if os.environ.get("BENCH_PROFILE"):  # a path: one more POST under cProfile, stats written there
            profiled = submit(fixtures, {"X-Bench-Profile": "1"})
            verify(profiled["reference"], size_mb * MB)
            shutil.copy(str(hooks.path) + ".prof", os.environ["BENCH_PROFILE"])

        leftovers = len(list((tmp / "uploads").iterdir()))
        hook = best["hook"]
        result = {
            "size_mb": size_mb,
            "files": 3,
            "body_mb": best["body_bytes"] / MB,
            "view_s": best["elapsed"],
            "view_samples": [r["elapsed"] for r in view_runs],
            "direct_samples": direct_times,
            "server_s": hook["server_s"],
            "storage_s": hook["storage_s"],
            "direct_s": direct_s,
            "ratio": best["elapsed"] / direct_s,
            "median_ratio": statistics.median(r["elapsed"] for r in view_runs) / statistics.median(direct_times),
            "direct_sizes_ok": direct_ok,
            "objects_ok": ok and traced_ok,
            "objects": count,
            "object_sizes": sizes,
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
            "temp_files_left": leftovers,
            "view_cpu": best["cpu"],
            "direct_cpu": direct_cpu[direct_times.index(direct_s)],
            "rounds": rounds,
        }
        print(json.dumps(result), flush=True)
        return result
    except Exception:
        for name in ("gunicorn.log", "moto.log"):
            path = tmp / name
            if path.exists():
                log(f"--- tail of {name} ---")
                sys.stderr.write("".join(path.read_text(errors="replace").splitlines(True)[-30:]))
        raise
    finally:
        if gunicorn is not None and gunicorn.poll() is None:
            gunicorn.send_signal(signal.SIGTERM)
            try:
                gunicorn.wait(15)
            except subprocess.TimeoutExpired:
                gunicorn.kill()
                gunicorn.wait()
        if moto is not None and moto.poll() is None:
            try:
                moto.stdin.close()
                moto.wait(10)
            except Exception:
                moto.kill()
                moto.wait()
        for handle in (moto_log, gunicorn_log):
            if handle is not None:
                handle.close()
        shutil.rmtree(tmp, ignore_errors=True)


# --- the table ----------------------------------------------------------------------------------------------


def main_table(sizes, rounds=ROUNDS):
    started = time.perf_counter()
    results = []
    for size in sizes:
        log(f"measuring 3 x {size} MB in a fresh process ...")
        proc = subprocess.run(
            [PYTHON, str(Path(__file__).resolve()), "--size", str(size), "--rounds", str(rounds)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True, timeout=900,
        )
        if proc.returncode != 0:
            print(f"size {size} MB: measurement failed (exit {proc.returncode}); see stderr above")
            continue
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))

    print()
    print("Upload path benchmark: multipart POST over real HTTP to gunicorn (1 sync worker, portal.settings.test),")
    print(f"server allocator settings as in `make serve`: {SERVER_ALLOCATOR_ENV}")
    print("S3 storage = django-storages -> moto server (own process); baseline = boto3 upload_fileobj of the same files.")
    print("3 files per submission (work_plan + 2 evidence), each a PDF of the given size. One fresh process per size.")
    print()
    header = (
        f"{'file':>6} {'body':>7} {'view':>7} {'server':>7} {'in S3':>7} {'direct':>7} {'ratio':>6} "
        f"{'HWM+1st':>7} {'HWM+all':>8} {'tm peak':>8} {'RSS aft':>8} {'objects':>8} {'tmp':>4}"
    )
    units = (
        f"{'MB':>6} {'MB':>7} {'s':>7} {'s':>7} {'s':>7} {'s':>7} {'':>6} "
        f"{'MB':>7} {'MB':>8} {'MB':>8} {'MB':>8} {'':>8} {'left':>4}"
    )
    print(header)
    print(units)
    for r in results:
        objects = "3 ok" if r["objects_ok"] and r["direct_sizes_ok"] else f"{r['objects']} BAD"
        print(
            f"{r['size_mb']:>6} {r['body_mb']:>7.1f} {r['view_s']:>7.2f} {r['server_s']:>7.2f} {r['storage_s']:>7.2f} "
            f"{r['direct_s']:>7.2f} {r['ratio']:>6.2f} {r['first_hwm_growth_mb']:>7.1f} {r['hwm_growth_mb']:>8.1f} "
            f"{r['trace_peak_mb']:>8.1f} {r['rss_after_mb']:>8.1f} {objects:>8} {r['temp_files_left']:>4}"
        )
    print()
    print(f"times are the best of {rounds} interleaved rounds (samples below); memory spans all timed POSTs")
    print("view    = client wall time of the POST (send body, server parses/validates/stores, 302 back)")
    print("server  = worker time for the request (gunicorn pre_request -> post_request hooks)")
    print("in S3   = time inside S3Storage.save() (exists check + upload_fileobj), summed over the 3 files; the files")
    print("          are stored while the request is read (applications/streaming.py), so this overlaps 'server'")
    print("direct  = boto3 upload_fileobj of the same 3 files from disk, sequentially")
    print("HWM+1st = growth of the worker's VmHWM (/proc/<pid>/status) across the first timed POST (after a 3 x 1 MB")
    print("          warm-up POST); HWM+all = the same from before the first to after the last timed POST")
    print("tm peak = tracemalloc peak inside the worker during an identical second POST (tracing only that request)")
    print("tmp left= Django temporary upload files still on disk after the requests")
    for r in results:
        print(
            f"  {r['size_mb']} MB: worker VmHWM {r['hwm_before_mb']:.1f} -> {r['hwm_after_mb']:.1f} MB, "
            f"VmRSS {r['rss_before_mb']:.1f} -> {r['rss_after_mb']:.1f} MB; warm-up POST grew VmHWM by "
            f"{r['warmup_hwm_growth_mb']:.1f} MB; tracemalloc retained after request {r['trace_retained_mb']:.1f} MB; "
            f"traced POST took {r['traced_view_s']:.2f}s; ru_maxrss (inside the worker) grew {r['maxrss_growth_mb']:.1f} MB"
        )
        cpu = lambda d: ", ".join(f"{name} {seconds:.2f}" for name, seconds in d.items())  # noqa: E731
        print(f"        CPU seconds, view: {cpu(r['view_cpu'])}; direct: {cpu(r['direct_cpu'])}")
        print(
            f"        view samples {', '.join(f'{t:.2f}' for t in r['view_samples'])}s; direct samples "
            f"{', '.join(f'{t:.2f}' for t in r['direct_samples'])}s"
        )
    print()
    print(f"targets: ratio view/direct <= {TARGET_RATIO}; memory growth <= {TARGET_GROWTH_MB} MB and flat in file size")
    for r in results:
        ratio_ok = "meets" if r["ratio"] <= TARGET_RATIO else "MISSES"
        mem_ok = "meets" if r["first_hwm_growth_mb"] <= TARGET_GROWTH_MB else "MISSES"
        print(
            f"  {r['size_mb']:>3} MB: ratio {r['ratio']:.2f} {ratio_ok} (of medians {r['median_ratio']:.2f}); VmHWM growth over one POST "
            f"{r['first_hwm_growth_mb']:.1f} MB {mem_ok} (over {rounds} POSTs {r['hwm_growth_mb']:.1f} MB)"
        )
    if len(results) >= 2:
        a, b = results[0], results[-1]
        print(
            f"  growth vs size (one POST): {a['size_mb']} MB -> {a['first_hwm_growth_mb']:.1f} MB, {b['size_mb']} MB -> "
            f"{b['first_hwm_growth_mb']:.1f} MB (tracemalloc {a['trace_peak_mb']:.1f} -> {b['trace_peak_mb']:.1f} MB)"
        )
    print(f"total wall time {time.perf_counter() - started:.0f}s")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, help="run one measurement with files of SIZE MB; print JSON")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES), help="sizes for the table")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="timed rounds per size (best is reported)")
    parser.add_argument("--moto", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.moto:
        run_moto()
    elif args.size:
        measure(args.size, args.rounds)
    else:
        main_table(args.sizes, args.rounds)


if __name__ == "__main__":
    main()
