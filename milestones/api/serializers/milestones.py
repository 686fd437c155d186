"""Milestones: the list's hot path is built by hand; the detail adds revisions and reaffirmations."""

from __future__ import annotations

from datetime import date

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from milestones import selectors, services
from milestones.api.fields import MovedByField, PageLinkField, SelfLinkField, SummaryRelatedField, TargetField
from milestones.api.serializers.base import TIMESTAMPS, CuratedSerializer, slug_field
from milestones.api.shapes import (
    OUTSIDE_VIEW_REASON,
    AnnouncementSummarySerializer,
    OrganisationSummarySerializer,
    OutsideViewSerializer,
    RevisionSerializer,
    TargetSerializer,
    iso,
    iso_datetime,
    links,
)
from milestones.models import (
    Milestone,
)
from milestones.selectors.exports import MILESTONE_CLASSIFICATION

# Called hundreds of times per list page: plain functions, no serializer instances.
_organisation_summary = OrganisationSummarySerializer.build
_announcement_summary = AnnouncementSummarySerializer.build


class _RowContext:
    """What every row of a page shares, read from the serializer context once per page."""

    __slots__ = ("as_of", "link", "today", "views", "zone")

    def __init__(self, context: dict) -> None:
        self.as_of: date | None = context.get("as_of")
        self.link = links(context)
        self.today: date = self.as_of or context.get("today") or timezone.localdate()
        self.views: dict | None = context.get("outside_views")
        self.zone = timezone.get_current_timezone()

    @classmethod
    def of(cls, context: dict) -> _RowContext:
        found = context.get("row_context")
        if found is None:
            found = context["row_context"] = cls(context)
        return found


def milestone_row(instance: Milestone, row: _RowContext) -> dict:
    """The milestone's representation, built by hand: the list's hot path (see bench/api.py).
    The keys are the serializer's declared readable fields, which a test checks, and
    schemathesis checks the shapes."""
    if row.as_of and not getattr(instance, "_as_of", False):
        selectors.apply_as_of(instance)
    link = row.link
    evidence = selectors.prefetched(instance, "evidence")
    return {
        "url": link.api("milestone", instance.slug),
        "page_url": link.page(instance),
        "slug": instance.slug,
        "title": instance.title,
        "owner": _organisation_summary(getattr(instance, "owner_row", None) or instance.owner, link),
        "participants": [
            _organisation_summary(org, link) for org in selectors.prefetched(instance, "participants")
        ],
        "category": instance.category,
        "technology": instance.technology,
        "electrolyte": instance.electrolyte,
        "claim_strength": instance.claim_strength,
        "semi_solid_called_solid_state": instance.semi_solid_called_solid_state,
        "target": TargetSerializer.build(instance),
        "status": instance.status,
        "overdue": instance.is_overdue(row.today),
        "achieved_on": iso(instance.achieved_on),
        "evidence": [_announcement_summary(a, link) for a in evidence],
        "last_evidence_on": iso(selectors.last_evidence_date(instance, evidence)),
        "stale": selectors.is_stale(instance, today=row.today, evidence=evidence),
        **_outside_view_fields(instance, row),
        "description": instance.description,
        "created_at": iso_datetime(instance.created_at, row.zone),
        "updated_at": iso_datetime(instance.updated_at, row.zone),
    }


def _outside_view_fields(milestone: Milestone, row: _RowContext) -> dict:
    # The list computes the whole page's views at once (``page_context``); a detail or a
    # write's answer computes its one view here, in one query as well.
    view = row.views.get(milestone.pk) if row.views is not None else None
    if view is None:
        view = selectors.outside_view(milestone, today=row.today, as_of=row.as_of)
    if isinstance(view, selectors.OutsideView):
        return {"outside_view": OutsideViewSerializer.build(view), "outside_view_reason": None}
    return {"outside_view": None, "outside_view_reason": view.reason}


class MilestonePageSerializer(serializers.ListSerializer):
    """A page of milestones: the shared context is read once, each row built by a plain function."""

    def to_representation(self, data) -> list[dict]:
        row = _RowContext.of(self.context)
        return [milestone_row(instance, row) for instance in data]


