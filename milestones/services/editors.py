"""The Editors group and editors' API keys."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from knox.models import get_digest_token
from knox.settings import CONSTANTS

from milestones.models import ApiToken

EDITORS_GROUP = "Editors"
# Curating means every model of this app plus reading its change history;
# nothing in auth (users, groups), so editors cannot grant themselves more.
_CURATED_APPS = ("milestones",)
# An API key is made and revoked, never edited; the admin shows each editor only their own.
_NEVER_GRANTED = Q(content_type__model="apitoken", codename="change_apitoken")
# How stale "last used" may be: one write a minute per key at most, however busy the key.
LAST_USE_RESOLUTION = timedelta(minutes=1)


def editors_group_ensure(*, using: str = "default") -> Group:
    """Create or refresh the Editors group with exactly the curation permissions. Idempotent:
    permissions granted by older versions (such as reading every API token) are taken away."""
    group, _ = Group.objects.using(using).get_or_create(name=EDITORS_GROUP)
    permissions = (
        Permission.objects.using(using)
        .filter(content_type__app_label__in=_CURATED_APPS)
        # History and target revisions are written by the app itself, only read by people.
        .exclude(
            Q(content_type__model__startswith="historical") | Q(content_type__model="targetrevision"),
            ~Q(codename__startswith="view_"),
        )
        .exclude(_NEVER_GRANTED)
    )
    group.permissions.set(permissions)
    return group


@transaction.atomic
def api_token_create(*, user, name: str = "", rotate: bool = False) -> tuple[ApiToken, str]:
    """A new API key for ``user``: the stored row and the key itself. Only the key's hash is
    stored, so this is the one moment it can be shown. ``rotate`` first revokes the user's
    other keys."""
    if rotate:
        api_tokens_revoke(user=user)
    digest, key = get_digest_token()
    token = ApiToken(user=user, name=name, digest=digest, token_key=key[: CONSTANTS.TOKEN_KEY_LENGTH])
    token.full_clean()
    token.save()
    return token, key


def api_token_revoke(*, token: ApiToken, by) -> None:
    """Revoke one key. Its owner may; so may a superuser; nobody else."""
    if token.user_id != by.pk and not by.is_superuser:
        raise PermissionDenied("Only its owner or a superuser can revoke an API token.")
    ApiToken.objects.filter(pk=token.pk).delete()


def api_tokens_revoke(*, user) -> int:
    """Revoke every key of ``user``; how many there were."""
    deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


def api_token_touch(*, token: ApiToken, now: datetime | None = None) -> None:
    """Record that ``token`` was just used, unless that was recorded less than a minute ago."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USE_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def admin_ensure(*, username: str) -> str | None:
    """Create the superuser ``username`` with a generated password when no superuser exists;
    returns that password, or None when a superuser was already there."""
    users = get_user_model()._default_manager
    if users.filter(is_superuser=True).exists():
        return None
    password = secrets.token_urlsafe(12)
    users.create_superuser(username=username, email="", password=password)
    return password
