"""Announcements: a dated, sourced statement with its organisations and quotes."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from milestones.domain.urls import normalize_url
from milestones.models import Announcement, Organisation, Quote
from milestones.services.records import record_check, version_check
from milestones.services.webhooks import webhooks_announcement_created


def announcement_url_check(*, url: str, exclude_pk: int | None = None) -> None:
    """Refuse a URL that normalises to one already recorded, naming the existing announcement."""
    existing = Announcement.objects.filter(url_normalized=normalize_url(url))
    if exclude_pk:
        existing = existing.exclude(pk=exclude_pk)
    duplicate = existing.only("title", "published_on").first()
    if duplicate:
        raise ValidationError(
            {"url": f"This article is already recorded as “{duplicate.title}” ({duplicate.published_on})."}
        )


def announcement_check(*, announcement: Announcement) -> None:
    """Every rule an announcement must meet before it is saved; ``ValidationError`` by field."""
    errors: dict = {}
    for check in (
        lambda: announcement_url_check(url=announcement.url, exclude_pk=announcement.pk),
        lambda: record_check(instance=announcement, exclude=("organisations",)),
    ):
        try:
            check()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def announcement_save(
    *,
    announcement: Announcement | None = None,
    data: dict,
    quotes: Iterable[dict] | None = None,
    expected_version: str | None = None,
) -> Announcement:
    """Create or change an announcement; given organisations and quotes replace the old ones."""
    announcement = announcement or Announcement()
    created = announcement.pk is None
    if announcement.pk:
        version_check(instance=announcement, expected=expected_version)
    data = dict(data)
    organisations: Iterable[Organisation] | None = data.pop("organisations", None)
    for name, value in data.items():
        setattr(announcement, name, value)
    announcement_check(announcement=announcement)
    announcement.save()
    if organisations is not None:
        announcement.organisations.set(organisations)
    if quotes is not None:
        announcement.quotes.all().delete()
        Quote.objects.bulk_create(
            Quote(announcement=announcement, position=quote.pop("position", index), **quote)
            for index, quote in enumerate(dict(q) for q in quotes)
        )
    if created:  # in this transaction, with its organisations and quotes in place
        webhooks_announcement_created(announcement=announcement)
    return announcement
