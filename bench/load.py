"""Load test: gunicorn on PostgreSQL, 50 clients in separate processes, a realistic mix.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssb_load .venv/bin/python bench/load.py

Builds the data set once (seed + 2,000 milestones, 2,000 announcements, 300
organisations), collects static files, starts gunicorn with production
settings on a loopback port and measures, in one run:

1. single client: each kind of request alone, one after another (its p50 is
   the yardstick for that kind);
2. load: ``--clients`` clients (default 50) in ``--processes`` separate
   processes, each waiting a random think time (exponential, mean ``--think``
   seconds) between requests, for ``--seconds`` (default 60);
3. throttled: every client from one address, no think time, an anonymous
   budget of ``ANON_BUDGET`` a minute: the anonymous API requests past it must
   get 429 (more than twice the budget is sent, so even a phase across a
   window boundary exceeds it), and nothing a 5xx.

The server's CPU time is measured twice: per request, by a bench-only
middleware (bench/cpu_meter.py, thread CPU time by kind), and for the whole
server from /proc (every gunicorn process, workers recycled meanwhile
included). ``--before REF`` first runs phases 1-2 the same way against an
earlier commit (exported with ``git archive``) on the same data, so the CPU
drop is measured in one run.

Goals (exit 1 when missed): under load, every kind's p95 <= 10x its
single-client p50; 0 5xx, 0 errors, 0 timeouts; with ``--before``, the server
CPU per request of the mix at least a third below the earlier commit's.
Traffic goes to 127.0.0.1 only; every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

from benchdb import ensure_database
from load_data import build_data

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

GOAL_P95_OVER_P50, GOAL_CPU_DROP = 10.0, 1 / 3
ANON_BUDGET = 100  # a minute, in the throttled phase
ANONYMOUS_API = {"api_list_filtered", "api_list", "api_detail"}

MIX = [  # (kind, weight)
    ("timeline", 14),
    ("timeline_filtered", 6),
    ("api_list_filtered", 18),
    ("api_list", 7),
    ("milestone_page", 10),
    ("api_detail", 8),
    ("organisation_page", 5),
    ("search", 8),
    ("feed_ics", 5),
    ("feed_atom", 5),
    ("upcoming", 4),
    ("api_write", 10),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(env: dict, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


class Client:
    def __init__(self, port: int, data: dict, seed: int, phase: str) -> None:
        self.port, self.data, self.random, self.phase = port, data, random.Random(seed), phase
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def pick(self, kind: str | None = None) -> tuple[str, str, str, bytes | None, dict]:
        kind = kind or self.random.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
        milestone = self.random.choice(self.data["milestones"])
        organisation = self.random.choice(self.data["organisations"])
        region = self.random.choice(["china", "japan", "south_korea", "europe", "north_america"])
        # As a browser or an HTTP library asks: compressed answers welcome.
        headers: dict = {"Accept-Encoding": "gzip, deflate"}
        body = None
        method = "GET"
        path = {
            "timeline": "/",
            "timeline_filtered": "/?" + urlencode({"region": region, "year_from": 2026, "year_to": 2031}),
            "api_list_filtered": "/api/v1/milestones/?"
            + urlencode({"region": region, "deadline_after": "2027-01-01", "page_size": 50}),
            "api_list": "/api/v1/milestones/?page_size=100",
            "milestone_page": f"/milestones/{milestone}/",
            "api_detail": f"/api/v1/milestones/{milestone}/",
            "organisation_page": f"/organisations/{organisation}/",
            "search": "/search/?"
            + urlencode({"q": self.random.choice(["CATL", "Toyota", "solid", "Load Org 1"])}),
            "feed_ics": "/feeds/timeline.ics?" + urlencode({"region": region}),
            "feed_atom": "/feeds/announcements.atom",
            "upcoming": "/upcoming/",
        }.get(kind)
        if kind == "api_write":
            method, path = "PATCH", f"/api/v1/milestones/{self.random.choice(self.data['writable'])}/"
            body = json.dumps({"description": f"load {self.random.random()}"}).encode()
            headers |= {"Authorization": f"Token {self.data['token']}", "If-Match": "*",
                        "Content-Type": "application/json"}  # fmt: skip
        return kind, method, path, body, headers

    def request(self, kind: str | None = None) -> tuple[str, int | str, float]:
        kind, method, path, body, headers = self.pick(kind)
        headers |= {"Host": "127.0.0.1", "X-Bench-Kind": kind, "X-Bench-Phase": self.phase}
        started = time.perf_counter()
        try:
            try:
                response = self.send(method, path, body, headers)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server closed an idle keep-alive connection as we reused it (gunicorn's
                # keepalive is 5 s; think times can be longer): as browsers and HTTP libraries
                # do, send again once on a fresh connection. A failure on that one counts.
                self.reconnect()
                response = self.send(method, path, body, headers)
            status: int | str = response.status
        except TimeoutError:
            status = "timeout"
            self.reconnect()
        except (ConnectionError, http.client.HTTPException, OSError) as error:
            status = f"error:{type(error).__name__}"
            self.reconnect()
        return kind, status, time.perf_counter() - started

    def send(self, method: str, path: str, body: bytes | None, headers: dict) -> http.client.HTTPResponse:
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        response.read()
        if response.getheader("Connection", "").lower() == "close":
            self.connection.close()
        return response

    def reconnect(self) -> None:
        self.connection.close()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)


def client_process(port: int, data: dict, threads: int, seconds: float, think: float, seed: int, phase: str):
    """One load-generating process: ``threads`` clients, each thinking between requests."""
    results: list[tuple[str, int | str, float]] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def one_client(index: int) -> None:
        client, local = Client(port, data, seed * 1000 + index, phase), []
        pause = random.Random(seed * 1000 + index + 1)
        time.sleep(pause.uniform(0, think))  # stagger the starts
        while time.monotonic() < deadline:
            local.append(client.request())
            time.sleep(
                min(pause.expovariate(1 / think) if think else 0, max(0.0, deadline - time.monotonic()))
            )
        client.connection.close()
        with lock:
            results.extend(local)

    workers = [threading.Thread(target=one_client, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(seconds + 30)
    return results


def drive(
    port: int, data: dict, clients: int, processes: int, seconds: float, think: float, phase: str
) -> list:
    """``clients`` clients spread over ``processes`` processes (not threads of this one)."""
    shares = [clients // processes + (1 if i < clients % processes else 0) for i in range(processes)]
    with ProcessPoolExecutor(max_workers=processes) as pool:
        jobs = [pool.submit(client_process, port, data, n, seconds, think, i + 1, phase)
                for i, n in enumerate(shares) if n]  # fmt: skip
        return [row for job in jobs for row in job.result(timeout=seconds + 90)]


def single_client(port: int, data: dict, per_kind: int) -> list:
    """Each kind alone, one request at a time, interleaved so drift hits every kind alike."""
    client = Client(port, data, 7, "single")
    results = [client.request(kind) for _ in range(per_kind) for kind, _ in MIX]
    client.connection.close()
    return results


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000 if ordered else 0.0


def by_kind(results: list) -> dict[str, list[float]]:
    found: dict[str, list[float]] = defaultdict(list)
    for kind, _, elapsed in results:
        found[kind].append(elapsed)
    return found


def failures(results: list) -> dict:
    statuses = Counter(status for _, status, _ in results)
    return {
        "statuses": statuses,
        "server_errors": sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500),
        "timeouts": statuses.get("timeout", 0),
        "errors": sum(n for s, n in statuses.items() if isinstance(s, str) and s.startswith("error")),
    }


def cpu_by_kind(cpu_dir: Path, phase: str) -> dict[str, list[float]]:
    """Milliseconds of server thread CPU per request, by kind, from the CPU meter's files."""
    found: dict[str, list[float]] = defaultdict(list)
    for path in cpu_dir.glob("cpu-*.tsv"):
        for line in path.read_text().splitlines():
            row_phase, kind, spent = line.split("\t")
            if row_phase == phase:
                found[kind].append(float(spent))
    return found


