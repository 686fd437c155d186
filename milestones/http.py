"""Facts about a request that every face reads the same way."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is client-controlled unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR", "unknown")


def site_url(path: str) -> str:
    """An absolute link for mail, exports and feeds read outside a request."""
    return f"{settings.SITE_URL}{path}"
