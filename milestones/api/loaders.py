"""Batch loading of the summaries a milestone page shows, as plain rows instead of models.

A 100-milestone page links ~150 participants and ~200 announcements with their publishers.
As model instances (``prefetch_related``) building them cost more than the rest of the
response; two ``values()`` queries into slotted rows cost a fraction, and the page still
issues the same number of queries at any size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from django.db.models import F

from milestones.models import Announcement, Milestone, Organisation

# Annotations that carry the owner's summary on the milestone row itself (no model built).
OWNER_COLUMNS = {f"owner_{name}": F(f"owner__{name}") for name in ("slug", "name", "country", "region")}


@dataclass(slots=True)
class OrganisationRow:
    page_model: ClassVar[type] = Organisation
    slug: str
    name: str
    country: str
    region: str


@dataclass(slots=True)
class PublisherRow:
    slug: str
    name: str


@dataclass(slots=True)
class AnnouncementRow:
    page_model: ClassVar[type] = Announcement
    slug: str
    title: str
    published_on: date
    paywalled: bool
    url: str
    publisher: PublisherRow


def attach_summaries(milestones: list[Milestone]) -> None:
    """Set ``owner_row`` (from ``OWNER_COLUMNS``), ``participants_list`` and ``evidence_list``
    on each milestone (two queries)."""
    ids = [milestone.pk for milestone in milestones]
    participants: dict[int, list] = defaultdict(list)
    rows = Milestone.participants.through.objects.filter(milestone_id__in=ids).values_list(
        "milestone_id",
        "organisation__slug",
        "organisation__name",
        "organisation__country",
        "organisation__region",
    )
    for milestone_id, *org in rows.order_by("organisation__name", "organisation_id"):
        participants[milestone_id].append(OrganisationRow(*org))
    evidence: dict[int, list] = defaultdict(list)
    rows = Milestone.evidence.through.objects.filter(milestone_id__in=ids).values_list(
        "milestone_id",
        "announcement__slug",
        "announcement__title",
        "announcement__published_on",
        "announcement__paywalled",
        "announcement__url",
        "announcement__publisher__slug",
        "announcement__publisher__name",
    )
    for milestone_id, *fields, publisher_slug, publisher_name in rows.order_by(
        "announcement__published_on", "announcement_id"
    ):
        evidence[milestone_id].append(AnnouncementRow(*fields, PublisherRow(publisher_slug, publisher_name)))
    for milestone in milestones:
        if hasattr(milestone, "owner_slug"):
            milestone.owner_row = OrganisationRow(
                milestone.owner_slug, milestone.owner_name, milestone.owner_country, milestone.owner_region
            )
        milestone.participants_list = participants.get(milestone.pk, [])
        milestone.evidence_list = evidence.get(milestone.pk, [])
