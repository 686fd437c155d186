"""Structured request logs with a request id, and error reports to Sentry only when configured."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import sentry_sdk
from django.conf import settings
from pythonjsonlogger.json import JsonFormatter

from milestones.web.middleware import RequestIdLogFilter

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def request_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "ssbtracker.request"]


def as_logged(record: logging.LogRecord) -> dict:
    """The record as production's console handler (LOG_FORMAT=json) writes it: one JSON object on one line.

    The suite runs with DEBUG on, where the default format is text, so the
    handler is built from the configured ``json`` formatter.
    """
    formatter = settings.LOGGING["formatters"]["json"]
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(formatter["fmt"], rename_fields=formatter["rename_fields"]))
    handler.addFilter(RequestIdLogFilter())
    handler.filter(record)
    line = handler.format(record)
    assert "\n" not in line
    return json.loads(line)


def test_each_request_is_one_json_line_with_its_fields(client, caplog):
    with caplog.at_level(logging.INFO, logger="ssbtracker.request"):
        response = client.get("/healthz")
    [record] = request_records(caplog)
    logged = as_logged(record)
    assert logged["message"] == "request"
    assert (logged["method"], logged["path"], logged["status"]) == ("GET", "/healthz", 200)
    assert isinstance(logged["duration_ms"], float) and logged["duration_ms"] >= 0
    assert logged["request_id"] == response["X-Request-ID"]
    assert logged["user_id"] is None


def test_incoming_request_id_is_kept_and_echoed(client, caplog):
    with caplog.at_level(logging.INFO, logger="ssbtracker.request"):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42")
    assert response["X-Request-ID"] == "lb-7f3a.42"
    assert request_records(caplog)[0].request_id == "lb-7f3a.42"


@pytest.mark.parametrize("incoming", ["", "a" * 129, "evil\r\nSet-Cookie: x=1", "<script>", "ünïcode"])
def test_unsafe_or_missing_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", HTTP_X_REQUEST_ID=incoming)
    generated = response["X-Request-ID"]
    assert generated != incoming and len(generated) == 32 and generated.isalnum()


def test_every_request_gets_its_own_id(client):
    assert client.get("/healthz")["X-Request-ID"] != client.get("/healthz")["X-Request-ID"]


def test_logged_in_user_id_is_logged(editor_client, editor, caplog):
    with caplog.at_level(logging.INFO, logger="ssbtracker.request"):
        assert editor_client.get("/admin/").status_code == 200
    assert request_records(caplog)[0].user_id == editor.pk


def test_token_user_of_an_api_write_is_logged(editor, caplog):
    from tests.api_support import token_client

    with caplog.at_level(logging.INFO, logger="ssbtracker.request"):
        response = token_client(editor).post(
            "/api/v1/publishers/", {"name": "Nikkei Asia"}, content_type="application/json"
        )
    assert response.status_code == 201, response.content
    [record] = request_records(caplog)
    assert (record.method, record.status, record.user_id) == ("POST", 201, editor.pk)


def test_other_log_lines_during_a_request_carry_its_id(client, settings, caplog):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/6"  # the health check logs a warning
    with caplog.at_level(logging.INFO):
        response = client.get("/healthz", HTTP_X_REQUEST_ID="trace-me")
    warning = next(r for r in caplog.records if r.name == "milestones.web.health")
    assert as_logged(warning)["request_id"] == "trace-me" == response["X-Request-ID"]


def test_not_found_warning_carries_the_request_id(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get("/no-such-page/", HTTP_X_REQUEST_ID="lost-42")
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert as_logged(record)["request_id"] == "lost-42"


def test_sentry_is_off_without_a_dsn():
    assert "SENTRY_DSN" not in os.environ
    assert not sentry_sdk.get_client().is_active()


class _Collector(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"] or 0))
        if self.headers.get("Content-Encoding") == "gzip":
            body = zlib.decompress(body, 16 + zlib.MAX_WBITS)
        type(self).received.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:  # keep test output quiet
        pass


@pytest.fixture
def sentry_server() -> Iterator[tuple[str, list[bytes]]]:
    """A stand-in for Sentry's ingest endpoint on a loopback port; collects what is sent."""
    _Collector.received = []
    server = HTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://publickey@127.0.0.1:{server.server_port}/1", _Collector.received
    server.shutdown()


_RAISE_IN_A_VIEW = """
import os, sys, types
os.environ["DJANGO_SETTINGS_MODULE"] = "ssbtracker.settings"
import django
django.setup()
import sentry_sdk
from django.conf import settings
from django.test import Client, override_settings
from django.urls import path

def boom(request):
    raise RuntimeError("sentry-test-boom")

urls = types.ModuleType("boom_urls")
urls.urlpatterns = [path("boom/", boom)]
sys.modules["boom_urls"] = urls
with override_settings(ROOT_URLCONF="boom_urls"):
    response = Client(HTTP_HOST="127.0.0.1", raise_request_exception=False).get("/boom/")
sentry_sdk.flush(timeout=10)
print(response.status_code)
"""


@pytest.mark.integration
def test_unhandled_error_is_reported_to_sentry_when_dsn_is_set(sentry_server, tmp_path):
    dsn, received = sentry_server
    env = {**os.environ, "SENTRY_DSN": dsn, "VAR_DIR": str(tmp_path), "LOG_LEVEL": "CRITICAL"}
    result = subprocess.run(
        [sys.executable, "-c", _RAISE_IN_A_VIEW],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("500")
    events = b"".join(received)
    assert b"sentry-test-boom" in events and b"RuntimeError" in events


def test_no_secret_reaches_the_log_output(client, editor, settings):
    """Link tokens, API keys and passwords, sent the ways a client sends them (good and bad),
    never appear in what the configured console handler writes (its filters and formatter)."""
    from io import StringIO

    from django.urls import reverse

    from milestones import services
    from milestones.models import Subscription
    from tests.api_support import api_token

    console = next(h for h in logging.getLogger().handlers if getattr(h, "name", "") == "console")
    written = StringIO()
    previous = console.setStream(written)
    token = api_token(editor)
    password = "curate-carefully-42"
    subscription = Subscription.objects.create(email="reader@example.com", scope="all")
    confirm = services.subscription_confirm_token(subscription=subscription, kinds=["deadline"])
    unsubscribe = services.unsubscribe_token(email="reader@example.com")
    try:
        client.get(reverse("milestones:subscription_confirm", kwargs={"token": confirm}))
        client.get(reverse("milestones:subscription_confirm", kwargs={"token": confirm + "x"}))  # 400
        client.get(reverse("milestones:unsubscribe", kwargs={"token": unsubscribe}))
        client.post(reverse("milestones:unsubscribe", kwargs={"token": unsubscribe[:-2]}))  # 400
        client.get("/api/v1/milestones/", HTTP_AUTHORIZATION=f"Token {token}")
        client.post("/api/v1/organisations/", {}, HTTP_AUTHORIZATION=f"Token {token}x")  # 401
        client.get(f"/api/v1/nothing/?token={token}&password={password}")  # 404, logged with the path
        client.post("/admin/login/", {"username": "edna", "password": password + "!"})
        client.post("/admin/login/", {"username": "edna", "password": password})
        logging.getLogger("milestones").warning("upstream said: Authorization: Token %s", token)
    finally:
        console.setStream(previous)
    output = written.getvalue()
    assert "request" in output or "GET" in output  # the handler did write the requests
    for secret in (token, password, confirm, unsubscribe, unsubscribe[:-2], confirm + "x"):
        assert secret not in output, secret
