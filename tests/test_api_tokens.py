"""API keys: stored only as hashes, shown once, each editor sees and revokes only their own,
last use recorded at most once a minute, and never written to a log."""

from __future__ import annotations

import importlib
import io
import logging
import pkgutil
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from knox.crypto import hash_token

import milestones.migrations
from milestones import services
from milestones.models import ApiToken
from tests.api_support import API, relaxed_throttle, send  # noqa: F401

pytestmark = pytest.mark.django_db

TOKENS = "/admin/milestones/apitoken/"
KEY_ON_PAGE = re.compile(r'id="api-key"[^>]*value="([^"]+)"')


@pytest.fixture
def root(django_user_model):
    return django_user_model.objects.create_superuser(username="ada", password="admin-pass-42", email="")


def admin_made_key(client: Client, name: str) -> str:
    """Make a key on the admin's add page, as an editor does, and read it off the answer."""
    response = client.post(f"{TOKENS}add/", {"name": name})
    assert response.status_code == 200, response.content
    return KEY_ON_PAGE.search(response.content.decode()).group(1)


def writes_with(key: str) -> int:
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    return send(client, "patch", f"{API}/organisations/catl/", {"founded": "2011"}, if_match="*").status_code


def test_a_key_made_in_the_admin_is_shown_once_and_stored_only_as_its_hash(editor_client, editor, seed):
    response = editor_client.post(f"{TOKENS}add/", {"name": "news desk"})
    page = response.content.decode()
    key = KEY_ON_PAGE.search(page).group(1)
    assert "shown only this once" in page and "no-store" in response["Cache-Control"]
    stored = ApiToken.objects.get(user=editor)
    assert stored.name == "news desk" and stored.digest == hash_token(key)
    assert key not in repr(list(ApiToken.objects.values()))  # no column holds the key
    assert key not in editor_client.get(TOKENS).content.decode()  # the list never shows it again
    assert writes_with(key) == 200


def test_an_editor_never_sees_another_users_key(editor_client, root):
    services.api_token_create(user=root, name="root automation")
    own = admin_made_key(editor_client, "mine")
    listing = editor_client.get(TOKENS).content.decode()
    assert "mine" in listing and own[:12] in listing
    assert "root automation" not in listing and "ada" not in listing


def test_a_superuser_sees_every_key_but_no_key_itself(root, editor):
    _, key = services.api_token_create(user=editor, name="edna's script")
    client = Client()
    client.force_login(root)
    listing = client.get(TOKENS).content.decode()
    assert "edna&#x27;s script" in listing and key[:12] in listing and key not in listing


def test_an_editor_cannot_revoke_another_users_key(editor_client, root):
    token, _ = services.api_token_create(user=root, name="root automation")
    editor_client.post(TOKENS, {"action": "revoke", "_selected_action": [token.pk]})
    editor_client.post(f"{TOKENS}{token.pk}/delete/", {"post": "yes"})
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_an_editor_revokes_a_key_on_its_delete_page(editor_client, editor, seed):
    key = admin_made_key(editor_client, "old laptop")
    token = ApiToken.objects.get(user=editor)
    assert editor_client.post(f"{TOKENS}{token.pk}/delete/", {"post": "yes"}).status_code == 302
    assert writes_with(key) == 401


def test_an_editor_revokes_their_own_key_in_the_admin(editor_client, editor, seed):
    key = admin_made_key(editor_client, "old laptop")
    token = ApiToken.objects.get(user=editor)
    response = editor_client.post(TOKENS, {"action": "revoke", "_selected_action": [token.pk]}, follow=True)
    assert "1 key(s) revoked." in response.content.decode()
    assert writes_with(key) == 401


def test_the_superuser_key_no_longer_lets_an_editor_write_as_the_superuser(editor_client, root):
    """The attack of issue 11: the Editors group could read every key in plain text."""
    _, root_key = services.api_token_create(user=root, name="root automation")
    assert not editor_client.get(TOKENS).content.decode().count(root_key[:12])
    assert not services.editors_group_ensure().permissions.filter(content_type__app_label="authtoken")
    assert "root automation" not in editor_client.get(f"{TOKENS}?q=root").content.decode()


def test_a_program_revokes_the_key_it_uses(editor, seed):
    _, key = services.api_token_create(user=editor)
    _, other = services.api_token_create(user=editor)
    response = Client(HTTP_AUTHORIZATION=f"Token {key}").delete(f"{API}/token/")
    assert response.status_code == 204
    assert writes_with(key) == 401
    assert writes_with(other) == 200  # the user's other keys are untouched


