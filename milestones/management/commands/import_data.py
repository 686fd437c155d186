"""``manage.py import_data FILE``: load an ``export_data`` file into an empty database.

All or nothing: the file is checked first, then loaded by Django's
``loaddata`` in one transaction (which also resets PostgreSQL's id sequences,
so records created afterwards never collide with imported ids). It refuses a
database that already holds curated data, because merging two histories by
primary key would silently overwrite records.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, IntegrityError

from milestones import services


class Command(BaseCommand):
    help = "Load a file written by export_data into an empty database (atomic)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="A JSON file written by export_data.")

    def handle(self, *args, path: str, **options) -> None:
        objects = self._read(Path(path))
        try:
            file_counts = services.backup_check(objects=objects)
            created = services.backup_restore(objects=objects, stdout=self.stdout)
        except services.BackupRefused as error:
            raise CommandError(f"{error} Nothing was imported.") from None
        except (DatabaseError, IntegrityError, ValueError) as error:
            raise CommandError(f"Nothing was imported: {error}") from None
        except Exception as error:  # loaddata wraps bad records in DeserializationError and others
            raise CommandError(f"Nothing was imported: {type(error).__name__}: {error}") from None
        for label, count in file_counts.items():
            self.stdout.write(f"  {label}: {count}")
        if created:
            self.stdout.write(f"  created {created} inactive user(s) named in the history (no password)")
        self.stdout.write(self.style.SUCCESS(f"Imported {sum(file_counts.values())} objects from {path}."))

    @staticmethod
    def _read(path: Path) -> list:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8 text; expected a JSON file from export_data.") from None
        try:
            objects = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(f"{path} is not valid JSON: {error}") from None
        if not isinstance(objects, list):
            raise CommandError(f"{path} is not an export_data file: expected a JSON list of records.")
        return objects
