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
from dataclasses import dataclass

from milestones.domain.intake.names import Found

_QUOTE = re.compile(r"“(?P<a>[^”]{3,3000})”|\"(?P<b>[^\"\n]{3,3000})\"")
_NAME = r"[A-Z][a-z]+(?:[ -](?:[A-Z][a-z]+|[A-Z]\.)){1,2}"
_TITLES = (
    r"chief|ceo|president|head|director|professor|prof\.|analyst|executive|vice|senior|general|manager"
    r"|spokes\w+|founder|co-founder|chair\w*|engineer|researcher|cto|cfo|partner|lead|principal|chief"
    r"|member|fellow|secretary|minister|adviser|advisor|officer"
)
_PERSON = re.compile(
    rf"(?P<a>{_NAME})(?=,\s+(?:the\s+|a\s+|an\s+|its\s+)?(?:{_TITLES})\b"
    r"|\s+(?:said|says|added|adds|told|explained|explains|noted|notes|wrote|stressed|argued|argues))"
    rf"|\b(?:said|says|added|adds|according to|told by)\s+(?P<b>{_NAME})"
    rf"|\b(?:CEO|Chief Executive|President|Professor|Prof\.|Dr\.?|analyst|chairman|chairwoman|founder)\s+(?P<c>{_NAME})",
)
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
