"""Rules every curated record shares: slugs, stale-write checks, saving and deleting.

Organisations, relations, people and publishers have no richer service of their
own, so their saves come here; milestones and announcements add their rules on
top of these.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import router, transaction
from django.db.models import CharField, Model, TextField
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.text import slugify

from milestones.domain.text import TextRefused, text_clean
from milestones.models import Announcement, Organisation

# How deep a parent chain may go before it is taken for a cycle.
_MAX_ANCESTORS = 100


# Check constraints carry no field; these say which field an editor should change.
_CONSTRAINT_FIELDS = {
    "relation_not_to_self": "target",
    "relation_ends_after_start": "ended_on",
    "organisation_not_own_parent": "parent",
    "organisation_fiscal_month_1_12": "fiscal_year_start_month",
    "milestone_window_ordered": "target_text",
    "milestone_achieved_on_only_when_achieved": "achieved_on",
}
_NAMED_AT_MOST = 5


class RecordInUse(Exception):
    """A delete refused because other records cite this one (their proof would be lost)."""

    def __init__(self, instance: Model, citing: list[Model]) -> None:
        self.instance, self.citing = instance, citing
        by_kind: dict[str, list[str]] = {}
        for obj in citing:
            by_kind.setdefault(str(obj._meta.verbose_name_plural), []).append(f"“{obj}”")
        parts = []
        for kind, names in sorted(by_kind.items()):
            more = f" and {len(names) - _NAMED_AT_MOST} more" if len(names) > _NAMED_AT_MOST else ""
            parts.append(f"{len(names)} {kind} ({', '.join(names[:_NAMED_AT_MOST])}{more})")
        super().__init__(
            f"{instance._meta.verbose_name.capitalize()} “{instance}” cannot be deleted while it is still "
            f"cited by {'; '.join(parts)}. Remove those references first."
        )


class StaleWrite(Exception):
    """Someone else saved the record after the writer read it."""


def slug_allocate(*, model: type[Model], text: str, exclude_pk: Any = None, max_length: int = 200) -> str:
    """A slug made from ``text``, with a numeric suffix when that slug is taken."""
    base = slugify(text)[: max_length - 6].strip("-") or "item"
    taken = set(
        model._default_manager.filter(slug__startswith=base)
        .exclude(pk=exclude_pk)
        .values_list("slug", flat=True)
    )
    slug, counter = base, 2
    while slug in taken:
        slug = f"{base}-{counter}"
        counter += 1
    return slug


def record_version(instance: Model) -> str:
    """The version a writer read: the row's last save."""
    stamp = getattr(instance, "updated_at", None)
    return stamp.isoformat() if stamp else ""


def version_check(*, instance: Model, expected: str | Iterable[str] | None, current=None) -> Model:
    """Refuse a write based on a stale read; returns the row re-read under ``SELECT … FOR UPDATE``.

    ``expected`` is what the writer read (the admin's loaded version, the API's
    If-Match tags; ``None`` or ``*`` skips the check); ``current(row)`` gives the
    version to compare with (the row's ``updated_at`` unless a face versions a
    richer representation). The lock is held until the caller's transaction
    ends, so of two writers holding the same version only the first wins.
    """
    model = type(instance)
    locked = model._default_manager.select_for_update().filter(pk=instance.pk).first()
    if locked is None or expected is None:
        return locked
    wanted = {expected} if isinstance(expected, str) else set(expected)
    if "*" in wanted:
        return locked
    if (current or record_version)(locked) not in wanted:
        raise StaleWrite(_stale_message(locked))
    return locked


def _stale_message(row: Model) -> str:
    history = getattr(type(row), "history", None)
    latest = history.filter(id=row.pk).select_related("history_user").first() if history else None
    by = f" by {latest.history_user}" if latest and latest.history_user else ""
    when = f" at {timezone.localtime(row.updated_at):%Y-%m-%d %H:%M:%S}" if hasattr(row, "updated_at") else ""
    return (
        f"Someone else saved this {row._meta.verbose_name}{by}{when} after you opened it. Your changes "
        "were not saved: reload to see theirs, then apply yours again."
    )


