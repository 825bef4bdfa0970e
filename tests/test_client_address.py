"""Throttles count a school's address, not the reverse proxy's, and a client cannot choose its own."""

import pytest
from django.test import RequestFactory

from portal.client_address import client_address

from .conftest import soup

pytestmark = pytest.mark.django_db


def request_from(remote, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_a_trusted_proxy_the_connecting_address_counts(settings):
    settings.PORTAL_TRUSTED_PROXIES = []
    assert client_address(request_from("203.0.113.7", "198.51.100.1")) == "203.0.113.7"


def test_behind_a_trusted_proxy_the_address_it_saw_counts_and_a_forged_one_does_not(settings):
    settings.PORTAL_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/8"]
    assert client_address(request_from("127.0.0.1", "198.51.100.1")) == "198.51.100.1"
    # The client wrote its own X-Forwarded-For; nginx appended the address it really came from.
    assert client_address(request_from("127.0.0.1", "1.2.3.4, 198.51.100.1")) == "198.51.100.1"
    assert client_address(request_from("127.0.0.1", "198.51.100.1, 10.1.2.3")) == "198.51.100.1"  # two proxies
    assert client_address(request_from("127.0.0.1", "not-an-address")) == "127.0.0.1"
    assert client_address(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"  # not from the proxy


def test_two_schools_behind_the_proxy_have_their_own_status_lookup_limits(client, settings):
    settings.PORTAL_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.PORTAL_STATUS_RATE = "2/h"
    wrong = {"reference": "2019-AAAA-BBBB", "mobile": "13812345678"}
    for _ in range(2):
        client.post("/status/", wrong, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1")
    first = client.post("/status/", wrong, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert first.status_code == 429 and "查询失败次数过多" in soup(first).get_text()
    other = client.post("/status/", wrong, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other.status_code == 400  # a wrong guess, answered as such: the other school is not locked out
    forged = client.post("/status/", wrong, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.1")
    assert forged.status_code == 429
