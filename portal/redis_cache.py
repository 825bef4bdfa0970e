"""Django's Redis cache, with one redis-py client per connection pool instead of one per call.

Django's RedisCacheClient makes a ``redis.Redis`` for every get and set; redis-py builds a table of some 160
response callbacks in each. Profiled, that was a sixth of the time of a page served from the page cache
(portal/page_cache.py), and every public page makes three or four cache calls. A client holds nothing of a call
of its own (it only borrows connections from its pool), and is safe across threads, so one per pool is kept. The
settings swap it in for Django's backend (CACHE_URL, PORTAL_PAGE_CACHE_URL with rediscache://)."""

from django.core.cache.backends import redis


class ReusedClients(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClients
