"""Quoted passages and who said them.

A quote is text between typographic (“ ”) or straight (" ") double quotes of
at least four words: a quoted name or a scare-quoted term is not a quote. The
speaker is the person the sentence that opens the quote names outside the
quotation marks, else the previous sentence; "he"/"she" is the last speaker
or person named. Known people match by name; an unknown name next to a verb
of saying or a job title ("Jane Doe, chief executive of …") is proposed with
``speaker_slug`` None.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from milestones.domain.intake import Knowledge, Mark, QuoteProposal, Sentence
from milestones.domain.intake.names import Found
from milestones.domain.intake.sentences import Span

_QUOTE = re.compile(r"“(?P<a>[^”]{3,3000})”|\"(?P<b>[^\"\n]{3,3000})\"")
_PART = r"[A-Z][a-z]+(?:-[a-z]+)?"  # "Dong-myung"
_NAME = rf"{_PART}(?:[ -](?:{_PART}|[A-Z]\.)){{1,2}}"
_SAYS = r"said|says|added|adds|told|explained|explains|noted|notes|wrote|stressed|argued|argues"
_TITLES = (
    r"chief|ceo|president|head|director|professor|prof\.|analyst|executive|vice|senior|general|manager"
    r"|spokes\w+|founder|co-founder|chair\w*|engineer|researcher|cto|cfo|partner|lead|principal|chief"
    r"|member|fellow|secretary|minister|adviser|advisor|officer"
)
_PERSON = re.compile(
    rf"(?P<a>{_NAME})(?=,\s+(?:the\s+|a\s+|an\s+|its\s+)?(?:{_TITLES})\b|\s+(?:{_SAYS}))"
    rf"|\b(?:said|says|added|adds|according to|told by)\s+(?P<b>{_NAME})"
    rf"|\b(?:CEO|Chief Executive|chief executive|President|president|Professor|professor|Prof\.|Dr\.?|analyst"
    rf"|chairman|chairwoman|founder|executive officer|vice president|spokesman|spokeswoman)\s+(?P<c>{_NAME})",
)
# "Mishina said", "said Sun": a name given in full before, now by one of its words.
_SHORT = re.compile(rf"\b(?P<a>{_PART})\s+(?:{_SAYS})\b|\b(?:{_SAYS})\s+(?P<b>{_PART})\b")
_PRONOUN = re.compile(r"\b(?:he|she|He|She)\b")
_NOT_PEOPLE = frozenset("The This According However Meanwhile".split())


@dataclass(frozen=True)
class Quoted:
    text: str
    start: int  # offsets of the quoted text (inside the marks) in the article
    end: int


def find_quotes(text: str) -> list[Quoted]:
    out = []
    for match in _QUOTE.finditer(text):
        group = "a" if match["a"] is not None else "b"
        body = match[group]
        if len(body.split()) < 4:
            continue
        stripped = body.strip()
        start = match.start(group) + (len(body) - len(body.lstrip()))
        out.append(Quoted(stripped, start, start + len(stripped)))
    return out


def unknown_people(text: str, taken: list[tuple[int, int]]) -> list[Found]:
    """Names that a verb of saying or a job title marks as a person's, not overlapping ``taken``."""
    out = []
    for match in _PERSON.finditer(text):
        group = next(g for g in ("a", "b", "c") if match[g])
        start, end, name = match.start(group), match.end(group), match[group]
        if name.split()[0] in _NOT_PEOPLE or any(s < end and start < e for s, e in taken):
            continue
        out.append(Found(start, end, name, "", name))
    return out


def has_pronoun(text: str) -> bool:
    return _PRONOUN.search(text) is not None


def outside(text: str, quotes: list[tuple[int, int]]) -> str:
    """``text`` with quoted passages blanked (same length, so offsets hold)."""
    chars = list(text)
    for start, end in quotes:
        for index in range(max(0, start), min(len(chars), end)):
            chars[index] = " "
    return "".join(chars)


def short_references(text: str, people: list[Found]) -> list[Found]:
    """Later mentions of a person by one word of the name ("Mishina said" after "Tetsuji Mishina")."""
    out = []
    for match in _SHORT.finditer(text):
        group = "a" if match["a"] else "b"
        word, at = match[group], match.start(group)
        earlier = [p for p in people if p.start < at and word in p.name.replace("-", " ").split()]
        if earlier and not any(p.start <= at < p.end for p in people):
            person = earlier[-1]
            out.append(Found(at, at + len(word), word, person.key, person.name))
    return out


def quote_proposals(
    text: str, spans: list[Span], people: list[Found], known: Knowledge
) -> tuple[QuoteProposal, ...]:
    """Every quote with its speaker: named in its sentence, "he"/"she", the previous quote's, or named before."""
    affiliations = {p.slug: p.affiliation_slug for p in known.people}
    starts = [span.start for span in spans]
    quoted = find_quotes(text)
    blanked = outside(text, [(q.start, q.end) for q in quoted])
    people = [p for p in people if blanked[p.start : p.end].strip()]  # not a name inside a quote
    people = sorted(people + short_references(blanked, people), key=lambda p: p.start)
    out = []
    last: Found | None = None
    by_sentence: dict[int, Found] = {}
    for quote in quoted:
        index = max(0, bisect_right(starts, quote.start) - 1)
        span = spans[index]
        speaker = _speaker(blanked, spans, index, people, last, by_sentence)
        marks: tuple[Mark, ...] = ()
        if speaker is not None:
            last = by_sentence[index] = speaker
            if span.start <= speaker.start < span.start + len(span.text):
                marks = (Mark("speaker", speaker.start - span.start, speaker.end - span.start),)
        out.append(
            QuoteProposal(
                text=quote.text,
                speaker_name=speaker.name if speaker else "",
                speaker_slug=(speaker.key or None) if speaker else None,
                affiliation_slug=affiliations.get(speaker.key) if speaker and speaker.key else None,
                sentence=Sentence(span.text, span.start, marks),
            )
        )
    return tuple(out)


def _speaker(
    blanked: str, spans: list[Span], index: int, people: list[Found], last: Found | None, by_sentence: dict
) -> Found | None:
    span = spans[index]
    end = span.start + len(span.text)
    named = [p for p in people if span.start <= p.start < end]
    if named:
        return named[0]
    if has_pronoun(blanked[span.start : end]):
        return last or _last_before(people, span.start)
    if index - 1 in by_sentence:  # a quote that runs on from the previous sentence's
        return by_sentence[index - 1]
    if index > 0:
        previous = spans[index - 1]
        named = [p for p in people if previous.start <= p.start < previous.start + len(previous.text)]
        return named[0] if named else None
    return None


def _last_before(people: list[Found], offset: int) -> Found | None:
    before = [p for p in people if p.start < offset]
    return before[-1] if before else None
