from pathlib import Path

from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import post_migrate


class MilestonesConfig(AppConfig):
    name = "milestones"
    verbose_name = "Solid-state milestones"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import (
            checks,  # noqa: F401  registers the connection-budget system check
            tasks,  # noqa: F401  registers the tasks the services enqueue by name
        )

        _create_local_folders()
        _webhook_bodies_from_the_api()
        # After every migrate: permissions exist by then, and re-running is a no-op.
        post_migrate.connect(_ensure_editors, sender=self, dispatch_uid="ensure_editors")


def _create_local_folders() -> None:
    """The folders this process writes to, made when Django starts rather than when
    settings are imported, so importing settings stays free of side effects.

    Every entry point (manage.py, gunicorn's WSGI app, the Celery worker and beat
    through Celery's Django fix-up, pytest) runs ``ready()`` before it opens the
    database or the broker: SQLite does not create a missing folder for its file,
    kombu's filesystem transport needs its folders before the first message,
    ``ensure_admin`` and beat's schedule file write into VAR_DIR, and WhiteNoise
    warns on every start until STATIC_ROOT exists (before the first collectstatic).
    """
    folders = [Path(settings.VAR_DIR), Path(settings.STATIC_ROOT)]
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3" and database["NAME"] not in ("", ":memory:"):
        folders.append(Path(database["NAME"]).parent)
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        folders += [Path(path) for key, path in options.items() if key.endswith(("_in", "_out", "_folder"))]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)


def _webhook_bodies_from_the_api() -> None:
    """Webhook events carry a resource exactly as the API's GET shows it: the API owns that
    representation, so it is handed to the core here rather than imported by it."""
    from .api.serializers.webhooks import announcement_payload, milestone_payload
    from .services import webhook_renderers_register

    webhook_renderers_register(milestone=milestone_payload, announcement=announcement_payload)


def _ensure_editors(sender, using: str = "default", **kwargs) -> None:
    from .services import editors_group_ensure

    editors_group_ensure(using=using)
