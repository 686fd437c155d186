"""Production settings: `check --deploy`, the connection budget, CSP, and gunicorn serving static files."""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from milestones.checks import pool_warnings, web_threads, web_workers
from tests.conftest import require

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment a real deployment runs with: DEBUG off, a real secret, hosts, behind a TLS proxy."""
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,ssbtracker.example.org",
        "SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "VAR_DIR": str(tmp_path / "var"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "LOG_LEVEL": "INFO",
    }
    # DJANGO_ALLOW_ASYNC_UNSAFE: set by the browser fixtures while they run, never in production.
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "WEB_CONCURRENCY", "GUNICORN_THREADS", "DB_MAX_CONNECTIONS"):
        env.pop(name, None)
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = manage(production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_insecure_cookies(tmp_path):
    """The clean run above means something: switching a protection off is reported."""
    env = production_env(tmp_path, SECURE_COOKIES="0")
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W012" in result.stderr and "security.W016" in result.stderr


def test_production_refuses_to_start_without_a_secret(tmp_path):
    env = production_env(tmp_path)
    env.pop("SECRET_KEY")
    result = manage(env, "check")
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


def test_oversized_web_tier_is_warned_about(tmp_path):
    """30 workers x 4 pooled connections do not fit 100 max_connections with headroom."""
    env = production_env(
        tmp_path,
        DATABASE_URL="postgres://postgres@127.0.0.1:9/unused",  # never connected: the figures are configured
        WEB_CONCURRENCY="30",
        DB_POOL_MAX="4",
        DB_MAX_CONNECTIONS="100",
    )
    result = manage(env, "check")
    assert "milestones.W001" in result.stderr
    assert "WEB_CONCURRENCY=30 x DB_POOL_MAX=4" in result.stderr


def test_default_web_tier_fits_a_stock_postgres(settings):
    settings.DB_RESERVED_CONNECTIONS = 20
    workers, threads = web_workers({}), web_threads({})
    assert pool_warnings(workers=workers, threads=threads, pool_max=4, max_connections=100) == []


def test_more_threads_than_pooled_connections_is_warned_about(settings):
    warnings = pool_warnings(workers=2, threads=8, pool_max=4, max_connections=None)
    assert [warning.id for warning in warnings] == ["milestones.W002"]


def test_gunicorn_sizing_reads_the_environment():
    assert web_workers({"WEB_CONCURRENCY": "3"}) == 3
    assert web_threads({"GUNICORN_THREADS": "2"}) == 2
    assert web_workers({}) == min(2 * (os.cpu_count() or 1) + 1, 12)
    with pytest.raises(ValueError, match="WEB_CONCURRENCY"):
        web_workers({"WEB_CONCURRENCY": "many"})


@pytest.mark.django_db
def test_check_against_the_servers_max_connections(postgres, tmp_path):
    """With DB_MAX_CONNECTIONS unset, `check --database default` asks PostgreSQL itself."""
    db = settings.DATABASES["default"]  # the test database: it exists while this test runs
    login = f"{db['USER']}:{db['PASSWORD']}" if db.get("PASSWORD") else db["USER"]
    url = f"postgres://{login}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = production_env(tmp_path, DATABASE_URL=url, WEB_CONCURRENCY="500", DB_POOL_MAX="4")
    result = manage(env, "check", "--database", "default")
    assert "milestones.W001" in result.stderr and "max_connections=" in result.stderr


def csp(response) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return {name: (rest[0] if rest else "") for name, *rest in directives}


@pytest.mark.django_db
def test_pages_allow_no_inline_script_and_no_framing(client, seed):
    policy = csp(client.get("/"))
    assert policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"


@pytest.mark.django_db
def test_only_embed_may_be_framed(client, seed):
    response = client.get("/embed/")
    assert csp(response)["frame-ancestors"] == "*"
    assert "X-Frame-Options" not in response
    assert client.get("/")["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_swagger_ui_inline_script_carries_the_policys_nonce(client):
    response = client.get("/api/v1/docs/")
    nonce = response.wsgi_request.csp_nonce
    assert f"'nonce-{nonce}'" in csp(response)["script-src"]
    assert f'<script nonce="{nonce}">' in response.content.decode()


@pytest.mark.django_db
def test_local_http_works_while_debug_is_on(client, seed):
    """Settings were read with DEBUG on (the default): no redirect to https, no secure-only cookies."""
    assert not settings.SECURE_SSL_REDIRECT and not settings.SESSION_COOKIE_SECURE
    assert client.get("/").status_code == 200


@pytest.fixture(scope="module")
def browser() -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api")
    require(os.path.exists("/usr/bin/chromium"), "needs Debian's chromium at /usr/bin/chromium")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs in this thread
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_and_api_docs_run_under_the_policy(browser, live_server, seed, admin_user, client):
    """Real Chromium enforces the header: no CSP violation, and each page actually renders."""
    client.force_login(admin_user)
    context = browser.new_context(base_url=live_server.url)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and violations.append(msg.text))
    checks = [
        ("/", "main"),
        ("/admin/", "#content"),
        ("/admin/milestones/milestone/", "#result_list"),
        ("/admin/milestones/milestone/add/", "select[name=owner] + .select2"),  # autocomplete widget ran
        ("/api/v1/docs/", ".swagger-ui .info .title"),
        ("/api/v1/redoc/", ".api-content h1"),
    ]
    for path, rendered in checks:
        page.goto(path)
        page.wait_for_selector(rendered, timeout=15000)
    context.close()
    # ReDoc's sidebar asks for its logo from a CDN; the policy blocking that is the point.
    assert [text for text in violations if "https://cdn.redoc.ly/" not in text] == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_browser_frames_embed_but_not_the_timeline(browser, live_server, seed):
    """A page on another origin may frame /embed/; the browser refuses to render / in a frame."""
    context = browser.new_context()
    page = context.new_page()
    # Another origin (localhost, not 127.0.0.1), but still local: Chromium blocks public pages
    # from framing loopback addresses whatever the headers say.
    parent = live_server.url.replace("127.0.0.1", "localhost") + "/parent-site/"
    html = (
        f'<iframe id="embed" src="{live_server.url}/embed/"></iframe>'
        f'<iframe id="home" src="{live_server.url}/"></iframe>'
    )
    page.route(parent, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    page.goto(parent)  # waits for the load event, which waits for both frames to load or fail
    embed = page.frame_locator("#embed").locator("h1")
    assert "timeline" in embed.inner_text(timeout=10000).lower()
    home_frame = page.query_selector("#home").content_frame()
    assert home_frame is not None and home_frame.query_selector("main") is None, home_frame.url
    context.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited: {process.stderr.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start listening")


def _get(url: str, **headers: str):
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https", **headers})
    return urllib.request.urlopen(request, timeout=10)


def _test_database_env() -> dict[str, str]:
    """Point the server at pytest's PostgreSQL test database (which exists), not the configured one
    (which may not); on SQLite it gets a fresh file under its VAR_DIR."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return {"DATABASE_URL": ""}
    db = connection.settings_dict
    return {
        "DATABASE_URL": f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    }


