"""A database locked by someone else gets every page a Chinese 503 with Retry-After, not a 500."""

import sqlite3

import psycopg
import pytest
from django.db import connection
from django.test import Client

from .conftest import soup


@pytest.fixture
def locked_database(committed_site):
    """Another process holds an exclusive lock; this process waits one second for a lock, then gives up."""
    settings = connection.settings_dict
    connection.close()
    if connection.vendor == "sqlite":
        settings["OPTIONS"]["timeout"] = 1
        holder = sqlite3.connect(settings["NAME"], isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
    else:
        settings["OPTIONS"]["options"] = "-c lock_timeout=1000"
        holder = psycopg.connect(host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432,
                                 user=settings["USER"], dbname=settings["NAME"])
        holder.execute("LOCK TABLE wagtailcore_page, django_session, applications_application IN ACCESS EXCLUSIVE MODE")
    yield
    if connection.vendor == "sqlite":
        holder.execute("ROLLBACK")
        settings["OPTIONS"]["timeout"] = 20
    else:
        holder.rollback()
        settings["OPTIONS"]["options"] = "-c lock_timeout=20000"
    holder.close()
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_every_page_says_busy_with_retry_after_while_the_database_is_locked(locked_database):
    client = Client(raise_request_exception=False)
    for method, url, data in (("get", "/", None), ("get", "/notices/demo-2019-pilot-projects/demo-apply/", None),
                              ("post", "/status/", {"reference": "2019-AAAA-BBBB", "mobile": "13812345678"})):
        response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
        assert response.status_code == 503, url
        assert response["Retry-After"] == "30"
        assert "系统繁忙，请稍后再试" in soup(response).get_text()
