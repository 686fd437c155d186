"""Full-text search columns and their GIN indexes (PostgreSQL only).

Each searched table gets a ``search_vector`` tsvector column that a trigger keeps equal to
its weighted words (milestone: title A, target phrase and description B; announcement:
title A, summary B; ``english`` stemming), and a GIN index on it. A stored column rather
than an index on the expression: ranking and the index's recheck read the vector of every
matching row, and recomputing ``to_tsvector`` for thousands of rows made a common word
10x slower than ``icontains`` (bench/search.py). A trigger rather than a generated column:
PostgreSQL refuses to change the type of a column a generated column uses, which would
block later migrations of ``title``; a trigger names columns only at run time.

The column is not a model field: SQLite has no tsvector and searches with ``icontains``,
so the model stays the same on both, and milestones/selectors/search.py refers to the
column by name. Both operations are no-ops on SQLite, both ways.
"""

from django.db import migrations

TABLES = {
    "milestones_milestone": (
        "setweight(to_tsvector('english', COALESCE(NEW.title, '')), 'A')"
        " || setweight(to_tsvector('english',"
        " COALESCE(NEW.target_text, '') || ' ' || COALESCE(NEW.description, '')), 'B')",
        ("title", "target_text", "description"),
        "milestone_search_gin",
    ),
    "milestones_announcement": (
        "setweight(to_tsvector('english', COALESCE(NEW.title, '')), 'A')"
        " || setweight(to_tsvector('english', COALESCE(NEW.summary, '')), 'B')",
        ("title", "summary"),
        "announcement_search_gin",
    ),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (vector, columns, index) in TABLES.items():
        function = f"{table}_search_vector"
        schema_editor.execute(f"ALTER TABLE {table} ADD COLUMN search_vector tsvector")
        schema_editor.execute(
            f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN NEW.search_vector := {vector}; RETURN NEW; END $$"
        )
        schema_editor.execute(
            f"CREATE TRIGGER {function} BEFORE INSERT OR UPDATE OF {', '.join(columns)} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
        # Fill the rows that exist: the update fires the trigger.
        schema_editor.execute(f"UPDATE {table} SET {columns[0]} = {columns[0]}")
        schema_editor.execute(f"CREATE INDEX {index} ON {table} USING gin (search_vector)")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, (_vector, _columns, index) in TABLES.items():
        function = f"{table}_search_vector"
        schema_editor.execute(f"DROP INDEX IF EXISTS {index}")
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {function} ON {table}")
        schema_editor.execute(f"DROP FUNCTION IF EXISTS {function}()")
        schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [
        ("milestones", "0008_webhooks"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