def server_cpu_seconds(master: int) -> float:
    """CPU of the gunicorn master, its live workers and every worker it has reaped."""
    tick = os.sysconf("SC_CLK_TCK")

    def stat(pid: int) -> list[str]:
        text = Path(f"/proc/{pid}/stat").read_text()
        return text[text.rindex(")") + 2 :].split()

    fields = stat(master)
    total = sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    for child in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        with contextlib.suppress(FileNotFoundError):  # exited meanwhile: reaped into cutime/cstime
            total += sum(int(value) for value in stat(int(child))[11:13])
    return total / tick


def run(label: str, app_dir: Path, env: dict, data: dict, args, workdir: Path) -> dict:
    """Phases 1 and 2 against the app in ``app_dir``; returns the figures."""
    cpu_dir = workdir / f"cpu-{label}"
    cpu_dir.mkdir()
    env = {**env, "BENCH_CPU_DIR": str(cpu_dir), "CACHE_KEY_PREFIX": f"ssb-load-{label}-{os.getpid()}",
           "DJANGO_SETTINGS_MODULE": "load_settings", "PYTHONPATH": f"{app_dir}:{BENCH}"}  # fmt: skip
    port = free_port()
    server = start_gunicorn(env, port, workdir / f"gunicorn-{label}.log", app_dir)
    try:
        # Warm every worker (a lone client's keep-alive connection reaches one): imports,
        # connection pools, templates, the outside view and the page caches.
        drive(port, data, 16, 2, 5, 0, "warm")
        single = single_client(port, data, args.single_per_kind)
        before = server_cpu_seconds(server.pid)
        loaded = drive(port, data, args.clients, args.processes, args.seconds, args.think, "load")
        server_cpu = server_cpu_seconds(server.pid) - before
    finally:
        stop(server)
    return {"label": label, "single": single, "load": loaded, "server_cpu": server_cpu,
            "cpu": cpu_by_kind(cpu_dir, "load")}  # fmt: skip


