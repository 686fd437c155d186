"""The API's viewsets: reads come from the selectors, writes go through the serializers to the
services. The list, retrieve and write actions are our own (not DRF's) for ETags and
If-Match, CSV export and the per-page loading of links."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponsePermanentRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes, schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from milestones import selectors, services
from milestones.models import Announcement, Milestone
from milestones.selectors.exports import ANNOUNCEMENT_COLUMNS, MILESTONE_COLUMNS

from . import csv_export, examples
from . import filters as api_filters
from . import serializers as api_serializers
from .etags import etag_for, if_match_tags, if_none_match
from .examples import Examples
from .exceptions import PreconditionFailed
from .parsers import OrjsonParser
from .renderers import CSVRenderer, Negotiation, OrjsonRenderer, csv_lines
from .schema import ApiSchema
from .shapes import TrackRecordReportSerializer, links

_ETAG = OpenApiParameter(
    "ETag", OpenApiTypes.STR, OpenApiParameter.HEADER, response=["200", "201"], description="Entity tag."
)
_IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="ETag from your last GET, or `*` to overwrite unconditionally. Required: 428 without it.",
)
_IF_NONE_MATCH = OpenApiParameter(
    "If-None-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description="Answer 304 if unchanged."
)
_FORMAT = OpenApiParameter(
    "format", OpenApiTypes.STR, enum=["json", "csv"], description="`csv`: every filtered row, as CSV."
)
_AS_OF = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    description="Show targets and statuses as recorded on this day (YYYY-MM-DD). "
    "Filters and ordering still use today's values.",
)


_AS_OF_TRACK_RECORD = OpenApiParameter(
    "as_of",
    OpenApiTypes.DATE,
    description="The track record and ratios as they would have been computed on this day, "
    "from what was known then (YYYY-MM-DD).",
)


def documented(*, csv: bool = False, as_of: bool = False, examples: Examples | None = None):
    """The headers and parameters every curated viewset shares, and its examples, for the schema."""
    extra = [_AS_OF] if as_of else []
    parameters = {
        "retrieve": [*extra, _ETAG, _IF_NONE_MATCH],
        "create": [_ETAG],
        "update": [_IF_MATCH, _ETAG],
        "partial_update": [_IF_MATCH, _ETAG],
    }
    actions = examples.actions(parameters) if examples else {}
    return extend_schema_view(
        list=extend_schema(parameters=[*extra, *([_FORMAT] if csv else [])]),
        **{
            action: actions.get(action) or extend_schema(parameters=given)
            for action, given in parameters.items()
        },
        destroy=extend_schema(parameters=[_IF_MATCH]),
    )


class CuratedViewSet(viewsets.ModelViewSet):
    """CRUD with ETags and If-Match; reads are open, writes need the model permissions."""

    schema = ApiSchema()
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"  # slugs are ASCII; anything else is a 404 before the database
    parser_classes = [OrjsonParser]
    content_negotiation_class = Negotiation
    filter_backends = [DjangoFilterBackend]
    csv_columns: list[str] | None = None

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # Building a FilterSet and its form costs more than a small page: skip it when no
        # filter is asked for (the default ordering is already on the queryset).
        filterset_class = getattr(self, "filterset_class", None)
        if filterset_class and not set(self.request.query_params) & set(filterset_class.base_filters):
            return queryset
        return super().filter_queryset(queryset)

    def get_renderers(self) -> list:
        renderers = super().get_renderers()
        if self.csv_columns and getattr(self, "action", None) == "list":
            renderers.append(CSVRenderer())
        return renderers

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        context["links"] = links(context)
        return context

    def detail_queryset(self) -> QuerySet:
        return self.list_queryset()

    def as_of(self) -> date | None:
        """The ``as_of`` day a read asks for, or None."""
        if self.request.method not in ("GET", "HEAD") or "as_of" not in self.request.query_params:
            return None
        field = serializers.DateField()
        try:
            return field.run_validation(self.request.query_params["as_of"])
        except serializers.ValidationError as error:
            raise serializers.ValidationError({"as_of": error.detail}) from None

    def list_queryset(self) -> QuerySet:
        """The rows a list reads, with their joins; each resource overrides it."""
        return self.queryset

    def get_queryset(self) -> QuerySet:
        if getattr(self, "action", None) == "list":
            return self.list_queryset()
        return self.detail_queryset()

    def list(self, request: Request, *args, **kwargs) -> Response | StreamingHttpResponse:
        queryset = self.filter_queryset(self.get_queryset())
        if isinstance(request.accepted_renderer, CSVRenderer):
            return self.csv_response(queryset)
        page = self.paginate_queryset(queryset)
        serializer = self.get_serializer(page, many=True, context=self.page_context(page))
        return self.get_paginated_response(serializer.data)

    def page_context(self, page: list) -> dict:
        return self.get_serializer_context()

    def csv_response(self, queryset: QuerySet) -> StreamingHttpResponse:
        context = self.get_serializer_context()
        rows = (self.csv_row(obj, context) for obj in queryset.iterator(chunk_size=500))
        response = StreamingHttpResponse(
            csv_lines(self.csv_columns, rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{self.basename}s.csv"'
        return response

    def csv_row(self, obj, context: dict) -> dict:
        """One CSV line; resources with ``csv_columns`` build richer rows."""
        return {column: getattr(obj, column, "") for column in self.csv_columns or []}

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        data = self.get_serializer(self.get_object()).data
        etag = etag_for(data)
        if if_none_match(request, etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        if request.method == "HEAD":
            return Response(headers={"ETag": etag})  # HEAD answers the headers only
        return Response(data, headers={"ETag": etag})

    def finalize_response(self, request: Request, response, *args, **kwargs):
        # An error asked for as CSV is still explained in JSON.
        if response.status_code >= 400 and isinstance(
            getattr(request, "accepted_renderer", None), CSVRenderer
        ):
            request.accepted_renderer, request.accepted_media_type = OrjsonRenderer(), "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    def _fresh(self, pk: int) -> dict:
        """The saved object as a later GET would show it (with its links and revisions)."""
        return self.get_serializer(self.detail_queryset().get(pk=pk)).data

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved = serializer.save()
        data = self._fresh(saved.pk)
        return Response(
            data, status=status.HTTP_201_CREATED, headers={"ETag": etag_for(data), "Location": data["url"]}
        )

    def _checked_object(self):
        """The object, its row locked and its version compared with If-Match by the service.

        The object is read whole once, after the lock (a read before it could be stale by
        the time the write lands); before it only its id is looked up, for the 404."""
        queryset = self.filter_queryset(self.get_queryset()).order_by().values_list("pk", flat=True)
        lookup = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        pk = get_object_or_404(queryset, **{self.lookup_field: lookup})
        tags = if_match_tags(self.request)
        read: list = []

        def current(row) -> str:
            # After the lock: the representation as it is now, not as first read.
            read.append(self.get_object())
            return etag_for(self.get_serializer(read[-1]).data)

        try:
            services.version_check(instance=queryset.model(pk=pk), expected=tags, current=current)
        except services.StaleWrite as error:
            raise PreconditionFailed(str(error)) from None
        return read[-1] if read else self.get_object()

    def update(self, request: Request, *args, partial: bool = False, **kwargs) -> Response:
        with transaction.atomic():
            instance = self._checked_object()
            serializer = self.get_serializer(instance, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            saved = serializer.save()
        data = self._fresh(saved.pk)
        return Response(data, headers={"ETag": etag_for(data)})

    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        with transaction.atomic():
            services.record_delete(instance=self._checked_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@documented(csv=True, as_of=True, examples=examples.MILESTONE)
class MilestoneViewSet(CuratedViewSet):
    """Commercialisation claims with their fuzzy targets; `as_of` shows what was believed then."""

    serializer_class = api_serializers.MilestoneSerializer
    filterset_class = api_filters.MilestoneFilter
    csv_columns = MILESTONE_COLUMNS

    def get_serializer_class(self):
        if self.action == "list":
            return api_serializers.MilestoneSerializer
        return api_serializers.MilestoneDetailSerializer

    def list_queryset(self) -> QuerySet:
        if isinstance(getattr(self.request, "accepted_renderer", None), CSVRenderer):
            return selectors.milestones_for_api_csv(as_of=self.as_of())
        return selectors.milestones_for_api(as_of=self.as_of())

    def paginate_queryset(self, queryset: QuerySet) -> list | None:
        # Participants and evidence for the whole page in two queries (see the selector).
        return selectors.milestone_page_links(super().paginate_queryset(queryset))

    def page_context(self, page: list) -> dict:
        # Outside views for the whole page from one read of every claim, not one per row.
        context = self.get_serializer_context()
        context["today"] = timezone.localdate()
        context["outside_views"] = selectors.outside_views(
            page, today=context["today"], as_of=context["as_of"]
        )
        return context

    def detail_queryset(self) -> QuerySet:
        return selectors.milestone_details_for_api(as_of=self.as_of())

    def get_serializer_context(self) -> dict:
        context = super().get_serializer_context()
        context["as_of"] = self.as_of()
        return context

    def csv_row(self, milestone: Milestone, context: dict) -> dict:
        return csv_export.milestone_row(milestone, context)


@documented(csv=True, examples=examples.ANNOUNCEMENT)
class AnnouncementViewSet(CuratedViewSet):
    """Dated, sourced statements with their quotes."""

    serializer_class = api_serializers.AnnouncementSerializer
    filterset_class = api_filters.AnnouncementFilter
    csv_columns = ANNOUNCEMENT_COLUMNS

    def list_queryset(self) -> QuerySet:
        return selectors.announcements_for_api()

    def csv_row(self, announcement: Announcement, context: dict) -> dict:
        return csv_export.announcement_row(announcement, context)


@documented(examples=examples.ORGANISATION)
class OrganisationViewSet(CuratedViewSet):
    """Companies, consortia, agencies and institutes, with their track record."""

    serializer_class = api_serializers.OrganisationSerializer
    filterset_class = api_filters.OrganisationFilter

    def list_queryset(self) -> QuerySet:
        return selectors.organisations_for_api()

    def page_context(self, page: list) -> dict:
        # Track records for the whole page in two queries instead of two per organisation.
        context = self.get_serializer_context()
        context["track_records"] = selectors.track_records([org.pk for org in page])
        return context

    @extend_schema(parameters=[_AS_OF_TRACK_RECORD], responses=TrackRecordReportSerializer)
    @action(detail=True, methods=["get"], url_path="track-record", url_name="track-record")
    def track_record(self, request: Request, *args, **kwargs) -> Response:
        """Its track record and the slip ratio of each of its claims: what its outside views are
        computed from (see /methodology/)."""
        organisation, as_of = self.get_object(), self.as_of()
        report = (
            organisation,
            as_of,
            selectors.track_record_as_of(organisation, as_of=as_of),
            selectors.slip_record(organisation, today=timezone.localdate(), as_of=as_of),
        )
        return Response(TrackRecordReportSerializer.build(report, links(self.get_serializer_context())))


@documented()
class RelationViewSet(CuratedViewSet):
    """Membership, ownership, supply, investment and litigation between organisations."""

    serializer_class = api_serializers.RelationSerializer
    filterset_class = api_filters.RelationFilter
    lookup_field = "pk"
    lookup_value_regex = r"[0-9]+"

    def list_queryset(self) -> QuerySet:
        return selectors.relations_for_api()


@documented(examples=examples.PERSON)
class PersonViewSet(CuratedViewSet):
    """Speakers of quotes."""

    serializer_class = api_serializers.PersonSerializer
    filterset_class = api_filters.PersonFilter

    def list_queryset(self) -> QuerySet:
        return selectors.people_for_api()


@documented(examples=examples.PUBLISHER)
class PublisherViewSet(CuratedViewSet):
    """News outlets and other sources."""

    serializer_class = api_serializers.PublisherSerializer
    filterset_class = api_filters.PublisherFilter

    def list_queryset(self) -> QuerySet:
        return selectors.publishers_for_api()


@csrf_exempt
def organizations_moved(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """/api/v1/organizations/… (the old spelling) to /api/v1/organisations/…, query string kept.

    308, not 301: a client repeats a POST, PUT or PATCH with its method and body."""
    canonical = reverse("api:organisation-list")[:-1]  # the old prefix has the same length
    return HttpResponsePermanentRedirect(
        canonical + request.get_full_path()[len(canonical) :], preserve_request=True
    )


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@permission_classes([AllowAny])
@schema(None)
def not_found(request: Request, *args, **kwargs) -> Response:
    raise exceptions.NotFound("There is no such resource under /api/v1/.")
