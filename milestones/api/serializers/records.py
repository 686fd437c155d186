"""Organisations, publishers, people and relations."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from milestones import selectors
from milestones.api.fields import PageLinkField, SelfLinkField, SummaryRelatedField
from milestones.api.serializers.base import (
    COUNTRY_CHOICES,
    NULLABLE_URI,
    TIMESTAMPS,
    CuratedSerializer,
    TextRule,
    slug_field,
)
from milestones.api.shapes import (
    TrackRecordSerializer,
    links,
)
from milestones.models import (
    Organisation,
    Person,
    Publisher,
    Relation,
)
from milestones.selectors.exports import ORGANISATION_FIELDS


class AliasesField(serializers.ListField):
    """Stored one per line; exchanged as a list of strings."""

    # Single-line text: a line break would split one alias into two when stored.
    child = serializers.CharField(max_length=200, validators=[TextRule(multiline=False)])

    def to_representation(self, data: str) -> list[str]:
        return [line.strip() for line in data.splitlines() if line.strip()]

    def to_internal_value(self, data: Any) -> str:
        values = super().to_internal_value(data)
        return "\n".join(value.strip() for value in values if value.strip())


class OrganisationSerializer(CuratedSerializer):
    url = SelfLinkField("organisation")
    page_url = PageLinkField()
    slug = slug_field(Organisation)
    country = serializers.ChoiceField(choices=COUNTRY_CHOICES, help_text="ISO 3166-1 alpha-2.")
    parent = SummaryRelatedField(queryset=selectors.organisation_choices(), required=False, allow_null=True)
    aliases = AliasesField(required=False, help_text="Other spellings and native names.")
    track_record = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = (
            "url",
            "page_url",
            *ORGANISATION_FIELDS,
            "track_record",
            *TIMESTAMPS,
        )
        read_only_fields = ("region", *TIMESTAMPS)

    def to_representation(self, instance: Organisation) -> dict:
        data = super().to_representation(instance)
        data["country"] = str(instance.country)
        return data

    @extend_schema_field(TrackRecordSerializer)
    def get_track_record(self, organisation: Organisation) -> dict:
        records = self.context.get("track_records")
        record = records.get(organisation.pk) if records else None
        return TrackRecordSerializer.build(record or selectors.track_record(organisation))


class PublisherSerializer(CuratedSerializer):
    url = SelfLinkField("publisher")
    page_url = serializers.SerializerMethodField()
    slug = slug_field(Publisher)
    country = serializers.ChoiceField(choices=[("", "—"), *COUNTRY_CHOICES], required=False)

    class Meta:
        model = Publisher
        fields = ("url", "page_url", "slug", "name", "website", "country", *TIMESTAMPS)
        read_only_fields = TIMESTAMPS

    def to_representation(self, instance: Publisher) -> dict:
        data = super().to_representation(instance)
        data["country"] = str(instance.country or "")
        return data

    @extend_schema_field(NULLABLE_URI)
    def get_page_url(self, publisher: Publisher) -> str | None:
        """Publishers have no page of their own yet; their website is the nearest thing."""
        return publisher.website or None


class PersonSerializer(CuratedSerializer):
    url = SelfLinkField("person")
    page_url = serializers.SerializerMethodField()
    slug = slug_field(Person)
    affiliation = SummaryRelatedField(
        queryset=selectors.organisation_choices(), required=False, allow_null=True
    )

    class Meta:
        model = Person
        fields = ("url", "page_url", "slug", "name", "affiliation", "title", *TIMESTAMPS)
        read_only_fields = TIMESTAMPS

    @extend_schema_field(NULLABLE_URI)
    def get_page_url(self, person: Person) -> str | None:
        """People are shown on their organisation's page."""
        return links(self.context).page(person.affiliation) if person.affiliation_id else None


class RelationSerializer(CuratedSerializer):
    url = SelfLinkField("relation", key="pk")
    page_url = serializers.SerializerMethodField()
    source = SummaryRelatedField(queryset=selectors.organisation_choices())
    target = SummaryRelatedField(queryset=selectors.organisation_choices())
    evidence = SummaryRelatedField(queryset=selectors.announcement_choices(), many=True, required=False)
    many_fields = ("evidence",)

    class Meta:
        model = Relation
        fields = (
            "url",
            "page_url",
            "id",
            "source",
            "kind",
            "target",
            "role",
            "started_on",
            "ended_on",
            "note",
            "evidence",
            *TIMESTAMPS,
        )
        read_only_fields = ("id", *TIMESTAMPS)

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, relation: Relation) -> str:
        """Relations are listed on the source organisation's page."""
        return links(self.context).page(relation.source)
