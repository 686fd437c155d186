"""Writing through the REST API: permissions, services, ETags, errors, throttling, tokens."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from knox.crypto import hash_token

from milestones.domain.targets import ACCEPTED_FORMS
from milestones.models import Announcement, ApiToken, Milestone, Organisation, Quote, Relation, TargetRevision
from tests.api_support import API, relaxed_throttle, send, token_client  # noqa: F401
from tests.factories import AnnouncementFactory, OrganisationFactory, PersonFactory, make_milestone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("relaxed_throttle")]


@pytest.fixture
def editor_api(editor) -> Client:
    return token_client(editor)


@pytest.fixture
def reader_api(reader) -> Client:
    return token_client(reader)


@pytest.fixture
def anonymous() -> Client:
    return Client()


def etag_of(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response["ETag"]


WRITES = [
    ("post", "organisations/", {"name": "New", "kind": "automaker", "country": "DE"}),
    ("patch", "organisations/catl/", {"founded": "2011"}),
    ("put", "publishers/electrive/", {"name": "electrive.com"}),
    ("delete", "people/spare/", None),
    ("patch", "milestones/toyota-first-solid-state-cars-2027-28/", {"status": "on_track"}),
    ("patch", "announcements/china-launches-solid-state-battery-offensive/", {"paywalled": True}),
    ("post", "relations/", {"source": "toyota", "target": "nissan", "kind": "partner_of"}),
]


@pytest.fixture
def world(seed) -> None:
    PersonFactory(name="Spare", slug="spare")


@pytest.mark.parametrize(("method", "path", "data"), WRITES)
def test_anonymous_writes_get_401(anonymous, world, method, path, data):
    response = send(anonymous, method, f"{API}/{path}", data, if_match="*")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize(("method", "path", "data"), WRITES)
def test_non_editor_writes_get_403(reader_api, world, method, path, data):
    assert send(reader_api, method, f"{API}/{path}", data, if_match="*").status_code == 403


@pytest.mark.parametrize(("method", "path", "data"), WRITES)
def test_editor_writes_succeed(editor_api, world, method, path, data):
    response = send(editor_api, method, f"{API}/{path}", data, if_match="*")
    assert response.status_code in (200, 201, 204), response.content


@pytest.mark.parametrize("client_name", ["anonymous", "reader_api", "editor_api"])
def test_everyone_reads(request, seed, client_name):
    client = request.getfixturevalue(client_name)
    assert client.get(f"{API}/milestones/").status_code == 200
    assert client.get(f"{API}/organisations/catl/").status_code == 200


def test_session_editor_can_write(editor_client, seed):
    response = send(editor_client, "patch", f"{API}/organisations/catl/", {"founded": "2011"}, if_match="*")
    assert response.status_code == 200


def test_bad_token_is_401(anonymous, db):
    response = anonymous.get(f"{API}/milestones/", HTTP_AUTHORIZATION="Token nope")
    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_create_milestone_parses_phrase_in_owners_fiscal_year(editor_api, db):
    OrganisationFactory(name="Nissan", country="JP", fiscal_year_start_month=4)
    body = {"title": "Solid-state EV", "owner": "nissan", "category": "vehicle_launch", "target": "FY2028"}
    response = send(editor_api, "post", f"{API}/milestones/", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["slug"] == "solid-state-ev"
    assert created["target"]["start"] == "2028-04-01"
    assert created["target"]["end"] == "2029-03-31"
    assert response["Location"] == created["url"]
    revision = TargetRevision.objects.get(milestone__slug="solid-state-ev")
    assert revision.recorded_by.username == "edna"


def test_target_may_be_edtf_or_an_object_with_text(editor_api, db):
    OrganisationFactory(name="CATL")
    base = {"owner": "catl", "category": "samples"}
    edtf = send(editor_api, "post", f"{API}/milestones/", {**base, "title": "A", "target": "2027-35"})
    assert edtf.json()["target"]["display"] == "Q3 2027"
    text = send(
        editor_api, "post", f"{API}/milestones/", {**base, "title": "B", "target": {"text": "around 2030"}}
    )
    assert text.json()["target"]["approximate"] is True


def test_reschedule_records_revision_moved_by_announcement(editor_api, db):
    milestone = make_milestone(target="2027")
    news = AnnouncementFactory(title="Delay news", published_on=date(2025, 3, 1))
    path = f"{API}/milestones/{milestone.slug}/"
    response = send(
        editor_api,
        "patch",
        path,
        {"target": "2028", "moved_by": news.slug},
        if_match=etag_of(editor_api, path),
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "delayed"
    last = response.json()["revisions"][-1]
    assert last["old"]["display"] == "2027"
    assert last["new"]["display"] == "2028"
    assert last["moved_by"]["slug"] == news.slug
    assert last["effective_on"] == "2025-03-01"


def test_moved_by_accepts_an_id(editor_api, db):
    milestone = make_milestone(target="2027")
    news = AnnouncementFactory()
    response = send(
        editor_api,
        "patch",
        f"{API}/milestones/{milestone.slug}/",
        {"target": "2029", "moved_by": news.pk},
        if_match="*",
    )
    assert response.status_code == 200
    assert milestone.revisions.last().moved_by == news


def test_unknown_phrase_is_a_400_listing_accepted_forms(editor_api, db):
    OrganisationFactory(name="CATL")
    body = {"title": "X", "owner": "catl", "category": "samples", "target": "when pigs fly"}
    response = send(editor_api, "post", f"{API}/milestones/", body)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "target"
    assert ACCEPTED_FORMS in error["reason"]
    assert not Milestone.objects.exists()


def test_unknown_moved_by_is_a_400(editor_api, db):
    milestone = make_milestone()
    response = send(
        editor_api, "patch", f"{API}/milestones/{milestone.slug}/", {"moved_by": "nope"}, if_match="*"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "moved_by"


def test_achieving_without_a_date_means_today_and_a_stray_date_is_refused(editor_api, db):
    milestone = make_milestone()
    path = f"{API}/milestones/{milestone.slug}/"
    done = send(editor_api, "patch", path, {"status": "achieved"}, if_match="*").json()
    assert done["achieved_on"] is not None
    reopened = send(editor_api, "patch", path, {"status": "on_track"}, if_match="*").json()
    assert reopened["achieved_on"] is None
    stray = send(editor_api, "patch", path, {"achieved_on": "2025-01-01"}, if_match="*")
    assert stray.status_code == 400
    assert stray.json()["errors"][0]["field"] == "achieved_on"


def test_participants_and_evidence_are_written_by_slug(editor_api, db):
    milestone = make_milestone()
    partner, news = OrganisationFactory(name="Partner"), AnnouncementFactory()
    response = send(
        editor_api,
        "patch",
        f"{API}/milestones/{milestone.slug}/",
        {"participants": [partner.slug], "evidence": [news.slug]},
        if_match="*",
    )
    assert [p["slug"] for p in response.json()["participants"]] == [partner.slug]
    assert list(milestone.evidence.all()) == [news]


def test_missing_required_fields_are_named(editor_api, db):
    response = send(editor_api, "post", f"{API}/milestones/", {})
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} >= {"title", "owner", "category", "target"}


@pytest.mark.parametrize(
    "body",
    [
        [],
        '"a JSON string"',
        {"title": None},
        {"title": "x" * 400},
        {"owner": 5},
        {"target": 7},
        {"target": ""},
        {"status": "done"},
        {"participants": "catl"},
        {"achieved_on": "31/12/2025"},
        {"title": "nul\x00"},
    ],
)
def test_malformed_bodies_are_400_never_500(editor_api, db, body):
    milestone = make_milestone()
    response = send(editor_api, "patch", f"{API}/milestones/{milestone.slug}/", body, if_match="*")
    assert response.status_code == 400, response.content
    assert response.json()["errors"]


def test_malformed_json_is_a_400(editor_api, db):
    response = editor_api.post(f"{API}/organisations/", data="{nope", content_type="application/json")
    assert response.status_code == 400


def test_announcement_with_quotes_is_created_and_quotes_replaced(editor_api, seed):
    speaker = PersonFactory(name="Ada")
    body = {
        "title": "Battery day",
        "published_on": "2025-02-01",
        "publisher": "electrive",
        "source_url": "https://example.com/battery-day",
        "organisations": ["catl", "toyota"],
        "quotes": [
            {"speaker": speaker.slug, "text": "Soon."},
            {"speaker": "ouyang-minggao", "text": "2030."},
        ],
    }
    created = send(editor_api, "post", f"{API}/announcements/", body)
    assert created.status_code == 201, created.content
    assert [q["text"] for q in created.json()["quotes"]] == ["Soon.", "2030."]
    path = created.json()["url"]
    send(editor_api, "patch", path, {"quotes": [{"speaker": speaker.slug, "text": "Later."}]}, if_match="*")
    assert list(Quote.objects.filter(announcement__slug="battery-day").values_list("text", flat=True)) == [
        "Later."
    ]


def test_duplicate_article_url_names_the_existing_announcement(editor_api, seed):
    existing = Announcement.objects.get()
    body = {
        "title": "Dup",
        "published_on": "2025-02-01",
        "publisher": "electrive",
        "source_url": existing.url + "?utm_source=x",
    }
    response = send(editor_api, "post", f"{API}/announcements/", body)
    assert response.status_code == 409  # the article is taken by another record: a conflict
    error = response.json()["errors"][0]
    assert error["field"] == "source_url"
    assert existing.title in error["reason"]


def test_relation_to_itself_is_refused_on_the_target_field(editor_api, seed):
    body = {"source": "catl", "target": "catl", "kind": "partner_of"}
    response = send(editor_api, "post", f"{API}/relations/", body)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "target"


def test_duplicate_relation_is_a_400(editor_api, seed):
    body = {"source": "catl", "target": "casip", "kind": "member_of"}
    assert send(editor_api, "post", f"{API}/relations/", body).status_code == 400


def test_organisation_cannot_become_its_own_ancestor(editor_api, seed):
    response = send(
        editor_api, "patch", f"{API}/organisations/byd/", {"parent": "findreams-battery"}, if_match="*"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "parent"


def test_organisation_aliases_and_country_round_trip(editor_api, db):
    body = {"name": "Samsung SDI", "kind": "battery_maker", "country": "KR", "aliases": ["삼성SDI", "SDI"]}
    created = send(editor_api, "post", f"{API}/organisations/", body).json()
    assert created["region"] == "south_korea"
    assert created["aliases"] == ["삼성SDI", "SDI"]
    assert Organisation.objects.get(slug="samsung-sdi").aliases == "삼성SDI\nSDI"


def test_deleting_a_cited_organisation_is_a_409_naming_the_citers(editor_api, seed):
    response = send(editor_api, "delete", f"{API}/organisations/toyota/", if_match="*")
    assert response.status_code == 409
    assert "Toyota: first electric cars" in response.json()["detail"]
    assert Organisation.objects.filter(slug="toyota").exists()


def test_deleting_an_announcement_used_as_evidence_is_a_409(editor_api, seed):
    announcement = Announcement.objects.get()
    response = send(editor_api, "delete", f"{API}/announcements/{announcement.slug}/", if_match="*")
    assert response.status_code == 409
    assert "milestones" in response.json()["detail"]
    assert Milestone.objects.filter(evidence=announcement).exists()


def test_deleting_an_uncited_record_works(editor_api, db):
    org = OrganisationFactory(name="Lonely")
    assert send(editor_api, "delete", f"{API}/organisations/{org.slug}/", if_match="*").status_code == 204
    assert not Organisation.objects.filter(pk=org.pk).exists()


def test_deleting_a_milestone_keeps_its_moving_announcement(editor_api, db):
    news = AnnouncementFactory()
    milestone = make_milestone(moved_by=news)
    assert send(editor_api, "delete", f"{API}/milestones/{milestone.slug}/", if_match="*").status_code == 204
    assert Announcement.objects.filter(pk=news.pk).exists()


def test_write_with_current_etag_succeeds_and_returns_the_new_one(editor_api, seed):
    path = f"{API}/organisations/catl/"
    tag = etag_of(editor_api, path)
    response = send(editor_api, "patch", path, {"founded": "2011"}, if_match=tag)
    assert response.status_code == 200
    assert response["ETag"] != tag
    assert response["ETag"] == etag_of(editor_api, path)


def test_stale_if_match_is_412_and_changes_nothing(editor_api, seed):
    path = f"{API}/organisations/catl/"
    stale = etag_of(editor_api, path)
    send(editor_api, "patch", path, {"founded": "2011"}, if_match=stale)
    lost = send(editor_api, "patch", path, {"founded": "1999"}, if_match=stale)
    assert lost.status_code == 412
    assert Organisation.objects.get(slug="catl").founded == "2011"
    assert send(editor_api, "delete", path, if_match=stale).status_code == 412


def test_a_related_change_changes_the_etag(editor_api, seed):
    path = f"{API}/milestones/toyota-first-solid-state-cars-2027-28/"
    before = etag_of(editor_api, path)
    Organisation.objects.filter(slug="toyota").update(name="Toyota Motor")
    assert etag_of(editor_api, path) != before


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_write_without_if_match_is_428(editor_api, seed, method):
    response = send(
        editor_api, method, f"{API}/publishers/electrive/", {"name": "x"} if method != "delete" else None
    )
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]


def test_weak_etag_never_matches_if_match(editor_api, seed):
    path = f"{API}/publishers/electrive/"
    weak = "W/" + etag_of(editor_api, path)
    assert send(editor_api, "patch", path, {"name": "x"}, if_match=weak).status_code == 412


def test_create_needs_no_if_match(editor_api, db):
    response = send(editor_api, "post", f"{API}/publishers/", {"name": "Reuters"})
    assert response.status_code == 201
    assert response["ETag"] == etag_of(editor_api, response["Location"])


def created_key(*args: str) -> str:
    out = io.StringIO()
    call_command("api_token", "create", *args, stdout=out)
    return out.getvalue().strip()


def test_api_token_command_prints_a_new_key_each_time_rotates_and_revokes(editor):
    first = created_key("edna")
    second = created_key("edna", "--name", "import script")
    assert first != second and ApiToken.objects.filter(user=editor).count() == 2
    assert ApiToken.objects.get(name="import script").digest == hash_token(second)
    rotated = created_key("edna", "--rotate")
    assert ApiToken.objects.filter(user=editor).count() == 1
    assert ApiToken.objects.get(user=editor).digest == hash_token(rotated)
    out = io.StringIO()
    call_command("api_token", "revoke", "edna", stdout=out)
    assert out.getvalue() == "1 key(s) revoked.\n"
    assert not ApiToken.objects.filter(user=editor).exists()


def test_api_token_command_lists_keys_without_showing_them(editor):
    key = created_key("edna", "--name", "news desk")
    out = io.StringIO()
    call_command("api_token", "list", stdout=out)
    assert out.getvalue().startswith(f"edna\tnews desk ({key[:12]}…)\tcreated ")
    assert "last used never" in out.getvalue() and key not in out.getvalue()


def test_api_token_command_refuses_a_name_too_long(editor):
    with pytest.raises(CommandError, match="at most 100 characters"):
        created_key("edna", "--name", "x" * 101)


def test_api_token_command_refuses_unknown_users(db):
    with pytest.raises(CommandError, match="No user"):
        call_command("api_token", "create", "ghost", stdout=io.StringIO())


def test_token_created_by_command_authenticates_writes(editor, seed):
    out = io.StringIO()
    call_command("api_token", "create", "edna", stdout=out)
    client = Client(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
    response = send(client, "patch", f"{API}/organisations/catl/", {"founded": "2011"}, if_match="*")
    assert response.status_code == 200


def test_relation_lookup_by_huge_id_is_404(anonymous, db):
    assert anonymous.get(f"{API}/relations/99999999999999999999999/").status_code == 404


def test_relation_evidence_written_by_slug(editor_api, seed):
    news = Announcement.objects.get()
    body = {"source": "toyota", "target": "nissan", "kind": "partner_of", "evidence": [news.slug]}
    created = send(editor_api, "post", f"{API}/relations/", body).json()
    assert Relation.objects.get(pk=created["id"]).evidence.get() == news
