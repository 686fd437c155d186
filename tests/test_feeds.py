"""iCalendar and Atom feeds, parsed with icalendar and feedparser; conditional requests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import feedparser
import pytest
import time_machine
from django.utils import timezone
from django.utils.http import http_date, parse_http_date
from icalendar import Calendar

from milestones import selectors, services
from milestones.models import Milestone
from tests.factories import AnnouncementFactory, make_milestone

pytestmark = pytest.mark.django_db

TOYOTA = "toyota-first-solid-state-cars-2027-28"


def calendar(client, url: str, params: dict | None = None) -> Calendar:
    response = client.get(url, params or {})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def events_by_url(cal: Calendar) -> dict[str, object]:
    return {str(event["URL"]).rsplit("/milestones/", 1)[1].strip("/"): event for event in cal.walk("VEVENT")}


def atom(client, url: str):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return parsed


def test_calendar_has_an_all_day_event_spanning_each_window(client, seed):
    events = events_by_url(calendar(client, "/feeds/timeline.ics"))
    assert len(events) == 5
    toyota = events[TOYOTA]
    assert toyota.decoded("DTSTART") == date(2027, 1, 1)
    assert toyota.decoded("DTEND") == date(2029, 1, 1)  # exclusive end of 31 Dec 2028
    assert "2027/28" in str(toyota["SUMMARY"])
    assert str(toyota["URL"]) == f"http://testserver/milestones/{TOYOTA}/"
    assert "electrive" in str(toyota["DESCRIPTION"])


def test_open_start_event_sits_on_the_deadline_day(client, seed):
    events = events_by_url(calendar(client, "/feeds/timeline.ics"))
    casip = events["casip-solid-state-supply-chain-by-2030"]
    assert casip.decoded("DTSTART") == date(2030, 12, 31)
    assert casip.decoded("DTEND") == date(2031, 1, 1)


def test_uid_is_stable_and_sequence_grows_when_the_target_moves(client, seed):
    before = events_by_url(calendar(client, "/feeds/timeline.ics"))[TOYOTA]
    assert int(before["SEQUENCE"]) == 0
    milestone = Milestone.objects.get(slug=TOYOTA)
    services.milestone_reschedule(milestone=milestone, target_text="2029", moved_by=AnnouncementFactory())
    after = events_by_url(calendar(client, "/feeds/timeline.ics"))[TOYOTA]
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) == 1
    assert after.decoded("DTSTART") == date(2029, 1, 1)


def test_calendar_follows_timeline_filters(client, seed):
    events = events_by_url(calendar(client, "/feeds/timeline.ics", {"region": "japan"}))
    assert set(events) == {TOYOTA, "nissan-solid-state-cars-fy2028"}


def test_calendar_rejects_bad_filters_with_the_reason(client, seed):
    response = client.get("/feeds/timeline.ics", {"status": "sideways"})
    assert response.status_code == 400
    assert "status: Select a valid choice" in response.content.decode()


def test_organisation_calendar_includes_milestones_it_takes_part_in(client, seed):
    cal = calendar(client, "/organisations/catl/calendar.ics")
    assert "CATL" in str(cal["X-WR-CALNAME"])
    assert len(events_by_url(cal)) == 2


def test_unknown_organisation_calendar_is_404(client, db):
    assert client.get("/organisations/nobody/calendar.ics").status_code == 404


def test_empty_calendar_is_still_valid(client, db):
    assert calendar(client, "/feeds/timeline.ics").walk("VEVENT") == []


def test_announcements_feed(client, seed):
    feed = atom(client, "/feeds/announcements.atom")
    assert feed.feed.title == "SSB Tracker: new announcements"
    entry = feed.entries[0]
    assert entry.title == "China’s car and battery industry launches solid-state battery offensive"
    assert entry.link.endswith("/announcements/china-launches-solid-state-battery-offensive/")
    assert entry.author == "electrive"


def test_announcements_feed_newest_first(client, seed):
    AnnouncementFactory(title="Fresh news", published_on=date(2025, 5, 5))
    assert atom(client, "/feeds/announcements.atom").entries[0].title == "Fresh news"


def test_changes_feed_reports_target_moves_and_status_changes(client, seed):
    milestone = Milestone.objects.get(slug=TOYOTA)
    services.milestone_reschedule(
        milestone=milestone, target_text="2029", moved_by=AnnouncementFactory(title="Toyota delays")
    )
    nissan = Milestone.objects.get(slug="nissan-solid-state-cars-fy2028")
    services.milestone_set_status(milestone=nissan, status="at_risk")
    entries = atom(client, "/feeds/changes.atom").entries
    titles = [entry.title for entry in entries]
    assert any("target 2027/28 → 2029" in title for title in titles)
    assert any("Nissan" in title and "Announced → At risk" in title for title in titles)
    moved = next(entry for entry in entries if "→ 2029" in entry.title)
    assert "Toyota delays" in moved.summary
    assert moved.link.endswith(f"/milestones/{TOYOTA}/")
    assert len({entry.id for entry in entries}) == len(entries)


def test_changes_feed_is_empty_without_changes(client, seed):
    # First claims are not changes; the reschedule-to-delayed status flip would be.
    assert atom(client, "/feeds/changes.atom").entries == []


FEEDS = [
    "/feeds/timeline.ics",
    "/organisations/casip/calendar.ics",
    "/feeds/announcements.atom",
    "/feeds/changes.atom",
]


def edit_a_milestone(at: datetime, title: str = "Toyota: solid-state cars, restated") -> None:
    """A title edit, the kind that changes no announcement date (the Atom feeds' own clock)."""
    with time_machine.travel(at, tick=False):
        toyota = Milestone.objects.get(slug=TOYOTA)
        toyota.title = title
        toyota.save()


@pytest.mark.parametrize("url", FEEDS)
def test_feeds_answer_conditional_requests(client, seed, url):
    first = client.get(url)
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


@pytest.mark.parametrize("url", FEEDS)
def test_after_an_edit_the_previous_last_modified_gets_the_new_feed(client, seed, url):
    previous = client.get(url)["Last-Modified"]
    edited_at = timezone.now() + timedelta(days=1)  # ahead of the seed, as a real edit is
    edit_a_milestone(edited_at)
    response = client.get(url, HTTP_IF_MODIFIED_SINCE=previous)
    assert response.status_code == 200
    assert response["Last-Modified"] == http_date(edited_at.timestamp())
    assert response["Last-Modified"] != previous


@pytest.mark.parametrize("url", FEEDS)
def test_after_an_edit_the_current_last_modified_gets_304(client, seed, url):
    edit_a_milestone(timezone.now() + timedelta(days=1))
    current = client.get(url)
    not_modified = client.get(url, HTTP_IF_MODIFIED_SINCE=current["Last-Modified"])
    assert not_modified.status_code == 304
    assert not_modified["Last-Modified"] == current["Last-Modified"]
    assert not_modified["ETag"] == current["ETag"]


@pytest.mark.parametrize("url", FEEDS)
def test_last_modified_is_the_value_the_304_check_compares(client, seed, url):
    # Just before a second boundary: rounding instead of truncating would date the feed a second late.
    edit_a_milestone(datetime(2031, 5, 6, 7, 8, 9, 999_999, tzinfo=UTC))
    changed_at, _counts = selectors.freshness()
    response = client.get(url)
    assert parse_http_date(response["Last-Modified"]) == int(changed_at.timestamp())
    assert response["Last-Modified"] == "Tue, 06 May 2031 07:08:09 GMT"
    one_second_earlier = http_date(int(changed_at.timestamp()) - 1)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=one_second_earlier).status_code == 200
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"]).status_code == 304


