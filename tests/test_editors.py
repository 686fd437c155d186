"""The Editors group and the admin login `make run` prints."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from milestones import services

pytestmark = pytest.mark.django_db


def codenames(group: Group) -> set[str]:
    return set(group.permissions.values_list("codename", flat=True))


def test_editors_group_exists_after_migrate():
    assert Group.objects.filter(name="Editors").exists()


def test_editors_curate_every_domain_model_but_not_users():
    perms = codenames(services.editors_group_ensure())
    for model in ("organisation", "relation", "person", "publisher", "announcement", "quote", "milestone"):
        assert {f"add_{model}", f"change_{model}", f"delete_{model}", f"view_{model}"} <= perms
    assert "view_targetrevision" in perms and "change_targetrevision" not in perms
    assert "view_historicalmilestone" in perms and "delete_historicalmilestone" not in perms
    assert not {p for p in perms if p.endswith(("_user", "_group", "_permission"))}


def test_ensuring_the_group_twice_changes_nothing():
    first = codenames(services.editors_group_ensure())
    assert codenames(services.editors_group_ensure()) == first
    assert Group.objects.filter(name="Editors").count() == 1


def test_ensure_admin_creates_one_login_and_prints_it(settings, tmp_path, django_user_model):
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    call_command("ensure_admin", stdout=out)
    password = (tmp_path / "admin-password.txt").read_text().strip()
    assert out.getvalue().count(f"Admin login: admin / {password}") == 2
    assert django_user_model.objects.filter(is_superuser=True).count() == 1
    assert django_user_model.objects.get(username="admin").check_password(password)
