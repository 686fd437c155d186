"""GIN indexes for full-text search of milestones and announcements (PostgreSQL only).

Each index is on exactly the tsvector expression milestones/selectors/search.py builds
(``MILESTONE_VECTOR``, ``ANNOUNCEMENT_VECTOR``): the planner uses an expression index only
for the identical expression, so the two must change together. SQLite searches with
``icontains`` and gets nothing here; the operations are no-ops there, both ways.
"""

from django.db import migrations

MILESTONE = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig,"
    " COALESCE(target_text, '') || ' ' || COALESCE(description, '')), 'B')"
)
ANNOUNCEMENT = (
    "setweight(to_tsvector('english'::regconfig, COALESCE(title, '')), 'A')"
    " || setweight(to_tsvector('english'::regconfig, COALESCE(summary, '')), 'B')"
)
INDEXES = [
    ("milestone_search_gin", "milestones_milestone", MILESTONE),
    ("announcement_search_gin", "milestones_announcement", ANNOUNCEMENT),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, table, expression in INDEXES:
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {table} USING gin (({expression}))")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _expression in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("milestones", "0008_webhooks"),
    ]

    operations = [
        migrations.RunPython(create, drop, elidable=False),
    ]
