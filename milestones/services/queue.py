"""Enqueueing Celery tasks by name, so the services never import the tasks that call them."""

from __future__ import annotations

from celery import current_app


def task_enqueue(name: str, *args, **options) -> None:
    """Send ``milestones.tasks.<name>`` (run at once when Celery is set to eager, as in tests)."""
    current_app.tasks[f"milestones.tasks.{name}"].apply_async(args=args, **options)
