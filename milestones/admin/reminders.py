"""Admin for subscriptions, the reminder outbox and editors' digests; actions go through services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from milestones import selectors, services
from milestones.admin.base import ServiceAdmin
from milestones.models import EditorDigest, Reminder, Subscription


class ActiveFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("unconfirmed", "Unconfirmed"), ("unsubscribed", "Unsubscribed")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)
        if self.value() == "unconfirmed":
            return queryset.filter(confirmed_at__isnull=True, unsubscribed_at__isnull=True)
        if self.value() == "unsubscribed":
            return queryset.filter(unsubscribed_at__isnull=False)
        return queryset


@admin.register(Subscription)
class SubscriptionAdmin(ServiceAdmin):
    list_display = ["email", "scope", "milestone", "organisation", "confirmed_at", "unsubscribed_at"]
    list_filter = [ActiveFilter, "scope"]
    search_fields = ["email"]
    autocomplete_fields = ["milestone", "organisation"]
    readonly_fields = ["confirmed_at", "active_from", "unsubscribed_at", "created_at", "updated_at"]
    actions = ["unsubscribe"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Subscription]:
        return selectors.subscriptions_for_admin()

    @admin.action(description="Unsubscribe these addresses (cancels their pending reminders)")
    def unsubscribe(self, request: HttpRequest, queryset: QuerySet[Subscription]) -> None:
        emails = set(queryset.values_list("email", flat=True))
        for email in emails:
            services.subscriptions_unsubscribe(email=email)
        self.message_user(request, f"Unsubscribed {len(emails)} address(es).", messages.SUCCESS)


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = [
        "due_on",
        "kind",
        "milestone",
        "subscription",
        "window_end",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "kind", ("due_on", admin.DateFieldListFilter)]
    search_fields = ["subscription__email", "milestone__title"]
    date_hierarchy = "due_on"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reminder]:
        return selectors.reminders_for_admin()

    readonly_fields = [f.name for f in Reminder._meta.fields]
    actions = ["resend", "cancel"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # only the scan writes the outbox

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the actions below are the only changes

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # cancel instead: the outbox is the record of what was sent

    @admin.action(description="Send again now")
    def resend(self, request: HttpRequest, queryset: QuerySet[Reminder]) -> None:
        count = services.reminders_resend(reminders_qs=queryset)
        self.message_user(request, f"{count} reminder(s) queued to send again.", messages.SUCCESS)

    @admin.action(description="Cancel (pending or failed only)")
    def cancel(self, request: HttpRequest, queryset: QuerySet[Reminder]) -> None:
        count = services.reminders_cancel(reminders_qs=queryset)
        self.message_user(request, f"{count} reminder(s) cancelled.", messages.SUCCESS)


@admin.register(EditorDigest)
class EditorDigestAdmin(admin.ModelAdmin):
    list_display = ["week_of", "user", "status", "attempts", "sent_at", "last_error"]
    list_filter = ["status", "week_of"]
    readonly_fields = [f.name for f in EditorDigest._meta.fields]

    def get_queryset(self, request: HttpRequest) -> QuerySet[EditorDigest]:
        return selectors.editor_digests_for_admin()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
