"""API keys kept as hashes (django-rest-knox) instead of DRF's plain-text tokens.

Keys issued before this migration keep working: each row of DRF's
``authtoken_token`` becomes an ApiToken holding only the key's hash, then that
table (the plain-text keys) is dropped, with the permissions that let editors
read it. Not reversible in substance: going back leaves no plain keys to restore.
"""

from datetime import UTC

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from knox.crypto import hash_token
from knox.settings import CONSTANTS

LEGACY_TABLE = "authtoken_token"


def _aware(value):
    """A timestamp as a raw cursor returns it: aware from PostgreSQL, naive UTC text from SQLite."""
    value = parse_datetime(value) if isinstance(value, str) else value
    return timezone.make_aware(value, UTC) if value is not None and timezone.is_naive(value) else value


def convert_drf_tokens(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if LEGACY_TABLE in connection.introspection.table_names():
        api_token = apps.get_model("milestones", "ApiToken")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {connection.ops.quote_name('key')}, user_id, created FROM {LEGACY_TABLE}")
            rows = cursor.fetchall()
        for key, user_id, created in rows:
            token = api_token.objects.using(connection.alias).create(
                user_id=user_id,
                digest=hash_token(key),
                token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH],
                name="Key from before hashing",
            )
            # auto_now_add stamped it now; the key is as old as it was.
            api_token.objects.using(connection.alias).filter(pk=token.pk).update(created=_aware(created))
        schema_editor.execute(f"DROP TABLE {LEGACY_TABLE}")
    # DRF's token models are gone: their permissions (editors could "view" every key) go too.
    permission = apps.get_model("auth", "Permission")
    content_type = apps.get_model("contenttypes", "ContentType")
    permission.objects.using(connection.alias).filter(content_type__app_label="authtoken").delete()
    content_type.objects.using(connection.alias).filter(app_label="authtoken").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("milestones", "0005_rate_limits_in_database"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                ("token_key", models.CharField(db_index=True, max_length=25)),
                ("created", models.DateTimeField(auto_now_add=True)),
                ("expiry", models.DateTimeField(blank=True, null=True)),
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("digest", models.CharField(max_length=128, unique=True)),
                (
                    "name",
                    models.CharField(
                        blank=True,
                        help_text="What the key is for, e.g. “import script on the news desk”.",
                        max_length=100,
                    ),
                ),
                (
                    "last_used_at",
                    models.DateTimeField(blank=True, editable=False, null=True, verbose_name="last used"),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="auth_token_set",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "API token",
                "ordering": ["-created"],
            },
        ),
        migrations.RunPython(convert_drf_tokens, migrations.RunPython.noop),
    ]
