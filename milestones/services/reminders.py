"""The reminder outbox: the scan that writes each due reminder once, and the senders.

Delivery promise — none lost, at most one duplicate per crash:
- The due reminders live in the database (``Reminder``), never in a broker
  ETA. The scan writes each one exactly once (unique key: subscription,
  milestone, kind, window end), so re-runs and overlapping beats add nothing.
- A sender claims rows with a conditional UPDATE that also sets a lease, sends,
  then marks them sent. If it dies anywhere before that commit the rows stay
  pending and are claimed again once the lease expires: nothing is lost.
- The one gap we accept: the SMTP server took the message but the process
  died before "sent" was committed. The next sender then delivers it again —
  at most one duplicate per crash, carrying the same Message-ID so mail
  clients can fold it. (Closing that gap would need a two-phase commit with
  the SMTP server, which SMTP does not offer.)
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from milestones import mail
from milestones.domain import schedule as reminders
from milestones.http import site_url
from milestones.models import Milestone, Reminder, Subscription
from milestones.services.queue import task_enqueue
from milestones.services.subscriptions import unsubscribe_url

log = logging.getLogger(__name__)

KIND_FLAGS = {rule.kind: rule.flag for rule in reminders.RULES}


def _shift_sql(column: str, days: int) -> str:
    days = int(days)  # a constant from reminders.RULES, never user input
    if connection.vendor == "postgresql":
        return f"({column} + ({days}))"
    return f"date({column}, '{days:+d} days')"


def _scan_sql() -> str:
    milestone, subscription = Milestone._meta.db_table, Subscription._meta.db_table
    participants = Milestone.participants.through._meta.db_table
    finals = ", ".join(f"'{status}'" for status in Milestone.FINAL_STATUSES)
    due = " UNION ALL ".join(
        f"SELECT m.id AS milestone_id, m.owner_id, m.window_end, '{rule.kind}' AS kind, "
        f"{_shift_sql('m.' + rule.anchor, rule.offset_days)} AS due_on "
        f"FROM {milestone} m WHERE m.status NOT IN ({finals}) AND m.{rule.anchor} BETWEEN %s AND %s"
        + (" AND NOT m.target_open_start" if rule.only_closed_start else "")
        for rule in reminders.RULES
    )
    wants = "CASE d.kind " + " ".join(f"WHEN '{kind}' THEN s.{flag}" for kind, flag in KIND_FLAGS.items())
    active = (
        f"s.confirmed_at IS NOT NULL AND s.unsubscribed_at IS NULL AND d.due_on >= s.active_from "
        f"AND {wants} ELSE FALSE END"
    )
    pick = "SELECT s.id AS subscription_id, d.milestone_id, d.kind, d.window_end, d.due_on FROM due d"
    # One branch per way a subscription reaches a milestone, so each is an indexed join.
    audience = " UNION ".join(
        [
            f"{pick} JOIN {subscription} s ON s.scope = 'all' WHERE {active}",
            f"{pick} JOIN {subscription} s ON s.scope = 'milestone' AND s.milestone_id = d.milestone_id "
            f"WHERE {active}",
            f"{pick} JOIN {subscription} s ON s.scope = 'organisation' AND s.organisation_id = d.owner_id "
            f"WHERE {active}",
            f"{pick} JOIN {participants} p ON p.milestone_id = d.milestone_id "
            f"JOIN {subscription} s ON s.scope = 'organisation' AND s.organisation_id = p.organisation_id "
            f"WHERE {active}",
        ]
    )
    # INSERT first, WITH inside: Python's sqlite3 only reports rowcount for statements that start with INSERT.
    return (
        f"INSERT INTO {Reminder._meta.db_table} (subscription_id, milestone_id, kind, window_end, due_on, "
        "status, attempts, next_attempt_at, claim_token, message_id, last_error, created_at, updated_at) "
        f"WITH due AS ({due}), audience AS ({audience}) "
        "SELECT subscription_id, milestone_id, kind, window_end, due_on, 'pending', 0, %s, '', '', '', %s, %s "
        # "WHERE TRUE": SQLite needs it to tell the upsert's ON from a join's ON.
        "FROM audience WHERE TRUE "
        # No conflict target: either unique key may fire (per window end, or per due day for an
        # open-ended window, whose end is NULL and so never conflicts in the first).
        "ON CONFLICT DO NOTHING"
    )


def reminders_scan(*, day: date, now: datetime | None = None) -> int:
    """Write every reminder due on ``day`` (or missed in the catch-up days before) to the outbox.

    One INSERT … SELECT over the computed set; conflicts on the unique key are
    skipped, so running it twice, or in two beats at once, inserts nothing new.
    Returns the number of rows inserted.
    """
    now = now or timezone.now()
    first_day = day - timedelta(days=settings.REMINDER_CATCHUP_DAYS)
    ops = connection.ops
    params: list[object] = []
    for rule in reminders.RULES:
        low, high = reminders.anchor_range(rule, first_day, day)
        params += [ops.adapt_datefield_value(low), ops.adapt_datefield_value(high)]
    stamp = ops.adapt_datetimefield_value(now)
    params += [stamp, stamp, stamp]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_scan_sql(), params)
        return max(cursor.rowcount, 0)


def reminders_cancel_stale(*, milestone: Milestone, now: datetime | None = None) -> int:
    """A target moved: unsent reminders for any other window are cancelled (the scan schedules the new)."""
    now = now or timezone.now()
    if milestone.window_end is None:
        current = Q(window_end__isnull=True, due_on=milestone.window_start)
    else:
        current = Q(window_end=milestone.window_end)
    return (
        Reminder.objects.filter(milestone=milestone, status=Reminder.Status.PENDING)
        .exclude(current)
        .update(status=Reminder.Status.CANCELLED, last_error="target moved", updated_at=now)
    )


def reminders_scan_day(now: datetime | None = None) -> date:
    now = now or timezone.now()
    return reminders.scan_day(now, settings.REMINDER_SEND_HOUR, ZoneInfo(settings.TIME_ZONE))


def _claimable(now: datetime) -> Q:
    return Q(status=Reminder.Status.PENDING, next_attempt_at__lte=now) & (
        Q(lease_until__isnull=True) | Q(lease_until__lte=now)
    )


def reminders_enqueue_sends(*, now: datetime | None = None) -> int:
    """Enqueue (after commit) enough send tasks for every address with claimable rows."""
    now = now or timezone.now()
    addresses = (
        Reminder.objects.filter(_claimable(now)).order_by().values("subscription__email").distinct().count()
    )
    batches = min(settings.REMINDER_MAX_BATCHES, -(-addresses // settings.REMINDER_BATCH_SIZE))
    for _ in range(batches):
        transaction.on_commit(lambda: task_enqueue("reminders_send_batch", queue=settings.REMINDER_QUEUE))
    return batches


@dataclass
class BatchResult:
    sent: int = 0  # digests handed to SMTP and marked sent
    retry: int = 0  # digests that will be tried again
    failed: int = 0  # digests that failed for good
    cancelled: int = 0  # reminder rows dropped as stale
    retry_in: float | None = None  # seconds until the earliest retry
    message_ids: list[str] = field(default_factory=list)


def _claim(*, now: datetime, limit: int) -> tuple[str, list[Reminder]]:
    """Lease the claimable rows of up to ``limit`` addresses; returns the token and the rows.

    The UPDATE repeats the claimable condition on the rows themselves, so of
    two senders racing for a row exactly one sees it change (PostgreSQL
    re-checks the WHERE after waiting for the other's row lock; SQLite has a
    single writer).
    """
    emails = list(
        Reminder.objects.filter(_claimable(now))
        .order_by()
        .values_list("subscription__email", flat=True)
        .distinct()[:limit]
    )
    if not emails:
        return "", []
    subscription_ids = list(Subscription.objects.filter(email__in=emails).values_list("pk", flat=True))
    token = uuid.uuid4().hex
    lease_until = now + timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
    Reminder.objects.filter(_claimable(now), subscription_id__in=subscription_ids).update(
        claim_token=token, lease_until=lease_until, updated_at=now
    )
    rows = list(
        Reminder.objects.filter(claim_token=token)
        .select_related("subscription", "milestone__owner")
        .order_by("subscription__email", "due_on", "milestone__window_end", "milestone_id", "kind")
    )
    return token, rows


def _is_stale(row: Reminder) -> bool:
    milestone = row.milestone
    moved = milestone.window_end != row.window_end or (
        row.window_end is None and row.due_on != milestone.window_start  # an open window moved its start
    )
    return not row.subscription.is_active or milestone.is_final or moved


def _digest_items(rows: list[Reminder]) -> list[mail.DigestItem]:
    labels = dict(Reminder.Kind.choices)
    seen, items = set(), []
    for row in rows:  # an address subscribed twice (say, milestone and "all") hears once
        key = (row.milestone_id, row.kind)
        if key in seen:
            continue
        seen.add(key)
        milestone = row.milestone
        items.append(
            mail.DigestItem(
                kind=row.kind,
                kind_label=labels[row.kind],
                title=milestone.title,
                owner=milestone.owner.name,
                target=milestone.target_display,
                window_start=milestone.window_start.isoformat(),
                window_end=milestone.window_end.isoformat()
                if milestone.window_end
                else "no end (open-ended)",
                url=site_url(milestone.get_absolute_url()),
            )
        )
    return items


def _finish(ids: list[int], token: str, **changes: object) -> int:
    # Only rows still carrying our token: if our lease ran out and another
    # sender took them, its outcome wins.
    return Reminder.objects.filter(pk__in=ids, claim_token=token).update(
        claim_token="", lease_until=None, **changes
    )


def _record_failure(rows: list[Reminder], token: str, error: BaseException, result: BatchResult) -> None:
    now = timezone.now()
    ids = [row.pk for row in rows]
    attempts = max(row.attempts for row in rows) + 1
    message = mail.describe_error(error)
    if mail.smtp_failure(error) == mail.PERMANENT or attempts >= settings.REMINDER_MAX_ATTEMPTS:
        _finish(
            ids, token, status=Reminder.Status.FAILED, attempts=attempts, last_error=message, updated_at=now
        )
        result.failed += 1
        log.warning("reminder digest to %s failed for good: %s", rows[0].subscription.email, message)
        return
    delay = reminders.backoff_seconds(
        attempts, base=settings.REMINDER_RETRY_BASE_SECONDS, cap=settings.REMINDER_RETRY_CAP_SECONDS
    )
    retry_at = now + timedelta(seconds=delay)
    _finish(ids, token, attempts=attempts, next_attempt_at=retry_at, last_error=message, updated_at=now)
    result.retry += 1
    result.retry_in = delay if result.retry_in is None else min(result.retry_in, delay)


def _send_digest(email: str, rows: list[Reminder], token: str, smtp, result: BatchResult) -> None:
    stale = [row.pk for row in rows if _is_stale(row)]
    if stale:
        result.cancelled += _finish(
            stale,
            token,
            status=Reminder.Status.CANCELLED,
            last_error="no longer due",
            updated_at=timezone.now(),
        )
    live = [row for row in rows if row.pk not in set(stale)]
    if not live:
        return
    msgid = mail.message_id("reminders", [row.pk for row in live], settings.DEFAULT_FROM_EMAIL)
    message = mail.reminder_digest(
        to=email,
        items=_digest_items(live),
        unsubscribe_url=unsubscribe_url(email=email),
        msgid=msgid,
        site_url=settings.SITE_URL,
    )
    message.connection = smtp
    try:
        message.send()
    except Exception as error:  # classified, recorded and retried or failed; never swallowed
        smtp.close()  # a broken session must not poison the next digest
        _record_failure(live, token, error, result)
        return
    # <- a crash exactly here is the one duplicate we allow (see the module docstring).
    now = timezone.now()
    _finish(
        [row.pk for row in live],
        token,
        status=Reminder.Status.SENT,
        sent_at=now,
        message_id=msgid,
        attempts=live[0].attempts + 1,
        updated_at=now,
    )
    result.sent += 1
    result.message_ids.append(msgid)


def reminders_send_batch(*, limit: int | None = None) -> BatchResult:
    """Claim up to ``limit`` addresses' due reminders and send one digest to each."""
    result = BatchResult()
    token, rows = _claim(now=timezone.now(), limit=limit or settings.REMINDER_BATCH_SIZE)
    if not rows:
        return result
    smtp = get_connection()
    try:
        for email, group in groupby(rows, key=lambda row: row.subscription.email):
            _send_digest(email, list(group), token, smtp, result)
    finally:
        smtp.close()
    return result


