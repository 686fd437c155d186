"""Whole-page caching for the heavy, user-independent reader pages.

A timeline of thousands of milestones takes the better part of a second to
draw, and readers ask for the same few views over and over. Each cached page
remembers ``selectors.freshness()`` (latest change and row counts of what the
pages show) from when it was drawn:

- younger than ``PAGE_CACHE_FRESH_SECONDS``: served as it is (no query at all);
- older: served if the data's fingerprint is unchanged, else drawn again — by
  one process only; the others keep serving the previous page meanwhile, so a
  burst of edits under load cannot make every request redraw the chart;
- changed, and last confirmed current less than ``PAGE_CACHE_STALE_SECONDS``
  ago: an anonymous reader gets the previous page at once and the same thread
  redraws it after the response has gone out (stale-while-revalidate), so no
  reader waits the better part of a second for a redraw. A visitor with a
  session (an editor) always waits for the redraw and sees their edit.

So an edit shows within ``PAGE_CACHE_FRESH_SECONDS`` to an editor, and a page is
never more than ``PAGE_CACHE_STALE_SECONDS`` behind the data for anyone; there is
no invalidation code. Only the body and status are cached; headers (CSP,
request id) are added per request by the middleware. Pages whose forms carry
a CSRF token are never cached.

A cached page keeps its gzip bytes too, compressed once when drawn: a client
that accepts gzip gets them without the GZip middleware compressing 2 MiB again
on every hit. Cached pages hold no secret (no CSRF token, nothing per user),
so compressing them once, without per-response padding, gives BREACH nothing.

The feeds answer conditional requests from the same reading (``conditional``):
one clock for the page cache, ``ETag``, ``Last-Modified`` and the 304 decision.
"""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from functools import partial, wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date, quote_etag
from django.utils.text import compress_string

from milestones import selectors

logger = logging.getLogger(__name__)


def _key(request: HttpRequest, view_name: str) -> str:
    # Host and scheme too: calendars and embeds carry absolute links built from them.
    origin = f"{request.scheme}://{request.get_host()}"
    fingerprint = f"{view_name}|{origin}|{request.get_full_path()}|{timezone.localdate()}"
    return "page:" + hashlib.sha256(fingerprint.encode()).hexdigest()


@dataclass(frozen=True)
class Freshness:
    """One reading of ``selectors.freshness()``: the newest change and the row counts."""

    changed_at: datetime | None
    counts: tuple

    @property
    def last_modified(self) -> int | None:
        """``changed_at`` in whole seconds, as an HTTP date carries it.

        Both the ``Last-Modified`` header and the If-Modified-Since comparison
        use this one value, so a client that echoes the header gets a 304."""
        return int(self.changed_at.timestamp()) if self.changed_at else None

    def etag(self, request: HttpRequest) -> str:
        # Full precision here: two edits within one second still change the ETag.
        fingerprint = f"{request.path}?{request.GET.urlencode()}|{self.changed_at}|{self.counts}"
        return quote_etag(hashlib.sha256(fingerprint.encode()).hexdigest()[:32])


def freshness_of(request: HttpRequest, *, descriptions: bool = False) -> Freshness:
    """Read once per request: the page cache and the conditional checks must agree.

    A page searching text (``?q=`` or the search page) matches milestone descriptions,
    so it reads the fingerprint that a description edit changes."""
    descriptions = descriptions or bool(request.GET.get("q"))
    cached = getattr(request, "_ssb_freshness", {})
    if descriptions not in cached:
        cached[descriptions] = Freshness(*selectors.freshness(descriptions=descriptions))
        request._ssb_freshness = cached
    return cached[descriptions]


