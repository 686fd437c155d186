"""Organisation, milestone and announcement pages; upcoming, overdue, search and race."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.text import Truncator
from django.views.decorators.http import require_safe

from milestones import selectors
from milestones.domain import chart as layout
from milestones.domain import outlook as method
from milestones.domain.targets import deadline_key
from milestones.models import Milestone, Organisation, Region, Relation
from milestones.selectors import outlook
from milestones.selectors import pages as page_selectors
from milestones.web.caching import cached_page
from milestones.web.forms import SearchForm
from milestones.web.views.timeline import milestone_item

SEARCH_LIMIT = 50
# The method's thresholds, for the sentences that explain an outside view or its absence.
OUTLOOK_TERMS = {"outlook_min_claims": method.MIN_CLASS_SIZE, "outlook_min_horizon": method.MIN_HORIZON_DAYS}


def _relations_by_kind(organisation: Organisation) -> dict:
    """Members grouped by role, what it belongs to, litigation either way, and the rest."""
    members: dict[str, list[Relation]] = defaultdict(list)
    member_of, litigation, other = [], [], []
    for relation in selectors.organisation_relations(organisation):
        if relation.kind == Relation.Kind.MEMBER_OF and relation.target_id == organisation.pk:
            members[relation.role or "member"].append(relation)
        elif relation.kind == Relation.Kind.MEMBER_OF:
            member_of.append(relation)
        elif relation.kind == Relation.Kind.LITIGATION_AGAINST:
            litigation.append(relation)
        elif relation.kind != Relation.Kind.SUBSIDIARY_OF:  # shown as parent/subsidiaries
            other.append(relation)
    return {
        "members": sorted(members.items()),
        "member_of": member_of,
        "litigation": litigation,
        "other_relations": other,
    }


def _organisation_description(organisation: Organisation, milestones: list[Milestone]) -> str:
    """The share card's sentence: where it is and its next claimed deadline."""
    where = organisation.country.name or organisation.get_region_display()
    count = f"{len(milestones)} solid-state battery milestone{'s' if len(milestones) != 1 else ''} tracked"
    upcoming = [m for m in milestones if m.status not in Milestone.FINAL_STATUSES]
    if upcoming:
        return f"{organisation.name} ({where}): {count}; next target {upcoming[0].target_display}."
    return f"{organisation.name} ({where}): {count}."


@require_safe
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(page_selectors.organisation_page(), slug=slug)
    milestones = list(page_selectors.organisation_milestones(organisation))
    today = timezone.localdate()
    chart = layout.build([milestone_item(m, "category") for m in milestones], today=today)
    context = {
        "organisation": organisation,
        "subsidiaries": organisation.subsidiaries_by_name,
        "milestones": milestones,
        "chart": chart,
        "announcements": page_selectors.organisation_announcements(organisation),
        "track_record": selectors.track_record(organisation),
        "slip_record": outlook.slip_record(organisation, today=today),
        "organisation_share_description": _organisation_description(organisation, milestones),
        **OUTLOOK_TERMS,
        **_relations_by_kind(organisation),
    }
    return render(request, "milestones/organisation.html", context)


@require_safe
def milestone_detail(request: HttpRequest, slug: str) -> HttpResponse:
    milestone = get_object_or_404(selectors.milestone_detail(), slug=slug)
    today = timezone.localdate()
    context = {
        "milestone": milestone,
        "overdue": milestone.is_overdue(today),
        "revisions": list(milestone.revisions.all()),
        "stale": selectors.is_stale(milestone, today=today),
        "last_evidence_on": selectors.last_evidence_date(milestone),
        "reaffirmations": selectors.reaffirmations(milestone),
        "outside_view": outlook.outside_view(milestone, today=today),
        "milestone_share_description": (
            f"{milestone.owner.name}: target {milestone.target_display} "
            f"(“{milestone.target_text}”) · {milestone.get_status_display()}"
        ),
        **OUTLOOK_TERMS,
    }
    return render(request, "milestones/milestone.html", context)


