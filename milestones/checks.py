"""Capacity checks: gunicorn's size against PostgreSQL's connection limit.

Django's psycopg pool caps each *process* at ``DB_POOL_MAX`` connections,
whatever its thread count, so the web tier opens at most
``WEB_CONCURRENCY x DB_POOL_MAX``. Threads beyond ``DB_POOL_MAX`` do not add
connections; they queue for one (up to ``DB_POOL_TIMEOUT``), which is the
second warning here.

The sizing helpers are also imported by ``ssbtracker/gunicorn.conf.py``, so
the check and the server agree on the defaults; they read the environment at
call time and need no Django settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.db import connections

# Keep the web tier under this share of max_connections: the rest is for
# Celery, beat, migrations, psql sessions and a deploy's overlapping workers.
HEADROOM = 0.8
MAX_DEFAULT_WORKERS = 12


def _positive_int(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name, "")
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a whole number") from None
    if number < 1:
        raise ValueError(f"{name}={value!r} must be at least 1")
    return number


def web_workers(environ: Mapping[str, str] = os.environ) -> int:
    """WEB_CONCURRENCY, else 2 x CPUs + 1 (gunicorn's advice), capped so that on a big
    host the default still fits PostgreSQL's stock max_connections=100 (12 x 4 = 48)."""
    return _positive_int(environ, "WEB_CONCURRENCY", min(2 * (os.cpu_count() or 1) + 1, MAX_DEFAULT_WORKERS))


def web_threads(environ: Mapping[str, str] = os.environ) -> int:
    """GUNICORN_THREADS, else 4: a request mostly waits on PostgreSQL, so threads overlap it."""
    return _positive_int(environ, "GUNICORN_THREADS", 4)


def _pool_max() -> int | None:
    pool = settings.DATABASES["default"].get("OPTIONS", {}).get("pool")
    if not isinstance(pool, dict):
        return None  # SQLite, or the pool switched off: nothing to bound
    return int(pool.get("max_size", 4))


def _server_max_connections() -> int | None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SHOW max_connections")
        return int(cursor.fetchone()[0])


def pool_warnings(*, workers: int, threads: int, pool_max: int, max_connections: int | None) -> list[Warning]:
    """Pure: the warnings for one configuration (also used by the tests)."""
    found: list[Warning] = []
    if max_connections:
        web = workers * pool_max
        budget = int(max_connections * HEADROOM) - settings.DB_RESERVED_CONNECTIONS
        if web > budget:
            found.append(
                Warning(
                    f"gunicorn may open {web} PostgreSQL connections (WEB_CONCURRENCY={workers} x "
                    f"DB_POOL_MAX={pool_max}), more than the {budget} left of max_connections="
                    f"{max_connections} after {int(HEADROOM * 100)}% headroom and "
                    f"DB_RESERVED_CONNECTIONS={settings.DB_RESERVED_CONNECTIONS}.",
                    hint="Lower WEB_CONCURRENCY or DB_POOL_MAX, or raise max_connections (then DB_MAX_CONNECTIONS).",
                    id="milestones.W001",
                )
            )
    if threads > pool_max:
        found.append(
            Warning(
                f"GUNICORN_THREADS={threads} exceeds DB_POOL_MAX={pool_max}: threads will queue for a "
                "database connection and time out under load.",
                hint="Set DB_POOL_MAX to at least GUNICORN_THREADS.",
                id="milestones.W002",
            )
        )
    return found


@register(Tags.database, deploy=False)
def check_connection_budget(app_configs=None, databases=None, **kwargs) -> list[Warning]:
    pool_max = _pool_max()
    if pool_max is None:
        return []
    try:
        workers, threads = web_workers(), web_threads()
    except ValueError as error:
        return [Warning(str(error), id="milestones.W003")]
    max_connections = settings.DB_MAX_CONNECTIONS or None
    if max_connections is None and databases and "default" in databases:
        max_connections = _server_max_connections()
    return pool_warnings(workers=workers, threads=threads, pool_max=pool_max, max_connections=max_connections)
