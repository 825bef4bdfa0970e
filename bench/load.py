"""Deadline-day load on the production stack (`make prod-local`): applicants submitting while the public reads.

    make prod-local                      # first
    .venv/bin/python bench/load.py       # 400 applicants within 60 s, 64 readers; --applicants, --seconds, --readers

Loopback only, bounded in time. Nothing is asserted; it prints:
- the readers' rate on the notice page (wrk, 64 connections through nginx's front cache) alone, then during the load
  (target: >= 0.5 of the unloaded rate);
- the applicants, arriving evenly over the window, each from its own loopback address (127.0.0.N), as schools
  come from their own addresses, so that the per-address throttles apply as on the day. Each GETs the form, then
  (--path direct, the default: the school's path since the uploads go straight to the bucket) sends its 1-2 MB
  of files as the form's script does (begin, the parts to the bucket on the URLs the portal signs, finish) and
  POSTs the form's text; or (--path nojs: the form without JavaScript, the heavier path for the server) POSTs
  text and files in one multipart body. Throughput, p50/p95/p99 of the submission (the final POST until its
  answer; target: p95 <= 1.5 s), of the whole application on the direct path, errors (target: 0);
- where the machine's CPU went during the load, by process (/proc): the stack's parts, the readers' wrk and this
  script (the schools' side); and the applicants' share per accepted applicant, with how many cores 400 of them
  within the minute would need for that alone;
- afterwards: every accepted application exists exactly once, with its files, each of the sha256 sent; the bucket
  holds no object that no application refers to.
"""

import argparse
import hashlib
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RUN = ROOT / "var" / "prod-local"
FORM = "/notices/demo-2019-pilot-projects/demo-apply/"
NOTICE = "/notices/demo-2019-pilot-projects/"
RUN_ID = uuid.uuid4().hex[:6]


def load_env():
    if not (RUN / "env").exists():
        sys.exit("The stack is not set up: run `make prod-local` first.")
    for line in (RUN / "env").read_text().splitlines():
        key, _, value = line.partition("=")
        if key:
            os.environ.setdefault(key, value)
    import django

    django.setup()


