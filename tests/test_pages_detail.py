"""Organisation, milestone and announcement pages; upcoming, overdue, search and race."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from milestones import services
from milestones.models import Milestone, Organisation, Relation
from tests.factories import AnnouncementFactory, OrganisationFactory, make_milestone

pytestmark = pytest.mark.django_db

TOYOTA = "/milestones/toyota-first-solid-state-cars-2027-28/"


def text(response) -> str:
    """Visible text with tags removed and whitespace collapsed, for phrase assertions."""
    assert response.status_code == 200, response.status_code
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body))


def test_consortium_page_lists_members_by_role(client, seed):
    page = text(client.get("/organisations/casip/"))
    assert "Consortium" in page and "China" in page and "founded January 2024" in page
    assert re.search(
        r"Battery maker CALB CATL EVE Energy FinDreams Battery Gotion High-Tech SVOLT Government", page
    )
    assert re.search(r"Government .*Ministry of Industry and Information Technology", page)
    assert "China All-Solid-State Battery Collaborative Innovation Platform" in page  # alias


def test_organisation_page_shows_litigation_both_ways(client, seed):
    assert "CATL against CALB : Patent infringement suit." in text(client.get("/organisations/calb/"))
    catl = text(client.get("/organisations/catl/"))
    assert "CATL against CALB" in catl and "CATL against SVOLT" in catl
    assert "Member of CASIP (battery maker)" in catl


def test_parent_and_subsidiaries(client, seed):
    assert "Parent BYD" in text(client.get("/organisations/findreams-battery/"))
    assert "Subsidiaries FinDreams Battery" in text(client.get("/organisations/byd/"))


def test_organisation_page_has_small_timeline_and_announcements(client, seed):
    response = client.get("/organisations/catl/")
    html = response.content.decode()
    assert html.count('class="tl-bar') == 2  # CASIP milestones CATL takes part in
    assert "China’s car and battery industry launches solid-state battery offensive" in text(response)
    assert 'href="/organisations/catl/calendar.ics"' in html.split("</head>")[0]


def test_track_record_counts_on_time_late_missed_and_slips(client):
    owner = OrganisationFactory(name="Recordco")
    on_time = make_milestone(owner=owner, target="2024", slug="on-time")
    services.milestone_set_status(milestone=on_time, status="achieved", achieved_on=date(2024, 6, 1))
    late = make_milestone(owner=owner, target="2023", slug="late")
    services.milestone_set_status(milestone=late, status="achieved", achieved_on=date(2024, 6, 1))
    missed = make_milestone(owner=owner, target="2022", slug="missed")
    services.milestone_set_status(milestone=missed, status="missed")
    slipper = make_milestone(owner=owner, target="2027", slug="slipper")
    services.milestone_reschedule(milestone=slipper, target_text="2028")
    page = text(client.get(owner.get_absolute_url()))
    assert "Achieved on time 1" in page
    assert "Achieved late 1" in page
    assert "Missed 1" in page
    assert "Slips 1" in page
    assert "Average slip 12.0 months" in page


def test_organisation_without_milestones_or_announcements(client):
    owner = OrganisationFactory(name="Quietco")
    page = text(client.get(owner.get_absolute_url()))
    assert "No milestones recorded for Quietco yet." in page
    assert "No announcements mention Quietco yet." in page


def test_unknown_organisation_is_404(client, db):
    assert client.get("/organisations/nobody/").status_code == 404


def test_milestone_page_shows_target_as_said_and_as_window(client, seed):
    response = client.get("/milestones/nissan-solid-state-cars-fy2028/")
    page = text(response)
    assert "“the 2028 financial year”" in page
    assert "1 April 2028 – 31 March 2029" in page
    assert "○ Announced" in page
    assert "badge-overdue" not in response.content.decode()


def test_open_start_milestone_window_is_a_deadline(client, seed):
    page = text(client.get("/milestones/casip-solid-state-supply-chain-by-2030/"))
    assert "deadline 31 December 2030" in page


def test_milestone_page_lists_participants_and_evidence(client, seed):
    response = client.get("/milestones/casip-solid-state-supply-chain-by-2030/")
    page = text(response)
    for name in ("CATL", "CALB", "EVE Energy", "SVOLT", "Nio"):
        assert name in page
    assert "electrive · 13 Feb 2024" in page
    assert 'href="https://www.electrive.com/2024/02/13/' in response.content.decode()


def test_paywalled_evidence_has_a_badge(client, seed):
    milestone = Milestone.objects.get(slug="toyota-first-solid-state-cars-2027-28")
    milestone.evidence.add(AnnouncementFactory(paywalled=True, title="Paid story"))
    page = text(client.get(TOYOTA))
    assert re.search(r"Paid story .*Paywall", page)


def test_revision_history_runs_old_to_new_with_the_moving_announcement(client):
    milestone = make_milestone(target="2027", slug="mover")
    first_move = AnnouncementFactory(title="First delay", published_on=date(2025, 2, 1))
    services.milestone_reschedule(milestone=milestone, target_text="2028", moved_by=first_move)
    second_move = AnnouncementFactory(title="Second delay", published_on=date(2025, 8, 1))
    services.milestone_reschedule(milestone=milestone, target_text="H2 2029", moved_by=second_move)
    page = text(client.get("/milestones/mover/"))
    first, second, third = (
        page.index("First stated as 2027"),
        page.index("2027 → 2028"),
        page.index("2028 → H2 2029"),
    )
    assert first < second < third
    assert "moved by First delay" in page and "moved by Second delay" in page
    assert "slipped 366 days" in page
    assert "» Delayed" in page


def test_overdue_badge(client):
    make_milestone(target="2020", slug="late-one", opened_on=date(2019, 1, 1))
    html = client.get("/milestones/late-one/").content.decode()
    assert '<span class="badge badge-overdue">Overdue</span>' in html


def test_get_reminders_section_renders_the_subscribe_form(client, seed):
    html = client.get(TOYOTA).content.decode()
    section = html[html.index('id="reminders-h"') :]
    assert "Get reminders" in section
    assert 'name="email"' in section  # the reminders app's form


def test_milestone_page_queries_do_not_grow_with_evidence(client, seed):
    milestone = Milestone.objects.get(slug="toyota-first-solid-state-cars-2027-28")
    with CaptureQueriesContext(connection) as few:
        client.get(TOYOTA)
    milestone.evidence.add(*[AnnouncementFactory() for _ in range(5)])
    services.milestone_reschedule(milestone=milestone, target_text="2029")
    with CaptureQueriesContext(connection) as many:
        client.get(TOYOTA)
    assert len(many) == len(few)


def test_announcement_page_has_source_quotes_and_links(client, seed):
    page = text(client.get("/announcements/china-launches-solid-state-battery-offensive/"))
    assert "electrive · 13 February 2024 · according to Nikkei Asia" in page
    assert "We need to be prepared for the risk" in page
    assert "— Ouyang Minggao, Professor (Tsinghua University), CASIP opening ceremony, January 2024" in page
    assert "Toyota: first electric cars with solid-state batteries launched" in page
    assert "Paywall" not in page


def test_upcoming_lists_deadlines_in_the_next_twelve_months(client):
    today = timezone.localdate()
    soon = today + timedelta(days=60)
    make_milestone(target=soon.isoformat(), slug="soon", opened_on=today)
    make_milestone(target=str(today.year + 3), slug="later", opened_on=today)
    done = make_milestone(target=soon.isoformat(), slug="done-soon", opened_on=today)
    services.milestone_set_status(milestone=done, status="cancelled")
    html = client.get("/upcoming/").content.decode()
    assert 'href="/milestones/soon/"' in html
    assert 'href="/milestones/later/"' not in html
    assert 'href="/milestones/done-soon/"' not in html


def test_overdue_lists_ended_unfinished_milestones(client):
    make_milestone(target="2020", slug="old", opened_on=date(2019, 1, 1))
    achieved = make_milestone(target="2021", slug="old-done", opened_on=date(2019, 1, 1))
    services.milestone_set_status(milestone=achieved, status="achieved", achieved_on=date(2021, 5, 1))
    html = client.get("/overdue/").content.decode()
    assert 'href="/milestones/old/"' in html and 'href="/milestones/old-done/"' not in html


def test_empty_lists_say_so(client, db):
    assert "No deadlines fall in the next twelve months." in text(client.get("/upcoming/"))
    assert "Nothing is overdue." in text(client.get("/overdue/"))


def test_search_finds_organisations_by_alias(client, seed):
    page = text(client.get("/search/", {"q": "宁德时代"}))
    assert "Organisations (1)" in page and "CATL" in page


def test_search_finds_milestones_and_announcements(client, seed):
    page = text(client.get("/search/", {"q": "Nissan"}))
    assert "Nissan: electric cars with solid-state batteries launched" in page
    assert "Announcements (1)" in page


def test_search_without_results(client, seed):
    page = text(client.get("/search/", {"q": "zeppelin"}))
    assert "Nothing matches “zeppelin”" in page


def test_search_rejects_overlong_text(client, db):
    response = client.get("/search/", {"q": "x" * 101})
    assert response.status_code == 400
    assert "at most 100 characters" in response.content.decode()


@pytest.mark.postgres
def test_postgres_search_uses_full_text_with_stemming(client, seed, postgres):
    # "launches" stems to "launch", which plain icontains on "launched" would not match with "launching".
    page = text(client.get("/search/", {"q": "launching"}))
    assert "Toyota: first electric cars with solid-state batteries launched" in page


def test_race_shows_earliest_target_per_region_and_category(client, seed):
    html = client.get("/race/").content.decode()
    rows = {
        re.sub(r"<[^>]+>", "", row.split("</th>")[0]).strip(): row
        for row in re.findall(r'<tr><th scope="row">(.*?)</tr>', html, re.S)
    }
    assert "Toyota" in rows["Japan"] and "2027/28" in rows["Japan"]
    assert "Nissan" not in rows["Japan"].split("Start of")[0] or "1 more" in rows["Japan"]
    assert "CASIP" in rows["China"] and "by 2030" in rows["China"]
    assert "no target yet" in rows["Europe"]
    assert "★ First" in rows["Japan"]  # vehicle launch: Toyota is earliest anywhere


def test_race_ignores_cancelled_milestones(client, seed):
    toyota = Milestone.objects.get(slug="toyota-first-solid-state-cars-2027-28")
    services.milestone_set_status(milestone=toyota, status="cancelled")
    html = client.get("/race/").content.decode()
    japan = re.search(r'<th scope="row">Japan</th>(.*?)</tr>', html, re.S).group(1)
    assert "Nissan" in japan and "Toyota" not in japan


def test_race_query_count_is_one(client, seed, django_assert_num_queries):
    with django_assert_num_queries(1):
        client.get("/race/")


def test_relation_kinds_are_all_displayed(client):
    a, b = OrganisationFactory(name="Alpha"), OrganisationFactory(name="Beta")
    Relation.objects.create(source=a, target=b, kind=Relation.Kind.SUPPLIER_TO)
    assert "Alpha supplier to Beta" in text(client.get(b.get_absolute_url()))
    assert Organisation.objects.count() == 2