def report(figures: dict, seconds: float) -> list[str]:
    """Print one run's table; return the goals it misses."""
    single, loaded, misses = by_kind(figures["single"]), figures["load"], []
    latencies, cpu = by_kind(loaded), figures["cpu"]
    failed = failures(loaded)
    count = len(loaded)
    cpu_ms = sum(sum(values) for values in cpu.values())
    print(f"\n== {figures['label']}: {count} requests in {seconds:.0f} s = {count / seconds:.1f} req/s; "
          f"server CPU {figures['server_cpu']:.1f} s = {figures['server_cpu'] * 1000 / max(count, 1):.1f} ms"
          f" per request (in Django: {cpu_ms / max(count, 1):.1f} ms)")  # fmt: skip
    print(f"status codes: {', '.join(f'{s}: {n}' for s, n in sorted(failed['statuses'].items(), key=str))}; "
          f"5xx {failed['server_errors']}, errors {failed['errors']}, timeouts {failed['timeouts']}")  # fmt: skip
    print(f"  {'kind':<18} {'n':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'alone p50':>9} {'p95/alone':>9} "
          f"{'CPU ms':>7}")  # fmt: skip
    for kind, _ in MIX:
        values, alone = latencies.get(kind, []), percentile(single.get(kind, []), 0.5)
        ratio = percentile(values, 0.95) / alone if alone else float("inf")
        kind_cpu = statistics.fmean(cpu[kind]) if cpu.get(kind) else 0.0
        flag = "" if ratio <= GOAL_P95_OVER_P50 else "  <- over goal"
        print(f"  {kind:<18} {len(values):>5} {percentile(values, .5):7.1f} {percentile(values, .95):7.1f} "
              f"{percentile(values, .99):7.1f} {alone:9.1f} {ratio:8.1f}x {kind_cpu:7.2f}{flag}")  # fmt: skip
        if ratio > GOAL_P95_OVER_P50:
            misses.append(f"{figures['label']}: {kind} p95 {ratio:.1f}x its single-client p50")
    if failed["server_errors"] or failed["errors"] or failed["timeouts"]:
        misses.append(f"{figures['label']}: 5xx, errors or timeouts under load")
    return misses


