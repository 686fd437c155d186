"""Who is reminded of what: subscriptions, the reminder outbox and editors' digests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from milestones.models.claims import Milestone
from milestones.models.organisations import Organisation, TimeStamped


class Subscription(TimeStamped):
    """An email address that wants deadline reminders; no account needed.

    Nothing is sent until ``confirmed_at`` is set by the signed link of the
    double opt-in mail, and nothing after ``unsubscribed_at``.
    """

    class Scope(models.TextChoices):
        MILESTONE = "milestone", "One milestone"
        ORGANISATION = "organisation", "All milestones of an organisation"
        ALL = "all", "Every milestone"

    email = models.EmailField(max_length=254, db_index=True)
    scope = models.CharField(max_length=16, choices=Scope.choices)
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    # Lead times, one flag per Reminder.Kind so the scan can filter in SQL.
    remind_30_before = models.BooleanField("30 days before the deadline", default=True)
    remind_7_before = models.BooleanField("7 days before the deadline", default=True)
    remind_window_opens = models.BooleanField("the day the window opens", default=True)
    remind_deadline = models.BooleanField("on the deadline day", default=True)
    remind_30_overdue = models.BooleanField("30 days overdue, if not final", default=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Local day of confirmation: reminders due earlier are not back-filled.
    active_from = models.DateField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # A confirmation mail still to send (set on request, cleared once handed to SMTP):
    # if the broker is down when someone subscribes, the next beat tick sends it.
    confirmation_requested_at = models.DateTimeField(null=True, blank=True, db_index=True)
    confirmation_kinds = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["email", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope="milestone", milestone__isnull=False, organisation__isnull=True)
                    | Q(scope="organisation", milestone__isnull=True, organisation__isnull=False)
                    | Q(scope="all", milestone__isnull=True, organisation__isnull=True)
                ),
                name="subscription_scope_matches_target",
                violation_error_message="A subscription names exactly what its scope needs.",
            ),
            # NULLs never collide in a unique index, hence one constraint per scope.
            models.UniqueConstraint(
                fields=["email", "milestone"],
                condition=Q(scope="milestone"),
                name="subscription_unique_milestone",
            ),
            models.UniqueConstraint(
                fields=["email", "organisation"],
                condition=Q(scope="organisation"),
                name="subscription_unique_organisation",
            ),
            models.UniqueConstraint(
                fields=["email"], condition=Q(scope="all"), name="subscription_unique_all"
            ),
        ]
        indexes = [
            # The scan joins only active subscriptions, per scope.
            models.Index(
                fields=["scope", "milestone", "organisation"],
                condition=Q(confirmed_at__isnull=False, unsubscribed_at__isnull=True),
                name="subscription_active_scope",
            ),
        ]

    def __str__(self) -> str:
        if self.scope == self.Scope.MILESTONE:
            return f"{self.email} → milestone #{self.milestone_id}"
        if self.scope == self.Scope.ORGANISATION:
            return f"{self.email} → organisation #{self.organisation_id}"
        return f"{self.email} → everything"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class Reminder(models.Model):
    """The outbox: one row per reminder that fell due, written once by the scan.

    The unique key includes ``window_end``, so a re-run (or two beats at once)
    inserts nothing, while a moved target schedules fresh reminders.
    """

    class Kind(models.TextChoices):
        BEFORE_30 = "before_30", "30 days before the deadline"
        BEFORE_7 = "before_7", "7 days before the deadline"
        WINDOW_OPENS = "window_opens", "The window opens"
        DEADLINE = "deadline", "Deadline day"
        OVERDUE_30 = "overdue_30", "30 days overdue"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    # No single-column FK indexes: the unique key and (milestone, status) lead with
    # these columns already, and every index slows the scan's bulk insert.
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="reminders", db_index=False
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="reminders", db_index=False
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    window_end = models.DateField(null=True, blank=True)  # NULL: the target is open-ended
    due_on = models.DateField(db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A claim is a lease: a sender that dies leaves rows another reclaims after it.
    claim_token = models.CharField(max_length=36, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-due_on", "subscription", "milestone", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "milestone", "kind", "window_end"],
                name="reminder_unique_per_window",
            ),
            # An open-ended window has no end to tell two windows apart; its only reminder
            # (the window opens) falls due on its start, so the due day keys it instead.
            models.UniqueConstraint(
                fields=["subscription", "milestone", "kind", "due_on"],
                condition=Q(window_end__isnull=True),
                name="reminder_unique_per_open_window",
            ),
        ]
        indexes = [
            # Serves the senders' claim query: only pending rows are ever scanned.
            models.Index(
                fields=["next_attempt_at", "subscription"],
                condition=Q(status="pending"),
                name="reminder_pending",
            ),
            models.Index(fields=["milestone", "status"], name="reminder_milestone_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.milestone_id} → {self.subscription_id} ({self.status})"


class EditorDigest(models.Model):
    """One weekly "please verify" digest per editor; the unique week makes re-runs harmless."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week_of = models.DateField(help_text="Monday of the week the digest covers.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claim_token = models.CharField(max_length=36, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week_of", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "week_of"], name="editor_digest_unique_week"),
        ]

    def __str__(self) -> str:
        return f"Editor digest {self.week_of} → user #{self.user_id} ({self.status})"


class RateBucket(models.Model):
    """One fixed window of a rate limit (sign-ups per client, confirmation mails per
    address): in the database, so the cap holds across processes with or without Redis."""

    key = models.CharField(max_length=320)
    window = models.BigIntegerField(help_text="Start of the window, in windows since the epoch.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "window"], name="rate_bucket_once_per_window")]
        indexes = [models.Index(fields=["window"], name="rate_bucket_window")]

    def __str__(self) -> str:
        return f"{self.key} @ {self.window}: {self.count}"
