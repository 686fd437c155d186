"""Fuzzy target dates: what a source says -> an EDTF string and a date window.

Pure Python, no Django. ``parse_target`` is the single entry point used by the
admin, the API, the seed loader and imports, so every path agrees on what
"FY2028", "by 2030" or "next year" means.

A window has a start and, unless it is open-ended ("2028 onwards", EDTF
``2028/..``), an end. Relative phrases ("next year", "within two years") are
read against ``stated_on``, the publication date of the announcement that said
them, and refused without one; the result is stored as absolute EDTF, so the
reading can be audited and re-parses to the same window.

Why not the ``edtf`` package: 5.0.2 crashes on open-start intervals, gives
winter (``-24``) a one-month window and accepts 29 February in any year. The
subset we need (ISO 8601-2 levels 0-2 without times) is small enough to parse
exactly, with errors that tell an editor what to type instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

from milestones.domain.targets.phrases import phrase_span
from milestones.domain.targets.reading import Reading
from milestones.domain.targets.spans import (
    ACCEPTED_FORMS,
    MAX_YEAR,
    MIN_YEAR,
    Span,
    TargetError,
    add_months,
    approximate,
    edtf_point,
    point_display,
    point_edtf,
    range_span,
    year,
)

__all__ = [
    "ACCEPTED_FORMS",
    "MAX_INPUT_LENGTH",
    "MAX_YEAR",
    "MIN_YEAR",
    "Target",
    "TargetError",
    "deadline_key",
    "parse_target",
]

MAX_INPUT_LENGTH = 120


@dataclass(frozen=True)
class Target:
    edtf: str
    text: str
    display: str
    start: date
    end: date | None  # None: open-ended ("2028 onwards")
    approximate: bool = False
    uncertain: bool = False
    open_start: bool = False
    open_end: bool = False
    relative_to: date | None = None  # the stating date a relative phrase was read against


def deadline_key(start: date, end: date | None) -> tuple[bool, date, date]:
    """Sort by deadline, then start; open-ended windows (no deadline) after every other."""
    return (end is None, end or start, start)


def _target(span: Span, text: str) -> Target:
    return Target(span.edtf, text, span.display, span.start, span.end, span.approximate, span.uncertain)


def _open_start(span: Span, text: str, opened_on: date) -> Target:
    """A deadline ("by 2030"): the window runs from when it was said to the end.

    The start depends only on ``opened_on`` and the deadline, so the stored
    EDTF (``../2030``) re-parses to the same window; a claim recorded after its
    own deadline collapses to the deadline day rather than an inverted window.
    """
    if span.approximate or span.uncertain:
        raise TargetError("a deadline cannot itself be approximate (write 'around 2030' or 'by 2030')")
    return Target(
        edtf=f"../{point_edtf(span.end, at_end=True)}",
        text=text,
        display=f"by {span.display}",
        start=min(opened_on, span.end),
        end=span.end,
        open_start=True,
    )


def _open_end(span: Span, text: str, *, after: bool = False) -> Target:
    """ "2028 onwards" (EDTF ``2028/..``): a start and no end; "after 2030" starts the day after."""
    if after:
        start = span.end + timedelta(days=1)
        lower, display = point_edtf(start, at_end=False), point_display(start, at_end=False)
    else:
        start, lower, display = span.start, span.edtf.split("/")[0], span.display
    return Target(
        edtf=f"{lower}/..",
        text=text,
        display=f"from {display}",
        start=start,
        end=None,
        approximate=span.approximate,
        uncertain=span.uncertain,
        open_end=True,
    )


def _edtf(text: str, opened_on: date) -> Target | None:
    """Parse strict EDTF; None when the text is not EDTF-shaped at all."""
    if "/" not in text:
        span = edtf_point(text)
        return span and _target(span, text)
    lower_text, _, upper_text = text.partition("/")
    if lower_text == ".." and upper_text == "..":
        raise TargetError("a target needs a start or an end: ../.. says nothing")
    upper = edtf_point(upper_text) if upper_text not in ("", "..") else None
    if lower_text == ".." and upper:
        return _open_start(upper, text, opened_on)
    lower = edtf_point(lower_text) if lower_text not in ("", "..") else None
    if lower and upper_text == "..":
        return _open_end(lower, text)
    if lower and upper_text == "":
        raise TargetError(f"an unknown end is not a target: write {lower_text}/.. for an open-ended one")
    if not (lower and upper):
        return None
    if upper.end < lower.start:
        raise TargetError(f"the interval {text} ends before it starts")
    span = Span(
        text,
        f"{lower.display} – {upper.display}",
        lower.start,
        upper.end,
        lower.approximate or upper.approximate,
        lower.uncertain or upper.uncertain,
    )
    return _target(span, text)


_DEADLINES = ("by", "no later than", "not later than", "until", "by the end of", "by end of")
_APPROXIMATE = re.compile(r"(?:around|circa|ca\.?|c\.|about|approximately|roughly|~)\s*(.+)")
_WITHIN = re.compile(
    r"(?:within|within the next|in the next|in the coming|over the next|over the coming) "
    r"(?P<count>\d{1,2}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty-four) "
    r"(?P<unit>years?|months?)"
)
_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_NUMBERS.update(
    {"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18, "twenty-four": 24}
)
_OPEN_PREFIX = re.compile(
    r"(?P<word>from|starting|starting in|starting from|beginning in|not before|no earlier than"
    r"|not earlier than|after) (?P<inner>.+)"
)
_OPEN_SUFFIX = re.compile(
    r"(?P<inner>.+?),? (?:and beyond|onwards|onward|or later|and later|at the earliest)"
)
_RANGE = re.compile(r"(?:between (?P<between>.+)|from (?P<from>.+))")
_RANGE_SEPARATOR = re.compile(r" and | to | until | till | through | ?– ?| ?— ?| - ")
_SOMETIME = re.compile(r"^some ?time ")
_BRACKET = re.compile(r"(?P<phrase>.+?) ?\((?P<inside>[^()]*)\)")


def _within(phrase: str, reading: Reading, text: str, opened_on: date) -> Target | None:
    match = _WITHIN.fullmatch(phrase)
    if not match:
        return None
    count = int(match["count"]) if match["count"].isdigit() else _NUMBERS[match["count"]]
    if count == 0:
        raise TargetError("'within 0' is not a deadline")
    stated_on = reading.reference()
    end = add_months(stated_on, count * (12 if match["unit"].startswith("year") else 1))
    span = Span(end.isoformat(), point_display(end, at_end=True), end, end)
    return _open_start(span, text, opened_on)


def _deadline(phrase: str, reading: Reading, text: str, opened_on: date) -> Target | None:
    # "by the end of 2025" reads as "by" + "end of 2025" (as it always has); "by the end of
    # November" only as "by the end of" + "November".
    for word in _DEADLINES:
        if phrase.startswith(word + " "):
            span = phrase_span(phrase[len(word) + 1 :], reading)
            if span:
                return _open_start(span, text, opened_on)
    return None


def _range(phrase: str, reading: Reading) -> Span | None:
    """ "Between 2026 and 2028", "Q4 2026 to Q1 2027": the window spans both ends."""
    match = _RANGE.fullmatch(phrase)
    body = (match["between"] or match["from"]) if match else phrase
    separators = [" and "] if match and match["between"] else None
    for cut in _RANGE_SEPARATOR.finditer(body):
        if separators and cut.group() not in separators:
            continue
        left_text, right_text = body[: cut.start()], body[cut.end() :]
        right = phrase_span(right_text, reading)
        if right is None:
            continue
        left = _range_start(left_text, right, reading)
        if left is not None:
            return range_span(left, right, f"{left.display} – {right.display}")
    return None


def _range_start(text: str, right: Span, reading: Reading) -> Span | None:
    """A range's first end; without a year it takes the second's ("March to May 2027"), or the
    year before when it would otherwise start after the second ("Q4 to Q1 2028")."""
    for borrowed in (right.start.year, right.start.year - 1):
        left_reading = Reading(
            fiscal_year_start=reading.fiscal_year_start,
            stated_on=reading.stated_on,
            year_hint=year(borrowed),
            phrase=reading.phrase,
            hint_is_bracketed=False,
        )
        left = phrase_span(text, left_reading)
        reading.used_stated_on |= left_reading.used_stated_on
        if left is None or not left_reading.used_hint or left.start <= right.start:
            return left
    return left


def _open(phrase: str, reading: Reading, text: str) -> Target | None:
    match = _OPEN_PREFIX.fullmatch(phrase) or _OPEN_SUFFIX.fullmatch(phrase)
    if not match:
        return None
    span = phrase_span(match["inner"], reading)
    if span is None:
        return None
    return _open_end(span, text, after=match.groupdict().get("word") == "after")


def _read(phrase: str, reading: Reading, text: str, opened_on: date) -> Target | None:
    edtf_target = _edtf(phrase.upper(), opened_on)
    if edtf_target:
        return replace(edtf_target, text=text)
    phrase = _SOMETIME.sub("", phrase)
    found = _deadline(phrase, reading, text, opened_on) or _within(phrase, reading, text, opened_on)
    if found:
        return found
    approximately = _APPROXIMATE.fullmatch(phrase)
    if approximately:
        span = phrase_span(approximately[1], reading)
        if span:
            return _target(approximate(span), text)
    # "From 2026 to 2028" is a range before "from 2028" is an open end; both before the closed
    # phrases, whose catch-all "<month> <year>" would refuse "from 2028" as an unknown month.
    span = _range(phrase, reading) if phrase.startswith("from ") else None
    found = None if span else _open(phrase, reading, text)
    if found:
        return found
    span = span or phrase_span(phrase, reading) or _range(phrase, reading)
    return _target(span, text) if span else None


def _normalise(text: str) -> str:
    text = re.sub(r"\s+", " ", text.strip().lower())
    text = text.replace("’", "'").replace("‘", "'")
    return text if text.endswith("/..") else text.rstrip(".")


def parse_target(
    text: str,
    *,
    fiscal_year_start: int = 1,
    opened_on: date | None = None,
    stated_on: date | None = None,
) -> Target:
    """Turn a source's wording into a :class:`Target`, or raise :class:`TargetError`.

    ``fiscal_year_start`` is the owning organisation's first fiscal month
    (FY2028 starting in April runs 2028-04-01 to 2029-03-31). ``opened_on``
    is when a deadline was announced: the start of an open "by …" window.
    ``stated_on`` is the publication date of the announcement that said the
    phrase: relative phrases ("next year") are read against it and refused
    without it.
    """
    if not isinstance(text, str) or not text.strip():
        raise TargetError("the target is empty")
    if len(text) > MAX_INPUT_LENGTH:
        raise TargetError(f"the target is longer than {MAX_INPUT_LENGTH} characters")
    opened_on = opened_on or date.today()
    original = text.strip()
    phrase, hint = _normalise(original), None
    bracket = _BRACKET.fullmatch(phrase)
    if bracket:
        # "the fourth quarter (2026)" completes the phrase; any other remark is kept, not read.
        phrase, inside = bracket["phrase"], bracket["inside"].strip()
        hint = year(inside) if re.fullmatch(r"\d{4}", inside) else None
    reading = Reading(
        fiscal_year_start=fiscal_year_start, stated_on=stated_on, year_hint=hint, phrase=_shorten(phrase)
    )
    target = _read(phrase, reading, original, opened_on)
    if target is None:
        raise TargetError(f"'{_shorten(original)}' is not a target date we understand")
    if hint is not None and not reading.used_hint:
        raise TargetError(
            f"the bracketed year ({hint}) completes a phrase without one, such as 'the fourth quarter ({hint})'; "
            f"'{_shorten(phrase)}' needs none"
        )
    if reading.used_stated_on:
        target = replace(target, relative_to=stated_on)
    return target


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
