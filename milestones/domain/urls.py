"""Article URLs: the canonical form that decides whether two links are the same article."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that only say where a click came from; two links that
# differ only in these point at the same article.
_TRACKING_PREFIXES = ("utm_", "mc_", "pk_")
_TRACKING_NAMES = {"fbclid", "gclid", "dclid", "msclkid", "ref", "ref_src", "cmpid", "ocid", "src"}


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_NAMES or lowered.startswith(_TRACKING_PREFIXES)


class UrlRefused(ValueError):
    """A link we cannot store; the message says what is wrong with it."""


def url_check(url: str) -> None:
    """``UrlRefused`` for a link that parses as a URL but cannot be one (a port out of range,
    no host), which Django's URL validator lets through."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (reading it is the check: out of range raises)
    except ValueError as error:
        raise UrlRefused(f"This link cannot be opened: {error} (ports run from 0 to 65535).") from None
    if not parts.hostname:
        raise UrlRefused("This link has no host name.")


def normalize_url(url: str) -> str:
    """A canonical form of an article URL, used for the uniqueness check.

    Scheme and ``www.`` are dropped, the host lower-cased, AMP variants folded
    into the canonical page, tracking parameters and fragments removed and the
    remaining parameters sorted.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    if host.startswith("amp."):
        host = host[4:]
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path or "/"
    for amp_suffix in ("/amp/", "/amp"):
        if path.endswith(amp_suffix):
            path = path[: -len(amp_suffix)] or "/"
    if path.startswith("/amp/"):
        path = path[4:]
    path = path.rstrip("/") or "/"
    query = sorted(
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(name) and name.lower() != "amp"
    )
    return urlunsplit(("", host, path, urlencode(query), "")).lstrip("/")
