"""Reads: QuerySets with their joins already applied, and derived figures.

Pages, the API, feeds and reminders use these so that each path issues the
same, small number of queries however many rows it shows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from milestones.models import Announcement, Milestone, Organisation, Quote, Relation, TargetRevision

from .search import (
    StoredVector,
    announcement_text_q,
    milestone_text_q,
    organisation_search_q,
    search_query,
    use_full_text,
)


def milestone_list() -> QuerySet[Milestone]:
    """Milestones with owner, participants and evidence (with publishers) joined, as lists in
    ``participants_list`` and ``evidence_list`` (read them with :func:`prefetched`)."""
    return Milestone.objects.select_related("owner").prefetch_related(
        Prefetch(
            "participants",
            queryset=Organisation.objects.only("id", "name", "slug", "country", "region"),
            to_attr="participants_list",
        ),
        Prefetch(
            "evidence",
            queryset=Announcement.objects.select_related("publisher").order_by("published_on"),
            to_attr="evidence_list",
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


def track_record_of(counts: dict[str, int], slip_days: list[int]) -> TrackRecord:
    """A track record from outcome counts and the days each later-moved deadline slipped."""
    average = round(sum(slip_days) / len(slip_days) / _DAYS_PER_MONTH, 1) if slip_days else None
    return TrackRecord(**counts, slips=len(slip_days), average_slip_months=average)


def track_records(organisation_ids: list[int]) -> dict[int, TrackRecord]:
    """Track records for many organisations in two queries (owned milestones only)."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = Milestone.objects.filter(owner_id__in=organisation_ids).values_list(
        "owner_id", "status", "achieved_on", "window_end"
    )
    for owner_id, status, achieved_on, window_end in rows:
        if status == Milestone.Status.ACHIEVED:
            on_time = achieved_on is None or window_end is None or achieved_on <= window_end
            counts[owner_id]["achieved_on_time" if on_time else "achieved_late"] += 1
        elif status == Milestone.Status.MISSED:
            counts[owner_id]["missed"] += 1
    slips: dict[int, list[int]] = defaultdict(list)
    revisions = TargetRevision.objects.filter(
        milestone__owner_id__in=organisation_ids, old_end__isnull=False, new_end__isnull=False
    ).values_list("milestone__owner_id", "old_end", "new_end")
    for owner_id, old_end, new_end in revisions:
        if new_end > old_end:
            slips[owner_id].append((new_end - old_end).days)
    return {
        org_id: track_record_of(counts.get(org_id, {}), slips.get(org_id, [])) for org_id in organisation_ids
    }


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


@dataclass(frozen=True)
class MilestoneFilters:
    """What a reader can narrow the timeline by; every field comes from the URL."""

    region: str = ""
    country: str = ""
    kind: str = ""
    organisation: str = ""  # slug; matches owner or participant
    technology: str = ""
    category: str = ""
    status: str = ""
    claim_strength: str = ""
    text: str = ""
    year_from: int | None = None
    year_to: int | None = None


def milestones_filter(queryset: QuerySet[Milestone], filters: MilestoneFilters) -> QuerySet[Milestone]:
    """Apply reader filters; the year range keeps milestones whose window overlaps it."""
    exact = {
        "owner__region": filters.region,
        "owner__country": filters.country,
        "owner__kind": filters.kind,
        "technology": filters.technology,
        "category": filters.category,
        "status": filters.status,
        "claim_strength": filters.claim_strength,
    }
    queryset = queryset.filter(**{field: value for field, value in exact.items() if value})
    if filters.organisation:
        # A consortium's milestone also belongs on its members' timelines.
        involved = Milestone.participants.through.objects.filter(
            milestone_id=OuterRef("pk"), organisation__slug=filters.organisation
        )
        queryset = queryset.filter(Q(owner__slug=filters.organisation) | Exists(involved))
    if filters.text:
        queryset = queryset.filter(milestone_text_q(filters.text))
    if filters.year_from:
        queryset = queryset.filter(
            Q(window_end__gte=date(filters.year_from, 1, 1)) | Q(window_end__isnull=True)
        )
    if filters.year_to:
        queryset = queryset.filter(window_start__lte=date(filters.year_to, 12, 31))
    return queryset


def milestone_timeline() -> QuerySet[Milestone]:
    """:func:`milestone_list` plus what the chart and calendars draw: the first
    stated target (``first_revisions``, one row) and ``revision_count``."""
    revision_count = (
        TargetRevision.objects.filter(milestone=OuterRef("pk"))
        .order_by()
        .values("milestone")
        .annotate(total=Count("id"))
        .values("total")
    )
    return (
        milestone_list()
        .prefetch_related(
            Prefetch(
                "revisions",
                # The original claim is the one revision without an old target.
                queryset=TargetRevision.objects.filter(old_edtf="").order_by("recorded_at", "id"),
                to_attr="first_revisions",
            )
        )
        .annotate(revision_count=Coalesce(Subquery(revision_count), Value(0)))
    )


