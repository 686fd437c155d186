"""``Authorization: Token <key>`` checked against the hashed keys (django-rest-knox)."""

from __future__ import annotations

import re

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions

from milestones import services

# What we issue ("ssb_" and 64 hex digits; 40 hex digits for keys converted from DRF's tokens).
# Anything else is refused before it reaches the database: NUL bytes, non-UTF-8, megabytes.
_KEY_SHAPE = re.compile(rb"[A-Za-z0-9_]{20,100}")


class TokenAuthentication(KnoxTokenAuthentication):
    """Knox's hashed keys under DRF's header, recording when each key was last used."""

    def authenticate_credentials(self, token: bytes):
        if not _KEY_SHAPE.fullmatch(token):
            raise exceptions.AuthenticationFailed("Invalid token.")
        user, api_token = super().authenticate_credentials(token)
        services.api_token_touch(token=api_token)
        return user, api_token

    def _cleanup_token(self, auth_token) -> bool:
        # Knox also sweeps the user's other expired keys here, one more query on every
        # request. Our keys do not expire by themselves (REST_KNOX TOKEN_TTL is None), so
        # only an expiry set by hand is honoured, and the expired key is just refused.
        return auth_token.expiry is not None and auth_token.expiry < timezone.now()


class TokenScheme(OpenApiAuthenticationExtension):
    """The schema's ``tokenAuth``, as it was with DRF's tokens: the header and its prefix."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
