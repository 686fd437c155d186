"""The timeline page (``/``) and its embed: content, filters, empty states, query counts."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from milestones import services
from milestones.models import Milestone, TargetRevision
from tests.factories import AnnouncementFactory, OrganisationFactory, make_milestone

pytestmark = pytest.mark.django_db


def bars(html: str) -> list[str]:
    """Milestone links drawn in the chart, as their href."""
    return re.findall(r'<a class="tl-bar s-\w+" href="([^"]+)"', html)


def lane_labels(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", label).strip()
        for label in re.findall(r'<div class="tl-lane-label">(.*?)</div>', html)
        if label
    ]


def bulk_milestones(count: int, first: int = 0) -> None:
    """Many milestones with evidence, participants and a slipped target, without the
    per-row service cost (the query-count test needs hundreds quickly)."""
    owner = OrganisationFactory(name="Bulk Cells", country="KR")
    partner = OrganisationFactory(name="Bulk Partner", country="JP")
    source = AnnouncementFactory()
    rows = []
    for number in range(first, first + count):
        target = services.target_parse(text=str(2026 + number % 8), owner=owner)
        milestone = Milestone(
            owner=owner, title=f"Bulk milestone {number}", slug=f"bulk-{number}", category="capacity"
        )
        milestone.set_target(target)
        rows.append(milestone)
    created = Milestone.objects.bulk_create(rows)
    now = timezone.now()
    TargetRevision.objects.bulk_create(
        TargetRevision(
            milestone=m,
            new_text="2025",
            new_edtf="2025",
            new_display="2025",
            new_start=date(2025, 1, 1),
            new_end=date(2025, 12, 31),
            recorded_at=now,
            effective_on=now.date(),
        )
        for m in created
    )
    Milestone.evidence.through.objects.bulk_create(
        Milestone.evidence.through(milestone_id=m.pk, announcement_id=source.pk) for m in created
    )
    Milestone.participants.through.objects.bulk_create(
        Milestone.participants.through(milestone_id=m.pk, organisation_id=partner.pk) for m in created
    )


def test_seed_timeline_has_a_lane_per_organisation(client, seed):
    html = client.get("/").content.decode()
    assert lane_labels(html)[:3] == ["Toyota", "Nissan", "CASIP"]  # earliest deadline first
    assert len(bars(html)) == 5


def test_bar_describes_phrase_window_status_and_source(client, seed):
    html = client.get("/").content.decode()
    toyota = re.search(r'<a class="tl-bar[^>]*href="/milestones/toyota[^"]*"[^>]*>', html).group(0)
    assert "“2027/28”" in toyota
    assert "1 Jan 2027 – 31 Dec 2028" in toyota
    assert 'data-status="Announced"' in toyota
    assert "electrive, 13 Feb 2024" in toyota


def test_nissan_bar_starts_right_of_toyota(client, seed):
    html = client.get("/").content.decode()
    x = {
        slug: float(
            re.search(
                rf'href="/milestones/{slug}/".*?class="tl-win[^"]*" (?:x|cx)="([\d.]+)%', html, re.S
            ).group(1)
        )
        for slug in ("toyota-first-solid-state-cars-2027-28", "nissan-solid-state-cars-fy2028")
    }
    assert x["nissan-solid-state-cars-fy2028"] > x["toyota-first-solid-state-cars-2027-28"]


def test_open_start_and_approximate_targets_are_drawn_differently(client, seed):
    html = client.get("/").content.decode()
    casip = html[html.index('href="/milestones/casip-solid-state-supply-chain-by-2030/"') :]
    assert 'mask="url(#tl-m-open)"' in casip.split("</a>")[0]
    assert 'class="tl-deadline"' in casip.split("</a>")[0]
    around = html[html.index('href="/milestones/china-industrialisation-breakthrough-around-2030/"') :]
    assert 'mask="url(#tl-m-soft)"' in around.split("</a>")[0]


def test_single_day_target_is_a_point(client):
    make_milestone(target="2027-03-15", slug="one-day")
    html = client.get("/").content.decode()
    assert re.search(r'href="/milestones/one-day/".*?<circle class="tl-win tl-point"', html, re.S)


def test_slipped_milestone_shows_first_window_faintly(client):
    milestone = make_milestone(target="2027", slug="slipper")
    services.milestone_reschedule(milestone=milestone, target_text="2029", moved_by=AnnouncementFactory())
    html = client.get("/").content.decode()
    bar = html[html.index('href="/milestones/slipper/"') :].split("</a>")[0]
    assert 'class="tl-ghost"' in bar
    assert "first announced as 2027" in bar
    assert "s-delayed" in html  # rescheduling later marks it delayed


def test_achieved_milestone_has_a_mark(client):
    milestone = make_milestone(target="2025", slug="done")
    services.milestone_set_status(milestone=milestone, status="achieved", achieved_on=date(2025, 6, 1))
    html = client.get("/").content.decode()
    assert re.search(r'href="/milestones/done/".*?class="tl-achieved"', html, re.S)


def test_status_has_glyph_and_word_not_only_colour(client):
    make_milestone(target="2027", slug="risky", status="at_risk")
    html = client.get("/").content.decode()
    assert re.search(r'<span class="badge s-at_risk"><span aria-hidden="true">!</span> At risk</span>', html)
    assert '<tspan class="tl-glyph">!</tspan>' in html


def test_list_groups_milestones_by_year(client, seed):
    html = client.get("/").content.decode()
    years = re.findall(r'<h3 class="year-h">(\d{4})</h3>', html)
    assert years == ["2027", "2028", "2030"]


def test_today_line_is_drawn(client, seed):
    assert 'class="tl-today"' in client.get("/").content.decode()


def test_region_japan_hides_casip(client, seed):
    html = client.get("/", {"region": "japan"}).content.decode()
    assert lane_labels(html) == ["Toyota", "Nissan"]
    assert "CASIP" not in "".join(bars(html))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"country": "JP"}, 2),
        ({"kind": "consortium"}, 3),
        ({"organisation": "catl"}, 2),  # CATL takes part in two CASIP milestones
        ({"organisation": "toyota"}, 1),
        ({"technology": "semi_solid"}, 0),
        ({"category": "vehicle_launch"}, 2),
        ({"status": "announced"}, 5),
        ({"status": "achieved"}, 0),
        ({"q": "nissan"}, 1),
        ({"q": "Contemporary Amperex"}, 2),  # the one text rule: a participant's alias finds it too
        ({"q": "China All-Solid-State Battery"}, 3),  # CASIP by its alias
        ({"year_from": "2029"}, 4),
        ({"year_to": "2027"}, 3),  # Toyota and the two open-start CASIP deadlines
    ],
)
def test_filters_narrow_the_timeline(client, seed, params, expected):
    response = client.get("/", params)
    assert response.status_code == 200
    assert len(bars(response.content.decode())) == expected


def test_filters_are_kept_in_the_form_and_links(client, seed):
    html = client.get("/", {"region": "japan", "lanes": "category"}).content.decode()
    assert '<option value="japan" selected>' in html
    assert "region=japan" in re.search(r'href="(/feeds/timeline.ics[^"]*)"', html).group(1)
    assert "lanes=region" in html and "region=japan&amp;lanes=region" in html


def test_invalid_filters_are_reported_not_applied(client, seed):
    response = client.get("/", {"region": "atlantis", "year_from": "1800", "category": "vehicle_launch"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Region: Select a valid choice" in html
    assert "From year: Ensure this value is greater than or equal to 2000" in html
    assert len(bars(html)) == 2  # the valid category filter still applies


def test_reversed_year_range_is_an_error(client, seed):
    response = client.get("/", {"year_from": "2030", "year_to": "2028"})
    assert response.status_code == 400
    assert "The end year must not be before the start year" in response.content.decode()


def test_lanes_by_region_and_category(client, seed):
    by_region = lane_labels(client.get("/", {"lanes": "region"}).content.decode())
    assert by_region == ["China", "Japan"]
    by_category = lane_labels(client.get("/", {"lanes": "category"}).content.decode())
    assert by_category == ["Research breakthrough", "Start of production", "Vehicle launch", "Supply chain"]


def test_year_range_zooms_the_axis(client, seed):
    html = client.get("/", {"year_from": "2027", "year_to": "2028"}).content.decode()
    assert re.findall(r'<text class="tl-year"[^>]*>(\d{4})</text>', html) == ["2027", "2028"]
    assert "2027–2028" in html


def test_zoom_links_change_the_year_range(client, seed):
    html = client.get("/", {"region": "japan", "year_from": "2025", "year_to": "2030"}).content.decode()
    assert 'href="?region=japan&amp;year_from=2026&amp;year_to=2029"' in html  # zoom in
    assert 'href="?region=japan&amp;year_from=2024&amp;year_to=2031"' in html  # zoom out
    assert 'href="?region=japan&amp;year_from=2024&amp;year_to=2029"' in html  # earlier


def test_as_of_shows_what_was_believed_then(client):
    owner = OrganisationFactory(name="Slipco", country="JP")
    milestone = make_milestone(owner=owner, target="2027", slug="slipco", opened_on=date(2024, 1, 10))
    TargetRevision.objects.filter(milestone=milestone).update(effective_on=date(2024, 1, 10))
    moved = AnnouncementFactory(published_on=date(2025, 3, 1))
    services.milestone_reschedule(milestone=milestone, target_text="2029", moved_by=moved)
    then = client.get("/", {"as_of": "2024-06-01"}).content.decode()
    assert "As believed on 1 June 2024" in then
    assert "Slipco" in then and "1 Jan 2027 – 31 Dec 2027" in then
    now = client.get("/").content.decode()
    assert "1 Jan 2029 – 31 Dec 2029" in now
    before = client.get("/", {"as_of": "2023-01-01"}).content.decode()
    assert "No milestones match these filters" in before


def test_as_of_in_the_future_is_refused(client, seed):
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.get("/", {"as_of": tomorrow.isoformat()})
    assert response.status_code == 400
    assert "As-of dates cannot be in the future" in response.content.decode()


def test_empty_database_says_so(client):
    html = client.get("/").content.decode()
    assert "No milestones recorded yet" in html
    assert "tl-lane-svg" not in html


def test_no_results_offers_to_clear_filters(client, seed):
    html = client.get("/", {"q": "zeppelin"}).content.decode()
    assert "No milestones match these filters" in html
    assert 'href="/">clear all filters</a>' in html


def test_embed_may_be_framed_anywhere_other_pages_may_not(client, seed):
    embed = client.get("/embed/", {"region": "japan"})
    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed.headers
    assert len(bars(embed.content.decode())) == 2
    for url in ("/", "/race/", "/organisations/casip/"):
        assert client.get(url).headers["X-Frame-Options"] == "DENY"


def test_embed_has_no_site_navigation_or_filters(client, seed):
    html = client.get("/embed/").content.decode()
    assert 'aria-label="Main"' not in html
    assert 'class="filters"' not in html
    assert 'target="_top"' in html


def test_timeline_offers_embed_code_with_current_filters(client, seed):
    html = client.get("/", {"region": "japan"}).content.decode()
    snippet = re.search(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert '&lt;iframe src="http://testserver/embed/?region=japan"' in snippet


def test_timeline_advertises_its_feeds(client, seed):
    html = client.get("/", {"region": "japan"}).content.decode()
    head = html.split("</head>")[0]
    assert '<link rel="alternate" type="text/calendar"' in head
    assert 'href="/feeds/timeline.ics?region=japan"' in head
    assert head.count('type="application/atom+xml"') == 2


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/")
    assert response.status_code == 200
    return len(captured)


def test_timeline_queries_do_not_grow_with_milestones(client):
    bulk_milestones(5)
    few = _queries(client)
    assert len(bars(client.get("/").content.decode())) == 5
    bulk_milestones(495, first=5)
    many = _queries(client)
    assert len(bars(client.get("/").content.decode())) == 500
    assert many == few
    # form choices + milestones + participants + evidence + first revisions
    assert few == 5