@pytest.fixture
def gunicorn(tmp_path, django_db_setup) -> Iterator[tuple[str, Path, subprocess.Popen]]:
    """collectstatic with production settings, then gunicorn with our config on a free loopback port."""
    with serving(tmp_path) as served:
        yield served


@contextlib.contextmanager
def serving(tmp_path: Path, **extra: str) -> Iterator[tuple[str, Path, subprocess.Popen]]:
    port = _free_port()
    env = production_env(
        tmp_path,
        **{
            "BIND": f"127.0.0.1:{port}",
            "WEB_CONCURRENCY": "1",
            "GUNICORN_THREADS": "2",
            **_test_database_env(),
            **extra,
        },
    )
    collected = manage(env, "collectstatic", "--noinput", "-v0")
    assert collected.returncode == 0, collected.stderr
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "ssbtracker/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}", tmp_path / "static", process
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.mark.integration
def test_gunicorn_serves_hashed_compressed_static_files_cached_for_a_year(gunicorn):
    base_url, static_root, _ = gunicorn
    manifest = json.loads((static_root / "staticfiles.json").read_text())
    hashed = manifest["paths"]["milestones/site.css"]
    assert hashed != "milestones/site.css"  # the name carries the content hash

    response = _get(f"{base_url}/static/{hashed}", **{"Accept-Encoding": "gzip"})
    cache_control = response.headers["Cache-Control"]
    max_age = int(cache_control.split("max-age=")[1].split(",")[0])
    assert max_age >= 365 * 24 * 3600 and "immutable" in cache_control
    assert response.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.read()) == (ROOT / "static/milestones/site.css").read_bytes()


@pytest.mark.integration
def test_gunicorn_answers_healthz_and_logs_json_with_the_request_id(gunicorn):
    base_url, _, process = gunicorn
    response = _get(f"{base_url}/healthz", **{"X-Request-ID": "deploy-test-42"})
    assert response.status == 200 and json.loads(response.read())["status"] == "ok"
    assert response.headers["X-Request-ID"] == "deploy-test-42"
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]

    process.terminate()
    _, stderr = process.communicate(timeout=30)
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    logged = [line for line in lines if line.get("request_id") == "deploy-test-42" and line.get("path")]
    assert logged and logged[0]["status"] == 200 and logged[0]["method"] == "GET"


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_gunicorn_answers_a_reader_from_the_previous_page_and_redraws_after_the_response(
    tmp_path, postgres, django_db_setup
):
    # The redraw runs when gunicorn closes the response it has sent (WSGI close()); with one
    # thread the next request waits for that thread, so it must find the page redrawn.
    from milestones import services
    from tests.factories import make_milestone

    milestone = make_milestone(title="Alpha cells in cars", target="2028")
    env = {"PAGE_CACHE_FRESH_SECONDS": "0", "PAGE_CACHE_STALE_SECONDS": "60", "GUNICORN_THREADS": "1",
           "CACHE_KEY_PREFIX": f"deploy-swr-{secrets.token_hex(4)}"}  # fmt: skip
    with serving(tmp_path, **env) as (base_url, _, _):
        first = _get(f"{base_url}/")
        assert first.headers["X-Page-Cache"] == "miss" and "Alpha cells in cars" in first.read().decode()
        services.milestone_save(milestone=milestone, data={"title": "Beta cells in cars"})
        stale = _get(f"{base_url}/")
        body = stale.read().decode()
        assert stale.headers["X-Page-Cache"] == "stale"
        assert "Alpha cells in cars" in body and "Beta cells in cars" not in body
        redrawn = _get(f"{base_url}/")
        assert redrawn.headers["X-Page-Cache"] == "hit" and "Beta cells in cars" in redrawn.read().decode()
        services.milestone_save(milestone=milestone, data={"title": "Gamma cells in cars"})
        signed_in = _get(f"{base_url}/", Cookie="sessionid=an-editors-session")  # waits for the redraw
        assert (
            signed_in.headers["X-Page-Cache"] == "miss" and "Gamma cells in cars" in signed_in.read().decode()
        )
