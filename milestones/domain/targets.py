"""Fuzzy target dates: what a source says -> an EDTF string and a date window.

Pure Python, no Django. ``parse_target`` is the single entry point used by the
admin, the API, the seed loader and imports, so every path agrees on what
"FY2028" or "by 2030" means.

Why not the ``edtf`` package: 5.0.2 crashes on open-start intervals, gives
winter (``-24``) a one-month window and accepts 29 February in any year. The
subset we need (ISO 8601-2 levels 0-2 without times) is small enough to parse
exactly, with errors that tell an editor what to type instead.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

MIN_YEAR = 1900
MAX_YEAR = 2199
MAX_INPUT_LENGTH = 120

ACCEPTED_FORMS = (
    "2030, in 2030; by 2030, no later than 2030; around 2030, circa 2030; "
    "2027/28, 2027-28, 2027 or 2028; FY2028, fiscal 2028; H2 2026, second half of 2026; "
    "Q3 2027; early/mid/late 2027; end of 2025; March 2027; 2027-03-15; "
    "or EDTF such as 2030~, 2027-35, ../2030, 2028-04/2029-03"
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


class TargetError(ValueError):
    """The text is not a target we understand; the message says what is accepted."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}. Accepted forms: {ACCEPTED_FORMS}.")


@dataclass(frozen=True)
class Target:
    edtf: str
    text: str
    display: str
    start: date
    end: date
    approximate: bool = False
    uncertain: bool = False
    open_start: bool = False


@dataclass(frozen=True)
class _Span:
    """An inner, closed window with its EDTF form and display text."""

    edtf: str
    display: str
    start: date
    end: date
    approximate: bool = False
    uncertain: bool = False


def _year(text: str) -> int:
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise TargetError(f"year {year} is outside {MIN_YEAR}-{MAX_YEAR}")
    return year


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _months(year: int, first: int, last: int) -> tuple[date, date]:
    """Window from the first day of ``first`` to the last of ``last``; months past 12 roll over."""
    end_year, end_month = year + (last - 1) // 12, (last - 1) % 12 + 1
    return date(year, first, 1), _month_end(end_year, end_month)


def _year_span(year: int) -> _Span:
    return _Span(f"{year:04d}", str(year), date(year, 1, 1), date(year, 12, 31))


def _month_span(year: int, month: int) -> _Span:
    start, end = _months(year, month, month)
    return _Span(f"{year:04d}-{month:02d}", f"{calendar.month_name[month]} {year}", start, end)


def _day_span(year: int, month: int, day: int) -> _Span:
    try:
        when = date(year, month, day)
    except ValueError:
        raise TargetError(f"{year:04d}-{month:02d}-{day:02d} is not a calendar date") from None
    return _Span(when.isoformat(), f"{day} {calendar.month_name[month]} {year}", when, when)


def _sub_year_span(year: int, code: int, display: str | None = None) -> _Span:
    if code not in SUB_YEAR:
        raise TargetError(f"{year}-{code} is not a supported EDTF season, quarter or half (21-24, 33-41)")
    first, last, label = SUB_YEAR[code]
    start, end = _months(year, first, last)
    return _Span(f"{year:04d}-{code}", display or label.format(y=year), start, end)


def _fiscal_span(year: int, start_month: int) -> _Span:
    if not 1 <= start_month <= 12:
        raise TargetError(f"fiscal year start month {start_month} is not 1-12")
    start, end = _months(year, start_month, start_month + 11)
    if start_month == 1:
        edtf = f"{year:04d}"
    else:
        edtf = f"{start.year:04d}-{start.month:02d}/{end.year:04d}-{end.month:02d}"
    return _Span(edtf, f"FY{year}", start, end)


def _range_span(first: _Span, last: _Span, display: str) -> _Span:
    if last.end < first.start:
        raise TargetError(f"the range {display} ends before it starts")
    edtf = f"{first.edtf}/{last.edtf}"
    return _Span(edtf, display, first.start, last.end)


_EDTF_POINT = re.compile(r"(?P<year>\d{4})(?:-(?P<part>\d{2})(?:-(?P<day>\d{2}))?)?(?P<qualifier>[~?%])?")


def _edtf_point(text: str) -> _Span | None:
    match = _EDTF_POINT.fullmatch(text)
    if not match:
        return None
    year = _year(match["year"])
    part, day = match["part"], match["day"]
    if part is None:
        span = _year_span(year)
    elif day is not None:
        span = _day_span(year, int(part), int(day))
    elif 1 <= int(part) <= 12:
        span = _month_span(year, int(part))
    elif int(part) in SUB_YEAR:
        span = _sub_year_span(year, int(part))
    else:
        return None  # "2027-28" is the phrase for two years, not an EDTF season

    return _qualify(span, match["qualifier"])


