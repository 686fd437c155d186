"""Serve the app for a benchmark: gunicorn with the production config (ssbtracker/gunicorn.conf.py,
so its worker set-up is what is measured), on a free loopback port, with bench settings."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port: int, settings_module: str, *, workers: int = 1, timeout: int = 120) -> subprocess.Popen:
    """One worker, one thread by default: the bench's single client measures request cost."""
    command = [str(ROOT / ".venv/bin/gunicorn"), "--config", "ssbtracker/gunicorn.conf.py",
               "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", "1",
               "--pythonpath", f"{ROOT},{BENCH}", "--log-level", "warning", "--keep-alive", "30",
               "--timeout", str(timeout), "--max-requests", "0"]  # fmt: skip
    server = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, "DJANGO_SETTINGS_MODULE": settings_module}
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not start within 30 s")