RACE_REGIONS = ("china", "japan", "south_korea", "north_america", "europe")
RACE_CATEGORIES = ("vehicle_launch", "start_of_production", "supply_chain")


def race_leaders() -> dict[tuple[str, str], list[Milestone]]:
    """Per (region, category): live or achieved milestones, earliest deadline first."""
    rows = (
        Milestone.objects.select_related("owner")
        .filter(owner__region__in=RACE_REGIONS, category__in=RACE_CATEGORIES)
        .exclude(status__in=(Milestone.Status.MISSED, Milestone.Status.CANCELLED))
        .order_by(F("window_end").asc(nulls_last=True), "window_start", "title")
    )
    board: dict[tuple[str, str], list[Milestone]] = defaultdict(list)
    for milestone in rows:
        board[(milestone.owner.region, milestone.category)].append(milestone)
    return board


def search_organisations(text: str, *, full_text: bool | None = None) -> QuerySet[Organisation]:
    matches = organisation_search_q(text)
    if use_full_text(full_text):
        vector = SearchVector("name", "aliases", "description", config="simple")
        query = SearchQuery(text, config="simple", search_type="websearch")
        matches |= Q(pk__in=Organisation.objects.annotate(sv=vector).filter(sv=query).values("pk"))
    return Organisation.objects.filter(matches).order_by("name")


def search_milestones(text: str, *, full_text: bool | None = None) -> QuerySet[Milestone]:
    """Best match first (title words outrank the rest; a match by organisation alone
    ranks 0), then the earliest deadline. ``full_text`` None: whatever the database offers."""
    found = milestone_list().filter(milestone_text_q(text, full_text=full_text))
    if not use_full_text(full_text):
        return found.order_by(F("window_end").asc(nulls_last=True), "title")
    ranked = found.annotate(rank=SearchRank(StoredVector(), search_query(text)))
    return ranked.order_by("-rank", F("window_end").asc(nulls_last=True), "title")


def search_announcements(text: str, *, full_text: bool | None = None) -> QuerySet[Announcement]:
    found = Announcement.objects.select_related("publisher").filter(
        announcement_text_q(text, full_text=full_text)
    )
    if not use_full_text(full_text):
        return found.order_by("-published_on", "title")
    ranked = found.annotate(rank=SearchRank(StoredVector(), search_query(text)))
    return ranked.order_by("-rank", "-published_on", "title")


def announcement_detail() -> QuerySet[Announcement]:
    return Announcement.objects.select_related("publisher", "original_source").prefetch_related(
        Prefetch("quotes", queryset=Quote.objects.select_related("speaker__affiliation")),
        Prefetch("organisations", queryset=Organisation.objects.order_by("name")),
        Prefetch("milestones", queryset=Milestone.objects.select_related("owner")),
    )


def milestone_status_changes(*, limit: int) -> list[dict]:
    """Recent status changes from the change history, newest first.

    History rows are compared with the row before them for the same milestone;
    only milestones among the newest ``limit * 4`` history rows are read, so the
    cost is bounded however long the history grows."""
    History = Milestone.history.model
    recent_ids = set(History.objects.order_by("-history_date").values_list("id", flat=True)[: limit * 4])
    rows = History.objects.filter(id__in=recent_ids).order_by("id", "history_date", "history_id")
    changes, previous = [], None
    for row in rows.values("history_id", "id", "status", "history_date", "title", "slug", "achieved_on"):
        if previous and previous["id"] == row["id"] and previous["status"] != row["status"]:
            changes.append({**row, "old_status": previous["status"]})
        previous = row
    changes.sort(key=lambda change: change["history_date"], reverse=True)
    return changes[:limit]


def target_moves(*, limit: int) -> QuerySet[TargetRevision]:
    """Recent target changes (not the first claims), newest first."""
    return (
        TargetRevision.objects.exclude(old_edtf="")
        .select_related("milestone__owner", "moved_by__publisher")
        .order_by("-recorded_at", "-id")[:limit]
    )


def freshness(*, descriptions: bool = False) -> tuple:
    """Cheap fingerprint of everything pages and feeds show: changes when any row
    is added, edited or deleted (counts catch deletions that leave no timestamp).

    Only pages that show or search milestone descriptions (``descriptions=True``)
    change when a description alone is edited; the timeline, lists and calendars do not."""
    changed = "updated_at" if descriptions else "listed_changed_at"
    milestones = Milestone.objects.aggregate(last=Max(changed), n=Count("id"))
    revisions = TargetRevision.objects.aggregate(last=Max("recorded_at"), n=Count("id"))
    announcements = Announcement.objects.aggregate(last=Max("updated_at"), n=Count("id"))
    organisations = Organisation.objects.aggregate(last=Max("updated_at"), n=Count("id"))
    rows = (milestones, revisions, announcements, organisations)
    stamps = [row["last"] for row in rows if row["last"]]
    return (max(stamps) if stamps else None, tuple(row["n"] for row in rows))
