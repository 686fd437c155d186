"""Deliver every webhook due now, in this process, and exit: for cron instead of Celery."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from milestones import services


class Command(BaseCommand):
    help = (
        "Write due milestone.overdue events, then deliver every webhook due now (new events and "
        "retries whose time has come) and print how each attempt ended."
    )

    def handle(self, *args, **options) -> None:
        overdue = services.webhooks_overdue_scan()
        disabled = services.webhooks_disable_failing()
        result = services.webhooks_deliver_due()
        self.stdout.write(
            f"succeeded: {result.succeeded}\nretry: {result.retry}\nfailed: {result.failed}\n"
            f"overdue events written: {overdue}\nendpoints disabled: {disabled}"
        )
