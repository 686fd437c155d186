"""Rate limits that read their rates at request time and count atomically.

DRF's throttles copy ``DEFAULT_THROTTLE_RATES`` when the class is imported, so a
changed setting (tests, a deploy that reloads settings) would be ignored. They also
keep each client's history as a list that every request reads, extends and writes
back: two workers answering the same client at once both write, and one request is
lost. Under load (bench/load.py's throttled phase, 50 clients from one address) the
anonymous budget of 300 a minute was never reached although 400 requests came in.

Here each request adds one to a counter for the current window with the cache's
atomic increment (Redis ``INCR`` in production, shared by every gunicorn worker; a
locked dict in the local-memory cache). A client may make ``N`` requests in each
window of the rate's period, aligned to the clock (``300/minute``: each minute
from :00); over the budget it gets 429 with ``Retry-After`` counting the seconds
to the next window.
"""

from __future__ import annotations

import math

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from milestones.http import client_address


class _Windowed:
    @property
    def THROTTLE_RATES(self) -> dict:
        return api_settings.DEFAULT_THROTTLE_RATES

    def get_ident(self, request) -> str:
        """The client as ``NUM_PROXIES`` defines it (DRF's own reading trusts X-Forwarded-For
        when NUM_PROXIES is unset, so an anonymous client could pick a fresh address per request)."""
        return client_address(request)

    def window_key(self, key: str, now: float) -> str:
        return f"{key}:{int(now // self.duration)}"

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        counter = self.window_key(self.key, self.now)
        # One second past the window, so a late increment never lands on a missing key.
        self.cache.add(counter, 0, self.duration + 1)
        try:
            count = self.cache.incr(counter)
        except ValueError:  # evicted between add and incr: this request starts the count
            self.cache.set(counter, 1, self.duration + 1)
            count = 1
        return count <= self.num_requests

    def wait(self) -> float:
        """Seconds until the next window opens (the ``Retry-After`` header, rounded up)."""
        window_end = (int(self.now // self.duration) + 1) * self.duration
        return max(1, math.ceil(window_end - self.now))


class AnonThrottle(_Windowed, AnonRateThrottle):
    pass


class UserThrottle(_Windowed, UserRateThrottle):
    pass