def test_revoking_through_the_api_needs_a_key(editor_client):
    for client in (Client(), editor_client):  # anonymous; a browser session has no key to revoke
        response = client.delete(f"{API}/token/")
        assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(
    "credentials",
    ["nope", "\x00" * 30, "ssb_" + "\xff" * 40, "a" * 10_000, "ssb_" + "0" * 64],
    ids=["short", "nul", "not-utf8", "huge", "unknown"],
)
def test_a_malformed_or_unknown_key_is_401_not_500(db, credentials):
    response = Client().get(f"{API}/milestones/", HTTP_AUTHORIZATION=f"Token {credentials}")
    assert response.status_code == 401 and response.json()["detail"] == "Invalid token."


def test_last_use_is_recorded_at_most_once_a_minute(editor):
    token, key = services.api_token_create(user=editor)
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        client.get(f"{API}/publishers/")
    token.refresh_from_db()
    assert token.last_used_at == start
    with (
        time_machine.travel(start + timedelta(seconds=59), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        client.get(f"{API}/publishers/")
    # A read within the minute stays a read: one query for the key and its user, no write.
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        client.get(f"{API}/publishers/")
    token.refresh_from_db()
    assert token.last_used_at == start + timedelta(seconds=61)


@pytest.mark.usefixtures("relaxed_throttle")
def test_a_key_costs_one_query_beside_an_anonymous_read(editor):
    """The key and its user in one query (as DRF's plain tokens did); knox's sweep of the user's
    other expired keys, one more query on every request, is left out (keys do not expire)."""
    _, key = services.api_token_create(user=editor)
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    client.get(f"{API}/publishers/")  # records the last use: the one write of this minute

    def queries(client: Client) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{API}/publishers/").status_code == 200
        return len(captured)

    assert queries(client) == queries(Client()) + 1


def test_keys_never_reach_the_logs(editor_client, editor, seed, caplog):
    with caplog.at_level(logging.DEBUG):
        key = admin_made_key(editor_client, "desk")
        out = io.StringIO()
        call_command("api_token", "create", "edna", stdout=out)
        assert writes_with(key) == 200 and writes_with(out.getvalue().strip()) == 200
        Client(HTTP_AUTHORIZATION=f"Token {key}").delete(f"{API}/token/")
        assert writes_with(key) == 401
    assert caplog.records  # the requests were logged ...
    logged = caplog.text + "".join(repr(record.__dict__) for record in caplog.records)
    assert key not in logged and out.getvalue().strip() not in logged  # ... without their keys
    assert key[4:] not in logged  # nor without the prefix


def test_editors_may_make_and_revoke_keys_but_never_edit_them(editors_group):
    perms = set(services.editors_group_ensure().permissions.values_list("codename", flat=True))
    assert {"add_apitoken", "view_apitoken", "delete_apitoken"} <= perms
    assert "change_apitoken" not in perms


def legacy_token_permission() -> Permission:
    """DRF's token admin permission, as a database from before hashed keys still holds it."""
    content_type, _ = ContentType.objects.get_or_create(app_label="authtoken", model="tokenproxy")
    return Permission.objects.create(content_type=content_type, codename="view_tokenproxy", name="x")


def test_ensuring_the_editors_group_takes_away_reading_every_token(editors_group):
    editors_group.permissions.add(legacy_token_permission())
    services.editors_group_ensure()
    assert not editors_group.permissions.filter(codename="view_tokenproxy").exists()


def hashing_migration():
    [name] = [
        m.name for m in pkgutil.iter_modules(milestones.migrations.__path__) if "hashed_api_tokens" in m.name
    ]
    return importlib.import_module(f"milestones.migrations.{name}")


@pytest.mark.django_db(transaction=True)
def test_the_migration_hashes_existing_drf_tokens_and_drops_the_plain_ones(django_user_model, seed):
    """A database from before: DRF's ``authtoken_token`` with a plain key. After the migration
    the same key still writes, only its hash is stored, and the plain table is gone."""
    editor = django_user_model.objects.create_user(username="olga", password="x-curate-42")
    editor.groups.add(services.editors_group_ensure())
    legacy_key = "0123456789abcdef0123456789abcdef01234567"
    permission = legacy_token_permission()
    created = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)
    with connection.schema_editor() as schema:
        schema.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp with time zone,"
            " user_id integer NOT NULL)"
        )
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
                [legacy_key, connection.ops.adapt_datetimefield_value(created), editor.pk],
            )
        with connection.schema_editor() as schema:
            hashing_migration().convert_drf_tokens(apps, schema)
        assert "authtoken_token" not in connection.introspection.table_names()
        token = ApiToken.objects.get(user=editor)
        assert token.digest == hash_token(legacy_key) and token.created == created
        assert writes_with(legacy_key) == 200
        assert not Permission.objects.filter(pk=permission.pk).exists()
    finally:
        with connection.schema_editor() as schema:
            schema.execute("DROP TABLE IF EXISTS authtoken_token")