def reminders_send_due_now(*, day: date | None = None) -> tuple[int, BatchResult]:
    """cron-style: scan for ``day`` (default: local today, ignoring the send hour) and send in-process."""
    now = timezone.now()
    inserted = reminders_scan(day=day or timezone.localdate(now), now=now)
    total = BatchResult()
    while True:
        batch = reminders_send_batch()
        if not (batch.sent or batch.retry or batch.failed or batch.cancelled):
            break
        total.sent += batch.sent
        total.retry += batch.retry
        total.failed += batch.failed
        total.cancelled += batch.cancelled
        if batch.retry and not batch.sent and not batch.failed:
            break  # only retries left; they wait for their back-off
    return inserted, total


def reminders_resend(*, reminders_qs: QuerySet[Reminder], now: datetime | None = None) -> int:
    """Put failed, cancelled or sent reminders back in the queue for an immediate try."""
    now = now or timezone.now()
    count = reminders_qs.update(
        status=Reminder.Status.PENDING,
        attempts=0,
        next_attempt_at=now,
        claim_token="",
        lease_until=None,
        last_error="",
        updated_at=now,
    )
    reminders_enqueue_sends(now=now)
    return count


def reminders_cancel(*, reminders_qs: QuerySet[Reminder], now: datetime | None = None) -> int:
    """Cancel reminders that have not gone out; sent ones stay as they are."""
    now = now or timezone.now()
    return reminders_qs.filter(status__in=[Reminder.Status.PENDING, Reminder.Status.FAILED]).update(
        status=Reminder.Status.CANCELLED, claim_token="", lease_until=None, updated_at=now
    )
