"""Open-ended targets ("2028 onwards", EDTF 2028/..) and relative phrases, end to end: the
service, the API, the pages, the calendar and Atom feeds, and the reminder outbox."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from milestones import services
from milestones.models import Milestone, Reminder
from tests.api_support import send, token_client
from tests.factories import AnnouncementFactory, OrganisationFactory, make_milestone
from tests.reminder_support import SmtpServer, smtp_settings, subscribe

pytestmark = pytest.mark.django_db
API = "/api/v1"


@pytest.fixture
def open_ended() -> Milestone:
    return make_milestone(
        owner=OrganisationFactory(slug="quantumscape", name="QuantumScape"),
        title="Cells in cars",
        slug="cells-in-cars",
        target="2028 onwards",
    )


def test_open_ended_target_is_stored_with_no_end_and_no_sentinel(open_ended):
    row = Milestone.objects.values("window_start", "window_end", "target_open_end", "target_edtf").get()
    assert row == {
        "window_start": date(2028, 1, 1),
        "window_end": None,
        "target_open_end": True,
        "target_edtf": "2028/..",
    }
    assert open_ended.revisions.get().new_end is None
    assert not open_ended.is_overdue(date(2099, 1, 1))


def test_relative_phrase_without_an_announcement_is_refused_by_the_service():
    with pytest.raises(ValidationError) as error:
        make_milestone(target="next year")
    assert "'next year' is relative; attach the announcement that said it" in str(error.value)


def test_relative_phrase_reads_against_the_first_evidence_and_keeps_the_phrase():
    said = AnnouncementFactory(published_on=date(2026, 12, 20))
    milestone = make_milestone(target="the fourth quarter", evidence=[said])
    assert (milestone.target_text, milestone.target_edtf, milestone.target_relative_to) == (
        "the fourth quarter",
        "2026-36",
        date(2026, 12, 20),
    )


def test_moving_announcement_is_the_reference_for_a_relative_reschedule():
    milestone = make_milestone(target="2027", evidence=[AnnouncementFactory(published_on=date(2025, 3, 1))])
    moved_by = AnnouncementFactory(published_on=date(2027, 1, 5))
    services.milestone_reschedule(milestone=milestone, target_text="the fourth quarter", moved_by=moved_by)
    milestone.refresh_from_db()
    assert (milestone.window_start, milestone.window_end) == (date(2027, 10, 1), date(2027, 12, 31))
    assert milestone.target_relative_to == date(2027, 1, 5)


def test_moving_to_an_open_end_marks_the_milestone_delayed():
    milestone = make_milestone(target="2027")
    services.milestone_reschedule(milestone=milestone, target_text="2028 onwards")
    milestone.refresh_from_db()
    assert milestone.status == Milestone.Status.DELAYED
    assert milestone.revisions.order_by("recorded_at", "id").last().slip_days == 0


def test_api_returns_a_null_end_and_the_reading(client, open_ended):
    target = client.get(f"{API}/milestones/cells-in-cars/").json()["target"]
    assert target == {
        "edtf": "2028/..",
        "text": "2028 onwards",
        "display": "from 2028",
        "start": "2028-01-01",
        "end": None,
        "approximate": False,
        "open_start": False,
        "open_end": True,
        "relative_to": None,
    }


def test_api_create_reads_a_relative_phrase_against_its_evidence(editor):
    AnnouncementFactory(slug="said", published_on=date(2026, 5, 12))
    OrganisationFactory(slug="catl", name="CATL")
    body = {"title": "Samples", "owner": "catl", "category": "samples", "target": "within two years"}
    response = send(token_client(editor), "post", f"{API}/milestones/", {**body, "evidence": ["said"]})
    assert response.status_code == 201, response.content
    target = response.json()["target"]
    assert (target["edtf"], target["start"], target["end"], target["relative_to"]) == (
        "../2028-05-12",
        "2026-05-12",
        "2028-05-12",
        "2026-05-12",
    )


def test_api_refuses_a_relative_phrase_without_evidence_with_400(editor):
    OrganisationFactory(slug="catl", name="CATL")
    body = {"title": "Samples", "owner": "catl", "category": "samples", "target": "next year"}
    response = send(token_client(editor), "post", f"{API}/milestones/", body)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "target" and "attach the announcement that said it" in error["reason"]


@pytest.mark.parametrize("ordering", ["deadline", "-deadline"])
def test_cursor_pages_reach_every_milestone_once_with_open_ends_mixed_in(client, ordering):
    owner = OrganisationFactory()
    for target in ("2028 onwards", "2027", "after 2030", "2026", "2029 and beyond", "2027"):
        make_milestone(owner=owner, target=target)
    seen, url = [], f"{API}/milestones/?page_size=2&ordering={ordering}"
    while url:
        page = client.get(url).json()
        seen += [row["target"]["end"] for row in page["results"]]
        url = page["next"]
    closed = ["2026-12-31", "2027-12-31", "2027-12-31"]
    assert seen == (closed + [None] * 3 if ordering == "deadline" else [None] * 3 + closed[::-1])


def test_pages_cross_from_dated_to_open_ended_rows_and_back_with_one_extra_query_at_most(client):
    # A dated cursor reads its range of dated rows (an index range); only the page that runs
    # out of them reads the open-ended ones, in one more query.
    owner = OrganisationFactory()
    for target in ("2026", "2027", "2028", "after 2030", "2029 and beyond", "2031 onwards", "2032 onwards"):
        make_milestone(owner=owner, target=target)
    with CaptureQueriesContext(connection) as first_page:
        page = client.get(f"{API}/milestones/?page_size=2").json()
    pages, counts, url = [page], [], page["next"]
    while url:
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).json()
        pages.append(page)
        counts.append(len(queries))
        url = page["next"]
    ends = [[row["target"]["end"] for row in page["results"]] for page in pages]
    assert ends == [["2026-12-31", "2027-12-31"], ["2028-12-31", None], [None, None], [None]]
    assert counts[0] == len(first_page) + 1  # the page that crosses over
    assert counts[1:] == [len(first_page)] * 2  # past it, the cursor is open-ended itself
    back, url = [], pages[-1]["previous"]
    while url:
        page = client.get(url).json()
        back.insert(0, [row["slug"] for row in page["results"]])
        url = page["previous"]
    assert back == [[row["slug"] for row in page["results"]] for page in pages[:-1]]


def test_active_on_filter_includes_an_open_window_after_its_start(client, open_ended):
    assert (
        client.get(f"{API}/milestones/?active_on=2040-06-01").json()["results"][0]["slug"] == "cells-in-cars"
    )
    assert client.get(f"{API}/milestones/?active_on=2027-06-01").json()["results"] == []


def test_timeline_draws_the_bar_fading_out_to_the_right(client, open_ended):
    page = client.get("/?year_from=2026&year_to=2032").content.decode()
    assert 'mask="url(#tl-m-open-end)"' in page
    assert '<mask id="tl-m-open-end"' in page


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/milestones/cells-in-cars/",
        "/organisations/quantumscape/",
        "/upcoming/",
        "/overdue/",
        "/race/",
        "/search/?q=cells",
        "/milestones/cells-in-cars/card.png",
        "/organisations/quantumscape/card.png",
        "/feeds/changes.atom",
        "/api/v1/milestones/?format=csv",
        "/api/v1/organisations/quantumscape/track-record/",
    ],
)
def test_every_reader_page_and_feed_serves_an_open_ended_target(client, open_ended, path):
    assert client.get(path).status_code == 200


def test_milestone_page_says_there_is_no_end(client, open_ended):
    page = client.get("/milestones/cells-in-cars/").content.decode()
    assert "from 1 January 2028" in page and "open-ended: no end" in page


def test_ical_event_sits_on_the_start_day(client, open_ended):
    calendar = Calendar.from_ical(client.get("/feeds/timeline.ics").content)
    (event,) = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == date(2028, 1, 1)
    assert event.decoded("dtend") == date(2028, 1, 2)
    assert "open-ended" in str(event.get("description"))


def _tick(day: date) -> None:
    with time_machine.travel(datetime(day.year, day.month, day.day, 10, tzinfo=ZoneInfo("UTC")), tick=False):
        services.reminders_tick()


def test_open_window_schedules_only_the_window_opens_reminder_once(settings, open_ended):
    settings.REMINDER_SEND_HOUR, settings.REMINDER_CATCHUP_DAYS = 9, 0
    subscribe("reader@example.com", milestone=open_ended)
    for day in (date(2028, 1, 1), date(2028, 1, 1), date(2028, 12, 31), date(2029, 1, 30)):
        _tick(day)
    assert list(Reminder.objects.values_list("kind", "due_on", "window_end")) == [
        ("window_opens", date(2028, 1, 1), None)
    ]


def test_moving_an_open_window_cancels_its_pending_reminder_and_schedules_the_new_one(settings, open_ended):
    settings.REMINDER_SEND_HOUR, settings.REMINDER_CATCHUP_DAYS = 9, 0
    subscribe("reader@example.com", milestone=open_ended)
    Reminder.objects.all().delete()
    _tick(date(2028, 1, 1))
    Reminder.objects.update(next_attempt_at=datetime(2100, 1, 1, tzinfo=ZoneInfo("UTC")))  # still pending
    services.milestone_reschedule(milestone=open_ended, target_text="2029 onwards")
    assert Reminder.objects.get().status == Reminder.Status.CANCELLED
    _tick(date(2029, 1, 1))
    pending = Reminder.objects.filter(status=Reminder.Status.PENDING)
    assert list(pending.values_list("kind", "due_on")) == [("window_opens", date(2029, 1, 1))]


def test_window_opens_digest_of_an_open_ended_target_is_sent_through_smtp(settings, open_ended):
    settings.REMINDER_SEND_HOUR, settings.REMINDER_CATCHUP_DAYS = 9, 0
    subscribe("reader@example.com", milestone=open_ended)
    with SmtpServer() as server:
        smtp_settings(settings, server)
        with time_machine.travel(datetime(2028, 1, 1, 12, tzinfo=ZoneInfo("UTC")), tick=False):
            services.reminders_scan(day=date(2028, 1, 1))
            assert services.reminders_send_batch().sent == 1
    text = server.messages[0].get_body(("plain",)).get_content()
    assert "Cells in cars" in text and "2028-01-01 – no end (open-ended)" in text
