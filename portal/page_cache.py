"""Django's own cache of whole public pages, behind the front cache: when nginx's cache misses (a purge, a restart, a
second front server), an anonymous page comes from Redis instead of being rendered again.

Only anonymous GETs of pages are kept: a request with any cookie but the CSRF one (a session, a message), the
admin, the school's pages and anything Django marks private or no-store (never_cache: forms, receipts) pass
through. Responses are kept with their headers; the CSP and security headers are added again on the way out by
the middleware around this one. Any publish, unpublish or settings change empties the whole cache
(portal/front_cache.py): publishes are rare, and a page shows parts of others. On only with a cache shared by
every worker (PORTAL_PAGE_CACHE_URL, e.g. rediscache://127.0.0.1:6379/4): a per-process cache could not be
emptied everywhere at once."""

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse
from django.utils.cache import cc_delim_re

ALIAS = "pages"
PASS = ("/admin/", "/status/", "/apply/", "/search/", "/documents/", "/healthz")


def enabled():
    return ALIAS in settings.CACHES


def cacheable_request(request):
    if request.method not in ("GET", "HEAD") or request.path.startswith(PASS):
        return False
    return not (set(request.COOKIES) - {settings.CSRF_COOKIE_NAME})


def cacheable_response(response):
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    directives = {d.strip().split("=")[0].lower() for d in cc_delim_re.split(response.get("Cache-Control", ""))}
    return not directives & {"private", "no-store", "no-cache"}


def page_cache(get_response):
    def middleware(request):
        if not enabled() or not cacheable_request(request):
            return get_response(request)
        key = f"page:{request.get_host()}:{request.get_full_path()}"
        kept = caches[ALIAS].get(key)
        if kept is not None:
            content, headers = kept
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            response["X-Page-Cache"] = "HIT"
            return response
        response = get_response(request)
        if cacheable_response(response):
            if hasattr(response, "render") and callable(response.render):
                response.render()
            caches[ALIAS].set(key, (response.content, list(response.items())), settings.PORTAL_PAGE_CACHE_SECONDS)
        return response

    return middleware


def empty():
    if enabled():
        caches[ALIAS].clear()


def check_own_database(app_configs=None, **kwargs):
    """The page cache is emptied whole on every publish: sharing the default cache would log everyone out."""
    from django.core import checks

    if enabled() and settings.CACHES[ALIAS].get("LOCATION") == settings.CACHES["default"].get("LOCATION"):
        return [checks.Error(
            "PORTAL_PAGE_CACHE_URL points at the same cache as CACHE_URL (sessions, throttles).",
            hint="Give the page cache a Redis database of its own, e.g. rediscache://127.0.0.1:6379/4.",
            id="portal.E001",
        )]
    return []
