"""Benchmark: the server-rendered timeline against the same rows as JSON, through gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssb_pages_bench .venv/bin/python bench/pages.py

Fills the PostgreSQL database DATABASE_URL names (the bench owns it; created when
missing) with 2,000 milestones that have evidence, participants and slipped
targets, serves the app with gunicorn on a loopback port, uncached (no page
cache), and times ``GET /`` (the timeline) against ``GET /bench/baseline/``
(the same selector's rows as JSON, bench/pages_urls.py), interleaved, both
asked as a browser asks (``Accept-Encoding: gzip``). Prints the median time to
the first byte and to the last, the bytes on the wire and uncompressed, and
the ratios; goals: the page within 1.2x of the baseline, first byte and last.
Exits 1 when a goal is missed. Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from benchdb import ensure_database, settle
from benchserve import free_port, serve

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT), str(BENCH)]
os.environ["DJANGO_SETTINGS_MODULE"] = "pages_settings"

GOAL = 1.2
COUNTRIES = ["CN", "JP", "KR", "US", "DE", "FR", "GB", "CN", "JP", "CN"]
TARGETS = [
    "2026",
    "2027/28",
    "FY2028",
    "by 2030",
    "around 2030",
    "H2 2027",
    "Q3 2029",
    "2031-03-15",
    "late 2026",
]
STATUSES = ["announced", "on_track", "at_risk", "delayed", "announced", "missed", "cancelled"]


def build(count: int) -> None:
    """The data set, once: rebuilt when the database holds anything else."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from milestones.models import Milestone

    if connection.vendor != "postgresql":
        sys.exit("bench/pages.py needs PostgreSQL: set DATABASE_URL=postgres://…/ssb_pages_bench")
    call_command("migrate", verbosity=0)
    if Milestone.objects.count() == count and Milestone.objects.filter(slug="bench-0").exists():
        print(f"data set present: {count} milestones")
        return
    print(f"building {count} milestones…", flush=True)
    call_command("flush", "--noinput", verbosity=0)
    populate(count)
    settle()


def populate(count: int) -> None:
    from django.utils import timezone

    from milestones import services
    from milestones.models import Announcement, Milestone, Organisation, Publisher, TargetRevision

    publisher = Publisher.objects.create(name="Bench Wire", slug="bench-wire")
    sources = Announcement.objects.bulk_create(
        Announcement(
            title=f"Bench story {n}",
            slug=f"bench-story-{n}",
            published_on=date(2024, 1, 1) + timedelta(days=n),
            publisher=publisher,
            url=f"https://bench.example/{n}",
            url_normalized=f"bench.example/{n}",
        )
        for n in range(50)
    )
    organisations = [
        Organisation.objects.create(
            name=f"Maker {n}", slug=f"maker-{n}", kind="battery_maker", country=COUNTRIES[n % len(COUNTRIES)]
        )
        for n in range(60)
    ]
    milestones = []
    for n in range(count):
        owner = organisations[n % len(organisations)]
        target = services.target_parse(
            text=TARGETS[n % len(TARGETS)], owner=owner, opened_on=date(2024, 3, 1)
        )
        milestone = Milestone(
            owner=owner,
            title=f"Milestone {n}: solid-state cells for model {n % 97}",
            slug=f"bench-{n}",
            category=Milestone.Category.values[n % len(Milestone.Category.values)],
            status=STATUSES[n % len(STATUSES)],
        )
        milestone.set_target(target)
        milestones.append(milestone)
    milestones = Milestone.objects.bulk_create(milestones)
    now = timezone.now()
    revisions = []
    for n, m in enumerate(milestones):
        # Every third milestone slipped: its first claim was a year earlier.
        shift = timedelta(days=365) if n % 3 == 0 else timedelta(0)
        revisions.append(
            TargetRevision(
                milestone=m,
                new_text=m.target_text,
                new_edtf=m.target_edtf,
                new_display=m.target_display,
                new_start=m.window_start - shift,
                new_end=m.window_end - shift,
                recorded_at=now,
                effective_on=now.date(),
            )
        )
    TargetRevision.objects.bulk_create(revisions)
    Evidence, Participants = Milestone.evidence.through, Milestone.participants.through
    Evidence.objects.bulk_create(
        Evidence(milestone_id=m.pk, announcement_id=sources[n % len(sources)].pk)
        for n, m in enumerate(milestones)
    )
    Participants.objects.bulk_create(
        Participants(milestone_id=m.pk, organisation_id=organisations[(n + 1) % len(organisations)].pk)
        for n, m in enumerate(milestones)
    )


def fetch(connection: http.client.HTTPConnection, path: str) -> tuple[float, float, bytes, str]:
    """Seconds to the first byte (status line and headers in) and to the last; body; encoding."""
    started = time.perf_counter()
    connection.request("GET", path, headers={"Accept-Encoding": "gzip", "Host": "127.0.0.1"})
    response = connection.getresponse()
    first = time.perf_counter() - started
    body = response.read()
    last = time.perf_counter() - started
    if response.status != 200:
        sys.exit(f"GET {path} answered {response.status}: {body[:300]!r}")
    return first, last, body, response.getheader("Content-Encoding", "")


def measure(port: int, repeat: int) -> dict[str, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    paths = {"page": "/", "baseline": "/bench/baseline/"}
    for path in paths.values():
        fetch(connection, path)  # warm: imports, templates, connection
    times: dict[str, list] = {name: [] for name in paths}
    for _ in range(repeat):  # interleaved, so drift hits both alike
        for name, path in paths.items():
            times[name].append(fetch(connection, path))
    connection.close()
    figures = {}
    for name, rows in times.items():
        body, encoding = rows[-1][2], rows[-1][3]
        figures[name] = {
            "first": statistics.median(row[0] for row in rows),
            "last": statistics.median(row[1] for row in rows),
            "wire": len(body),
            "plain": len(gzip.decompress(body)) if encoding == "gzip" else len(body),
            "encoding": encoding or "identity",
        }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--milestones", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    if not 1 <= args.milestones <= 20000 or not 1 <= args.repeat <= 50:
        parser.error("--milestones must be 1-20000 and --repeat 1-50")
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("set DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssb_pages_bench (the bench owns it)")
    ensure_database(url, script="bench/pages.py")
    build(args.milestones)
    port = free_port()
    server = serve(port, "pages_settings")
    try:
        figures = measure(port, args.repeat)
    finally:
        server.terminate()
        server.wait(timeout=30)
    page, base = figures["page"], figures["baseline"]
    print(f"{args.milestones} milestones, median of {args.repeat}, gunicorn, uncached, Accept-Encoding: gzip")
    for name, row in (("timeline page  GET /", page), ("JSON baseline  GET /bench/baseline/", base)):
        print(f"{name:<36} first byte {row['first'] * 1000:7.1f} ms  last byte {row['last'] * 1000:7.1f} ms  "
              f"{row['wire'] / 1024:7.0f} KiB on the wire ({row['encoding']}), {row['plain'] / 1024:.0f} KiB plain")  # fmt: skip
    missed = False
    for label, key in (("first byte", "first"), ("last byte", "last")):
        ratio = page[key] / base[key]
        met = ratio <= GOAL
        missed |= not met
        print(f"page/baseline, {label}: {ratio:.2f}x (goal <= {GOAL}x) {'OK' if met else 'MISSED'}")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
