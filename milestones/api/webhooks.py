"""``/api/v1/webhooks/``: a user's own endpoints, their delivery log, tests and redeliveries.

Any authenticated user may register endpoints (with whatever the API authenticates by);
each sees and changes only their own: someone else's endpoint is a 404, as if it did not
exist. The rules (safe URLs, known events, organisations) are the services'.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from milestones import selectors, services
from milestones.models import WebhookEndpoint

from .parsers import OrjsonParser
from .schema import _ERRORS
from .serializers.webhooks import (
    WebhookDeliveryDetailSerializer,
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
    WebhookSecretSerializer,
)
from .shapes import ErrorSerializer, iso_datetime


class WebhookSchema(AutoSchema):
    """The errors an owner-only operation can give (every one needs a login)."""

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        error = self.resolve_serializer(ErrorSerializer, direction).ref
        codes = ["400", "401", "429"] + (["404"] if "{" in self.path else [])
        codes += ["403"] if self.method != "GET" else []  # a session without its CSRF token
        for code in codes:
            responses.setdefault(
                code, {"description": _ERRORS[code], "content": {"application/json": {"schema": error}}}
            )
        return responses


def _service(call, *args, **kwargs):
    """Run a service; its ValidationError becomes a 400 naming the field."""
    try:
        return call(*args, **kwargs)
    except DjangoValidationError as error:
        detail = error.message_dict if hasattr(error, "error_dict") else {"non_field_errors": error.messages}
        raise serializers.ValidationError(detail) from None


class WebhookEndpointViewSet(viewsets.GenericViewSet):
    """Your webhook endpoints: signed events (Standard Webhooks) about milestones and announcements."""

    schema = WebhookSchema()
    permission_classes = [IsAuthenticated]
    parser_classes = [OrjsonParser]
    serializer_class = WebhookEndpointSerializer
    lookup_value_regex = r"[0-9]{1,18}"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.webhook_endpoints_of(self.request.user)

    def get_object(self) -> WebhookEndpoint:
        endpoint = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if endpoint is None:
            raise Http404  # someone else's looks exactly like one that does not exist
        return endpoint

    def _data(self, endpoint: WebhookEndpoint) -> dict:
        return WebhookEndpointSerializer(endpoint).data

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response([self._data(endpoint) for endpoint in page])

    @extend_schema(responses={201: WebhookEndpointCreatedSerializer})
    def create(self, request: Request) -> Response:
        incoming = WebhookEndpointSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        endpoint, secret = _service(
            services.webhook_endpoint_create, owner=request.user, data=dict(incoming.validated_data)
        )
        body = {**self._data(self.get_queryset().get(pk=endpoint.pk)), "secret": secret}
        location = request.build_absolute_uri(f"{endpoint.pk}/")
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self._data(self.get_object()))

    def partial_update(self, request: Request, pk: str) -> Response:
        endpoint = self.get_object()
        incoming = WebhookEndpointSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        _service(services.webhook_endpoint_update, endpoint=endpoint, data=dict(incoming.validated_data))
        return Response(self._data(self.get_object()))

    def destroy(self, request: Request, pk: str) -> Response:
        services.webhook_endpoint_delete(endpoint=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=WebhookSecretSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret", url_name="rotate-secret")
    def rotate_secret(self, request: Request, pk: str) -> Response:
        """A new secret, shown only now; for 24 hours calls are signed with the old one too."""
        endpoint = self.get_object()
        secret = services.webhook_endpoint_rotate_secret(endpoint=endpoint)
        return Response(
            {"secret": secret, "previous_secret_valid_until": iso_datetime(endpoint.previous_secret_until)}
        )

    @extend_schema(request=None, responses={202: WebhookDeliverySerializer})
    @action(detail=True, methods=["post"])
    def test(self, request: Request, pk: str) -> Response:
        """Send a ``ping`` event now; its delivery (and how the receiver answered) is in the log."""
        endpoint = self.get_object()
        delivery = services.webhook_ping(endpoint=endpoint)
        return Response(self._delivery(endpoint, delivery.pk), status=status.HTTP_202_ACCEPTED)

    def _delivery(self, endpoint: WebhookEndpoint, delivery_id, serializer=WebhookDeliverySerializer) -> dict:
        found = selectors.webhook_delivery_log(endpoint).filter(pk=delivery_id).first()
        if found is None:
            raise Http404
        return serializer(found).data

    @extend_schema(responses=WebhookDeliverySerializer(many=True))
    @action(detail=True, methods=["get"])
    def deliveries(self, request: Request, pk: str) -> Response:
        """Every event sent to this endpoint, newest first, each with every attempt."""
        page = self.paginate_queryset(selectors.webhook_delivery_log(self.get_object()))
        return self.get_paginated_response([WebhookDeliverySerializer(d).data for d in page])

    @extend_schema(responses=WebhookDeliveryDetailSerializer)
    @action(detail=True, methods=["get"], url_path=r"deliveries/(?P<delivery_id>[0-9]{1,18})")
    def delivery(self, request: Request, pk: str, delivery_id: str) -> Response:
        """One delivery with the event's body as sent."""
        endpoint = self.get_object()
        return Response(self._delivery(endpoint, delivery_id, WebhookDeliveryDetailSerializer))

    @extend_schema(request=None, responses={202: OpenApiResponse(WebhookDeliverySerializer)})
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>[0-9]{1,18})/redeliver",
        url_name="redeliver",
    )
    def redeliver(self, request: Request, pk: str, delivery_id: str) -> Response:
        """Send it again now, with the same ``webhook-id``."""
        endpoint = self.get_object()
        delivery = selectors.webhook_delivery_log(endpoint).filter(pk=delivery_id).first()
        if delivery is None:
            raise Http404
        services.webhook_redeliver(delivery=delivery)
        return Response(self._delivery(endpoint, delivery.pk), status=status.HTTP_202_ACCEPTED)
