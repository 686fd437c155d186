"""Restoring a backup written by ``export_data`` into an empty database, all or nothing."""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from milestones.selectors.exports import exported_models


class BackupRefused(ValueError):
    """The file or the database is not fit for a restore; nothing was written."""


def backup_check(*, objects: list) -> Counter:
    """Count the file's records per model; refuse anything that is not a curated record."""
    known = {model._meta.label_lower: model._meta.label for model in exported_models()}
    counts: Counter = Counter()
    for index, record in enumerate(objects):
        label = record.get("model") if isinstance(record, dict) else None
        if label not in known or not isinstance(record.get("fields"), dict):
            raise BackupRefused(f"Record {index} is not a curated record from export_data (model={label!r}).")
        counts[known[label]] += 1
    return counts


def _refuse_non_empty() -> None:
    # Merging two histories by primary key would silently overwrite records.
    present = {m._meta.label: n for m in exported_models() if (n := m._default_manager.count())}
    if present:
        listed = ", ".join(f"{label}: {count}" for label, count in present.items())
        raise BackupRefused(
            f"The database is not empty ({listed}). import_data only loads into an empty database, "
            "so that nothing is overwritten: run it on a freshly migrated database."
        )


@transaction.atomic
def backup_restore(*, objects: list, stdout=None) -> int:
    """Load the records (Django's ``loaddata``, which also resets PostgreSQL's id sequences);
    returns how many inactive accounts were created for names in the history."""
    backup_check(objects=objects)
    _refuse_non_empty()
    created = _users_ensure(objects)
    # loaddata wants a file with a .json suffix; the checked records are written to one.
    with tempfile.TemporaryDirectory(prefix="ssb-import-") as folder:
        fixture = Path(folder) / "export.json"
        fixture.write_text(json.dumps(objects), encoding="utf-8")
        call_command("loaddata", str(fixture), verbosity=0, stdout=stdout)
    return created


def _users_ensure(objects: list) -> int:
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
    name_field = user_model.USERNAME_FIELD
    existing = set(
        user_model._default_manager.filter(**{f"{name_field}__in": usernames}).values_list(
            name_field, flat=True
        )
    )
    missing = sorted(usernames - existing)
    for username in missing:
        user = user_model(**{name_field: username}, is_active=False)
        user.set_unusable_password()
        user.save()
    return len(missing)


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
