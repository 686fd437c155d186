"""Benchmark the reminder scan on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssb_rem_bench .venv/bin/python bench/reminders.py

Prints: the scan's time and rows for 20,000 milestones and 10,000 subscriptions
of mixed scope; the rows a re-run inserts (must be 0); the scan time at double
the data (goal: at most 2.2x); and the set-based scan against a naive
per-milestone loop on a 2,000-milestone subset (goal: at least 20x faster).
The database is wiped: give it one of its own.
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssbtracker.settings")

import django
from benchdb import ensure_database, settle

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.utils import timezone  # noqa: E402

from milestones import services  # noqa: E402
from milestones.domain import schedule as reminders  # noqa: E402
from milestones.models import Milestone, Organisation, Reminder, Subscription  # noqa: E402

SCAN_DAY = date(2030, 6, 15)
FIRST_YEAR = 2026
FINAL = list(Milestone.FINAL_STATUSES)
OPEN = ["announced", "on_track", "at_risk", "delayed"]


def wipe() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE milestones_reminder, milestones_subscription, milestones_milestone_participants, "
            "milestones_milestone, milestones_organisation RESTART IDENTITY CASCADE"
        )


def window(rng: random.Random, years: int) -> tuple[date, date, bool]:
    """A window of a random precision: year, half, quarter, month, day or "by <year>"."""
    year = FIRST_YEAR + rng.randrange(years)
    precision = rng.choice(["year", "half", "quarter", "month", "day", "by"])
    if precision in ("year", "by"):
        start, end = date(year, 1, 1), date(year, 12, 31)
    elif precision == "half":
        half = rng.randrange(2)
        start, end = date(year, 1 + 6 * half, 1), date(year, 6, 30) if half == 0 else date(year, 12, 31)
    elif precision in ("quarter", "month"):
        months = 3 if precision == "quarter" else 1
        first = 1 + months * rng.randrange(12 // months)
        start = date(year, first, 1)
        end = (date(year + (first + months > 12), (first + months - 1) % 12 + 1, 1)) - timedelta(days=1)
    else:
        start = end = date(year, 1, 1) + timedelta(days=rng.randrange(365))
    if precision == "by":
        start = date(FIRST_YEAR - 1, 3, 1)
    return start, end, precision == "by"


def populate(*, milestones: int, subscriptions: int, years: int, seed: int = 5) -> None:
    """Organisations (one per 40 milestones), milestones with participants, mixed-scope subscriptions."""
    rng = random.Random(seed)
    wipe()
    now = timezone.now()
    organisations = Organisation.objects.bulk_create(
        Organisation(name=f"Org {n}", slug=f"org-{n}", kind="battery_maker", country="JP", region="japan")
        for n in range(milestones // 40)
    )
    rows = []
    for n in range(milestones):
        start, end, open_start = window(rng, years)
        rows.append(
            Milestone(
                title=f"Milestone {n}",
                slug=f"m-{n}",
                owner=rng.choice(organisations),
                category="start_of_production",
                status=rng.choice(FINAL) if rng.random() < 0.1 else rng.choice(OPEN),
                target_text=str(end.year),
                target_edtf=str(end.year),
                target_display=str(end.year),
                window_start=start,
                window_end=end,
                target_open_start=open_start,
                created_at=now,
                updated_at=now,
            )
        )
    created = Milestone.objects.bulk_create(rows, batch_size=2000)
    through = Milestone.participants.through
    through.objects.bulk_create(
        (
            through(milestone_id=m.pk, organisation_id=org.pk)
            for m in created
            if rng.random() < 0.2
            for org in rng.sample(organisations, 2)
            if org.pk != m.owner_id
        ),
        batch_size=5000,
        ignore_conflicts=True,
    )
    subs = []
    for n in range(subscriptions):
        roll = rng.random()
        scope = "milestone" if roll < 0.80 else "organisation" if roll < 0.98 else "all"
        subs.append(
            Subscription(
                email=f"reader{n}@example.com",
                scope=scope,
                milestone=rng.choice(created) if scope == "milestone" else None,
                organisation=rng.choice(organisations) if scope == "organisation" else None,
                remind_30_before=rng.random() < 0.8,
                remind_7_before=rng.random() < 0.9,
                remind_window_opens=rng.random() < 0.5,
                remind_30_overdue=rng.random() < 0.7,
                confirmed_at=now if rng.random() < 0.9 else None,
                active_from=date(2025, 1, 1),
                created_at=now,
                updated_at=now,
            )
        )
    Subscription.objects.bulk_create(subs, batch_size=5000)
    settle()


def timed_scan() -> tuple[float, int]:
    started = time.perf_counter()
    inserted = services.reminders_scan(day=SCAN_DAY)
    return time.perf_counter() - started, inserted


def best_scan(runs: int = 5) -> tuple[float, int]:
    """Fastest of ``runs`` scans, each into an empty outbox (the machine is shared)."""
    results = []
    for _ in range(runs):
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE milestones_reminder")
        results.append(timed_scan())
    return min(results)


def naive_scan() -> int:
    """What a first attempt would do: per milestone, find its subscribers, get_or_create each reminder."""
    first_day = SCAN_DAY - timedelta(days=settings.REMINDER_CATCHUP_DAYS)
    active = Q(confirmed_at__isnull=False, unsubscribed_at__isnull=True)
    now = timezone.now()
    created = 0
    for milestone in Milestone.objects.exclude(status__in=FINAL).prefetch_related("participants"):
        orgs = [milestone.owner_id, *(org.pk for org in milestone.participants.all())]
        subscribers = Subscription.objects.filter(active).filter(
            Q(scope="all")
            | Q(scope="milestone", milestone=milestone)
            | Q(scope="organisation", organisation__in=orgs)
        )
        win = reminders.Window(milestone.window_start, milestone.window_end, milestone.target_open_start)
        for subscription in subscribers:
            for kind, due in reminders.due_days(win).items():
                flag = reminders.RULES_BY_KIND[kind].flag
                if (
                    first_day <= due <= SCAN_DAY
                    and due >= subscription.active_from
                    and getattr(subscription, flag)
                ):
                    _, made = Reminder.objects.get_or_create(
                        subscription=subscription,
                        milestone=milestone,
                        kind=kind,
                        window_end=milestone.window_end,
                        defaults={
                            "due_on": due,
                            "next_attempt_at": now,
                            "created_at": now,
                            "updated_at": now,
                        },
                    )
                    created += made
    return created


def main() -> None:
    if connection.vendor != "postgresql":
        sys.exit("bench/reminders.py needs PostgreSQL: set DATABASE_URL=postgres://…/ssb_rem_bench")
    ensure_database(os.environ["DATABASE_URL"], script="bench/reminders.py")
    call_command("migrate", verbosity=0)
    print(
        f"scan day {SCAN_DAY}, catch-up {settings.REMINDER_CATCHUP_DAYS} days, PostgreSQL {connection.pg_version}"
    )

    populate(milestones=20_000, subscriptions=10_000, years=10)
    base_time, base_rows = best_scan()
    rerun_time, rerun_rows = timed_scan()
    print(
        f"20,000 milestones / 10,000 subscriptions: scan {base_time * 1000:.0f} ms, {base_rows} rows inserted"
    )
    print(f"re-run: {rerun_rows} rows inserted in {rerun_time * 1000:.0f} ms")

    populate(milestones=40_000, subscriptions=20_000, years=10)
    dense_time, dense_rows = best_scan()
    print(
        f"double data, same 10 years (due reminders per day double too): scan {dense_time * 1000:.0f} ms, "
        f"{dense_rows} rows -> {dense_time / base_time:.2f}x time for {dense_rows / base_rows:.2f}x rows "
        f"({dense_time / dense_rows * 1e6:.1f} vs {base_time / base_rows * 1e6:.1f} µs per row)"
    )
    populate(milestones=40_000, subscriptions=20_000, years=20)
    wide_time, wide_rows = best_scan()
    print(
        f"double data over 20 years (same deadlines per day): scan {wide_time * 1000:.0f} ms, "
        f"{wide_rows} rows -> {wide_time / base_time:.2f}x time (goal <= 2.2x)"
    )

    populate(milestones=2_000, subscriptions=1_000, years=10)
    set_time, set_rows = best_scan()
    Reminder.objects.all().delete()
    started = time.perf_counter()
    naive_rows = naive_scan()
    naive_time = time.perf_counter() - started
    assert naive_rows == set_rows, (naive_rows, set_rows)
    print(
        f"2,000-milestone subset: set-based {set_time * 1000:.1f} ms vs naive loop {naive_time * 1000:.0f} ms "
        f"for {set_rows} rows -> {naive_time / set_time:.0f}x faster (goal >= 20x)"
    )
    missed = [name for name, met in (("wide scan", wide_time / base_time <= 2.2),
                                     ("set-based vs naive", naive_time / set_time >= 20)) if not met]  # fmt: skip
    print("every goal met" if not missed else f"MISSED: {', '.join(missed)}")
    sys.exit(1 if missed else 0)


if __name__ == "__main__":
    main()
