"""The closed phrases ("Q3 2027", "the late 2020s", "the fourth quarter") as one compiled grammar.

Every family is a regular expression plus a builder. They are joined into one
alternation, tried in order, so a text is matched in one pass however many
families there are (the parse benchmark needs ~20 µs a phrase). The families
accepted before the relative and decade forms come first and unchanged, so no
phrase accepted then reads differently now (``tests/data/targets_pinned.json``).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date

from milestones.domain.targets.reading import Reading
from milestones.domain.targets.spans import (
    MONTHS,
    Span,
    TargetError,
    day_span,
    fiscal_span,
    month_span,
    months,
    months_span,
    range_span,
    sub_year_span,
    year,
    year_span,
    years_span,
)

Groups = dict[str, str | None]
Builder = Callable[[Groups, Reading], Span | None]

_ORDINAL = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4}
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_Y = r"(?P<year>\d{4})"
# The year after a part of a year: "2026", "of 2026", "of the year 2026", "of next year", "of the year", nothing.
_YEAR_SLOT = (
    r"(?:,? (?:of )?(?:the year )?(?P<year>\d{4})"
    r"| (?:of )?(?P<rel>this|next|the current) year| (?P<of_year>of the year))?"
)
_FY = rf"(?:fy|fiscal|fiscal year|financial year|business year) ?'?{_Y}"
_SEASONS = {"spring": 21, "summer": 22, "autumn": 23, "fall": 23, "winter": 24}
_PART_OF_YEAR = {"early": 37, "beginning": 37, "start": 37, "mid": 38, "middle": 38, "late": 39, "end": 36}


def _month_number(name: str) -> int:
    if name not in MONTHS:
        raise TargetError(f"'{name}' is not a month name")
    return MONTHS[name]


def _ordinal(g: Groups, *names: str) -> int:
    for name in names:
        if g.get(name):
            return _ORDINAL.get(g[name]) or int(g[name])
    raise TargetError("a quarter or half without its number")  # unreachable: the pattern requires one


def in_year(g: Groups, r: Reading, span_in: Callable[[int], Span]) -> Span:
    """A part of a year in whichever year the slot gives: explicit, this/next, or implied."""
    if g.get("year"):
        return span_in(year(g["year"]))
    if g.get("rel"):
        return span_in(r.relative_year("next" if g["rel"] == "next" else "this"))
    return r.implicit_year(span_in)


# -- the families accepted before relative phrases (order and meaning unchanged) --------------


def _years(g: Groups, r: Reading) -> Span:
    first = year(g["a"])
    last = year(g["b"]) if len(g["b"]) == 4 else year(first - first % 100 + int(g["b"]))
    if last <= first:
        raise TargetError(f"the range {g['a']}-{g['b']} ends before it starts")
    display = f"{first}/{last % 100:02d}" if last == first + 1 else f"{first}–{last}"
    return range_span(year_span(first), year_span(last), display)


def _half(g: Groups, r: Reading) -> Span:
    half = _ordinal(g, "ord", "n")
    return in_year(g, r, lambda y: sub_year_span(y, 39 + half))


def _quarter(g: Groups, r: Reading) -> Span:
    quarter = _ordinal(g, "ord", "n")
    return in_year(g, r, lambda y: sub_year_span(y, 32 + quarter))


def _part(code: int) -> Builder:
    return lambda g, r: sub_year_span(year(g["year"]), code)


def _end(g: Groups, r: Reading) -> Span:
    return in_year(g, r, lambda y: sub_year_span(y, 36, f"end of {y}"))


def _month(g: Groups, r: Reading) -> Span:
    month = _month_number(g["month"])
    return in_year(g, r, lambda y: month_span(y, month))


def _day(g: Groups, r: Reading) -> Span:
    month, day = _month_number(g["month"]), int(g["day"])
    if g.get("year") or g.get("rel") or r.year_hint is not None:
        return in_year(g, r, lambda y: day_span(y, month, day))
    # Without a year, 29 February is read in the stating year or the next leap year within reach.
    stated_on = r.reference()
    for candidate in range(stated_on.year, stated_on.year + 5):
        if calendar.isleap(candidate) or (month, day) != (2, 29):
            span = day_span(year(candidate), month, day)
            if span.end >= stated_on:
                return span
    return day_span(year(stated_on.year), month, day)  # raises: not a calendar date


# -- relative and word forms -------------------------------------------------------------------


def _relative_year(g: Groups, r: Reading) -> Span:
    return year_span(r.relative_year("next" if g["rel"] == "next" else "this"))


def _later_this_year(g: Groups, r: Reading) -> Span:
    stated_on = r.reference()
    return Span(
        f"{stated_on.isoformat()}/{stated_on.year:04d}",
        f"later in {stated_on.year}",
        stated_on,
        date(stated_on.year, 12, 31),
    )


def _part_of_relative_year(g: Groups, r: Reading) -> Span:
    code = _PART_OF_YEAR[g["part"]]
    label = "end of {y}" if code == 36 else None
    return in_year(g, r, lambda y: sub_year_span(y, code, label and label.format(y=y)))


def _season(g: Groups, r: Reading) -> Span:
    code = _SEASONS[g["season"]]
    return in_year(g, r, lambda y: sub_year_span(y, code))


def _winter_years(g: Groups, r: Reading) -> Span:
    first = year(g["a"])
    second = year(g["b"]) if len(g["b"]) == 4 else year(first - first % 100 + int(g["b"]))
    if second != first + 1:
        raise TargetError(f"winter {g['a']}/{g['b']} must name two consecutive years")
    return sub_year_span(first, 24, f"winter {first}/{second % 100:02d}")


def _fiscal(g: Groups, r: Reading) -> Span:
    return fiscal_span(year(g["year"]), r.fiscal_year_start)


def _fiscal_relative(g: Groups, r: Reading) -> Span:
    return fiscal_span(r.fiscal_year_of("next" if g["rel"] == "next" else "this"), r.fiscal_year_start)


def _fiscal_part(g: Groups, r: Reading) -> Span:
    fiscal_year, first = year(g["year"]), r.fiscal_year_start
    if g.get("ord") or g.get("n"):
        half = _ordinal(g, "ord", "n")
        offset, length, label = 6 * (half - 1), 6, f"H{half}"
    else:
        quarter = _ordinal(g, "qord", "q")
        offset, length, label = 3 * (quarter - 1), 3, f"Q{quarter}"
    return months_span(fiscal_year, first + offset, first + offset + length - 1, f"{label} FY{fiscal_year}")


def _fiscal_bounded(g: Groups, r: Reading) -> Span:
    """ "The fiscal year ending March 2027": the stated month fixes that year, whatever the owner's."""
    month, stated_year = _month_number(g["month"]), year(g["year"])
    name = calendar.month_name[month]
    if g["verb"].startswith(("end", "to")):
        start, _ = months(stated_year, month + 1 - 12, month + 1 - 12)
        return months_span(
            start.year, start.month, start.month + 11, f"fiscal year ending {name} {stated_year}"
        )
    return months_span(stated_year, month, month + 11, f"fiscal year beginning {name} {stated_year}")


