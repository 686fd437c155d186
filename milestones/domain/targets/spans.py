"""Closed windows (spans) with their EDTF form: the building blocks every phrase resolves to."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

MIN_YEAR = 1900
MAX_YEAR = 2199

ACCEPTED_FORMS = (
    "2030, in 2030; by 2030, no later than 2030; around 2030, circa 2030; "
    "2027/28, 2027-28, 2027 or 2028; FY2028, fiscal 2028; H2 2026, second half of 2026; "
    "Q3 2027, third quarter of 2026, Q3 of 2026; early/mid/late 2027; end of 2025; "
    "March 2027, 15 March 2027, March 15, 2027; 2027-03-15; "
    "between 2026 and 2028, from 2026 to 2028, Q4 2026 to Q1 2027; "
    "spring/summer/autumn/fall 2026, winter 2026/27; "
    "first half of fiscal 2027, fiscal Q3 2027, by the end of fiscal 2028, "
    "the fiscal year ending March 2027, the financial year beginning April 2028; "
    "the early 2030s, the mid-2020s, the late 2020s, the second half of the 2020s, by the end of the decade; "
    "2030 and beyond, from 2028, 2028 onwards, after 2030, not before 2028, 2027 at the earliest; "
    "with the stating announcement: this year, next year, later this year, by the end of this year, "
    "within two years, in the next 12 months, the fourth quarter, by the end of November; "
    "a year in brackets after a phrase without one: the fourth quarter (2026); "
    "or EDTF such as 2030~, 2027-35, ../2030, 2028/.., 2028-04/2029-03"
)

MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name}
MONTHS.update({name.lower(): number for number, name in enumerate(calendar.month_abbr) if name})
MONTHS["sept"] = 9

# EDTF sub-year groupings (ISO 8601-2): code -> (first month, last month, label).
# Winter (24) runs December to February of the following year.
SUB_YEAR = {
    21: (3, 5, "spring {y}"),
    22: (6, 8, "summer {y}"),
    23: (9, 11, "autumn {y}"),
    24: (12, 14, "winter {y}"),
    33: (1, 3, "Q1 {y}"),
    34: (4, 6, "Q2 {y}"),
    35: (7, 9, "Q3 {y}"),
    36: (10, 12, "Q4 {y}"),
    37: (1, 4, "early {y}"),
    38: (5, 8, "mid {y}"),
    39: (9, 12, "late {y}"),
    40: (1, 6, "H1 {y}"),
    41: (7, 12, "H2 {y}"),
}
_CODE_BY_MONTHS = {(first, last): code for code, (first, last, _) in SUB_YEAR.items()}


class TargetError(ValueError):
    """The text is not a target we understand; the message says what is accepted."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}. Accepted forms: {ACCEPTED_FORMS}.")


@dataclass(frozen=True)
class Span:
    """An inner, closed window with its EDTF form and display text."""

    edtf: str
    display: str
    start: date
    end: date
    approximate: bool = False
    uncertain: bool = False


def year(text: str | int) -> int:
    value = int(text)
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise TargetError(f"year {value} is outside {MIN_YEAR}-{MAX_YEAR}")
    return value


def month_end(year_: int, month: int) -> date:
    return date(year_, month, calendar.monthrange(year_, month)[1])


def months(year_: int, first: int, last: int) -> tuple[date, date]:
    """Window from the first day of ``first`` to the last of ``last``; months past 12 roll over."""
    start_year, start_month = year_ + (first - 1) // 12, (first - 1) % 12 + 1
    end_year, end_month = year_ + (last - 1) // 12, (last - 1) % 12 + 1
    return date(start_year, start_month, 1), month_end(end_year, end_month)


def year_span(year_: int) -> Span:
    return Span(f"{year_:04d}", str(year_), date(year_, 1, 1), date(year_, 12, 31))


def years_span(first: int, last: int, display: str) -> Span:
    return Span(f"{first:04d}/{last:04d}", display, date(first, 1, 1), date(last, 12, 31))


def month_span(year_: int, month: int) -> Span:
    start, end = months(year_, month, month)
    return Span(f"{year_:04d}-{month:02d}", f"{calendar.month_name[month]} {year_}", start, end)


def day_span(year_: int, month: int, day: int) -> Span:
    try:
        when = date(year_, month, day)
    except ValueError:
        raise TargetError(f"{year_:04d}-{month:02d}-{day:02d} is not a calendar date") from None
    return Span(when.isoformat(), f"{day} {calendar.month_name[month]} {year_}", when, when)


