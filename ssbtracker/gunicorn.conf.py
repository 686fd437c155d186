"""Gunicorn settings for ``make serve`` and the Procfile's web process.

Sized from the CPU count; every value can be overridden from the environment
(parsed by ``ssbtracker.env``): WEB_CONCURRENCY (workers), GUNICORN_THREADS,
BIND or PORT, GUNICORN_TIMEOUT, GUNICORN_LOG_LEVEL, FORWARDED_ALLOW_IPS. Each
worker process has its own PostgreSQL pool of DB_POOL_MAX connections, so
the web tier opens at most workers x DB_POOL_MAX; ``manage.py check
--database default`` warns when that nears max_connections.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

# Gunicorn reads this file before it puts the project on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from milestones.checks import web_threads, web_workers
from ssbtracker.env import env_int, env_str

wsgi_app = "ssbtracker.wsgi:application"
workers = web_workers()
threads = web_threads()
# Threads overlap a request's database waits; sync workers would idle on them.
worker_class = "gthread"
bind = env_str("BIND") or f"0.0.0.0:{env_int('PORT', 8000, minimum=1, maximum=65535)}"
timeout = env_int("GUNICORN_TIMEOUT", 30, minimum=1)
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then, staggered, so slow leaks never add up.
max_requests = 2000
max_requests_jitter = 200
# Heartbeat files in RAM: a container's overlay disk can stall workers' heartbeats.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Our middleware writes one JSON line per request; gunicorn's access log would double it.
accesslog = None
errorlog = "-"
loglevel = env_str("GUNICORN_LOG_LEVEL", "info")
# Trust X-Forwarded-* only from the proxy in front of us.
forwarded_allow_ips = env_str("FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "ssbtracker-web"
# The runtime control socket sits at one path per user: two servers on a host would fight over it.
control_socket_disable = True


def when_ready(server) -> None:
    pool_max = env_int("DB_POOL_MAX", 4, minimum=1)
    server.log.info(
        "ssbtracker: %s workers x %s threads; at most %s x DB_POOL_MAX=%s PostgreSQL connections",
        workers,
        threads,
        workers,
        pool_max,
    )


def post_worker_init(worker) -> None:
    """Once the app is loaded, move its long-lived objects (modules, URL patterns, templates)
    out of the garbage collector's sight and collect less often: a timeline builds some
    12,000 model instances, and with the default threshold (700) full collections kept
    walking every object Django holds, about a fifth of the page's time. Request garbage is
    still freed at once by reference counting; only cycles wait for the (rarer) collection."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
