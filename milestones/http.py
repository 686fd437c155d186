"""Facts about a request that every face reads the same way."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address of the client, for throttles, sign-up limits, login lockout and logs.

    ``NUM_PROXIES`` says how many proxies stand in front of the app. With none (the
    default) forwarded headers are ignored: a client could write anything there. With N,
    the N-th address from the right of ``X-Forwarded-For`` is the one the outermost of
    our proxies saw, which no client can forge (each proxy appends what it saw)."""
    remote = request.META.get("REMOTE_ADDR") or "unknown"
    proxies = settings.NUM_PROXIES
    if not proxies:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if not hops:
        return remote
    return hops[-min(proxies, len(hops))][:64]


def site_url(path: str) -> str:
    """An absolute link for mail, exports and feeds read outside a request."""
    return f"{settings.SITE_URL}{path}"
