"""Make sure an admin login exists for `make run`, and say what it is."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from milestones import selectors, services


class Command(BaseCommand):
    help = "Create the 'admin' superuser with a generated password if no superuser exists; print the login."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--username", default="admin")

    def handle(self, *args, username: str, **options) -> None:
        password_file = settings.VAR_DIR / "admin-password.txt"
        password = services.admin_ensure(username=username)
        if password:
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        if password_file.exists() and selectors.superuser_exists(username=username):
            password = password_file.read_text().strip()
            self.stdout.write(
                self.style.SUCCESS(f"Admin login: {username} / {password}  ({settings.SITE_URL}/admin/)")
            )
        else:
            self.stdout.write("A superuser already exists; use its login (or `manage.py createsuperuser`).")
