"""The app's URLs plus ``/bench/baseline-milestones/``: the same rows and shape as the API's
milestone list, built from ``values()`` and encoded with orjson, with no serializer at all."""

from collections import defaultdict

import orjson
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone

from milestones.models import Milestone
from ssbtracker.urls import urlpatterns as app_urlpatterns

_ORG = ("slug", "name", "country", "region")


def _org(origin: str, row: dict, prefix: str = "") -> dict:
    slug = row[f"{prefix}slug"]
    return {
        "slug": slug,
        "name": row[f"{prefix}name"],
        "country": row[f"{prefix}country"],
        "region": row[f"{prefix}region"],
        "url": f"{origin}/api/v1/organizations/{slug}/",
        "page_url": f"{origin}/organisations/{slug}/",
    }


def baseline_milestones(request: HttpRequest) -> HttpResponse:
    origin = request.build_absolute_uri("/")[:-1]
    today = timezone.localdate()
    size = int(request.GET.get("page_size", 100))
    rows = list(
        Milestone.objects.order_by("window_end", "pk").values(
            "id",
            "slug",
            "title",
            "category",
            "technology",
            "electrolyte",
            "status",
            "achieved_on",
            "description",
            "created_at",
            "updated_at",
            "target_edtf",
            "target_text",
            "target_display",
            "window_start",
            "window_end",
            "target_approximate",
            *(f"owner__{field}" for field in _ORG),
        )[:size]
    )
    ids = [row["id"] for row in rows]
    participants = defaultdict(list)
    for link in Milestone.participants.through.objects.filter(milestone_id__in=ids).values(
        "milestone_id", *(f"organisation__{field}" for field in _ORG)
    ):
        participants[link["milestone_id"]].append(_org(origin, link, "organisation__"))
    evidence = defaultdict(list)
    for link in (
        Milestone.evidence.through.objects.filter(milestone_id__in=ids)
        .order_by("announcement__published_on")
        .values(
            "milestone_id",
            "announcement__slug",
            "announcement__title",
            "announcement__published_on",
            "announcement__paywalled",
            "announcement__url",
            "announcement__publisher__slug",
            "announcement__publisher__name",
        )
    ):
        slug, publisher = link["announcement__slug"], link["announcement__publisher__slug"]
        evidence[link["milestone_id"]].append(
            {
                "slug": slug,
                "title": link["announcement__title"],
                "published_on": link["announcement__published_on"],
                "publisher": {
                    "slug": publisher,
                    "name": link["announcement__publisher__name"],
                    "url": f"{origin}/api/v1/publishers/{publisher}/",
                },
                "paywalled": link["announcement__paywalled"],
                "source_url": link["announcement__url"],
                "url": f"{origin}/api/v1/announcements/{slug}/",
                "page_url": f"{origin}/announcements/{slug}/",
            }
        )
    results = [
        {
            "url": f"{origin}/api/v1/milestones/{row['slug']}/",
            "page_url": f"{origin}/milestones/{row['slug']}/",
            "slug": row["slug"],
            "title": row["title"],
            "owner": _org(origin, row, "owner__"),
            "participants": participants[row["id"]],
            "category": row["category"],
            "technology": row["technology"],
            "electrolyte": row["electrolyte"],
            "target": {
                "edtf": row["target_edtf"],
                "text": row["target_text"],
                "display": row["target_display"],
                "start": row["window_start"],
                "end": row["window_end"],
                "approximate": row["target_approximate"],
            },
            "status": row["status"],
            "overdue": row["status"] not in Milestone.FINAL_STATUSES and row["window_end"] < today,
            "achieved_on": row["achieved_on"],
            "evidence": evidence[row["id"]],
            "description": row["description"],
            "created_at": row["created_at"],
            "updated_at": row["updated_at"],
        }
        for row in rows
    ]
    body = orjson.dumps({"next": None, "previous": None, "results": results})
    return HttpResponse(body, content_type="application/json")


urlpatterns = [path("bench/baseline-milestones/", baseline_milestones), *app_urlpatterns]