def sub_year_span(year_: int, code: int, display: str | None = None) -> Span:
    if code not in SUB_YEAR:
        raise TargetError(f"{year_}-{code} is not a supported EDTF season, quarter or half (21-24, 33-41)")
    first, last, label = SUB_YEAR[code]
    start, end = months(year_, first, last)
    return Span(f"{year_:04d}-{code}", display or label.format(y=year_), start, end)


def months_span(year_: int, first: int, last: int, display: str) -> Span:
    """Any run of whole months, in the shortest EDTF that re-parses to it."""
    start, end = months(year_, first, last)
    if (start.month, end.month) == (1, 12) and start.year == end.year:
        edtf = f"{start.year:04d}"
    elif start.year == end.year and (start.month, end.month) in _CODE_BY_MONTHS:
        edtf = f"{start.year:04d}-{_CODE_BY_MONTHS[start.month, end.month]}"
    elif start.year == end.year and start.month == end.month:
        edtf = f"{start.year:04d}-{start.month:02d}"
    else:
        edtf = f"{start.year:04d}-{start.month:02d}/{end.year:04d}-{end.month:02d}"
    return Span(edtf, display, start, end)


def fiscal_span(year_: int, start_month: int) -> Span:
    if not 1 <= start_month <= 12:
        raise TargetError(f"fiscal year start month {start_month} is not 1-12")
    start, end = months(year_, start_month, start_month + 11)
    if start_month == 1:
        edtf = f"{year_:04d}"
    else:
        edtf = f"{start.year:04d}-{start.month:02d}/{end.year:04d}-{end.month:02d}"
    return Span(edtf, f"FY{year_}", start, end)


def range_span(first: Span, last: Span, display: str) -> Span:
    if last.end < first.start or last.start < first.start:
        raise TargetError(f"the range {display} ends before it starts")
    # From the first's lower bound to the last's upper bound, so interval ends nest correctly.
    return Span(
        f"{first.edtf.split('/')[0]}/{last.edtf.split('/')[-1]}",
        display,
        first.start,
        last.end,
        first.approximate or last.approximate,
        first.uncertain or last.uncertain,
    )


def point_edtf(day: date, *, at_end: bool) -> str:
    """The coarsest EDTF point that starts (or ends) on ``day``, so it re-parses to the same bound."""
    if at_end:
        if (day.month, day.day) == (12, 31):
            return f"{day.year:04d}"
        if day + timedelta(days=1) == date(day.year + day.month // 12, day.month % 12 + 1, 1):
            return f"{day.year:04d}-{day.month:02d}"
        return day.isoformat()
    if (day.month, day.day) == (1, 1):
        return f"{day.year:04d}"
    if day.day == 1:
        return f"{day.year:04d}-{day.month:02d}"
    return day.isoformat()


def point_display(day: date, *, at_end: bool) -> str:
    edtf = point_edtf(day, at_end=at_end)
    if len(edtf) == 4:
        return edtf
    if len(edtf) == 7:
        return f"{calendar.month_name[day.month]} {day.year}"
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def add_months(day: date, count: int) -> date:
    """``day`` moved by whole months; the 31st (or 29 February) becomes the month's last day."""
    index = day.year * 12 + day.month - 1 + count
    target_year, target_month = divmod(index, 12)
    last = calendar.monthrange(target_year, target_month + 1)[1]
    return date(target_year, target_month + 1, min(day.day, last))


_EDTF_POINT = re.compile(r"(?P<year>\d{4})(?:-(?P<part>\d{2})(?:-(?P<day>\d{2}))?)?(?P<qualifier>[~?%])?")


def edtf_point(text: str) -> Span | None:
    """One EDTF date (year, month, day, season/quarter/half code, with a qualifier), or None."""
    match = _EDTF_POINT.fullmatch(text)
    if not match:
        return None
    year_ = year(match["year"])
    part, day = match["part"], match["day"]
    if part is None:
        span = year_span(year_)
    elif day is not None:
        span = day_span(year_, int(part), int(day))
    elif 1 <= int(part) <= 12:
        span = month_span(year_, int(part))
    elif int(part) in SUB_YEAR:
        span = sub_year_span(year_, int(part))
    else:
        return None  # "2027-28" is the phrase for two years, not an EDTF season
    return qualify(span, match["qualifier"])


def qualify(span: Span, qualifier: str | None) -> Span:
    if not qualifier:
        return span
    approximate = qualifier in "~%"
    uncertain = qualifier in "?%"
    display = f"around {span.display}" if approximate else span.display
    if uncertain:
        display += " (uncertain)"
    return Span(span.edtf + qualifier, display, span.start, span.end, approximate, uncertain)


def approximate(span: Span) -> Span:
    if span.approximate:
        return span
    edtf = "/".join(part + "~" for part in span.edtf.split("/"))
    return Span(edtf, f"around {span.display}", span.start, span.end, approximate=True)
