"""Load test: gunicorn on PostgreSQL, 50 concurrent clients, a realistic mix, 60 seconds.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssb_load .venv/bin/python bench/load.py

Builds the data set once (seed + 2,000 milestones, 2,000 announcements, 300
organisations), collects static files, starts gunicorn with production
settings on a loopback port and drives it with keep-alive clients:

- phase 1 (``--seconds``, default 60): throttling relaxed, the mix below;
- phase 2 (``--throttled-seconds``, default 10): the default throttle rates,
  to show that clients over their budget get 429, never a 5xx.

Prints requests per second, p50/p95/p99 latency (overall and per kind),
status codes, 5xx and timeouts. Traffic goes to 127.0.0.1 only; every loop is
bounded in time.
"""

from __future__ import annotations

import argparse
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
from pathlib import Path
from urllib.parse import urlencode

from benchdb import ensure_database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


def build_data(env: dict) -> dict:
    """Seed plus a bulk data set (once), an editor with a token; returns what clients need."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssbtracker.settings")
    import django

    django.setup()
    from datetime import date, timedelta

    from django.contrib.auth import get_user_model

    from milestones import services
    from milestones.models import Announcement, Milestone, Organisation, Publisher, TargetRevision

    if Milestone.objects.count() < 2000:
        print("building data set …", flush=True)
        publisher = Publisher.objects.get_or_create(slug="load-wire", defaults={"name": "Load Wire"})[0]
        countries = ["CN", "JP", "KR", "US", "DE", "FR", "SE", "CA"]
        orgs = Organisation.objects.bulk_create(
            Organisation(name=f"Load Org {i}", slug=f"load-org-{i}", kind="battery_maker",
                         country=countries[i % 8], region=services_region(countries[i % 8]))
            for i in range(300)
        )  # fmt: skip
        Announcement.objects.bulk_create(
            Announcement(title=f"Load announcement {i}", slug=f"load-ann-{i}", publisher=publisher,
                         published_on=date(2024, 1, 1) + timedelta(days=i % 700),
                         url=f"https://load.example/{i}", url_normalized=f"load.example/{i}")
            for i in range(2000)
        )  # fmt: skip
        phrases = ["2027", "by 2030", "H2 2026", "FY2028", "around 2029", "Q3 2027", "2027/28", "late 2031"]
        milestones = []
        for i in range(2000):
            owner = orgs[i % 300]
            target = services.target_parse(text=phrases[i % 8], owner=owner, opened_on=date(2024, 6, 1))
            milestone = Milestone(owner=owner, title=f"Load milestone {i}", slug=f"load-ms-{i}",
                                  category="start_of_production")  # fmt: skip
            milestone.set_target(target)
            milestones.append(milestone)
        Milestone.objects.bulk_create(milestones)
        TargetRevision.objects.bulk_create(
            TargetRevision(milestone=m, new_text=m.target_text, new_edtf=m.target_edtf, new_display=m.target_display,
                           new_start=m.window_start, new_end=m.window_end, recorded_at=m.created_at,
                           effective_on=date(2024, 6, 1))
            for m in Milestone.objects.filter(slug__startswith="load-ms-")
        )  # fmt: skip
    editor, _ = get_user_model().objects.get_or_create(username="load-editor", defaults={"is_staff": True})
    editor.groups.add(services.editors_group_ensure())
    _, key = services.api_token_create(user=editor, name="load test", rotate=True)  # one key per run
    return {
        "token": key,
        "milestones": list(Milestone.objects.values_list("slug", flat=True)[:2000]),
        "organisations": list(Organisation.objects.values_list("slug", flat=True)[:300]),
        "writable": list(
            Milestone.objects.filter(slug__startswith="load-ms-").values_list("slug", flat=True)[:200]
        ),
    }


def services_region(country: str) -> str:
    from milestones.models import region_for_country

    return region_for_country(country)


class Client:
    def __init__(self, port: int, data: dict, seed: int) -> None:
        self.port, self.data, self.random = port, data, random.Random(seed)
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def pick(self) -> tuple[str, str, str, bytes | None, dict]:
        kind = self.random.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
        milestone = self.random.choice(self.data["milestones"])
        organisation = self.random.choice(self.data["organisations"])
        region = self.random.choice(["china", "japan", "south_korea", "europe", "north_america"])
        headers: dict = {}
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
            headers = {"Authorization": f"Token {self.data['token']}", "If-Match": "*",
                       "Content-Type": "application/json"}  # fmt: skip
        return kind, method, path, body, headers

    def request(self) -> tuple[str, int | str, float]:
        kind, method, path, body, headers = self.pick()
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers={"Host": "127.0.0.1", **headers})
            response = self.connection.getresponse()
            response.read()
            status: int | str = response.status
            if response.getheader("Connection", "").lower() == "close":
                self.connection.close()
        except TimeoutError:
            status = "timeout"
            self.reconnect()
        except (ConnectionError, http.client.HTTPException, OSError) as error:
            status = f"error:{type(error).__name__}"
            self.reconnect()
        return kind, status, time.perf_counter() - started

    def reconnect(self) -> None:
        self.connection.close()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)


def drive(port: int, data: dict, clients: int, seconds: float) -> list[tuple[str, int | str, float]]:
    results: list[tuple[str, int | str, float]] = []
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(index: int) -> None:
        client, local = Client(port, data, index), []
        while time.monotonic() < deadline:
            local.append(client.request())
        client.connection.close()
        with lock:
            results.extend(local)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 30)
    return results


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000 if ordered else 0.0


def report(title: str, results: list, seconds: float) -> dict:
    statuses = Counter(status for _, status, _ in results)
    latencies = [elapsed for _, _, elapsed in results]
    server_errors = sum(n for s, n in statuses.items() if isinstance(s, int) and s >= 500)
    timeouts = statuses.get("timeout", 0)
    print(f"\n== {title}: {len(results)} requests in {seconds:.0f} s = {len(results) / seconds:.1f} req/s")
    print(f"latency ms: p50 {percentile(latencies, .5):.1f}  p95 {percentile(latencies, .95):.1f}  "
          f"p99 {percentile(latencies, .99):.1f}  max {max(latencies, default=0) * 1000:.1f}")  # fmt: skip
    print("status codes: " + ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items(), key=str)))
    print(f"5xx: {server_errors}  timeouts: {timeouts}")
    by_kind: dict[str, list[float]] = defaultdict(list)
    for kind, _, elapsed in results:
        by_kind[kind].append(elapsed)
    for kind, values in sorted(by_kind.items()):
        print(f"  {kind:<20} n={len(values):>6}  p50 {percentile(values, .5):7.1f}  p95 {percentile(values, .95):7.1f}"
              f"  p99 {percentile(values, .99):7.1f}  mean {statistics.fmean(values) * 1000:7.1f}")  # fmt: skip
    return {"server_errors": server_errors, "timeouts": timeouts, "statuses": statuses}


def start_gunicorn(env: dict, port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "ssbtracker/gunicorn.conf.py", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
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


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--throttled-seconds", type=float, default=10)
    args = parser.parse_args()
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
    port = free_port()
    server = start_gunicorn(env, port, workdir / "gunicorn.log")
    try:
        drive(port, data, 4, 3)  # warm-up: imports, pools, template caches
        print(f"gunicorn on 127.0.0.1:{port}; {args.clients} clients; mix: "
              + ", ".join(f"{k} {w}%" for k, w in MIX))  # fmt: skip
        main_run = report("mix", drive(port, data, args.clients, args.seconds), args.seconds)
    finally:
        stop(server)
    throttled_env = {**env, "API_THROTTLE_ANON": "300/minute", "API_THROTTLE_USER": "1200/minute"}
    server = start_gunicorn(throttled_env, port, workdir / "gunicorn-throttled.log")
    try:
        throttled = report("default throttle rates", drive(port, data, args.clients, args.throttled_seconds),
                           args.throttled_seconds)  # fmt: skip
    finally:
        stop(server)
    ok = not (
        main_run["server_errors"]
        or main_run["timeouts"]
        or throttled["server_errors"]
        or throttled["timeouts"]
    )
    print(f"\ngoal: zero 5xx and zero timeouts; throttled requests answer 429 -> {'OK' if ok else 'FAILED'}"
          f" (429s in the throttled phase: {throttled['statuses'].get(429, 0)})")  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