class MilestoneSerializer(CuratedSerializer):
    url = SelfLinkField("milestone")
    page_url = PageLinkField()
    slug = slug_field(Milestone)
    owner = SummaryRelatedField(queryset=selectors.organisation_choices())
    participants = SummaryRelatedField(queryset=selectors.organisation_choices(), many=True, required=False)
    target = TargetField(
        help_text="Written as a phrase or EDTF ('FY2028', 'by 2030', '2030~') or {\"text\": ...}."
    )
    overdue = serializers.SerializerMethodField(help_text="The window has ended and it is not final.")
    last_evidence_on = serializers.SerializerMethodField(
        help_text="Date of the newest evidence (or of the record, when it has none)."
    )
    stale = serializers.SerializerMethodField(
        help_text="Not final and no new evidence for 12 months: 'unconfirmed since last_evidence_on'."
    )
    outside_view = serializers.SerializerMethodField(
        help_text="Open milestones with enough history: P50/P80 end dates from how comparable past "
        "claims slipped (see /methodology/); null otherwise, with `outside_view_reason` saying why."
    )
    outside_view_reason = serializers.SerializerMethodField(help_text=OUTSIDE_VIEW_REASON.help_text)
    evidence = SummaryRelatedField(queryset=selectors.announcement_choices(), many=True, required=False)
    moved_by = MovedByField(
        write_only=True,
        required=False,
        allow_null=True,
        help_text="Announcement (slug or id) that set or moved the target; kept with the revision "
        "and added to the evidence.",
    )
    api_names = {"target_text": "target"}

    class Meta:
        model = Milestone
        fields = (
            "url",
            "page_url",
            "slug",
            "title",
            "owner",
            "participants",
            *MILESTONE_CLASSIFICATION,
            "target",
            "status",
            "overdue",
            "achieved_on",
            "evidence",
            "last_evidence_on",
            "stale",
            "outside_view",
            "outside_view_reason",
            "description",
            "moved_by",
            *TIMESTAMPS,
        )
        read_only_fields = TIMESTAMPS
        list_serializer_class = MilestonePageSerializer

    def _as_of(self) -> date | None:
        return self.context.get("as_of")

    def to_representation(self, instance: Milestone) -> dict:
        """One milestone (a detail or a write's answer); a list page goes through
        :class:`MilestonePageSerializer`. Both build the row with :func:`milestone_row`."""
        return milestone_row(instance, _RowContext.of(self.context))

    def _outside_view_fields(self, milestone: Milestone) -> dict:
        return _outside_view_fields(milestone, _RowContext.of(self.context))

    @extend_schema_field(OutsideViewSerializer(allow_null=True))
    def get_outside_view(self, milestone: Milestone) -> dict | None:
        return self._outside_view_fields(milestone)["outside_view"]

    @extend_schema_field(OUTSIDE_VIEW_REASON)
    def get_outside_view_reason(self, milestone: Milestone) -> str | None:
        return self._outside_view_fields(milestone)["outside_view_reason"]

    @extend_schema_field(OpenApiTypes.DATE)
    def get_last_evidence_on(self, milestone: Milestone) -> str:
        return iso(selectors.last_evidence_date(milestone))

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_stale(self, milestone: Milestone) -> bool:
        return selectors.is_stale(milestone, today=self._as_of() or timezone.localdate())

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_overdue(self, milestone: Milestone) -> bool:
        return milestone.is_overdue(self._as_of() or self.context.get("today") or timezone.localdate())

    def _persist(self, instance: Milestone, data: dict, many: dict) -> Milestone:
        moved_by = data.pop("moved_by", None)
        request = self.context.get("request")
        return services.milestone_save(
            milestone=instance,
            data=data,
            moved_by=moved_by,
            recorded_by=getattr(request, "user", None),
        )


class MilestoneDetailSerializer(MilestoneSerializer):
    revisions = serializers.SerializerMethodField(help_text="Every change of the target, oldest first.")
    reaffirmations = serializers.SerializerMethodField(
        help_text="Later announcements that repeated the standing target without moving it."
    )

    class Meta(MilestoneSerializer.Meta):
        fields = (*MilestoneSerializer.Meta.fields, "revisions", "reaffirmations")

    def to_representation(self, instance: Milestone) -> dict:
        data = super().to_representation(instance)
        data["revisions"] = self.get_revisions(instance)
        data["reaffirmations"] = self.get_reaffirmations(instance)
        return data

    @extend_schema_field(AnnouncementSummarySerializer(many=True))
    def get_reaffirmations(self, milestone: Milestone) -> list[dict]:
        link = links(self.context)
        return [
            _announcement_summary(a, link)
            for a in selectors.reaffirmations(milestone, selectors.prefetched(milestone, "evidence"))
        ]

    @extend_schema_field(RevisionSerializer(many=True))
    def get_revisions(self, milestone: Milestone) -> list[dict]:
        as_of, link = self._as_of(), links(self.context)
        return [
            RevisionSerializer.build(revision, link)
            for revision in milestone.revisions.all()
            if as_of is None or revision.effective_on <= as_of
        ]
