"""Shapes that exist for the OpenAPI schema: summaries built by functions in ``fields.py``,
nested read-only objects, and the error body. Nothing here serialises a response itself."""

from __future__ import annotations

from rest_framework import serializers

from milestones.models import Organisation


class OrganisationSummarySerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    country = serializers.CharField()
    region = serializers.ChoiceField(choices=Organisation._meta.get_field("region").choices)
    url = serializers.URLField()
    page_url = serializers.URLField()


class PublisherSummarySerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    url = serializers.URLField()


class PersonSummarySerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
    url = serializers.URLField()


class AnnouncementSummarySerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    published_on = serializers.DateField()
    publisher = PublisherSummarySerializer()
    paywalled = serializers.BooleanField()
    source_url = serializers.URLField(help_text="The article itself.")
    url = serializers.URLField()
    page_url = serializers.URLField()


class TargetSerializer(serializers.Serializer):
    edtf = serializers.CharField(help_text="ISO 8601-2 (EDTF), e.g. 2030~, ../2030, 2028-04/2029-03.")
    text = serializers.CharField(help_text="As the source said it.")
    display = serializers.CharField()
    start = serializers.DateField(help_text="First day of the window.")
    end = serializers.DateField(help_text="Last day of the window: the deadline.")
    approximate = serializers.BooleanField()


class TargetWriteSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, help_text="A phrase such as 'FY2028' or 'by 2030'.")
    edtf = serializers.CharField(required=False)


class TrackRecordSerializer(serializers.Serializer):
    achieved_on_time = serializers.IntegerField()
    achieved_late = serializers.IntegerField()
    missed = serializers.IntegerField()
    slips = serializers.IntegerField(help_text="Times a deadline was moved later.")
    average_slip_months = serializers.FloatField(allow_null=True)


class RevisionTargetSerializer(serializers.Serializer):
    edtf = serializers.CharField()
    text = serializers.CharField()
    display = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()


class RevisionSerializer(serializers.Serializer):
    old = RevisionTargetSerializer(allow_null=True, help_text="Null for the original claim.")
    new = RevisionTargetSerializer()
    moved_by = AnnouncementSummarySerializer(allow_null=True)
    recorded_at = serializers.DateTimeField()
    effective_on = serializers.DateField(help_text="When the world learnt of this target.")
    note = serializers.CharField()


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="Dotted path, e.g. target or quotes.1.text.")
    reason = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = ErrorItemSerializer(many=True)
