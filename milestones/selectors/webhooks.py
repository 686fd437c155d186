"""Reads for webhooks: a user's endpoints, an endpoint's delivery log, the admin's lists."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from milestones.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "webhook_deliveries_for_admin",
    "webhook_delivery_log",
    "webhook_endpoints_for_admin",
    "webhook_endpoints_of",
]


def webhook_endpoints_of(user) -> QuerySet[WebhookEndpoint]:
    """The user's own endpoints, newest first, with their organisation filters."""
    return WebhookEndpoint.objects.filter(owner_id=user.pk).prefetch_related("organisations").order_by("-pk")


def webhook_delivery_log(endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    """Its deliveries, newest first, each with its event and every attempt."""
    return (
        WebhookDelivery.objects.filter(endpoint=endpoint)
        .select_related("event")
        .defer("event__body")
        .prefetch_related(Prefetch("attempt_log", queryset=WebhookAttempt.objects.order_by("number")))
        .order_by("-pk")
    )


def webhook_endpoints_for_admin() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.select_related("owner").annotate(delivery_count=Count("deliveries"))


def webhook_deliveries_for_admin() -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.select_related("endpoint", "event").defer("event__body")
