"""Webhooks never reach loopback, private, link-local or multicast addresses unless configured:
checked when an endpoint is saved and again, after a fresh DNS lookup, before each call."""

from __future__ import annotations

import io
import shutil
import socket

import pytest
import urllib3.util.connection
from django.core.management import call_command

from milestones import services
from milestones.domain.webhooks import address_refusal
from milestones.models import WebhookAttempt, WebhookEndpoint
from tests.api_support import API, relaxed_throttle, send, token_client  # noqa: F401
from tests.conftest import require
from tests.factories import make_milestone
from tests.webhook_support import Receiver, certificates

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("relaxed_throttle")]
PUBLIC, PRIVATE = "93.184.216.34", "10.20.30.40"


@pytest.fixture
def dns(monkeypatch) -> dict[str, str]:
    """Names under .example answer what the test says; DNS itself is the one thing not real here
    (no test may send a query off this machine)."""
    answers: dict[str, str] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        if isinstance(host, str) and host.endswith(".example"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers


@pytest.fixture
def no_connections(monkeypatch) -> list:
    """Any attempt to open a connection is recorded and fails: refusals must come before one."""
    tried = []

    def create_connection(address, *args, **kwargs):
        tried.append(address)
        raise AssertionError(f"connected to {address}")

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    monkeypatch.setattr(urllib3.connection.connection, "create_connection", create_connection)
    return tried


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://127.0.0.1/hook", "loopback"),
        ("https://localhost/hook", "loopback"),
        ("https://10.1.2.3/hook", "private"),
        ("https://169.254.169.254/latest/meta-data/", "link-local"),
        ("https://[::1]/hook", "loopback"),
        ("https://224.0.0.1/hook", "multicast"),
        ("https://[::ffff:192.168.1.1]/hook", "private"),
        ("https://intranet.example/hook", "private"),
    ],
)
def test_private_destinations_are_refused_when_an_endpoint_is_saved(editor, dns, no_connections, url, reason):
    dns["intranet.example"] = PRIVATE
    response = send(token_client(editor), "post", f"{API}/webhooks/", {"url": url})
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "url" and reason in error["reason"]
    assert not WebhookEndpoint.objects.exists() and no_connections == []


def test_plain_http_is_refused_unless_debug(editor, dns, settings):
    dns["hooks.example"] = PUBLIC
    settings.DEBUG = False
    response = send(token_client(editor), "post", f"{API}/webhooks/", {"url": "http://hooks.example/in"})
    assert response.status_code == 400 and "https" in response.json()["errors"][0]["reason"]
    settings.DEBUG = True
    response = send(token_client(editor), "post", f"{API}/webhooks/", {"url": "http://hooks.example/in"})
    assert response.status_code == 201


def test_a_name_that_does_not_resolve_is_refused(editor, dns):
    response = send(token_client(editor), "post", f"{API}/webhooks/", {"url": "https://nowhere.example/"})
    assert response.status_code == 400 and "could not be resolved" in response.json()["errors"][0]["reason"]


def test_the_override_allows_private_addresses(editor, settings):
    settings.WEBHOOK_ALLOW_PRIVATE = True
    response = send(token_client(editor), "post", f"{API}/webhooks/", {"url": "https://10.1.2.3/hook"})
    assert response.status_code == 201


def test_a_name_rebound_to_a_private_address_is_refused_at_send_time(editor, dns, no_connections):
    dns["hooks.example"] = PUBLIC
    endpoint, _ = services.webhook_endpoint_create(owner=editor, data={"url": "https://hooks.example/in"})
    make_milestone()
    dns["hooks.example"] = PRIVATE  # DNS rebinding: public when saved, private when called
    call_command("deliver_webhooks", stdout=io.StringIO())
    attempt = WebhookAttempt.objects.get(delivery__endpoint=endpoint)
    assert attempt.error.startswith("refused:") and PRIVATE in attempt.error
    assert attempt.status_code is None and no_connections == []


NON_PUBLIC = ["127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.0.1", "169.254.169.254", "::1", "fe80::1"]
NON_PUBLIC += ["fc00::1", "224.0.0.1", "ff02::1", "0.0.0.0", "100.64.0.1", "::ffff:127.0.0.1"]


@pytest.mark.parametrize("address", NON_PUBLIC)
def test_non_public_addresses_are_named(address):
    assert address_refusal(address)


@pytest.mark.parametrize("address", [PUBLIC, "2606:2800:220:1:248:1893:25c8:1946", "1.1.1.1"])
def test_public_addresses_pass(address):
    assert address_refusal(address) is None


@pytest.mark.parametrize("certified_name", ["hooks.example", "other.example"])
def test_https_connects_to_the_checked_address_under_the_hosts_name(
    editor, dns, settings, monkeypatch, tmp_path, certified_name
):
    """The call goes to the address checked (127.0.0.1 here), while TLS verifies the URL's host
    name: a certificate for another name is refused."""
    require(shutil.which("openssl") is not None, "needs the openssl command to make certificates")
    settings.WEBHOOK_ALLOW_PRIVATE = True
    dns["hooks.example"] = "127.0.0.1"
    ca, server_certificate = certificates(tmp_path, certified_name)
    monkeypatch.setenv("SSL_CERT_FILE", ca)  # trust the test CA for this test's connections
    with Receiver(tls=server_certificate) as receiver:
        port = receiver.server.server_address[1]
        services.webhook_endpoint_create(owner=editor, data={"url": f"https://hooks.example:{port}/in"})
        make_milestone()
        call_command("deliver_webhooks", stdout=io.StringIO())
    attempt = WebhookAttempt.objects.get()
    if certified_name == "hooks.example":
        assert attempt.status_code == 200, attempt.error
        assert receiver.received[0].headers["host"] == f"hooks.example:{port}"
    else:
        assert attempt.status_code is None and attempt.error.startswith("SSLError")
        assert receiver.received == []
