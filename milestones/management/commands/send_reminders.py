"""One scan-and-send, in this process: for cron instead of Celery beat."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from milestones import services


class Command(BaseCommand):
    help = (
        "Write every reminder due today (or on --day) to the outbox and send them now. "
        "Ignores REMINDER_SEND_HOUR, which governs only the scheduled beat runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="Scan as if it were this day (YYYY-MM-DD); default: today.")

    def handle(self, *args, day: str | None = None, **options) -> None:
        try:
            scan_day = date.fromisoformat(day) if day else None
        except ValueError:
            raise CommandError(f"--day {day!r} is not a date like 2027-03-31") from None
        inserted, result = services.reminders_send_due_now(day=scan_day)
        self.stdout.write(
            f"{inserted} reminder(s) written to the outbox; {result.sent} digest(s) sent, "
            f"{result.retry} to retry, {result.failed} failed, {result.cancelled} reminder(s) cancelled."
        )
        if result.failed:
            raise CommandError(f"{result.failed} digest(s) failed permanently; see the outbox in the admin.")
