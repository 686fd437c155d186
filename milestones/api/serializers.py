"""Representations of the six resources. Writes validate here and save through ``services``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django_countries import countries
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from milestones import selectors, services
from milestones.models import (
    Announcement,
    Milestone,
    Organisation,
    Person,
    Publisher,
    Quote,
    Relation,
)

from .fields import MovedByField, PageLinkField, SelfLinkField, SummaryRelatedField, TargetField
from .shapes import (
    AnnouncementSummarySerializer,
    OrganisationSummarySerializer,
    RevisionSerializer,
    TargetSerializer,
    TrackRecordSerializer,
    iso,
    iso_datetime,
    links,
)

# Called hundreds of times per list page: plain functions, no serializer instances.
_organisation_summary = OrganisationSummarySerializer.build
_announcement_summary = AnnouncementSummarySerializer.build

COUNTRY_CHOICES = [(code, name) for code, name in countries]
_TIMESTAMPS = ("created_at", "updated_at")
_NULLABLE_URI = {"type": "string", "format": "uri", "nullable": True}


# --- helpers ------------------------------------------------------------------------


def _slug_field(model) -> serializers.SlugField:
    # Uniqueness and the slug made from the name are the services' rules.
    return serializers.SlugField(
        max_length=200, required=False, help_text="Left out on create, it is made from the name or title."
    )


class CuratedSerializer(serializers.ModelSerializer):
    """Writes through the services; their errors become 400s named by the API's field names."""

    many_fields: tuple[str, ...] = ()
    # Model field -> API field, where the API names a field differently.
    api_names: dict[str, str] = {}

    def create(self, validated_data: dict):
        return self._save(self.Meta.model(), validated_data)

    def update(self, instance, validated_data: dict):
        return self._save(instance, validated_data)

    def _save(self, instance, validated_data: dict):
        many = {name: validated_data.pop(name) for name in self.many_fields if name in validated_data}
        try:
            return self._persist(instance, validated_data, many)
        except DjangoValidationError as error:
            raise serializers.ValidationError(self._api_errors(error)) from None

    def _persist(self, instance, data: dict, many: dict):
        return services.record_save(instance=instance, data=data, many=many)

    def _api_errors(self, error: DjangoValidationError) -> dict:
        by_field = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        return {self.api_names.get(field, field): messages for field, messages in by_field.items()}


class AliasesField(serializers.ListField):
    """Stored one per line; exchanged as a list of strings."""

    child = serializers.CharField(max_length=200)

    def to_representation(self, data: str) -> list[str]:
        return [line.strip() for line in data.splitlines() if line.strip()]

    def to_internal_value(self, data: Any) -> str:
        values = super().to_internal_value(data)
        if any("\n" in value or "\r" in value for value in values):
            raise serializers.ValidationError("An alias cannot contain a line break.")
        return "\n".join(value.strip() for value in values if value.strip())


class OrganisationSerializer(CuratedSerializer):
    url = SelfLinkField("organisation")
    page_url = PageLinkField()
    slug = _slug_field(Organisation)
    country = serializers.ChoiceField(choices=COUNTRY_CHOICES, help_text="ISO 3166-1 alpha-2.")
    parent = SummaryRelatedField(queryset=Organisation.objects.all(), required=False, allow_null=True)
    aliases = AliasesField(required=False, help_text="Other spellings and native names.")
    track_record = serializers.SerializerMethodField()

    class Meta:
        model = Organisation
        fields = (
            "url",
            "page_url",
            "slug",
            "name",
            "kind",
            "country",
            "region",
            "parent",
            "state_owned",
            "aliases",
            "fiscal_year_start_month",
            "founded",
            "website",
            "description",
            "track_record",
            *_TIMESTAMPS,
        )
        read_only_fields = ("region", *_TIMESTAMPS)

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
    slug = _slug_field(Publisher)
    country = serializers.ChoiceField(choices=[("", "—"), *COUNTRY_CHOICES], required=False)

    class Meta:
        model = Publisher
        fields = ("url", "page_url", "slug", "name", "website", "country", *_TIMESTAMPS)
        read_only_fields = _TIMESTAMPS

    def to_representation(self, instance: Publisher) -> dict:
        data = super().to_representation(instance)
        data["country"] = str(instance.country or "")
        return data

    @extend_schema_field(_NULLABLE_URI)
    def get_page_url(self, publisher: Publisher) -> str | None:
        """Publishers have no page of their own yet; their website is the nearest thing."""
        return publisher.website or None


