"""The pure rules of webhooks: signatures any Standard Webhooks library accepts, the retry
schedule, the 64 KiB limit and URL shapes."""

from __future__ import annotations

import json
import time

import pytest
from standardwebhooks import Webhook

from milestones.domain import webhooks as rules


def test_our_signature_verifies_with_the_standard_webhooks_library():
    secret, body, stamp = rules.new_secret(), b'{"type":"ping","data":{}}', int(time.time())
    headers = rules.headers([secret], "msg_abc", stamp, body)
    assert Webhook(secret).verify(body, headers) == {"type": "ping", "data": {}}
    with pytest.raises(Exception, match="signature"):
        Webhook(rules.new_secret()).verify(body, headers)


def test_two_secrets_give_two_space_separated_signatures_each_verifying():
    old, new, body = rules.new_secret(), rules.new_secret(), b"{}"
    headers = rules.headers([new, old], "msg_1", int(time.time()), body)
    assert len(headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(body, headers) == {} and Webhook(new).verify(body, headers) == {}


def test_secrets_are_whsec_and_base64_of_32_random_bytes():
    secret = rules.new_secret()
    assert secret.startswith("whsec_") and len(secret) == len("whsec_") + 44
    assert secret != rules.new_secret()


def test_the_retry_schedule_then_failure():
    delays = [rules.retry_delay(n) for n in range(1, 9)]
    assert delays == [5, 300, 1800, 7200, 18000, 36000, 36000, None]
    assert rules.MAX_ATTEMPTS == 8


@pytest.mark.parametrize(
    ("code", "success"), [(200, True), (204, True), (299, True), (301, False), (404, False)]
)
def test_only_2xx_is_success(code, success):
    assert rules.is_success(code) is success


def test_a_body_over_64_kib_loses_its_longest_lists_first():
    data = {"url": "u", "slug": "s", "revisions": ["r" * 100] * 1000, "evidence": ["e"] * 10}
    body = rules.envelope_body("milestone.changed", "2026-01-01T00:00:00Z", data)
    parsed = json.loads(body)
    assert len(body) < 64 * 1024 and parsed["truncated"] == ["revisions"]
    assert parsed["data"]["revisions"] == [] and parsed["data"]["evidence"] == ["e"] * 10


def test_a_body_too_large_without_lists_keeps_only_its_links():
    body = rules.envelope_body(
        "milestone.changed", "t", {"url": "u", "slug": "s", "description": "d" * 70_000}
    )
    assert json.loads(body) == {
        "type": "milestone.changed",
        "timestamp": "t",
        "data": {"url": "u", "slug": "s"},
        "truncated": ["*"],
    }


@pytest.mark.parametrize(
    ("url", "allow_http", "refused"),
    [
        ("https://hooks.example.com/x", False, None),
        ("http://hooks.example.com/x", False, "https"),
        ("http://hooks.example.com/x", True, None),
        ("https://a:b@hooks.example.com/", False, "Credentials"),
        ("https:///nohost", False, "no host"),
        ("https://hooks.example.com:99999/", False, "valid URL"),
        ("javascript:alert(1)", True, "https"),
    ],
)
def test_url_shapes(url, allow_http, refused):
    if refused is None:
        assert rules.url_check(url, allow_http=allow_http)[1] == "hooks.example.com"
    else:
        with pytest.raises(rules.UnsafeAddress, match=refused):
            rules.url_check(url, allow_http=allow_http)
