"""REST API benchmark: milestone list vs a values()+orjson baseline, and deep cursor pages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssb_bench .venv/bin/python bench/api.py

Builds (once; ``--rebuild`` to redo) 2,000 organisations, 20,000 announcements and 10,000
milestones with participants, evidence and 1-3 target revisions each, in the database
DATABASE_URL names (PostgreSQL only; the bench owns that database). It then serves the app
with gunicorn on a free loopback port and, in one run, prints:

* throughput of ``/api/v1/milestones/?page_size=100`` against ``/bench/baseline-milestones/``
  (same rows and JSON shape, no serializer) and their ratio (goal >= 0.8), after checking both answer the same bytes;
* the time of a deep cursor page (row ~9,000) against the first page (goal <= 1.2x).

All loops are bounded; the only traffic is to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from benchdb import ensure_database, settle
from benchserve import free_port, serve

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(BENCH)]
os.environ["DJANGO_SETTINGS_MODULE"] = "api_settings"

ORGANISATIONS, ANNOUNCEMENTS, MILESTONES = 2_000, 20_000, 10_000
PHRASES = ["{y}", "by {y}", "around {y}", "FY{y}", "H2 {y}", "Q3 {y}", "{y}/{z}", "end of {y}", "March {y}"]
API_PATH = "/api/v1/milestones/?page_size=100"
BASELINE_PATH = "/bench/baseline-milestones/?page_size=100"
GOAL_RATIO, GOAL_DEPTH = 0.8, 1.2


def build(rng: random.Random, rebuild: bool, scale: float) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from milestones.domain.targets import parse_target
    from milestones.models import Announcement, Milestone, Organisation, Publisher, TargetRevision
    from milestones.models import region_for_country as region

    if connection.vendor != "postgresql":
        sys.exit("bench/api.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    organisations, announcement_count, milestone_count = (
        max(50, int(n * scale)) for n in (ORGANISATIONS, ANNOUNCEMENTS, MILESTONES)
    )
    present = (
        Milestone.objects.count() == milestone_count and Announcement.objects.count() == announcement_count
    )
    if present and not rebuild:
        print("data set present (use --rebuild to recreate)")
        return
    print("building the data set…", flush=True)
    started = time.perf_counter()
    # TRUNCATE, not DELETE: a rebuilt table starts compact instead of twice its size.
    call_command("flush", "--noinput", verbosity=0)
    with transaction.atomic():
        countries = ["CN", "JP", "KR", "US", "DE", "FR", "GB", "SE", "CA", "IN"]
        publishers = Publisher.objects.bulk_create(
            Publisher(name=f"Publisher {i}", slug=f"publisher-{i}") for i in range(200)
        )
        orgs = []
        for i in range(organisations):
            country = rng.choice(countries)
            orgs.append(
                Organisation(
                    name=f"Organisation {i:05d}",
                    slug=f"organisation-{i:05d}",
                    kind=rng.choice(Organisation.Kind.values),
                    country=country,
                    region=region(country),
                    aliases=f"Org {i}\nOrganisation number {i}",
                    fiscal_year_start_month=4 if country == "JP" else 1,
                )
            )
        orgs = Organisation.objects.bulk_create(orgs, batch_size=1000)
        announcements = Announcement.objects.bulk_create(
            (
                Announcement(
                    title=f"Solid-state news {i:05d}",
                    slug=f"news-{i:05d}",
                    published_on=date(2020, 1, 1) + timedelta(days=rng.randrange(2200)),
                    publisher=rng.choice(publishers),
                    url=f"https://news.example.com/{i}",
                    url_normalized=f"news.example.com/{i}",
                    paywalled=rng.random() < 0.3,
                    summary="A long enough summary of what was said. " * 4,
                )
                for i in range(announcement_count)
            ),
            batch_size=2000,
        )
        through = Announcement.organisations.through
        through.objects.bulk_create(
            (
                through(announcement=a, organisation=o)
                for a in announcements
                for o in rng.sample(orgs, rng.randint(1, 3))
            ),
            batch_size=5000,
        )
        milestones, histories = [], []
        for i in range(milestone_count):
            owner = rng.choice(orgs)
            texts = []
            year = rng.randint(2024, 2032)
            for _ in range(rng.randint(1, 3)):
                texts.append(rng.choice(PHRASES).format(y=year, z=str(year + 1)[2:]))
                year += rng.randint(0, 2)
            opened = date(2023, 1, 1) + timedelta(days=rng.randrange(700))
            targets = [
                parse_target(t, fiscal_year_start=owner.fiscal_year_start_month, opened_on=opened)
                for t in texts
            ]
            status = rng.choice(Milestone.Status.values)
            milestone = Milestone(
                title=f"Milestone {i:05d}: solid-state cells",
                slug=f"milestone-{i:05d}",
                owner=owner,
                category=rng.choice(Milestone.Category.values),
                technology=rng.choice(Milestone.Technology.values),
                status=status,
                achieved_on=targets[-1].end if status == "achieved" else None,
            )
            milestone.set_target(targets[-1])
            milestones.append(milestone)
            histories.append(targets)
        milestones = Milestone.objects.bulk_create(milestones, batch_size=2000)
        now = timezone.now()
        revisions = []
        for milestone, targets in zip(milestones, histories, strict=True):
            previous = None
            for step, target in enumerate(targets):
                revisions.append(
                    TargetRevision(
                        milestone=milestone,
                        old_text=previous.text if previous else "",
                        old_edtf=previous.edtf if previous else "",
                        old_display=previous.display if previous else "",
                        old_start=previous.start if previous else None,
                        old_end=previous.end if previous else None,
                        new_text=target.text,
                        new_edtf=target.edtf,
                        new_display=target.display,
                        new_start=target.start,
                        new_end=target.end,
                        moved_by=rng.choice(announcements),
                        recorded_at=now - timedelta(days=100 * (len(targets) - step)),
                        effective_on=(now - timedelta(days=100 * (len(targets) - step))).date(),
                    )
                )
                previous = target
        TargetRevision.objects.bulk_create(revisions, batch_size=5000)
        for name, pick in (
            ("participants", lambda: rng.sample(orgs, rng.randint(0, 3))),
            ("evidence", lambda: rng.sample(announcements, rng.randint(1, 3))),
        ):
            link = getattr(Milestone, name).through
            column = "organisation" if name == "participants" else "announcement"
            link.objects.bulk_create(
                (link(milestone=m, **{column: other}) for m in milestones for other in pick()),
                batch_size=5000,
            )
    settle()
    print(
        f"built in {time.perf_counter() - started:.1f}s: {organisations} organisations, "
        f"{announcement_count} announcements, {milestone_count} milestones, {len(revisions)} revisions"
    )


class Client:
    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def get(self, path: str) -> tuple[float, bytes]:
        started = time.perf_counter()
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read()
        elapsed = time.perf_counter() - started
        if response.status != 200:
            raise SystemExit(f"GET {path} answered {response.status}: {body[:300]!r}")
        return elapsed, body


def throughput(client: Client, rounds: int, per_round: int) -> tuple[float, float]:
    """Requests per second for the API and the baseline, interleaved so drift hits both alike."""
    totals = {API_PATH: 0.0, BASELINE_PATH: 0.0}
    for _ in range(rounds):
        for path in (API_PATH, BASELINE_PATH):
            for _ in range(per_round):
                totals[path] += client.get(path)[0]
    count = rounds * per_round
    return count / totals[API_PATH], count / totals[BASELINE_PATH]


def deep_cursor(client: Client, depth_rows: int) -> str:
    path, seen = API_PATH, 0
    while seen < depth_rows:
        body = json.loads(client.get(path)[1])
        seen += len(body["results"])
        if not body["next"]:
            break
        path = urlsplit(body["next"])._replace(scheme="", netloc="").geturl()
    return path


def same_bytes(api: bytes, baseline: bytes) -> None:
    """The baseline must answer the very bytes the API does for the page's rows (the envelope's
    ``next`` link differs: the baseline does not paginate), or the comparison is meaningless."""
    marker = b'"results":'
    rows = len(json.loads(api)["results"])
    if rows != 100 or api[api.index(marker) :] != baseline[baseline.index(marker) :]:
        sys.exit("bench/api.py: the baseline's JSON differs from the API's; fix bench/api_urls.py first")
    print(f"baseline checked: the same {len(api) - api.index(marker)} bytes for the same {rows} rows")


def median_ms(client: Client, path: str, repeats: int) -> float:
    return statistics.median(client.get(path)[0] for _ in range(repeats)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="recreate the data set")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--per-round", type=int, default=30)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--scale", type=float, default=1.0, help="data set size as a fraction (0.2: 2,000 milestones)"
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit(
            "set DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssb_bench (the bench owns that database)"
        )
    ensure_database(os.environ["DATABASE_URL"], script="bench/api.py")
    rng = random.Random(20240213)
    build(rng, rebuild=args.rebuild, scale=args.scale)
    port = free_port()
    server = serve(port, "api_settings", workers=args.workers)
    try:
        client = Client(port)
        same_bytes(client.get(API_PATH)[1], client.get(BASELINE_PATH)[1])
        for _ in range(10):  # warm both workers' caches and connections
            client.get(API_PATH), client.get(BASELINE_PATH)
        api_rps, base_rps = throughput(client, args.rounds, args.per_round)
        deep = deep_cursor(client, depth_rows=int(MILESTONES * args.scale * 0.9))
        first_ms, deep_ms = median_ms(client, API_PATH, 30), median_ms(client, deep, 30)
    finally:
        server.terminate()
        server.wait(timeout=30)
    ratio, depth_ratio = api_rps / base_rps, deep_ms / first_ms
    print(
        f"milestone list, 100 per page: API {api_rps:.1f} req/s, baseline values()+orjson {base_rps:.1f} req/s"
    )
    misses = [
        goal(f"throughput ratio API/baseline: {ratio:.2f}", ratio >= GOAL_RATIO, f">= {GOAL_RATIO}"),
        goal(
            f"deep cursor page (row ~9,000) {deep_ms:.1f} ms vs first page {first_ms:.1f} ms: "
            f"{depth_ratio:.2f}x",
            depth_ratio <= GOAL_DEPTH,
            f"<= {GOAL_DEPTH}x",
        ),
    ]
    sys.exit(1 if any(misses) else 0)


def goal(figure: str, met: bool, target: str) -> bool:
    """Print a figure with its goal; True when the goal is missed."""
    print(f"{figure} (goal {target}) {'OK' if met else 'MISSED'}")
    return not met


if __name__ == "__main__":
    main()
