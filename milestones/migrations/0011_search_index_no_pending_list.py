"""The full-text GIN indexes write each row's words straight into the index
(``fastupdate = off``), PostgreSQL only.

With GIN's default fast update, new rows' words wait in a pending list that every search
scans in full until a vacuum merges it. The planner prices that scan in, so after a batch of
imports (or a fresh ``loaddata``) it chose sequential scans of whole tables even for a word
in a handful of rows: bench/search.py measured 13 ms instead of 1.5 ms for a word in 9% of
20,000 announcements. Editors write a few rows a day here, so the slower insert costs
nothing that matters, and searches no longer depend on when autovacuum last ran. The
migration merges whatever is pending now. A no-op on SQLite, both ways.
"""

from django.db import migrations

INDEXES = ("milestone_search_gin", "announcement_search_gin")


def no_pending_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in INDEXES:
        schema_editor.execute(f"ALTER INDEX {index} SET (fastupdate = off)")
        schema_editor.execute("SELECT gin_clean_pending_list(%s::regclass)", [index])


def pending_list(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for index in INDEXES:
        schema_editor.execute(f"ALTER INDEX {index} RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [
        ("milestones", "0010_listed_changed_at"),
    ]

    operations = [
        migrations.RunPython(no_pending_list, pending_list, elidable=False),
    ]