def test_an_edit_within_the_same_second_changes_the_etag(client, seed):
    """HTTP dates cannot tell two edits in one second apart; the ETag can."""
    at = datetime(2031, 5, 6, 7, 8, 9, 100_000, tzinfo=UTC)
    edit_a_milestone(at)
    first = client.get("/feeds/changes.atom")
    edit_a_milestone(at + timedelta(milliseconds=500), title="Toyota: solid-state cars, restated again")
    response = client.get("/feeds/changes.atom", HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200
    assert response["Last-Modified"] == first["Last-Modified"] and response["ETag"] != first["ETag"]


def test_etag_changes_when_a_target_moves(client, seed):
    etag = client.get("/feeds/timeline.ics")["ETag"]
    milestone = Milestone.objects.get(slug=TOYOTA)
    services.milestone_reschedule(milestone=milestone, target_text="2029")
    response = client.get("/feeds/timeline.ics", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and response["ETag"] != etag


def test_etag_changes_when_a_milestone_is_deleted(client, seed):
    make_milestone(target="2031", slug="doomed")
    etag = client.get("/feeds/timeline.ics")["ETag"]
    Milestone.objects.get(slug="doomed").delete()
    assert client.get("/feeds/timeline.ics", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_etag_differs_per_filter(client, seed):
    japan = client.get("/feeds/timeline.ics", {"region": "japan"})["ETag"]
    assert client.get("/feeds/timeline.ics", {"region": "china"}, HTTP_IF_NONE_MATCH=japan).status_code == 200


def test_pages_advertise_their_feeds(client, seed):
    for url, kind in [
        ("/", "text/calendar"),
        ("/organisations/casip/", "text/calendar"),
        (f"/milestones/{TOYOTA}/", "text/calendar"),
        ("/race/", "application/atom+xml"),
    ]:
        head = client.get(url).content.decode().split("</head>")[0]
        assert f'<link rel="alternate" type="{kind}"' in head, url


def test_old_milestone_dates_survive_round_trip(client, db):
    make_milestone(target="2019-02-28", slug="past-day", opened_on=date(2018, 1, 1))
    event = events_by_url(calendar(client, "/feeds/timeline.ics"))["past-day"]
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(days=1)
