"""Capacity checks: gunicorn's size against PostgreSQL's connection limit.

Django's psycopg pool caps each *process* at ``DB_POOL_MAX`` connections,
whatever its thread count, so the web tier opens at most
``WEB_CONCURRENCY x DB_POOL_MAX``. Threads beyond ``DB_POOL_MAX`` do not add
connections; they queue for one (up to ``DB_POOL_TIMEOUT``), which is the
second warning here.

The sizing helpers are also imported by ``ssbtracker/gunicorn.conf.py``, so
the check and the server agree on the defaults; they read the environment
(through ``ssbtracker.env``) at call time and need no Django settings.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from django.conf import settings
from django.core.checks import Tags, Warning, register
from django.core.exceptions import ImproperlyConfigured
from django.db import connections

from ssbtracker.env import env_int

# Keep the web tier under this share of max_connections: the rest is for
# Celery, beat, migrations, psql sessions and a deploy's overlapping workers.
HEADROOM = 0.8
MAX_DEFAULT_WORKERS = 12


def web_workers(environ: Mapping[str, str] | None = None) -> int:
    """WEB_CONCURRENCY, else 2 x CPUs + 1 (gunicorn's advice), capped so that on a big
    host the default still fits PostgreSQL's stock max_connections=100 (12 x 4 = 48)."""
    default = min(2 * (os.cpu_count() or 1) + 1, MAX_DEFAULT_WORKERS)
    return env_int("WEB_CONCURRENCY", default, minimum=1, environ=environ)


def web_threads(environ: Mapping[str, str] | None = None) -> int:
    """GUNICORN_THREADS, else 4: a request mostly waits on PostgreSQL, so threads overlap it."""
    return env_int("GUNICORN_THREADS", 4, minimum=1, environ=environ)


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
    except ImproperlyConfigured as error:
        return [Warning(str(error), id="milestones.W003")]
    max_connections = settings.DB_MAX_CONNECTIONS or None
    if max_connections is None and databases and "default" in databases:
        max_connections = _server_max_connections()
    return pool_warnings(workers=workers, threads=threads, pool_max=pool_max, max_connections=max_connections)
