"""The intake assistant over HTTP with an editor's token: proposals, confirm, errors by field."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from jsonschema import Draft202012Validator

from milestones.models import Announcement, Milestone, Organisation, Quote, TargetRevision
from tests.api_support import API, relaxed_throttle, send, token_client  # noqa: F401
from tests.factories import AnnouncementFactory, OrganisationFactory, PersonFactory, make_milestone
from tests.test_api_schema import _strict

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("relaxed_throttle")]

# The seed article (../shared/seeds/casip-article.txt), kept in the corpus so a clean clone has it.
SEED_ARTICLE = Path(__file__).resolve().parent / "data" / "articles" / "casip-electrive.txt"
ARTICLE = (
    "Tokyo, 13 February 2025 — Nissan plans to launch cars with all-solid-state batteries in FY2028, "
    "the company said on Thursday. Toyota wants solid-state cars on the road in 2027/28.\n\n"
    '"We will be first," said Ouyang Minggao, a professor at Tsinghua University.'
)


def _article_text() -> str:
    return SEED_ARTICLE.read_text(encoding="utf-8")


@pytest.fixture
def orgs():
    """The organisations the articles name, and nothing else: every claim is new."""
    made = {
        "nissan": OrganisationFactory(
            name="Nissan", slug="nissan", kind="automaker", country="JP", fiscal_year_start_month=4
        ),
        "toyota": OrganisationFactory(name="Toyota", slug="toyota", kind="automaker", country="JP"),
        "catl": OrganisationFactory(name="CATL", slug="catl", aliases="宁德时代"),
        "tsinghua": OrganisationFactory(
            name="Tsinghua University", slug="tsinghua-university", kind="research"
        ),
    }
    PersonFactory(name="Ouyang Minggao", slug="ouyang-minggao", affiliation=made["tsinghua"])
    return made


def _propose(api: Client, **body):
    body = {"text": ARTICLE, "published_on": "2025-02-13", "publisher": "Cell Wire",
            "url": "https://cellwire.example/race", "title": "The race", **body}  # fmt: skip
    return send(api, "POST", f"{API}/intake/", body)


def _schema_validator(client: Client, path: str, code: str) -> Draft202012Validator:
    schema = client.get(f"{API}/schema/?format=json").json()
    body = schema["paths"][path]["post"]["responses"][code]["content"]["application/json"]["schema"]
    root = {**_strict(body), "components": _strict(schema["components"])}
    return Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)


def test_intake_needs_an_editor_token(client, reader, orgs):
    assert _propose(client).status_code == 401
    assert _propose(token_client(reader)).status_code == 403
    assert send(client, "POST", f"{API}/intake/apply/", {"announcement": {}}).status_code == 401


def test_proposals_come_in_the_api_representations(client, editor, orgs):
    response = _propose(token_client(editor))
    assert response.status_code == 200, response.content
    body = response.json()
    _schema_validator(client, f"{API}/intake/", "200").validate(body)
    claims = {c["owner"]["slug"]: c for c in body["claims"] if c["owner"]}
    nissan = claims["nissan"]
    assert nissan["phrase"] == "FY2028" and nissan["kind"] == "new"
    assert (nissan["target"]["start"], nissan["target"]["end"]) == ("2028-04-01", "2029-03-31")
    assert nissan["owner"]["url"].endswith(f"{API}/organisations/nissan/")
    sentence = nissan["sentence"]
    marked = {m["kind"]: sentence["text"][m["start"] : m["end"]] for m in sentence["marks"]}
    assert marked["phrase"] == "FY2028"
    assert claims["toyota"]["target"]["end"] == "2028-12-31"
    assert body["announcement"]["published_on"] == "2025-02-13"


def test_html_is_extracted_and_its_metadata_fills_blank_fields(editor, orgs):
    page = (
        "<html><head><title>Solid-state race</title><script>var ad = 'Toyota 1999';</script></head>"
        f"<body><nav>Home | News</nav><article><h1>Solid-state race</h1><p>{ARTICLE}</p></article>"
        "<footer>© Cell Wire</footer></body></html>"
    )
    response = _propose(token_client(editor), text="", html=page, title="")
    assert response.status_code == 200, response.content
    body = response.json()
    assert "var ad" not in body["text"] and "FY2028" in body["text"]
    assert body["announcement"]["title"] == "Solid-state race"
    assert any(c["phrase"] == "FY2028" for c in body["claims"])


def test_a_recorded_url_is_flagged_with_the_record(editor, orgs):
    recorded = AnnouncementFactory(title="Earlier", url="https://cellwire.example/race")
    body = _propose(token_client(editor), url="http://www.cellwire.example/race/?utm_source=feed").json()
    assert [(d["reason"], d["announcement"]["slug"]) for d in body["announcement"]["duplicates"]] == [
        ("url", recorded.slug)
    ]


def test_an_empty_article_is_refused_naming_the_field(editor, orgs):
    response = _propose(token_client(editor), text="   ")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["text"]


SELECTION = {
    "announcement": {
        "title": "The race",
        "published_on": "2025-02-13",
        "publisher": "Cell Wire",
        "source_url": "https://cellwire.example/race",
    },
    "organisations": [{"name": "Blue Solid", "kind": "start_up", "country": "KR"}],
    "claims": [
        {"owner": "toyota", "phrase": "2027/28", "category": "vehicle_launch", "strength": "aims"},
        {"owner": "Blue Solid", "phrase": "next year", "category": "samples", "strength": "will"},
        {
            "owner": "nissan",
            "phrase": "FY2029",
            "category": "vehicle_launch",
            "kind": "move",
            "milestone": "nissan-cars",
        },
    ],
    "quotes": [{"text": "We will be first.", "speaker": "ouyang-minggao"}],
    "mentioned": ["catl"],
}


@pytest.fixture
def nissan_cars(orgs):
    first = AnnouncementFactory(title="Nissan's plan", published_on=date(2024, 4, 8))
    return make_milestone(owner=orgs["nissan"], title="Nissan cars", target="FY2028", slug="nissan-cars",
                          category="vehicle_launch", evidence=[first])  # fmt: skip


def test_apply_writes_the_selection_and_answers_with_the_records_urls(client, editor, nissan_cars):
    api = token_client(editor)
    response = send(api, "POST", f"{API}/intake/apply/", SELECTION)
    assert response.status_code == 201, response.content
    body = response.json()
    _schema_validator(client, f"{API}/intake/apply/", "201").validate(body)
    news = Announcement.objects.get(slug=body["announcement"]["slug"])
    assert response["Location"] == body["announcement"]["url"]
    created = {(row["type"], row["name"]) for row in body["created"]}
    assert ("organisation", "Blue Solid") in created and ("publisher", "Cell Wire") in created
    assert {row["type"] for row in body["created"]} >= {"announcement", "milestone", "quote"}
    assert [row["url"] for row in body["updated"]] == [f"http://testserver{API}/milestones/nissan-cars/"]
    samples = Milestone.objects.get(owner__name="Blue Solid")
    assert samples.window_end == date(2026, 12, 31) and list(samples.evidence.all()) == [news]
    assert TargetRevision.objects.get(milestone=nissan_cars, moved_by=news).new_text == "FY2029"
    assert client.get(body["created"][-1]["url"]).status_code == 200  # the links lead somewhere


def test_apply_twice_creates_nothing_new(editor, nissan_cars):
    api = token_client(editor)
    assert send(api, "POST", f"{API}/intake/apply/", SELECTION).status_code == 201
    counts = [m.objects.count() for m in (Announcement, Milestone, Organisation, Quote, TargetRevision)]
    again = send(api, "POST", f"{API}/intake/apply/", SELECTION)
    assert again.status_code == 200
    assert again.json()["created"] == [] and again.json()["updated"] == []
    assert [
        m.objects.count() for m in (Announcement, Milestone, Organisation, Quote, TargetRevision)
    ] == counts


def test_a_bad_phrase_is_a_400_naming_the_claim_and_nothing_is_written(editor, nissan_cars):
    claims = [*SELECTION["claims"][:2], {"owner": "catl", "phrase": "whenever", "category": "samples"}]
    response = send(token_client(editor), "POST", f"{API}/intake/apply/", {**SELECTION, "claims": claims})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["claims.2.phrase"]
    assert not Announcement.objects.filter(title="The race").exists()
    assert not Organisation.objects.filter(name="Blue Solid").exists()


def test_shape_errors_name_the_nested_field(editor, nissan_cars):
    claims = [{"owner": "catl", "phrase": "2030", "category": "warp_drive"}]
    announcement = {**SELECTION["announcement"], "source_url": "not a url"}
    body = {**SELECTION, "claims": claims, "announcement": announcement}
    response = send(token_client(editor), "POST", f"{API}/intake/apply/", body)
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"claims.0.category", "announcement.source_url"}


def test_a_service_refusal_of_the_announcement_uses_the_api_field_name(editor, orgs):
    # Django's URL validator lets a port out of range through; the announcements' URL rule does not.
    announcement = {**SELECTION["announcement"], "source_url": "https://cellwire.example:99999/x"}
    body = {"announcement": announcement, "claims": [], "quotes": []}
    response = send(token_client(editor), "POST", f"{API}/intake/apply/", body)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["announcement.source_url"]
    assert "65535" in response.json()["errors"][0]["reason"]


def test_control_characters_in_a_selected_claim_are_a_400_naming_it(editor, nissan_cars):
    claims = [{"owner": "catl", "phrase": "2030", "category": "samples", "title": "Cells\x0bfor all"}]
    response = send(token_client(editor), "POST", f"{API}/intake/apply/", {**SELECTION, "claims": claims})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["claims.0.title"]
    assert "U+000B" in response.json()["errors"][0]["reason"]


def test_proposals_take_the_same_queries_however_many_items_they_hold(editor, orgs):
    """Knowledge, duplicates and the records the proposals name are each read once: the seed
    article (many organisations, claims and quotes) costs what a two-sentence one costs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = token_client(editor)
    _propose(api, text="Nothing dated here.")  # the key's first use records it; not counted
    counts = []
    for text in (ARTICLE, _article_text()):
        with CaptureQueriesContext(connection) as queries:
            assert _propose(api, text=text).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[1] <= 10, counts
