"""API rate limits: a budget per client and window, counted atomically in the shared cache
(Redis in CI and production), so concurrent requests can never slip past it."""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import Client, RequestFactory

from milestones.api.throttling import AnonThrottle
from tests.api_support import API, token_client

# A minute's 20th second, in a year no other test visits: windows are whole minutes.
FROZEN = datetime(2031, 3, 4, 5, 6, 20, tzinfo=UTC)


@pytest.fixture
def rates(settings):
    def set_rates(anon: str, user: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"anon": anon, "user": user},
        }

    return set_rates


def forget(scope: str, ident) -> None:
    """Counts live in the shared cache: clear this client's window from an earlier run."""
    cache.delete(f"throttle_{scope}_{ident}:{int(FROZEN.timestamp() // 60)}")


def an_address() -> str:
    return f"198.51.100.{random.randint(1, 254)}"


@pytest.mark.django_db
def test_anonymous_clients_get_429_with_the_seconds_to_the_next_window(rates):
    rates(anon="3/minute", user="5/minute")
    address = an_address()
    client = Client(REMOTE_ADDR=address)
    with time_machine.travel(FROZEN, tick=False) as traveller:
        forget("anon", address)
        codes = [client.get(f"{API}/publishers/").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        refused = client.get(f"{API}/publishers/")
        assert refused.status_code == 429 and refused["Retry-After"] == "40"
        assert "40 seconds" in refused.json()["detail"]
        traveller.shift(40)  # the next window
        assert client.get(f"{API}/publishers/").status_code == 200


@pytest.mark.django_db
def test_authenticated_clients_have_their_own_budget(rates, editor):
    rates(anon="1/minute", user="2/minute")
    client = token_client(editor)
    with time_machine.travel(FROZEN, tick=False):
        forget("user", editor.pk)
        assert [client.get(f"{API}/publishers/").status_code for _ in range(3)] == [200, 200, 429]


def test_concurrent_requests_never_exceed_the_budget(rates):
    # 8 threads x 40 requests from one client against a budget of 100: DRF's own throttle
    # read, extended and wrote back a history list, so concurrent requests overwrote each
    # other's counts and more than 100 got through. An atomic increment lets exactly 100 pass.
    rates(anon="100/minute", user="100/minute")
    address = an_address()
    request = RequestFactory().get(f"{API}/publishers/", REMOTE_ADDR=address)
    request.user = AnonymousUser()
    allowed, start = [], threading.Barrier(8)

    def client_thread() -> None:
        start.wait()
        allowed.append(sum(AnonThrottle().allow_request(request, None) for _ in range(40)))

    with time_machine.travel(FROZEN, tick=False):
        forget("anon", address)
        threads = [threading.Thread(target=client_thread) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert sum(allowed) == 100