def files_for(n):
    """1-2 MB of real PDFs for applicant ``n``: a work plan and one piece of evidence."""
    from tests.sample_pdf import pdf_pieces

    size = 1024 * 1024 + (n * 7919) % (1024 * 1024)
    plan = b"".join(pdf_pieces(size * 2 // 3))
    evidence = b"".join(pdf_pieces(size // 3))
    return [("work_plan", f"方案{n}.pdf", plan), ("evidence", f"佐证{n}.pdf", evidence)]


def multipart(fields, files):
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: application/pdf\r\n\r\n".encode() + data + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


FIELDS = {"unit": "平江县", "category": "智慧教育实践与探究", "furong": "否", "leader": "张校长",
          "leader_phone": "13812345678", "contact": "李老师", "contact_phone": "13912345678", "summary": "压测",
          "consent": "on", "website": ""}


class School:
    """One applicant's browser: its own loopback address (127.0.0.N), its cookies, one kept-alive connection to
    the portal (through nginx) and one to the bucket."""

    def __init__(self, n, port):
        self.n, self.port = n, port
        self.source = f"127.0.0.{2 + n % 250}"
        self.cookies = {}
        self.connections = {}

    def request(self, method, url, body=None, headers=None):
        parts = urlsplit(url)
        host, port = (parts.hostname, parts.port) if parts.netloc else ("127.0.0.1", self.port)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = dict(headers or {})
        portal = (host, port) == ("127.0.0.1", self.port)
        if portal and self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if (host, port) not in self.connections:
            self.connections[host, port] = http.client.HTTPConnection(
                host, port, source_address=(self.source, 0), timeout=120)
        connection = self.connections[host, port]
        try:
            connection.request(method, target, body, headers)
            response = connection.getresponse()
            data = response.read()
        except Exception:
            connection.close()
            del self.connections[host, port]
            raise
        if portal:
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers, data

    def api(self, method, path, csrf, payload=None):
        status, _, data = self.request(method, path, json.dumps(payload).encode() if payload is not None else None,
                                       {"X-CSRFToken": csrf, "Content-Type": "application/json",
                                        "Accept": "application/json"})
        if status >= 400:
            raise RuntimeError(f"{method} {path} -> {status}: {data[:200]!r}")
        return json.loads(data)

    def close(self):
        for connection in self.connections.values():
            connection.close()


def apply(n, port, path):
    """One school: GET the form; then either (direct, as the form's script does) send each file to the bucket on
    the URLs the portal signs and POST the form's text, or (nojs) POST the whole application with its files.
    Returns (seconds of the final POST, reference or error, files, seconds from the first file to the receipt)."""
    school = School(n, port)
    files = files_for(n)
    try:
        status, _, page = school.request("GET", FORM)
        page = page.decode()
        csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        token = re.search(r'name="submission_token" value="([^"]+)"', page).group(1)
        fields = {**FIELDS, "csrfmiddlewaretoken": csrf, "submission_token": token, "action": "submit",
                  "school": f"压测学校{RUN_ID}-{n}", "project": f"压测项目{n}"}
        started = time.perf_counter()
        if path == "direct":
            begin_url = re.search(r'data-begin-url="([^"]+)"', page).group(1)
            for field, name, data in files:
                upload = school.api("POST", begin_url, csrf, {"token": token, "field": field, "name": name,
                                                             "size": len(data), "modified": 0})
                size = upload["part_size"]
                for number in range(1, upload["parts"] + 1):
                    url = upload["urls"][str(number)]
                    headers = {"Content-Type": "application/octet-stream"}
                    if upload["same_origin"]:
                        headers["X-CSRFToken"] = csrf
                    status, _, answer = school.request("PUT", url, data[(number - 1) * size:number * size], headers)
                    if not 200 <= status < 300:
                        raise RuntimeError(f"PUT part {number} -> {status}")
                school.api("POST", f"/apply/uploads/{upload['id']}/finish/", csrf)
            body, content_type = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        else:
            body, content_type = multipart(fields, files)
        posted = time.perf_counter()
        status, headers, _ = school.request("POST", FORM, body, {"Content-Type": content_type,
                                                                 "Referer": f"http://127.0.0.1:{port}{FORM}"})
        done = time.perf_counter()
        match = re.search(r"/apply/receipt/([^/]+)/", headers.get("Location", ""))
        if status != 302 or not match:
            return done - posted, f"error {status}", files, None
        return done - posted, match.group(1), files, done - started
    except Exception as error:  # noqa: BLE001 (a failed applicant is a figure, not a crash)
        return None, f"error {type(error).__name__}: {error}", [], None
    finally:
        school.close()


def readers(port, seconds, connections):
    out = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", f"http://127.0.0.1:{port}{NOTICE}"],
                         capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, int(errors.group(1)) if errors else 0


def check(results):
    """Every accepted application once, with its files' sha256; no object in the bucket without an application."""
    from django.core.files.storage import storages

    from applications.models import Application, ApplicationFile, Upload

    problems = []
    accepted = {ref: files for _, ref, files, _ in results if not ref.startswith("error")}
    found = {a.reference: a for a in Application.objects.filter(school__startswith=f"压测学校{RUN_ID}-")}
    if set(found) != set(accepted):
        problems.append(f"{len(accepted)} accepted, {len(found)} in the database")
    for reference, files in accepted.items():
        application = found.get(reference)
        if application is None:
            continue
        stored = {f.original_name: f.sha256 for f in application.files.all()}
        sent = {name: hashlib.sha256(data).hexdigest() for _, name, data in files}
        if stored != sent:
            problems.append(f"{reference}: files differ")
    bucket = storages["applications"].bucket
    keys = {o.key for o in bucket.objects.all()}
    known = set(ApplicationFile.objects.values_list("key", flat=True)) | set(Upload.objects.values_list("key", flat=True))
    orphans = keys - known
    if orphans:
        problems.append(f"{len(orphans)} objects in the bucket that no application refers to")
    return problems, len(keys)


# Where the machine's CPU goes during the load, by process: the stack's parts by their command lines.
PARTS = (("gunicorn", "gunicorn"), ("db_worker", "task worker"), ("moto_server", "S3 server (moto)"),
         ("nginx", "nginx"), ("postgres", "PostgreSQL"), ("redis-server", "Redis"))


def cpu_by_part():
    """{part: CPU seconds so far} of the running processes (utime + stime from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        part = next((label for key, label in PARTS if key in command), None)
        if part:
            seconds[pid, part] = (int(fields[11]) + int(fields[12])) / tick
    return seconds


def cpu_spent(before, after):
    spent = {}
    for (pid, part), value in after.items():
        spent[part] = spent.get(part, 0) + value - before.get((pid, part), 0)
    return spent


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PROD_PORT", 8080)))
    parser.add_argument("--applicants", type=int, default=400)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--readers", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=32, help="applicants in flight at most")
    parser.add_argument("--path", choices=("direct", "nojs"), default="direct",
                        help="direct: files to the bucket first, as the form's script sends them, then the form's "
                             "text (the school's usual path); nojs: one multipart POST with the files")
    args = parser.parse_args()
    load_env()
    print(f"== bench/load.py: {args.applicants} applicants ({args.path} path) over {args.seconds} s, {args.readers} readers; "
          f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores for everything")
    alone, _ = readers(args.port, 5, args.readers)
    print(f"readers alone: {alone:,.0f} req/s on the notice page")

    reading = {}

    def read_meanwhile():
        reading["rate"], reading["errors"] = readers(args.port, args.seconds + 5, args.readers)

    cpu_before, own_before = cpu_by_part(), os.times()
    reader = threading.Thread(target=read_meanwhile)
    reader.start()
    started = time.perf_counter()

    def arrive(n):
        delay = started + n * args.seconds / args.applicants - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        return apply(n, args.port, args.path)

    with ThreadPoolExecutor(args.concurrency) as pool:
        results = list(pool.map(arrive, range(args.applicants)))
    took = time.perf_counter() - started
    reader.join()
    spent, own_after = cpu_spent(cpu_before, cpu_by_part()), os.times()
    spent["the schools (this script)"] = own_after.user + own_after.system - own_before.user - own_before.system
    spent["the readers (wrk)"] = (own_after.children_user + own_after.children_system
                                  - own_before.children_user - own_before.children_system)
    window = time.perf_counter() - started

    times = sorted(t for t, ref, _, _ in results if t is not None and not ref.startswith("error"))
    wholes = sorted(w for _, ref, _, w in results if w is not None and not ref.startswith("error"))
    errors = [ref for _, ref, _, _ in results if ref.startswith("error")]
    def quantile(q, values=times):
        return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")

    print(f"applicants: {len(times)} accepted in {took:.1f} s ({len(times) / took * 60:.0f}/min), "
          f"{len(errors)} errors{': ' + '; '.join(sorted(set(errors))[:5]) if errors else ''}")
    print(f"submission (the POST until its answer): p50 {quantile(0.5):.2f} s, p95 {quantile(0.95):.2f} s, "
          f"p99 {quantile(0.99):.2f} s, mean {statistics.mean(times) if times else 0:.2f} s")
    if args.path == "direct":
        print(f"whole application (first file begun until the receipt): p50 {quantile(0.5, wholes):.2f} s, "
              f"p95 {quantile(0.95, wholes):.2f} s, p99 {quantile(0.99, wholes):.2f} s")
    print(f"readers during the load: {reading['rate']:,.0f} req/s ({reading['rate'] / alone:.2f} of alone), "
          f"{reading['errors']} errors")
    applicants_parts = ("gunicorn", "task worker", "S3 server (moto)", "PostgreSQL", "Redis")
    per_applicant = sum(spent.get(part, 0) for part in applicants_parts) / max(1, len(times))
    print(f"CPU seconds over the {window:.0f} s ({window * os.cpu_count():.0f} available): "
          + ", ".join(f"{part} {value:.1f}" for part, value in sorted(spent.items(), key=lambda kv: -kv[1])))
    print(f"the applicants' share (gunicorn, task worker, S3 server, PostgreSQL, Redis): {per_applicant * 1000:.0f} ms "
          f"per accepted applicant; {args.applicants} within {args.seconds} s would need "
          f"{per_applicant * args.applicants / args.seconds:.2f} of the {os.cpu_count()} cores for them alone")
    problems, objects = check(results)
    print(f"afterwards: {'every accepted application once with its files (sha256 checked), no orphan object' if not problems else '; '.join(problems)} "
          f"({objects} objects in the bucket)")
    print("targets: submission p95 <= 1.5 s: " + ("meets" if quantile(0.95) <= 1.5 else "misses")
          + f"; readers >= 0.5 of alone: {'meets' if reading['rate'] >= 0.5 * alone else 'misses'}"
          + f"; 0 errors: {'meets' if not errors and not reading['errors'] else 'misses'}")


if __name__ == "__main__":
    main()
