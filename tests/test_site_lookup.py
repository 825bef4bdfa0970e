"""The site and its settings are kept in the cache between requests (portal/site_lookup.py): what an
administrator changes still shows on the very next page view."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, Site

from home.models import PortalSettings

from .conftest import soup

pytestmark = pytest.mark.django_db
CALL_URL = "/notices/2019-pilot-projects/"


def tables_queried(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return " ".join(query["sql"] for query in captured)


def test_a_page_view_asks_the_database_neither_for_the_site_nor_for_its_settings_again(client, call):
    client.get(CALL_URL)
    sql = tables_queried(client, CALL_URL)
    assert "wagtailcore_site" not in sql and "home_portalsettings" not in sql


def test_changed_site_settings_show_on_the_next_page_view(client, call):
    assert "本站仅用于" in soup(client.get(CALL_URL)).select_one("footer.site-footer").get_text()
    settings = PortalSettings.for_site(Site.objects.get(is_default_site=True))
    settings.footer_note = "新的页脚说明"
    settings.save()
    assert "新的页脚说明" in soup(client.get(CALL_URL)).select_one("footer.site-footer").get_text()


def test_a_site_moved_to_another_hostname_is_served_there_at_once(client, call, settings):
    settings.ALLOWED_HOSTS = ["*"]
    assert client.get("/", HTTP_HOST="portal.example").status_code == 200  # the default site answers any host
    site = Site.objects.get(is_default_site=True)
    site.hostname, site.is_default_site = "jyj.example", False
    site.save()
    assert client.get("/", HTTP_HOST="portal.example").status_code == 404
    assert client.get("/", HTTP_HOST="jyj.example").status_code == 200


def test_a_renamed_home_page_shows_its_new_title_at_once(client, call):
    client.get("/")
    home = Page.objects.get(depth=2).specific
    home.title = "岳阳市教育信息化申报门户（新）"
    home.save_revision().publish()
    assert soup(client.get("/")).h1.get_text(strip=True) == "岳阳市教育信息化申报门户（新）"


def test_without_a_shared_cache_every_view_asks_wagtail(client, call, settings):
    """`make serve` without CACHE_URL runs several workers, each with its own cache: an edit in one could not
    drop what the others keep, so the lookups are Wagtail's own."""
    settings.PORTAL_SITE_CACHE = False
    client.get(CALL_URL)
    sql = tables_queried(client, CALL_URL)
    assert "wagtailcore_site" in sql and "home_portalsettings" in sql
