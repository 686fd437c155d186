"""Webhooks with real processes: a sender killed with SIGKILL mid-batch loses nothing, and a
Celery worker sends as soon as a change commits.

The sender is a separate process, so it must see committed rows in a database it can open:
these tests use ``transactional_db`` and run on PostgreSQL only (pytest-django's SQLite test
database lives in memory, invisible to another process).
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from milestones import services
from milestones.models import WebhookDelivery, WebhookEvent
from tests.conftest import require
from tests.factories import make_milestone
from tests.test_reminders_integration import database_url
from tests.webhook_support import Receiver, spec_signatures

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("webhook_settings"),
]
BASE_DIR = Path(django_settings.BASE_DIR)
EVENTS = 200
KILL_AFTER = 50  # requests received before the sender is killed


@pytest.fixture
def on_postgres() -> None:
    require(
        connection.vendor == "postgresql", "needs PostgreSQL: the sender process shares the test database"
    )


def sender_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DB_POOL": "0",
        "DEBUG": "1",
        "WEBHOOK_ALLOW_PRIVATE": "1",
        "VAR_DIR": str(tmp_path),
        **extra,
    }


def pending_pings(endpoint, count: int) -> list[str]:
    """``count`` events already in the outbox (written directly: the setup, not the subject)."""
    now = timezone.now()
    events = WebhookEvent.objects.bulk_create(
        WebhookEvent(type="ping", body=f'{{"type":"ping","data":{{"n":{n}}}}}', created_at=now)
        for n in range(count)
    )
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery.due_now(endpoint, e, now) for e in events
    )
    return [delivery.msg_id for delivery in deliveries]


def test_a_sender_killed_mid_batch_loses_nothing_and_repeats_at_most_once(on_postgres, editor, tmp_path):
    reached, release = threading.Event(), threading.Event()

    def hold_after_kill_point(count: int) -> None:
        if count >= KILL_AFTER:
            reached.set()
            release.wait(30)  # in flight when the sender dies

    with Receiver() as receiver:
        receiver.on_request = hold_after_kill_point
        endpoint, secret = services.webhook_endpoint_create(owner=editor, data={"url": receiver.url()})
        msg_ids = pending_pings(endpoint, EVENTS)
        log = (tmp_path / "sender.log").open("w")
        sender = subprocess.Popen(
            [sys.executable, "manage.py", "deliver_webhooks"],
            cwd=BASE_DIR,
            env=sender_env(tmp_path, WEBHOOK_BATCH_SIZE="20", WEBHOOK_THREADS="4"),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert reached.wait(60), (tmp_path / "sender.log").read_text()
        os.killpg(sender.pid, signal.SIGKILL)
        assert sender.wait(10) == -signal.SIGKILL
        release.set()
        receiver.on_request = None
        # The dead sender's lease runs out; the next run takes its rows.
        with time_machine.travel(
            timezone.now() + timedelta(seconds=django_settings.WEBHOOK_LEASE_SECONDS + 5)
        ):
            out = io.StringIO()
            call_command("deliver_webhooks", stdout=out)
        received = list(receiver.received)
    counts = Counter(call.headers["webhook-id"] for call in received)
    assert set(counts) == set(msg_ids)  # every event arrived…
    assert max(counts.values()) == 2  # …the ones in flight at the kill twice, none more
    assert all(spec_signatures(secret, call) for call in received)
    assert WebhookDelivery.objects.filter(status="succeeded").count() == EVENTS


def test_two_senders_at_once_send_each_event_exactly_once(on_postgres, editor, tmp_path):
    # The first 8 calls are held until all 8 are in: one sender has at most 4 in flight, so
    # both are then sending at the same time, racing for the same rows. The senders wait out
    # the hold (a 60 s call timeout): under CI load the second may take seconds to start.
    both_sending = threading.Barrier(8, timeout=90)
    with Receiver() as receiver:
        receiver.on_request = lambda count: both_sending.wait() if count <= 8 else None
        endpoint, _secret = services.webhook_endpoint_create(owner=editor, data={"url": receiver.url()})
        msg_ids = pending_pings(endpoint, EVENTS)
        env = sender_env(tmp_path, WEBHOOK_BATCH_SIZE="10", WEBHOOK_THREADS="4", WEBHOOK_TIMEOUT_SECONDS="60")
        senders = [
            subprocess.Popen(
                [sys.executable, "manage.py", "deliver_webhooks"],
                cwd=BASE_DIR,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [sender.communicate(timeout=120)[0] for sender in senders]
        received = list(receiver.received)
    counts = Counter(call.headers["webhook-id"] for call in received)
    assert set(counts) == set(msg_ids) and set(counts.values()) == {1}
    succeeded = [int(out.split("succeeded: ")[1].split()[0]) for out in outputs]
    assert sum(succeeded) == EVENTS and all(succeeded), outputs


@pytest.fixture
def worker(on_postgres, redis_url, tmp_path):
    log = tmp_path / "worker.log"
    name = f"webhooks-{uuid.uuid4().hex[:8]}@%h"
    command = [sys.executable, "-m", "celery", "-A", "ssbtracker", "worker", "--pool=solo", "-n", name]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO"]
    process = subprocess.Popen(
        command,
        cwd=BASE_DIR,
        env=sender_env(tmp_path, REDIS_URL=redis_url),
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    yield process
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def test_a_celery_worker_sends_the_event_once_the_change_commits(worker, editor):
    arrived = threading.Event()
    with Receiver() as receiver:
        receiver.on_request = lambda count: arrived.set()
        _endpoint, secret = services.webhook_endpoint_create(
            owner=editor, data={"url": receiver.url(), "events": ["milestone.created"]}
        )
        make_milestone(slug="sent-by-celery")  # commits; the send task is enqueued after commit
        assert arrived.wait(60), "the worker did not deliver within 60 s"
        (call,) = receiver.received
    assert call.json["data"]["slug"] == "sent-by-celery" and spec_signatures(secret, call)
