"""The one place configuration is read from the environment.

Settings, the system checks and the gunicorn config call these helpers; no
other module reads ``os.environ`` for configuration. Each helper refuses a
malformed value with ``InvalidSetting`` (an ``ImproperlyConfigured``) naming
the variable and what is wrong with it, so a typo in production fails at
start-up, not at 3 a.m.
A variable that is set but empty counts as unset (``DATABASE_URL=`` means
the default), which is what shells and ``.env`` files produce for "no value".

``environ`` lets the gunicorn sizing helpers be tested with a plain dict.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Collection, Mapping
from typing import TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

N = TypeVar("N", int, float)
TRUE = ("1", "true", "yes", "on")
FALSE = ("0", "false", "no", "off")
SMTP_SCHEMES = {
    # scheme: (default port, use STARTTLS, use implicit TLS)
    "smtp": (25, False, False),
    "smtp+tls": (587, True, False),
    "submission": (587, True, False),
    "smtp+ssl": (465, False, True),
    "smtps": (465, False, True),
}


class InvalidSetting(ImproperlyConfigured, ValueError):
    """A malformed value: Django stops at start-up, and callers that parse on demand
    (the gunicorn sizing helpers) can catch it as the ValueError it also is."""


def _raw(name: str, environ: Mapping[str, str] | None) -> str:
    return (os.environ if environ is None else environ).get(name, "")


def env_str(
    name: str,
    default: str = "",
    *,
    choices: Collection[str] | None = None,
    pattern: str | None = None,
    example: str = "",
    environ: Mapping[str, str] | None = None,
) -> str:
    """The value, or ``default``; ``choices`` or a full-match ``pattern`` restrict it."""
    value = _raw(name, environ) or default
    if choices is not None and value not in choices:
        raise InvalidSetting(f"{name}={value!r} must be one of {', '.join(choices)}")
    if pattern is not None and not re.fullmatch(pattern, value):
        raise InvalidSetting(f"{name}={value!r} is not a value such as {example or pattern}")
    return value


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if not value:
        return default
    lowered = value.strip().lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise InvalidSetting(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no)")


def _bounded(name: str, number: N, minimum: N | None, maximum: N | None) -> N:
    if minimum is not None and number < minimum:
        raise InvalidSetting(f"{name}={number} must be at least {minimum}")
    if maximum is not None and number > maximum:
        raise InvalidSetting(f"{name}={number} must be at most {maximum}")
    return number


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    """A whole number; the bounds apply to the default too, so a bad default is caught in review."""
    value = _raw(name, environ)
    if not value:
        return _bounded(name, default, minimum, maximum)
    try:
        number = int(value)
    except ValueError:
        raise InvalidSetting(f"{name}={value!r} is not a whole number") from None
    return _bounded(name, number, minimum, maximum)


def env_float(
    name: str,
    default: float,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> float:
    value = _raw(name, environ)
    if not value:
        return _bounded(name, default, minimum, maximum)
    try:
        number = float(value)
    except ValueError:
        raise InvalidSetting(f"{name}={value!r} is not a number") from None
    if not math.isfinite(number):
        raise InvalidSetting(f"{name}={value!r} is not a finite number")
    return _bounded(name, number, minimum, maximum)


def env_list(name: str, default: str = "", *, environ: Mapping[str, str] | None = None) -> list[str]:
    """Comma-separated; blanks around and between items are dropped."""
    return [item.strip() for item in env_str(name, default, environ=environ).split(",") if item.strip()]


def env_database(name: str, default: str, *, environ: Mapping[str, str] | None = None) -> dict:
    """Django's DATABASES entry for a database URL (``postgres://…``, ``sqlite:///path``),
    with the options each engine needs here."""
    url = env_str(name, default, environ=environ)
    try:
        database = dj_database_url.parse(url, conn_health_checks=True)
    except ValueError as error:
        raise InvalidSetting(f"{name} is not a database URL: {error}") from None
    options = database.get("OPTIONS", {})
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # Writers take the lock when they begin, so concurrent writes wait instead of failing.
        return {**database, "OPTIONS": {**options, "timeout": 20, "transaction_mode": "IMMEDIATE"}}
    if database["ENGINE"] != "django.db.backends.postgresql":
        return database
    # A PostgreSQL that does not answer must fail fast (healthz, a restarting server), not hang;
    # a connect_timeout in the URL wins.
    options = {"connect_timeout": env_int("DB_CONNECT_TIMEOUT", 5, minimum=1, environ=environ), **options}
    if not env_bool("DB_POOL", True, environ=environ):
        return {**database, "OPTIONS": options}
    # Django's psycopg 3 pool: a process holds at most DB_POOL_MAX connections,
    # so gunicorn workers x DB_POOL_MAX must stay under max_connections.
    pool = {
        "min_size": env_int("DB_POOL_MIN", 1, minimum=0, environ=environ),
        "max_size": env_int("DB_POOL_MAX", 4, minimum=1, environ=environ),
        "timeout": env_int("DB_POOL_TIMEOUT", 10, minimum=1, environ=environ),
    }
    # With the pool, CONN_HEALTH_CHECKS makes Django check each connection as it leaves the
    # pool, so a database restart costs one reconnect, not an error per pooled connection.
    return {**database, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": True, "OPTIONS": {**options, "pool": pool}}


def env_email(name: str, *, file_path: str, environ: Mapping[str, str] | None = None) -> dict:
    return email_settings(env_str(name, environ=environ), file_path=file_path)


def email_settings(url: str, *, file_path: str) -> dict:
    """Django email settings for ``EMAIL_URL``; files under ``file_path`` when it is empty.

    smtp://host:port, smtp+tls://user:password@host:587 (STARTTLS),
    smtp+ssl://… or smtps://… (implicit TLS), console://, file:///path.
    ``?timeout=seconds`` bounds each SMTP call (default 10) so a hung server
    cannot hold a sender past its lease.
    """
    if not url:
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": file_path,
        }
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "console":
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    if scheme == "file":
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": unquote(parts.path) or file_path,
        }
    return _smtp_settings(url, parts.scheme)


def _smtp_settings(url: str, scheme: str) -> dict:
    if scheme.lower() not in SMTP_SCHEMES:
        raise InvalidSetting(
            f"EMAIL_URL scheme {scheme!r} is not supported; use one of "
            f"{', '.join(sorted(SMTP_SCHEMES))}, console:// or file:///path"
        )
    parts = urlsplit(url)
    if not parts.hostname:
        raise InvalidSetting(f"EMAIL_URL {url!r} names no host")
    default_port, use_tls, use_ssl = SMTP_SCHEMES[scheme.lower()]
    try:
        port = parts.port or default_port
    except ValueError:
        raise InvalidSetting(f"EMAIL_URL {url!r} has a port that is not a number") from None
    try:
        timeout = float(parse_qs(parts.query).get("timeout", ["10"])[0])
    except ValueError:
        raise InvalidSetting("EMAIL_URL timeout must be a number of seconds") from None
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
        "EMAIL_TIMEOUT": timeout,
    }
