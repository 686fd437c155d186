"""Faults with real servers: Redis stops under a running app; PostgreSQL restarts.

Each test starts its own private Redis or PostgreSQL (tests/private_services.py),
so stopping it harms nothing else on the machine, and runs the app as real
processes (gunicorn, a Celery worker with beat) that are never restarted.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from milestones.models import Subscription
from tests.conftest import require
from tests.factories import make_milestone
from tests.private_services import free_port, postgres_bin, private_postgres, private_redis, wait_for_port
from tests.reminder_support import SmtpServer

pytestmark = [pytest.mark.integration]
BASE_DIR = Path(django_settings.BASE_DIR)


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def app_database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


class Http:
    """A tiny client for a server in another process (status and text, never an exception)."""

    def __init__(self, base: str) -> None:
        self.base = base

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = json.dumps(data).encode() if data is not None else None
        request = urllib.request.Request(
            self.base + path, data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def status(self, path: str) -> int:
        return self.request(path)[0]


class Processes:
    def __init__(self, tmp_path: Path, env: dict[str, str]) -> None:
        self.tmp_path = tmp_path
        self.env = {**os.environ, "VAR_DIR": str(tmp_path), "DEBUG": "1", **env}
        self.started: list[subprocess.Popen] = []

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.tmp_path / f"{name}.log").open("w")
        process = subprocess.Popen(
            [sys.executable, *args], cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.started.append(process)
        return process

    def log(self, name: str) -> str:
        return (self.tmp_path / f"{name}.log").read_text()

    def web(self) -> str:
        port = free_port()
        self.start("web", "-m", "gunicorn", "ssbtracker.wsgi:application", "-b", f"127.0.0.1:{port}",
                   "-w", "1", "--threads", "4", "--timeout", "60")  # fmt: skip
        wait_for_port(port, timeout=30)
        return f"http://127.0.0.1:{port}"

    def stop(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def processes(tmp_path) -> Iterator[Processes]:
    group = Processes(tmp_path, {})
    yield group
    group.stop()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_redis_outage_keeps_pages_and_api_up_and_loses_nothing(processes, redis_url):
    require(connection.vendor == "postgresql", "the app's processes must share the test database: PostgreSQL")
    with SmtpServer() as smtp, private_redis() as redis_server:
        processes.env.update(
            DATABASE_URL=app_database_url(), DB_POOL="0", REDIS_URL=redis_server.url, EMAIL_URL=smtp.url,
            REMINDER_SEND_HOUR="0", REMINDER_SCAN_SECONDS="1", CONFIRMATION_GRACE_SECONDS="0",
            TIME_ZONE=django_settings.TIME_ZONE,
        )  # fmt: skip
        base = processes.web()
        processes.start("worker", "-m", "celery", "-A", "ssbtracker", "worker", "--beat", "--pool=solo",
                        "--schedule", str(processes.tmp_path / "beat"), "--without-gossip", "--without-mingle",
                        "--without-heartbeat", "--loglevel=INFO")  # fmt: skip
        wait_until(lambda: "ready." in processes.log("worker"), 30, "the worker")

        redis_server.stop()
        # While Redis is down: a claim becomes due for a confirmed reader, and someone subscribes.
        milestone = make_milestone(target=(timezone.localdate() + timedelta(days=7)).isoformat())
        Subscription.objects.create(
            email="confirmed@example.com", scope="all", confirmed_at=timezone.now(),
            active_from=timezone.localdate() - timedelta(days=1),
        )  # fmt: skip
        http = Http(base)
        for path in ("/", f"/milestones/{milestone.slug}/", "/api/v1/milestones/", "/upcoming/"):
            assert http.status(path) == 200, path
        status, text = http.request("/api/v1/subscriptions/", {"email": "new@example.com", "scope": "all"})
        assert status < 300, text
        assert http.status("/healthz") == 503
        assert Subscription.objects.filter(
            email="new@example.com", confirmation_requested_at__isnull=False
        ).exists()
        assert smtp.recipients() == {}

        redis_server.start()  # same port: the worker and beat reconnect by themselves
        wait_until(
            lambda: {"confirmed@example.com", "new@example.com"} <= set(smtp.recipients()), 90,
            f"mail after Redis came back (worker log: {processes.tmp_path / 'worker.log'})",
        )  # fmt: skip
        time.sleep(3)  # a few more ticks: nothing may be sent twice
        assert smtp.recipients()["confirmed@example.com"] == 1
        assert smtp.recipients()["new@example.com"] == 1


@pytest.mark.django_db
def test_postgres_restart_is_survived_without_restarting_the_app(processes):
    require(postgres_bin() is not None, "needs PostgreSQL server binaries under /usr/lib/postgresql")
    with private_postgres() as database:
        processes.env.update(DATABASE_URL=database.url, DB_POOL="1", DB_POOL_MAX="2")
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"], cwd=BASE_DIR, env=processes.env,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert migrate.returncode == 0, migrate.stderr
        subprocess.run([sys.executable, "manage.py", "load_seed"], cwd=BASE_DIR, env=processes.env, check=True,
                       capture_output=True, timeout=120)  # fmt: skip
        base = processes.web()
        http = Http(base)
        for _ in range(6):  # fill the pool with live connections
            assert http.status("/api/v1/milestones/") == 200
        database.stop()
        status, text = http.request("/healthz")
        assert status == 503 and "database" in text
        database.start()
        # The very first requests after the restart succeed: pooled connections are
        # checked before use and replaced, with no restart of gunicorn.
        assert http.status("/") == 200
        status, text = http.request("/api/v1/milestones/")
        assert status == 200 and json.loads(text)["results"]
        assert http.status("/healthz") == 200
        assert all(process.poll() is None for process in processes.started)
