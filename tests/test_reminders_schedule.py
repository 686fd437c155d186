"""Pure schedule logic: which reminder kinds fall due on which day, and the local send hour."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from milestones.domain import schedule as reminders
from milestones.domain.schedule import (
    Window,
    anchor_range,
    backoff_seconds,
    due_days,
    scan_day,
    send_moment,
)
from milestones.domain.targets import parse_target

UTC = ZoneInfo("UTC")
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def window(text: str, fiscal_year_start: int = 1) -> Window:
    target = parse_target(text, fiscal_year_start=fiscal_year_start, opened_on=date(2025, 1, 15))
    return Window(target.start, target.end, target.open_start)


def test_year_window_due_days():
    assert due_days(window("2030")) == {
        "window_opens": date(2030, 1, 1),
        "before_30": date(2030, 12, 1),
        "before_7": date(2030, 12, 24),
        "deadline": date(2030, 12, 31),
        "overdue_30": date(2031, 1, 30),
    }


def test_fy2028_with_april_fiscal_year_counts_back_from_march_2029():
    days = due_days(window("FY2028", fiscal_year_start=4))
    assert days["window_opens"] == date(2028, 4, 1)
    assert days["before_30"] == date(2029, 3, 1)
    assert days["before_7"] == date(2029, 3, 24)
    assert days["deadline"] == date(2029, 3, 31)
    assert days["overdue_30"] == date(2029, 4, 30)


def test_second_half_window():
    days = due_days(window("H2 2026"))
    assert (days["window_opens"], days["deadline"], days["before_30"]) == (
        date(2026, 7, 1),
        date(2026, 12, 31),
        date(2026, 12, 1),
    )


def test_quarter_window_crosses_month_boundaries():
    days = due_days(window("Q3 2027"))
    assert days["window_opens"] == date(2027, 7, 1)
    assert days["before_30"] == date(2027, 8, 31)
    assert days["before_7"] == date(2027, 9, 23)
    assert days["overdue_30"] == date(2027, 10, 30)


def test_single_day_window_opens_and_ends_the_same_day():
    due = due_days(window("2027-03-15"))
    assert [kind for kind, day in due.items() if day == date(2027, 3, 15)] == ["window_opens", "deadline"]
    assert [kind for kind, day in due.items() if day == date(2027, 3, 8)] == ["before_7"]


def test_open_start_deadline_has_no_opening_reminder():
    days = due_days(window("by 2030"))
    assert "window_opens" not in days
    assert days["deadline"] == date(2030, 12, 31)


def test_leap_day_deadline():
    assert due_days(window("February 2028"))["overdue_30"] == date(2028, 3, 30)


def test_chosen_kinds_only():
    assert set(due_days(window("2030"), {"deadline", "before_7"})) == {"deadline", "before_7"}


@given(
    start=st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)),
    length=st.integers(min_value=0, max_value=800),
    first=st.dates(min_value=date(2000, 1, 1), max_value=date(2101, 1, 1)),
    span=st.integers(min_value=0, max_value=10),
)
def test_anchor_range_is_the_inverse_of_due_day(start, length, first, span):
    """The scan's SQL uses anchor_range; it must select exactly the windows due_day says."""
    win = Window(start, start + timedelta(days=length))
    last = first + timedelta(days=span)
    for rule in reminders.RULES:
        anchor = win.start if rule.anchor == reminders.START else win.end
        low, high = anchor_range(rule, first, last)
        due = reminders.due_day(rule, win)
        assert (low <= anchor <= high) == (first <= due <= last)


def test_send_moment_follows_summer_time():
    assert send_moment(date(2026, 3, 28), 9, BERLIN) == datetime(2026, 3, 28, 8, tzinfo=UTC)
    assert send_moment(date(2026, 3, 29), 9, BERLIN) == datetime(2026, 3, 29, 7, tzinfo=UTC)
    assert send_moment(date(2026, 10, 25), 9, BERLIN) == datetime(2026, 10, 25, 8, tzinfo=UTC)


def test_send_hour_inside_the_spring_gap_goes_out_when_the_gap_ends():
    moment = send_moment(date(2026, 3, 29), 2, BERLIN)  # 02:00 does not exist that night
    assert moment.astimezone(BERLIN).hour == 3
    assert moment == datetime(2026, 3, 29, 1, tzinfo=UTC)


def test_repeated_autumn_hour_sends_on_its_first_occurrence():
    moment = send_moment(date(2026, 11, 1), 1, NEW_YORK)  # 01:00 happens twice
    assert moment == datetime(2026, 11, 1, 5, tzinfo=UTC)  # 01:00 EDT, not 01:00 EST


def test_scan_day_waits_for_the_local_hour():
    at = datetime(2026, 3, 29, 6, 59, tzinfo=UTC)  # 08:59 in Berlin (summer time began at 02:00)
    assert scan_day(at, 9, BERLIN) == date(2026, 3, 28)
    assert scan_day(at + timedelta(minutes=1), 9, BERLIN) == date(2026, 3, 29)


def test_scan_day_crosses_midnight_in_local_time_not_utc():
    at = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)  # already 1 July, 00:30, in Berlin
    assert scan_day(at, 0, BERLIN) == date(2026, 7, 1)
    assert scan_day(at, 0, UTC) == date(2026, 6, 30)


def test_backoff_grows_exponentially_with_jitter_up_to_the_cap():
    rng = random.Random(7)
    delays = [backoff_seconds(attempt, base=10, cap=100, rng=rng) for attempt in range(1, 8)]
    steps = [10, 20, 40, 80, 100, 100, 100]
    for delay, step in zip(delays, steps, strict=True):
        assert step / 2 <= delay <= step
    assert len(set(delays)) == len(delays)  # jittered, not lock-step
