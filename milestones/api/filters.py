"""Query-string filters. Names are part of the public API: they appear in the schema.

What each filter matches is the selectors' (``Exists`` subqueries on many-to-many links,
so a milestone with two matching participants is still one row); this module parses.
"""

from __future__ import annotations

from datetime import date

import django_filters as filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from milestones import selectors
from milestones.models import Announcement, Milestone, Organisation, Person, Publisher, Region, Relation

from .serializers.base import COUNTRY_CHOICES


def _countries() -> list[tuple[str, str]]:
    # A callable: FilterSets deep-copy their filters per request, and 250 choices add up.
    return COUNTRY_CHOICES


_KINDS = Organisation.Kind.choices
_REGIONS = Region.choices


def organisation_slug(value: str) -> str:
    """A typed organisation as its slug: a slug, a name or any alias ("宁德时代" is CATL).

    Unknown or ambiguous text is kept as it is, so the filter simply matches nothing."""
    try:
        return selectors.organisation_resolve(value).slug
    except selectors.UnknownOrganisation:
        return value


class MilestoneFilter(filters.FilterSet):
    organisation = filters.CharFilter(
        method="filter_organisation", help_text="Owner or participant (slug, name or alias)."
    )
    owner = filters.CharFilter(method="filter_owner", help_text="Owning organisation (slug, name or alias).")
    participant = filters.CharFilter(
        method="filter_participant", help_text="Participating organisation (slug, name or alias)."
    )
    kind = filters.ChoiceFilter(field_name="owner__kind", choices=_KINDS, help_text="Owner's kind.")
    country = filters.ChoiceFilter(
        field_name="owner__country", choices=_countries, help_text="Owner's country."
    )
    region = filters.ChoiceFilter(field_name="owner__region", choices=_REGIONS, help_text="Owner's region.")
    status = filters.MultipleChoiceFilter(choices=Milestone.Status.choices, help_text="Repeat for several.")
    category = filters.ChoiceFilter(choices=Milestone.Category.choices)
    technology = filters.ChoiceFilter(choices=Milestone.Technology.choices)
    claim_strength = filters.MultipleChoiceFilter(
        choices=Milestone.ClaimStrength.choices, help_text="How firmly it was stated; repeat for several."
    )
    semi_solid_called_solid_state = filters.BooleanFilter(
        help_text="The source called semi-solid cells 'solid-state'."
    )
    stale = filters.BooleanFilter(
        method="filter_stale", help_text="Not final and no new evidence for 12 months (today)."
    )
    deadline_after = filters.DateFilter(
        field_name="window_end", lookup_expr="gte", help_text="Deadline on or after."
    )
    deadline_before = filters.DateFilter(
        field_name="window_end", lookup_expr="lte", help_text="Deadline on or before."
    )
    active_on = filters.DateFilter(
        method="filter_active_on", help_text="The target window contains this day."
    )
    overdue = filters.BooleanFilter(method="filter_overdue", help_text="Window ended and not final (today).")
    q = filters.CharFilter(
        method="filter_q",
        help_text="Words of the title, target or description (full-text search on PostgreSQL), or an owner's or participant's name or alias.",
    )
    ordering = filters.OrderingFilter(
        fields=(("window_end", "deadline"), ("window_start", "start"), ("title", "title")),
        help_text="deadline, start or title; prefix '-' to reverse. Default: deadline.",
    )

    class Meta:
        model = Milestone
        fields: list[str] = []

    def filter_organisation(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(selectors.milestone_involves_q(organisation_slug(value)))

    def filter_owner(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(owner__slug=organisation_slug(value))

    def filter_participant(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(selectors.milestone_participant_q(organisation_slug(value)))

    def filter_stale(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        stale = selectors.stale_q(today=timezone.localdate())
        annotated = selectors.with_last_evidence(queryset)
        return annotated.filter(stale) if value else annotated.exclude(stale)

    def filter_active_on(self, queryset: QuerySet, name: str, value: date) -> QuerySet:
        return queryset.filter(Q(window_end__gte=value) | Q(window_end__isnull=True), window_start__lte=value)

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        overdue = Q(window_end__lt=timezone.localdate()) & ~selectors.milestones_final_q()
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(selectors.milestone_text_q(value))


class AnnouncementFilter(filters.FilterSet):
    organisation = filters.CharFilter(method="filter_organisation", help_text="Organisation involved (slug).")
    publisher = filters.CharFilter(field_name="publisher__slug", help_text="Publisher (slug).")
    published_after = filters.DateFilter(field_name="published_on", lookup_expr="gte")
    published_before = filters.DateFilter(field_name="published_on", lookup_expr="lte")
    paywalled = filters.BooleanFilter()
    q = filters.CharFilter(method="filter_q", help_text="Title, summary, or an organisation's name or alias.")
    ordering = filters.OrderingFilter(
        fields=(("published_on", "published"), ("title", "title")),
        help_text="published or title; prefix '-' to reverse. Default: -published (newest first).",
    )

    class Meta:
        model = Announcement
        fields: list[str] = []

    def filter_organisation(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(selectors.announcement_involves_q(organisation_slug(value)))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(selectors.announcement_text_q(value))


class OrganisationFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=_KINDS)
    country = filters.ChoiceFilter(choices=_countries)
    region = filters.ChoiceFilter(choices=_REGIONS)
    member_of = filters.CharFilter(
        method="filter_member_of", help_text="Members of this organisation (slug)."
    )
    q = filters.CharFilter(method="filter_q", help_text="Name or alias.")
    ordering = filters.OrderingFilter(fields=(("name", "name"),), help_text="name or -name. Default: name.")

    class Meta:
        model = Organisation
        fields: list[str] = []

    def filter_member_of(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(selectors.organisation_member_of_q(organisation_slug(value)))

    def filter_q(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(selectors.organisation_search_q(value))


class RelationFilter(filters.FilterSet):
    source = filters.CharFilter(field_name="source__slug", help_text="Source organisation (slug).")
    target = filters.CharFilter(field_name="target__slug", help_text="Target organisation (slug).")
    organisation = filters.CharFilter(method="filter_organisation", help_text="Either side (slug).")
    kind = filters.ChoiceFilter(choices=Relation.Kind.choices)

    class Meta:
        model = Relation
        fields: list[str] = []

    def filter_organisation(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        slug = organisation_slug(value)
        return queryset.filter(Q(source__slug=slug) | Q(target__slug=slug))


class PersonFilter(filters.FilterSet):
    affiliation = filters.CharFilter(field_name="affiliation__slug", help_text="Organisation (slug).")
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", help_text="Name.")
    ordering = filters.OrderingFilter(fields=(("name", "name"),), help_text="name or -name.")

    class Meta:
        model = Person
        fields: list[str] = []


class PublisherFilter(filters.FilterSet):
    country = filters.ChoiceFilter(choices=_countries)
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", help_text="Name.")
    ordering = filters.OrderingFilter(fields=(("name", "name"),), help_text="name or -name.")

    class Meta:
        model = Publisher
        fields: list[str] = []