def _decade_of(g: Groups, r: Reading) -> int:
    return year(g["dec"]) if g.get("dec") else r.decade()


def _decade(g: Groups, r: Reading) -> Span:
    decade = year(g["dec"])
    return years_span(decade, year(decade + 9), f"the {decade}s")


def _decade_part(g: Groups, r: Reading) -> Span:
    decade = year(g["dec"])
    if g["part"] == "mid":
        # "The mid-2020s" is a point, not a stretch: around the decade's middle year.
        middle = year(decade + 5)
        span = year_span(middle)
        return Span(f"{middle:04d}~", f"the mid-{decade}s", span.start, span.end, approximate=True)
    first, last = (decade, decade + 3) if g["part"] == "early" else (decade + 7, decade + 9)
    return years_span(year(first), year(last), f"the {g['part']} {decade}s")


def _decade_half(g: Groups, r: Reading) -> Span:
    decade, half = year(g["dec"]), _ordinal(g, "ord")
    first = decade + 5 * (half - 1)
    return years_span(first, year(first + 4), f"the {g['ord']} half of the {decade}s")


def _decade_end(g: Groups, r: Reading) -> Span:
    last = year(_decade_of(g, r) + 9)
    return Span(f"{last:04d}", f"end of the {last - 9}s ({last})", date(last, 1, 1), date(last, 12, 31))


