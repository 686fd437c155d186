"""Reads: QuerySets with their joins already applied, and derived figures.

Pages, the API, feeds and reminders use these so that each path issues the
same, small number of queries however many rows it shows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import CharField, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import Announcement, Milestone, Organisation, Relation, TargetRevision


def milestone_list() -> QuerySet[Milestone]:
    """Milestones with owner, participants and evidence (with publishers) joined."""
    return Milestone.objects.select_related("owner").prefetch_related(
        Prefetch(
            "participants", queryset=Organisation.objects.only("id", "name", "slug", "country", "region")
        ),
        Prefetch(
            "evidence",
            queryset=Announcement.objects.select_related("publisher").order_by("published_on"),
        ),
    )


def milestone_detail() -> QuerySet[Milestone]:
    return milestone_list().prefetch_related(
        Prefetch("revisions", queryset=TargetRevision.objects.select_related("moved_by", "recorded_by"))
    )


def milestones_final_q() -> Q:
    return Q(status__in=Milestone.FINAL_STATUSES)


def milestones_overdue(*, today: date | None = None) -> QuerySet[Milestone]:
    """Not final and the window has ended: derived, never stored."""
    today = today or timezone.localdate()
    return milestone_list().filter(window_end__lt=today).exclude(milestones_final_q())


def milestones_upcoming(*, today: date | None = None, days: int = 365) -> QuerySet[Milestone]:
    today = today or timezone.localdate()
    return (
        milestone_list()
        .filter(window_end__gte=today, window_end__lte=date.fromordinal(today.toordinal() + days))
        .exclude(milestones_final_q())
    )


def organisation_search_q(text: str, prefix: str = "") -> Q:
    """Match an organisation by name or any alias (``prefix`` for related lookups)."""
    return Q(**{f"{prefix}name__icontains": text}) | Q(**{f"{prefix}aliases__icontains": text})


def organisation_relations(organisation: Organisation) -> QuerySet[Relation]:
    return (
        Relation.objects.filter(Q(source=organisation) | Q(target=organisation))
        .select_related("source", "target")
        .prefetch_related("evidence")
    )


@dataclass(frozen=True)
class TrackRecord:
    achieved_on_time: int = 0
    achieved_late: int = 0
    missed: int = 0
    slips: int = 0
    average_slip_months: float | None = None

    @property
    def total_judged(self) -> int:
        return self.achieved_on_time + self.achieved_late + self.missed


_DAYS_PER_MONTH = 365.25 / 12


def track_records(organisation_ids: list[int]) -> dict[int, TrackRecord]:
    """Track records for many organisations in two queries (owned milestones only)."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = Milestone.objects.filter(owner_id__in=organisation_ids).values_list(
        "owner_id", "status", "achieved_on", "window_end"
    )
    for owner_id, status, achieved_on, window_end in rows:
        if status == Milestone.Status.ACHIEVED:
            on_time = achieved_on is None or achieved_on <= window_end
            counts[owner_id]["achieved_on_time" if on_time else "achieved_late"] += 1
        elif status == Milestone.Status.MISSED:
            counts[owner_id]["missed"] += 1
    slips: dict[int, list[int]] = defaultdict(list)
    revisions = TargetRevision.objects.filter(
        milestone__owner_id__in=organisation_ids, old_end__isnull=False
    ).values_list("milestone__owner_id", "old_end", "new_end")
    for owner_id, old_end, new_end in revisions:
        if new_end > old_end:
            slips[owner_id].append((new_end - old_end).days)
    result = {}
    for org_id in organisation_ids:
        org_slips = slips.get(org_id, [])
        average = round(sum(org_slips) / len(org_slips) / _DAYS_PER_MONTH, 1) if org_slips else None
        result[org_id] = TrackRecord(
            **counts.get(org_id, {}), slips=len(org_slips), average_slip_months=average
        )
    return result


def track_record(organisation: Organisation) -> TrackRecord:
    return track_records([organisation.pk])[organisation.pk]


_AS_OF_FIELDS = {
    "target_text": "new_text",
    "target_edtf": "new_edtf",
    "target_display": "new_display",
    "window_start": "new_start",
    "window_end": "new_end",
}


def milestones_as_of(queryset: QuerySet[Milestone], day: date) -> QuerySet[Milestone]:
    """Milestones as they were believed on ``day``: target from the revision
    history, status from the change history; milestones not yet claimed then
    are left out. Rows carry ``asof_*`` annotations; call :func:`apply_as_of`
    on each to show them in place of today's values."""
    revisions = TargetRevision.objects.filter(milestone=OuterRef("pk"), effective_on__lte=day).order_by(
        "-effective_on", "-recorded_at", "-id"
    )
    statuses = Milestone.history.filter(id=OuterRef("pk"), history_date__date__lte=day).order_by(
        "-history_date", "-history_id"
    )
    annotations = {
        f"asof_{field}": Subquery(revisions.values(column)[:1]) for field, column in _AS_OF_FIELDS.items()
    }
    annotations["asof_status"] = Coalesce(
        Subquery(statuses.values("status")[:1]), Value("announced", output_field=CharField())
    )
    annotations["asof_achieved_on"] = Subquery(statuses.values("achieved_on")[:1])
    return queryset.filter(Exists(revisions)).annotate(**annotations)


def apply_as_of(milestone: Milestone) -> Milestone:
    """Copy ``asof_*`` annotations onto the instance (in memory only, never saved)."""
    for field in (*_AS_OF_FIELDS, "status", "achieved_on"):
        setattr(milestone, field, getattr(milestone, f"asof_{field}"))
    milestone.target_open_start = milestone.target_edtf.startswith("../")
    milestone.target_approximate = "~" in milestone.target_edtf or "%" in milestone.target_edtf
    milestone._as_of = True
    return milestone
