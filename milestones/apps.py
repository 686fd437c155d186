from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MilestonesConfig(AppConfig):
    name = "milestones"
    verbose_name = "Solid-state milestones"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  registers the connection-budget system check

        # After every migrate: permissions exist by then, and re-running is a no-op.
        post_migrate.connect(_ensure_editors, sender=self, dispatch_uid="ensure_editors")


def _ensure_editors(sender, using: str = "default", **kwargs) -> None:
    from .services import editors_group_ensure

    editors_group_ensure(using=using)
