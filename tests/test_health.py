"""/healthz: 200 when the database and the broker answer, 503 naming the part that does not."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthy_app_answers_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]
    assert "no-store" in response["Cache-Control"]


def test_real_redis_broker_answers(client, settings, redis_url):
    settings.CELERY_BROKER_URL = redis_url.rsplit("/", 1)[0] + "/6"
    assert client.get("/healthz").status_code == 200


def test_unreachable_redis_is_503_naming_the_broker(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{closed_port()}/6"
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail" and body["failing"] == ["broker"]
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["broker"]["error"] == "ConnectionError"


def test_missing_filesystem_broker_folder_is_503(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "gone")}
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["failing"] == ["broker"]


def test_writable_filesystem_broker_folder_is_healthy_and_left_clean(client, settings, tmp_path):
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path)}
    assert client.get("/healthz").status_code == 200
    assert list(tmp_path.iterdir()) == []  # the probe file is gone: the worker never sees it


def test_only_get_is_allowed(client):
    assert client.post("/healthz").status_code == 405


def test_healthz_is_not_redirected_to_https(client, settings):
    """Load balancers probe over plain HTTP even when the site forces HTTPS."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301


@pytest.mark.integration
def test_unreachable_database_is_503_naming_the_database(tmp_path):
    """A real PostgreSQL URL on a closed port, in a fresh process: the broker still answers."""
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed_port()}/ssb_ops",
        "DB_POOL_TIMEOUT": "2",
        "VAR_DIR": str(tmp_path),
        "LOG_LEVEL": "CRITICAL",
    }
    env.pop("REDIS_URL", None)  # the embedded broker: this test is about the database only
    script = (
        "import django, json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'ssbtracker.settings';"
        "django.setup(); from django.test import Client;"
        "r = Client(HTTP_HOST='127.0.0.1').get('/healthz');"
        "print(json.dumps({'status': r.status_code, 'body': r.json()}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    assert answer["body"]["failing"] == ["database"]
