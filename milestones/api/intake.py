"""``POST /api/v1/intake/`` reads an article into proposals (nothing written);
``POST /api/v1/intake/apply/`` writes the proposals an editor selected, in one transaction."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from milestones import selectors, services

from .exceptions import Conflict
from .parsers import OrjsonParser
from .schema import ApiSchema
from .serializers.intake import (
    IntakeAppliedSerializer,
    IntakeApplySerializer,
    IntakeProposalsSerializer,
    IntakeRequestSerializer,
)
from .shapes import links

# Short, so schemathesis' examples phase can send them as written against the seed data.
_ARTICLE = (
    "Nissan plans to launch cars with all-solid-state batteries in FY2028. "
    "Toyota wants solid-state cars on the road in 2027/28. "
    '"We will be first," said Ouyang Minggao.'
)
INTAKE_EXAMPLE = {
    "text": _ARTICLE,
    "url": "https://example.org/solid-state-race",
    "published_on": "2025-02-13",
    "publisher": "electrive",
    "title": "The solid-state race",
    "include_third_party": False,
}
APPLY_EXAMPLE = {
    "announcement": {
        "title": "The solid-state race",
        "published_on": "2025-02-13",
        "publisher": "electrive",
        "source_url": "https://example.org/solid-state-race",
    },
    "claims": [
        {"owner": "catl", "phrase": "by 2030", "category": "supply_chain", "strength": "aims"},
        {
            "owner": "nissan",
            "phrase": "FY2028",
            "category": "vehicle_launch",
            "kind": "repeat",
            "milestone": "nissan-solid-state-cars-fy2028",
        },
    ],
    "quotes": [{"text": "We will be first.", "speaker": "ouyang-minggao"}],
    "mentioned": ["catl", "nissan"],
}
# The service names the article's address ``url``; the API calls it ``source_url`` everywhere.
_API_NAMES = {"announcement.url": "announcement.source_url"}


class IsIntakeEditor(BasePermission):
    """Confirming writes every kind of record: an editor's rights over all of them."""

    message = "Reading and confirming articles needs the Editors group."

    def has_permission(self, request: Request, view) -> bool:
        return services.intake_allowed(request.user)


class _IntakeView(APIView):
    schema = ApiSchema()
    parser_classes = [OrjsonParser]
    permission_classes = [IsIntakeEditor]


class IntakeView(_IntakeView):
    @extend_schema(
        request=IntakeRequestSerializer,
        responses={200: IntakeProposalsSerializer},
        examples=[OpenApiExample("article", value=INTAKE_EXAMPLE, request_only=True)],
        summary="Read an article and propose the records it supports (nothing is written)",
    )
    def post(self, request: Request) -> Response:
        serializer = IntakeRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reading = services.intake_propose(
            text=data.get("html") or data.get("text", ""),
            url=data.get("url", ""),
            published_on=data.get("published_on"),
            publisher=data.get("publisher", ""),
            title=data.get("title", ""),
            include_third_party=data["include_third_party"],
        )
        found = reading.proposals
        records = selectors.intake_records(
            organisation_slugs={m.slug for m in found.organisations if m.slug}
            | {c.owner_slug for c in found.claims if c.owner_slug}
            | {q.affiliation_slug for q in found.quotes if q.affiliation_slug},
            person_slugs={q.speaker_slug for q in found.quotes if q.speaker_slug},
        )
        return Response(IntakeProposalsSerializer.build(reading, links({"request": request}), records))


class IntakeApplyView(_IntakeView):
    @extend_schema(
        request=IntakeApplySerializer,
        responses={
            201: IntakeAppliedSerializer,
            200: OpenApiResponse(
                IntakeAppliedSerializer, description="Everything selected was already there."
            ),
        },
        examples=[OpenApiExample("selection", value=APPLY_EXAMPLE, request_only=True)],
        summary="Write the selected proposals in one transaction (a second confirm creates nothing)",
    )
    def post(self, request: Request) -> Response:
        serializer = IntakeApplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = services.intake_apply(selection=serializer.selection(), user=request.user)
        except DjangoValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            by_field = {_API_NAMES.get(k, k): v for k, v in error.message_dict.items()}
            if all(e.code == "unique" for errors in error.error_dict.values() for e in errors):
                raise Conflict("That value is taken by another record.", field_errors=by_field) from None
            raise exceptions.ValidationError(by_field) from None
        answer = IntakeAppliedSerializer.build(result, links({"request": request}))
        code = status.HTTP_201_CREATED if result.created or result.updated else status.HTTP_200_OK
        return Response(answer, status=code, headers={"Location": answer["announcement"]["url"]})
