"""Error reports to Sentry, only when SENTRY_DSN is set; nothing is sent otherwise."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from ssbtracker.env import env_float, env_str


def sentry_init(dsn: str, *, debug: bool) -> None:
    import sentry_sdk
    from sentry_sdk.utils import BadDsn

    try:
        sentry_sdk.init(
            dsn=dsn,
            environment=env_str("SENTRY_ENVIRONMENT", "development" if debug else "production"),
            release=env_str("SENTRY_RELEASE") or None,
            traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0, minimum=0, maximum=1),
            send_default_pii=False,  # no emails, cookies or IPs of readers and subscribers
        )
    except (BadDsn, ValueError) as error:
        raise ImproperlyConfigured(f"SENTRY_DSN is not a Sentry DSN: {error}") from None
