"""The outside view in the REST API: ``outside_view`` on milestones and
/api/v1/organisations/{slug}/track-record/ with the ratios behind it, both with ``as_of``."""

from __future__ import annotations

import pytest

from tests.api_support import API, populate, relaxed_throttle  # noqa: F401
from tests.factories import OrganisationFactory, make_milestone
from tests.test_api_schema import _response_validator
from tests.test_outlook import ACME_P50, ACME_P80, TODAY, acme_claims, at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("relaxed_throttle")]

# Queries for a page of milestones at any size: the page, its participants, its evidence, and
# one read of every claim for the outside views.
MILESTONE_LIST_QUERIES = 4
# The organisation, its track record (two), its claims for the ratios.
TRACK_RECORD_QUERIES = 4


@pytest.fixture
def acme(db) -> dict:
    """The worked example of tests/test_outlook.py: six past claims by Acme Cells, one open."""
    return acme_claims()


def get(client, path: str) -> dict:
    with at(TODAY):
        response = client.get(path)
    assert response.status_code == 200, response.content
    return response.json()


def test_open_milestone_carries_the_hand_computed_outside_view(client, acme):
    # The arithmetic is in tests/test_outlook.py beside ACME_P50 and ACME_P80.
    detail = get(client, f"{API}/milestones/{acme['open'].slug}/")
    assert detail["outside_view"] == {
        "p50": ACME_P50.isoformat(),  # 2030-12-01
        "p80": ACME_P80.isoformat(),  # 2033-03-20
        "n": 5,
        "reference_class": {"kind": "owner", "key": "acme-cells", "label": "Acme Cells"},
        "stated_on": "2025-03-02",
        "window_end": "2028-12-31",
    }
    assert detail["outside_view_reason"] is None


def test_list_rows_carry_the_same_outside_view_as_the_detail(client, acme):
    rows = {row["slug"]: row for row in get(client, f"{API}/milestones/?page_size=500")["results"]}
    detail = get(client, f"{API}/milestones/{acme['open'].slug}/")
    assert rows[acme["open"].slug]["outside_view"] == detail["outside_view"]
    assert rows[acme["late"].slug]["outside_view"] is None
    assert rows[acme["late"].slug]["outside_view_reason"] == "final"


def test_outside_view_responses_match_the_schema_exactly(client, acme):
    schema = get(client, f"{API}/schema/?format=json")
    _response_validator(schema, f"{API}/milestones/").validate(get(client, f"{API}/milestones/"))
    detail = _response_validator(schema, f"{API}/milestones/{{slug}}/")
    detail.validate(get(client, f"{API}/milestones/{acme['open'].slug}/"))
    detail.validate(get(client, f"{API}/milestones/{acme['late'].slug}/"))
    record = _response_validator(schema, f"{API}/organisations/{{slug}}/track-record/")
    record.validate(get(client, f"{API}/organisations/acme-cells/track-record/"))
    record.validate(get(client, f"{API}/organisations/acme-cells/track-record/?as_of=2022-06-01"))


def test_as_of_milestone_shows_the_view_from_what_was_known_then(client, acme):
    slug = acme["half-late"].slug  # achieved 2022-09-07
    assert get(client, f"{API}/milestones/{slug}/")["outside_view_reason"] == "final"
    then = get(client, f"{API}/milestones/{slug}/?as_of=2022-06-01")
    assert (then["status"], then["outside_view_reason"]) == ("announced", "not enough history")
    open_then = get(client, f"{API}/milestones/{acme['open'].slug}/?as_of=2024-06-01")["outside_view"]
    assert (open_then["window_end"], open_then["p50"]) == ("2026-12-31", "2028-10-31")  # + 670 days


def test_track_record_lists_each_claim_with_its_ratio(client, acme):
    body = get(client, f"{API}/organisations/acme-cells/track-record/")
    claims = {claim["slug"]: claim for claim in body["claims"]}
    assert claims[acme["late"].slug] | {"url": ""} == {
        "slug": acme["late"].slug,
        "title": acme["late"].title,
        "url": "",
        "category": "vehicle_launch",
        "stated_on": "2022-03-06",
        "first_end": "2022-12-31",
        "outcome_on": "2023-10-27",
        "status": "achieved",
        "ratio": 1.0,
        "note": "achieved",
    }
    assert claims[acme["missed"].slug]["ratio"] is None
    assert sorted(body["ratios"]) == pytest.approx([-0.2, 0.0, 0.5, 731 / 1340, 1.0, 1.5])
    assert body["on_time_rate"] == pytest.approx(2 / 6)
    assert body["miss_rate"] == pytest.approx(1 / 7)
    assert body["track_record"]["missed"] == 1
    assert body["organisation"]["slug"] == "acme-cells" and body["as_of"] is None


def test_track_record_as_of_counts_what_was_known_then(client, acme):
    body = get(client, f"{API}/organisations/acme-cells/track-record/?as_of=2022-06-01")
    claims = {claim["slug"]: claim for claim in body["claims"]}
    assert set(claims) == {acme[name].slug for name in ("early", "on-time", "half-late", "late", "moved")}
    assert claims[acme["half-late"].slug]["note"] == "open: lower bound"
    assert claims[acme["half-late"].slug]["ratio"] == pytest.approx(152 / 500)
    assert body["as_of"] == "2022-06-01"
    # Achieved then: early and on-time (on time); moved slipped once, on 2020-10-01.
    assert body["track_record"] | {"average_slip_months": None} == {
        "achieved_on_time": 2,
        "achieved_late": 0,
        "missed": 0,
        "slips": 1,
        "average_slip_months": None,
    }


def test_track_record_of_an_unknown_organisation_is_a_404(client, db):
    assert client.get(f"{API}/organisations/nobody/track-record/").status_code == 404


def test_track_record_rejects_a_malformed_as_of(client, acme):
    response = client.get(f"{API}/organisations/acme-cells/track-record/?as_of=soon")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "as_of"


@pytest.mark.parametrize("size", [1, 50])
def test_milestone_list_query_count_does_not_grow_with_the_page(client, size, django_assert_num_queries):
    populate(50)
    with django_assert_num_queries(MILESTONE_LIST_QUERIES):
        rows = client.get(f"{API}/milestones/?page_size={size}").json()["results"]
    assert len(rows) == size
    assert any(row["outside_view"] for row in rows) or size == 1


def test_track_record_query_count_does_not_grow_with_claims(client, django_assert_num_queries):
    few, many = OrganisationFactory(name="Few Cells"), OrganisationFactory(name="Many Cells")
    make_milestone(owner=few, target="2030")
    for year in range(2030, 2050):
        make_milestone(owner=many, target=str(year))
    for organisation, claims in ((few, 1), (many, 20)):
        with django_assert_num_queries(TRACK_RECORD_QUERIES):
            body = client.get(f"{API}/organisations/{organisation.slug}/track-record/").json()
        assert len(body["claims"]) == claims
