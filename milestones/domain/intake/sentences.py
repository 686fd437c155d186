"""Cut an article into sentences, keeping each one's offset in the article.

Rule-based: a sentence ends at ``.``, ``!`` or ``?`` (and any closing quote or
bracket after it) followed by a space and something that can start a sentence,
unless the word before the full stop is an abbreviation ("Co.", "Inc.",
"Mr.", "Jan.", "U.S.") or an initial. A line break always ends a sentence:
headlines, datelines and paragraphs stand alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st co corp inc ltd plc llc no nos vs etc approx dept est fig gov sen rep gen"
    " jan feb mar apr jun jul aug sep sept oct nov dec e.g i.e u.s u.k u.s.a a.m p.m".split()
)
# A candidate end: the punctuation, any closers, then the space before the next sentence.
_END = re.compile(r"[.!?](?: ?[”’\"')\]])*(?=\s+[\"“‘'(\[]?[A-Z0-9\u3000-\u9fff])")
_LINES = re.compile(r"[^\n]+")
_WORD_BEFORE = re.compile(r"([A-Za-z.]+)$")


@dataclass(frozen=True)
class Span:
    text: str
    start: int


def _is_abbreviation(line: str, dot: int) -> bool:
    if line[dot] != ".":
        return False
    window = max(0, dot - 12)
    word = _WORD_BEFORE.search(line, window, dot)
    if not word:
        return False
    token = word[1].lower()
    if len(token) == 1:  # an initial ("J. Smith"), not the end of "R&D."
        return word.start() == 0 or line[word.start() - 1] in " ."
    return token in ABBREVIATIONS


def split_sentences(text: str) -> list[Span]:
    """Every sentence with its offset in ``text``, stripped of surrounding blanks; blank lines dropped."""
    out: list[Span] = []
    for line in _LINES.finditer(text):
        body, offset, begin = line.group(), line.start(), 0
        for end in _END.finditer(body):
            if _is_abbreviation(body, end.start()):
                continue
            _append(out, body, offset, begin, end.end())
            begin = end.end()
        _append(out, body, offset, begin, len(body))
    return out


def _append(out: list[Span], body: str, offset: int, begin: int, end: int) -> None:
    piece = body[begin:end]
    stripped = piece.strip()
    if stripped:
        out.append(Span(stripped, offset + begin + (len(piece) - len(piece.lstrip()))))
