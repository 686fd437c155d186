"""The OpenAPI schema, its two readers, and schemathesis against the live schema."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from milestones import services
from milestones.api import serializers as api_serializers
from milestones.domain import webhooks as webhook_rules
from tests.api_support import API, api_token, relaxed_throttle  # noqa: F401

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


# schemathesis' own CLI, so its phases, checks and warnings are exactly those an integrator
# would run: against the live server (a real HTTP server on loopback), with a config written
# from the database, so generated data names records that exist (dictionaries bound to the
# fields that reference them) and reaches the services instead of stopping at a 404 or 400.

CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
SPARES = 40  # records per kind that writes and deletes may use up; the seed's stay too
PHRASES = ["2030", "by 2030", "around 2029", "H2 2027", "FY2028", "2027-03", "Q3 2026", "2028/2029", "2029~"]


def _spares(owner) -> dict[str, list]:
    """Records the fuzzer may change and delete (besides the seed's), by kind; every other
    organisation and announcement is cited by nothing, so a DELETE can succeed."""
    from django.utils import timezone

    from milestones.models import (
        Announcement,
        Milestone,
        Organisation,
        Person,
        Publisher,
        Relation,
        WebhookDelivery,
        WebhookEvent,
    )

    catl = Organisation.objects.get(slug="catl")
    publisher = Publisher.objects.get(slug="electrive")
    for n in range(SPARES):
        org = services.record_save(instance=Organisation(name=f"Fuzz org {n}", kind="start_up", country="DE"))
        services.record_save(instance=Person(name=f"Fuzz person {n}"))
        services.record_save(instance=Publisher(name=f"Fuzz publisher {n}"))
        if n % 2:
            services.record_save(instance=Relation(source=org, target=catl, kind="partner_of"))
        news = services.announcement_save(
            data={
                "title": f"Fuzz news {n}",
                "published_on": date(2025, 1, 1 + n % 28),
                "publisher": publisher,
                "url": f"https://news.example/fuzz/{n}",
            }
        )
        services.milestone_save(  # every other announcement cites nothing, so it can be deleted
            data={
                "owner": org if n % 2 else catl,
                "title": f"Fuzz claim {n}",
                "category": "pilot_line",
                "target_text": "2030",
            },
            moved_by=news if n % 2 else None,
        )
    # A webhook endpoint of the writer, with a delivery in its log (written directly, as a
    # finished one: nothing is sent; webhook writes themselves are left out of the run).
    endpoint, _ = services.webhook_endpoint_create(owner=owner, data={"url": "https://127.0.0.1/hook"})
    now = timezone.now()
    stamp = now.isoformat().replace("+00:00", "Z")
    body = webhook_rules.envelope_body(
        webhook_rules.PING, stamp, {"endpoint": endpoint.pk, "url": endpoint.url}
    )
    event = WebhookEvent.objects.create(type=webhook_rules.PING, body=body.decode(), created_at=now)
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event=event, msg_id="msg_fuzz", status="failed", created_at=now, updated_at=now
    )
    slugs = lambda model: [str(v) for v in model.objects.values_list("slug", flat=True)]  # noqa: E731
    return {
        "organisations": slugs(Organisation),
        "people": slugs(Person),
        "publishers": slugs(Publisher),
        "announcements": slugs(Announcement),
        "milestones": slugs(Milestone),
        "relations": [str(pk) for pk in Relation.objects.values_list("pk", flat=True)],
        "webhooks": [str(endpoint.pk)],
        "deliveries": [str(delivery.pk)],
        "phrases": PHRASES,
        "statuses": ["achieved"],
        # A slug sent in a body is a rename: a fresh one, or the write is a 409 (taken).
        "fresh_slugs": [f"renamed-{n}" for n in range(500)],
    }


def _toml_list(values: list) -> str:
    return "[" + ", ".join(json.dumps(value) for value in values) + "]"


def _config(dictionaries: dict[str, list], token: str) -> str:
    """schemathesis.toml: every warning fails the run; reference fields draw existing slugs."""
    lines = [
        "warnings = { fail-on = true }",
        # Coverage sends boundary values one parameter at a time around a minimal instance, and
        # does not draw references from the dictionaries below: its positive cases would name
        # records that do not exist. Positive data comes from the examples and fuzzing phases.
        'phases.coverage.generation.mode = "negative"',
        # The schema's examples are complete records: sent as written, not padded with generated fields.
        "phases.examples.fill-missing = false",
        "generation.deterministic = true",
        "generation.max-examples = 12",
        f'headers = {{ Authorization = "Token {token}", If-Match = "*" }}',
        "",
    ]
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {_toml_list(values)}", ""]

    bindings = {
        "organisations/": {
            "path.slug": "organisations",
            "body.parent": "organisations",
            "body.slug": "fresh_slugs",
        },
        "people/": {"path.slug": "people", "body.affiliation": "organisations", "body.slug": "fresh_slugs"},
        "publishers/": {"path.slug": "publishers", "body.slug": "fresh_slugs"},
        "relations/": {
            "path.id": "relations",
            "body.source": "organisations",
            "body.target": "organisations",
            "body.evidence[*]": "announcements",
        },
        "announcements/": {
            "path.slug": "announcements",
            "body.slug": "fresh_slugs",
            "body.publisher": "publishers",
            "body.original_source": "publishers",
            "body.organisations[*]": "organisations",
            "body.quotes[*].speaker": "people",
        },
        "webhooks/": {"path.id": "webhooks", "path.delivery_id": "deliveries"},
        "milestones/": {
            "path.slug": "milestones",
            "body.slug": "fresh_slugs",
            "body.owner": "organisations",
            "body.participants[*]": "organisations",
            "body.evidence[*]": "announcements",
            "body.moved_by": "announcements",
            "body.target": "phrases",
            # An achieved_on date is refused unless the status is achieved (a rule across two
            # fields, which OpenAPI 3.0 cannot state): most generated statuses are "achieved".
            "body.status": ("statuses", 0.7),
        },
    }
    for prefix, fields in bindings.items():
        lines += ["[[operations]]", f'include-path-regex = "^/api/v1/{prefix}"']
        if prefix == "milestones/":  # the most cross-field rules: more cases, so some get through
            lines.append("generation.max-examples = 30")
        for key, name in fields.items():
            name, probability = name if isinstance(name, tuple) else (name, 1.0)
            lines.append(f'parameters."{key}" = {{ dictionary = "{name}", probability = {probability} }}')
        lines.append("")
    return "\n".join(lines)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_schemathesis_examples_coverage_and_fuzzing_find_nothing(
    live_server, tmp_path, editor, seed, settings
):
    """Every operation but the one that sends mail; positive and negative data; reads and writes
    with an editor token and ``If-Match: *``. Zero failures and zero warnings (a warning such
    as "schema validation mismatch" fails the run: the schema must say what the API accepts)."""
    config = tmp_path / "schemathesis.toml"
    settings.WEBHOOK_ALLOW_PRIVATE = True  # the endpoint the log reads names 127.0.0.1
    config.write_text(_config(_spares(editor), api_token(editor)))
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "st"),
            "--config-file",
            str(config),
            "run",
            f"{live_server.url}{API}/schema/",
            "--phases=examples,coverage,fuzzing",
            f"--checks={CHECKS}",
            "--exclude-path=/api/v1/subscriptions/",  # sends mail; tested with its feature
            "--exclude-path=/api/v1/token/",  # revokes the key every later operation writes with
            # Webhook writes resolve hosts and send: tested against a local receiver (test_webhooks_*).
            "--exclude-operation-id-regex=^webhooks_(?!list$|retrieve$|deliveries_list$|deliveries_retrieve$)",
            "--no-color",
            "--report=har",  # every request and answer, for reading a failure
            f"--report-har-path={tmp_path / 'report.har'}",
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        cwd=tmp_path,  # its cache folder (.schemathesis/) lands there, not in the checkout
    )
    (tmp_path / "report.txt").write_text(result.stdout + result.stderr)
    report = f"full report: {tmp_path / 'report.txt'}\n" + result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    assert " 0 failures" in report or "failures" not in report.split("SUMMARY")[-1], report
    assert "WARNINGS" not in report, report
    tested = re.search(r"Tested: (\d+)", report)
    assert tested and int(tested.group(1)) >= 35, report


def test_hand_built_milestone_rows_have_exactly_the_declared_fields(client, seed):
    """The milestone representation is built by hand for speed; it must keep to the schema's fields."""
    row = client.get(f"{API}/milestones/").json()["results"][0]
    readable = {n for n, f in api_serializers.MilestoneSerializer().fields.items() if not f.write_only}
    assert set(row) == readable
    detail = client.get(row["url"]).json()
    detail_fields = api_serializers.MilestoneDetailSerializer().fields.items()
    assert set(detail) == {n for n, f in detail_fields if not f.write_only}
