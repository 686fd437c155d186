"""A Redis cache that degrades instead of failing.

The cache holds the API's throttling counters, the sign-up rate limits and the
reader pages' whole-page cache. When Redis is down, pages and the API must keep
answering (the database is the source of truth), so cache errors are logged and
treated as misses: limits fail open and pages are drawn afresh for the length of
the outage rather than turning every request into a 500.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class ResilientRedisCache(RedisCache):
    def _guard(self, operation: str, default: Any, call, *args, **kwargs) -> Any:
        try:
            return call(*args, **kwargs)
        except RedisError as error:
            log.warning("cache %s failed, carrying on without it: %s", operation, error)
            return default

    def get(self, key, default=None, version=None):
        return self._guard("get", default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._guard("get_many", {}, super().get_many, keys, version)

    def set(self, key, value, timeout=None, version=None):
        return self._guard("set", None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=None, version=None):
        return self._guard("set_many", [], super().set_many, data, timeout, version)

    def add(self, key, value, timeout=None, version=None):
        return self._guard("add", False, super().add, key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        # ValueError (missing key) still propagates: callers rely on it.
        return self._guard("incr", 0, super().incr, key, delta, version)

    def delete(self, key, version=None):
        return self._guard("delete", False, super().delete, key, version)

    def touch(self, key, timeout=None, version=None):
        return self._guard("touch", False, super().touch, key, timeout, version)

    def has_key(self, key, version=None):
        return self._guard("has_key", False, super().has_key, key, version)
