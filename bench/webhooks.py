"""Benchmark the webhook sender: 10,000 events to 10 endpoints on a local receiver.

    .venv/bin/python bench/webhooks.py                       # a throw-away SQLite file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssb_hook_bench .venv/bin/python bench/webhooks.py

The receiver is a separate process on 127.0.0.1 (one keep-alive HTTP/1.1 server, ten
paths, answering 204 at once), so its work does not share our interpreter. The sender is
the real one (``webhooks_deliver_due``: claims, 4 threads, pooled connections, one
recording transaction per batch). Prints deliveries per second (goal: at least 500 with
4 threads) and where the time went: our process's CPU (our code, urllib3, the database
driver) against waiting (on the receiver and the network, or the database server).
Exits non-zero below the goal. The database is wiped: give it one of its own.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EVENTS, ENDPOINTS, THREADS, GOAL = 10_000, 10, 4, 500.0
ROOT = Path(__file__).resolve().parent.parent
_VAR = tempfile.mkdtemp(prefix="ssb-webhook-bench-")
atexit.register(shutil.rmtree, _VAR, ignore_errors=True)
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssbtracker.settings")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_VAR}/bench.sqlite3")
os.environ |= {"WEBHOOK_ALLOW_PRIVATE": "1", "DEBUG": "1", "VAR_DIR": _VAR, "LOG_LEVEL": "WARNING"}
os.environ |= {"WEBHOOK_THREADS": str(THREADS)}

RECEIVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""

import django  # noqa: E402
from benchdb import ensure_database  # noqa: E402

if os.environ["DATABASE_URL"].startswith("postgres"):
    ensure_database(os.environ["DATABASE_URL"], script="bench/webhooks.py")
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from milestones import services  # noqa: E402
from milestones.models import WebhookDelivery, WebhookEndpoint, WebhookEvent  # noqa: E402


def wipe() -> None:
    for model in (WebhookDelivery, WebhookEvent, WebhookEndpoint):
        model.objects.all().delete()


def start_receiver() -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen([sys.executable, "-c", RECEIVER], stdout=subprocess.PIPE, text=True)
    return process, int(process.stdout.readline())


def fill(port: int) -> None:
    """10 endpoints and 10,000 events with a milestone-sized body, one delivery each."""
    owner, _ = get_user_model().objects.get_or_create(username="bench-webhooks")
    endpoints = [
        services.webhook_endpoint_create(owner=owner, data={"url": f"http://127.0.0.1:{port}/hook/{n}"})[0]
        for n in range(ENDPOINTS)
    ]
    now = timezone.now()
    body = (
        '{"type":"milestone.changed","timestamp":"2026-01-01T00:00:00Z","data":{"pad":"' + "x" * 3000 + '"}}'
    )
    events = WebhookEvent.objects.bulk_create(
        (WebhookEvent(type="milestone.changed", body=body, created_at=now) for _ in range(EVENTS)),
        batch_size=1000,
    )
    WebhookDelivery.objects.bulk_create(
        (WebhookDelivery.due_now(endpoints[n % ENDPOINTS], event, now) for n, event in enumerate(events)),
        batch_size=1000,
    )


def main() -> int:
    call_command("migrate", verbosity=0)
    wipe()
    receiver, port = start_receiver()
    try:
        fill(port)
        started, cpu_started = time.perf_counter(), time.process_time()
        result = services.webhooks_deliver_due()
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        receiver.terminate()
    rate = result.succeeded / wall
    waiting = result.network_seconds / THREADS  # per thread: time blocked on the receiver
    print(f"database: {connection.vendor}; {EVENTS:,} events to {ENDPOINTS} endpoints, {THREADS} threads")
    print(f"delivered: {result.succeeded:,} succeeded, {result.retry} retry, {result.failed} failed")
    print(f"time: {wall:.2f} s, {rate:,.0f} deliveries/s (goal ≥ {GOAL:.0f})")
    print(
        f"share of wall time: our process on the CPU {cpu / wall:.0%} (our code, urllib3, database "
        f"driver); threads waiting on the network and receiver {waiting / wall:.0%} of theirs"
    )
    ok = rate >= GOAL and result.succeeded == EVENTS
    print("OK" if ok else "BELOW GOAL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
