"""Webhooks in the admin: every endpoint and delivery, read-only; editors may disable endpoints
and redeliver. The secrets are in no list, form or field here (they are ``editable=False``)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from milestones import selectors, services
from milestones.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows are written by the API and the senders; here they are looked at and acted on."""

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the actions are the only changes

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["url", "owner", "enabled", "event_types", "failing_since", "delivery_count", "created_at"]
    list_filter = ["enabled"]
    search_fields = ["url", "description", "owner__username"]
    fields = readonly_fields = [
        "url",
        "owner",
        "description",
        "events",
        "organisations",
        "enabled",
        "disabled_reason",
        "failing_since",
        "created_at",
        "updated_at",
    ]
    actions = ["disable"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookEndpoint]:
        return selectors.webhook_endpoints_for_admin()

    @admin.display(description="events")
    def event_types(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.events) or "all"

    @admin.display(description="deliveries", ordering="delivery_count")
    def delivery_count(self, endpoint: WebhookEndpoint) -> int:
        return endpoint.delivery_count

    @admin.action(description="Disable (stop sending; pending deliveries wait)")
    def disable(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        reason = f"disabled by editor {request.user.get_username()}"
        count = services.webhook_endpoints_disable(endpoints=queryset, reason=reason)
        self.message_user(request, f"{count} endpoint(s) disabled.", messages.SUCCESS)


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = readonly_fields = [
        "number",
        "started_at",
        "status_code",
        "duration_ms",
        "response",
        "error",
        "next_attempt_at",
    ]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = [
        "msg_id",
        "endpoint",
        "event_type",
        "status",
        "attempts",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event__type"]
    search_fields = ["msg_id", "endpoint__url"]
    fields = readonly_fields = [
        "msg_id",
        "endpoint",
        "event_type",
        "status",
        "attempts",
        "failures",
        "last_status_code",
        "next_attempt_at",
        "lease_until",
        "created_at",
        "updated_at",
    ]
    inlines = [AttemptInline]
    actions = ["redeliver"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookDelivery]:
        return selectors.webhook_deliveries_for_admin()

    @admin.display(description="event", ordering="event__type")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.event.type

    @admin.action(description="Deliver again now (same webhook-id)")
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        deliveries = list(queryset)
        for delivery in deliveries:
            services.webhook_redeliver(delivery=delivery)
        self.message_user(request, f"{len(deliveries)} delivery(ies) queued.", messages.SUCCESS)
