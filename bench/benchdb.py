"""Give a benchmark the PostgreSQL database it owns: create it when missing, or stop in one line.

The benchmarks wipe and refill the database DATABASE_URL names, so a newcomer
should not have to create it by hand first. It is created through the
server's ``postgres`` maintenance database; anything that stops that (server
down, no right to create databases) ends the run with one line saying what
to do, not a traceback.
"""

from __future__ import annotations

import sys
from urllib.parse import urlsplit, urlunsplit


def ensure_database(url: str, *, script: str) -> bool:
    """Create the database ``url`` names if it does not exist; True when it was created."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name or name == "postgres":
        sys.exit(
            f"{script}: give the benchmark a database of its own, e.g. DATABASE_URL=postgres://…/ssb_bench"
        )
    maintenance = urlunsplit(parts._replace(path="/postgres", query=""))
    server = f"{parts.hostname or 'localhost'}:{parts.port or 5432}"
    try:
        with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as connection:
            if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                return False
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.errors.InsufficientPrivilege:
        sys.exit(
            f"{script}: no right to create database {name!r} on {server}; run `createdb {name}` as its owner"
        )
    except psycopg.Error as error:
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        sys.exit(f"{script}: cannot reach PostgreSQL at {server} ({reason}); start it or fix DATABASE_URL")
    print(f"{script}: created database {name!r} on {server}", file=sys.stderr)
    return True


def link_at_random(relation, rows: list, others: list, rng, *, low: int, high: int) -> None:
    """Link each of ``rows`` to ``low``-``high`` random ``others`` through a many-to-many
    descriptor such as ``Milestone.participants``, in bulk."""
    through, field = relation.through, relation.field
    source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
    through.objects.bulk_create(
        (
            through(**{source: row, target: other})
            for row in rows
            for other in rng.sample(others, rng.randint(low, high))
        ),
        batch_size=5000,
    )


def announcement_row(i: int, rng, publishers: list, *, title: str, summary: str, **fields):
    """The ``i``-th benchmark announcement (unsaved): a unique slug and URL, a random
    publisher and a publication day in 2020-2026."""
    from datetime import date, timedelta

    from milestones.models import Announcement

    return Announcement(
        title=title,
        slug=f"news-{i:05d}",
        published_on=date(2020, 1, 1) + timedelta(days=rng.randrange(2200)),
        publisher=rng.choice(publishers),
        url=f"https://news.example.com/{i}",
        url_normalized=f"news.example.com/{i}",
        summary=summary,
        **fields,
    )


def milestone_row(i: int, rng, *, owner, title: str, target, **fields):
    """The ``i``-th benchmark milestone (unsaved) with a random category and technology,
    and ``target`` (a parsed target) set."""
    from milestones.models import Milestone

    milestone = Milestone(
        title=title,
        slug=f"milestone-{i:05d}",
        owner=owner,
        category=rng.choice(Milestone.Category.values),
        technology=rng.choice(Milestone.Technology.values),
        **fields,
    )
    milestone.set_target(target)
    return milestone


def settle() -> None:
    """``VACUUM ANALYZE`` the bench's database after a bulk load, as autovacuum would: it drops
    the dead rows a rebuild leaves behind (a rebuilt table read twice its size), marks pages
    all-visible and refreshes the planner's statistics. Some servers (this project's
    development machine among them) run with autovacuum off; a production server has it on."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
