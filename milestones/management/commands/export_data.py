"""``manage.py export_data``: every curated record as one Django JSON fixture.

The format is Django's own JSON serializer output (a ``dumpdata`` fixture, but
with full-precision times), so ``import_data`` can hand it to ``loaddata``. Primary keys are kept, which is
what makes the API answer byte for byte the same after a restore; references
to user accounts are written as usernames (natural keys), because accounts and
their passwords are not part of the export.
"""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core import serializers
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from milestones.selectors.exports import (
    CURATED_MODELS,
    HISTORY_MODELS,
    export_counts,
    export_rows,
    exported_models,
)

__all__ = ["CURATED_MODELS", "HISTORY_MODELS", "exported_models"]


class ExactJSONEncoder(DjangoJSONEncoder):
    """DjangoJSONEncoder (and so dumpdata) cuts times to milliseconds; a backup keeps every digit,
    or timestamps, ETags and the order of same-millisecond history entries would change."""

    def default(self, o):
        if isinstance(o, (datetime.datetime, datetime.time)):
            return o.isoformat()
        return super().default(o)


class Command(BaseCommand):
    help = "Write all curated data (with change history) as a JSON fixture that import_data loads."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-o", "--output", default="-", help="File to write; '-' (default) is stdout.")
        parser.add_argument("--no-history", action="store_true", help="Leave out the change history.")
        parser.add_argument("--indent", type=int, default=None, help="Pretty-print with this indent.")

    def handle(self, *args, output: str, no_history: bool, indent: int | None, **options) -> None:
        models = exported_models(with_history=not no_history)
        outermost = not connection.in_atomic_block
        with transaction.atomic():
            if outermost:  # the isolation level can only be chosen before a transaction's first query
                self._snapshot()
            counts = export_counts(models)
            if output == "-":
                self.stdout.ending = None  # the serializer writes the JSON in pieces
                self._write(models, self.stdout, indent)
            else:
                self._write_file(models, Path(output), indent)
        progress = self.stderr if output == "-" else self.stdout
        for label, count in counts.items():
            progress.write(f"  {label}: {count}")
        target = "stdout" if output == "-" else output
        progress.write(self.style.SUCCESS(f"Exported {sum(counts.values())} objects to {target}."))

    @staticmethod
    def _write(models: list, stream, indent: int | None) -> None:
        serializers.serialize(
            "json",
            export_rows(models),
            stream=stream,
            indent=indent,
            use_natural_foreign_keys=True,
            cls=ExactJSONEncoder,
        )

    def _write_file(self, models: list, path: Path, indent: int | None) -> None:
        # Written next to the target and renamed: an interrupted export never leaves a
        # truncated file where the last good one was.
        partial = path.with_name(f".{path.name}.partial")
        try:
            with partial.open("w", encoding="utf-8") as stream:
                self._write(models, stream, indent)
            partial.replace(path)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(f"Cannot write {path}: {error.strerror or error}") from None

    @staticmethod
    def _snapshot() -> None:
        """One consistent view for all models, even while editors keep writing.

        Under READ COMMITTED each model's query would see a later state than the
        one before: a milestone could name an organisation created after the
        organisations were written, and the file would not load.
        """
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
