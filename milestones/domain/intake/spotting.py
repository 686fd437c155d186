"""Find the target phrases in a sentence by asking the target parser, never a second grammar.

An anchor (a year, "FY", "next year", "within", a quarter, a month name…)
marks where a phrase may be. Around each anchor the spans that start up to
six words before it and end up to five words after it are offered to
``parse_target``; the longest it accepts is the phrase, so "by the end of
fiscal 2028" wins over "2028". A leading "in"/"on"/"during"/"at" is dropped
from the phrase as written (it adds nothing to the window). Units after a
number ("2030 GWh", "2025 to 50 GWh") end no phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from milestones.domain.targets import Target, TargetError, parse_target

# Word boundaries outside the alternation: most positions (mid-word) fail at the first test.
_ANCHOR = re.compile(
    r"(?<![\d,.$€£¥])\b(?:(?:19|20)\d{2}(?:'?s)?(?![,.]\d)"
    r"|FY ?'?\d{2,4}|(?:this|next|current) (?:calendar |fiscal |financial |business )?year"
    r"|later this year|the end of the (?:decade|year)"
    r"|within|in the (?:next|coming)|over the (?:next|coming)"
    r"|(?:first|second|third|fourth|1st|2nd|3rd|4th) (?:quarter|half)|[QH][1-4]"
    r"|January|February|March|April|June|July|August|September|October|November|December)\b",
    re.IGNORECASE,
)
_MONTHS_CASED = re.compile(r"[A-Z]")
_WORD = re.compile(r"\S+")
_LEAD = "(“\"‘'["
_TRAIL = ",;:)”\"’'!?]."
_UNIT_AFTER = re.compile(
    r"\s*(?:gwh|mwh|kwh|wh|km|miles|mah|%|percent|per cent|units|cells|vehicles|cars|yuan|won|yen|euros?"
    r"|dollars|tonnes|tons|gw|mw|kw|wh/kg|people|employees|staff|patents|million|billion|models)\b",
    re.IGNORECASE,
)
_DROP_LEAD = re.compile(r"^(?:in|on|during|at)\s+", re.IGNORECASE)
MAX_BEFORE, MAX_AFTER = 6, 5
_BAD_COMMA = re.compile(r",(?! \d{4}\b)")  # a phrase crosses a comma only before a year ("March 3, 2025")
# Words a phrase the parser accepts can start or end with (a cheap filter before parsing).
_STARTS = re.compile(
    r"(?:\d|fy|q[1-4]|h[12]|[1-4][qh]|in\b|on\b|at\b|by\b|the\b|during|around|circa|ca\b|c\.|about|approx"
    r"|roughly|~|from|between|until|till|no\b|not\b|early|mid|late|end|beginning|start|middle|next|this"
    r"|current|later|within|over|some|fiscal|financial|business|first|second|third|fourth|1st|2nd|3rd|4th"
    r"|spring|summer|autumn|fall|winter|after|january|february|march|april|may|june|july|august|september"
    r"|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)",
    re.IGNORECASE,
)
_ENDS = re.compile(
    r"(?:\d|\d's|\ds|year|years|months?|decade|onwards?|beyond|later|earliest|quarter|half|\))$|"
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)$",
    re.IGNORECASE,
)


def _can_start(text: str, start: int) -> bool:
    return _STARTS.match(text, start) is not None


def _can_end(text: str, end: int) -> bool:
    return _ENDS.search(text, max(0, end - 10), end) is not None


@dataclass(frozen=True)
class Found:
    start: int  # offsets into the sentence
    end: int
    text: str
    target: Target | None  # None: a relative phrase with no date to read it against


def _words(text: str) -> list[tuple[int, int]]:
    """Each word's core (without opening or closing punctuation), as offsets."""
    out = []
    for word in _WORD.finditer(text):
        start, end = word.start(), word.end()
        while start < end and text[start] in _LEAD:
            start += 1
        while end > start and text[end - 1] in _TRAIL:
            end -= 1
        if end > start:
            out.append((start, end))
    return out


def _parse(text: str, fiscal_month: int, published_on: date | None) -> Target | str | None:
    """The target, None when refused, or "relative" when refused for want of a date."""
    try:
        return parse_target(
            text, fiscal_year_start=fiscal_month, opened_on=published_on or date.max, stated_on=published_on
        )
    except TargetError as error:
        return "relative" if "is relative" in str(error) else None


def find_phrases(text: str, *, fiscal_month: int, published_on: date | None) -> list[Found]:
    """Every target phrase in ``text``, left to right, not overlapping.

    In a sentence that pairs things "respectively", "2027 and 2029" are two dates, not a range.
    """
    apart = "respectively" in text
    found: list[Found] = []
    covered = -1
    words: _Words | None = None
    for anchor in _ANCHOR.finditer(text):
        if anchor.start() < covered or (anchor.group()[0].isalpha() and not _cased_month(anchor.group())):
            continue
        words = words or _Words(text)
        best = _best_span(text, words, anchor, fiscal_month, published_on, covered, apart)
        if best is not None:
            found.append(best)
            covered = best.end
    return found


def _cased_month(word: str) -> bool:
    # Month names only when capitalised ("May" the month, never the verb "may"); other anchors any case.
    first = word.split()[0].lower()
    months = ("january february march april june july august september october november december").split()
    return first not in months or bool(_MONTHS_CASED.match(word))


class _Words:
    """A sentence's words, with whether each can start or end a phrase, worked out once."""

    __slots__ = ("can_end", "can_start", "spans")

    def __init__(self, text: str):
        self.spans = _words(text)
        self.can_start = [_can_start(text, start) for start, _ in self.spans]
        self.can_end = [_can_end(text, end) and not _UNIT_AFTER.match(text, end) for _, end in self.spans]


def _best_span(
    text: str,
    all_words: _Words,
    anchor: re.Match,
    fiscal_month: int,
    published_on: date | None,
    covered: int,
    apart: bool = False,
) -> Found | None:
    words = all_words.spans
    first = next((i for i, (s, e) in enumerate(words) if e > anchor.start()), None)
    last = next((i for i, (s, e) in enumerate(words) if e >= anchor.end()), None)
    if first is None or last is None:
        return None
    best: Found | None = None
    relative: Found | None = None
    for i in range(max(0, first - MAX_BEFORE), first + 1):
        start = words[i][0]
        if start < covered or not all_words.can_start[i]:
            continue
        for j in range(min(len(words) - 1, last + MAX_AFTER), last - 1, -1):
            end = words[j][1]
            if best is not None and end - start <= best.end - best.start:
                break
            if not all_words.can_end[j] or end - start > 80 or _BAD_COMMA.search(text, start, end):
                continue
            candidate = text[start:end]
            if apart and " and " in candidate:
                continue
            parsed = _parse(candidate, fiscal_month, published_on)
            if parsed == "relative":
                if relative is None or end - start > relative.end - relative.start:
                    relative = Found(start, end, candidate, None)
            elif parsed is not None:
                best = Found(start, end, candidate, parsed)
    chosen = best or relative
    return chosen and _drop_lead(chosen, fiscal_month, published_on)


def _drop_lead(found: Found, fiscal_month: int, published_on: date | None) -> Found:
    lead = _DROP_LEAD.match(found.text)
    if not lead:
        return found
    shorter = found.text[lead.end() :]
    parsed = _parse(shorter, fiscal_month, published_on) if found.target else None
    if found.target and not isinstance(parsed, Target):
        return found
    return Found(found.start + lead.end(), found.end, shorter, parsed if found.target else None)
