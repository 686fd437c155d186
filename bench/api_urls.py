"""The app's URLs plus ``/bench/baseline-milestones/``: the same rows and JSON as the API's
milestone list (bench/api.py compares them), built from ``values()`` and encoded with orjson,
with no serializer at all."""

from collections import defaultdict
from datetime import timedelta
from types import SimpleNamespace

import orjson
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone

from milestones.models import Milestone
from milestones.selectors.outlook import OutsideView, outside_views
from ssbtracker.urls import urlpatterns as app_urlpatterns

_ORG = ("slug", "name", "country", "region")


def _org(origin: str, row: dict, prefix: str = "") -> dict:
    slug = row[f"{prefix}slug"]
    return {
        "slug": slug,
        "name": row[f"{prefix}name"],
        "country": row[f"{prefix}country"],
        "region": row[f"{prefix}region"],
        "url": f"{origin}/api/v1/organisations/{slug}/",
        "page_url": f"{origin}/organisations/{slug}/",
    }


def _outside_view(view) -> dict:
    if not isinstance(view, OutsideView):
        return {"outside_view": None, "outside_view_reason": view.reason}
    reference = view.reference_class
    return {
        "outside_view": {
            "p50": view.p50,
            "p80": view.p80,
            "n": view.n,
            "reference_class": {"kind": reference.kind, "key": reference.key, "label": reference.label},
            "stated_on": view.stated_on,
            "window_end": view.window_end,
        },
        "outside_view_reason": None,
    }


def baseline_milestones(request: HttpRequest) -> HttpResponse:
    origin = request.build_absolute_uri("/")[:-1]
    today = timezone.localdate()
    size = int(request.GET.get("page_size", 100))
    rows = list(
        Milestone.objects.order_by(F("window_end").asc(nulls_last=True), "pk").values(
            "id",
            "slug",
            "title",
            "category",
            "technology",
            "electrolyte",
            "claim_strength",
            "semi_solid_called_solid_state",
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
            "target_open_start",
            "target_relative_to",
            *(f"owner__{field}" for field in _ORG),
        )[:size]
    )
    ids = [row["id"] for row in rows]
    participants = defaultdict(list)
    for link in (
        Milestone.participants.through.objects.filter(milestone_id__in=ids)
        .order_by("organisation__name", "organisation_id")
        .values("milestone_id", *(f"organisation__{field}" for field in _ORG))
    ):
        participants[link["milestone_id"]].append(_org(origin, link, "organisation__"))
    evidence = defaultdict(list)
    for link in (
        Milestone.evidence.through.objects.filter(milestone_id__in=ids)
        .order_by("announcement__published_on", "announcement_id")
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
    stale_before = today - timedelta(days=365)
    # The outside view is data work both sides do alike: one read of every claim, judged in Python.
    views = outside_views([SimpleNamespace(pk=pk) for pk in ids], today=today)
    results = []
    for row in rows:
        final = row["status"] in Milestone.FINAL_STATUSES
        found = evidence[row["id"]]
        last = max((e["published_on"] for e in found), default=timezone.localtime(row["created_at"]).date())
        results.append(
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
                "claim_strength": row["claim_strength"],
                "semi_solid_called_solid_state": row["semi_solid_called_solid_state"],
                "target": {
                    "edtf": row["target_edtf"],
                    "text": row["target_text"],
                    "display": row["target_display"],
                    "start": row["window_start"],
                    "end": row["window_end"],
                    "approximate": row["target_approximate"],
                    "open_start": row["target_open_start"],
                    "open_end": row["window_end"] is None,
                    "relative_to": row["target_relative_to"],
                },
                "status": row["status"],
                "overdue": not final and row["window_end"] is not None and row["window_end"] < today,
                "achieved_on": row["achieved_on"],
                "evidence": found,
                "last_evidence_on": last,
                "stale": not final and last < stale_before,
                **_outside_view(views[row["id"]]),
                "description": row["description"],
                "created_at": timezone.localtime(row["created_at"]),
                "updated_at": timezone.localtime(row["updated_at"]),
            }
        )
    body = orjson.dumps({"next": None, "previous": None, "results": results}, option=orjson.OPT_UTC_Z)
    return HttpResponse(body, content_type="application/json")


urlpatterns = [path("bench/baseline-milestones/", baseline_milestones), *app_urlpatterns]
