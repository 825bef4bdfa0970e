import sys

from django.conf import settings
from django.core.exceptions import TooManyFilesSent
from django.core.paginator import Paginator
from django.http import HttpResponse, UnreadablePostError
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.templatetags.static import static
from django.utils.cache import add_never_cache_headers
from wagtail.models import Page

from .cjk_search import excerpt, searchable_text

MAX_QUERY_LENGTH = 100


def search(request):
    query = request.GET.get("q", "").strip()[:MAX_QUERY_LENGTH]
    results = Page.objects.live().public().specific().search(query) if query else Page.objects.none()
    shown = paginate(request, results, 10)
    for page in shown:  # only the pages shown: an excerpt reads the page's text (and its rows) from the database
        page.search_excerpt = excerpt(searchable_text(page), query)
    return TemplateResponse(request, "search.html", {"query": query, "results": shown})


def health(request):
    """For the load balancer and the front cache's health probes: the app server answers (no database, no
    template), never cached. Also the bare Django view bench/read.py measures pages against."""
    response = HttpResponse(b"ok", content_type="text/plain")
    add_never_cache_headers(response)
    return response


def favicon(request):
    """Browsers and feed readers ask for /favicon.ico whatever the page links: send them to the static one."""
    return redirect(static("favicon.ico"), permanent=True)


def paginate(request, items, per_page, param="page"):
    """The requested page of ``items``; the first for a bad number, the last for one past the end."""
    return Paginator(items, per_page).get_page(request.GET.get(param))


def bad_request(request, exception=None):
    reason = None
    if isinstance(exception, TooManyFilesSent):
        reason = f"一次提交的文件不能超过 {settings.DATA_UPLOAD_MAX_NUMBER_FILES} 个，请合并或压缩后重新提交。"
    elif isinstance(exception, UnreadablePostError):
        reason = "上传中断，本次提交没有被保存。请检查网络后重新选择文件提交。"
    return render(request, "400.html", {"reason": reason}, status=400)


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No context processors or database: the 500 page must render even when they are what failed.
    from django.http import HttpResponse, HttpResponseServerError
    from django.template import loader

    if database_busy(sys.exc_info()[1]):
        # Not a fault but a queue: say so, and when to come back (every page, whichever layer waited).
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())


RETRY_AFTER_SECONDS = 30


def database_busy(error):
    """A database that waited too long for a lock: SQLite's "database is locked", PostgreSQL's lock timeout."""
    from django.db import OperationalError

    if not isinstance(error, OperationalError):
        return False
    text = str(error).lower()
    return "database is locked" in text or "lock timeout" in text or "could not obtain lock" in text
