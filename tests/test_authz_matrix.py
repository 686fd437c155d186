"""Who may do what: every page, feed, admin screen and API endpoint, for each
persona (anonymous, logged-in reader, editor, admin) and each HTTP method."""

from __future__ import annotations

import pytest
from django.test import Client

from milestones.models import Relation
from tests.api_support import token_client
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "reader", "editor", "admin")
MILESTONE = "/milestones/toyota-first-solid-state-cars-2027-28/"

READER_PAGES = [
    "/", "/embed/", "/upcoming/", "/overdue/", "/race/", "/search/?q=CATL", MILESTONE,
    "/organisations/catl/", "/announcements/china-launches-solid-state-battery-offensive/",
    "/feeds/timeline.ics", "/organisations/catl/calendar.ics", "/feeds/announcements.atom",
    "/feeds/changes.atom", "/healthz", "/api/v1/schema/", "/api/v1/docs/", "/api/v1/redoc/",
]  # fmt: skip

API_COLLECTIONS = ["organisations", "relations", "people", "publishers", "announcements", "milestones"]


@pytest.fixture
def world(seed, editor, django_user_model):
    PersonFactory(name="Spare", slug="spare")
    django_user_model.objects.create_superuser(username="ada", password="admin-pass-42", email="")


def browser_client(persona: str, django_user_model) -> Client:
    client = Client()
    names = {"reader": None, "editor": "edna", "admin": "ada"}
    if persona == "reader":
        client.force_login(
            django_user_model.objects.create_user(username="rita-matrix", password="x-reads-42")
        )
    elif persona in names:
        client.force_login(django_user_model.objects.get(username=names[persona]))
    return client


def api_client(persona: str, django_user_model) -> Client:
    if persona == "anonymous":
        return Client()
    usernames = {"reader": "rita-api", "editor": "edna", "admin": "ada"}
    user = django_user_model.objects.filter(username=usernames[persona]).first()
    user = user or django_user_model.objects.create_user(username=usernames[persona], password="x-reads-42")
    return token_client(user)


@pytest.mark.parametrize("persona", PERSONAS)
def test_reader_pages_are_public_and_read_only(world, django_user_model, persona):
    client = browser_client(persona, django_user_model)
    for path in READER_PAGES:
        assert client.get(path).status_code == 200, (persona, path)
        assert client.head(path).status_code == 200, (persona, path)
        for method in ("post", "put", "patch", "delete"):
            assert getattr(client, method)(path).status_code == 405, (persona, method, path)


@pytest.mark.parametrize(
    ("persona", "index", "curate", "users"),
    [
        ("anonymous", 302, 302, 302),
        ("reader", 302, 302, 302),
        ("editor", 200, 200, 403),
        ("admin", 200, 200, 200),
    ],
)
def test_admin_screens_by_persona(world, django_user_model, persona, index, curate, users):
    client = browser_client(persona, django_user_model)
    assert client.get("/admin/").status_code == index
    for model in ("milestone", "organisation", "announcement", "relation", "person", "publisher"):
        assert client.get(f"/admin/milestones/{model}/").status_code == curate, (persona, model)
        assert client.get(f"/admin/milestones/{model}/add/").status_code == curate, (persona, model)
    assert client.get("/admin/auth/user/").status_code == users
    # Editors see a list of their own API keys (tests/test_api_tokens.py); others' stay hidden.
    assert client.get("/admin/milestones/apitoken/").status_code == curate
    post = client.post("/admin/milestones/milestone/", {"action": "mark_at_risk", "_selected_action": ["1"]})
    assert post.status_code == (302 if curate == 200 else curate)


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_reads_are_public(world, django_user_model, persona):
    client = api_client(persona, django_user_model)
    for collection in API_COLLECTIONS:
        assert client.get(f"/api/v1/{collection}/").status_code == 200, (persona, collection)
    for detail in ("organisations/catl/", f"milestones/{MILESTONE.split('/')[2]}/", "publishers/electrive/",
                   "people/ouyang-minggao/", "announcements/china-launches-solid-state-battery-offensive/",
                   f"relations/{Relation.objects.first().pk}/"):  # fmt: skip
        assert client.get(f"/api/v1/{detail}").status_code == 200, (persona, detail)


WRITES = [
    ("post", "organisations/", {"name": "Matrix Cells", "kind": "start_up", "country": "FR"}, 201),
    ("put", "publishers/electrive/", {"name": "electrive.com"}, 200),
    ("patch", "organisations/catl/", {"founded": "2011"}, 200),
    ("patch", MILESTONE.replace("/milestones/", "milestones/"), {"status": "on_track"}, 200),
    ("patch", "announcements/china-launches-solid-state-battery-offensive/", {"paywalled": True}, 200),
    ("post", "relations/", {"source": "toyota", "target": "nissan", "kind": "partner_of"}, 201),
    ("post", "people/", {"name": "Matrix Person"}, 201),
    ("delete", "people/spare/", None, 204),
]
EXPECTED_WRITE = {"anonymous": 401, "reader": 403}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("method", "path", "data", "success"), WRITES)
def test_api_writes_need_editor_permissions(world, django_user_model, persona, method, path, data, success):
    client = api_client(persona, django_user_model)
    kwargs = {"content_type": "application/json", "HTTP_IF_MATCH": "*"}
    response = getattr(client, method)(f"/api/v1/{path}", data=data, **kwargs)
    assert response.status_code == EXPECTED_WRITE.get(persona, success), (
        persona,
        method,
        path,
        response.content[:300],
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_subscribing_is_open_to_everyone(world, django_user_model, persona):
    client = api_client(persona, django_user_model)
    response = client.post(
        "/api/v1/subscriptions/",
        {"email": f"{persona}@example.com", "scope": "all"},
        content_type="application/json",
    )
    assert response.status_code in (200, 202), response.content
    assert client.get("/api/v1/subscriptions/").status_code == 405
