"""Reader pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from . import selectors
from .models import Announcement, Organisation


def home(request: HttpRequest) -> HttpResponse:
    milestones = selectors.milestone_list().order_by("window_end", "title")
    return render(request, "milestones/home.html", {"milestones": milestones})


def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation.objects.select_related("parent"), slug=slug)
    context = {
        "organisation": organisation,
        "milestones": selectors.milestone_list().filter(owner=organisation),
        "relations": selectors.organisation_relations(organisation),
        "track_record": selectors.track_record(organisation),
    }
    return render(request, "milestones/organisation.html", context)


def milestone_detail(request: HttpRequest, slug: str) -> HttpResponse:
    milestone = get_object_or_404(selectors.milestone_detail(), slug=slug)
    return render(request, "milestones/milestone.html", {"milestone": milestone})


def announcement_detail(request: HttpRequest, slug: str) -> HttpResponse:
    announcement = get_object_or_404(
        Announcement.objects.select_related("publisher", "original_source").prefetch_related(
            "quotes__speaker", "organisations", "milestones"
        ),
        slug=slug,
    )
    return render(request, "milestones/announcement.html", {"announcement": announcement})
