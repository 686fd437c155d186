"""Announcements: a dated, sourced statement with its organisations and quotes."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from milestones.domain.urls import UrlRefused, normalize_url, url_check
from milestones.models import Announcement, Organisation, Quote
from milestones.services.records import record_check, version_check
from milestones.services.webhooks import webhooks_announcement_created


def announcement_url_check(*, url: str, exclude_pk: int | None = None) -> None:
    """Refuse a URL that cannot be opened, or that normalises to one already recorded
    (naming the existing announcement)."""
    try:
        url_check(url)
    except UrlRefused as refusal:
        raise ValidationError({"url": str(refusal)}) from None
    existing = Announcement.objects.filter(url_normalized=normalize_url(url))
    if exclude_pk:
        existing = existing.exclude(pk=exclude_pk)
    duplicate = existing.only("title", "published_on").first()
    if duplicate:
        message = f"This article is already recorded as “{duplicate.title}” ({duplicate.published_on})."
        raise ValidationError({"url": ValidationError(message, code="unique")})


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
        rows = [
            Quote(announcement=announcement, position=quote.pop("position", index), **quote)
            for index, quote in enumerate(dict(q) for q in quotes)
        ]
        for row in rows:
            try:
                # The announcement and a given speaker are saved records: full_clean would look
                # each up again, two queries per quote. A missing speaker is still refused.
                linked = ("announcement", "speaker") if row.speaker_id else ("announcement",)
                record_check(instance=row, exclude=linked)
            except ValidationError as error:
                messages = [f"{name}: {m}" for name, ms in error.message_dict.items() for m in ms]
                raise ValidationError({"quotes": messages}) from None
        announcement.quotes.all().delete()
        Quote.objects.bulk_create(rows)
    if created:  # in this transaction, with its organisations and quotes in place
        webhooks_announcement_created(announcement=announcement)
    return announcement
