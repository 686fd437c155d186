"""The Editors group and editors' API tokens."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from rest_framework.authtoken.models import Token

EDITORS_GROUP = "Editors"
# Curating means every model of this app plus reading its change history;
# nothing in auth (users, groups), so editors cannot grant themselves more.
_CURATED_APPS = ("milestones",)
_EXTRA_PERMISSIONS = (("authtoken", "view_tokenproxy"),)


def editors_group_ensure(*, using: str = "default") -> Group:
    """Create or refresh the Editors group with exactly the curation permissions. Idempotent."""
    group, _ = Group.objects.using(using).get_or_create(name=EDITORS_GROUP)
    extra = Q()
    for app_label, codename in _EXTRA_PERMISSIONS:
        extra |= Q(content_type__app_label=app_label, codename=codename)
    permissions = (
        Permission.objects.using(using)
        .filter(Q(content_type__app_label__in=_CURATED_APPS) | extra)
        # History and target revisions are written by the app itself, only read by people.
        .exclude(
            Q(content_type__model__startswith="historical") | Q(content_type__model="targetrevision"),
            ~Q(codename__startswith="view_"),
        )
    )
    group.permissions.set(permissions)
    return group


@transaction.atomic
def api_token_create(*, user, rotate: bool = False) -> Token:
    """The user's API token, created if needed; ``rotate`` replaces an existing one."""
    if rotate:
        Token.objects.filter(user=user).delete()
    token, _ = Token.objects.get_or_create(user=user)
    return token


def api_token_revoke(*, user) -> bool:
    """Delete the user's token; False when there was none."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)


def admin_ensure(*, username: str) -> str | None:
    """Create the superuser ``username`` with a generated password when no superuser exists;
    returns that password, or None when a superuser was already there."""
    users = get_user_model()._default_manager
    if users.filter(is_superuser=True).exists():
        return None
    password = secrets.token_urlsafe(12)
    users.create_superuser(username=username, email="", password=password)
    return password
