"""End to end with real parts: Redis broker, a Celery worker process, an SMTP server.

The worker is a separate process, so it must see committed rows in a database
it can open: these tests use ``transactional_db`` and run on PostgreSQL only
(pytest-django's SQLite test database lives in memory, invisible to another process).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from milestones import services
from milestones.models import Reminder, Subscription
from milestones.tasks import reminders_tick
from tests.conftest import require
from tests.factories import make_milestone
from tests.reminder_support import SmtpServer

pytestmark = [pytest.mark.integration, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
BASE_DIR = Path(django_settings.BASE_DIR)
LEASE_SECONDS = 4


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Workers:
    """Starts Celery workers as real processes sharing the test database, broker and queue."""

    def __init__(self, redis_url: str, smtp: SmtpServer, tmp_path: Path) -> None:
        self.queue = f"reminders-test-{uuid.uuid4().hex[:8]}"
        self.redis_url = redis_url
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen] = []
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DB_POOL": "0",
            "REDIS_URL": redis_url,
            "EMAIL_URL": smtp.url,
            "TIME_ZONE": django_settings.TIME_ZONE,
            "REMINDER_QUEUE": self.queue,
            "REMINDER_SEND_HOUR": "0",
            "REMINDER_BATCH_SIZE": "10",
            "REMINDER_LEASE_SECONDS": str(LEASE_SECONDS),
            "CELERY_TASK_TIME_LIMIT": str(LEASE_SECONDS - 1),
            "CELERY_TASK_SOFT_TIME_LIMIT": str(LEASE_SECONDS - 2),
            "CELERY_VISIBILITY_TIMEOUT": "30",
            "REMINDER_RETRY_BASE_SECONDS": "0.3",
            "REMINDER_RETRY_CAP_SECONDS": "2",
            "REMINDER_SCAN_SECONDS": "1",
            "VAR_DIR": str(tmp_path),
        }

    def start(self, *, beat: bool = False) -> subprocess.Popen:
        log = self.tmp_path / f"worker-{len(self.processes)}.log"
        command = [
            sys.executable, "-m", "celery", "-A", "ssbtracker", "worker", "--pool=solo",
            "-Q", self.queue, "-n", f"{self.queue}-{len(self.processes)}@%h",
            "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel=INFO",
        ]  # fmt: skip
        if beat:
            command += ["--beat", "--schedule", str(self.tmp_path / "beat-schedule")]
        process = subprocess.Popen(
            command,
            cwd=BASE_DIR,
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so kill -9 takes all of it
        )
        self.processes.append(process)
        wait_for(lambda: "ready." in log.read_text(), 30, f"worker to start (log: {log})")
        return process

    def kill(self, process: subprocess.Popen) -> None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def tick(self) -> None:
        reminders_tick.apply_async(queue=self.queue)

    def queue_empty(self) -> bool:
        return redis.Redis.from_url(self.redis_url).llen(self.queue) == 0

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
        redis.Redis.from_url(self.redis_url).delete(self.queue)


@pytest.fixture
def on_postgres() -> None:
    # Skips locally on SQLite (its test database lives in memory, invisible to a worker
    # process); in CI, where PostgreSQL is configured, a missing one fails instead.
    require(
        connection.vendor == "postgresql", "needs PostgreSQL: the worker process must share the test database"
    )


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def workers(on_postgres, redis_url, smtp, tmp_path, settings) -> Iterator[Workers]:
    pool = Workers(redis_url, smtp, tmp_path)
    settings.REMINDER_QUEUE = pool.queue
    yield pool
    pool.stop()


def confirmed_subscribers(count: int) -> list[str]:
    """``count`` confirmed subscriptions to a milestone whose "7 days before" is due today."""
    milestone = make_milestone(target=(timezone.localdate() + timedelta(days=7)).isoformat())
    now = timezone.now()
    emails = [f"reader{n:03}@example.com" for n in range(count)]
    Subscription.objects.bulk_create(
        Subscription(
            email=email,
            scope="milestone",
            milestone=milestone,
            confirmed_at=now,
            active_from=timezone.localdate() - timedelta(days=1),
        )
        for email in emails
    )
    return emails


def sent_count() -> int:
    return Reminder.objects.filter(status=Reminder.Status.SENT).count()


def test_200_subscriptions_get_exactly_200_digests_and_a_second_scan_none(workers, smtp):
    emails = confirmed_subscribers(200)
    workers.start()
    workers.tick()
    wait_for(lambda: sent_count() == 200, 60, "200 reminders sent")
    assert smtp.recipients() == dict.fromkeys(emails, 1)
    workers.tick()  # the second scan, through the worker as beat would run it
    wait_for(workers.queue_empty, 10, "the second scan to be taken")
    time.sleep(1.5)
    assert len(smtp.messages) == 200
    assert Reminder.objects.count() == 200
    assert services.reminders_tick().inserted == 0


def test_killed_worker_mid_batch_loses_nothing_and_duplicates_at_most_one(workers, smtp):
    smtp.delay = 0.03  # slow enough to kill the worker in the middle of its batches
    emails = confirmed_subscribers(200)
    first = workers.start()
    workers.tick()
    wait_for(lambda: len(smtp.messages) >= 40, 60, "the first worker to be mid-way")
    workers.kill(first)  # kill -9: no chance to release its lease or ack its task
    delivered_before_kill = len(smtp.messages)
    print(f"delivered before kill: {delivered_before_kill}")
    assert delivered_before_kill < 200
    workers.start(beat=True)  # a new worker, with beat scanning every second
    wait_for(lambda: sent_count() == 200, 90, "every reminder sent after the kill")
    received = smtp.recipients()
    assert set(received) == set(emails)  # none lost
    print(f"total messages: {sum(received.values())}")
    assert sum(received.values()) - 200 <= 1  # at most one duplicate for the one kill
    assert Reminder.objects.exclude(status=Reminder.Status.SENT).count() == 0


def test_temporary_451_replies_are_retried_until_delivered(workers, smtp):
    smtp.rcpt_replies = ["451 4.7.1 greylisted, try again later"] * 4
    emails = confirmed_subscribers(3)
    workers.start()
    workers.tick()
    wait_for(lambda: sent_count() == 3, 60, "greylisted reminders to be delivered")
    assert smtp.recipients() == dict.fromkeys(emails, 1)
    assert max(Reminder.objects.values_list("attempts", flat=True)) >= 2


def test_permanent_550_marks_failed_after_one_attempt(workers, smtp):
    smtp.always = "550 5.1.1 mailbox unavailable"
    confirmed_subscribers(3)
    workers.start()
    workers.tick()
    wait_for(lambda: Reminder.objects.filter(status=Reminder.Status.FAILED).count() == 3, 60, "3 failures")
    time.sleep(1.5)  # retries, if any were wrongly scheduled, would show up here
    assert smtp.attempts == 3 and smtp.messages == []
    assert set(Reminder.objects.values_list("attempts", flat=True)) == {1}
