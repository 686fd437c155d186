"""Webhook senders: claim due deliveries with a lease, call the receivers in threads, record.

Delivery promise — at least once, each ``webhook-id`` the same on every attempt:
- A sender claims up to ``WEBHOOK_BATCH_SIZE`` due rows with a conditional UPDATE that
  sets its token and a lease (as the reminder senders do): of two senders racing for a row
  exactly one sees it change, so no attempt is made twice at once.
- The calls run in ``WEBHOOK_THREADS`` threads that only talk HTTP; the outcome of the
  whole batch is then written in one transaction, and only for rows still carrying our
  token (a sender whose lease ran out loses to the one that took over).
- A sender killed before that commit leaves its rows pending; they are claimed again
  once the lease expires and sent again: each event at most twice per crash.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from milestones.domain import webhooks as rules
from milestones.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from milestones.services import webhook_http
from milestones.services.queue import task_enqueue
from milestones.services.webhooks import webhooks_overdue_scan

__all__ = ["SendResult", "webhooks_deliver_batch", "webhooks_deliver_due", "webhooks_disable_failing"]
__all__ += ["webhooks_prune", "webhooks_tick"]

log = logging.getLogger(__name__)
_executor: ThreadPoolExecutor | None = None


@dataclass
class SendResult:
    claimed: int = 0
    succeeded: int = 0
    retry: int = 0  # failed this time, tried again later
    failed: int = 0  # failed for good (the last attempt of the schedule)
    retry_in: float | None = None  # seconds until the earliest retry
    network_seconds: float = 0.0  # summed over the calls: time spent waiting on receivers

    def add(self, other: SendResult) -> None:
        for name in ("claimed", "succeeded", "retry", "failed", "network_seconds"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        if other.retry_in is not None:
            self.retry_in = min(self.retry_in or other.retry_in, other.retry_in)


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None or _executor._max_workers != settings.WEBHOOK_THREADS:
        _executor = ThreadPoolExecutor(settings.WEBHOOK_THREADS, thread_name_prefix="webhook")
    return _executor


def _claimable(now: datetime) -> Q:
    # Only the row's own columns: PostgreSQL re-checks these after waiting for a racing claim.
    return Q(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now) & (
        Q(lease_until__isnull=True) | Q(lease_until__lte=now)
    )


def _claim(now: datetime, limit: int) -> tuple[str, list[WebhookDelivery]]:
    """Lease up to ``limit`` due deliveries. Two senders may pick the same ids at once; the one
    whose conditional UPDATE loses takes the next free ones instead of stopping (those it
    picked are leased by then, so the next pick skips them)."""
    while True:
        ids = list(
            WebhookDelivery.objects.filter(_claimable(now), endpoint__enabled=True)
            .order_by("next_attempt_at")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return "", []
        token = uuid.uuid4().hex
        lease_until = now + timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
        WebhookDelivery.objects.filter(_claimable(now), pk__in=ids).update(
            claim_token=token, lease_until=lease_until
        )
        rows = list(WebhookDelivery.objects.filter(claim_token=token).select_related("endpoint", "event"))
        if rows:
            return token, rows


def _secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    rotating = (
        endpoint.previous_secret and endpoint.previous_secret_until and endpoint.previous_secret_until > now
    )
    return [endpoint.secret, endpoint.previous_secret] if rotating else [endpoint.secret]


def _call(delivery: WebhookDelivery, now: datetime) -> tuple[datetime, webhook_http.Answer]:
    started = timezone.now()
    body = delivery.event.body.encode()
    headers = rules.headers(_secrets(delivery.endpoint, now), delivery.msg_id, int(time.time()), body)
    return started, webhook_http.post(delivery.endpoint.url, body, headers)


def webhooks_deliver_batch(*, limit: int | None = None) -> SendResult:
    """Claim up to ``limit`` due deliveries, send them concurrently, record every attempt."""
    result = SendResult()
    now = timezone.now()
    token, rows = _claim(now, limit or settings.WEBHOOK_BATCH_SIZE)
    if not rows:
        return result
    result.claimed = len(rows)
    answers = list(_pool().map(lambda row: _call(row, now), rows))
    _record(token, rows, answers, result)
    return result


def _record(token: str, rows: list[WebhookDelivery], answers: list, result: SendResult) -> None:
    now = timezone.now()
    with transaction.atomic():
        held = set(
            WebhookDelivery.objects.select_for_update()
            .filter(pk__in=[row.pk for row in rows], claim_token=token)
            .values_list("pk", flat=True)
        )
        groups: dict[tuple, list[int]] = defaultdict(list)
        attempts, ok_endpoints, bad_endpoints = [], set(), set()
        for row, (started, answer) in zip(rows, answers, strict=True):
            result.network_seconds += answer.network_seconds
            if row.pk not in held:
                continue  # our lease ran out and another sender took the row: its outcome wins
            delay = None if answer.succeeded else rules.retry_delay(row.failures + 1)
            next_at = now + timedelta(seconds=delay) if delay is not None else None
            outcome = "ok" if answer.succeeded else "retry" if delay is not None else "failed"
            groups[(outcome, row.failures, answer.status_code, delay)].append(row.pk)
            (ok_endpoints if answer.succeeded else bad_endpoints).add(row.endpoint_id)
            attempts.append(_attempt(row, started, answer, next_at))
            _count(result, outcome, delay)
        for (outcome, failures, status_code, delay), ids in groups.items():
            _finish(ids, token, outcome, failures, status_code, delay, now)
        WebhookAttempt.objects.bulk_create(attempts)
        _endpoint_health(ok_endpoints, bad_endpoints - ok_endpoints, now)


def _attempt(row: WebhookDelivery, started: datetime, answer, next_at: datetime | None) -> WebhookAttempt:
    return WebhookAttempt(
        delivery_id=row.pk,
        number=row.attempts + 1,
        started_at=started,
        duration_ms=answer.duration_ms,
        status_code=answer.status_code,
        response=answer.response,
        error=answer.error,
        succeeded=answer.succeeded,
        next_attempt_at=next_at,
    )


def _count(result: SendResult, outcome: str, delay: int | None) -> None:
    if outcome == "ok":
        result.succeeded += 1
    elif outcome == "failed":
        result.failed += 1
    else:
        result.retry += 1
        result.retry_in = delay if result.retry_in is None else min(result.retry_in, delay)


def _finish(ids, token, outcome, failures, status_code, delay, now) -> None:
    changes = {"claim_token": "", "lease_until": None, "attempts": F("attempts") + 1, "updated_at": now}
    changes["last_status_code"] = status_code
    if outcome == "ok":
        changes |= {"status": WebhookDelivery.Status.SUCCEEDED, "next_attempt_at": None}
    elif outcome == "failed":
        changes |= {
            "status": WebhookDelivery.Status.FAILED,
            "next_attempt_at": None,
            "failures": failures + 1,
        }
    else:
        changes |= {"next_attempt_at": now + timedelta(seconds=delay), "failures": failures + 1}
    WebhookDelivery.objects.filter(pk__in=ids, claim_token=token).update(**changes)


def _endpoint_health(ok: set[int], failing: set[int], now: datetime) -> None:
    if ok:
        WebhookEndpoint.objects.filter(pk__in=ok, failing_since__isnull=False).update(failing_since=None)
    if failing:
        WebhookEndpoint.objects.filter(pk__in=failing, failing_since__isnull=True).update(failing_since=now)


def webhooks_deliver_due() -> SendResult:
    """Everything due now, batch after batch, in this process (cron, tests, the send task)."""
    total = SendResult()
    while True:
        batch = webhooks_deliver_batch()
        if not batch.claimed:
            return total
        total.add(batch)


def webhooks_disable_failing(*, now: datetime | None = None) -> int:
    """Switch off endpoints whose every attempt failed for five days, and tell their owners."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=rules.DISABLE_AFTER_DAYS)
    reason = f"every delivery failed for {rules.DISABLE_AFTER_DAYS} days"
    disabled = 0
    for endpoint in WebhookEndpoint.objects.filter(enabled=True, failing_since__lte=cutoff).select_related(
        "owner"
    ):
        changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, enabled=True).update(
            enabled=False, disabled_reason=reason, updated_at=now
        )
        if changed and endpoint.owner.email:
            _tell_owner(endpoint, reason)
        disabled += changed
    return disabled