def start_gunicorn(env: dict, port: int, log: Path, app_dir: Path = ROOT) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "ssbtracker/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
        cwd=app_dir, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not start; see {log}")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def export(ref: str, workdir: Path) -> Path:
    """The app as commit ``ref`` had it, in a directory of its own (nothing in this checkout changes)."""
    target = workdir / f"before-{ref}"
    target.mkdir()
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--processes", type=int, default=10, help="client processes the clients share")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean think time between a client's requests"
    )
    parser.add_argument("--single-per-kind", type=int, default=30, help="single-client requests per kind")
    parser.add_argument("--throttled-seconds", type=float, default=10)
    parser.add_argument("--before", metavar="REF", help="also measure this earlier commit, first")
    args = parser.parse_args()
    if not (1 <= args.clients <= 500 and 1 <= args.processes <= args.clients and 0 < args.seconds <= 600):
        parser.error("--clients 1-500, --processes 1..clients, --seconds up to 600")
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("bench/load.py needs PostgreSQL: set DATABASE_URL=postgres://…/ssb_load")
    ensure_database(url, script="bench/load.py")
    workdir = Path(tempfile.mkdtemp(prefix="ssb-load-"))
    env = {
        **os.environ, "DEBUG": "0", "SECRET_KEY": "load-test-" + "x" * 50, "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0", "VAR_DIR": str(workdir), "STATIC_ROOT": str(workdir / "static"),
        "API_THROTTLE_ANON": "1000000/minute", "API_THROTTLE_USER": "1000000/minute", "LOG_LEVEL": "WARNING",
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7"),
    }  # fmt: skip
    manage(env, "migrate", "--noinput")
    manage(env, "load_seed")
    manage(env, "collectstatic", "--noinput")
    data = build_data(env)
    print(f"{args.clients} clients in {args.processes} processes, think time {args.think} s (mean); mix: "
          + ", ".join(f"{k} {w}%" for k, w in MIX), flush=True)  # fmt: skip
    runs = []
    if args.before:
        runs.append(run(f"before ({args.before})", export(args.before, workdir), env, data, args, workdir))
    runs.append(run("now", ROOT, env, data, args, workdir))
    # The earlier commit's table is the yardstick; the goals are the current code's.
    misses = [report(figures, args.seconds) for figures in runs][-1]
    throttled_env = {**env, "API_THROTTLE_ANON": f"{ANON_BUDGET}/minute", "API_THROTTLE_USER": "1200/minute",
                     "CACHE_KEY_PREFIX": f"ssb-load-throttled-{os.getpid()}"}  # fmt: skip
    port = free_port()
    server = start_gunicorn(throttled_env, port, workdir / "gunicorn-throttled.log")
    try:
        single_client(port, data, 2)  # warm, as the measured runs were: a cold timeline takes seconds
        throttled = drive(port, data, args.clients, args.processes, args.throttled_seconds, 0, "throttled")
    finally:
        stop(server)
    failed = failures(throttled)
    anonymous = [status for kind, status, _ in throttled if kind in ANONYMOUS_API]
    refused = anonymous.count(429)
    print(f"\n== throttled, {ANON_BUDGET} anonymous API requests a minute, no think time: {len(throttled)} "
          f"requests, {len(anonymous)} of them anonymous API ones, {refused} refused with 429; "
          f"5xx {failed['server_errors']}, errors {failed['errors']}, timeouts {failed['timeouts']}")  # fmt: skip
    if failed["server_errors"] or failed["errors"] or failed["timeouts"]:
        misses.append("throttled phase: 5xx, errors or timeouts")
    if len(anonymous) > 2 * ANON_BUDGET and len(anonymous) - refused > 2 * ANON_BUDGET:
        misses.append(f"throttled phase: {len(anonymous) - refused} anonymous API requests passed a budget of "
                      f"{ANON_BUDGET} a minute")  # fmt: skip
    if args.before:
        per_request = [figures["server_cpu"] / max(len(figures["load"]), 1) for figures in runs]
        drop = 1 - per_request[1] / per_request[0]
        met = drop >= GOAL_CPU_DROP
        print(
            f"\nserver CPU per request of the mix: {per_request[0] * 1000:.1f} ms before, "
            f"{per_request[1] * 1000:.1f} ms now: {drop:.0%} less (goal >= 33%) {'OK' if met else 'MISSED'}"
        )
        if not met:
            misses.append("server CPU per request did not drop by a third")
    print(
        f"goal: every kind's p95 under load <= {GOAL_P95_OVER_P50:.0f}x its single-client p50; 0 5xx, "
        f"errors, timeouts -> {'OK' if not misses else 'MISSED: ' + '; '.join(misses)}"
    )
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