def _qualify(span: _Span, qualifier: str | None) -> _Span:
    if not qualifier:
        return span
    approximate = qualifier in "~%"
    uncertain = qualifier in "?%"
    display = f"around {span.display}" if approximate else span.display
    if uncertain:
        display += " (uncertain)"
    return _Span(span.edtf + qualifier, display, span.start, span.end, approximate, uncertain)


def _edtf(text: str, opened_on: date) -> Target | None:
    """Parse strict EDTF; None when the text is not EDTF-shaped at all."""
    if "/" not in text:
        span = _edtf_point(text)
        return span and _target(span, text)
    lower_text, _, upper_text = text.partition("/")
    upper = _edtf_point(upper_text) if upper_text not in ("", "..") else None
    if lower_text == ".." and upper:
        return _open_start(upper, text, opened_on)
    lower = _edtf_point(lower_text) if lower_text not in ("", "..") else None
    if lower and upper_text in ("", ".."):
        raise TargetError("a target needs an end: open-ended intervals such as 2027/.. are not deadlines")
    if not (lower and upper):
        return None
    if upper.end < lower.start:
        raise TargetError(f"the interval {text} ends before it starts")
    span = _Span(
        text,
        f"{lower.display} – {upper.display}",
        lower.start,
        upper.end,
        lower.approximate or upper.approximate,
        lower.uncertain or upper.uncertain,
    )
    return _target(span, text)


_Y = r"(\d{4})"
_PHRASES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"(?:in |the year )?{_Y}"), "year"),
    (re.compile(rf"{_Y}\s*(?:/|-|–|—|or|to|and)\s*(\d{{2}}|\d{{4}})"), "years"),
    (re.compile(rf"between {_Y} and (\d{{2}}|\d{{4}})"), "years"),
    (
        re.compile(rf"(?:in )?(?:the )?(?:fy|fiscal|fiscal year|financial year|business year) ?'?{_Y}"),
        "fiscal",
    ),
    (re.compile(rf"(?:in )?(?:the )?{_Y} (?:fiscal|financial|business) year"), "fiscal"),
    (re.compile(rf"(?:in )?(?:the )?h([12]) ?{_Y}"), "half"),
    (re.compile(rf"(?:in )?(?:the )?([12])h ?{_Y}"), "half"),
    (re.compile(rf"(?:in )?(?:the )?(first|second) half (?:of )?{_Y}"), "half"),
    (re.compile(rf"(?:in )?(?:the )?q([1-4]) ?{_Y}"), "quarter"),
    (re.compile(rf"(?:in )?(?:the )?([1-4])q ?{_Y}"), "quarter"),
    (re.compile(rf"(?:in )?{_Y} ?q([1-4])"), "quarter_year_first"),
    (re.compile(rf"(?:in )?(?:the )?(first|second|third|fourth) quarter (?:of )?{_Y}"), "quarter"),
    (re.compile(rf"(?:in )?(early|beginning of|the beginning of|start of|the start of) ?{_Y}"), "early"),
    (re.compile(rf"(?:in )?(?:mid|the middle of|middle of)[- ]?{_Y}"), "mid"),
    (re.compile(rf"(?:in )?late ?{_Y}"), "late"),
    (re.compile(rf"(?:at )?(?:the )?end of {_Y}|(?:at )?(?:the )?year-end {_Y}"), "end"),
    (re.compile(rf"(?:in )?([a-z]+)\.? {_Y}"), "month"),
    (re.compile(r"(?:on )?(\d{1,2}) ([a-z]+)\.? (\d{4})"), "day_month_year"),
    (re.compile(r"(?:on )?([a-z]+)\.? (\d{1,2}),? (\d{4})"), "month_day_year"),
]
_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_DEADLINE = re.compile(r"(?:by|no later than|not later than|until|by the end of|by end of)\s+(.+)")
_APPROXIMATE = re.compile(r"(?:around|circa|ca\.?|c\.|about|approximately|roughly|~)\s*(.+)")


def _second_year(first: int, text: str) -> int:
    if len(text) == 4:
        return _year(text)
    return _year(str(first - first % 100 + int(text)))


def _month_number(name: str) -> int:
    if name not in MONTHS:
        raise TargetError(f"'{name}' is not a month name")
    return MONTHS[name]


def _phrase_span(text: str, fiscal_year_start: int) -> _Span | None:
    for pattern, kind in _PHRASES:
        match = pattern.fullmatch(text)
        if match:
            return _build(kind, match.groups(), fiscal_year_start)
    return None


