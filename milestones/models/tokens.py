"""Editors' API keys, stored only as a hash (django-rest-knox): a key is shown once, when it is made."""

from __future__ import annotations

from django.db import models
from knox.models import AbstractAuthToken
from knox.settings import CONSTANTS


class ApiToken(AbstractAuthToken):
    """One API key of one user. ``digest`` is the key's SHA-512 and ``token_key`` its first
    15 characters (the lookup index): neither lets anyone write with it."""

    # A plain id, so admin URLs and log lines never carry the digest.
    id = models.BigAutoField(primary_key=True)
    digest = models.CharField(max_length=CONSTANTS.DIGEST_LENGTH, unique=True)
    name = models.CharField(
        max_length=100, blank=True, help_text="What the key is for, e.g. “import script on the news desk”."
    )
    # Written at most once a minute per key (services.api_token_touch), so reads stay reads.
    last_used_at = models.DateTimeField("last used", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name or 'API token'} ({self.key_hint})"

    @property
    def key_hint(self) -> str:
        """Enough of the key's start to tell keys apart ("ssb_" and 8 of its 64 hex digits)."""
        return f"{self.token_key[:12]}…"
