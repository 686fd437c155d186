"""What text we store, decided once: every service checks fields with ``text_clean``
before saving, and every output that cannot carry control characters (Atom, iCalendar)
passes older text through ``printable``.

Stored text is NFC-normalised. Multi-line fields (summaries, notes, quotes) may hold tabs
and line breaks (CR LF and lone CR become LF); single-line fields (names, titles, target
phrases) hold none. Other C0 and C1 control characters, DEL, lone surrogates and the
noncharacters U+FFFE/U+FFFF are refused with the code point named: they are invisible,
break XML and calendar files, and no source needs them.
"""

from __future__ import annotations

import re
import unicodedata

_FORBIDDEN_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_FORBIDDEN_SINGLE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# What XML 1.0 and RFC 5545 text can carry: tab and LF survive, everything else goes.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")

# The same rule as patterns, for the OpenAPI schema (so generated data keeps to it). Lone
# surrogates and U+FFFE/U+FFFF are left out here: JSON parsers refuse them before any rule.
# "+", not "*": a blank value is its own alternative in the schema (maxLength 0).
SINGLE_LINE_PATTERN = r"^[^\x00-\x1f\x7f-\x9f]+$"
MULTILINE_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]+$"

_NAMES = {"\t": "a tab", "\n": "a line break", "\r": "a line break"}


class TextRefused(ValueError):
    """The text holds a character we do not store; the message names it."""


def text_clean(value: str, *, multiline: bool) -> str:
    """``value`` as stored: NFC, line breaks as LF; ``TextRefused`` for a forbidden character."""
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    forbidden = (_FORBIDDEN_MULTILINE if multiline else _FORBIDDEN_SINGLE_LINE).search(value)
    if forbidden:
        char = forbidden.group()
        what = _NAMES.get(char) or f"the control character U+{ord(char):04X}"
        allowed = "only tabs and line breaks are allowed" if multiline else "it must be a single line of text"
        raise TextRefused(f"Remove {what} at position {forbidden.start() + 1}: {allowed}.")
    return unicodedata.normalize("NFC", value)


def printable(value: object) -> str:
    """``value`` as text any XML or calendar output can carry (for rows stored before the rule)."""
    return _UNPRINTABLE.sub("", str(value))


# A cell starting with one of these runs as a formula when a spreadsheet opens the file
# (=HYPERLINK(…), +cmd|…, @SUM(…)); a leading apostrophe makes it text. Every export uses it.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(text: str) -> str:
    """``text`` as a CSV/XLSX cell that no spreadsheet will evaluate."""
    return f"'{text}" if text[:1] in _FORMULA_START else text


def spreadsheet_uncell(text: str) -> str:
    """The text ``spreadsheet_cell`` protected, so an exported file imports unchanged."""
    return text[1:] if text[:1] == "'" and text[1:2] in _FORMULA_START else text


def whole_number(text: str, *, minimum: int = 0, maximum: int = 2**63 - 1) -> int | None:
    """``text`` as a whole number in [minimum, maximum], or None: ASCII digits only, so
    "²" or "١" (which ``str.isdigit`` accepts and ``int`` may not) are not numbers here."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if minimum <= number <= maximum else None
