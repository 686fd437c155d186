"""Settings come from the environment and refuse malformed values."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY", "DEBUG", "REDIS_URL")
    }
    code = "import ssbtracker.settings as s; print(s.DATABASES['default']['ENGINE'], s.CELERY_BROKER_URL, s.DEBUG)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_bare_machine_defaults_to_sqlite_and_the_embedded_broker(tmp_path):
    result = load_settings({"VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://", "True"]


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    result = load_settings({"DEBUG": "0", "VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_malformed_boolean_is_refused(tmp_path):
    result = load_settings({"DEBUG": "maybe", "VAR_DIR": str(tmp_path)})
    assert "DEBUG='maybe' is not a boolean" in result.stderr


def test_postgres_url_uses_psycopg_with_a_pool(tmp_path):
    code = "import ssbtracker.settings as s; d=s.DATABASES['default']; print(d['ENGINE'], d['OPTIONS']['pool']['max_size'])"
    env = {**os.environ, "DATABASE_URL": "postgres://u@db.example:5432/ssb", "VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["django.db.backends.postgresql", "4"]


def test_redis_url_becomes_the_broker(tmp_path):
    result = load_settings({"REDIS_URL": "redis://127.0.0.1:6379/0", "VAR_DIR": str(tmp_path)})
    assert result.stdout.split()[1] == "redis://127.0.0.1:6379/0"


@pytest.mark.django_db
def test_suite_database_matches_the_environment():
    """CI sets DATABASE_URL to PostgreSQL: make sure the suite really runs there."""
    from django.db import connection

    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    assert connection.vendor == expected
