"""Webhook endpoints and their delivery log, and the event bodies as the OpenAPI schema shows them.

The bodies' ``data`` is rendered by :func:`milestone_payload` and :func:`announcement_payload`
with the very serializers ``GET`` uses, so an event carries the resource exactly as the API
returns it (links absolute to ``SITE_URL``).
"""

from __future__ import annotations

import json

from django.conf import settings
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from milestones import selectors
from milestones.api.serializers.announcements import AnnouncementSerializer
from milestones.api.serializers.milestones import MilestoneDetailSerializer
from milestones.api.shapes import AnnouncementSummarySerializer, Links, TargetSerializer, iso_datetime
from milestones.domain import webhooks as rules
from milestones.models import WebhookDelivery, WebhookEndpoint

EVENT_CHOICES = list(rules.EVENT_TYPES)


def _links() -> Links:
    link = Links(None, origin=settings.SITE_URL)
    return link


def milestone_payload(pk: int) -> dict:
    milestone = selectors.milestone_details_for_api().get(pk=pk)
    return dict(MilestoneDetailSerializer(milestone, context={"links": _links(), "as_of": None}).data)


def announcement_payload(pk: int) -> dict:
    announcement = selectors.announcements_for_api().get(pk=pk)
    return dict(AnnouncementSerializer(announcement, context={"links": _links()}).data)


class WebhookEndpointSerializer(serializers.Serializer):
    """An endpoint as its owner sees it; the secret is only in the answer that makes one."""

    id = serializers.IntegerField(read_only=True)
    url = serializers.CharField(
        max_length=2000, help_text="https:// (plain http only with DEBUG); public addresses only."
    )
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_CHOICES),
        required=False,
        help_text="Event types to receive; empty or left out means all.",
    )
    organisations = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        help_text="Only events about these organisations (slug, name or alias; read back as slugs); "
        "empty means all.",
    )
    enabled = serializers.BooleanField(required=False)
    disabled_reason = serializers.CharField(read_only=True)
    failing_since = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="First failed attempt since the last success."
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def to_representation(self, endpoint: WebhookEndpoint) -> dict:
        return {
            "id": endpoint.pk,
            "url": endpoint.url,
            "description": endpoint.description,
            "events": list(endpoint.events),
            "organisations": [org.slug for org in endpoint.organisations.all()],
            "enabled": endpoint.enabled,
            "disabled_reason": endpoint.disabled_reason,
            "failing_since": iso_datetime(endpoint.failing_since) if endpoint.failing_since else None,
            "created_at": iso_datetime(endpoint.created_at),
            "updated_at": iso_datetime(endpoint.updated_at),
        }


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="whsec_…: shown only now. Verify each call's webhook-signature with it."
    )


class WebhookSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The new whsec_… secret, shown only now.")
    previous_secret_valid_until = serializers.DateTimeField(
        help_text="Until then calls carry a signature with the old secret too."
    )


class WebhookAttemptSerializer(serializers.Serializer):
    attempt = serializers.IntegerField(help_text="1 for the first try, counting on across redeliveries.")
    started_at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True, help_text="Null when no answer came.")
    duration_ms = serializers.IntegerField()
    response = serializers.CharField(help_text="The first 1 KiB of the response body.")
    error = serializers.CharField(help_text="Timeout, connection error or refusal; empty otherwise.")
    succeeded = serializers.BooleanField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)


