"""gunicorn settings for `make serve` (production-style). Environment variables override the defaults."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
# Uploads of up to 100 MB from school networks take time: a sync worker must not be killed mid-request.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 300))
# Recycle workers now and then, so that no worker's memory creeps up over a deadline day. The application is
# loaded once in the master (preload_app) and forked: a recycled worker starts in milliseconds instead of the
# 2.8 s an import of Django and Wagtail takes, so recycling adds no tail latency.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 1000))
max_requests_jitter = 100
preload_app = os.environ.get("GUNICORN_PRELOAD", "true") != "false"
accesslog = "-"
# Query strings are not logged (they may carry a school's search terms); personal data is never in URLs.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(D)sµs'
# gunicorn's control socket (gunicornc), one per instance: two instances on one machine must not share it.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", f"/tmp/gunicorn-{bind.replace(':', '-')}.ctl")


def pre_fork(server, worker):
    """Workers keep their database connection (CONN_MAX_AGE): none may be inherited from the master, where the
    preloaded application could have opened one, or two processes would talk over one socket."""
    import sys

    if "django.db" in sys.modules:
        from django.db import connections

        connections.close_all()
