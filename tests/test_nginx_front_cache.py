"""deploy/nginx.conf's front cache, run by Debian's nginx against a small app server that records what reaches it:
anonymous reads are kept and served without reaching the app (which never sees their cookies), everything else
passes with its cookies, and Wagtail's purge (HTTPBackend, as portal/front_cache.py uses it) takes a page out.

Needs nginx and its cache purge module: `apt-get install -y nginx-light libnginx-mod-http-cache-purge` (make
prod-local installs them as root); skipped otherwise, with that command."""

import http.client
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PURGE_MODULE = "/usr/lib/nginx/modules/ngx_http_cache_purge_module.so"
CONF = Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf"

pytestmark = pytest.mark.skipif(
    not (os.path.exists(NGINX) and os.path.exists(PURGE_MODULE)),
    reason="nginx with its cache purge module: apt-get install -y nginx-light libnginx-mod-http-cache-purge",
)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class App:
    """What reached the app server: (method, path, Cookie header) per request; each page answered anew."""

    def __init__(self):
        self.seen = []
        app = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                app.seen.append((self.command, self.path, self.headers.get("Cookie")))
                body = f"{self.path} #{len(app.seen)}".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Vary", "Cookie")
                if "form" in self.path:  # as never_cache marks a form page
                    self.send_header("Cache-Control", "max-age=0, no-cache, no-store, must-revalidate, private")
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_port
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reached(self, path):
        return [seen for seen in self.seen if seen[1] == path]


@pytest.fixture(scope="module")
def stack():
    app = App()
    run = Path(tempfile.mkdtemp(prefix="portal-nginx-"))
    run.chmod(0o755)  # nginx's workers (nobody) keep the cache here
    (run / "static").mkdir()
    ports = {"PORT": free_port(), "PURGE_PORT": free_port(), "APP_A_PORT": app.port, "APP_B_PORT": app.port,
             "RUN": run, "STATIC_ROOT": run / "static"}
    conf = CONF.read_text()
    for name, value in ports.items():
        conf = conf.replace(f"@{name}@", str(value))
    (run / "nginx.conf").write_text(conf)
    nginx = subprocess.Popen([NGINX, "-p", str(run), "-c", str(run / "nginx.conf"), "-g", "daemon off;"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", ports["PORT"]), timeout=0.1).close()
            socket.create_connection(("127.0.0.1", ports["PURGE_PORT"]), timeout=0.1).close()
            break
        except OSError:
            assert nginx.poll() is None, nginx.stderr.read().decode()
            time.sleep(0.05)
    yield app, ports["PORT"], ports["PURGE_PORT"]
    nginx.terminate()
    nginx.wait(10)
    app.server.shutdown()
    shutil.rmtree(run, ignore_errors=True)


def request(port, method, path, headers=None, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, path, body=body, headers={"Host": "portal.test", **(headers or {})})
    response = connection.getresponse()
    answer = (response.status, response.getheader("X-Cache"), response.read().decode())
    connection.close()
    return answer


def test_an_anonymous_read_is_served_from_the_cache_and_the_app_sees_only_its_csrf_cookie(stack):
    app, port, _ = stack
    first = request(port, "GET", "/notices/a/", {"Cookie": "django_language=en; csrftoken=abc; _ga=1"})
    second = request(port, "GET", "/notices/a/", {"Cookie": "csrftoken=other"})
    assert first[:2] == (200, "MISS") and second[:2] == (200, "HIT") and second[2] == first[2]
    assert app.reached("/notices/a/") == [("GET", "/notices/a/", "csrftoken=abc")]
    request(port, "GET", "/notices/a2/", {"Cookie": "django_language=en"})
    assert app.reached("/notices/a2/") == [("GET", "/notices/a2/", None)]


def test_opening_a_form_again_keeps_its_csrf_cookie(stack):
    """A form page (never_cache) opened a second time gets the school's CSRF cookie: Django keeps the secret, and
    the form already open in another tab can still be sent."""
    app, port, _ = stack
    request(port, "GET", "/notices/e/form/", {"Cookie": "csrftoken=secret1; _ga=1"})
    assert app.reached("/notices/e/form/") == [("GET", "/notices/e/form/", "csrftoken=secret1")]


def test_a_signed_in_reader_a_post_and_the_private_paths_pass_with_their_cookies(stack):
    app, port, _ = stack
    request(port, "GET", "/notices/b/")  # cached for the anonymous
    status, cache, body = request(port, "GET", "/notices/b/", {"Cookie": "sessionid=s1; csrftoken=t1"})
    assert status == 200 and cache != "HIT" and app.reached("/notices/b/")[-1][2] == "sessionid=s1; csrftoken=t1"
    request(port, "POST", "/notices/b/form/", {"Cookie": "csrftoken=t2",
                                              "Content-Type": "application/x-www-form-urlencoded"}, b"a=1")
    assert app.reached("/notices/b/form/") == [("POST", "/notices/b/form/", "csrftoken=t2")]  # CSRF can be checked
    for path in ("/admin/", "/apply/uploads/1/finish/", "/status/", "/search/?q=x", "/documents/1/a.docx"):
        for _ in range(2):
            request(port, "GET", path, {"Cookie": "csrftoken=t3"})
        assert app.reached(path) == [("GET", path, "csrftoken=t3")] * 2, path


def test_a_page_django_marks_private_and_an_address_with_a_query_string_are_not_kept(stack):
    app, port, _ = stack
    for path in ("/notices/c/form/", "/notices/?page=2", "/notices/c/?made-up=1"):
        for _ in range(2):
            assert request(port, "GET", path)[0] == 200
        assert len(app.reached(path)) == 2, path


def test_wagtails_purge_takes_a_page_out_and_only_the_purge_port_takes_purges(stack, settings):
    from wagtail.contrib.frontend_cache.backends import HTTPBackend

    app, port, purge_port = stack
    before = request(port, "GET", "/notices/d/")[2]
    assert request(port, "GET", "/notices/d/")[1] == "HIT"
    assert request(port, "PURGE", "/notices/d/")[0] == 405  # the public address
    assert request(port, "GET", "/notices/d/")[1] == "HIT"
    assert request(purge_port, "GET", "/notices/d/")[0] == 405  # the purge port serves nothing

    HTTPBackend({"LOCATION": f"http://127.0.0.1:{purge_port}"}).purge(f"http://portal.test:{port}/notices/d/")
    status, cache, after = request(port, "GET", "/notices/d/")
    assert (status, cache) == (200, "MISS") and after != before
    # A page not in the cache: nothing to take out, and no error for Wagtail to log.
    assert request(purge_port, "PURGE", "/notices/never-read/")[0] == 200
