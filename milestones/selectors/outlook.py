"""Reads for the outside view: every claim's facts in one query, judged in Python by the
domain (milestones/domain/outlook.py), so a forecast for one milestone or a page of 500 costs
the same single query.

``as_of`` gives the view as it would have been computed that day: only revisions that were
public by then (``effective_on``), statuses as recorded by then (the change history, as
``milestones_as_of`` reads them), and that day as "today".
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.db import connection
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery

from milestones.domain.outlook import (
    Claim,
    ClaimOutcome,
    NoOutsideView,
    OutsideView,
    ReferenceClass,
    ReferenceClasses,
    SlipRecord,
)
from milestones.domain.outlook import slip_record as _slip_record
from milestones.models import Milestone, Organisation, TargetRevision

from .milestones import TrackRecord, milestones_as_of, track_record, track_record_of

__all__ = [
    "ClaimOutcome",
    "NoOutsideView",
    "OutsideView",
    "ReferenceClass",
    "SlipRecord",
    "claims_known",
    "outside_view",
    "outside_views",
    "slip_record",
    "track_record_as_of",
]

_CATEGORY_LABELS = dict(Milestone.Category.choices)


def _revisions_known(as_of: date | None) -> QuerySet[TargetRevision]:
    revisions = TargetRevision.objects.filter(milestone=OuterRef("pk"))
    return revisions.filter(effective_on__lte=as_of) if as_of else revisions


def _claim_rows(as_of: date | None, owner_id: int | None) -> QuerySet:
    """One row per milestone stated by ``as_of`` (or ever): first and latest revision, status."""
    revisions = _revisions_known(as_of)
    # The original claim is the first revision recorded; the current target the last one
    # (with as_of, the last one public that day, ordered as milestones_as_of orders them).
    first = revisions.order_by("recorded_at", "id")
    if as_of:
        latest = revisions.order_by("-effective_on", "-recorded_at", "-id")
        queryset = milestones_as_of(Milestone.objects.order_by(), as_of)
        known = {"status": F("asof_status"), "achieved": F("asof_achieved_on"), "end": F("asof_window_end")}
    else:
        latest = revisions.order_by("-recorded_at", "-id")
        queryset = Milestone.objects.order_by().filter(Exists(revisions))
        known = {"status": F("status"), "achieved": F("achieved_on"), "end": F("window_end")}
    if owner_id is not None:
        queryset = queryset.filter(owner_id=owner_id)
    return queryset.annotate(
        first_stated_on=Subquery(first.values("effective_on")[:1]),
        first_end=Subquery(first.values("new_end")[:1]),
        stated_on=Subquery(latest.values("effective_on")[:1]),
        known_status=known["status"],
        known_achieved_on=known["achieved"],
        known_window_end=known["end"],
    ).values_list(
        "id",
        "slug",
        "title",
        "owner_id",
        "owner__slug",
        "owner__name",
        "category",
        "first_stated_on",
        "first_end",
        "stated_on",
        "known_window_end",
        "known_status",
        "known_achieved_on",
    )


def claims_known(*, as_of: date | None = None, owner_id: int | None = None) -> list[Claim]:
    """Every claim's facts as known on ``as_of`` (or now), in one query."""
    claims = []
    for row in _claim_rows(as_of, owner_id):
        (pk, slug, title, owner, owner_slug, owner_name, category, *dates, status, achieved_on) = row
        first_stated_on, first_end, stated_on, window_end = dates
        claims.append(
            Claim(
                milestone_id=pk,
                slug=slug,
                title=title,
                owner_id=owner,
                owner_slug=owner_slug,
                owner_name=owner_name,
                category=category,
                category_label=str(_CATEGORY_LABELS.get(category, category)),
                first_stated_on=first_stated_on,
                first_end=first_end,
                stated_on=stated_on,
                window_end=window_end,
                status=status,
                achieved_on=achieved_on,
            )
        )
    return claims


def outside_views(
    milestones: Iterable[Milestone], *, today: date, as_of: date | None = None
) -> dict[int, OutsideView | NoOutsideView]:
    """The outside view of each milestone, by id, from one read of every claim."""
    ids = [milestone.pk for milestone in milestones]
    if not ids:
        return {}
    by_id, classes = _judged(today=today) if as_of is None else _judge(claims_known(as_of=as_of), as_of)
    return {pk: classes.outside_view(by_id.get(pk)) for pk in ids}


