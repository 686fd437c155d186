"""Rate limits that read their rates at request time.

DRF's throttles copy ``DEFAULT_THROTTLE_RATES`` when the class is imported, so a
changed setting (tests, a deploy that reloads settings) would be ignored.
Counts live in the default cache: Redis in production, so every gunicorn worker
shares them.
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from milestones.http import client_address


class _LiveRates:
    @property
    def THROTTLE_RATES(self) -> dict:
        return api_settings.DEFAULT_THROTTLE_RATES

    def get_ident(self, request) -> str:
        """The client as ``NUM_PROXIES`` defines it (DRF's own reading trusts X-Forwarded-For
        when NUM_PROXIES is unset, so an anonymous client could pick a fresh address per request)."""
        return client_address(request)


class AnonThrottle(_LiveRates, AnonRateThrottle):
    pass


class UserThrottle(_LiveRates, UserRateThrottle):
    pass
