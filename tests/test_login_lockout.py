"""Admin sign-in lockout (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username
from one client address, the right password is refused for LOGIN_LOCKOUT_MINUTES with a page
that says how long and what to do. Driven through the real admin login form."""

from __future__ import annotations

import io
import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client

from tests.api_support import API, send, token_client

pytestmark = pytest.mark.django_db

PASSWORD = "curate-carefully-42"  # the editor fixture's
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def sign_in(client: Client, password: str, username: str = "edna", **extra):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, **extra)


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def fail(client: Client, times: int, username: str = "edna", **extra) -> None:
    for attempt in range(times):
        response = sign_in(client, f"wrong-{attempt}", username, **extra)
        assert response.status_code in (200, 429)  # the form again, then the lockout page


def test_25_wrong_passwords_then_the_right_one_is_refused_with_a_clear_page(editor):
    client = Client()
    with time_machine.travel(START, tick=False):
        fail(client, 25)
        response = sign_in(client, PASSWORD)
    page = response.content.decode()
    assert response.status_code == 429 and response["Retry-After"] == "900"
    assert "Signing in is paused" in page and "after 5 failed attempts" in page
    assert "paused for\n  15 minutes" in page and "axes_reset_username" in page
    assert client.get("/admin/").status_code == 302  # not signed in


def test_the_pause_begins_with_the_fifth_wrong_password(editor):
    client = Client()
    fail(client, 4)
    assert signed_in(sign_in(client, PASSWORD))  # four are forgiven (and forgotten: see below)
    client.logout()
    fail(client, 4)
    assert sign_in(client, "wrong-again").status_code == 429


def test_the_right_password_works_again_after_the_pause(editor):
    client = Client()
    with time_machine.travel(START, tick=False):
        fail(client, 5)
    with time_machine.travel(START + timedelta(minutes=16), tick=False):
        assert signed_in(sign_in(client, PASSWORD))


def test_each_attempt_during_the_pause_starts_the_wait_again(editor):
    """What the lockout page promises: trying during the pause restarts the wait."""
    client = Client()
    with time_machine.travel(START, tick=False):
        fail(client, 5)
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        assert sign_in(client, PASSWORD).status_code == 429
    with time_machine.travel(START + timedelta(minutes=20), tick=False):  # the first pause is over
        assert sign_in(client, PASSWORD).status_code == 429  # but the try at 10 started another
    with time_machine.travel(START + timedelta(minutes=36), tick=False):
        assert signed_in(sign_in(client, PASSWORD))


def test_forwarded_for_headers_do_not_evade_the_lockout(editor):
    """No proxy is configured (NUM_PROXIES unset): X-Forwarded-For is the client's own claim."""
    client = Client()
    for number in range(5):
        sign_in(client, "wrong", HTTP_X_FORWARDED_FOR=f"198.51.100.{number}")
    assert sign_in(client, PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99").status_code == 429


@pytest.mark.skipif(
    not hasattr(django_settings, "NUM_PROXIES"), reason="needs NUM_PROXIES (issue 11, point 5)"
)
def test_behind_one_proxy_the_lockout_is_per_reader_not_per_proxy(editor, settings):
    """The proxy appends the address it saw to X-Forwarded-For; what the client wrote before it
    is its own claim and earns no fresh tries."""
    settings.NUM_PROXIES = 1
    behind_proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for number in range(5):
        forged = f"198.51.100.{number}, 203.0.113.5"
        sign_in(Client(), "wrong", HTTP_X_FORWARDED_FOR=forged, **behind_proxy)
    assert sign_in(Client(), PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.5", **behind_proxy).status_code == 429
    assert signed_in(sign_in(Client(), PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.7", **behind_proxy))


def test_the_lockout_is_per_client_address(editor):
    fail(Client(), 5, REMOTE_ADDR="203.0.113.5")
    assert sign_in(Client(), PASSWORD, REMOTE_ADDR="203.0.113.5").status_code == 429
    assert signed_in(sign_in(Client(), PASSWORD, REMOTE_ADDR="198.51.100.7"))


def test_the_lockout_is_per_username(editor, django_user_model):
    django_user_model.objects.create_user(username="otto", password="x-curate-42", is_staff=True)
    fail(Client(), 5, username="edna")
    assert signed_in(sign_in(Client(), "x-curate-42", username="otto"))


def test_signing_in_resets_the_count(editor):
    client = Client()
    fail(client, 4)
    assert signed_in(sign_in(client, PASSWORD))
    client.logout()
    fail(client, 4)
    assert signed_in(sign_in(client, PASSWORD))


def test_axes_reset_lifts_the_pause_at_once(editor):
    fail(Client(), 5)
    call_command("axes_reset_username", "edna", stdout=io.StringIO())
    assert signed_in(sign_in(Client(), PASSWORD))


def test_limit_and_pause_follow_the_settings(editor, settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(minutes=1)
    client = Client()
    with time_machine.travel(START, tick=False):
        fail(client, 2)
        response = sign_in(client, PASSWORD)
    assert response.status_code == 429 and "paused for\n  1 minute." in response.content.decode()
    with time_machine.travel(START + timedelta(minutes=2), tick=False):
        assert signed_in(sign_in(client, PASSWORD))


def test_a_locked_out_editor_still_writes_through_the_api_with_a_key(editor, seed):
    api = token_client(editor)
    fail(Client(), 25)
    response = send(api, "patch", f"{API}/organisations/catl/", {"founded": "2011"}, if_match="*")
    assert response.status_code == 200


def test_an_anonymous_api_write_is_still_401(db):
    response = send(Client(), "post", f"{API}/publishers/", {"name": "Nikkei Asia"})
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


def test_passwords_tried_never_reach_the_logs(editor, caplog):
    with caplog.at_level(logging.DEBUG):
        fail(Client(), 6)
        sign_in(Client(), PASSWORD)
    assert "Locking out" in caplog.text  # the lockout itself is logged ...
    logged = caplog.text + "".join(repr(record.__dict__) for record in caplog.records)
    assert "wrong-" not in logged and PASSWORD not in logged  # ... without what was typed
