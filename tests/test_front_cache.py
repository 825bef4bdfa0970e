"""Publishing purges the front cache: the page, and the pages that list it (its ancestors); a change of the site
settings (the footer on every page) purges every page. The purges go over HTTP, as to nginx's purge port
(deploy/nginx.conf), here to a small server that records them."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture
def purges(settings):
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_PURGE(self):  # noqa: N802 (the HTTP method's name)
            received.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    location = f"http://127.0.0.1:{server.server_port}"
    settings.PORTAL_FRONT_CACHE = location
    settings.WAGTAILFRONTENDCACHE = {
        "nginx": {"BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend", "LOCATION": location}
    }
    yield received
    server.shutdown()


def test_publishing_an_annex_purges_it_and_the_pages_that_list_it(db, only_2019, purges):
    from notices.models import QuotaTablePage

    annex = QuotaTablePage.objects.live().first()
    annex.save_revision().publish()
    call = annex.get_parent()
    assert annex.url in purges  # Wagtail's own purge
    assert call.url in purges and "/" in purges  # the call lists its annexes; the home page lists the call


def test_changing_the_site_settings_purges_every_page(db, only_2019, purges):
    from wagtail.models import Page, Site

    from home.models import PortalSettings

    portal_settings = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    portal_settings.save()
    live = {p.url for p in Page.objects.live().filter(depth__gt=1).specific()}
    assert live <= set(purges) and len(live) > 5


@pytest.mark.parametrize("change", ["made private", "made public again"])
def test_making_a_page_private_or_public_purges_its_section_and_the_pages_that_list_it(db, only_2019, purges,
                                                                                        client, settings, change):
    from wagtail.models import Page, PageViewRestriction

    from notices.models import NoticePage

    call = NoticePage.objects.live().first()
    annex = Page.objects.child_of(call).live().first()
    restriction = PageViewRestriction.objects.create(page=call, restriction_type="password", password="pw-1234")
    if change == "made public again":
        purges.clear()
        restriction.delete()
    assert {call.url, annex.url, "/notices/", "/"} <= set(purges)


def test_the_health_check_answers_without_the_database_and_is_never_cached(db, client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok"
    assert "no-store" in response["Cache-Control"]


def test_making_a_page_private_purges_its_aliases_and_the_pages_that_list_them(db, only_2019, purges):
    """An alias shows its source: cached while the source was public, it must go when the source turns private."""
    from wagtail.models import Page, PageViewRestriction

    from notices.models import NoticeIndexPage, NoticePage

    call = NoticePage.objects.live().first()
    annex = Page.objects.child_of(call).live().first()
    other_list = NoticeIndexPage(title="其他通知", slug="other-notices")
    call.get_parent().get_parent().add_child(instance=other_list)
    alias = annex.specific.create_alias(parent=call, update_slug="annex-alias")
    listed_alias = call.specific.create_alias(parent=other_list, update_slug="call-alias", recursive=False)
    purges.clear()
    PageViewRestriction.objects.create(page=call, restriction_type="password", password="pw-1234")
    assert {alias.url, listed_alias.url, other_list.url} <= set(purges)
