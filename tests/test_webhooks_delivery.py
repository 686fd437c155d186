"""Webhooks end to end against a real HTTP receiver on 127.0.0.1: signed, retried, logged."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from standardwebhooks import Webhook

from milestones import services
from milestones.models import WebhookAttempt, WebhookDelivery, WebhookEvent
from tests.api_support import API, relaxed_throttle, send, token_client  # noqa: F401
from tests.factories import AnnouncementFactory, make_milestone
from tests.webhook_support import Answer, Receiver, spec_signatures

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_settings", "relaxed_throttle")]


def register(user, url: str, **fields) -> dict:
    response = send(token_client(user), "post", f"{API}/webhooks/", {"url": url, **fields})
    assert response.status_code == 201, response.content
    return response.json()


def deliver() -> str:
    out = io.StringIO()
    call_command("deliver_webhooks", stdout=out)
    return out.getvalue()


def test_a_slip_through_the_api_reaches_the_receiver_once_signed(editor, receiver):
    milestone = make_milestone(target="2027", slug="toyota-cars")
    endpoint = register(editor, receiver.url(), events=["milestone.slipped"])
    moving = AnnouncementFactory(published_on=timezone.localdate())
    response = send(
        token_client(editor),
        "patch",
        f"{API}/milestones/toyota-cars/",
        {"target": "2029", "moved_by": moving.slug},
        if_match="*",
    )
    assert response.status_code == 200, response.content
    assert "succeeded: 1\n" in deliver()
    assert deliver().startswith("succeeded: 0\n")  # nothing twice
    (call,) = receiver.received
    assert spec_signatures(endpoint["secret"], call)
    assert Webhook(endpoint["secret"]).verify(call.body, call.headers)["type"] == "milestone.slipped"
    body = call.json
    got = token_client(editor).get(f"{API}/milestones/{milestone.slug}/").json()
    assert {k: v for k, v in body["data"].items() if k not in ("previous_target", "moved_by")} == got
    assert body["data"]["previous_target"]["end"] == "2027-12-31"
    assert body["data"]["target"]["end"] == "2029-12-31"
    assert body["data"]["moved_by"]["slug"] == moving.slug
    assert body["timestamp"].endswith("Z")
    assert len(call.body) < 64 * 1024


def test_a_rolled_back_edit_sends_nothing(editor, receiver):
    milestone = make_milestone(target="2027")
    register(editor, receiver.url())
    with pytest.raises(RuntimeError), transaction.atomic():
        services.milestone_reschedule(milestone=milestone, target_text="2030")
        assert WebhookDelivery.objects.count() == 1  # written inside the transaction…
        raise RuntimeError("the edit fails after the change")
    assert WebhookEvent.objects.count() == WebhookDelivery.objects.count() == 0  # …and gone with it
    assert deliver().startswith("succeeded: 0\n")
    assert receiver.received == []


def test_500_then_200_is_retried_with_the_same_webhook_id_and_both_attempts_logged(editor):
    with Receiver(Answer(500, b"down for maintenance")) as flaky:
        endpoint = register(editor, flaky.url())
        make_milestone(target="2028")
        assert "retry: 1\n" in deliver()
        assert deliver().startswith("succeeded: 0\nretry: 0\n")  # the retry waits its 5 s
        with time_machine.travel(timezone.now() + timedelta(seconds=6)):
            assert deliver().startswith("succeeded: 1\n")
    first, second = flaky.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert first.body == second.body
    log = token_client(editor).get(f"{API}/webhooks/{endpoint['id']}/deliveries/").json()["results"]
    (delivery,) = log
    assert delivery["webhook_id"] == first.headers["webhook-id"]
    assert delivery["status"] == "succeeded" and delivery["attempts"] == 2
    assert [(a["attempt"], a["status_code"], a["succeeded"]) for a in delivery["log"]] == [
        (1, 500, False),
        (2, 200, True),
    ]
    assert delivery["log"][0]["response"] == "down for maintenance"
    assert delivery["log"][0]["next_attempt_at"] is not None


def test_a_hanging_receiver_is_cut_off_at_the_timeout(editor, settings):
    assert django_settings.WEBHOOK_TIMEOUT_SECONDS == 10  # the default; this test waits less
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    with Receiver(Answer(hang=True)) as hanging:
        register(editor, hanging.url())
        make_milestone()
        assert "retry: 1\n" in deliver()
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and "timed out" in attempt.error.lower()
    assert 300 <= attempt.duration_ms < 3000


def test_redirects_are_not_followed(editor):
    with Receiver(default=Answer(302, b"", {"Location": "/elsewhere"})) as redirecting:
        register(editor, redirecting.url())
        make_milestone()
        assert "retry: 1\n" in deliver()
    assert [r.path for r in redirecting.received] == ["/hook"]
    delivery = WebhookDelivery.objects.get()
    assert delivery.last_status_code == 302 and delivery.status == WebhookDelivery.Status.PENDING


def test_after_the_last_scheduled_retry_the_delivery_has_failed(editor):
    with Receiver(default=Answer(503)) as down:
        register(editor, down.url())
        make_milestone()
        now = timezone.now()
        for wait in (0, 5, 300, 1800, 7200, 18000, 36000, 36000):
            now += timedelta(seconds=wait + 1)
            with time_machine.travel(now):
                deliver()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.FAILED and delivery.attempts == 8
    assert len(down.received) == 8 and len({r.headers["webhook-id"] for r in down.received}) == 1


def test_an_endpoint_failing_for_five_days_is_disabled_and_its_owner_told(editor, mailoutbox):
    editor.email = "edna@example.org"
    editor.save()
    with Receiver(default=Answer(500)) as down:
        endpoint = register(editor, down.url())
        make_milestone()
        deliver()
        with time_machine.travel(timezone.now() + timedelta(days=4, hours=23)):
            assert "endpoints disabled: 0" in deliver()
        with time_machine.travel(timezone.now() + timedelta(days=5, minutes=1)):
            assert "endpoints disabled: 1" in deliver()
    shown = token_client(editor).get(f"{API}/webhooks/{endpoint['id']}/").json()
    assert shown["enabled"] is False and "5 days" in shown["disabled_reason"]
    (mail,) = mailoutbox
    assert mail.to == ["edna@example.org"] and down.url() in mail.body


def test_a_success_clears_the_failing_streak(editor):
    with Receiver(Answer(500)) as flaky:
        endpoint = register(editor, flaky.url())
        make_milestone()
        deliver()
        with time_machine.travel(timezone.now() + timedelta(seconds=6)):
            deliver()
        with time_machine.travel(timezone.now() + timedelta(days=6)):
            assert "endpoints disabled: 0" in deliver()
    assert token_client(editor).get(f"{API}/webhooks/{endpoint['id']}/").json()["failing_since"] is None


def test_a_rotated_secret_signs_beside_the_new_one_for_24_hours(editor, receiver):
    endpoint = register(editor, receiver.url(), events=["milestone.created"])
    rotated = send(token_client(editor), "post", f"{API}/webhooks/{endpoint['id']}/rotate-secret/").json()
    make_milestone(slug="first")
    deliver()
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        make_milestone(slug="second")
        deliver()
    during, after = receiver.received
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert spec_signatures(endpoint["secret"], during) and spec_signatures(rotated["secret"], during)
    assert Webhook(endpoint["secret"]).verify(during.body, during.headers)
    assert spec_signatures(rotated["secret"], after) and not spec_signatures(endpoint["secret"], after)


def test_the_test_button_sends_a_ping_and_redeliver_repeats_the_webhook_id(editor, receiver):
    endpoint = register(editor, receiver.url())
    client = token_client(editor)
    ping = send(client, "post", f"{API}/webhooks/{endpoint['id']}/test/")
    assert ping.status_code == 202 and ping.json()["event_type"] == "ping"
    deliver()
    assert receiver.received[0].json["data"]["endpoint"] == endpoint["id"]
    again = send(client, "post", f"{API}/webhooks/{endpoint['id']}/deliveries/{ping.json()['id']}/redeliver/")
    assert again.status_code == 202 and again.json()["status"] == "pending"
    deliver()
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == ping.json()["webhook_id"]
    detail = client.get(f"{API}/webhooks/{endpoint['id']}/deliveries/{ping.json()['id']}/").json()
    assert detail["attempts"] == 2 and detail["body"]["type"] == "ping"


def test_a_disabled_endpoint_gets_nothing_until_enabled_again(editor, receiver):
    endpoint = register(editor, receiver.url(), events=["milestone.changed"])
    milestone = make_milestone()
    url = f"{API}/webhooks/{endpoint['id']}/"
    services.milestone_save(milestone=milestone, data={"title": "Renamed once"})
    send(token_client(editor), "patch", url, {"enabled": False})
    deliver()
    assert receiver.received == []
    send(token_client(editor), "patch", url, {"enabled": True})
    deliver()
    assert [r.json["data"]["title"] for r in receiver.received] == ["Renamed once"]


def test_one_send_task_per_transaction_and_a_broker_outage_loses_nothing(
    editor, receiver, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    register(editor, receiver.url())

    def broker_down(name: str, *args, **options) -> None:
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr("milestones.services.webhooks.task_enqueue", broker_down)
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        make_milestone(slug="first")
        make_milestone(slug="second")
    assert len(callbacks) == 1  # two events, one task
    assert "left to the next tick" in caplog.text  # the edit itself went through
    assert "succeeded: 2\n" in deliver()


def test_the_tick_forgets_finished_deliveries_after_the_log_days_and_keeps_pending_ones(editor, receiver):
    endpoint = register(editor, receiver.url())
    make_milestone(slug="delivered")
    deliver()
    with time_machine.travel(timezone.now() + timedelta(days=29)):
        send(token_client(editor), "post", f"{API}/webhooks/{endpoint['id']}/test/")  # still pending
        services.webhooks_tick()
        assert WebhookDelivery.objects.count() == 2
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        services.webhooks_tick()
    (kept,) = WebhookDelivery.objects.all()
    assert kept.status == "pending" and kept.event.type == "ping"
    assert WebhookEvent.objects.count() == 1 and WebhookAttempt.objects.count() == 0
