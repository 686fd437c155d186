"""Query counts pinned on the hot paths: each page, feed, changelist and send batch
costs the same number of queries with 1 row as with 50 (no N+1).

Each test builds ``rows`` of whatever the page lists, with every relation it
draws (owner, publisher, evidence, participants, revisions), so a missing
``select_related``/``prefetch_related`` shows up as a count that grows.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from milestones import services
from milestones.models import Milestone, Organisation, Relation, TargetRevision
from milestones.web.feeds import FEED_LENGTH
from tests.factories import AnnouncementFactory, OrganisationFactory, PublisherFactory, make_milestone
from tests.reminder_support import subscribe

pytestmark = pytest.mark.django_db

ROWS = pytest.mark.parametrize("rows", [1, 50])


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0  # a cached page would hide its queries


def milestone_with_relations(number: int, *, owner: Organisation | None = None) -> Milestone:
    """A milestone (with its own owner unless given), one participant and one sourced announcement."""
    milestone = make_milestone(owner=owner or OrganisationFactory(), title=f"Cells in production {number}")
    milestone.participants.add(OrganisationFactory())
    milestone.evidence.add(AnnouncementFactory())
    return milestone


def target_move(milestone: Milestone, *, number: int) -> TargetRevision:
    """A recorded slip of one year, moved by an announcement (with its own publisher)."""
    return TargetRevision.objects.create(
        milestone=milestone,
        old_text="2030",
        old_edtf="2030",
        old_display="2030",
        old_start=date(2030, 1, 1),
        old_end=date(2030, 12, 31),
        new_text="2031",
        new_edtf="2031",
        new_display="2031",
        new_start=date(2031, 1, 1),
        new_end=date(2031, 12, 31),
        moved_by=AnnouncementFactory(published_on=date(2025, 2, 1)),
        recorded_at=timezone.now() + timedelta(seconds=number),
        effective_on=date(2025, 2, 1),
    )


def organisation_with_rows(rows: int) -> Organisation:
    """An organisation with ``rows`` each of milestones, announcements, subsidiaries and relations."""
    organisation = OrganisationFactory(name="Solid Power Holdings")
    for number in range(rows):
        milestone_with_relations(number, owner=organisation)
        AnnouncementFactory().organisations.add(organisation)
        OrganisationFactory(parent=organisation)
        relation = Relation.objects.create(
            source=OrganisationFactory(), target=organisation, kind=Relation.Kind.MEMBER_OF, role="member"
        )
        relation.evidence.add(AnnouncementFactory())
    return organisation


def milestone_with_rows(rows: int) -> Milestone:
    """One milestone with ``rows`` each of participants, evidence and target moves."""
    milestone = make_milestone(title="Pilot line")
    for number in range(rows):
        milestone.participants.add(OrganisationFactory())
        milestone.evidence.add(AnnouncementFactory(published_on=date(2025, 3, 1)))
        target_move(milestone, number=number)
    return milestone


# One line per path: what each query is for, so a changed number is easy to place.
HOME_QUERIES = 5  # filter choices; milestones (+ revision count); participants; evidence; first claims
ORGANISATION_QUERIES = 12  # organisation+parent; subsidiaries; milestones + 3 prefetches; announcements;
# track record (2); relations + their evidence; every claim's facts for the slip record
MILESTONE_QUERIES = 5  # milestone+owner; participants; evidence+publishers; revisions+moved_by+recorded_by;
# every claim's facts for the outside view
ANNOUNCEMENTS_FEED_QUERIES = 5  # freshness (4 aggregates); announcements+publishers
CHANGES_FEED_QUERIES = 7  # freshness (4); target moves+milestone+owner+announcement; history ids; history


@ROWS
def test_home_timeline(client, rows, django_assert_num_queries):
    for number in range(rows):
        milestone_with_relations(number)
    with django_assert_num_queries(HOME_QUERIES):
        response = client.get("/")
    assert response.status_code == 200
    assert response.content.decode().count('class="ms-item"') == rows


@ROWS
def test_organisation_page(client, rows, django_assert_num_queries):
    organisation = organisation_with_rows(rows)
    with django_assert_num_queries(ORGANISATION_QUERIES):
        response = client.get(organisation.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count('class="ms-item"') == rows


@ROWS
def test_milestone_page(client, rows, django_assert_num_queries):
    milestone = milestone_with_rows(rows)
    with django_assert_num_queries(MILESTONE_QUERIES):
        response = client.get(milestone.get_absolute_url())
    assert response.status_code == 200
    assert response.content.decode().count("→ 2031") == rows


@ROWS
def test_announcements_feed(client, rows, django_assert_num_queries):
    for _number in range(rows):
        AnnouncementFactory()
    with django_assert_num_queries(ANNOUNCEMENTS_FEED_QUERIES):
        response = client.get("/feeds/announcements.atom")
    assert response.status_code == 200
    assert response.content.decode().count("<entry>") == rows


@ROWS
def test_changes_feed(client, rows, django_assert_num_queries):
    for number in range(rows):
        milestone = milestone_with_relations(number)
        target_move(milestone, number=number)
        milestone.status = Milestone.Status.AT_RISK
        milestone.save()  # a status change, read back from the change history
    with django_assert_num_queries(CHANGES_FEED_QUERIES):
        response = client.get("/feeds/changes.atom")
    assert response.status_code == 200
    assert response.content.decode().count("<entry>") == min(2 * rows, FEED_LENGTH)


DAY = date(2030, 12, 24)  # "7 days before" for every 2030 target
NOON = datetime(2030, 12, 24, 12, tzinfo=UTC)
# the claim: due addresses; their subscriptions; the claiming UPDATE; the claimed rows with
# subscription, milestone and owner joined. Then per digest: the UPDATE that marks it sent.
BATCH_BASE_QUERIES = 4
QUERIES_PER_DIGEST = 1


def due_reminders(*, addresses: int, milestones_each: int) -> None:
    for address in range(addresses):
        for number in range(milestones_each):
            milestone = make_milestone(target="2030", title=f"Cells {address}-{number}")
            subscribe(f"reader{address}@example.com", milestone=milestone)
    with time_machine.travel(NOON, tick=False):
        services.reminders_scan(day=DAY)


@ROWS
def test_reminder_batch_with_many_reminders_for_one_address(rows, django_assert_num_queries, mailoutbox):
    due_reminders(addresses=1, milestones_each=rows)
    with time_machine.travel(NOON, tick=False), django_assert_num_queries(BATCH_BASE_QUERIES + 1):
        result = services.reminders_send_batch(limit=100)
    assert result.sent == 1 and len(mailoutbox) == 1


@ROWS
def test_reminder_batch_costs_one_update_per_digest(rows, django_assert_num_queries, mailoutbox):
    # Linear by design: each digest is marked sent right after its own SMTP
    # send, so a crash loses at most that one (see services/reminders.py).
    due_reminders(addresses=rows, milestones_each=1)
    expected = BATCH_BASE_QUERIES + QUERIES_PER_DIGEST * rows
    with time_machine.travel(NOON, tick=False), django_assert_num_queries(expected):
        result = services.reminders_send_batch(limit=100)
    assert result.sent == rows and len(mailoutbox) == rows


# session; user; result and full counts; the page's rows (owner joined); date hierarchy (3)
# plus one query per filter that lists only the values in use (kind, region, country,
# category, technology, electrolyte)
MILESTONE_CHANGELIST_QUERIES = 14
# session; user; publisher and original-source filters; result and full counts; the page's
# rows (publisher, original source joined); date hierarchy (2)
ANNOUNCEMENT_CHANGELIST_QUERIES = 9


@ROWS
def test_admin_milestone_changelist(admin_client, rows, django_assert_num_queries):
    for number in range(rows):
        milestone_with_relations(number)
    with django_assert_num_queries(MILESTONE_CHANGELIST_QUERIES):
        response = admin_client.get("/admin/milestones/milestone/")
    assert response.status_code == 200
    assert response.context["cl"].result_count == rows


@ROWS
def test_admin_announcement_changelist(admin_client, rows, django_assert_num_queries):
    for _number in range(rows):
        announcement = AnnouncementFactory(original_source=PublisherFactory())
        announcement.organisations.add(OrganisationFactory())
    with django_assert_num_queries(ANNOUNCEMENT_CHANGELIST_QUERIES):
        response = admin_client.get("/admin/milestones/announcement/")
    assert response.status_code == 200
    assert response.context["cl"].result_count == rows
