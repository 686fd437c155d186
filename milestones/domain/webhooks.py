"""Webhooks, the pure part: Standard Webhooks signatures, secrets, the retry schedule, the
payload's size limit and which addresses an endpoint may never reach.

Standard Webhooks (https://www.standardwebhooks.com/): a secret is ``whsec_`` + base64 of
random bytes; each call carries ``webhook-id`` (the same across retries),
``webhook-timestamp`` (Unix seconds of the attempt) and ``webhook-signature``:
``v1,`` + base64(HMAC-SHA256(key, f"{id}.{timestamp}.{body}")), several signatures
space-separated while a rotated secret is still honoured.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32

MILESTONE_EVENTS = (
    "milestone.created",
    "milestone.changed",
    "milestone.slipped",
    "milestone.pulled_in",
    "milestone.achieved",
    "milestone.overdue",
)
EVENT_TYPES = (*MILESTONE_EVENTS, "announcement.created")
PING = "ping"

# Seconds to wait after the 1st, 2nd, … failed attempt; after the last, the delivery has failed.
RETRY_SCHEDULE = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
MAX_ATTEMPTS = len(RETRY_SCHEDULE) + 1
DISABLE_AFTER_DAYS = 5  # an endpoint failing everything this long is switched off
MAX_PAYLOAD_BYTES = 64 * 1024 - 1
RESPONSE_EXCERPT_BYTES = 1024


class UnsafeAddress(ValueError):
    """The URL or an address it resolves to is not one we send to."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,…`` signature of ``body`` for ``msg_id`` sent at ``timestamp``."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    mac = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def signature_header(secrets_: Iterable[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """Every live secret's signature, space-separated (a receiver accepts any one that verifies)."""
    return " ".join(sign(secret, msg_id, timestamp, body) for secret in secrets_)


def headers(secrets_: Iterable[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(secrets_, msg_id, timestamp, body),
    }


def retry_delay(failures: int) -> int | None:
    """Seconds before the next attempt after ``failures`` failed ones; None when it is the end."""
    return RETRY_SCHEDULE[failures - 1] if 1 <= failures <= len(RETRY_SCHEDULE) else None


def is_success(status_code: int | None) -> bool:
    # Redirects are not followed, so a 3xx is a failure like any other non-2xx.
    return status_code is not None and 200 <= status_code < 300


def _encode(envelope: dict) -> bytes:
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


def envelope_body(event_type: str, timestamp: str, data: dict) -> bytes:
    """``{"type", "timestamp", "data"}`` as JSON, under 64 KiB.

    A resource too large (a milestone with hundreds of revisions) loses its longest lists
    first, named in ``truncated``; if even that is too much, only its links remain. The
    receiver fetches ``data.url`` for the whole resource.
    """
    envelope = {"type": event_type, "timestamp": timestamp, "data": data}
    body = _encode(envelope)
    if len(body) <= MAX_PAYLOAD_BYTES:
        return body
    data, cut = dict(data), []
    lists = sorted(
        (key for key, value in data.items() if isinstance(value, list)),
        key=lambda key: -len(_encode(data[key])),
    )
    for key in lists:
        data[key], envelope["data"] = [], data
        cut.append(key)
        envelope["truncated"] = cut
        body = _encode(envelope)
        if len(body) <= MAX_PAYLOAD_BYTES:
            return body
    envelope["data"] = {key: data[key] for key in ("url", "page_url", "slug") if key in data}
    envelope["truncated"] = ["*"]
    return _encode(envelope)


def url_check(url: str, *, allow_http: bool) -> tuple[str, str, int]:
    """Scheme, host and port of an endpoint URL; ``UnsafeAddress`` if it may not be used."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeAddress(f"This is not a valid URL: {error}.") from None
    scheme = parts.scheme.lower()
    if scheme != "https" and not (scheme == "http" and allow_http):
        raise UnsafeAddress("The URL must start with https:// (plain http only in development).")
    if not parts.hostname:
        raise UnsafeAddress("The URL names no host.")
    if parts.username or parts.password:
        raise UnsafeAddress("Credentials in the URL are not allowed; check the signature instead.")
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80)


def address_refusal(address: str) -> str | None:
    """Why we never send to ``address`` (loopback, private, link-local, multicast…), or None."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    for test, reason in (
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (ip.is_unspecified, "unspecified"),
        (not ip.is_global, "not public"),
    ):
        if test:
            return f"{address} is a {reason} address"
    return None


def addresses_check(host: str, addresses: Iterable[str]) -> list[str]:
    """All of ``addresses`` if every one is public; else ``UnsafeAddress`` naming the first that is not."""
    found = list(dict.fromkeys(addresses))
    if not found:
        raise UnsafeAddress(f"{host} does not resolve to any address.")
    for address in found:
        reason = address_refusal(address)
        if reason:
            raise UnsafeAddress(f"{host} resolves to {reason}; webhooks only go to public addresses.")
    return found
