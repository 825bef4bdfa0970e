"""What else to purge from the front cache (nginx's, deploy/nginx.conf) when a page changes.

Wagtail's frontend_cache app purges the page itself on publish and unpublish. Pages here also show other pages:
the home page lists the current call and the latest notices, a call lists its annexes and its form, the notice
index lists the calls. So the page's live ancestors go with it; when the site settings change (the footer on
every page), every live page goes; and when a page is made private or public again, its section, the aliases of
its pages and the pages that list them go. Connected at start-up (home/apps.py); without WAGTAILFRONTENDCACHE
(set from PORTAL_FRONT_CACHE) a purge does nothing. Django's own page cache (portal/page_cache.py) is emptied with it."""

from . import page_cache


def purge_with_ancestors(sender, instance, **kwargs):
    from wagtail.contrib.frontend_cache.utils import PurgeBatch

    page_cache.empty()
    batch = PurgeBatch()
    batch.add_pages(instance.get_ancestors().live().filter(depth__gt=1).specific())
    batch.purge()


def purge_every_page(sender, instance, **kwargs):
    from wagtail.contrib.frontend_cache.utils import PurgeBatch
    from wagtail.models import Page

    page_cache.empty()
    batch = PurgeBatch()
    batch.add_pages(Page.objects.live().filter(depth__gt=1).specific())
    batch.purge()


def purge_section(sender, instance, **kwargs):
    """A view restriction added, changed or removed: the pages it covers and their aliases (cached while they were
    public, or to be listed again) and the pages that list them."""
    from wagtail.contrib.frontend_cache.utils import PurgeBatch
    from wagtail.models import Page

    page_cache.empty()
    try:
        page = Page.objects.get(pk=instance.page_id)
    except Page.DoesNotExist:  # the page itself is being deleted
        return
    section = page.get_descendants(inclusive=True)
    batch = PurgeBatch()
    batch.add_pages(section.live().specific())
    batch.add_pages(page.get_ancestors().live().filter(depth__gt=1).specific())
    # Aliases show their source's content, wherever they are: they go too, with the pages that list them.
    for alias in Page.objects.filter(alias_of__in=section).live().specific():
        batch.add_page(alias)
        batch.add_pages(alias.get_ancestors().live().filter(depth__gt=1).specific())
    batch.purge()


def connect():
    from django.db.models.signals import post_delete, post_save
    from wagtail.models import PageViewRestriction
    from wagtail.signals import page_published, page_unpublished

    from home.models import PortalSettings

    page_published.connect(purge_with_ancestors, dispatch_uid="portal.front_cache.published")
    page_unpublished.connect(purge_with_ancestors, dispatch_uid="portal.front_cache.unpublished")
    post_save.connect(purge_every_page, sender=PortalSettings, dispatch_uid="portal.front_cache.settings")
    post_save.connect(purge_section, sender=PageViewRestriction, dispatch_uid="portal.front_cache.private")
    post_delete.connect(purge_section, sender=PageViewRestriction, dispatch_uid="portal.front_cache.public")
