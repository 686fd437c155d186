"""``DELETE /api/v1/token/``: a program revokes the API key it is using (a leaked key, a retired script)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from milestones import services

from .authentication import TokenAuthentication


class TokenRevokeView(APIView):
    # Only a key can revoke itself: a browser session has no key here (and so needs no CSRF).
    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={204: OpenApiResponse(description="Revoked: this key no longer works.")},
        summary="Revoke the API key this request is made with",
    )
    def delete(self, request: Request) -> Response:
        services.api_token_revoke(token=request.auth, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
