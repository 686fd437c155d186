"""The outbox scan: set-based, idempotent, through time (time-machine), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from milestones import services
from milestones.models import Reminder
from tests.factories import OrganisationFactory, make_milestone
from tests.reminder_support import subscribe

pytestmark = pytest.mark.django_db
UTC = ZoneInfo("UTC")


def tick(day: date, hour: int = 9, minute: int = 0, tz: str = "UTC") -> services.TickResult:
    at = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(tz))
    with time_machine.travel(at, tick=False):
        return services.reminders_tick()


def kinds(**filters) -> set[tuple[str, date]]:
    return set(Reminder.objects.filter(**filters).values_list("kind", "due_on"))


@pytest.fixture(autouse=True)
def _exact_days(settings):
    settings.REMINDER_SEND_HOUR = 9
    settings.REMINDER_CATCHUP_DAYS = 0  # so each test sees exactly one day's reminders


@pytest.mark.parametrize(
    ("target", "fiscal_start", "expected"),
    [
        (
            "2030",
            1,
            {
                "window_opens": date(2030, 1, 1),
                "before_30": date(2030, 12, 1),
                "deadline": date(2030, 12, 31),
            },
        ),
        (
            "FY2028",
            4,
            {
                "window_opens": date(2028, 4, 1),
                "before_7": date(2029, 3, 24),
                "overdue_30": date(2029, 4, 30),
            },
        ),
        ("H2 2026", 1, {"window_opens": date(2026, 7, 1), "before_30": date(2026, 12, 1)}),
        ("Q3 2027", 1, {"before_30": date(2027, 8, 31), "deadline": date(2027, 9, 30)}),
        ("2027-03-15", 1, {"before_7": date(2027, 3, 8), "deadline": date(2027, 3, 15)}),
        ("by 2030", 1, {"before_7": date(2030, 12, 24), "deadline": date(2030, 12, 31)}),
    ],
)
def test_each_kind_is_written_on_its_day_at_the_send_hour_and_not_before(target, fiscal_start, expected):
    owner = OrganisationFactory(fiscal_year_start_month=fiscal_start)
    milestone = make_milestone(owner=owner, target=target)
    subscribe("reader@example.com")
    for kind, day in expected.items():
        tick(day - timedelta(days=1), hour=23)
        tick(day, hour=8, minute=59)
        assert (kind, day) not in kinds(milestone=milestone)
        tick(day)
        assert (kind, day) in kinds(milestone=milestone, window_end=milestone.window_end)


def test_open_start_target_never_sends_window_opens():
    milestone = make_milestone(target="by 2030", opened_on=date(2025, 1, 15))
    subscribe("reader@example.com")
    tick(milestone.window_start)
    assert not Reminder.objects.filter(kind="window_opens").exists()


def test_send_hour_is_local_across_summer_time(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    milestone = make_milestone(target="2026-03-29")
    subscribe("reader@example.com", remind_window_opens=False)
    tick(date(2026, 3, 29), hour=6, minute=59, tz="UTC")  # 08:59 CEST
    assert not Reminder.objects.exists()
    tick(date(2026, 3, 29), hour=7, tz="UTC")  # 09:00 CEST, the first day of summer time
    assert kinds(milestone=milestone) == {("deadline", date(2026, 3, 29))}


def test_rerun_and_overlapping_scans_insert_nothing():
    make_milestone(target="2030")
    subscribe("a@example.com")
    subscribe("b@example.com")
    assert tick(date(2030, 12, 24)).inserted == 2
    assert tick(date(2030, 12, 24)).inserted == 0
    assert tick(date(2030, 12, 24), hour=15).inserted == 0
    assert Reminder.objects.count() == 2


def test_catch_up_writes_reminders_missed_while_beat_was_down(settings):
    settings.REMINDER_CATCHUP_DAYS = 7
    make_milestone(target="2030")
    subscribe("a@example.com")
    tick(date(2030, 12, 27))  # beat was down on the 24th
    assert kinds() == {("before_7", date(2030, 12, 24))}


def test_scan_is_one_insert_statement(django_assert_max_num_queries, django_capture_on_commit_callbacks):
    for number in range(5):
        make_milestone(target="2030", title=f"Cells {number}")
    for number in range(5):
        subscribe(f"r{number}@example.com")
    with django_assert_max_num_queries(3) as captured:  # savepoint, INSERT … SELECT, release
        inserted = services.reminders_scan(day=date(2030, 12, 24))
    assert inserted == 25
    assert [q["sql"].split()[0] for q in captured.captured_queries].count("INSERT") == 1


def test_unconfirmed_address_gets_nothing():
    make_milestone(target="2030")
    subscribe("pending@example.com", confirmed=False)
    tick(date(2030, 12, 24))
    assert not Reminder.objects.exists()


def test_nothing_due_before_confirmation_is_backfilled(settings):
    settings.REMINDER_CATCHUP_DAYS = 30
    make_milestone(target="2030")
    subscribe("late@example.com", active_from=date(2030, 12, 20))
    tick(date(2030, 12, 24))
    assert kinds() == {("before_7", date(2030, 12, 24))}  # not before_30 of 1 December


def test_unsubscribed_address_gets_nothing_and_pending_rows_are_cancelled():
    make_milestone(target="2030")
    subscribe("gone@example.com")
    tick(date(2030, 12, 1))
    services.subscriptions_unsubscribe(email="gone@example.com")
    assert set(Reminder.objects.values_list("status", flat=True)) == {"cancelled"}
    tick(date(2030, 12, 24))
    assert Reminder.objects.count() == 1


def test_lead_time_choices_are_respected():
    make_milestone(target="2030")
    subscribe("picky@example.com", remind_7_before=False)
    tick(date(2030, 12, 24))
    tick(date(2030, 12, 31))
    assert {kind for kind, _ in kinds()} == {"deadline"}


def test_final_milestones_get_no_reminders():
    milestone = make_milestone(target="2030")
    services.milestone_set_status(milestone=milestone, status="cancelled")
    subscribe("reader@example.com")
    tick(date(2030, 12, 24))
    assert not Reminder.objects.exists()


def test_overdue_reminder_only_while_not_final():
    make_milestone(target="2030", title="Late")
    done = make_milestone(target="2030", title="Done")
    subscribe("reader@example.com")
    services.milestone_set_status(milestone=done, status="achieved", achieved_on=date(2031, 1, 5))
    tick(date(2031, 1, 30))
    assert set(Reminder.objects.values_list("milestone__title", "kind")) == {("Late", "overdue_30")}


def test_slip_cancels_old_window_and_schedules_the_new_one():
    milestone = make_milestone(target="2030")
    subscribe("reader@example.com")
    tick(date(2030, 12, 1))
    old = Reminder.objects.get()
    services.milestone_reschedule(milestone=milestone, target_text="2031")
    old.refresh_from_db()
    assert (old.status, old.last_error) == ("cancelled", "target moved")
    tick(date(2031, 12, 1))
    new = Reminder.objects.get(status="pending")
    assert (new.kind, new.window_end) == ("before_30", date(2031, 12, 31))


def test_organisation_scope_covers_owned_participated_and_future_milestones():
    toyota = OrganisationFactory(name="Toyota")
    subscribe("fan@example.com", organisation=toyota)
    owned = make_milestone(owner=toyota, target="2030", title="Owned")
    joint = make_milestone(target="2030", title="Joint")
    joint.participants.add(toyota)
    make_milestone(target="2030", title="Unrelated")
    later = make_milestone(owner=toyota, target="2030", title="Added later")  # after subscribing
    tick(date(2030, 12, 24))
    titles = set(Reminder.objects.values_list("milestone__title", flat=True))
    assert titles == {owned.title, joint.title, later.title}


def test_milestone_scope_covers_only_that_milestone():
    watched = make_milestone(target="2030", title="Watched")
    make_milestone(target="2030", title="Other")
    subscribe("one@example.com", milestone=watched)
    tick(date(2030, 12, 24))
    assert list(Reminder.objects.values_list("milestone__title", flat=True)) == ["Watched"]
