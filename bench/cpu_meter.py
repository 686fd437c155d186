"""Bench-only middleware: the CPU time each request costs its server thread, by kind.

bench/load.py names each request's kind and phase in ``X-Bench-Kind`` and
``X-Bench-Phase``; this outermost middleware measures ``time.thread_time()``
around the whole Django request (gunicorn's gthread workers serve several
requests per process, so process CPU would mix them) and appends one line per
request to ``$BENCH_CPU_DIR/cpu-<pid>.tsv``. The load test sums the files.
"""

from __future__ import annotations

import os
import threading
import time

_lock = threading.Lock()
_files: dict[int, object] = {}


def _out():
    pid = os.getpid()
    found = _files.get(pid)
    if found is None:
        path = os.path.join(os.environ["BENCH_CPU_DIR"], f"cpu-{pid}.tsv")
        found = _files[pid] = open(path, "a", buffering=1)  # noqa: SIM115 — lives as long as the worker
    return found


class CpuMeter:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        started = time.thread_time()
        response = self.get_response(request)
        spent = time.thread_time() - started
        kind = request.headers.get("X-Bench-Kind", "other")
        phase = request.headers.get("X-Bench-Phase", "-")
        with _lock:
            _out().write(f"{phase}\t{kind}\t{spent * 1000:.3f}\n")
        return response