class WebhookDeliverySerializer(serializers.Serializer):
    """One event to this endpoint, with every attempt to deliver it."""

    id = serializers.IntegerField()
    webhook_id = serializers.CharField(help_text="The webhook-id header: the same on every attempt.")
    event_type = serializers.CharField()
    event_created_at = serializers.DateTimeField(help_text="The body's timestamp.")
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices)
    attempts = serializers.IntegerField()
    last_status_code = serializers.IntegerField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    log = WebhookAttemptSerializer(many=True)

    def to_representation(self, delivery: WebhookDelivery) -> dict:
        stamp = lambda value: iso_datetime(value) if value else None  # noqa: E731
        return {
            "id": delivery.pk,
            "webhook_id": delivery.msg_id,
            "event_type": delivery.event.type,
            "event_created_at": iso_datetime(delivery.event.created_at),
            "status": delivery.status,
            "attempts": delivery.attempts,
            "last_status_code": delivery.last_status_code,
            "next_attempt_at": stamp(delivery.next_attempt_at),
            "log": [
                {
                    "attempt": attempt.number,
                    "started_at": iso_datetime(attempt.started_at),
                    "status_code": attempt.status_code,
                    "duration_ms": attempt.duration_ms,
                    "response": attempt.response,
                    "error": attempt.error,
                    "succeeded": attempt.succeeded,
                    "next_attempt_at": stamp(attempt.next_attempt_at),
                }
                for attempt in delivery.attempt_log.all()
            ],
        }


# The event bodies, for the schema (components WebhookEvent…): what a receiver gets.
class MilestoneMovedSerializer(MilestoneDetailSerializer):
    previous_target = TargetSerializer(help_text="The target before this move.")
    moved_by = AnnouncementSummarySerializer(allow_null=True, help_text="The announcement that moved it.")

    class Meta(MilestoneDetailSerializer.Meta):
        fields = (*MilestoneDetailSerializer.Meta.fields, "previous_target")


class WebhookPingDataSerializer(serializers.Serializer):
    endpoint = serializers.IntegerField(help_text="The endpoint's id.")
    url = serializers.CharField(help_text="The endpoint's URL.")


def _event_serializer(name: str, types: list[str], data, doc: str) -> type[serializers.Serializer]:
    fields = {
        "type": serializers.ChoiceField(choices=types),
        "timestamp": serializers.DateTimeField(help_text="When the change was recorded (ISO 8601, UTC)."),
        "data": data,
        "__module__": __name__,
        "truncated": serializers.ListField(
            child=serializers.CharField(),
            required=False,
            help_text="Only on bodies cut to stay under 64 KiB: the lists emptied ('*': only links "
            "left); fetch data.url for the whole resource.",
        ),
    }
    return type(name, (serializers.Serializer,), {**fields, "__doc__": doc})


WEBHOOK_EVENT_BODIES = [
    _event_serializer(
        "WebhookMilestoneEvent",
        ["milestone.created", "milestone.changed", "milestone.achieved", "milestone.overdue"],
        MilestoneDetailSerializer(help_text="The milestone as GET /api/v1/milestones/{slug}/ returns it."),
        "milestone.created, milestone.changed (title, status, owner, evidence…), milestone.achieved, "
        "milestone.overdue (its window just ended and it is not final; once per target).",
    ),
    _event_serializer(
        "WebhookMilestoneMoveEvent",
        ["milestone.slipped", "milestone.pulled_in"],
        MilestoneMovedSerializer(
            help_text="The milestone as GET returns it, plus previous_target and moved_by."
        ),
        "milestone.slipped (the deadline moved later) and milestone.pulled_in (earlier).",
    ),
    _event_serializer(
        "WebhookAnnouncementEvent",
        ["announcement.created"],
        AnnouncementSerializer(help_text="The announcement as GET /api/v1/announcements/{slug}/ returns it."),
        "announcement.created: a new dated, sourced statement.",
    ),
    _event_serializer(
        "WebhookPingEvent",
        [rules.PING],
        WebhookPingDataSerializer(),
        "ping: sent by POST /api/v1/webhooks/{id}/test/.",
    ),
]


class WebhookDeliveryDetailSerializer(WebhookDeliverySerializer):
    body = serializers.SerializerMethodField(help_text="The event as sent: the same bytes on every attempt.")

    @extend_schema_field(
        PolymorphicProxySerializer(
            "WebhookEvent", serializers=WEBHOOK_EVENT_BODIES, resource_type_field_name=None
        )
    )
    def get_body(self, delivery: WebhookDelivery) -> dict:
        return json.loads(delivery.event.body)

    def to_representation(self, delivery: WebhookDelivery) -> dict:
        return {**super().to_representation(delivery), "body": self.get_body(delivery)}
