"""Read speed of the public pages on the production stack (`make prod-local`), with wrk, printing ratios.

    make prod-local                      # first: nginx :8080 (and its front cache) -> gunicorn :8101/:8102
    .venv/bin/python bench/read.py       # then this (about a minute); --duration, --connections, --port

Nothing is asserted. For the notice, home and topic-guide pages, all in one run on the same machine:

- front cache: the page from nginx's front cache, against nginx serving the same HTML bytes as a static file
  (written under the stack's STATIC_ROOT for the run): target >= 0.5;
- Django's own page cache (portal/page_cache.py, Redis): the page from one gunicorn instance directly (nginx
  bypassed), against a bare Django view on the same gunicorn (/healthz: no database, no template; measured just
  before and just after the page, and the mean taken): target >= 0.8;
- uncached: the same with a cookie that makes the page cache pass too (both caches bypassed), against the bare
  view: target >= 0.15 (a stock `wagtail start` page: 0.088);
  with the database queries each page makes (Django's test client in this process, the stack's settings);
- an edit visible on the public page after publishing: the time from publish() returning to the first read
  through nginx's front cache that shows it (target <= 1 s).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "var" / "prod-local"
PAGES = {
    "notice 2019": "/notices/2019-pilot-projects/",
    "home": "/",
    "topic guide": "/notices/2019-pilot-projects/annex-2-topic-guide/",
}


def load_env():
    env_file = RUN / "env"
    if not env_file.exists():
        sys.exit("The stack is not set up: run `make prod-local` first.")
    for line in env_file.read_text().splitlines():
        if "=" in line:
            key, _, value = line.partition("=")
            os.environ.setdefault(key, value)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def wrk(url, duration, connections, headers=()):
    """Requests per second (and p99 latency, ms) that wrk measured for ``url``."""
    extra = [arg for header in headers for arg in ("-H", header)]
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", *extra, url],
        capture_output=True, text=True, check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)] if p99 else 0
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rate, float(p99.group(1)) * scale if p99 else 0.0, int(non2xx.group(1)) if non2xx else 0


def queries_of(path):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["bench"] = "uncached"  # past the page cache: the queries of rendering the page
    client.get(path)  # warm: the site root, the settings
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured)


def edit_visible_after(port):
    """Seconds from publish() returning to the first public read (nginx's front cache, the page cache) showing the edit."""
    from notices.models import NoticePage

    url = f"http://127.0.0.1:{port}{PAGES['notice 2019']}"
    urllib.request.urlopen(url).read()  # cached now
    page = NoticePage.objects.get(url_path__endswith="/2019-pilot-projects/")
    original = page.title
    try:
        page.title = original + "（测）"
        page.save_revision().publish()
        published = time.perf_counter()
        while "（测）" not in urllib.request.urlopen(url).read().decode():
            if time.perf_counter() - published > 30:
                return float("inf")
            time.sleep(0.01)
        return time.perf_counter() - published
    finally:
        page = NoticePage.objects.get(pk=page.pk)
        page.title = original
        page.save_revision().publish()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("PROD_PORT", 8080)))
    parser.add_argument("--app-port", type=int, default=8101)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install -y wrk")
    load_env()
    static_dir = Path(os.environ.get("DJANGO_STATIC_ROOT", RUN / "static")) / "bench-read"
    static_dir.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()
    print(f"== bench/read.py: wrk -t2 -c{args.connections} -d{args.duration}s; load average before "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {os.cpu_count()} cores shared by wrk, nginx, gunicorn")
    bare_url = f"http://127.0.0.1:{args.app_port}/healthz"
    print(f"bare = a bare Django view (/healthz) on gunicorn :{args.app_port}, the mean of a run just before and one "
          "just after the page's two (this machine's speed drifts within minutes)")
    print()
    print(f"{'page':<12} {'queries':>7} {'static':>9} {'front cache':>12} {'ratio':>6} {'p99 ms':>7} {'bare':>7} "
          f"{'page cache':>11} {'ratio':>6} {'uncached':>9} {'ratio':>6} {'p99 ms':>7}")
    results = []
    for name, path in PAGES.items():
        html = urllib.request.urlopen(f"http://127.0.0.1:{args.port}{path}").read()
        static_file = static_dir / (re.sub(r"\W+", "-", name) + ".html")
        static_file.write_bytes(html)
        static, _, _ = wrk(f"http://127.0.0.1:{args.port}/static/bench-read/{static_file.name}", args.duration,
                           args.connections)
        cached, cached_p99, bad = wrk(f"http://127.0.0.1:{args.port}{path}", args.duration, args.connections)
        app_url = f"http://127.0.0.1:{args.app_port}{path}"
        urllib.request.urlopen(app_url).read()  # in the page cache now
        bare_before, _, _ = wrk(bare_url, args.duration, args.connections)
        django_cached, _, bad3 = wrk(app_url, args.duration, args.connections)
        uncached, uncached_p99, bad2 = wrk(app_url, args.duration, args.connections, ["Cookie: bench=uncached"])
        bare = (bare_before + wrk(bare_url, args.duration, args.connections)[0]) / 2
        queries = queries_of(path)
        results.append((name, cached / static, django_cached / bare, uncached / bare, queries))
        print(f"{name:<12} {queries:>7} {static:>9,.0f} {cached:>12,.0f} {cached / static:>6.2f} {cached_p99:>7.1f} {bare:>7,.0f} "
              f"{django_cached:>11,.0f} {django_cached / bare:>6.2f} {uncached:>9,.1f} {uncached / bare:>6.3f} "
              f"{uncached_p99:>7.1f}" + ("  (errors!)" if bad or bad2 or bad3 else ""))
    visible = edit_visible_after(args.port)
    shutil.rmtree(static_dir, ignore_errors=True)
    print()
    print("targets:")
    for name, front, django_cached, raw, queries in results:
        print(f"  {name:<12} front cache / static {front:.2f} ({'meets' if front >= 0.5 else 'misses'} >= 0.5); "
              f"page cache / bare view {django_cached:.2f} ({'meets' if django_cached >= 0.8 else 'misses'} >= 0.8); "
              f"uncached / bare view {raw:.3f} ({'meets' if raw >= 0.15 else 'misses'} >= 0.15); "
              f"{queries} queries ({'meets' if queries <= 8 else 'misses'} <= 8)")
    print(f"  an edit is on the public page {visible:.3f} s after publish() returned "
          f"({'meets' if visible <= 1 else 'misses'} <= 1 s)")


if __name__ == "__main__":
    main()