class PersonSerializer(CuratedSerializer):
    url = SelfLinkField("person")
    page_url = serializers.SerializerMethodField()
    slug = _slug_field(Person)
    affiliation = SummaryRelatedField(queryset=Organisation.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Person
        fields = ("url", "page_url", "slug", "name", "affiliation", "title", *_TIMESTAMPS)
        read_only_fields = _TIMESTAMPS

    @extend_schema_field(_NULLABLE_URI)
    def get_page_url(self, person: Person) -> str | None:
        """People are shown on their organisation's page."""
        return links(self.context).page(person.affiliation) if person.affiliation_id else None


class RelationSerializer(CuratedSerializer):
    url = SelfLinkField("relation", key="pk")
    page_url = serializers.SerializerMethodField()
    source = SummaryRelatedField(queryset=Organisation.objects.all())
    target = SummaryRelatedField(queryset=Organisation.objects.all())
    evidence = SummaryRelatedField(
        queryset=Announcement.objects.select_related("publisher"), many=True, required=False
    )
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
            *_TIMESTAMPS,
        )
        read_only_fields = ("id", *_TIMESTAMPS)

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, relation: Relation) -> str:
        """Relations are listed on the source organisation's page."""
        return links(self.context).page(relation.source)


# --- announcements ----------------------------------------------------------------


class QuoteSerializer(serializers.ModelSerializer):
    speaker = SummaryRelatedField(queryset=Person.objects.all())
    position = serializers.IntegerField(required=False, min_value=0, max_value=32767)

    class Meta:
        model = Quote
        fields = ("speaker", "text", "occasion", "said_on", "position")


class AnnouncementSerializer(CuratedSerializer):
    url = SelfLinkField("announcement")
    page_url = PageLinkField()
    slug = _slug_field(Announcement)
    source_url = serializers.URLField(source="url", max_length=1000, help_text="The article itself.")
    publisher = SummaryRelatedField(queryset=Publisher.objects.all())
    original_source = SummaryRelatedField(queryset=Publisher.objects.all(), required=False, allow_null=True)
    organisations = SummaryRelatedField(queryset=Organisation.objects.all(), many=True, required=False)
    quotes = QuoteSerializer(many=True, required=False, help_text="Written quotes replace the old ones.")

    class Meta:
        model = Announcement
        fields = (
            "url",
            "page_url",
            "slug",
            "title",
            "published_on",
            "publisher",
            "source_url",
            "paywalled",
            "original_source",
            "summary",
            "organisations",
            "quotes",
            *_TIMESTAMPS,
        )
        read_only_fields = _TIMESTAMPS

    api_names = {"url": "source_url"}

    def _save(self, instance: Announcement, validated_data: dict) -> Announcement:
        self._quotes = validated_data.pop("quotes", None)
        return super()._save(instance, validated_data)

    def _persist(self, instance: Announcement, data: dict, many: dict) -> Announcement:
        return services.announcement_save(announcement=instance, data=data, quotes=self._quotes)


# --- milestones ---------------------------------------------------------------------


