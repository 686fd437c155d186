"""Whole-page caching for the heavy, user-independent reader pages.

A timeline of thousands of milestones takes the better part of a second to
draw, and readers ask for the same few views over and over. Each cached page
remembers ``selectors.freshness()`` (latest change and row counts of what the
pages show) from when it was drawn:

- younger than ``PAGE_CACHE_FRESH_SECONDS``: served as it is (no query at all);
- older: served if the data's fingerprint is unchanged, else drawn again — by
  one process only; the others keep serving the previous page meanwhile, so a
  burst of edits under load cannot make every request redraw the chart.

So an edit shows within ``PAGE_CACHE_FRESH_SECONDS`` and there is no
invalidation code. Only the body and status are cached; headers (CSP,
request id) are added per request by the middleware. Pages whose forms carry
a CSRF token are never cached.
"""

from __future__ import annotations

import hashlib
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from milestones import selectors


def _key(request: HttpRequest, view_name: str) -> str:
    fingerprint = f"{view_name}|{request.get_full_path()}|{timezone.localdate()}"
    return "page:" + hashlib.sha256(fingerprint.encode()).hexdigest()


def freshness_of(request: HttpRequest) -> tuple:
    # Shared with the feeds' ETag and Last-Modified checks: computed once per request.
    if not hasattr(request, "_ssb_freshness"):
        request._ssb_freshness = selectors.freshness()
    return request._ssb_freshness


def _respond(entry: dict, state: str) -> HttpResponse:
    response = HttpResponse(entry["body"], status=entry["status"], content_type=entry["content_type"])
    response["X-Page-Cache"] = state
    return response


def cached_page(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        seconds = settings.PAGE_CACHE_SECONDS
        if not seconds or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        key = _key(request, view.__name__)
        entry, now = cache.get(key), time.time()
        if entry and now - entry["checked_at"] < settings.PAGE_CACHE_FRESH_SECONDS:
            return _respond(entry, "hit")
        fingerprint = repr(freshness_of(request))
        if entry and entry["fingerprint"] == fingerprint:
            cache.set(key, {**entry, "checked_at": now}, seconds)
            return _respond(entry, "hit")
        # Changed data: one process redraws; the rest serve the previous page meanwhile.
        if entry and not cache.add(f"{key}:drawing", 1, 30):
            return _respond(entry, "stale")
        response = view(request, *args, **kwargs)
        if response.status_code in (200, 400) and not response.streaming and not response.cookies:
            drawn = {"fingerprint": fingerprint, "checked_at": now, "status": response.status_code,
                     "content_type": response["Content-Type"], "body": response.content}  # fmt: skip
            cache.set(key, drawn, seconds)
        cache.delete(f"{key}:drawing")
        response["X-Page-Cache"] = "miss"
        return response

    return wrapper
