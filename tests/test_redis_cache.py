"""The Redis cache (portal/redis_cache.py) against the Redis on 127.0.0.1:6379 (database 15, emptied): what
Django's backend does, with one redis-py client per connection pool; and the settings use it for rediscache://."""

import os
import subprocess
import sys

import pytest

from portal.redis_cache import RedisCache


@pytest.fixture
def redis_cache():
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/15").ping()
    except redis.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (service redis-server start)")
    cache = RedisCache("redis://127.0.0.1:6379/15", {"KEY_PREFIX": "portal-test"})
    yield cache
    cache.clear()


def test_it_keeps_values_as_djangos_backend_does_with_one_client_per_pool(redis_cache):
    redis_cache.set("page", (b"<html>", [("Content-Type", "text/html")]), 60)
    assert redis_cache.get("page") == (b"<html>", [("Content-Type", "text/html")])
    assert redis_cache.get_many(["page", "none"]) == {"page": (b"<html>", [("Content-Type", "text/html")])}
    assert redis_cache.add("page", "other") is False
    assert redis_cache.add("count", 1) is True and redis_cache.incr("count") == 2
    redis_cache.delete("page")
    assert redis_cache.get("page") is None
    assert redis_cache._cache.get_client("a") is redis_cache._cache.get_client("b", write=True)


def test_the_settings_use_it_for_a_redis_cache_url():
    env = {**os.environ, "CACHE_URL": "rediscache://127.0.0.1:6379/3",
           "PORTAL_PAGE_CACHE_URL": "rediscache://127.0.0.1:6379/4", "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    printed = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from django.conf import settings; "
         "print(settings.CACHES['default']['BACKEND'], settings.CACHES['pages']['BACKEND'])"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout.split()
    assert printed == ["portal.redis_cache.RedisCache", "portal.redis_cache.RedisCache"]
