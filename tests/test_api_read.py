"""Reading the REST API anonymously: resources, links, filters, pagination, CSV and as_of."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from milestones import services
from milestones.models import Milestone, Organisation, Relation
from tests.api_support import API, populate, relaxed_throttle, send, token_client  # noqa: F401
from tests.factories import AnnouncementFactory, OrganisationFactory, PublisherFactory, make_milestone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("relaxed_throttle")]


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def slugs(response) -> list[str]:
    return [row["slug"] for row in results(response)]


@pytest.mark.parametrize(
    "resource", ["organisations", "relations", "people", "publishers", "announcements", "milestones"]
)
def test_every_list_links_each_row_to_itself(client, seed, resource):
    rows = results(client.get(f"{API}/{resource}/"))
    assert rows
    for row in rows[:3]:
        detail = client.get(row["url"])
        assert detail.status_code == 200
        assert detail.json()["url"] == row["url"]
        assert detail["ETag"].startswith('"')


def test_milestone_carries_summaries_target_and_page_link(client, seed):
    milestone = client.get(f"{API}/milestones/nissan-solid-state-cars-fy2028/").json()
    assert milestone["owner"] == {
        "slug": "nissan",
        "name": "Nissan",
        "country": "JP",
        "region": "japan",
        "url": "http://testserver/api/v1/organisations/nissan/",
        "page_url": "http://testserver/organisations/nissan/",
    }
    assert milestone["target"] == {
        "edtf": "2028-04/2029-03",
        "text": "the 2028 financial year",
        "display": "FY2028",
        "start": "2028-04-01",
        "end": "2029-03-31",
        "approximate": False,
        "open_start": False,
        "open_end": False,
        "relative_to": None,
    }
    assert milestone["page_url"] == "http://testserver/milestones/nissan-solid-state-cars-fy2028/"
    assert client.get(milestone["page_url"]).status_code == 200
    assert milestone["revisions"][0]["old"] is None
    assert milestone["revisions"][0]["new"]["display"] == "FY2028"


def test_milestone_evidence_is_a_short_announcement_summary(client, seed):
    milestone = results(client.get(f"{API}/milestones/?organisation=catl"))[0]
    evidence = milestone["evidence"][0]
    assert set(evidence) == {
        "slug",
        "title",
        "published_on",
        "publisher",
        "paywalled",
        "source_url",
        "url",
        "page_url",
    }
    assert evidence["source_url"].startswith("https://www.electrive.com/")
    assert client.get(evidence["url"]).json()["source_url"] == evidence["source_url"]


def test_announcement_has_its_quotes_with_speakers(client, seed):
    announcement = results(client.get(f"{API}/announcements/"))[0]
    speakers = {quote["speaker"]["slug"] for quote in announcement["quotes"]}
    assert "ouyang-minggao" in speakers
    assert announcement["original_source"]["slug"] == "nikkei-asia"


def test_organisation_carries_parent_aliases_fiscal_year_and_track_record(client, seed):
    findreams = client.get(f"{API}/organisations/findreams-battery/").json()
    assert findreams["parent"]["slug"] == "byd"
    byd = client.get(f"{API}/organisations/byd/").json()
    assert "比亚迪" in byd["aliases"]
    nissan = client.get(f"{API}/organisations/nissan/").json()
    assert nissan["fiscal_year_start_month"] == 4
    assert set(nissan["track_record"]) == {
        "achieved_on_time",
        "achieved_late",
        "missed",
        "slips",
        "average_slip_months",
    }


def test_track_record_counts_slips_and_outcomes(client, db):
    owner = OrganisationFactory(name="Slipco")
    slipping = make_milestone(owner=owner, target="2027")
    services.milestone_reschedule(milestone=slipping, target_text="2028")
    make_milestone(owner=owner, target="2025", status="achieved", achieved_on=date(2025, 6, 1))
    make_milestone(owner=owner, target="2024", status="missed")
    listed = results(client.get(f"{API}/organisations/?q=slipco"))[0]["track_record"]
    assert listed == {
        "achieved_on_time": 1,
        "achieved_late": 0,
        "missed": 1,
        "slips": 1,
        "average_slip_months": 12.0,
    }


def test_unknown_slug_is_a_json_404(client, db):
    response = client.get(f"{API}/milestones/no-such-thing/")
    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_unchanged_detail_answers_304_to_if_none_match(client, seed):
    first = client.get(f"{API}/organisations/catl/")
    again = client.get(f"{API}/organisations/catl/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]


@pytest.fixture
def filter_world(db) -> dict:
    toyota = OrganisationFactory(name="Toyota", kind="automaker", country="JP", aliases="トヨタ")
    catl = OrganisationFactory(name="CATL", country="CN", aliases="Contemporary Amperex")
    solid = OrganisationFactory(name="Solid Power", kind="start_up", country="US")
    world = {
        "cars": make_milestone(
            owner=toyota, title="Cars launched", target="2027/28", category="vehicle_launch"
        ),
        "cells": make_milestone(owner=catl, title="Cells sampled", target="H2 2026", category="samples"),
        "line": make_milestone(
            owner=solid, title="Pilot line", target="2024", technology="semi_solid", category="pilot_line"
        ),
        "done": make_milestone(
            owner=solid, title="Done", target="2023", status="achieved", achieved_on=date(2023, 5, 1)
        ),
    }
    world["cells"].participants.add(toyota)
    return world


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("owner=toyota", {"cars"}),
        ("participant=toyota", {"cells"}),
        ("organisation=toyota", {"cars", "cells"}),
        ("kind=start_up", {"line", "done"}),
        ("country=CN", {"cells"}),
        ("region=north_america", {"line", "done"}),
        ("status=achieved", {"done"}),
        ("status=achieved&status=announced", {"cars", "cells", "line", "done"}),
        ("category=samples", {"cells"}),
        ("technology=semi_solid", {"line"}),
        ("deadline_after=2026-12-31", {"cars", "cells"}),
        ("deadline_before=2024-12-31", {"line", "done"}),
        ("active_on=2026-08-01", {"cells"}),
        ("active_on=2027-08-01", {"cars"}),
        ("overdue=true", {"line"}),
        ("overdue=false", {"cars", "cells", "done"}),
        ("q=pilot", {"line"}),
        ("q=トヨタ", {"cars", "cells"}),
        ("q=amperex", {"cells"}),
    ],
)
def test_milestone_filters(client, filter_world, query, expected):
    wanted = {filter_world[name].slug for name in expected}
    with time_machine.travel(date(2026, 1, 10)):
        assert set(slugs(client.get(f"{API}/milestones/?{query}"))) == wanted


def test_milestones_order_by_deadline_start_or_title(client, filter_world):
    by_deadline = slugs(client.get(f"{API}/milestones/"))
    assert by_deadline == [filter_world[n].slug for n in ("done", "line", "cells", "cars")]
    assert slugs(client.get(f"{API}/milestones/?ordering=-deadline")) == by_deadline[::-1]
    by_title = slugs(client.get(f"{API}/milestones/?ordering=title"))
    assert by_title == [filter_world[n].slug for n in ("cars", "cells", "done", "line")]
    assert slugs(client.get(f"{API}/milestones/?ordering=start"))[0] == filter_world["done"].slug


def test_invalid_filter_value_is_a_400_naming_the_filter(client, db):
    response = client.get(f"{API}/milestones/?deadline_after=soon")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "deadline_after"


def test_announcement_filters(client, db):
    nikkei, reuters = PublisherFactory(name="Nikkei"), PublisherFactory(name="Reuters")
    toyota = OrganisationFactory(name="Toyota", aliases="トヨタ")
    old = AnnouncementFactory(
        title="Old news", publisher=nikkei, published_on=date(2023, 1, 1), paywalled=True
    )
    new = AnnouncementFactory(title="Battery day", publisher=reuters, published_on=date(2025, 1, 1))
    new.organisations.add(toyota)
    cases = {
        "organisation=toyota": {new.slug},
        "publisher=nikkei": {old.slug},
        "published_after=2024-01-01": {new.slug},
        "published_before=2024-01-01": {old.slug},
        "paywalled=true": {old.slug},
        "q=トヨタ": {new.slug},
        "q=battery": {new.slug},
    }
    for query, expected in cases.items():
        assert set(slugs(client.get(f"{API}/announcements/?{query}"))) == expected, query
    assert slugs(client.get(f"{API}/announcements/")) == [new.slug, old.slug]
    assert slugs(client.get(f"{API}/announcements/?ordering=published")) == [old.slug, new.slug]


def test_organisation_filters(client, seed):
    members = set(slugs(client.get(f"{API}/organisations/?member_of=casip")))
    assert {"catl", "calb", "byd"} <= members
    assert "toyota" not in members
    assert set(slugs(client.get(f"{API}/organisations/?q=比亚迪"))) == {"byd"}
    assert "toyota" in slugs(client.get(f"{API}/organisations/?country=JP&kind=automaker"))
    assert set(slugs(client.get(f"{API}/organisations/?region=japan"))) >= {"toyota", "nissan"}
    names = [row["name"] for row in results(client.get(f"{API}/organisations/?ordering=-name"))]
    assert names == sorted(names, reverse=True)


def test_relation_people_and_publisher_filters(client, seed):
    relations = results(client.get(f"{API}/relations/?target=casip&kind=member_of"))
    assert relations and all(r["target"]["slug"] == "casip" for r in relations)
    assert {r["id"] for r in results(client.get(f"{API}/relations/?organisation=catl"))} == set(
        Relation.objects.filter(source__slug="catl").values_list("id", flat=True)
        | Relation.objects.filter(target__slug="catl").values_list("id", flat=True)
    )
    assert slugs(client.get(f"{API}/people/?affiliation=tsinghua-university")) == ["ouyang-minggao"]
    assert slugs(client.get(f"{API}/publishers/?q=nikkei")) == ["nikkei-asia"]


def test_cursor_pages_cover_every_row_once_despite_equal_deadlines(client, db):
    populate(25)  # five deadlines shared by five milestones each
    seen, url = [], f"{API}/milestones/?page_size=4"
    while url:
        body = client.get(url).json()
        seen += [row["slug"] for row in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(Milestone.objects.values_list("slug", flat=True))
    assert len(seen) == len(set(seen)) == 25


def test_cursor_is_stable_under_inserts_and_goes_back(client, db):
    world = populate(12)
    first = client.get(f"{API}/milestones/?page_size=5").json()
    # A milestone that sorts before the cursor must not shift the next page.
    make_milestone(owner=world["organisations"][0], title="Early", target="2020", slug="early")
    second = client.get(first["next"]).json()
    assert [r["slug"] for r in second["results"]] == [
        m.slug for m in Milestone.objects.exclude(slug="early").order_by("window_end", "pk")[5:10]
    ]
    back = client.get(second["previous"]).json()
    assert [r["slug"] for r in back["results"]] == [r["slug"] for r in first["results"]]


def test_page_size_is_capped_at_500(client, db):
    assert client.get(f"{API}/organisations/?page_size=501").status_code == 400
    assert client.get(f"{API}/organisations/?page_size=500").status_code == 200


def test_default_page_is_fifty_rows(client, db):
    populate(51)
    body = client.get(f"{API}/organisations/").json()
    assert len(body["results"]) == 50
    assert body["next"]


@pytest.mark.parametrize(
    "resource", ["milestones", "announcements", "organisations", "relations", "people", "publishers"]
)
def test_list_query_count_is_constant_and_small(client, db, resource):
    populate(100)
    counts = []
    for size in (1, 10, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{API}/{resource}/?page_size={size}")
        assert len(response.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2] <= 5, counts


def test_no_count_query_on_lists(client, db):
    populate(10)
    with CaptureQueriesContext(connection) as queries:
        client.get(f"{API}/milestones/?page_size=5&q=milestone")
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]


def test_milestone_csv_has_the_same_filtered_rows(client, seed):
    json_slugs = slugs(client.get(f"{API}/milestones/?region=china&page_size=500"))
    response = client.get(f"{API}/milestones/?region=china&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    assert [row["slug"] for row in rows] == json_slugs
    assert rows[0]["target_display"] and rows[0]["owner_region"] == "china"


def test_announcement_csv_has_the_same_filtered_rows(client, seed):
    response = client.get(f"{API}/announcements/?publisher=electrive&format=csv")
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    assert [row["slug"] for row in rows] == slugs(client.get(f"{API}/announcements/?publisher=electrive"))
    assert rows[0]["quotes"] == "2"


def test_csv_error_is_still_json(client, db):
    response = client.get(f"{API}/milestones/?format=csv&deadline_after=never")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


def test_csv_neutralises_spreadsheet_formulas(client, db):
    make_milestone(owner=OrganisationFactory(name="=HYPERLINK(1)", slug="formula"), title="x")
    rows = list(csv.DictReader(io.StringIO(client.get(f"{API}/milestones/?format=csv").getvalue().decode())))
    assert rows[0]["owner"] == "'=HYPERLINK(1)"


@pytest.fixture
def slipped(db) -> Milestone:
    owner = OrganisationFactory(name="Nissan", country="JP", fiscal_year_start_month=4)
    first = AnnouncementFactory(title="Plan", published_on=date(2024, 4, 1))
    later = AnnouncementFactory(title="Delay", published_on=date(2025, 6, 1))
    milestone = make_milestone(owner=owner, target="FY2028", moved_by=first, opened_on=date(2024, 4, 1))
    services.milestone_reschedule(milestone=milestone, target_text="FY2029", moved_by=later)
    return milestone


def test_as_of_shows_the_target_believed_then(client, slipped):
    then = results(client.get(f"{API}/milestones/?as_of=2025-01-01"))[0]
    assert then["target"]["display"] == "FY2028"
    assert then["status"] == "announced"
    now = results(client.get(f"{API}/milestones/"))[0]
    assert now["target"]["display"] == "FY2029"
    assert now["status"] == "delayed"


def test_as_of_detail_hides_later_revisions(client, slipped):
    detail = client.get(f"{API}/milestones/{slipped.slug}/?as_of=2025-01-01").json()
    assert detail["target"]["end"] == "2029-03-31"
    assert [r["new"]["display"] for r in detail["revisions"]] == ["FY2028"]
    assert len(client.get(f"{API}/milestones/{slipped.slug}/").json()["revisions"]) == 2


def test_as_of_before_the_claim_leaves_it_out(client, slipped):
    assert results(client.get(f"{API}/milestones/?as_of=2024-01-01")) == []
    assert client.get(f"{API}/milestones/{slipped.slug}/?as_of=2024-01-01").status_code == 404


def test_as_of_applies_to_csv(client, slipped):
    body = client.get(f"{API}/milestones/?as_of=2025-01-01&format=csv").getvalue().decode()
    assert next(csv.DictReader(io.StringIO(body)))["target_display"] == "FY2028"


def test_malformed_as_of_is_a_400(client, db):
    response = client.get(f"{API}/milestones/?as_of=yesterday")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "as_of"


def test_kind_choices_in_filter_match_the_model(client, db):
    for kind in Organisation.Kind.values:
        assert client.get(f"{API}/organisations/?kind={kind}").status_code == 200


def test_csv_export_query_count_does_not_grow_with_rows(client, db):
    populate(30)
    counts = []
    for size in (3, 30):
        Milestone.objects.filter(slug__gte=f"milestone-{size:04d}").update(title="hidden")
        with CaptureQueriesContext(connection) as queries:
            body = client.get(f"{API}/milestones/?format=csv&q=Milestone").getvalue().decode()
        assert len(list(csv.DictReader(io.StringIO(body)))) == size
        counts.append(len(queries))
        Milestone.objects.update(title="Milestone")
    assert counts[0] == counts[1] <= 5, counts


def test_head_gives_the_etag_without_a_body(client, seed):
    head = client.head(f"{API}/organisations/catl/")
    assert head.status_code == 200
    assert head.content == b""
    assert head["ETag"] == client.get(f"{API}/organisations/catl/")["ETag"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/organizations/", "/organisations/"),
        ("/organizations/?q=byd&ordering=-name", "/organisations/?q=byd&ordering=-name"),
        ("/organizations/catl/", "/organisations/catl/"),
        ("/organizations/catl/?format=json", "/organisations/catl/?format=json"),
    ],
)
def test_old_spelling_redirects_permanently_with_the_query_string(client, seed, old, new):
    response = client.get(f"{API}{old}")
    assert response.status_code == 308
    assert response["Location"] == f"{API}{new}"
    assert client.get(response["Location"]).status_code == 200


def test_old_spelling_keeps_a_patch_and_its_body(seed, editor):
    path = f"{API}/organizations/catl/"
    api = token_client(editor)
    response = send(api, "patch", path, {"founded": "2011"}, if_match="*")
    assert response.status_code == 308
    assert response["Location"] == f"{API}/organisations/catl/"
    followed = api.patch(
        path, {"founded": "2011"}, content_type="application/json", HTTP_IF_MATCH="*", follow=True
    )
    assert followed.status_code == 200, followed.content
    assert followed.redirect_chain == [(f"{API}/organisations/catl/", 308)]
    assert Organisation.objects.get(slug="catl").founded == "2011"


def test_old_spelling_is_left_out_of_the_schema(client, db):
    paths = client.get(f"{API}/schema/?format=json").json()["paths"]
    assert f"{API}/organisations/" in paths
    assert not [path for path in paths if "organizations" in path]
