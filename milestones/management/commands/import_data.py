"""``manage.py import_data FILE``: load an ``export_data`` file into an empty database.

All or nothing: the file is checked first, then loaded by Django's
``loaddata`` in one transaction (which also resets PostgreSQL's id sequences,
so records created afterwards never collide with imported ids). It refuses a
database that already holds curated data, because merging two histories by
primary key would silently overwrite records.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, IntegrityError, transaction

from .export_data import exported_models


class Command(BaseCommand):
    help = "Load a file written by export_data into an empty database (atomic)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="A JSON file written by export_data.")

    def handle(self, *args, path: str, **options) -> None:
        objects = self._read(Path(path))
        file_counts = self._validate(objects)
        self._refuse_non_empty()
        try:
            with transaction.atomic():
                created = self._ensure_users(objects)
                self._load(objects)
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

    @staticmethod
    def _validate(objects: list) -> Counter:
        known = {model._meta.label_lower: model._meta.label for model in exported_models()}
        counts: Counter = Counter()
        for index, record in enumerate(objects):
            label = record.get("model") if isinstance(record, dict) else None
            if label not in known or not isinstance(record.get("fields"), dict):
                raise CommandError(
                    f"Record {index} is not a curated record from export_data (model={label!r}); nothing imported."
                )
            counts[known[label]] += 1
        return counts

    @staticmethod
    def _refuse_non_empty() -> None:
        present = {
            model._meta.label: count
            for model in exported_models()
            if (count := model._default_manager.count())
        }
        if present:
            listed = ", ".join(f"{label}: {count}" for label, count in present.items())
            raise CommandError(
                f"The database is not empty ({listed}). import_data only loads into an empty database, "
                "so that nothing is overwritten: run it on a freshly migrated database."
            )

    @staticmethod
    def _ensure_users(objects: list) -> int:
        """Accounts named in revisions and history ("who") must exist for their references to load.

        Existing accounts are left alone; missing ones are created inactive and
        without a usable password, so an import never opens a way to log in.
        """
        user_model = get_user_model()
        user_fields = _user_reference_fields()
        usernames = {
            value[0]
            for record in objects
            for field in user_fields.get(record["model"], ())
            if isinstance(value := record["fields"].get(field), list) and value
        }
        existing = set(
            user_model._default_manager.filter(**{f"{user_model.USERNAME_FIELD}__in": usernames}).values_list(
                user_model.USERNAME_FIELD, flat=True
            )
        )
        missing = sorted(usernames - existing)
        for username in missing:
            user = user_model(**{user_model.USERNAME_FIELD: username}, is_active=False)
            user.set_unusable_password()
            user.save()
        return len(missing)

    def _load(self, objects: list) -> None:
        # loaddata wants a file with a .json suffix; the validated records are written to one.
        with tempfile.TemporaryDirectory(prefix="ssb-import-") as folder:
            fixture = Path(folder) / "export.json"
            fixture.write_text(json.dumps(objects), encoding="utf-8")
            call_command("loaddata", str(fixture), verbosity=0, stdout=self.stdout)


def _user_reference_fields() -> dict[str, list[str]]:
    user_model = get_user_model()
    return {
        model._meta.label_lower: [
            field.name
            for field in model._meta.concrete_fields
            if field.is_relation and field.related_model is user_model
        ]
        for model in exported_models()
    }
