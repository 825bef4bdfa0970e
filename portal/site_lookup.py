"""The site a request is for, and its settings, without two queries on every request.

Wagtail finds the site by hostname with a query per request (Site.find_for_request) and the site's settings
with another (BaseSiteSetting.for_site: get_or_create), then loads the site's root page to route from. They
change only when an administrator edits them, so they are kept in the default cache, which is shared by every
worker in production (Redis; Wagtail keeps its site root paths there too), and dropped when a Site, a site root
page (any save: a revision, a publish, a move) or the settings are saved or deleted.
The matching itself stays Wagtail's (get_site_for_hostname): only its answer is kept, per hostname and port.
Off (Wagtail's own lookups) unless PORTAL_SITE_CACHE: a per-process cache would keep an edit from the other
workers for up to TIMEOUT.
"""

from django.conf import settings
from django.core.cache import cache
from django.http.request import split_domain_port

SITES_KEY = "portal:sites"  # {(hostname, port): Site or None}
SETTINGS_KEY = "portal:site-settings:{model}:{site}"
TIMEOUT = 3600  # a bound on staleness should a change ever reach the database without the signals


def site_for_request(request):
    from wagtail.models import Site
    from wagtail.models.sites import get_site_for_hostname

    host = (split_domain_port(request._get_raw_host())[0], request.get_port())  # as Site._find_for_request
    known = cache.get(SITES_KEY) or {}
    if host not in known:
        try:
            site = get_site_for_hostname(*host)
            site.root_page = site.root_page.specific  # what Wagtail's serve routes from: no query for it either
        except Site.DoesNotExist:
            site = None
        known[host] = site
        cache.set(SITES_KEY, known, TIMEOUT)
    return known[host]


class SiteFromCache:
    """Middleware: for the public pages (Wagtail's serve view), the site looked up as above, where
    Site.find_for_request reads it. Other views (the admin, the portal's own) keep Wagtail's lookup."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from wagtail.views import serve

        if view_func is serve and settings.PORTAL_SITE_CACHE:
            request._wagtail_site = site_for_request(request)


def settings_for_site(model, site, load):
    """``load(site)`` (the settings row, created if missing), kept per model and site."""
    if not settings.PORTAL_SITE_CACHE:
        return load(site)
    key = SETTINGS_KEY.format(model=model._meta.label_lower, site=site.pk)
    instance = cache.get(key)
    if instance is None:
        instance = load(site)
        cache.set(key, instance, TIMEOUT)
    return instance


def forget_sites(**kwargs):
    cache.delete(SITES_KEY)


def forget_settings(sender, instance, **kwargs):
    cache.delete(SETTINGS_KEY.format(model=sender._meta.label_lower, site=instance.site_id))


def _page_saved(sender, instance, **kwargs):
    """A site root page saved (published, renamed, moved) or deleted: the sites hold it (Site.root_page)."""
    from wagtail.models import Page

    if isinstance(instance, Page) and instance.depth is not None and instance.depth <= 2:
        forget_sites()


def connect():
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import Site

    from home.models import PortalSettings

    for signal in (post_save, post_delete):
        name = "save" if signal is post_save else "delete"
        signal.connect(forget_sites, sender=Site, dispatch_uid=f"portal.site_lookup.site.{name}")
        signal.connect(forget_settings, sender=PortalSettings, dispatch_uid=f"portal.site_lookup.settings.{name}")
        # No sender: each page class sends its own signals.
        signal.connect(_page_saved, dispatch_uid=f"portal.site_lookup.page.{name}")
