"""The one way a webhook leaves this machine: resolve, check every address, connect to a checked one.

The host is resolved at send time and each address checked again (an endpoint that
resolved to a public address when saved may resolve to 10.0.0.1 now: DNS rebinding);
the connection then goes to that very address, with the original ``Host`` header and TLS
server name, so a second lookup cannot swap it. No redirects are followed. Connections
are pooled per (host, address, port) and kept alive between batches.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from urllib3.exceptions import HTTPError, NewConnectionError

from milestones.domain import webhooks as rules

USER_AGENT = "SSB-Tracker-Webhooks/1"
_MAX_POOLS = 512
_DRAIN_BYTES = 64 * 1024  # more than this after the excerpt: drop the connection, not read on
_pools: dict[tuple[str, str, str, int], urllib3.HTTPConnectionPool] = {}
_pools_lock = threading.Lock()


@dataclass
class Answer:
    """What one call came to: a status code and the first 1 KiB, or an error."""

    status_code: int | None = None
    response: str = ""
    error: str = ""
    duration_ms: int = 0
    network_seconds: float = 0.0  # time spent waiting on the receiver (bench/webhooks.py)

    @property
    def succeeded(self) -> bool:
        return not self.error and rules.is_success(self.status_code)


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise rules.UnsafeAddress(f"{host} could not be resolved ({error}).") from None
    return [info[4][0] for info in infos]


def destination(url: str) -> tuple[str, str, int, list[str]]:
    """Scheme, host, port and the addresses we may connect to; ``UnsafeAddress`` if none."""
    scheme, host, port = rules.url_check(url, allow_http=settings.DEBUG)
    addresses = resolve(host, port)
    if settings.WEBHOOK_ALLOW_PRIVATE:
        return scheme, host, port, list(dict.fromkeys(addresses))
    return scheme, host, port, rules.addresses_check(host, addresses)


def url_refusal(url: str) -> str | None:
    """Why an endpoint URL is refused when it is saved, or None."""
    try:
        destination(url)
    except rules.UnsafeAddress as error:
        return str(error)
    return None


def _pool(scheme: str, host: str, address: str, port: int) -> urllib3.HTTPConnectionPool:
    key = (scheme, host, address, port)
    pool = _pools.get(key)
    if pool is not None:
        return pool
    with _pools_lock:
        if len(_pools) >= _MAX_POOLS:
            for stale in _pools.values():
                stale.close()
            _pools.clear()
        options = {"maxsize": settings.WEBHOOK_THREADS, "retries": False, "block": False}
        if scheme == "https":
            pool = urllib3.HTTPSConnectionPool(
                address,
                port,
                server_hostname=host,
                assert_hostname=host,
                cert_reqs="CERT_REQUIRED",
                **options,
            )
        else:
            pool = urllib3.HTTPConnectionPool(address, port, **options)
        return _pools.setdefault(key, pool)


def _host_header(scheme: str, host: str, port: int) -> str:
    name = f"[{host}]" if ":" in host else host
    return name if port == (443 if scheme == "https" else 80) else f"{name}:{port}"


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float | None = None) -> Answer:
    """POST ``body`` to ``url``; never raises, never follows a redirect."""
    started = time.monotonic()
    timeout = settings.WEBHOOK_TIMEOUT_SECONDS if timeout is None else timeout
    answer = Answer()
    try:
        scheme, host, port, addresses = destination(url)
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {**headers, "host": _host_header(scheme, host, port), "user-agent": USER_AGENT}
        _call(answer, scheme, host, port, addresses, target, body, headers, timeout)
    except rules.UnsafeAddress as error:
        answer.error = f"refused: {error}"
    elapsed = time.monotonic() - started
    answer.duration_ms = round(elapsed * 1000)
    if not answer.error and elapsed > timeout:
        # A receiver that trickles its answer past the limit has not answered within it.
        answer.error = f"no complete answer within {timeout:g} s"
    return answer


def _call(answer, scheme, host, port, addresses, target, body, headers, timeout) -> None:
    waited = time.monotonic()
    for address in addresses:
        try:
            response = _pool(scheme, host, address, port).urlopen(
                "POST",
                target,
                body=body,
                headers=headers,
                redirect=False,
                retries=False,
                assert_same_host=False,
                preload_content=False,
                timeout=urllib3.Timeout(total=timeout),
            )
        except NewConnectionError as error:
            answer.error = _describe(error)
            continue  # refused before anything was sent: the next checked address may answer
        except (HTTPError, OSError) as error:
            answer.error = _describe(error)
            break
        answer.error = ""
        answer.status_code = response.status
        try:
            answer.response = response.read(rules.RESPONSE_EXCERPT_BYTES).decode("utf-8", "replace")
            if len(response.read(_DRAIN_BYTES)) == _DRAIN_BYTES:
                response.close()  # an endless body: give up the connection rather than read on
        except (HTTPError, OSError) as error:
            answer.error = _describe(error)
        finally:
            response.release_conn()
        break
    answer.network_seconds = time.monotonic() - waited


def _describe(error: BaseException) -> str:
    reason = getattr(error, "reason", None) or error
    return f"{type(error).__name__}: {reason}"[:500]