class MilestoneSerializer(CuratedSerializer):
    url = SelfLinkField("milestone")
    page_url = PageLinkField()
    slug = _slug_field(Milestone)
    owner = SummaryRelatedField(queryset=Organisation.objects.all())
    participants = SummaryRelatedField(queryset=Organisation.objects.all(), many=True, required=False)
    target = TargetField(
        help_text="Written as a phrase or EDTF ('FY2028', 'by 2030', '2030~') or {\"text\": ...}."
    )
    overdue = serializers.SerializerMethodField(help_text="The window has ended and it is not final.")
    last_evidence_on = serializers.SerializerMethodField(
        help_text="Date of the newest evidence (or of the record, when it has none)."
    )
    stale = serializers.SerializerMethodField(
        help_text="Not final and no new evidence for 12 months: 'unconfirmed since last_evidence_on'."
    )
    evidence = SummaryRelatedField(
        queryset=Announcement.objects.select_related("publisher"), many=True, required=False
    )
    moved_by = MovedByField(
        write_only=True,
        required=False,
        allow_null=True,
        help_text="Announcement (slug or id) that set or moved the target; kept with the revision "
        "and added to the evidence.",
    )
    api_names = {"target_text": "target"}

    class Meta:
        model = Milestone
        fields = (
            "url",
            "page_url",
            "slug",
            "title",
            "owner",
            "participants",
            "category",
            "technology",
            "electrolyte",
            "claim_strength",
            "semi_solid_called_solid_state",
            "target",
            "status",
            "overdue",
            "achieved_on",
            "evidence",
            "last_evidence_on",
            "stale",
            "description",
            "moved_by",
            *_TIMESTAMPS,
        )
        read_only_fields = _TIMESTAMPS

    def _as_of(self) -> date | None:
        return self.context.get("as_of")

    def to_representation(self, instance: Milestone) -> dict:
        """Built by hand: the list's hot path (see bench/api.py); the keys are the declared
        readable fields, which a test checks, and schemathesis checks the shapes."""
        if self._as_of() and not getattr(instance, "_as_of", False):
            selectors.apply_as_of(instance)
        link = links(self.context)
        evidence = _prefetched(instance, "evidence")
        today = self._as_of() or self.context.get("today") or timezone.localdate()
        return {
            "url": link.api("milestone", instance.slug),
            "page_url": link.page(instance),
            "slug": instance.slug,
            "title": instance.title,
            "owner": _organisation_summary(getattr(instance, "owner_row", None) or instance.owner, link),
            "participants": [
                _organisation_summary(org, link) for org in _prefetched(instance, "participants")
            ],
            "category": instance.category,
            "technology": instance.technology,
            "electrolyte": instance.electrolyte,
            "claim_strength": instance.claim_strength,
            "semi_solid_called_solid_state": instance.semi_solid_called_solid_state,
            "target": TargetSerializer.build(instance),
            "status": instance.status,
            "overdue": self.get_overdue(instance),
            "achieved_on": iso(instance.achieved_on),
            "evidence": [_announcement_summary(a, link) for a in evidence],
            "last_evidence_on": iso(selectors.last_evidence_date(instance, evidence)),
            "stale": selectors.is_stale(instance, today=today, evidence=evidence),
            "description": instance.description,
            "created_at": iso_datetime(instance.created_at),
            "updated_at": iso_datetime(instance.updated_at),
        }

    @extend_schema_field(OpenApiTypes.DATE)
    def get_last_evidence_on(self, milestone: Milestone) -> str:
        return iso(selectors.last_evidence_date(milestone))

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_stale(self, milestone: Milestone) -> bool:
        return selectors.is_stale(milestone, today=self._as_of() or timezone.localdate())

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, milestone: Milestone) -> bool:
        return milestone.is_overdue(self._as_of() or self.context.get("today") or timezone.localdate())

    def _persist(self, instance: Milestone, data: dict, many: dict) -> Milestone:
        moved_by = data.pop("moved_by", None)
        request = self.context.get("request")
        return services.milestone_save(
            milestone=instance,
            data=data,
            moved_by=moved_by,
            recorded_by=getattr(request, "user", None),
        )


def _prefetched(milestone: Milestone, name: str) -> list:
    """The list a ``Prefetch(..., to_attr=f"{name}_list")`` left, else the related manager's rows.

    ``to_attr`` matters for speed: a plain prefetch builds a related manager and clones a
    queryset for every row, which cost more than the rest of the page together."""
    found = getattr(milestone, f"{name}_list", None)
    return found if found is not None else list(getattr(milestone, name).all())


class MilestoneDetailSerializer(MilestoneSerializer):
    revisions = serializers.SerializerMethodField(help_text="Every change of the target, oldest first.")
    reaffirmations = serializers.SerializerMethodField(
        help_text="Later announcements that repeated the standing target without moving it."
    )

    class Meta(MilestoneSerializer.Meta):
        fields = (*MilestoneSerializer.Meta.fields, "revisions", "reaffirmations")

    def to_representation(self, instance: Milestone) -> dict:
        data = super().to_representation(instance)
        data["revisions"] = self.get_revisions(instance)
        data["reaffirmations"] = self.get_reaffirmations(instance)
        return data

    @extend_schema_field(AnnouncementSummarySerializer(many=True))
    def get_reaffirmations(self, milestone: Milestone) -> list[dict]:
        link = links(self.context)
        return [
            _announcement_summary(a, link)
            for a in selectors.reaffirmations(milestone, _prefetched(milestone, "evidence"))
        ]

    @extend_schema_field(RevisionSerializer(many=True))
    def get_revisions(self, milestone: Milestone) -> list[dict]:
        as_of, link = self._as_of(), links(self.context)
        return [
            RevisionSerializer.build(revision, link)
            for revision in milestone.revisions.all()
            if as_of is None or revision.effective_on <= as_of
        ]
