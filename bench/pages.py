"""Benchmark: the server-rendered timeline against the same rows as JSON.

    .venv/bin/python bench/pages.py [--milestones 2000] [--repeat 5]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssb_pages_bench .venv/bin/python bench/pages.py

Builds a throw-away test database (Django's test-database machinery, so a real
database is never touched), fills it with milestones that have evidence,
participants and slipped targets, then times ``GET /`` and a baseline view
that runs the same selector and returns the rows as JSON, both through
Django's test client. Prints the median of each and the ratio (goal: <= 3x).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssbtracker.settings")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402
from django.urls import include, path  # noqa: E402
from django.utils import timezone  # noqa: E402

from milestones import selectors, services  # noqa: E402
from milestones.models import Announcement, Milestone, Organisation, Publisher, TargetRevision  # noqa: E402

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


def baseline(request: HttpRequest) -> JsonResponse:
    """The timeline's rows and fields, as JSON: the cost of the data without the drawing."""
    rows = selectors.milestone_timeline().order_by("window_end", "window_start", "title")
    data = []
    for m in rows:
        first = m.first_revisions[0] if m.first_revisions else None
        evidence = list(m.evidence.all())
        data.append(
            {
                "url": m.get_absolute_url(),
                "title": m.title,
                "owner": m.owner.name,
                "category": m.category,
                "status": m.status,
                "target_text": m.target_text,
                "target_display": m.target_display,
                "window_start": m.window_start.isoformat(),
                "window_end": m.window_end.isoformat(),
                "open_start": m.target_open_start,
                "approximate": m.target_approximate,
                "first_start": first.new_start.isoformat() if first else None,
                "first_end": first.new_end.isoformat() if first else None,
                "source": evidence[0].publisher.name if evidence else None,
                "participants": [p.name for p in m.participants.all()],
            }
        )
    return JsonResponse({"milestones": data})


urlpatterns = [path("bench/baseline/", baseline), path("", include("milestones.web.urls"))]


def populate(count: int) -> None:
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


def timed(client: Client, url: str, repeat: int) -> tuple[float, int]:
    client.get(url)  # warm: template loading, connection
    durations = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        durations.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(durations), len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--milestones", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if not 1 <= args.milestones <= 20000 or not 1 <= args.repeat <= 50:
        parser.error("--milestones must be 1-20000 and --repeat 1-50")
    logging.disable(logging.INFO)  # per-request access logs would drown the figures
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        populate(args.milestones)
        with override_settings(ROOT_URLCONF=__name__, DEBUG=False, ALLOWED_HOSTS=["testserver"]):
            client = Client()
            page, page_bytes = timed(client, "/", args.repeat)
            json_time, json_bytes = timed(client, "/bench/baseline/", args.repeat)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    ratio = page / json_time
    print(f"database: {connection.vendor}, milestones: {args.milestones}, repeat: {args.repeat} (median)")
    print(f"timeline page  GET /                : {page * 1000:8.1f} ms  {page_bytes / 1024:8.0f} KiB")
    print(f"JSON baseline  GET /bench/baseline/ : {json_time * 1000:8.1f} ms  {json_bytes / 1024:8.0f} KiB")
    print(f"ratio page/baseline: {ratio:.2f}x (goal <= 3x) -> {'OK' if ratio <= 3 else 'OVER GOAL'}")


if __name__ == "__main__":
    main()
