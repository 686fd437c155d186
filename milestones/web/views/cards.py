"""Share-card PNGs for milestones, organisations and the site (the pages' ``og:image``).

A card is drawn once per data change and day (the today line moves) and then served
from the cache; browsers and chat apps may keep it for an hour.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_safe

from milestones import selectors
from milestones.models import Milestone
from milestones.selectors import pages as page_selectors
from milestones.web import cards

CACHE_SECONDS = 24 * 3600
BROWSER_SECONDS = 3600


def _bar(milestone: Milestone, label: str) -> cards.Bar:
    return cards.Bar(label, milestone.window_start, milestone.window_end, milestone.status)


def _serve(name: str, draw: Callable[[], bytes]) -> HttpResponse:
    # The data fingerprint and the day: any edit or a new day (the today line) draws anew.
    stamp = f"{selectors.freshness()}:{timezone.localdate()}"
    key = f"card:{name}:{hashlib.sha256(stamp.encode()).hexdigest()[:16]}"
    png = cache.get(key)
    if png is None:
        png = draw()
        cache.set(key, png, CACHE_SECONDS)
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = f"public, max-age={BROWSER_SECONDS}"
    return response


@require_safe
def milestone_card(request: HttpRequest, slug: str) -> HttpResponse:
    milestone = get_object_or_404(selectors.milestone_list(), slug=slug)

    def draw() -> bytes:
        return cards.milestone_card(
            title=milestone.title,
            owner=milestone.owner.name,
            target=milestone.target_display,
            status=milestone.get_status_display(),
            bar=_bar(milestone, milestone.title),
            today=timezone.localdate(),
        )

    return _serve(f"milestone:{slug}", draw)


@require_safe
def organisation_card(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(page_selectors.organisations_by_slug(), slug=slug)

    def draw() -> bytes:
        milestones = list(page_selectors.organisation_milestones(organisation)[: cards.MAX_BARS])
        count = len(milestones)
        summary = f"{count} milestone{'s' if count != 1 else ''} tracked" if count else "No milestones yet"
        bars = [_bar(m, f"{m.title} · {m.target_display}") for m in milestones]
        return cards.organisation_card(
            name=organisation.name, summary=summary, bars=bars, today=timezone.localdate()
        )

    return _serve(f"organisation:{slug}", draw)


@require_safe
def site_card(request: HttpRequest) -> HttpResponse:
    def draw() -> bytes:
        milestones = page_selectors.timeline_milestones(selectors.MilestoneFilters())[: cards.MAX_BARS]
        bars = [_bar(m, f"{m.owner.name} · {m.target_display}") for m in milestones]
        return cards.site_card(bars=bars, today=timezone.localdate())

    return _serve("site", draw)
