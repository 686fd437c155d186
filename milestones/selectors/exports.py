"""What exports read: the curated models of a backup, and the columns of flat exports, shared by the API's CSV and the admin's import/export
(which leaves out the API's own ``url``): one list per resource, so a file exported
from one can be imported through the other."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from django.db.models import Model

from milestones.models import (
    Announcement,
    Milestone,
    Organisation,
    Person,
    Publisher,
    Quote,
    Relation,
    Reminder,
    Subscription,
    TargetRevision,
)

# In dependency order. Reminders travel with subscriptions: without their
# "sent" rows a restored database would mail the last days' reminders again.
CURATED_MODELS = [
    Organisation,
    Relation,
    Person,
    Publisher,
    Announcement,
    Quote,
    Milestone,
    TargetRevision,
    Subscription,
    Reminder,
]
HISTORY_MODELS = [model.history.model for model in CURATED_MODELS if hasattr(model, "history")]


def exported_models(*, with_history: bool = True) -> list[type[Model]]:
    return [*CURATED_MODELS, *(HISTORY_MODELS if with_history else [])]


def export_counts(models: list[type[Model]]) -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in models}


def export_rows(models: list[type[Model]]) -> Iterator[Model]:
    """Every row of ``models``, in dependency order then by key, streamed in chunks."""
    return chain.from_iterable(
        model._default_manager.order_by("pk").iterator(chunk_size=2000) for model in models
    )


# The same fields in the same order wherever a record is shown or exchanged: the admin's
# forms, the API's representations and the flat exports.
MILESTONE_CLASSIFICATION = (
    "category",
    "technology",
    "electrolyte",
    "claim_strength",
    "semi_solid_called_solid_state",
)
ORGANISATION_FIELDS = (
    "slug",
    "name",
    "kind",
    "country",
    "region",
    "parent",
    "state_owned",
    "aliases",
    "fiscal_year_start_month",
    "founded",
    "website",
    "description",
)
ANNOUNCEMENT_SOURCE_FIELDS = (
    "slug",
    "title",
    "published_on",
    "publisher",
    "source_url",
    "paywalled",
    "original_source",
)

MILESTONE_COLUMNS = [
    "slug",
    "title",
    "owner",
    "owner_slug",
    "owner_country",
    "owner_region",
    "participants",
    *MILESTONE_CLASSIFICATION,
    "target_text",
    "target_edtf",
    "target_display",
    "target_start",
    "target_end",
    "target_approximate",
    "status",
    "overdue",
    "stale",
    "last_evidence_on",
    "achieved_on",
    "evidence",
    "url",
    "page_url",
]

ANNOUNCEMENT_COLUMNS = [
    *ANNOUNCEMENT_SOURCE_FIELDS,
    "organisations",
    "summary",
    "quotes",
    "url",
    "page_url",
]
