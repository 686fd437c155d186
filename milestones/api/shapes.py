"""What the API shows beside the resources themselves: links, summaries, targets, track
records, revisions and the error body.

Each read-only shape is one serializer class that both describes itself in the schema
(its declared fields) and writes the JSON (its ``build``). ``build`` is a plain function
rather than the generic serializer machinery: a 100-row milestone page holds several
hundred summaries, and the machinery would cost more than the rest of the response.
tests/test_api_schema.py validates real responses against the schema, so a key added to
``build`` but not declared (or the reverse) fails there.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, tzinfo
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from milestones.domain.outlook import REASONS
from milestones.http import RouteLinks, around
from milestones.models import Announcement, Milestone, Organisation, Person, Publisher, TargetRevision
from milestones.selectors import ClaimOutcome, OutsideView, ReferenceClass, SlipRecord, TrackRecord

_SLUG_KEY = "__key__"  # a page's slug placeholder, swapped for the row's


class Links:
    """Absolute API and page URLs for one request; reverse() runs once per route, not per row."""

    def __init__(self, request, *, origin: str | None = None) -> None:
        """Links for ``request``; without one (a webhook's payload), for ``origin``."""
        if origin is None:
            origin = request.build_absolute_uri("/")[:-1] if request is not None else ""
        self.origin = origin
        self._api = RouteLinks(self.origin)
        self._pages: dict[type, tuple[str, str]] = {}

    def api(self, route: str, key: Any) -> str:
        return self._api.url(f"api:{route}-detail", key, kwarg="pk" if route == "relation" else "slug")

    def page(self, obj: Any) -> str:
        # The model's own get_absolute_url(), asked once per model and request with a placeholder.
        # Light rows from the selectors name their model in ``page_model``.
        model = getattr(obj, "page_model", None) or type(obj)
        template = self._pages.get(model)
        if template is None:
            url = self.origin + model(slug=_SLUG_KEY).get_absolute_url()
            template = self._pages[model] = around(url, _SLUG_KEY)
        return f"{template[0]}{obj.slug}{template[1]}"


def links(context: dict) -> Links:
    found = context.get("links")
    if found is None:
        found = context["links"] = Links(context.get("request"))
    return found


def iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def iso_datetime(value: datetime, zone: tzinfo | None = None) -> str:
    """As DRF's DateTimeField writes it (current time zone, "Z" for UTC), at a fraction of the cost.
    A page passes the ``zone`` it looked up once."""
    text = timezone.localtime(value, zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class Shape(serializers.Serializer):
    """A read-only shape: declared fields for the schema, and a static ``build(obj, link)`` that
    each subclass defines for the response (called directly on hot paths, without an instance)."""

    build: Callable[[Any, Links], dict]

    def to_representation(self, instance: Any) -> dict:
        return self.build(instance, links(self.context))


class OrganisationSummarySerializer(Shape):
    slug = serializers.SlugField()
    name = serializers.CharField()
    country = serializers.CharField()
    region = serializers.ChoiceField(choices=Organisation._meta.get_field("region").choices)
    url = serializers.URLField()
    page_url = serializers.URLField()

    @staticmethod
    def build(org: Organisation, link: Links) -> dict:
        return {
            "slug": org.slug,
            "name": org.name,
            "country": str(org.country),
            "region": org.region,
            "url": link.api("organisation", org.slug),
            "page_url": link.page(org),
        }


class PublisherSummarySerializer(Shape):
    slug = serializers.SlugField()
    name = serializers.CharField()
    url = serializers.URLField()

    @staticmethod
    def build(publisher: Publisher, link: Links) -> dict:
        return {"slug": publisher.slug, "name": publisher.name, "url": link.api("publisher", publisher.slug)}


class PersonSummarySerializer(Shape):
    slug = serializers.SlugField()
    name = serializers.CharField()
    url = serializers.URLField()

    @staticmethod
    def build(person: Person, link: Links) -> dict:
        return {"slug": person.slug, "name": person.name, "url": link.api("person", person.slug)}


class AnnouncementSummarySerializer(Shape):
    slug = serializers.SlugField()
    title = serializers.CharField()
    published_on = serializers.DateField()
    publisher = PublisherSummarySerializer()
    paywalled = serializers.BooleanField()
    source_url = serializers.URLField(help_text="The article itself.")
    url = serializers.URLField()
    page_url = serializers.URLField()

    @staticmethod
    def build(announcement: Announcement, link: Links) -> dict:
        return {
            "slug": announcement.slug,
            "title": announcement.title,
            "published_on": announcement.published_on.isoformat(),
            "publisher": PublisherSummarySerializer.build(announcement.publisher, link),
            "paywalled": announcement.paywalled,
            "source_url": announcement.url,
            "url": link.api("announcement", announcement.slug),
            "page_url": link.page(announcement),
        }


SUMMARIES: dict[type, type[Shape]] = {
    Organisation: OrganisationSummarySerializer,
    Publisher: PublisherSummarySerializer,
    Person: PersonSummarySerializer,
    Announcement: AnnouncementSummarySerializer,
}


class TargetSerializer(Shape):
    edtf = serializers.CharField(help_text="ISO 8601-2 (EDTF), e.g. 2030~, ../2030, 2028-04/2029-03.")
    text = serializers.CharField(help_text="As the source said it.")
    display = serializers.CharField()
    start = serializers.DateField(help_text="First day of the window.")
    end = serializers.DateField(
        allow_null=True, help_text="Last day of the window: the deadline. Null when open-ended (2028/..)."
    )
    approximate = serializers.BooleanField()
    open_start = serializers.BooleanField(
        help_text="A deadline ('by 2030'): the window opens when it was said."
    )
    open_end = serializers.BooleanField(help_text="No end ('2028 onwards'); `end` is null.")
    relative_to = serializers.DateField(
        allow_null=True,
        help_text="The stating announcement's date a relative phrase ('next year') was read against; else null.",
    )

    @staticmethod
    def build(obj: Any, link: Links | None = None) -> dict:
        return {
            "edtf": obj.target_edtf,
            "text": obj.target_text,
            "display": obj.target_display,
            "start": obj.window_start.isoformat(),
            "end": iso(obj.window_end),
            "approximate": obj.target_approximate,
            "open_start": obj.target_open_start,
            "open_end": obj.window_end is None,
            "relative_to": iso(obj.target_relative_to),
        }


class TargetWriteSerializer(serializers.Serializer):
    """How a target may be written as an object (the schema's request side only)."""

    text = serializers.CharField(required=False, help_text="A phrase such as 'FY2028' or 'by 2030'.")
    edtf = serializers.CharField(required=False)


class TrackRecordSerializer(Shape):
    achieved_on_time = serializers.IntegerField()
    achieved_late = serializers.IntegerField()
    missed = serializers.IntegerField()
    slips = serializers.IntegerField(help_text="Times a deadline was moved later.")
    average_slip_months = serializers.FloatField(allow_null=True)

    @staticmethod
    def build(record: TrackRecord, link: Links | None = None) -> dict:
        return {
            "achieved_on_time": record.achieved_on_time,
            "achieved_late": record.achieved_late,
            "missed": record.missed,
            "slips": record.slips,
            "average_slip_months": record.average_slip_months,
        }


class ReferenceClassSerializer(Shape):
    kind = serializers.ChoiceField(choices=["owner", "category", "all"])
    key = serializers.CharField(help_text="The owner's slug, the category, or `all`.")
    label = serializers.CharField(help_text="e.g. 'Toyota', 'Vehicle launch', 'all claims'.")

    @staticmethod
    def build(reference_class: ReferenceClass, link: Links | None = None) -> dict:
        return {"kind": reference_class.kind, "key": reference_class.key, "label": reference_class.label}


class OutsideViewSerializer(Shape):
    """How late an open claim will be, judged by how comparable past claims slipped (see
    /methodology/): with a = ``stated_on`` and e = ``window_end``, P50 = e + (e − a) × the
    median slip ratio of the reference class, P80 = e + (e − a) × its 80th percentile."""

    p50 = serializers.DateField(help_text="Median end date, to the day (pages show the month).")
    p80 = serializers.DateField(help_text="80th-percentile end date.")
    n = serializers.IntegerField(help_text="Slip ratios in the reference class (at least 5).")
    reference_class = ReferenceClassSerializer()
    stated_on = serializers.DateField(help_text="a: when the current target was stated.")
    window_end = serializers.DateField(help_text="e: the end of the current target window.")

    @staticmethod
    def build(view: OutsideView, link: Links | None = None) -> dict:
        return {
            "p50": view.p50.isoformat(),
            "p80": view.p80.isoformat(),
            "n": view.n,
            "reference_class": ReferenceClassSerializer.build(view.reference_class),
            "stated_on": view.stated_on.isoformat(),
            "window_end": view.window_end.isoformat(),
        }


OUTSIDE_VIEW_REASON = serializers.ChoiceField(
    choices=REASONS,
    allow_null=True,
    help_text="Why `outside_view` is null: 'final' (achieved, missed or cancelled), 'not enough "
    "history' (fewer than 5 past claims with a slip ratio), 'not stated yet' (no target known "
    "on `as_of`), 'stated after its window ended'. Null when there is an outside view.",
)


class ClaimOutcomeSerializer(Shape):
    slug = serializers.SlugField()
    title = serializers.CharField()
    url = serializers.URLField()
    category = serializers.ChoiceField(choices=Milestone.Category.choices)
    stated_on = serializers.DateField(help_text="a0: when the claim was first stated.")
    first_end = serializers.DateField(
        allow_null=True, help_text="e0: the end of its first window (null: open-ended)."
    )
    outcome_on = serializers.DateField(
        allow_null=True,
        help_text="e1: the day achieved; for an open claim its window end or today, whichever is "
        "later (a lower bound); null for missed and cancelled claims.",
    )
    status = serializers.ChoiceField(choices=Milestone.Status.choices)
    ratio = serializers.FloatField(
        allow_null=True, help_text="(e1 − e0) / (e0 − a0); null when left out (see `note`)."
    )
    note = serializers.CharField(
        help_text="'achieved', 'open: lower bound', or why left out: 'missed', 'cancelled', "
        "'first horizon under 90 days'."
    )

    @staticmethod
    def build(outcome: ClaimOutcome, link: Links) -> dict:
        return {
            "slug": outcome.slug,
            "title": outcome.title,
            "url": link.api("milestone", outcome.slug),
            "category": outcome.category,
            "stated_on": outcome.stated_on.isoformat(),
            "first_end": iso(outcome.first_end),
            "outcome_on": iso(outcome.outcome_on),
            "status": outcome.status,
            "ratio": outcome.ratio,
            "note": outcome.note,
        }


class TrackRecordReportSerializer(Shape):
    """An organisation's track record and the slip ratios its outside views are built from."""

    organisation = OrganisationSummarySerializer()
    as_of = serializers.DateField(allow_null=True, help_text="The day it was computed for; null for today.")
    track_record = TrackRecordSerializer()
    claims = ClaimOutcomeSerializer(many=True, help_text="Its own claims, first stated first.")
    ratios = serializers.ListField(child=serializers.FloatField(), help_text="The claims' slip ratios.")
    on_time_rate = serializers.FloatField(
        allow_null=True, help_text="Achieved by the first window's end, over claims already judged."
    )
    miss_rate = serializers.FloatField(allow_null=True, help_text="Missed or cancelled, over all its claims.")

    @staticmethod
    def build(report: tuple[Organisation, date | None, TrackRecord, SlipRecord], link: Links) -> dict:
        organisation, as_of, record, slips = report
        return {
            "organisation": OrganisationSummarySerializer.build(organisation, link),
            "as_of": iso(as_of),
            "track_record": TrackRecordSerializer.build(record),
            "claims": [ClaimOutcomeSerializer.build(outcome, link) for outcome in slips.outcomes],
            "ratios": slips.ratios,
            "on_time_rate": slips.on_time_rate,
            "miss_rate": slips.miss_rate,
        }


class RevisionTargetSerializer(serializers.Serializer):
    """One side of a revision; built by :class:`RevisionSerializer`."""

    edtf = serializers.CharField()
    text = serializers.CharField()
    display = serializers.CharField()
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)


def _revision_target(revision: TargetRevision, prefix: str) -> dict | None:
    if prefix == "old" and not revision.old_edtf:
        return None
    return {
        "edtf": getattr(revision, f"{prefix}_edtf"),
        "text": getattr(revision, f"{prefix}_text"),
        "display": getattr(revision, f"{prefix}_display"),
        "start": iso(getattr(revision, f"{prefix}_start")),
        "end": iso(getattr(revision, f"{prefix}_end")),
    }


class RevisionSerializer(Shape):
    old = RevisionTargetSerializer(allow_null=True, help_text="Null for the original claim.")
    new = RevisionTargetSerializer()
    moved_by = AnnouncementSummarySerializer(allow_null=True)
    recorded_at = serializers.DateTimeField()
    effective_on = serializers.DateField(help_text="When the world learnt of this target.")
    note = serializers.CharField()

    @staticmethod
    def build(revision: TargetRevision, link: Links) -> dict:
        moved_by = revision.moved_by
        return {
            "old": _revision_target(revision, "old"),
            "new": _revision_target(revision, "new"),
            "moved_by": AnnouncementSummarySerializer.build(moved_by, link) if moved_by else None,
            "recorded_at": iso_datetime(revision.recorded_at),
            "effective_on": revision.effective_on.isoformat(),
            "note": revision.note,
        }


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True, help_text="Dotted path, e.g. target or quotes.1.text.")
    reason = serializers.CharField()


class ErrorSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = ErrorItemSerializer(many=True)
