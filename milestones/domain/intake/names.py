"""Find known names in text in one pass over its words, however many names are known.

Every name is cut into words and punctuation marks; a dictionary keyed by a
name's first word lists the names starting with it, longest first. Reading
the text's words once and looking each up finds every name, longest match
first, in time that grows with the text, not with the number of names (2,000
organisations with their aliases cost ~10 ms to index; a regular expression
of 6,000 alternatives took ~0.9 s just to compile). Latin names match whole
words ("MG" is not in "MG4") and ignore case, except short all-capital
acronyms ("MOST", "NEA", "CAS"), which match as written so that the word
"most" is not the Ministry of Science and Technology. Names in other scripts
("宁德时代", "삼성SDI") match anywhere: Chinese and Japanese text has no spaces
between words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_LATIN_ONLY = re.compile(r"[\x00-\x7f\u00c0-\u024f\u2018-\u201f\u2013\u2014]+")
# Words, and the punctuation that is part of names ("Co., Ltd.", "Mercedes-Benz", "R&D"); other
# marks are skipped.
_TOKEN = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+|[.,&'’+/-]")
_OTHER_SCRIPT = re.compile(r"[^\x00-\u024f\u2000-\u206f]")
_ACRONYM = re.compile(r"[A-Z][A-Z0-9]{1,5}")
_QUOTES = str.maketrans("‘’", "''")


def _normal(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip())


@lru_cache(maxsize=2)  # the organisations and the people are looked up in the same text
def _tokens(text: str) -> tuple[list[tuple[int, int, str]], list[str]]:
    """The text's words and name punctuation with their offsets, and each one lower-cased."""
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    folded = text.lower().translate(_QUOTES)
    if len(folded) != len(text):  # a letter whose lower case is longer ("İ"): fold word by word
        return tokens, [t[2].lower().translate(_QUOTES) for t in tokens]
    return tokens, [folded[start:end] for start, end, _ in tokens]


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    text: str
    key: str  # the owner of the name: an organisation's or a person's slug
    name: str  # the known name or alias that matched


class NameMatcher:
    """Names (with their owners' keys) indexed once; ``find`` returns every longest match, left to right."""

    def __init__(self, names: list[tuple[str, str]]):
        self._folded: dict[str, list[tuple[tuple[str, ...], str, str]]] = {}
        self._exact: dict[str, tuple[str, str]] = {}
        native: dict[str, tuple[str, str]] = {}
        for name, key in names:
            name = _normal(name)
            if not name:
                continue
            if not _LATIN_ONLY.fullmatch(name):
                native.setdefault(name, (key, name))
            elif _ACRONYM.fullmatch(name):
                self._exact.setdefault(name, (key, name))
            else:
                words = tuple(_tokens(name)[1])
                if words:
                    self._folded.setdefault(words[0], []).append((words, key, name))
        for entries in self._folded.values():
            entries.sort(key=lambda entry: -len(entry[0]))
        self._native: dict[str, list[tuple[str, str, str]]] = {}
        for name, (key, original) in native.items():
            self._native.setdefault(name[0], []).append((name, key, original))
        for entries in self._native.values():
            entries.sort(key=lambda entry: -len(entry[0]))

    def find(self, text: str) -> list[Found]:
        found = self._latin(text) + self._other_scripts(text)
        return sorted(found, key=lambda f: f.start)

    def _latin(self, text: str) -> list[Found]:
        tokens, lowered = _tokens(text)
        found, index = [], 0
        folded, exact = self._folded, self._exact
        while index < len(tokens):
            if lowered[index] not in folded and tokens[index][2] not in exact:
                index += 1
                continue
            match = self._match_at(text, tokens, lowered, index)
            if match is None:
                index += 1
                continue
            length, key, name = match
            start, end = tokens[index][0], tokens[index + length - 1][1]
            found.append(Found(start, end, text[start:end], key, name))
            index += length
        return found

    def _match_at(
        self, text: str, tokens: list, lowered: list[str], index: int
    ) -> tuple[int, str, str] | None:
        exact = self._exact.get(tokens[index][2])
        for words, key, name in self._folded.get(lowered[index], ()):
            if (
                tuple(lowered[index : index + len(words)]) == words
                and _joined(text, tokens, index, len(words))
                and (exact is None or len(words) > 1)
            ):
                return len(words), key, name
        return (1, *exact) if exact else None

    def _other_scripts(self, text: str) -> list[Found]:
        if not self._native:
            return []
        found, taken = [], 0
        for char in _OTHER_SCRIPT.finditer(text):  # only where a name in another script can start
            index = char.start()
            entries = self._native.get(char.group())
            match = next((e for e in entries if text.startswith(e[0], index)), None) if entries else None
            if match is None or index < taken:
                continue
            name, key, original = match
            found.append(Found(index, index + len(name), name, key, original))
            taken = index + len(name)
        return found


def _joined(text: str, tokens: list, index: int, length: int) -> bool:
    """The name's words are not glued to more letters ("MG" in "MG4" is one token, so never here)."""
    return all(tokens[i + 1][0] - tokens[i][1] <= 2 for i in range(index, index + length - 1))
