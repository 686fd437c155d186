"""Reminder schedule: pure date logic, no ORM (the scan's SQL is built from it).

A reminder kind is an *anchor* (the window's start or end) plus an offset in
days. A kind is due on ``anchor + offset``; the scan asks the inverse question,
"which anchors make this kind due between two days?", so each kind becomes a
range condition on an indexed column.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

UTC = ZoneInfo("UTC")

START = "window_start"
END = "window_end"


@dataclass(frozen=True)
class KindRule:
    kind: str
    anchor: str  # START or END
    offset_days: int
    flag: str  # Subscription field that opts in
    only_closed_start: bool = False  # "by 2030" starts on the announcement day: nothing opens


# The kinds in the order a digest lists them. Values match Reminder.Kind.
RULES: tuple[KindRule, ...] = (
    KindRule("window_opens", START, 0, "remind_window_opens", only_closed_start=True),
    KindRule("before_30", END, -30, "remind_30_before"),
    KindRule("before_7", END, -7, "remind_7_before"),
    KindRule("deadline", END, 0, "remind_deadline"),
    KindRule("overdue_30", END, 30, "remind_30_overdue"),
)
RULES_BY_KIND = {rule.kind: rule for rule in RULES}


@dataclass(frozen=True)
class Window:
    start: date
    end: date | None  # None: open-ended, so only the window-opens reminder applies
    open_start: bool = False


def due_day(rule: KindRule, window: Window) -> date | None:
    """The day ``rule`` falls due for ``window``, or None when it never applies."""
    if rule.only_closed_start and window.open_start:
        return None
    anchor = window.start if rule.anchor == START else window.end
    if anchor is None:
        return None
    return anchor + timedelta(days=rule.offset_days)


def due_days(window: Window, kinds: set[str] | None = None) -> dict[str, date]:
    """Every applicable kind (or the chosen ``kinds``) with the day it is due."""
    result = {}
    for rule in RULES:
        if kinds is not None and rule.kind not in kinds:
            continue
        day = due_day(rule, window)
        if day is not None:
            result[rule.kind] = day
    return result


def anchor_range(rule: KindRule, first_day: date, last_day: date) -> tuple[date, date]:
    """Anchors for which ``rule`` is due on a day in [first_day, last_day]."""
    shift = timedelta(days=rule.offset_days)
    return first_day - shift, last_day - shift


def send_moment(day: date, hour: int, tz: ZoneInfo) -> datetime:
    """The instant local ``hour`` o'clock happens on ``day``, in UTC.

    DST: on a spring-forward day a missing hour (02:00 in Europe) becomes the
    first instant after the gap (03:00 local); on a fall-back day a repeated
    hour is its first occurrence. Either way exactly one moment per day.
    """
    # PEP 495, fold=0: a time in a gap is read with the offset from before the
    # change, which lands it just after the gap; a repeated time is its first.
    local = datetime.combine(day, time(hour), tzinfo=tz)
    return local.astimezone(UTC)


def scan_day(now: datetime, hour: int, tz: ZoneInfo) -> date:
    """The latest local day whose send moment has passed at ``now``.

    Before the send hour it is yesterday, so reminders due today wait for the
    hour; the outbox then sends all with ``due_on <= scan_day``.
    """
    today = now.astimezone(tz).date()
    if now >= send_moment(today, hour, tz):
        return today
    return today - timedelta(days=1)


def backoff_seconds(attempt: int, *, base: float, cap: float, rng: random.Random | None = None) -> float:
    """Delay before retry ``attempt`` (1 = first retry): exponential, capped, "full jitter".

    Full jitter (uniform between half and all of the exponential step) keeps
    a burst of failures from retrying in lock-step against a struggling server.
    """
    step = min(cap, base * (2 ** max(0, attempt - 1)))
    return (rng or random).uniform(step / 2, step)
