"""Webhooks: the endpoints integrators register, the events written with each change, one
delivery per (endpoint, event), and every attempt to deliver it."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from milestones.models.organisations import Organisation


class WebhookEndpoint(models.Model):
    """A URL that wants signed events; owned by the user who registered it.

    The secrets are ``editable=False`` and named in no admin, so no admin form or list ever
    shows them; the API returns a secret once, when it is made.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=500, blank=True)
    events = models.JSONField(default=list, blank=True, help_text="Event types; empty means all.")
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="+", help_text="Only events about these; none means all."
    )
    secret = models.CharField(max_length=100, editable=False)
    # After a rotation the old secret signs too, until previous_secret_until.
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    # The first failed attempt since the last success: five days of nothing but failures disables.
    failing_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.url


class WebhookEvent(models.Model):
    """What happened, with its body as sent: the same bytes for every endpoint and retry."""

    type = models.CharField(max_length=40)
    body = models.TextField()
    # Set for events that must happen once (a milestone overdue for one target window).
    once_key = models.CharField(max_length=100, null=True, blank=True, unique=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class WebhookDelivery(models.Model):
    """The outbox row: one event to one endpoint, written in the transaction of the change.

    ``msg_id`` is the ``webhook-id`` header, the same for every attempt, so receivers can
    drop repeats. Senders claim rows with a lease (``claim_token``, ``lease_until``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    msg_id = models.CharField(max_length=40, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Failures since it was (re)queued: the position in the retry schedule.
    failures = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=36, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            # Serves the senders' claim query: only pending rows are ever scanned.
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_pending"),
            models.Index(fields=["endpoint", "-created_at", "-id"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.msg_id} → {self.endpoint_id} ({self.status})"

    @classmethod
    def due_now(cls, endpoint: WebhookEndpoint, event: WebhookEvent, now) -> WebhookDelivery:
        """A new row, due at once, with its own ``webhook-id``."""
        return cls(
            endpoint=endpoint,
            event=event,
            msg_id=f"msg_{uuid.uuid4().hex}",
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )


class WebhookAttempt(models.Model):
    """One try: what the receiver answered (status, first 1 KiB) or why it did not."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.TextField(blank=True, help_text="The first 1 KiB of the response body.")
    error = models.CharField(max_length=500, blank=True)
    succeeded = models.BooleanField()
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="webhook_attempt_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.delivery_id} attempt {self.number}"
