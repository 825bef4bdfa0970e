"""Django's own cache of public pages (portal/page_cache.py): anonymous reads of a page come from it; a publish
empties it; nothing private is kept (forms, receipts, the admin, anyone with a session)."""

import pytest
from django.core.cache import caches
from django.test import Client

from .factories import demo_form_page, submit


@pytest.fixture
def page_cache(settings):
    settings.CACHES = {**settings.CACHES, "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                                    "LOCATION": "test-pages"}}
    yield caches["pages"]
    caches["pages"].clear()


def test_a_public_page_is_kept_and_a_publish_empties_the_cache(db, only_2019, page_cache):
    from notices.models import NoticePage

    notice = NoticePage.objects.live().get(slug="2019-pilot-projects")
    first, second = Client().get(notice.url), Client().get(notice.url)
    assert "X-Page-Cache" not in first and second["X-Page-Cache"] == "HIT"
    assert second.content == first.content
    assert "script-src 'self'" in second["Content-Security-Policy"]  # the headers are still added on the way out
    notice.title += "（更正）"
    notice.save_revision().publish()
    after = Client().get(notice.url)
    assert "X-Page-Cache" not in after and "（更正）" in after.content.decode()


def test_nothing_private_is_kept(db, client, page_cache, private_folder):
    page = demo_form_page()
    for _ in range(2):
        assert "X-Page-Cache" not in Client().get(page.url)  # the form: never_cache
    response = submit(client, page)
    receipt = response["Location"]
    for _ in range(2):
        assert "X-Page-Cache" not in client.get(receipt)
        assert "X-Page-Cache" not in client.get("/")  # this browser has a session now: it passes
    for _ in range(2):
        assert "X-Page-Cache" not in Client().get("/admin/login/")


def test_a_page_cache_sharing_the_sessions_cache_is_refused_at_start(settings):
    from portal.page_cache import check_own_database

    settings.CACHES = {**settings.CACHES, "pages": dict(settings.CACHES["default"])}
    assert [e.id for e in check_own_database()] == ["portal.E001"]
    settings.CACHES = {**settings.CACHES, "pages": {**settings.CACHES["default"], "LOCATION": "elsewhere"}}
    assert check_own_database() == []
