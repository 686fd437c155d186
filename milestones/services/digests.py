"""Editors' weekly "please verify" digest: overdue and unconfirmed milestones."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from milestones import mail
from milestones.domain import schedule as reminders
from milestones.http import site_url
from milestones.models import EditorDigest, Milestone
from milestones.selectors import milestones_final_q, stale_q, with_last_evidence
from milestones.services.editors import EDITORS_GROUP
from milestones.services.reminders import BatchResult


def editor_digest_milestones(*, today: date) -> tuple[list[Milestone], list[Milestone]]:
    """(overdue and not final, not final with no new evidence for 12 months)."""
    base = Milestone.objects.exclude(milestones_final_q()).select_related("owner")
    overdue = list(base.filter(window_end__lt=today).order_by("window_end", "title"))
    stale = list(with_last_evidence(base).filter(stale_q(today=today)).order_by("last_evidence_on", "title"))
    return overdue, stale


def _admin_link(milestone: Milestone) -> dict:
    return {
        "title": milestone.title,
        "owner": milestone.owner.name,
        "target": milestone.target_display,
        "window_end": milestone.window_end.isoformat(),
        "status": milestone.get_status_display(),
        "latest_evidence": getattr(milestone, "last_evidence_on", None),
        "admin_url": site_url(reverse("admin:milestones_milestone_change", args=[milestone.pk])),
    }


def editor_digests_schedule(*, today: date, now: datetime | None = None) -> int:
    """Write this week's digest row for every active editor with an address (once per week)."""
    now = now or timezone.now()
    week_of = today - timedelta(days=today.weekday())
    editors = get_user_model().objects.filter(groups__name=EDITORS_GROUP, is_active=True).exclude(email="")
    before = EditorDigest.objects.filter(week_of=week_of).count()
    EditorDigest.objects.bulk_create(
        [EditorDigest(user=user, week_of=week_of, next_attempt_at=now) for user in editors],
        ignore_conflicts=True,
    )
    return EditorDigest.objects.filter(week_of=week_of).count() - before


def editor_digests_retry(*, now: datetime) -> None:
    """Editor digests that failed transiently are retried by the regular scan, not next week."""

    if EditorDigest.objects.filter(status=EditorDigest.Status.PENDING, next_attempt_at__lte=now).exists():
        editor_digests_send(today=timezone.localdate(now))


def editor_digests_send(*, today: date) -> BatchResult:
    """Send every claimable editor digest; each row is claimed on its own (there are few)."""

    result = BatchResult()
    now = timezone.now()
    claimable = Q(status=EditorDigest.Status.PENDING, next_attempt_at__lte=now) & (
        Q(lease_until__isnull=True) | Q(lease_until__lte=now)
    )
    overdue, stale = editor_digest_milestones(today=today)
    overdue_links, stale_links = [_admin_link(m) for m in overdue], [_admin_link(m) for m in stale]
    for digest in EditorDigest.objects.filter(claimable).select_related("user"):
        token = uuid.uuid4().hex
        lease_until = now + timedelta(seconds=settings.REMINDER_LEASE_SECONDS)
        if not EditorDigest.objects.filter(claimable, pk=digest.pk).update(
            claim_token=token, lease_until=lease_until
        ):
            continue  # another sender has it
        _editor_digest_send_one(digest, token, overdue_links, stale_links, result)
    return result


def _editor_digest_send_one(
    digest, token: str, overdue: list[dict], stale: list[dict], result: BatchResult
) -> None:

    mine = EditorDigest.objects.filter(pk=digest.pk, claim_token=token)
    now = timezone.now()
    if not overdue and not stale:
        mine.update(
            status=EditorDigest.Status.SENT, sent_at=now, last_error="nothing to verify", claim_token=""
        )
        return
    msgid = mail.message_id("editor-digest", [digest.pk, digest.week_of], settings.DEFAULT_FROM_EMAIL)
    message = mail.editor_digest(
        to=digest.user.email, overdue=overdue, stale=stale, msgid=msgid, site_url=settings.SITE_URL
    )
    try:
        message.send()
    except Exception as error:  # same rules as reader digests
        attempts = digest.attempts + 1
        text = mail.describe_error(error)
        if mail.smtp_failure(error) == mail.PERMANENT or attempts >= settings.REMINDER_MAX_ATTEMPTS:
            mine.update(status=EditorDigest.Status.FAILED, attempts=attempts, last_error=text, claim_token="")
            result.failed += 1
            return
        delay = reminders.backoff_seconds(
            attempts, base=settings.REMINDER_RETRY_BASE_SECONDS, cap=settings.REMINDER_RETRY_CAP_SECONDS
        )
        mine.update(
            attempts=attempts,
            last_error=text,
            claim_token="",
            lease_until=None,
            next_attempt_at=now + timedelta(seconds=delay),
        )
        result.retry += 1
        return
    mine.update(status=EditorDigest.Status.SENT, sent_at=now, attempts=digest.attempts + 1, claim_token="")
    result.sent += 1
