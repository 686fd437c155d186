"""What Celery beat runs every few minutes, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from milestones.services.digests import editor_digests_retry
from milestones.services.reminders import reminders_enqueue_sends, reminders_scan, reminders_scan_day
from milestones.services.subscriptions import subscription_confirmations_send_pending


@dataclass
class TickResult:
    day: date
    inserted: int
    batches: int


def reminders_tick(*, now: datetime | None = None) -> TickResult:
    """What beat runs every few minutes: scan up to the last send hour that passed, then send."""
    now = now or timezone.now()
    day = reminders_scan_day(now)
    inserted = reminders_scan(day=day, now=now)
    editor_digests_retry(now=now)
    subscription_confirmations_send_pending(now=now)
    return TickResult(day=day, inserted=inserted, batches=reminders_enqueue_sends(now=now))
