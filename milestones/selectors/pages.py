"""Reads for the reader pages and feeds: each returns rows with every join the
page draws already applied, so a page costs the same few queries at 1 row or
5,000 (pinned in tests/test_query_counts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core import signing
from django.db.models import F, Prefetch, QuerySet

from milestones.domain.targets import deadline_key
from milestones.models import Announcement, Milestone, Organisation, Reminder, Subscription
from milestones.services.subscriptions import CONFIRM_SALT

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
    "subscription_confirm_preview",
    "timeline_milestones",
    "upcoming_page",
]

# Open-ended targets (no deadline) after every other, on every database engine.
_BY_DEADLINE = (F("window_end").asc(nulls_last=True), "window_start", "title")


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
    return sorted(milestones, key=lambda m: (*deadline_key(m.window_start, m.window_end), m.title))


def upcoming_page(*, today: date) -> QuerySet[Milestone]:
    return milestones_upcoming(today=today).order_by("window_end", "title")


def overdue_page(*, today: date) -> QuerySet[Milestone]:
    return milestones_overdue(today=today).order_by("window_end", "title")


def announcements_latest(*, limit: int) -> QuerySet[Announcement]:
    """The newest announcements with their publishers, for the Atom feed."""
    return Announcement.objects.select_related("publisher").order_by("-published_on", "-id")[:limit]


@dataclass(frozen=True)
class ConfirmPreview:
    """What a confirmation link will switch on, read without confirming anything."""

    masked_email: str
    subscription: Subscription
    kinds: list[str]  # labels of the chosen reminder kinds


def mask_email(email: str) -> str:
    """``edna@example.com`` -> ``e•••@example.com``: enough to recognise, too little to harvest."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def subscription_confirm_preview(*, token: str) -> ConfirmPreview | None:
    """The address, scope and reminder kinds a confirmation link carries; None when it is
    invalid, expired or its subscription is gone (the POST then says which)."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.SUBSCRIPTION_CONFIRM_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    subscription = (
        Subscription.objects.select_related("milestone", "organisation")
        .filter(pk=data.get("s"), email=data.get("e"))
        .first()
    )
    if subscription is None:
        return None
    labels = dict(Reminder.Kind.choices)
    kinds = [labels[kind] for kind in labels if kind in data.get("k", [])]
    return ConfirmPreview(mask_email(subscription.email), subscription, kinds)
