"""The OpenAPI schema, its two readers, and schemathesis against the live schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from jsonschema import Draft202012Validator
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from milestones.api import serializers as api_serializers
from tests.api_support import API, relaxed_throttle  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("relaxed_throttle")]


def test_schema_documents_every_resource_and_filter(client):
    response = client.get(f"{API}/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    for resource in ("organisations", "relations", "people", "publishers", "announcements", "milestones"):
        assert f"{API}/{resource}/" in schema["paths"]
    milestone_params = {p["name"] for p in schema["paths"][f"{API}/milestones/"]["get"]["parameters"]}
    assert {
        "organisation",
        "owner",
        "participant",
        "kind",
        "country",
        "region",
        "status",
        "category",
        "technology",
        "deadline_after",
        "deadline_before",
        "active_on",
        "overdue",
        "q",
        "ordering",
        "cursor",
        "page_size",
        "as_of",
        "format",
    } <= milestone_params
    announcement_params = {p["name"] for p in schema["paths"][f"{API}/announcements/"]["get"]["parameters"]}
    assert {"organisation", "publisher", "published_after", "published_before", "paywalled", "q"} <= (
        announcement_params
    )
    org_params = {p["name"] for p in schema["paths"][f"{API}/organisations/"]["get"]["parameters"]}
    assert {"kind", "country", "region", "member_of", "q"} <= org_params


def test_target_is_written_as_text_and_read_as_an_object(client):
    components = client.get(f"{API}/schema/?format=json").json()["components"]["schemas"]
    assert components["Milestone"]["properties"]["target"]["allOf"] == [
        {"$ref": "#/components/schemas/Target"}
    ]
    assert "oneOf" in components["MilestoneDetailRequest"]["properties"]["target"]


@pytest.mark.parametrize("page", ["docs", "redoc"])
def test_docs_pages_use_only_our_static_files(client, page):
    html = client.get(f"{API}/{page}/").content.decode()
    # Swagger UI from the sidecar's static files; ReDoc's bundle through our view, which
    # swaps its CDN logo for ours.
    ours = "/static/drf_spectacular_sidecar/" if page == "docs" else f"{API}/redoc/redoc.standalone.js"
    assert ours in html
    assert "http://" not in html and "https://" not in html


def test_redoc_bundle_loads_nothing_from_a_cdn(client):
    script = client.get(f"{API}/redoc/redoc.standalone.js").content.decode()
    assert "cdn.redoc.ly" not in script and "/static/milestones/favicon.svg" in script


def _strict(node):
    """OpenAPI 3.0 as JSON Schema, with no undeclared keys allowed: ``nullable`` becomes a null
    alternative, and every object with declared properties gets ``additionalProperties: false``."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _strict(value) for key, value in node.items()}
    if "properties" in node:
        node.setdefault("additionalProperties", False)
    if "oneOf" in node:  # a blank URL is both "uri" and "empty" when formats go unchecked
        node["anyOf"] = node.pop("oneOf")
    if node.pop("nullable", False):
        node = {"anyOf": [node, {"type": "null"}]}
    return node


def _response_validator(schema: dict, path: str) -> Draft202012Validator:
    body = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    root = {**_strict(body), "components": _strict(schema["components"])}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize(
    ("collection", "key", "query"),
    [
        ("organisations", "{slug}", ""),
        ("relations", "{id}", ""),
        ("people", "{slug}", ""),
        ("publishers", "{slug}", ""),
        ("announcements", "{slug}", ""),
        ("milestones", "{slug}", ""),
        ("milestones", "{slug}", "as_of=2025-06-01"),
    ],
)
def test_real_responses_match_the_schema_exactly(client, seed, collection, key, query):
    """Every key a list or a detail sends is declared with its type, and every declared key is
    sent: the summaries and nested objects are built by hand for speed, and this holds them
    to the schema (schemathesis checks types too, but lets undeclared keys through)."""
    schema = client.get(f"{API}/schema/?format=json").json()
    body = client.get(f"{API}/{collection}/?page_size=500&{query}").json()
    assert body["results"]
    _response_validator(schema, f"{API}/{collection}/").validate(body)
    detail = _response_validator(schema, f"{API}/{collection}/{key}/")
    for row in body["results"]:
        detail.validate(client.get(f"{row['url']}?{query}").json())


# Driven through schemathesis' Python API (one Hypothesis run per operation) rather than its
# pytest plugin, which does not yet run under pytest 9.

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
EXAMPLES_PER_MODE = 5


def _exercise(operation, mode: GenerationMode, headers: dict) -> str | None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_MODE,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except Unsatisfiable:
        return None  # nothing in this operation can be made invalid (e.g. only a free-form slug)
    except (Exception, FailureGroup) as failure:  # collected, so one run reports every operation
        return f"{operation.label} [{mode.value}]: {failure}"
    return None


@pytest.fixture
def in_process_wsgi():
    """Calling the WSGI app directly fires request_finished, whose handler would close the
    test's database connection mid-transaction; Django's test client unhooks it the same way."""
    hooks = (signals.request_started, signals.request_finished)
    for hook in hooks:
        hook.disconnect(close_old_connections)
    yield
    for hook in hooks:
        hook.connect(close_old_connections)


@pytest.mark.integration
def test_schemathesis_finds_no_server_error_or_schema_break(seed, editor, in_process_wsgi):
    """All operations, positive and negative data: reads anonymous, writes with an editor token
    and ``If-Match: *`` so they get past the 428 and reach validation and the services."""
    schema = schemathesis.openapi.from_wsgi(f"{API}/schema/", get_wsgi_application())
    token, _ = Token.objects.get_or_create(user=editor)
    writer = {"Authorization": f"Token {token.key}", "If-Match": "*"}
    failures, operations = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path == "/api/v1/subscriptions/":
            continue  # another feature's endpoint (it sends mail), tested with it
        if operation.path.startswith("/api/v1/webhooks/") and operation.method.upper() != "GET":
            continue  # they resolve hosts and send; tested against a local receiver (test_webhooks_*)
        operations += 1
        headers = {} if operation.method.upper() == "GET" else writer
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures.append(_exercise(operation, mode, headers))
    failures = [failure for failure in failures if failure]
    assert operations >= 30
    assert not failures, "\n\n".join(failures)


def test_hand_built_milestone_rows_have_exactly_the_declared_fields(client, seed):
    """The milestone representation is built by hand for speed; it must keep to the schema's fields."""
    row = client.get(f"{API}/milestones/").json()["results"][0]
    readable = {n for n, f in api_serializers.MilestoneSerializer().fields.items() if not f.write_only}
    assert set(row) == readable
    detail = client.get(row["url"]).json()
    detail_fields = api_serializers.MilestoneDetailSerializer().fields.items()
    assert set(detail) == {n for n, f in detail_fields if not f.write_only}
