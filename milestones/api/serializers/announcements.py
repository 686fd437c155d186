"""Announcements with their quotes."""

from __future__ import annotations

from rest_framework import serializers

from milestones import selectors, services
from milestones.api.fields import PageLinkField, SelfLinkField, SummaryRelatedField
from milestones.api.serializers.base import TIMESTAMPS, CuratedSerializer, TextRuleMixin, slug_field
from milestones.models import (
    Announcement,
    Quote,
)
from milestones.selectors.exports import ANNOUNCEMENT_SOURCE_FIELDS


class QuoteSerializer(TextRuleMixin, serializers.ModelSerializer):
    speaker = SummaryRelatedField(queryset=selectors.person_choices())
    position = serializers.IntegerField(required=False, min_value=0, max_value=32767)

    class Meta:
        model = Quote
        fields = ("speaker", "text", "occasion", "said_on", "position")


class AnnouncementSerializer(CuratedSerializer):
    url = SelfLinkField("announcement")
    page_url = PageLinkField()
    slug = slug_field(Announcement)
    source_url = serializers.URLField(source="url", max_length=1000, help_text="The article itself.")
    publisher = SummaryRelatedField(queryset=selectors.publisher_choices())
    original_source = SummaryRelatedField(
        queryset=selectors.publisher_choices(), required=False, allow_null=True
    )
    organisations = SummaryRelatedField(queryset=selectors.organisation_choices(), many=True, required=False)
    quotes = QuoteSerializer(many=True, required=False, help_text="Written quotes replace the old ones.")

    class Meta:
        model = Announcement
        fields = (
            "url",
            "page_url",
            *ANNOUNCEMENT_SOURCE_FIELDS,
            "summary",
            "organisations",
            "quotes",
            *TIMESTAMPS,
        )
        read_only_fields = TIMESTAMPS

    api_names = {"url": "source_url"}

    def _save(self, instance: Announcement, validated_data: dict) -> Announcement:
        self._quotes = validated_data.pop("quotes", None)
        return super()._save(instance, validated_data)

    def _persist(self, instance: Announcement, data: dict, many: dict) -> Announcement:
        return services.announcement_save(announcement=instance, data=data, quotes=self._quotes)
