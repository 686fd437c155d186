"""``POST /api/v1/subscriptions/``: ask for reminders by email (double opt-in).

The answer is the same 202 whether the address is new, pending or already
subscribed, so the endpoint cannot be used to learn who follows what.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from milestones import selectors, services
from milestones.http import client_address
from milestones.models import Reminder, Subscription

ACCEPTED = "If this address can receive reminders, a confirmation link has been sent to it."


class SubscriptionRequestSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    scope = serializers.ChoiceField(choices=Subscription.Scope.choices)
    milestone = serializers.SlugRelatedField(
        slug_field="slug", queryset=selectors.milestone_choices(), required=False, allow_null=True
    )
    organisation = serializers.SlugRelatedField(
        slug_field="slug", queryset=selectors.organisation_choices(), required=False, allow_null=True
    )
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=Reminder.Kind.choices),
        required=False,
        allow_empty=False,
        help_text="Lead times; all of them when left out.",
    )

    def validate(self, data: dict) -> dict:
        scope = data["scope"]
        if scope == Subscription.Scope.MILESTONE and not data.get("milestone"):
            raise ValidationError({"milestone": "Required when scope is 'milestone' (a milestone slug)."})
        if scope == Subscription.Scope.ORGANISATION and not data.get("organisation"):
            raise ValidationError(
                {"organisation": "Required when scope is 'organisation' (an organisation slug)."}
            )
        return data


class SubscriptionRequestView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []  # anonymous by design; no session means no CSRF to trip over

    @extend_schema(
        request=SubscriptionRequestSerializer,
        responses={
            202: inline_serializer("SubscriptionAccepted", {"detail": serializers.CharField()}),
            400: OpenApiResponse(description="A field is missing or invalid; the body names it."),
            429: OpenApiResponse(description="Too many sign-ups from this client in the last hour."),
        },
        summary="Subscribe an email address to deadline reminders",
    )
    def post(self, request: Request) -> Response:
        serializer = SubscriptionRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        if not services.subscribe_rate_allows(client=client_address(request)):
            raise Throttled(detail="Too many subscription requests from this client; try again in an hour.")
        data = serializer.validated_data
        try:
            services.subscription_request(
                email=data["email"],
                scope=data["scope"],
                milestone=data.get("milestone"),
                organisation=data.get("organisation"),
                kinds=data.get("kinds"),
            )
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        return Response({"detail": ACCEPTED}, status=status.HTTP_202_ACCEPTED)
