"""Search benchmark: PostgreSQL full-text search (GIN) against icontains on the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssb_search_bench .venv/bin/python bench/search.py

Builds (once; ``--rebuild`` to redo) 500 organisations, 10,000 milestones and 20,000
announcements with varied text (a Zipf-like vocabulary, so common words match thousands of
rows and rare ones a handful) in the database DATABASE_URL names, creating that database
when missing (PostgreSQL only; the bench owns it). The bench's own data rather than
bench/api.py's: that set gives every row the same words, so a query matches all rows or none.

For each query (single words, two words, websearch syntax, an organisation, a word that
matches nothing) it times the search page's two queries, the first 20 milestones and the
first 20 announcements, through (a) the selectors' full-text path and (b) their icontains path,
after a warm-up, as the median of several runs. It prints both, the ratio of the medians and
the goal (full text >= 5x faster), and exits 1 on a miss. Before timing it checks that both
paths find exactly the rows a planted word is known to be in, and prints the plans that show
the GIN indexes in use.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/ssb_search_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ssbtracker.settings")

from benchdb import announcement_row, ensure_database, link_at_random, milestone_row  # noqa: E402

ORGANISATIONS, MILESTONES, ANNOUNCEMENTS = 500, 10_000, 20_000
GOAL = 5.0
PAGE = 20  # what the search page shows per kind
PLANTED = "quasarite"  # in a known set of rows, and nowhere else
NAMED = [
    ("Toyota", "トヨタ\nToyota Motor"),
    ("Nissan", "日産"),
    ("CATL", "宁德时代\nContemporary Amperex Technology"),
    ("BYD", "比亚迪\nFinDreams"),
    ("Samsung SDI", "삼성SDI"),
    ("LG Energy Solution", "LGES"),
    ("QuantumScape", ""),
    ("Solid Power", ""),
    ("Gotion", "国轩高科"),
    ("SVOLT", "蜂巢能源"),
]
THINGS = [
    "pilot line",
    "samples",
    "vehicle demo",
    "start of production",
    "gigafactory",
    "supply chain",
    "mass production",
    "prototype cells",
    "test vehicles",
    "validation",
    "capacity expansion",
]
TECH = ["sulfide", "oxide", "polymer", "halide", "semi-solid", "all-solid-state", "lithium-metal"]
COMMON = [
    "battery",
    "batteries",
    "cells",
    "solid-state",
    "electrolyte",
    "anode",
    "cathode",
    "energy",
    "density",
    "charging",
    "production",
    "vehicles",
    "plans",
    "target",
    "announced",
    "company",
]
SYLLABLES = ["ka", "ro", "ven", "tek", "mi", "sol", "da", "rin", "ox", "lu", "pre", "zan", "ti", "mor"]


def vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    words = {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(size * 2)}
    return sorted(words - {PLANTED})[:size]


def prose(rng: random.Random, words: list[str], count: int) -> str:
    # Zipf-like: a few words everywhere, most in a handful of rows.
    picked = [words[min(int(rng.paretovariate(0.9)) - 1, len(words) - 1)] for _ in range(count)]
    picked += rng.sample(COMMON, 3)
    rng.shuffle(picked)
    return " ".join(picked).capitalize() + "."


def build(rng: random.Random, rebuild: bool) -> dict[str, set[int]]:
    from django.core.management import call_command
    from django.db import connection, transaction

    from milestones.domain.targets import parse_target
    from milestones.models import Announcement, Milestone, Organisation, Publisher
    from milestones.models import region_for_country as region

    call_command("migrate", verbosity=0)
    present = (
        Milestone.objects.count() == MILESTONES
        and Announcement.objects.count() == ANNOUNCEMENTS
        and Milestone.objects.filter(description__contains=PLANTED).exists()
    )
    if not present or rebuild:
        foreign = Milestone.objects.exclude(slug__startswith="milestone-").exists()
        if foreign and not rebuild:
            sys.exit(
                f"bench/search.py: {connection.settings_dict['NAME']!r} holds milestones the bench did not build; "
                "give it a database of its own (or --rebuild to wipe this one)"
            )
        print("building the data set…", flush=True)
        started = time.perf_counter()
        words = vocabulary(rng)
        with transaction.atomic():
            for model in (Milestone, Announcement, Organisation, Publisher):
                model.objects.all().delete()
            publishers = Publisher.objects.bulk_create(
                Publisher(name=f"Publisher {i}", slug=f"publisher-{i}") for i in range(50)
            )
            names = NAMED + [
                (f"{''.join(rng.choice(SYLLABLES) for _ in range(3)).title()} Energy {i}", "")
                for i in range(ORGANISATIONS - len(NAMED))
            ]
            countries = ["CN", "JP", "KR", "US", "DE", "FR", "SE"]
            orgs = []
            for i, (name, aliases) in enumerate(names):
                country = rng.choice(countries)
                orgs.append(
                    Organisation(
                        name=name,
                        slug=f"org-{i}",
                        kind=rng.choice(Organisation.Kind.values),
                        country=country,
                        region=region(country),
                        aliases=aliases,
                    )
                )
            orgs = Organisation.objects.bulk_create(orgs)
            milestones = []
            for i in range(MILESTONES):
                owner = orgs[i % len(NAMED)] if i % 10 == 0 else rng.choice(orgs)
                year = rng.randint(2025, 2032)
                target = parse_target(str(year), fiscal_year_start=1, opened_on=date(2024, 1, 1))
                description = prose(rng, words, rng.randint(15, 40))
                if i % 271 == 0:
                    description += f" A {PLANTED} separator."
                title = f"{owner.name}: {rng.choice(THINGS)} of {rng.choice(TECH)} cells"
                milestones.append(
                    milestone_row(
                        i,
                        rng,
                        owner=owner,
                        title=title,
                        target=target,
                        status=rng.choice(["announced", "on_track", "delayed"]),
                        description=description,
                    )
                )
            milestones = Milestone.objects.bulk_create(milestones, batch_size=2000)
            link_at_random(Milestone.participants, milestones, orgs, rng, low=0, high=2)
            announcements = []
            for i in range(ANNOUNCEMENTS):
                summary = prose(rng, words, rng.randint(30, 80))
                if i % 377 == 0:
                    summary += f" Its {PLANTED} layer."
                title = f"{rng.choice(orgs).name} {rng.choice(COMMON)} {rng.choice(THINGS)} {prose(rng, words, 3)}"
                announcements.append(announcement_row(i, rng, publishers, title=title, summary=summary))
            announcements = Announcement.objects.bulk_create(announcements, batch_size=2000)
            link_at_random(Announcement.organisations, announcements, orgs, rng, low=1, high=2)
        print(f"built in {time.perf_counter() - started:.1f}s")
    else:
        print("data set present (use --rebuild to recreate)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would keep them
    return {
        "milestones": set(
            Milestone.objects.filter(description__contains=PLANTED).values_list("pk", flat=True)
        ),
        "announcements": set(
            Announcement.objects.filter(summary__contains=PLANTED).values_list("pk", flat=True)
        ),
    }


def page(text: str, full_text: bool) -> tuple[list, list]:
    """The search page's two searches. Its prefetches of the shown milestones' participants
    and evidence are left out: the same for both paths, they are not part of the search."""
    from milestones import selectors

    return (
        list(selectors.search_milestones(text, full_text=full_text).prefetch_related(None)[:PAGE]),
        list(selectors.search_announcements(text, full_text=full_text)[:PAGE]),
    )


def timed(text: str, full_text: bool, repeats: int) -> float:
    page(text, full_text)  # warm-up: caches, plans
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        page(text, full_text)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


def sanity(expected: dict[str, set[int]]) -> None:
    """Both paths must find exactly the rows the planted word is in (a fast empty answer fails)."""
    from milestones import selectors

    for full_text in (True, False):
        found = {
            "milestones": set(
                selectors.search_milestones(PLANTED, full_text=full_text).values_list("pk", flat=True)
            ),
            "announcements": set(
                selectors.search_announcements(PLANTED, full_text=full_text).values_list("pk", flat=True)
            ),
        }
        path = "full text" if full_text else "icontains"
        for kind, ids in expected.items():
            if not ids or found[kind] != ids:
                sys.exit(
                    f"bench/search.py: {path} found {len(found[kind])} {kind} for {PLANTED!r}, expected {len(ids)}"
                )
        print(
            f"sanity: {path} finds the {len(expected['milestones'])} milestones and "
            f"{len(expected['announcements'])} announcements that say {PLANTED!r}"
        )
    top = selectors.search_milestones("Toyota pilot line")[:1].get()
    if "Toyota" not in top.title or "pilot line" not in top.title:
        sys.exit(f"bench/search.py: 'Toyota pilot line' ranks {top.title!r} first")


def plans() -> None:
    """Show that the GIN indexes serve the word match (no seqscan of the big tables)."""
    from milestones import selectors
    from milestones.models import Announcement, Milestone

    for model, q, index in (
        (Milestone, selectors.milestone_text_q(PLANTED), "milestone_search_gin"),
        (Announcement, selectors.announcement_text_q(PLANTED), "announcement_search_gin"),
    ):
        plan = model.objects.filter(q).order_by().values("pk").explain()
        scans = [line.strip() for line in plan.splitlines() if "Scan" in line]
        print(f"plan for {model.__name__.lower()}s:\n    " + "\n    ".join(scans))
        if index not in plan:
            sys.exit(f"bench/search.py: the plan does not use {index}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rebuild", action="store_true", help="recreate the data set")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    ensure_database(os.environ["DATABASE_URL"], script="bench/search.py")
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench/search.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    expected = build(random.Random(16), args.rebuild)
    print(f"PostgreSQL {connection.pg_version}; {MILESTONES:,} milestones, {ANNOUNCEMENTS:,} announcements")
    sanity(expected)
    plans()
    queries = [
        "sulfide",
        "gigafactory",
        "pilot line",
        "batteries",
        "solid-state electrolyte",
        "Toyota",
        "宁德时代",
        '"mass production" -oxide',
        "zeppelin",
        "Toyo",
    ]
    print(f"\nfirst {PAGE} milestones + first {PAGE} announcements, median of {args.repeats} runs (ms)")
    print(f"{'query':<28}{'full text':>11}{'icontains':>11}{'ratio':>8}")
    fts, like = [], []
    for text in queries:
        fts.append(timed(text, True, args.repeats))
        like.append(timed(text, False, args.repeats))
        print(f"{text:<28}{fts[-1]:>11.2f}{like[-1]:>11.2f}{like[-1] / fts[-1]:>7.1f}x")
    fts_median, like_median = statistics.median(fts), statistics.median(like)
    ratio = like_median / fts_median
    print(f"{'median':<28}{fts_median:>11.2f}{like_median:>11.2f}{ratio:>7.1f}x")
    ok = ratio >= GOAL
    print(
        f"\nfull text is {ratio:.1f}x faster than icontains (goal >= {GOAL:.0f}x at 10k rows): "
        f"{'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
