"""Subscriptions: double opt-in sign-up, confirmation and one-click unsubscribe."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from milestones import mail
from milestones.domain import schedule as reminders
from milestones.http import site_url
from milestones.models import Milestone, Organisation, RateBucket, Reminder, Subscription
from milestones.services.queue import task_enqueue

log = logging.getLogger(__name__)

CONFIRM_SALT = "milestones.subscription.confirm"
UNSUBSCRIBE_SALT = "milestones.subscription.unsubscribe"
KIND_FLAGS = {rule.kind: rule.flag for rule in reminders.RULES}


def subscription_confirm_token(*, subscription: Subscription, kinds: list[str]) -> str:
    # The chosen lead times ride in the signed link: a sign-up changes nothing
    # about an existing subscription until the address owner clicks.
    return signing.dumps({"s": subscription.pk, "e": subscription.email, "k": kinds}, salt=CONFIRM_SALT)


def unsubscribe_token(*, email: str) -> str:
    return signing.dumps({"e": email.lower()}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(*, email: str) -> str:
    return site_url(reverse("milestones:unsubscribe", kwargs={"token": unsubscribe_token(email=email)}))


def _clean_kinds(kinds: list[str] | None) -> list[str]:
    if kinds is None:
        return list(KIND_FLAGS)
    unknown = sorted(set(kinds) - set(KIND_FLAGS))
    if unknown:
        raise ValidationError({"kinds": f"Unknown reminder kinds: {', '.join(unknown)}."})
    if not kinds:
        raise ValidationError({"kinds": "Choose at least one reminder."})
    return [kind for kind in KIND_FLAGS if kind in kinds]


def _scope_lookup(
    scope: str, milestone: Milestone | None, organisation: Organisation | None
) -> dict[str, object]:
    if scope == Subscription.Scope.MILESTONE and milestone is not None:
        return {"scope": scope, "milestone": milestone, "organisation": None}
    if scope == Subscription.Scope.ORGANISATION and organisation is not None:
        return {"scope": scope, "milestone": None, "organisation": organisation}
    if scope == Subscription.Scope.ALL:
        return {"scope": scope, "milestone": None, "organisation": None}
    raise ValidationError({"scope": f"Scope '{scope}' needs its milestone or organisation."})


def subscription_request(
    *,
    email: str,
    scope: str,
    milestone: Milestone | None = None,
    organisation: Organisation | None = None,
    kinds: list[str] | None = None,
) -> None:
    """Ask for reminders: records the address (unconfirmed if new) and mails a signed link.

    Returns nothing on purpose: the caller answers the same whether the
    address was new, pending or already confirmed.
    """
    kinds = _clean_kinds(kinds)
    lookup = _scope_lookup(scope, milestone, organisation)
    email = email.strip().lower()
    with transaction.atomic():
        subscription, _created = Subscription.objects.get_or_create(email=email, **lookup)
        if _rate_allows(f"subscribe-email:{email}", settings.SUBSCRIBE_RATE_PER_EMAIL):
            requested_at = timezone.now()
            Subscription.objects.filter(pk=subscription.pk).update(
                confirmation_requested_at=requested_at, confirmation_kinds=kinds
            )
            transaction.on_commit(lambda: _enqueue_confirmation(subscription.pk), robust=True)


def _enqueue_confirmation(subscription_id: int) -> None:
    """Best effort: with the broker down the request stays recorded and the next tick sends it."""
    try:
        task_enqueue("subscription_confirmation_send", subscription_id, [])
    except Exception as error:  # kombu raises several kinds of connection errors
        log.warning("confirmation for subscription %s left to the next tick: %s", subscription_id, error)


def _rate_allows(key: str, limit: int, window_seconds: int = 3600) -> bool:
    """Fixed-window counter in the database: True while ``key`` is under ``limit`` this window.

    The increment is one UPDATE, so concurrent callers in any process count exactly."""
    window = int(timezone.now().timestamp()) // window_seconds
    key = key[:320]
    with transaction.atomic():
        _bucket, created = RateBucket.objects.get_or_create(key=key, window=window)
        if created:  # a new window: yesterday's buckets are of no use any more
            RateBucket.objects.filter(window__lt=window - 24 * 3600 // window_seconds).delete()
        RateBucket.objects.filter(key=key, window=window).update(count=F("count") + 1)
        count = RateBucket.objects.filter(key=key, window=window).values_list("count", flat=True).get()
    return count <= limit


def subscribe_rate_allows(*, client: str) -> bool:
    return _rate_allows(f"subscribe-ip:{client}", settings.SUBSCRIBE_RATE_PER_IP)


def subscription_subject(subscription: Subscription) -> str:
    if subscription.scope == Subscription.Scope.MILESTONE:
        return f"the milestone “{subscription.milestone}”"
    if subscription.scope == Subscription.Scope.ORGANISATION:
        return f"every milestone of {subscription.organisation}"
    return "every milestone on SSB Tracker"


def subscription_confirmation_send(*, subscription_id: int, kinds: list[str] | None = None) -> bool:
    """Mail the double opt-in link for the recorded request; False when nothing is pending.

    The request is cleared only after SMTP took the mail, and only if no newer
    request came in meanwhile (conditional update), so a crash re-sends at most once.
    """
    subscription = (
        Subscription.objects.select_related("milestone", "organisation").filter(pk=subscription_id).first()
    )
    if subscription is None or subscription.confirmation_requested_at is None:
        return False
    requested_at = subscription.confirmation_requested_at
    kinds = subscription.confirmation_kinds or kinds or _clean_kinds(None)
    token = subscription_confirm_token(subscription=subscription, kinds=kinds)
    labels = dict(Reminder.Kind.choices)
    message = mail.subscription_confirmation(
        to=subscription.email,
        subject_line=subscription_subject(subscription),
        confirm_url=site_url(reverse("milestones:subscription_confirm", kwargs={"token": token})),
        unsubscribe_url=unsubscribe_url(email=subscription.email),
        kinds=[labels[kind] for kind in kinds],
        site_url=settings.SITE_URL,
    )
    message.send()
    Subscription.objects.filter(pk=subscription.pk, confirmation_requested_at=requested_at).update(
        confirmation_requested_at=None
    )
    return True


def subscription_confirmations_send_pending(*, now: datetime | None = None) -> int:
    """Send confirmations whose task never ran (broker down at request time)."""
    now = now or timezone.now()
    # Leave a minute for the normal path, so a healthy system never sends twice.
    stale = now - timedelta(seconds=settings.CONFIRMATION_GRACE_SECONDS)
    pending = list(
        Subscription.objects.filter(confirmation_requested_at__lte=stale).values_list("pk", flat=True)[:500]
    )
    for subscription_id in pending:
        transaction.on_commit(
            lambda pk=subscription_id: task_enqueue("subscription_confirmation_send", pk, [])
        )
    return len(pending)


@transaction.atomic
def subscription_confirm(*, token: str, now: datetime | None = None) -> Subscription:
    """Apply a signed confirmation link: activate, set the lead times, clear any unsubscribe."""
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=settings.SUBSCRIPTION_CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise ValidationError(
            {"token": "This confirmation link has expired; please subscribe again."}
        ) from None
    except signing.BadSignature:
        raise ValidationError({"token": "This confirmation link is not valid."}) from None
    subscription = Subscription.objects.select_for_update().filter(pk=data["s"], email=data["e"]).first()
    if subscription is None:
        raise ValidationError({"token": "This subscription no longer exists; please subscribe again."})
    now = now or timezone.now()
    for kind, flag in KIND_FLAGS.items():
        setattr(subscription, flag, kind in data["k"])
    if not subscription.is_active:
        subscription.confirmed_at = now
        subscription.active_from = timezone.localdate(now)
        subscription.unsubscribed_at = None
    subscription.save()
    return subscription


@transaction.atomic
def subscriptions_unsubscribe(*, email: str, now: datetime | None = None) -> int:
    """Stop every reminder to ``email``; pending outbox rows are cancelled too."""
    now = now or timezone.now()
    email = email.lower()
    count = Subscription.objects.filter(email=email, unsubscribed_at__isnull=True).update(
        unsubscribed_at=now, updated_at=now
    )
    Reminder.objects.filter(subscription__email=email, status=Reminder.Status.PENDING).update(
        status=Reminder.Status.CANCELLED, last_error="unsubscribed", updated_at=now
    )
    return count


def subscription_unsubscribe(*, token: str, now: datetime | None = None) -> str:
    """Apply a signed unsubscribe link (they never expire); returns the address."""
    try:
        email = signing.loads(token, salt=UNSUBSCRIBE_SALT)["e"]
    except (signing.BadSignature, KeyError, TypeError):
        raise ValidationError({"token": "This unsubscribe link is not valid."}) from None
    subscriptions_unsubscribe(email=email, now=now)
    return email