def _judge(claims: list[Claim], today: date) -> tuple[dict[int, Claim], ReferenceClasses]:
    return {claim.milestone_id: claim for claim in claims}, ReferenceClasses(claims, today=today)


# This process's latest judgement: (fingerprint stamp, expiry, judged). Kept in memory, not
# in the shared cache: unpickling 10,000 judged claims from Redis or locmem cost more
# (50-100 ms) than the query that checks they still hold. Each worker judges once per change.
_memo: tuple[str, float, tuple[dict[int, Claim], ReferenceClasses]] | None = None


def _judged(*, today: date) -> tuple[dict[int, Claim], ReferenceClasses]:
    """Today's claims and classes, kept while the claims' fingerprint holds: reading and
    judging every claim costs tens of milliseconds at 10,000 milestones, the fingerprint one
    small query."""
    global _memo
    seconds = settings.OUTLOOK_CACHE_SECONDS
    if not seconds:
        return _judge(claims_known(), today)
    stamp = repr((_claims_fingerprint(), today))
    now = time.monotonic()
    if _memo is not None and _memo[0] == stamp and _memo[1] > now:
        return _memo[2]
    judged = _judge(claims_known(), today)
    _memo = (stamp, now + seconds, judged)
    return judged


def _claims_fingerprint() -> tuple:
    """Changes whenever a claim, its revisions or an organisation change, or one is deleted.

    Counts catch deletions, the highest id and the newest ``listed_changed_at``/``recorded_at``/
    ``updated_at`` an insert or an edit. A milestone's ``listed_changed_at`` does not move when
    only its description is edited, so every worker keeps its judgement then. Three scalar subqueries in one round trip: a
    third of the cost of aggregating over the join of the three tables."""
    tables = [model._meta.db_table for model in (Milestone, TargetRevision, Organisation)]
    milestones, revisions, organisations = (connection.ops.quote_name(table) for table in tables)
    sql = (
        f"SELECT (SELECT COUNT(*) FROM {milestones}), (SELECT MAX(id) FROM {milestones}),"
        f" (SELECT MAX(listed_changed_at) FROM {milestones}), (SELECT COUNT(*) FROM {revisions}),"
        f" (SELECT MAX(id) FROM {revisions}), (SELECT MAX(recorded_at) FROM {revisions}),"
        f" (SELECT MAX(updated_at) FROM {organisations})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def outside_view(
    milestone: Milestone, *, today: date, as_of: date | None = None
) -> OutsideView | NoOutsideView:
    return outside_views([milestone], today=today, as_of=as_of)[milestone.pk]


def slip_record(organisation: Organisation, *, today: date, as_of: date | None = None) -> SlipRecord:
    """The organisation's own claims (owned, not taken part in) with their ratios and rates."""
    return _slip_record(claims_known(as_of=as_of, owner_id=organisation.pk), today=as_of or today)


def track_record_as_of(organisation: Organisation, *, as_of: date | None = None) -> TrackRecord:
    """:func:`track_record` as it stood on ``as_of``: statuses and targets known then, and only
    the moves made public by then. Without ``as_of``, today's track record."""
    if as_of is None:
        return track_record(organisation)
    counts = {"achieved_on_time": 0, "achieved_late": 0, "missed": 0}
    for claim in claims_known(as_of=as_of, owner_id=organisation.pk):
        if claim.achieved_by(as_of):
            on_time = claim.achieved_on is not None and (
                claim.window_end is None or claim.achieved_on <= claim.window_end
            )
            counts["achieved_on_time" if on_time else "achieved_late"] += 1
        elif claim.status == Milestone.Status.MISSED:
            counts["missed"] += 1
    moves = TargetRevision.objects.filter(
        milestone__owner=organisation, old_end__isnull=False, new_end__isnull=False, effective_on__lte=as_of
    ).values_list("old_end", "new_end")
    return track_record_of(
        counts, [(new_end - old_end).days for old_end, new_end in moves if new_end > old_end]
    )