def conditional(view):
    """Answer If-None-Match / If-Modified-Since from :func:`freshness_of`.

    Unlike ``django.views.decorators.http.condition`` this overwrites the
    validators a view set itself: Django's ``Feed`` dates a feed by its newest
    item, a different clock from the one the 304 check reads, so a client
    echoing that header was told "changed" after any milestone edit."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        fresh = freshness_of(request)
        etag = fresh.etag(request)
        response = get_conditional_response(request, etag=etag, last_modified=fresh.last_modified)
        if response is None:
            response = view(request, *args, **kwargs)
        if request.method in ("GET", "HEAD") and response.status_code in (200, 304):
            response.headers["ETag"] = etag
            if fresh.last_modified is not None:
                response.headers["Last-Modified"] = http_date(fresh.last_modified)
            else:
                response.headers.pop("Last-Modified", None)
        return response

    return wrapper


def _accepts_gzip(request: HttpRequest) -> bool:
    # As Django's GZip middleware reads the header.
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def _respond(request: HttpRequest, entry: dict, state: str, after=None) -> HttpResponse:
    gzipped = _accepts_gzip(request)
    body = entry["gzip"] if gzipped else entry["body"]
    kind, extra = (HttpResponse, {}) if after is None else (_ThenRedraw, {"after": after})
    response = kind(body, status=entry["status"], content_type=entry["content_type"], **extra)
    if gzipped:
        response["Content-Encoding"] = "gzip"
    patch_vary_headers(response, ("Accept-Encoding",))
    response["X-Page-Cache"] = state
    return response


def cached_page(view=None, *, descriptions: bool = False):
    """Cache a page whole (see the module's notes); ``descriptions=True`` for a page that
    shows or searches milestone descriptions."""
    if view is None:
        return partial(cached_page, descriptions=descriptions)

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        seconds = settings.PAGE_CACHE_SECONDS
        if not seconds or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        key = _key(request, view.__name__)
        entry, now = cache.get(key), time.time()
        if entry and now - entry["checked_at"] < settings.PAGE_CACHE_FRESH_SECONDS:
            return _respond(request, entry, "hit")
        fingerprint = repr(freshness_of(request, descriptions=descriptions))
        if entry and entry["fingerprint"] == fingerprint:
            cache.set(key, {**entry, "checked_at": now}, seconds)
            return _respond(request, entry, "hit")
        # Changed data: one process redraws; the rest serve the previous page meanwhile.
        if entry and not cache.add(f"{key}:drawing", 1, 30):
            return _respond(request, entry, "stale")

        def draw() -> HttpResponse:
            try:
                response = view(request, *args, **kwargs)
                if response.status_code in (200, 400) and not response.streaming and not response.cookies:
                    drawn = {"fingerprint": fingerprint, "checked_at": now, "status": response.status_code,
                             "content_type": response["Content-Type"], "body": response.content,
                             "gzip": compress_string(response.content)}  # fmt: skip
                    cache.set(key, drawn, seconds)
                    return _respond(request, drawn, "miss")
            finally:
                cache.delete(f"{key}:drawing")
            response["X-Page-Cache"] = "miss"
            return response

        if entry and _may_wait_for_the_redraw(request, entry, now):
            return _respond(request, entry, "stale", after=partial(_redraw, draw, request.get_full_path()))
        return draw()

    return wrapper


def _may_wait_for_the_redraw(request: HttpRequest, entry: dict, now: float) -> bool:
    """Whether this reader gets the previous page while it is redrawn: it was confirmed
    current recently enough, and the reader has no session (an editor sees their edit)."""
    recent = now - entry["checked_at"] < settings.PAGE_CACHE_STALE_SECONDS
    return recent and settings.SESSION_COOKIE_NAME not in request.COOKIES


def _redraw(draw, path: str) -> None:
    try:
        draw()
    except Exception:
        logger.exception("page cache: redrawing %s after the response failed", path)


class _ThenRedraw(HttpResponse):
    """A response that runs ``after`` once the server has sent it: WSGI servers call
    ``close()`` when the body has gone out, and Django's ``close()`` then ends the request
    (its signal returns the database connection), so the redraw runs just before that."""

    def __init__(self, *args, after, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._after = after

    def close(self) -> None:
        after, self._after = self._after, None
        try:
            if after is not None:
                after()
        finally:
            super().close()
