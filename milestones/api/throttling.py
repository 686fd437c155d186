"""Rate limits that read their rates at request time.

DRF's throttles copy ``DEFAULT_THROTTLE_RATES`` when the class is imported, so a
changed setting (tests, a deploy that reloads settings) would be ignored.
Counts live in the default cache: Redis in production, so every gunicorn worker
shares them.
"""

from __future__ import annotations

from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class _LiveRates:
    @property
    def THROTTLE_RATES(self) -> dict:
        return api_settings.DEFAULT_THROTTLE_RATES


class AnonThrottle(_LiveRates, AnonRateThrottle):
    pass


class UserThrottle(_LiveRates, UserRateThrottle):
    pass
