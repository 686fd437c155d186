"""What Celery beat runs every few minutes, in one place."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from django.utils import timezone

from milestones.domain import schedule as reminders
from milestones.services.digests import _editor_digest_retries
from milestones.services.reminders import reminders_enqueue_sends, reminders_scan, scan_day_now
from milestones.services.subscriptions import subscription_confirmations_send_pending

log = logging.getLogger(__name__)

CONFIRM_SALT = "milestones.subscription.confirm"
UNSUBSCRIBE_SALT = "milestones.subscription.unsubscribe"
KIND_FLAGS = {rule.kind: rule.flag for rule in reminders.RULES}


@dataclass
class TickResult:
    day: date
    inserted: int
    batches: int


def reminders_tick(*, now: datetime | None = None) -> TickResult:
    """What beat runs every few minutes: scan up to the last send hour that passed, then send."""
    now = now or timezone.now()
    day = scan_day_now(now)
    inserted = reminders_scan(day=day, now=now)
    _editor_digest_retries(now)
    subscription_confirmations_send_pending(now=now)
    return TickResult(day=day, inserted=inserted, batches=reminders_enqueue_sends(now=now))
