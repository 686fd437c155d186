"""Reads for the reader pages and feeds: each returns rows with every join the
page draws already applied, so a page costs the same few queries at 1 row or
5,000 (pinned in tests/test_query_counts.py)."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, QuerySet

from milestones.models import Announcement, Milestone, Organisation

from .milestones import (
    MilestoneFilters,
    apply_as_of,
    milestone_timeline,
    milestones_as_of,
    milestones_filter,
    milestones_overdue,
    milestones_upcoming,
)

__all__ = [
    "announcements_latest",
    "organisation_announcements",
    "organisation_choices",
    "organisation_milestones",
    "organisation_page",
    "organisations_by_slug",
    "overdue_page",
    "timeline_milestones",
    "upcoming_page",
]

_BY_DEADLINE = ("window_end", "window_start", "title")


def organisations_by_slug() -> QuerySet[Organisation]:
    """Bare organisations, for a lookup by slug that needs only name and slug."""
    return Organisation.objects.only("id", "slug", "name")


def organisation_page() -> QuerySet[Organisation]:
    """Organisations with the parent joined and subsidiaries (by name) in ``subsidiaries_by_name``."""
    return Organisation.objects.select_related("parent").prefetch_related(
        Prefetch(
            "subsidiaries",
            queryset=Organisation.objects.only("id", "slug", "name", "parent_id").order_by("name"),
            to_attr="subsidiaries_by_name",
        )
    )


def organisation_milestones(organisation: Organisation) -> QuerySet[Milestone]:
    """Owned milestones and those it takes part in, as the chart draws them, by deadline."""
    filters = MilestoneFilters(organisation=organisation.slug)
    return milestones_filter(milestone_timeline(), filters).order_by(*_BY_DEADLINE)


def organisation_announcements(organisation: Organisation) -> QuerySet[Announcement]:
    return organisation.announcements.select_related("publisher").order_by("-published_on")


def organisation_choices() -> list[tuple[str, str, str]]:
    """``(slug, name, country)`` of every organisation by name: the filter form's choices in one query."""
    return list(Organisation.objects.order_by("name").values_list("slug", "name", "country"))


def timeline_milestones(filters: MilestoneFilters, *, as_of: date | None = None) -> list[Milestone]:
    """The timeline's milestones by deadline; with ``as_of``, as they were believed that day."""
    queryset = milestones_filter(milestone_timeline(), filters)
    if as_of is None:
        return list(queryset.order_by(*_BY_DEADLINE))
    # The as-of window can differ from today's, so order after applying it.
    milestones = [apply_as_of(m) for m in milestones_as_of(queryset, as_of)]
    return sorted(milestones, key=lambda m: (m.window_end, m.window_start, m.title))


def upcoming_page(*, today: date) -> QuerySet[Milestone]:
    return milestones_upcoming(today=today).order_by("window_end", "title")


def overdue_page(*, today: date) -> QuerySet[Milestone]:
    return milestones_overdue(today=today).order_by("window_end", "title")


def announcements_latest(*, limit: int) -> QuerySet[Announcement]:
    """The newest announcements with their publishers, for the Atom feed."""
    return Announcement.objects.select_related("publisher").order_by("-published_on", "-id")[:limit]
