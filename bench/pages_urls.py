"""The app's URLs plus ``/bench/baseline/``: the timeline's rows from the same selector the
page uses, as JSON: what the data costs without the drawing (bench/pages.py compares them)."""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from milestones import selectors
from milestones.selectors import pages as page_selectors
from ssbtracker.urls import urlpatterns as app_urlpatterns


def _iso(day) -> str | None:
    return day.isoformat() if day is not None else None


def baseline(request: HttpRequest) -> JsonResponse:
    data = []
    for m in page_selectors.timeline_milestones(selectors.MilestoneFilters()):
        first = m.first_revisions[0] if m.first_revisions else None
        evidence = selectors.prefetched(m, "evidence")
        data.append(
            {
                "url": m.get_absolute_url(),
                "title": m.title,
                "owner": m.owner.name,
                "category": m.category,
                "status": m.status,
                "target_text": m.target_text,
                "target_display": m.target_display,
                "window_start": _iso(m.window_start),
                "window_end": _iso(m.window_end),
                "open_start": m.target_open_start,
                "approximate": m.target_approximate,
                "first_start": _iso(first.new_start) if first else None,
                "first_end": _iso(first.new_end) if first else None,
                "source": evidence[0].publisher.name if evidence else None,
                "participants": [p.name for p in selectors.prefetched(m, "participants")],
            }
        )
    return JsonResponse({"milestones": data})


urlpatterns = [path("bench/baseline/", baseline), *app_urlpatterns]
