"""Reads for the REST API: each resource's rows with the joins its representation needs, so a
page costs the same few queries at 1 row or 500 (pinned in tests/test_api_read.py).

The milestone list is the hot path. Its owner's summary columns ride along on the milestone
row as annotations, and :func:`milestone_page_links` loads the page's participants and
evidence in two ``values_list`` queries into slotted rows: built as model instances
(``prefetch_related``) they cost more than the rest of the response.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from milestones.domain.text import whole_number
from milestones.models import (
    Announcement,
    Milestone,
    Organisation,
    Person,
    Publisher,
    Quote,
    Relation,
    TargetRevision,
)

from .milestones import milestones_as_of
from .search import announcement_text_q, milestone_text_q  # the one text rule, re-exported

__all__ = [
    "announcement_by_slug_or_id",
    "announcement_involves_q",
    "announcement_text_q",
    "announcements_for_api",
    "milestone_details_for_api",
    "milestone_involves_q",
    "milestone_page_links",
    "milestone_participant_q",
    "milestone_text_q",
    "milestones_for_api",
    "milestones_for_api_csv",
    "organisation_member_of_q",
    "organisations_for_api",
    "people_for_api",
    "publishers_for_api",
    "relations_for_api",
]

_BY_DEADLINE = ("window_end", "pk")
_ORGANISATION_SUMMARY = ("id", "name", "slug", "country", "region")
# Only what an announcement's summary shows: fewer columns to convert on the hot path.
_ANNOUNCEMENT_SUMMARY = (
    "id",
    "slug",
    "title",
    "published_on",
    "paywalled",
    "url",
    "publisher__id",
    "publisher__slug",
    "publisher__name",
)
# The owner as a summary needs none of these; fiscal_year_start_month stays (writes parse
# targets in the owner's fiscal calendar from the same instance).
_OWNER_UNSHOWN = tuple(
    f"owner__{name}"
    for name in ("aliases", "description", "website", "founded", "created_at", "updated_at", "state_owned")
)
_OWNER_COLUMNS = {f"owner_{name}": F(f"owner__{name}") for name in ("slug", "name", "country", "region")}


def milestones_for_api(*, as_of: date | None = None) -> QuerySet[Milestone]:
    """By deadline, with the owner's summary as ``owner_slug``/``owner_name``/``owner_country``/
    ``owner_region`` annotations (no owner model built). Call :func:`milestone_page_links` on
    the page; with ``as_of``, rows carry what was believed that day (see ``milestones_as_of``)."""
    queryset = Milestone.objects.annotate(**_OWNER_COLUMNS).order_by(*_BY_DEADLINE)
    return milestones_as_of(queryset, as_of) if as_of else queryset


def milestones_for_api_csv(*, as_of: date | None = None) -> QuerySet[Milestone]:
    """:func:`milestones_for_api` with participants and evidence prefetched per chunk, for an
    export iterated with ``iterator(chunk_size=…)``."""
    return milestones_for_api(as_of=as_of).prefetch_related(*_milestone_link_prefetches())


def milestone_details_for_api(*, as_of: date | None = None) -> QuerySet[Milestone]:
    """One milestone with its owner, participants, evidence and revisions (each with the
    announcement that moved it)."""
    revisions = TargetRevision.objects.select_related("moved_by__publisher")
    queryset = (
        Milestone.objects.select_related("owner")
        .defer(*_OWNER_UNSHOWN)
        .prefetch_related(*_milestone_link_prefetches(), Prefetch("revisions", queryset=revisions))
        .order_by(*_BY_DEADLINE)
    )
    return milestones_as_of(queryset, as_of) if as_of else queryset


def _milestone_link_prefetches() -> list[Prefetch]:
    participants = Organisation.objects.only(*_ORGANISATION_SUMMARY).order_by("name", "pk")
    return [
        Prefetch("participants", queryset=participants, to_attr="participants_list"),
        _evidence_prefetch(to_attr="evidence_list"),
    ]


def _evidence_prefetch(to_attr: str | None = None) -> Prefetch:
    announcements = (
        Announcement.objects.select_related("publisher")
        .only(*_ANNOUNCEMENT_SUMMARY)
        .order_by("published_on", "pk")
    )
    return Prefetch("evidence", queryset=announcements, to_attr=to_attr)


@dataclass(slots=True)
class OrganisationRow:
    """The columns of an organisation that a summary shows (``page_model`` for its page link)."""

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


def milestone_page_links(milestones: list[Milestone]) -> list[Milestone]:
    """Set ``owner_row`` (from the annotations), ``participants_list`` (by name) and
    ``evidence_list`` (oldest first) on each milestone of a page, in two queries."""
    ids = [milestone.pk for milestone in milestones]
    participants = _participant_rows(ids)
    evidence = _evidence_rows(ids)
    for milestone in milestones:
        if hasattr(milestone, "owner_slug"):
            milestone.owner_row = OrganisationRow(
                milestone.owner_slug, milestone.owner_name, milestone.owner_country, milestone.owner_region
            )
        milestone.participants_list = participants.get(milestone.pk, [])
        milestone.evidence_list = evidence.get(milestone.pk, [])
    return milestones


def _participant_rows(milestone_ids: list[int]) -> dict[int, list[OrganisationRow]]:
    found: dict[int, list[OrganisationRow]] = defaultdict(list)
    rows = Milestone.participants.through.objects.filter(milestone_id__in=milestone_ids).values_list(
        "milestone_id",
        "organisation__slug",
        "organisation__name",
        "organisation__country",
        "organisation__region",
    )
    for milestone_id, *org in rows.order_by("organisation__name", "organisation_id"):
        found[milestone_id].append(OrganisationRow(*org))
    return found


def _evidence_rows(milestone_ids: list[int]) -> dict[int, list[AnnouncementRow]]:
    found: dict[int, list[AnnouncementRow]] = defaultdict(list)
    rows = Milestone.evidence.through.objects.filter(milestone_id__in=milestone_ids).values_list(
        "milestone_id",
        "announcement__slug",
        "announcement__title",
        "announcement__published_on",
        "announcement__paywalled",
        "announcement__url",
        "announcement__publisher__slug",
        "announcement__publisher__name",
    )
    ordered = rows.order_by("announcement__published_on", "announcement_id")
    for milestone_id, *fields, publisher_slug, publisher_name in ordered:
        found[milestone_id].append(AnnouncementRow(*fields, PublisherRow(publisher_slug, publisher_name)))
    return found


def milestone_participant_q(organisation_slug: str) -> Q:
    # Exists rather than a join: two matching participants still make one row, no DISTINCT.
    return Q(
        Exists(
            Milestone.participants.through.objects.filter(
                milestone_id=OuterRef("pk"), organisation__slug=organisation_slug
            )
        )
    )


def milestone_involves_q(organisation_slug: str) -> Q:
    """Owned by or taking part: a consortium's milestone belongs to its members too."""
    return Q(owner__slug=organisation_slug) | milestone_participant_q(organisation_slug)