def record_text_check(*, instance: Model, exclude: Iterable[str] = ()) -> None:
    """Normalise every text field of ``instance`` in place (milestones/domain/text.py);
    ``ValidationError`` by field for a character we do not store."""
    errors: dict[str, str] = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname, None)
        if (
            field.name in exclude
            or not isinstance(field, CharField | TextField)
            or not isinstance(value, str)
        ):
            continue
        try:
            setattr(instance, field.attname, text_clean(value, multiline=isinstance(field, TextField)))
        except TextRefused as refusal:
            errors[field.name] = str(refusal)
    if errors:
        raise ValidationError(errors)


def record_check(*, instance: Model, exclude: Iterable[str] = ()) -> None:
    """Every rule a record must meet before it is saved; ``ValidationError`` by field."""
    record_text_check(instance=instance, exclude=exclude)
    if hasattr(instance, "slug") and not instance.slug:
        source = getattr(instance, "title", None) or getattr(instance, "name", "")
        instance.slug = slug_allocate(model=type(instance), text=source, exclude_pk=instance.pk)
    if isinstance(instance, Organisation):
        _parent_check(instance)
    # Non-editable fields (region, url_normalized) are derived in Model.save(), so still empty here.
    derived = [field.name for field in instance._meta.fields if not field.editable]
    try:
        instance.full_clean(exclude=[*exclude, *derived, *_unsaved_parents(instance)])
    except ValidationError as error:
        raise _on_fields(instance, error) from None


def _on_fields(instance: Model, error: ValidationError) -> ValidationError:
    """Move a check constraint's message from the record as a whole to the field it is about
    (each message keeps its code: the API tells a taken slug, code "unique", from bad input)."""
    fields = {
        str(c.violation_error_message): _CONSTRAINT_FIELDS[c.name]
        for c in instance._meta.constraints
        if c.name in _CONSTRAINT_FIELDS
    }
    by_field: dict[str, list[ValidationError]] = {}
    for field, errors in error.error_dict.items():
        for item in errors:
            message = item.messages[0] if item.messages else str(item)
            target = fields.get(message, field) if field == NON_FIELD_ERRORS else field
            by_field.setdefault(target, []).append(ValidationError(message, code=item.code))
    return ValidationError(by_field)


def _unsaved_parents(instance: Model) -> list[str]:
    """Links to a parent created in the same save (an admin inline's new organisation)."""
    return [
        field.name
        for field in instance._meta.concrete_fields
        if field.is_relation
        and field.is_cached(instance)
        and getattr(instance, field.name) is not None
        and getattr(instance, field.name).pk is None
    ]


def _parent_check(organisation: Organisation) -> None:
    seen = {organisation.pk} if organisation.pk else set()
    ancestor = organisation.parent
    while ancestor is not None and len(seen) < _MAX_ANCESTORS:
        if ancestor.pk in seen:
            raise ValidationError({"parent": "An organisation cannot be its own parent or ancestor."})
        seen.add(ancestor.pk)
        ancestor = ancestor.parent


@transaction.atomic
def record_save(*, instance: Model, data: dict | None = None, many: dict[str, Iterable] | None = None):
    """Apply ``data``, check every rule, save, then replace the given many-to-many links."""
    many = many or {}
    for name, value in (data or {}).items():
        setattr(instance, name, value)
    record_check(instance=instance, exclude=list(many))
    instance.save()
    for name, values in many.items():
        getattr(instance, name).set(values)
    return instance


def record_citations(*, instance: Model) -> list[Model]:
    """What would lose a reference if ``instance`` were deleted: protected rows and, for an
    announcement, the milestones and relations that cite it as evidence."""
    collector = Collector(using=router.db_for_write(type(instance)))
    try:
        collector.collect([instance])
    except (ProtectedError, RestrictedError) as error:
        citing = list(getattr(error, "protected_objects", None) or error.restricted_objects)
    else:
        citing = []
    if isinstance(instance, Announcement):
        # Evidence links are many-to-many: the database would drop them silently.
        citing += [*instance.milestones.all(), *instance.relations.all()]
    return citing


@transaction.atomic
def record_delete(*, instance: Model) -> None:
    """Delete a record unless something still cites it (``RecordInUse`` names what does)."""
    citing = record_citations(instance=instance)
    if citing:
        raise RecordInUse(instance, citing)
    instance.delete()
