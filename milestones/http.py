"""Facts about a request that every face reads the same way."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

# Keys that match the routes' patterns (a slug, a numeric id), swapped for the real one.
_PLACEHOLDERS = {"slug": "__key__", "pk": "9081726354"}


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


class RouteLinks:
    """Links to one route after another for many rows: ``reverse()`` (tens of microseconds,
    it reads request-local state) runs once per route with a placeholder key, and each
    link is the text around it joined with the row's key. ``prefix`` goes in front (an
    absolute API link's origin)."""

    __slots__ = ("_prefix", "_routes")

    def __init__(self, prefix: str = "") -> None:
        self._prefix = prefix
        self._routes: dict[str, tuple[str, str]] = {}

    def url(self, route: str, key: Any, *, kwarg: str = "slug") -> str:
        parts = self._routes.get(route)
        if parts is None:
            placeholder = _PLACEHOLDERS[kwarg]
            parts = self._routes[route] = around(
                self._prefix + reverse(route, kwargs={kwarg: placeholder}), placeholder
            )
        return f"{parts[0]}{key}{parts[1]}"


def around(url: str, placeholder: str) -> tuple[str, str]:
    """The text of ``url`` before and after ``placeholder``, which it must hold once."""
    before, found, after = url.partition(placeholder)
    if not found or placeholder in after:
        raise ValueError(f"{url!r} must hold {placeholder!r} once")
    return before, after
