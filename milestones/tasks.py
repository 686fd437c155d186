"""Celery tasks: thin wrappers around ``services``.

No task carries a far-future ETA: due times live in the outbox table and the
beat scan finds them. The only countdown is a retry back-off, capped below the
broker's visibility timeout (checked in settings).
"""

from __future__ import annotations

import smtplib
import time

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from milestones import services


@shared_task(name="milestones.tasks.reminders_tick")
def reminders_tick() -> dict:
    """Beat, every few minutes: write due reminders to the outbox, enqueue senders."""
    result = services.reminders_tick()
    return {"day": result.day.isoformat(), "inserted": result.inserted, "batches": result.batches}


@shared_task(name="milestones.tasks.reminders_send_batch")
def reminders_send_batch() -> dict:
    """Claim a batch of addresses and send each its digest."""
    result = services.reminders_send_batch()
    if result.retry_in is not None:
        # Bounded by REMINDER_RETRY_CAP_SECONDS; if this message is lost the next scan retries anyway.
        reminders_send_batch.apply_async(countdown=result.retry_in + 0.1, queue=settings.REMINDER_QUEUE)
    return {
        "sent": result.sent,
        "retry": result.retry,
        "failed": result.failed,
        "cancelled": result.cancelled,
    }


@shared_task(
    name="milestones.tasks.subscription_confirmation_send",
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=6,
)
def subscription_confirmation_send(subscription_id: int, kinds: list[str] | None = None) -> bool:
    return services.subscription_confirmation_send(subscription_id=subscription_id, kinds=kinds)


@shared_task(name="milestones.tasks.editor_digests_tick")
def editor_digests_tick() -> dict:
    """Beat, weekly: one "please verify" digest per editor."""
    today = timezone.localdate()
    scheduled = services.editor_digests_schedule(today=today)
    result = services.editor_digests_send(today=today)
    return {"scheduled": scheduled, "sent": result.sent, "retry": result.retry, "failed": result.failed}


@shared_task(name="milestones.tasks.webhooks_tick")
def webhooks_tick() -> dict:
    """Beat, every few seconds: overdue events, failing endpoints, and senders for due retries."""
    return {"send_tasks": services.webhooks_tick()}


# A send task stops taking new batches after this long and hands over to a fresh task, so
# it stays far inside the time limit and other tasks get the worker in between.
_WEBHOOK_SEND_BUDGET_SECONDS = 60


@shared_task(name="milestones.tasks.webhooks_send")
def webhooks_send() -> dict:
    """Deliver due webhooks batch after batch; enqueued after each change's commit."""
    total, started = services.SendResult(), time.monotonic()
    while time.monotonic() - started < _WEBHOOK_SEND_BUDGET_SECONDS:
        batch = services.webhooks_deliver_batch()
        total.add(batch)
        if batch.claimed < settings.WEBHOOK_BATCH_SIZE:
            break
    else:
        webhooks_send.apply_async()  # more is due: carry on in a fresh task
    if total.retry_in is not None and total.retry_in < settings.WEBHOOK_TICK_SECONDS:
        # A retry due before the next beat tick (the 5 s one); if this message is lost, the tick sends it.
        webhooks_send.apply_async(countdown=total.retry_in + 0.1)
    return {"succeeded": total.succeeded, "retry": total.retry, "failed": total.failed}
