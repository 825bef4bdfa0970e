"""The admin's sign-in: repeated wrong passwords for one account from one address lock that pair out, with
a Chinese page; the right password from elsewhere, and other accounts, still work; staff sessions expire."""

import pytest
from django.test import Client

from .conftest import soup
from .factories import REVIEWER_PASSWORD, ReviewerFactory


def sign_in(client, username, password, address="203.0.113.7"):
    return client.post("/admin/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.fixture
def reviewer(db, settings):
    settings.AXES_ENABLED = True  # off in the other tests (portal/settings/test.py)
    return ReviewerFactory(username="pingjiang", unit_name="平江县")


def test_five_wrong_passwords_lock_the_account_from_that_address_with_a_chinese_page(reviewer, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        wrong = sign_in(client, "pingjiang", "guess")
        assert wrong.status_code == 200 and "/admin/" not in wrong.get("Location", "")
    locked = sign_in(client, "pingjiang", "guess")
    assert locked.status_code == 429 or locked.status_code == 403
    text = soup(locked).get_text()
    assert "登录已暂停" in text and "5 次" in text
    # Now even the right password is refused from there …
    assert sign_in(Client(), "pingjiang", REVIEWER_PASSWORD).status_code in (403, 429)
    # … but not from another address, and not for another account.
    assert sign_in(Client(), "pingjiang", REVIEWER_PASSWORD, address="198.51.100.9").status_code == 302
    ReviewerFactory(username="city", city=True)
    assert sign_in(Client(), "city", REVIEWER_PASSWORD).status_code == 302


def test_a_success_resets_the_count(reviewer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(Client(), "pingjiang", "guess")
    assert sign_in(Client(), "pingjiang", REVIEWER_PASSWORD).status_code == 302
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(Client(), "pingjiang", "guess")
    assert sign_in(Client(), "pingjiang", REVIEWER_PASSWORD).status_code == 302


def test_staff_sessions_expire(reviewer, settings):
    client = Client()
    assert sign_in(client, "pingjiang", REVIEWER_PASSWORD).status_code == 302
    assert client.session.get_expire_at_browser_close()
    assert client.session.get_expiry_age() <= 8 * 3600


def policy(response):
    return dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";") if d.strip())


def test_public_pages_and_the_sign_in_run_no_inline_script(client, reviewer):
    from .factories import demo_form_page

    for url in ("/", "/admin/login/", "/status/", demo_form_page().url, "/no-such-page/"):
        directives = policy(client.get(url))
        assert directives["script-src"] == "'self'", url
        assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'self'"


def test_behind_the_sign_in_wagtails_own_inline_scripts_are_allowed_and_nothing_else(client, reviewer):
    assert sign_in(client, "pingjiang", REVIEWER_PASSWORD).status_code == 302
    directives = policy(client.get("/admin/"))
    assert directives["script-src"] == "'self' 'unsafe-inline'"
    assert directives["connect-src"].startswith("'self'") and directives["object-src"] == "'none'"
