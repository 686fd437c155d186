"""Find known names in text with one compiled pattern, however many names are known.

Thousands of names joined as a plain alternation would be tried one by one at
every position of the text; joined as a trie ("nissan(?: motor(?: co\\.…)?)?")
the regular expression engine follows a name's letters once. Latin names match
whole words only and ignore case, except short all-capital acronyms ("MOST",
"NEA", "CAS"), which match as written so that the word "most" is not the
Ministry of Science and Technology. Names without Latin letters ("宁德时代")
match anywhere: Chinese and Japanese text has no spaces between words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LATIN = re.compile(r"[A-Za-z0-9]")
_ACRONYM = re.compile(r"[A-Z][A-Z0-9&-]{1,5}")
_END = "\0"  # marks a complete name in the trie


def _trie_pattern(names: list[str]) -> str:
    trie: dict = {}
    for name in names:
        node = trie
        for char in name:
            node = node.setdefault(char, {})
        node[_END] = {}
    return _node_pattern(trie)


def _node_pattern(node: dict) -> str:
    complete = _END in node
    branches = [
        re.escape(char) + _node_pattern(child) for char, child in sorted(node.items()) if char != _END
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if complete:
        return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else f"{body}?"
    return body


def _normal(name: str) -> str:
    return re.sub(r"\s+", " ", name.strip())


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    text: str
    key: str  # the owner of the name: an organisation's or a person's slug
    name: str  # the known name or alias that matched


class NameMatcher:
    """Names (with their owners' keys) compiled once; ``find`` returns every longest match."""

    def __init__(self, names: list[tuple[str, str]]):
        folded: dict[str, tuple[str, str]] = {}
        exact: dict[str, tuple[str, str]] = {}
        native: dict[str, tuple[str, str]] = {}
        for name, key in names:
            name = _normal(name)
            if not name:
                continue
            if not _LATIN.search(name):
                native.setdefault(name, (key, name))
            elif _ACRONYM.fullmatch(name):
                exact.setdefault(name, (key, name))
            else:
                folded.setdefault(name.lower(), (key, name))
        self._folded, self._exact, self._native = folded, exact, native
        parts = []
        if folded or exact:
            latin = []
            if folded:
                latin.append(f"(?P<folded>(?i:{_trie_pattern(list(folded))}))")
            if exact:
                latin.append(f"(?P<exact>{_trie_pattern(list(exact))})")
            parts.append(r"(?<![\w])(?:" + "|".join(latin) + r")(?![\w])")
        if native:
            parts.append(f"(?P<native>{_trie_pattern(list(native))})")
        self._pattern = re.compile("|".join(parts)) if parts else None

    def find(self, text: str, start: int = 0, end: int | None = None) -> list[Found]:
        if self._pattern is None:
            return []
        found = []
        for match in self._pattern.finditer(text, start, len(text) if end is None else end):
            matched = match.group()
            if match.lastgroup == "folded":
                key, name = self._folded.get(matched.lower(), (None, ""))
            elif match.lastgroup == "exact":
                key, name = self._exact[matched]
            else:
                key, name = self._native[matched]
            if key is not None:
                found.append(Found(match.start(), match.end(), matched, key, name))
        return found
