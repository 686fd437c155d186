"""/api/v1/: resource links as JSON for clients, a page for people; ReDoc loads nothing from outside; the favicon."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

RESOURCES = ["organisations", "relations", "people", "publishers", "announcements", "milestones", "webhooks"]


def test_api_root_answers_clients_with_the_resource_links(client):
    response = client.get("/api/v1/", HTTP_ACCEPT="application/json")
    assert response["Content-Type"].startswith("application/json")
    assert list(response.json()) == RESOURCES
    assert response.json()["milestones"] == "http://testserver/api/v1/milestones/"


def test_api_root_page_links_the_docs_authentication_and_each_resource(client):
    page = client.get("/api/v1/", HTTP_ACCEPT="text/html").content.decode()
    for href in ('href="/api/v1/docs/"', 'href="/api/v1/redoc/"', 'href="/api/v1/schema/"'):
        assert href in page
    assert "Authorization: Token &lt;key&gt;" in page and "manage.py api_token create" in page
    for name in RESOURCES:
        assert f'href="http://testserver/api/v1/{name}/"' in page
    assert "The default basic root view" not in page


def test_redoc_bundle_loads_its_logo_from_us(client):
    bundle = client.get("/api/v1/redoc/redoc.standalone.js").content
    assert b"cdn.redoc.ly" not in bundle and b"milestones/favicon" in bundle


def test_redoc_page_uses_the_served_bundle(client):
    page = client.get("/api/v1/redoc/").content.decode()
    assert 'src="/api/v1/redoc/redoc.standalone.js"' in page and "googleapis" not in page


def test_favicon_ico_leads_to_our_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and "milestones/favicon" in response["Location"]
    assert finders.find("milestones/favicon.svg")
