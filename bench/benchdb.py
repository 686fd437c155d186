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