@require_safe
def announcement_detail(request: HttpRequest, slug: str) -> HttpResponse:
    announcement = get_object_or_404(selectors.announcement_detail(), slug=slug)
    published = f"{announcement.publisher}, {announcement.published_on:%-d %B %Y}"
    description = (
        Truncator(f"{published}: {announcement.summary}").chars(280) if announcement.summary else published
    )
    context = {"announcement": announcement, "announcement_share_description": description}
    return render(request, "milestones/announcement.html", context)


@require_safe
@cached_page
def upcoming(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    milestones = page_selectors.upcoming_page(today=today)
    context = {"milestones": milestones, "today": today, "until": today + timedelta(days=365)}
    return render(request, "milestones/upcoming.html", context)


@require_safe
@cached_page
def overdue(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    milestones = page_selectors.overdue_page(today=today)
    return render(request, "milestones/overdue.html", {"milestones": milestones, "today": today})


@require_safe
@cached_page(descriptions=True)
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    text = form.cleaned_data["q"].strip() if form.is_valid() else ""
    context: dict = {"form": form, "text": text}
    if text:
        full_text = selectors.full_text_available()
        context |= {
            "organisations": list(selectors.search_organisations(text, full_text=full_text)[:SEARCH_LIMIT]),
            "milestones": list(selectors.search_milestones(text, full_text=full_text)[:SEARCH_LIMIT]),
            "announcements": list(selectors.search_announcements(text, full_text=full_text)[:SEARCH_LIMIT]),
            "full_text": full_text,
        }
    return render(request, "milestones/search.html", context, status=400 if form.errors else 200)


def _race_key(views: dict | None):
    """Rank a cell's entries: by deadline, or (``views`` given) by P50 where there is one.

    Achieved milestones rank by the day they got there; open ones without an outside view
    come after every forecast, so a lack of history never puts a claim ahead."""

    def key(milestone: Milestone) -> tuple:
        if views is None:
            return (0, *deadline_key(milestone.window_start, milestone.window_end))
        view = views.get(milestone.pk)
        deadline = deadline_key(milestone.window_start, milestone.window_end)
        if isinstance(view, method.OutsideView):
            return (0, view.p50, deadline)
        if milestone.achieved_on:
            return (0, milestone.achieved_on, deadline)
        return (1, *deadline)

    return key


@require_safe
@cached_page
def race(request: HttpRequest) -> HttpResponse:
    by_p50 = request.GET.get("order") == "p50"
    board = selectors.race_leaders()
    views = None
    if by_p50:
        entries = [m for cell in board.values() for m in cell]
        views = outlook.outside_views(entries, today=timezone.localdate())
        board = {cell: sorted(entries, key=_race_key(views)) for cell, entries in board.items()}
    key = _race_key(views)
    categories = [(c, Milestone.Category(c).label) for c in selectors.RACE_CATEGORIES]
    # The earliest per category across all regions: "who gets there first?"
    firsts = {}
    for category, _label in categories:
        leaders = [board[(r, category)][0] for r in selectors.RACE_REGIONS if board.get((r, category))]
        if leaders:
            firsts[category] = min(leaders, key=key).pk
    rows = []
    for region in selectors.RACE_REGIONS:
        cells = []
        for category, label in categories:
            entries = board.get((region, category), [])
            leader = entries[0] if entries else None
            cells.append(
                {
                    "category": label,
                    "leader": leader,
                    "outside_view": views.get(leader.pk) if views and leader else None,
                    "others": len(entries) - 1 if entries else 0,
                    "first": leader is not None and firsts.get(category) == leader.pk,
                }
            )
        rows.append({"region": Region(region).label, "cells": cells})
    context = {"rows": rows, "categories": categories, "order": "p50" if by_p50 else "stated"}
    return render(request, "milestones/race.html", context)