_FAMILIES: list[tuple[str, Builder]] = [
    # Accepted before: same patterns, same order.
    (rf"(?:in |the year )?{_Y}", lambda g, r: year_span(year(g["year"]))),
    (r"(?P<a>\d{4})\s*(?:/|-|–|—|or|to|and)\s*(?P<b>\d{2}|\d{4})", _years),
    (r"between (?P<a>\d{4}) and (?P<b>\d{2}|\d{4})", _years),
    (rf"(?:in )?(?:the )?{_FY}", _fiscal),
    (rf"(?:in )?(?:the )?{_Y} (?:fiscal|financial|business) year", _fiscal),
    (rf"(?:in )?(?:the )?h(?P<n>[12]) ?{_Y}", _half),
    (rf"(?:in )?(?:the )?(?P<n>[12])h ?{_Y}", _half),
    (rf"(?:in )?(?:the )?(?P<ord>first|second) half (?:of )?{_Y}", _half),
    (rf"(?:in )?(?:the )?q(?P<n>[1-4]) ?{_Y}", _quarter),
    (rf"(?:in )?(?:the )?(?P<n>[1-4])q ?{_Y}", _quarter),
    (rf"(?:in )?{_Y} ?q(?P<n>[1-4])", _quarter),
    (rf"(?:in )?(?:the )?(?P<ord>first|second|third|fourth) quarter (?:of )?{_Y}", _quarter),
    (rf"(?:in )?(?:early|beginning of|the beginning of|start of|the start of) ?{_Y}", _part(37)),
    (rf"(?:in )?(?:mid|the middle of|middle of)[- ]?{_Y}", _part(38)),
    (rf"(?:in )?late ?{_Y}", _part(39)),
    (rf"(?:at )?(?:the )?end of {_Y}|(?:at )?(?:the )?year-end (?P<year2>\d{{4}})", _end),
    # New: relative years, quarters and halves in words, seasons, fiscal parts, decades.
    (r"(?:in |during )?(?:the )?(?P<rel>this|next|current) (?:calendar )?year", _relative_year),
    (r"later (?:this|in the) year", _later_this_year),
    (
        rf"(?:in |during )?(?:the )?(?:q(?P<n>[1-4])|(?P<ord>first|second|third|fourth|1st|2nd|3rd|4th) quarter)"
        rf"{_YEAR_SLOT}",
        _quarter,
    ),
    (rf"(?:in |during )?(?:the )?(?:h(?P<n>[12])|(?P<ord>first|second|1st|2nd) half){_YEAR_SLOT}", _half),
    (
        r"(?:in |at )?(?:(?P<part>early|mid|late)[- ]?|(?:the )?(?P<part2>beginning|start|middle|end) of )"
        r"(?:(?P<rel>this|next) year|(?P<of_year>the year))",
        _part_of_relative_year,
    ),
    (rf"(?:in |during )?(?:the )?(?P<season>spring|summer|autumn|fall|winter){_YEAR_SLOT}", _season),
    (r"(?:in |during )?(?:the )?winter (?:of )?(?P<a>\d{4}) ?(?:/|-|–) ?(?P<b>\d{2}|\d{4})", _winter_years),
    (
        rf"(?:in )?(?:the )?(?:(?P<ord>first|second|1st|2nd) half|h(?P<n>[12])|(?P<n2>[12])h) (?:of )?(?:the )?{_FY}",
        _fiscal_part,
    ),
    (
        rf"(?:in )?(?:the )?(?:(?P<qord>first|second|third|fourth|1st|2nd|3rd|4th) (?:fiscal )?quarter"
        rf"|q(?P<q>[1-4])|(?P<q2>[1-4])q) (?:of )?(?:the )?{_FY}",
        _fiscal_part,
    ),
    (
        r"(?:in )?(?:the )?(?:fy|fiscal|financial) ?(?:q(?P<q>[1-4])|h(?P<n>[12])"
        r"|(?P<qord>first|second|third|fourth|1st|2nd|3rd|4th) quarter(?: of)?"
        rf"|(?P<ord>first|second|1st|2nd) half(?: of)?),? {_Y}",
        _fiscal_part,
    ),
    (rf"(?:in )?(?:the )?{_FY},? (?:q(?P<q>[1-4])|h(?P<n>[12]))", _fiscal_part),
    (
        r"(?:in |during )?(?:the )?(?P<rel>this|next|current) (?:fiscal|financial|business) year",
        _fiscal_relative,
    ),
    (
        r"(?:in |during )?(?:the )?(?:fy|fiscal year|financial year|business year) "
        r"(?P<verb>ending in|ending|ended|ends in|to|beginning in|beginning|starting in|starting|from) "
        rf"(?P<month>[a-z]+)\.? {_Y}",
        _fiscal_bounded,
    ),
    (r"(?:in )?(?:the )?(?P<part>early|mid|late)[- ]?(?P<dec>\d{3}0)'?s", _decade_part),
    (r"(?:in )?(?:the )?(?P<dec>\d{3}0)'?s", _decade),
    (r"(?:in )?(?:the )?(?P<ord>first|second) half of the (?P<dec>\d{3}0)'?s", _decade_half),
    (r"(?:at )?(?:the )?end of (?:the |this )?(?:(?P<dec>\d{3}0)'?s|decade)", _decade_end),
    # Accepted before, after the new families so "summer 2026" is a season, not an unknown month.
    (rf"(?:in )?(?P<month>[a-z]+)\.? {_Y}", _month),
    (rf"(?:on )?(?P<day>\d{{1,2}}) (?P<month>[a-z]+)\.? {_Y}", _day),
    (rf"(?:on )?(?P<month>[a-z]+)\.? (?P<day>\d{{1,2}}),? {_Y}", _day),
    # New: months and days written in full or without a year.
    (rf"(?:in |during )?(?P<month>{_MONTH_NAMES})\.?{_YEAR_SLOT}", _month),
    (
        rf"(?:on )?(?:the )?(?P<day>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<month>{_MONTH_NAMES})\.?{_YEAR_SLOT}",
        _day,
    ),
    (rf"(?:on )?(?P<month>{_MONTH_NAMES})\.? (?:the )?(?P<day>\d{{1,2}})(?:st|nd|rd|th)?{_YEAR_SLOT}", _day),
]


def _compile(
    families: list[tuple[str, Builder]],
) -> tuple[re.Pattern[str], list[tuple[Builder, list[tuple[str, str]]]]]:
    """One alternation; each family's groups get a unique prefix ("year2" is a second spelling of "year")."""
    alternatives, table = [], []
    for index, (pattern, builder) in enumerate(families):
        names = re.findall(r"\(\?P<(\w+)>", pattern)
        renamed = re.sub(r"\(\?P<(\w+)>", lambda m, i=index: f"(?P<f{i}_{m[1]}>", pattern)
        alternatives.append(f"(?P<f{index}>{renamed})")
        table.append((builder, [(f"f{index}_{name}", name.rstrip("0123456789")) for name in names]))
    return re.compile("|".join(alternatives)), table


_GRAMMAR, _TABLE = _compile(_FAMILIES)


def phrase_span(text: str, reading: Reading) -> Span | None:
    """The closed window a phrase names, or None when no family matches it."""
    match = _GRAMMAR.fullmatch(text)
    if match is None:
        return None
    builder, names = _TABLE[int(match.lastgroup[1:])]
    groups: Groups = {}
    for full, short in names:
        value = match.group(full)
        if value is not None:
            groups[short] = value
    return builder(groups, reading)