def _tell_owner(endpoint: WebhookEndpoint, reason: str) -> None:
    body = (
        f"Your webhook endpoint {endpoint.url} (#{endpoint.pk}) has been disabled: {reason}.\n\n"
        "Pending deliveries are kept. Once the receiver answers 2xx again, enable it with\n"
        f'PATCH {settings.SITE_URL}/api/v1/webhooks/{endpoint.pk}/ {{"enabled": true}}\n'
        "and they go out; the delivery log shows what each attempt got back.\n"
    )
    try:
        send_mail("SSB Tracker: webhook endpoint disabled", body, None, [endpoint.owner.email])
    except Exception:  # the endpoint is disabled either way; a lost notice must not undo that
        log.exception("could not tell %s that webhook endpoint %s was disabled", endpoint.owner, endpoint.pk)


def webhooks_prune(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Forget up to ``limit`` deliveries finished more than ``WEBHOOK_LOG_DAYS`` ago, with their
    attempts, and the events no delivery needs any more. Returns the deliveries removed."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.WEBHOOK_LOG_DAYS)
    finished = [WebhookDelivery.Status.SUCCEEDED, WebhookDelivery.Status.FAILED]
    old = list(
        WebhookDelivery.objects.filter(status__in=finished, updated_at__lt=cutoff).values_list(
            "pk", flat=True
        )[:limit]
    )
    if not old:
        return 0
    WebhookDelivery.objects.filter(pk__in=old).delete()
    WebhookEvent.objects.filter(created_at__lt=cutoff, deliveries__isnull=True).delete()
    return len(old)


def webhooks_tick(*, now: datetime | None = None) -> int:
    """What beat runs every few seconds: overdue events, failing endpoints, old log entries,
    due retries. Returns how many send tasks it enqueued."""
    now = now or timezone.now()
    webhooks_overdue_scan(now=now)
    webhooks_disable_failing(now=now)
    webhooks_prune(now=now)
    due = WebhookDelivery.objects.filter(_claimable(now), endpoint__enabled=True).count()
    tasks = min(4, -(-due // settings.WEBHOOK_BATCH_SIZE))
    for _ in range(tasks):  # a few senders at once when much is due
        transaction.on_commit(lambda: task_enqueue("webhooks_send"))
    return tasks
