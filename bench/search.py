"""Search benchmark: PostgreSQL full-text search (GIN) against icontains on the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ssb_search_bench .venv/bin/python bench/search.py

Builds (once; ``--rebuild`` to redo) 500 organisations, 10,000 milestones and 20,000
announcements with varied text (a Zipf-like vocabulary, so common words match thousands of
rows and rare ones a handful) in the database DATABASE_URL names, creating that database
when missing (PostgreSQL only; the bench owns it). The bench's own data rather than
bench/api.py's: that set gives every row the same words, so a query matches all rows or none.

For each query (single words, two words, websearch syntax, an organisation, a word that
matches nothing) it times the search page's two queries, the first 20 milestones and the
first 20 announcements, as (a) the selectors' full-text path and (b) their icontains path
build them, after a warm-up, as the median of several runs: the queries in the database
(the SQL the selectors build, sent and read back), which the goal is about, and the
selector calls whole (Django building the queries and the rows as well: the same ~3 ms on
both paths), shown beside them. It prints both, the ratios of the medians and the goal
(the full-text queries >= 5x faster), and exits 1 on a miss. Before timing it checks that both
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

from benchdb import announcement_row, ensure_database, link_at_random, milestone_row, settle  # noqa: E402

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
        # TRUNCATE, not DELETE: a rebuilt table starts compact instead of twice its size.
        call_command("flush", "--noinput", verbosity=0)
        with transaction.atomic():
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
    settle()
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


def statements(text: str, full_text: bool) -> list[tuple[str, tuple]]:
    """The SQL the selectors send for the page's two searches, as they build it."""
    from milestones import selectors

    querysets = (
        selectors.search_milestones(text, full_text=full_text).prefetch_related(None)[:PAGE],
        selectors.search_announcements(text, full_text=full_text)[:PAGE],
    )
    return [queryset.query.sql_with_params() for queryset in querysets]


def median_ms(run, repeats: int) -> float:
    run()  # warm-up: caches, plans
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs) * 1000


def timed(text: str, full_text: bool, repeats: int) -> tuple[float, float]:
    """Milliseconds of (the two queries in the database, the two selector calls whole)."""
    from django.db import connection

    sql = statements(text, full_text)

    def queries() -> None:
        with connection.cursor() as cursor:
            for statement, params in sql:
                cursor.execute(statement, params)
                cursor.fetchall()

    return median_ms(queries, repeats), median_ms(lambda: page(text, full_text), repeats)


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
    print(
        f"\nfirst {PAGE} milestones + first {PAGE} announcements, median of {args.repeats} runs (ms): the "
        "two queries in the database, and the two selector calls whole (Django building the queries "
        "and the rows too)"
    )
    print(f"{'':<28}{'queries':^30}{'selector calls':^30}")
    print(f"{'query':<28}" + f"{'full text':>11}{'icontains':>11}{'ratio':>8}" * 2)
    fts, like, fts_call, like_call = [], [], [], []
    for text in queries:
        (query_fts, call_fts), (query_like, call_like) = (
            timed(text, True, args.repeats),
            timed(text, False, args.repeats),
        )
        fts.append(query_fts), like.append(query_like), fts_call.append(call_fts), like_call.append(call_like)
        print(f"{text:<28}{query_fts:>11.2f}{query_like:>11.2f}{query_like / query_fts:>7.1f}x"
              f"{call_fts:>11.2f}{call_like:>11.2f}{call_like / call_fts:>7.1f}x")  # fmt: skip
    medians = [statistics.median(values) for values in (fts, like, fts_call, like_call)]
    ratio, call_ratio = medians[1] / medians[0], medians[3] / medians[2]
    print(f"{'median':<28}{medians[0]:>11.2f}{medians[1]:>11.2f}{ratio:>7.1f}x"
          f"{medians[2]:>11.2f}{medians[3]:>11.2f}{call_ratio:>7.1f}x")  # fmt: skip
    print(
        f"\nwhole selector calls: full text {call_ratio:.1f}x faster (Django's building of the queries, "
        "about 3 ms a page, is the same work on both paths)"
    )
    ok = ratio >= GOAL
    print(
        f"the full-text queries are {ratio:.1f}x faster than the icontains ones (goal >= {GOAL:.0f}x at 10k rows): "
        f"{'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
