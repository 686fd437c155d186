"""Senders against a real SMTP server (aiosmtpd in a thread): digests, leases, retries, failures."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from milestones import mail, services
from milestones.models import Reminder
from milestones.services.reminders import _claim as claim
from tests.factories import make_milestone
from tests.reminder_support import SmtpServer, smtp_settings, subscribe

pytestmark = pytest.mark.django_db
UTC = ZoneInfo("UTC")
DAY = date(2030, 12, 24)  # "7 days before" for every 2030 target
NOON = datetime(2030, 12, 24, 12, tzinfo=UTC)


@pytest.fixture
def smtp(settings):
    server = SmtpServer()
    with server:
        smtp_settings(settings, server)
        yield server


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.REMINDER_RETRY_BASE_SECONDS = 60
    settings.REMINDER_RETRY_CAP_SECONDS = 600
    settings.REMINDER_MAX_ATTEMPTS = 4
    settings.REMINDER_LEASE_SECONDS = 300


def scan_and_send(at: datetime = NOON) -> services.BatchResult:
    with time_machine.travel(at, tick=False):
        services.reminders_scan(day=at.date())
        return services.reminders_send_batch()


def send(at: datetime) -> services.BatchResult:
    with time_machine.travel(at, tick=False):
        return services.reminders_send_batch()


def test_one_digest_per_address_with_text_html_and_one_click_headers(smtp):
    first = make_milestone(target="2030", title="First cells")
    make_milestone(target="2030", title="Second cells")
    subscribe("reader@example.com")
    subscribe("reader@example.com", milestone=first)  # overlaps with "everything"
    subscribe("other@example.com", milestone=first)
    result = scan_and_send()
    assert result.sent == 2
    assert smtp.recipients() == {"reader@example.com": 1, "other@example.com": 1}
    digest = next(m for m in smtp.messages if m["To"] == "reader@example.com")
    assert [part.get_content_type() for part in digest.walk()][1:] == ["text/plain", "text/html"]
    text = digest.get_body(("plain",)).get_content()
    assert text.count("First cells") == 1 and "Second cells" in text  # the overlap is told once
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/subscriptions/unsubscribe/" in digest["List-Unsubscribe"]
    sent = Reminder.objects.filter(subscription__email="reader@example.com")
    assert set(sent.values_list("status", "message_id")) == {("sent", digest["Message-ID"])}


def test_a_second_run_sends_nothing(smtp):
    make_milestone(target="2030")
    subscribe("reader@example.com")
    scan_and_send()
    assert scan_and_send(NOON + timedelta(minutes=5)).sent == 0
    assert len(smtp.messages) == 1


def test_leased_rows_are_left_alone_until_the_lease_expires(smtp):
    """A sender that dies after claiming: its rows come back after the lease, with the same Message-ID."""
    make_milestone(target="2030")
    subscribe("reader@example.com")
    with time_machine.travel(NOON, tick=False):
        services.reminders_scan(day=DAY)
        token, rows = claim(now=NOON, limit=10)  # ...then the worker is killed
    assert token and len(rows) == 1
    assert send(NOON + timedelta(seconds=299)).sent == 0
    assert send(NOON + timedelta(seconds=301)).sent == 1
    expected = mail.message_id("reminders", [rows[0].pk], "SSB Tracker <noreply@ssbtracker.local>")
    assert smtp.messages[0]["Message-ID"] == expected


def test_temporary_451_is_retried_with_backoff_and_delivered(settings):
    make_milestone(target="2030")
    subscribe("reader@example.com")
    with SmtpServer(rcpt_replies=["451 4.3.0 try later", "451 4.3.0 try later"]) as server:
        smtp_settings(settings, server)
        first = scan_and_send()
        assert (first.sent, first.retry) == (0, 1)
        row = Reminder.objects.get()
        assert row.status == "pending" and row.attempts == 1 and "451" in row.last_error
        assert 30 <= (row.next_attempt_at - NOON).total_seconds() <= 60
        assert send(NOON + timedelta(seconds=1)).sent == 0  # still backing off
        assert send(NOON + timedelta(minutes=2)).retry == 1
        assert send(NOON + timedelta(minutes=10)).sent == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 3)
    assert len(server.messages) == 1


def test_permanent_550_fails_after_one_attempt(settings):
    make_milestone(target="2030")
    subscribe("nobody@example.com")
    with SmtpServer(always="550 5.1.1 no such user") as server:
        smtp_settings(settings, server)
        assert scan_and_send().failed == 1
        assert send(NOON + timedelta(hours=2)).failed == 0
    row = Reminder.objects.get()
    assert (row.status, row.attempts) == ("failed", 1)
    assert "550" in row.last_error
    assert server.attempts == 1


def test_unreachable_server_is_transient_until_the_attempt_cap(settings):
    smtp_settings(settings, SmtpServer())  # never started: connection refused
    make_milestone(target="2030")
    subscribe("reader@example.com")
    results = [scan_and_send()] + [send(NOON + timedelta(hours=hour)) for hour in (1, 2, 3)]
    assert [(r.retry, r.failed) for r in results] == [(1, 0), (1, 0), (1, 0), (0, 1)]
    assert Reminder.objects.get().status == "failed"


def test_unsubscribing_between_scan_and_send_cancels_instead_of_sending(smtp):
    milestone = make_milestone(target="2030")
    subscription = subscribe("reader@example.com", milestone=milestone)
    with time_machine.travel(NOON, tick=False):
        services.reminders_scan(day=DAY)
    subscription.unsubscribed_at = NOON  # e.g. a direct database fix, bypassing the service
    subscription.save()
    result = send(NOON)
    assert (result.sent, result.cancelled) == (0, 1)
    assert smtp.messages == []


def test_send_reminders_command_sends_everything_due_today(smtp):
    make_milestone(target="2030")
    subscribe("a@example.com")
    subscribe("b@example.com")
    out = io.StringIO()
    with time_machine.travel(datetime(2030, 12, 24, 0, 5, tzinfo=UTC), tick=False):  # before the send hour
        call_command("send_reminders", stdout=out)
    assert "2 digest(s) sent" in out.getvalue()
    assert smtp.recipients() == {"a@example.com": 1, "b@example.com": 1}


def test_send_reminders_command_rejects_a_bad_day():
    with pytest.raises(CommandError, match="not a date"):
        call_command("send_reminders", "--day", "next tuesday")


def test_send_reminders_command_exits_non_zero_on_permanent_failure(settings):
    make_milestone(target="2030")
    subscribe("nobody@example.com")
    with SmtpServer(always="550 5.1.1 no such user") as server:
        smtp_settings(settings, server)
        with pytest.raises(CommandError, match="failed permanently"):
            call_command("send_reminders", "--day", "2030-12-24", stdout=io.StringIO())


def test_admin_resend_and_cancel_go_through_the_services(smtp, admin_client):
    make_milestone(target="2030")
    subscribe("reader@example.com")
    scan_and_send()
    row = Reminder.objects.get()
    url = "/admin/milestones/reminder/"
    admin_client.post(url, {"action": "resend", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 0)
    admin_client.post(url, {"action": "cancel", "_selected_action": [row.pk]})
    row.refresh_from_db()
    assert row.status == "cancelled"
    listing = admin_client.get(url, {"status__exact": "cancelled", "kind__exact": "before_7"})
    assert listing.status_code == 200 and "reader@example.com" in listing.content.decode()


def test_list_unsubscribe_header_works_with_one_post_and_no_csrf_token(smtp, settings):
    """RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click" to the header's URL."""
    from django.test import Client

    make_milestone(target="2030")
    subscription = subscribe("reader@example.com")
    scan_and_send()
    url = smtp.messages[0]["List-Unsubscribe"].strip().removeprefix("<").removesuffix(">")
    assert url.startswith(settings.SITE_URL + "/subscriptions/unsubscribe/")
    response = Client(enforce_csrf_checks=True).post(
        url.removeprefix(settings.SITE_URL),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at is not None
