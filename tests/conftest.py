"""Shared fixtures. Services that a test needs but cannot find make it skip with
the reason — except in CI (CI=true), where a missing service is a failure."""

from __future__ import annotations

import io
import os
import shutil
import socket
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection

from milestones import services
from tests.webhook_support import Receiver

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, reason: str) -> None:
    """Skip (locally) or fail (in CI) when a real service a test needs is absent."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def _port_open(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


@pytest.fixture
def postgres() -> None:
    require(connection.vendor == "postgresql", "needs PostgreSQL: set DATABASE_URL=postgres://…")


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    require(bool(url) and _port_open(url, 6379), "needs Redis: set REDIS_URL=redis://127.0.0.1:6379/0")
    return url


@pytest.fixture
def chromium_path() -> str:
    path = "/usr/bin/chromium"
    require(
        os.path.exists(path) or shutil.which("chromium") is not None,
        "needs Debian's chromium at /usr/bin/chromium",
    )
    return path


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    path = "/usr/bin/chromium"
    require(os.path.exists(path), "needs Debian's chromium at /usr/bin/chromium")
    # Playwright's sync API runs an event loop in this thread; the live server and
    # fixtures still make ordinary blocking ORM calls here, which Django would refuse.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Django's PBKDF2 takes half a second per password on this machine, and most tests make
    an editor; tests check who may do what, not the hash's strength (production keeps PBKDF2)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _outlook_uncached(settings) -> None:
    """Tests judge the data they just made: the outside view's cache is tested on its own."""
    settings.OUTLOOK_CACHE_SECONDS = 0


@pytest.fixture
def seed(db) -> None:
    call_command("load_seed", verbosity=0, stdout=io.StringIO())


@pytest.fixture
def editors_group(db) -> Group:
    return services.editors_group_ensure()


@pytest.fixture
def editor(db, editors_group, django_user_model):
    user = django_user_model.objects.create_user(
        username="edna", password="curate-carefully-42", is_staff=True
    )
    user.groups.add(editors_group)
    return user


@pytest.fixture
def reader(db, django_user_model):
    """Logged in, but not an editor."""
    return django_user_model.objects.create_user(username="rita", password="reads-a-lot-42")


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def webhook_settings(settings):
    """Plain http to 127.0.0.1, as the receiver in these tests speaks: DEBUG and the override."""
    settings.DEBUG = True
    settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.SITE_URL = "http://testserver"  # event bodies then equal the test client's GETs
    return settings


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture
def page_cache(settings, seed):
    """The page cache on (as in production), checked on every request, every redraw waited
    for (no stale page while redrawing), empty at both ends."""
    from django.core.cache import cache

    settings.PAGE_CACHE_SECONDS = 300
    settings.PAGE_CACHE_FRESH_SECONDS = 0
    settings.PAGE_CACHE_STALE_SECONDS = 0
    cache.clear()
    yield settings
    cache.clear()


def signed_in_page(browser, live_server, client, user) -> Iterator:
    """A 1400-px browser page on the live server, signed in as ``user`` through its session."""
    client.force_login(user)
    context = browser.new_context(viewport={"width": 1400, "height": 900}, base_url=live_server.url)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    yield context.new_page()
    context.close()
