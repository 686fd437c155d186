"""A newcomer's first hour: `make run PORT=…`, the README's commands, benchmark databases, dev logs."""

from __future__ import annotations

import io
import logging
import os
import re
import shlex
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from honcho.environ import expand_processes, parse_procfile

from milestones.web.middleware import TextLogFormatter
from tests.conftest import require

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
sys.path.insert(0, str(ROOT / "bench"))

from benchdb import ensure_database  # noqa: E402


def make_dry_run(*args: str) -> str:
    """What make would run (`make -n`), without running it."""
    result = subprocess.run(
        ["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, timeout=30, check=True
    )
    return result.stdout


def test_procfile_dev_serves_on_the_port_honcho_is_given():
    procfile = parse_procfile((ROOT / "Procfile.dev").read_text())
    [web, *_] = expand_processes(procfile.processes, port=8123)
    assert web.name == "web.1" and web.env["PORT"] == "8123"
    assert "127.0.0.1:${PORT:-8000}" in web.cmd


@pytest.mark.integration
def test_make_run_takes_port_for_honcho_and_the_printed_urls():
    commands = make_dry_run("run", "PORT=8123")
    assert "--port 8123" in commands
    assert "SITE_URL=http://127.0.0.1:8123 " in commands  # the admin login line and the "Starting" line
    assert "http://127.0.0.1:8000" not in commands


@pytest.mark.integration
def test_make_run_defaults_to_port_8000_and_serve_honours_port():
    assert "--port 8000" in make_dry_run("run")
    assert "PORT=8124 " in make_dry_run("serve", "PORT=8124")


def test_worker_is_named_in_both_procfiles():
    for name in ("Procfile", "Procfile.dev"):
        worker = parse_procfile((ROOT / name).read_text()).processes["worker"]
        assert "-n worker@%h" in worker, name


def readme_token_command() -> list[str]:
    [line] = [line for line in README.splitlines() if line.startswith("TOKEN=$(")]
    command = re.search(r"\$\((.*)\)", line).group(1)
    return shlex.split(command)[2:]  # drop the interpreter and manage.py


@pytest.mark.django_db
def test_readme_token_command_works_after_make_runs_setup(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    call_command("load_seed", stdout=io.StringIO())
    call_command("ensure_admin", stdout=io.StringIO())  # what `make run` does before serving
    out, err = io.StringIO(), io.StringIO()
    call_command(*readme_token_command(), stdout=out, stderr=err)
    token = out.getvalue().strip()
    assert re.fullmatch(r"ssb_[0-9a-f]{64}", token)
    assert err.getvalue() == ""  # no "is not an editor; the token can only read"

    # The README's reschedule then succeeds with it.
    client = Client()
    path = "/api/v1/milestones/nissan-solid-state-cars-fy2028/"
    etag = client.get(path)["ETag"]
    response = client.patch(
        path,
        {"target": "FY2029", "moved_by": "china-launches-solid-state-battery-offensive"},
        content_type="application/json",
        headers={"Authorization": f"Token {token}", "If-Match": etag},
    )
    assert response.status_code == 200, response.content


def test_admin_login_line_uses_site_url(tmp_path, settings, db):
    settings.VAR_DIR = tmp_path
    settings.SITE_URL = "http://127.0.0.1:8123"
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    assert "(http://127.0.0.1:8123/admin/)" in out.getvalue()


def postgres_server_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    require(url.startswith("postgres"), "needs PostgreSQL: set DATABASE_URL=postgres://…")
    return url


def test_bench_creates_its_database_when_missing():
    import psycopg

    base = postgres_server_url().rsplit("/", 1)[0]
    name = f"ssb_first_hour_{uuid.uuid4().hex[:12]}"
    try:
        assert ensure_database(f"{base}/{name}", script="test") is True
        assert ensure_database(f"{base}/{name}", script="test") is False  # already there: left alone
        with psycopg.connect(f"{base}/{name}") as connection:
            assert connection.execute("SELECT current_database()").fetchone() == (name,)
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.mark.integration
@pytest.mark.parametrize(
    "script",
    [
        "bench/api.py",
        "bench/pages.py",
        "bench/search.py",
        "bench/reminders.py",
        "bench/load.py",
        "bench/webhooks.py",
    ],
)
def test_bench_without_a_server_fails_in_one_line(script):
    env = {**os.environ, "DATABASE_URL": "postgres://postgres@127.0.0.1:1/ssb_first_hour_nowhere"}
    result = subprocess.run(
        [sys.executable, script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"{script}: cannot reach PostgreSQL at 127.0.0.1:1") and "Traceback" not in line


@pytest.fixture
def dev_log() -> io.StringIO:
    """What the configured console handler writes (text, as in development), captured."""
    stream = io.StringIO()
    [handler] = [h for h in logging.getLogger().handlers if isinstance(h.formatter, TextLogFormatter)]
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_development_defaults_to_text_logs():
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "text"  # the suite runs with DEBUG on


@pytest.mark.django_db
def test_each_request_is_one_readable_line_in_development(client, dev_log):
    response = client.get("/healthz")
    # runserver writes its own access line for the same request; it must not show.
    logging.getLogger("django.server").info(
        '"%s" %s %s', "GET /healthz HTTP/1.1", "200", "42", extra={"status_code": 200}
    )
    [line] = dev_log.getvalue().splitlines()
    assert re.search(r"INFO ssbtracker.request \[[0-9a-f]{32}\] GET /healthz 200 [\d.]+ ms$", line)
    assert response["X-Request-ID"] in line


def test_runserver_errors_still_show(dev_log):
    logging.getLogger("django.server").error("You're accessing the development server over HTTPS")
    assert "over HTTPS" in dev_log.getvalue()