def _build(kind: str, groups: tuple[str, ...], fiscal_year_start: int) -> _Span | None:
    if kind == "year":
        return _year_span(_year(groups[0]))
    if kind == "years":
        first = _year(groups[0])
        last = _second_year(first, groups[1])
        if last <= first:
            raise TargetError(f"the range {groups[0]}-{groups[1]} ends before it starts")
        display = f"{first}/{last % 100:02d}" if last == first + 1 else f"{first}–{last}"
        return _range_span(_year_span(first), _year_span(last), display)
    if kind == "fiscal":
        return _fiscal_span(_year(groups[0]), fiscal_year_start)
    if kind == "half":
        half = _ORDINAL.get(groups[0]) or int(groups[0])
        return _sub_year_span(_year(groups[1]), 39 + half)
    if kind == "quarter":
        quarter = _ORDINAL.get(groups[0]) or int(groups[0])
        return _sub_year_span(_year(groups[1]), 32 + quarter)
    if kind == "quarter_year_first":
        return _sub_year_span(_year(groups[0]), 32 + int(groups[1]))
    if kind in ("early", "mid", "late"):
        code = {"early": 37, "mid": 38, "late": 39}[kind]
        return _sub_year_span(_year(groups[-1]), code)
    if kind == "end":
        year = _year(next(g for g in groups if g))
        return _sub_year_span(year, 36, f"end of {year}")
    if kind == "month":
        return _month_span(_year(groups[1]), _month_number(groups[0]))
    if kind == "day_month_year":
        return _day_span(_year(groups[2]), _month_number(groups[1]), int(groups[0]))
    if kind == "month_day_year":
        return _day_span(_year(groups[2]), _month_number(groups[0]), int(groups[1]))
    return None


def _target(span: _Span, text: str) -> Target:
    return Target(
        edtf=span.edtf,
        text=text,
        display=span.display,
        start=span.start,
        end=span.end,
        approximate=span.approximate,
        uncertain=span.uncertain,
    )


def _open_start(span: _Span, text: str, opened_on: date) -> Target:
    """A deadline ("by 2030"): the window runs from when it was said to the end.

    The start depends only on ``opened_on`` and the deadline, so the stored
    EDTF (``../2030``) re-parses to the same window; a claim recorded after its
    own deadline collapses to the deadline day rather than an inverted window.
    """
    if span.approximate or span.uncertain:
        raise TargetError("a deadline cannot itself be approximate (write 'around 2030' or 'by 2030')")
    return Target(
        edtf=f"../{_deadline_edtf(span)}",
        text=text,
        display=f"by {span.display}",
        start=min(opened_on, span.end),
        end=span.end,
        open_start=True,
    )


def _deadline_edtf(span: _Span) -> str:
    """The coarsest EDTF point whose end is the span's end (re-parses to the same window)."""
    end = span.end
    if end.month == 12 and end.day == 31:
        return f"{end.year:04d}"
    if end + timedelta(days=1) == date(end.year + end.month // 12, end.month % 12 + 1, 1):
        return f"{end.year:04d}-{end.month:02d}"
    return end.isoformat()


def _normalise(text: str) -> str:
    text = re.sub(r"\s+", " ", text.strip().lower())
    text = text.replace("’", "'").replace("‘", "'")
    return text.rstrip(".")


def parse_target(
    text: str,
    *,
    fiscal_year_start: int = 1,
    opened_on: date | None = None,
) -> Target:
    """Turn a source's wording into a :class:`Target`, or raise :class:`TargetError`.

    ``fiscal_year_start`` is the owning organisation's first fiscal month
    (FY2028 starting in April runs 2028-04-01 to 2029-03-31). ``opened_on``
    is when a deadline was announced: the start of an open "by …" window.
    """
    if not isinstance(text, str) or not text.strip():
        raise TargetError("the target is empty")
    if len(text) > MAX_INPUT_LENGTH:
        raise TargetError(f"the target is longer than {MAX_INPUT_LENGTH} characters")
    opened_on = opened_on or date.today()
    original = text.strip()
    normal = _normalise(original)

    edtf_target = _edtf(normal.upper(), opened_on)
    if edtf_target:
        return replace(edtf_target, text=original)

    deadline = _DEADLINE.fullmatch(normal)
    if deadline:
        span = _phrase_span(deadline[1], fiscal_year_start)
        if span:
            return _open_start(span, original, opened_on)
    approximate = _APPROXIMATE.fullmatch(normal)
    if approximate:
        span = _phrase_span(approximate[1], fiscal_year_start)
        if span:
            return _target(_approximate(span), original)
    span = _phrase_span(normal, fiscal_year_start)
    if span:
        return _target(span, original)
    raise TargetError(f"'{_shorten(original)}' is not a target date we understand")


def _approximate(span: _Span) -> _Span:
    edtf = "/".join(part + "~" for part in span.edtf.split("/"))
    return _Span(edtf, f"around {span.display}", span.start, span.end, approximate=True)


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