def announcements_for_api() -> QuerySet[Announcement]:
    """Newest first, with publishers, quotes (with speakers) and organisations' summaries."""
    return (
        Announcement.objects.select_related("publisher", "original_source")
        .prefetch_related(
            Prefetch("quotes", queryset=Quote.objects.select_related("speaker")),
            Prefetch("organisations", queryset=Organisation.objects.only(*_ORGANISATION_SUMMARY)),
        )
        .order_by("-published_on", "-pk")
    )


def announcement_by_slug_or_id(key: str) -> Announcement | None:
    """The announcement a writer named by numeric id or by slug (an id wins), with its publisher."""
    announcements = Announcement.objects.select_related("publisher")
    found = None
    if (pk := whole_number(key)) is not None:
        found = announcements.filter(pk=pk).first()
    if found is None and key:
        found = announcements.filter(slug=key).first()
    return found


def announcement_involves_q(organisation_slug: str) -> Q:
    links = Announcement.organisations.through.objects.filter(
        announcement_id=OuterRef("pk"), organisation__slug=organisation_slug
    )
    return Q(Exists(links))


def organisations_for_api() -> QuerySet[Organisation]:
    """By name, with the parent; track records come per page from ``track_records``."""
    return Organisation.objects.select_related("parent").order_by("name", "pk")


def organisation_member_of_q(organisation_slug: str) -> Q:
    memberships = Relation.objects.filter(
        source_id=OuterRef("pk"), kind=Relation.Kind.MEMBER_OF, target__slug=organisation_slug
    )
    return Q(Exists(memberships))


def relations_for_api() -> QuerySet[Relation]:
    return (
        Relation.objects.select_related("source", "target")
        .prefetch_related(_evidence_prefetch())
        .order_by("pk")
    )


def people_for_api() -> QuerySet[Person]:
    return Person.objects.select_related("affiliation").order_by("name", "pk")


def publishers_for_api() -> QuerySet[Publisher]:
    return Publisher.objects.order_by("name", "pk")
