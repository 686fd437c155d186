"""The article's own date written in its text: a dateline, a "Published:" line, a date alone on a line.

Used twice: when no publication date is given, it is the date relative
phrases are read against (and the proposals say so); and either way its
date is never proposed as a target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"


def _date(n: int) -> str:
    """Three spellings of a day; group names numbered so the pattern can use it more than once."""
    return (
        rf"(?:(?P<a_m{n}>{_MONTH}) (?P<a_d{n}>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<a_y{n}>\d{{4}})"
        rf"|(?P<b_d{n}>\d{{1,2}})(?:st|nd|rd|th)? (?P<b_m{n}>{_MONTH}),? (?P<b_y{n}>\d{{4}})"
        rf"|(?P<c_y{n}>\d{{4}})-(?P<c_m{n}>\d{{2}})-(?P<c_d{n}>\d{{2}}))"
    )


_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,? )?"
_DATELINE = re.compile(
    # "Published: 3 March 2025", "Updated on March 3, 2025"
    rf"^[ \t]*(?:published|posted|updated|date|first published)(?: on)?:?[ \t]*{_WEEKDAY}{_date(1)}"
    # "TOKYO, March 3, 2025 —", "SEOUL (Yonhap), 13 Feb 2024 -"
    rf"|^[ \t]*[A-Z][A-Z .'-]+(?:,[ \t]*[A-Z][A-Za-z.]+)?(?:[ \t]*\([^)\n]*\))?,[ \t]*{_WEEKDAY}{_date(2)}"
    r"[ \t]*(?:[-–—:(/]|$)"
    # a line that is only a date
    rf"|^[ \t]*{_WEEKDAY}{_date(3)}[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
SEARCH_CHARACTERS = 1500  # a dateline sits at the top


@dataclass(frozen=True)
class Dateline:
    on: date
    start: int  # the date's offsets in the article
    end: int
    text: str


def find_dateline(text: str) -> Dateline | None:
    for match in _DATELINE.finditer(text, 0, min(len(text), SEARCH_CHARACTERS)):
        found = _read(match)
        if found is not None:
            return found
    return None


def _read(match: re.Match) -> Dateline | None:
    parts = {name[:3]: (name, value) for name, value in match.groupdict().items() if value is not None}
    names = [name for name, _ in parts.values()]
    values = {key[2]: value for key, (_, value) in parts.items()}  # "y", "m", "d"
    month = values["m"].rstrip(".").lower()
    try:
        on = date(int(values["y"]), int(month) if month.isdigit() else _MONTHS[month], int(values["d"]))
    except ValueError:
        return None
    start = min(match.start(n) for n in names)
    end = max(match.end(n) for n in names)
    return Dateline(on, start, end, match.string[start:end])
