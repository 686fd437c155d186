"""Share-card images (1200×630 PNG) for chat apps and social sites, drawn in pure Python.

Pillow's bundled font (``ImageFont.load_default(size=…)``) keeps the drawing independent
of the fonts a server happens to have; no browser runs to make a card.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from functools import cache

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 1200, 630
MARGIN = 64
INK, INK_SOFT, PAPER, RULE, ACCENT, TODAY = "#1b2330", "#4a5568", "#ffffff", "#d9dee7", "#8fb3ff", "#c0264b"
STATUS_COLOURS = {
    "announced": "#3a55b4",
    "on_track": "#0b6e64",
    "at_risk": "#8a5a00",
    "delayed": "#b83f0b",
    "achieved": "#1b7a3a",
    "missed": "#b3261e",
    "cancelled": "#5f6673",
}
MAX_BARS = 6
# The bundled font covers Latin text but not every typographic mark our phrases use.
PLAIN = str.maketrans({"–": "-", "—": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "..."})


@dataclass(frozen=True)
class Bar:
    label: str
    start: date
    end: date | None  # None: open-ended, drawn to the right edge
    status: str = "announced"


@cache
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, size: int, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap to ``width`` pixels; an over-long word is cut, the last line ellipsised."""
    lines: list[str] = []
    line = ""
    for word in text.translate(PLAIN).split():
        candidate = f"{line} {word}".strip()
        if draw.textlength(candidate, font=_font(size)) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = word
        while draw.textlength(line, font=_font(size)) > width and len(line) > 1:
            line = line[:-1]
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(" .,;:") + "..."
    return lines


def _frame(heading: str) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 84), fill=INK)
    for index, filled in enumerate((True, True, False)):  # the brand mark, ▮▮▯
        left = MARGIN + index * 18
        draw.rectangle((left, 28, left + 11, 58), fill=ACCENT if filled else None, outline=ACCENT, width=2)
    draw.text((MARGIN + 70, 24), "SSB Tracker", font=_font(34), fill=PAPER)
    draw.text(
        (WIDTH - MARGIN, 30), heading.translate(PLAIN)[:40], font=_font(26), fill="#e8edf6", anchor="ra"
    )
    return image, draw


def _text_block(draw: ImageDraw.ImageDraw, top: int, text: str, size: int, fill: str, lines: int) -> int:
    for line in _wrap(draw, text, size, WIDTH - 2 * MARGIN, lines):
        draw.text((MARGIN, top), line, font=_font(size), fill=fill)
        top += int(size * 1.25)
    return top


def _timeline(draw: ImageDraw.ImageDraw, top: int, bars: list[Bar], today: date) -> None:
    """Year axis and one bar per window, below ``top`` and down to the bottom margin."""
    if not bars:
        return
    first = min(min(bar.start for bar in bars), today).year
    last = max(max(bar.end or bar.start for bar in bars), today).year + 1
    left, right = MARGIN, WIDTH - MARGIN
    span = (date(last, 1, 1) - date(first, 1, 1)).days or 1

    def x(day: date) -> float:
        return left + (right - left) * (day - date(first, 1, 1)).days / span

    bottom = HEIGHT - MARGIN
    row = min(48, (bottom - top - 30) // max(len(bars), 1))
    for year in range(first, last + 1):
        draw.line((x(date(year, 1, 1)), top, x(date(year, 1, 1)), bottom - 26), fill=RULE, width=1)
        if year < last:
            draw.text(
                (x(date(year, 7, 1)), bottom - 22), str(year), font=_font(20), fill=INK_SOFT, anchor="ma"
            )
    for index, bar in enumerate(bars):
        y = top + 8 + index * row
        colour = STATUS_COLOURS.get(bar.status, STATUS_COLOURS["announced"])
        draw.rounded_rectangle(
            (x(bar.start), y, max(x(bar.end or date(last, 1, 1)), x(bar.start) + 6), y + row * 0.55),
            4,
            fill=colour,
        )
        if len(bars) > 1:
            draw.text(
                (left + 4, y + row * 0.55 + 1), bar.label.translate(PLAIN)[:80], font=_font(16), fill=INK_SOFT
            )
    draw.line((x(today), top, x(today), bottom - 26), fill=TODAY, width=3)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def milestone_card(*, title: str, owner: str, target: str, status: str, bar: Bar, today: date) -> bytes:
    image, draw = _frame(owner)
    top = _text_block(draw, 118, title, 50, INK, 3)
    top = _text_block(draw, top + 12, f"Target: {target} · {status}", 32, INK_SOFT, 2)
    _timeline(draw, max(top + 24, 390), [bar], today)
    return _png(image)


def organisation_card(*, name: str, summary: str, bars: list[Bar], today: date) -> bytes:
    image, draw = _frame("Organisation")
    top = _text_block(draw, 118, name, 56, INK, 2)
    top = _text_block(draw, top + 8, summary, 30, INK_SOFT, 1)
    _timeline(draw, top + 24, bars[:MAX_BARS], today)
    return _png(image)


def site_card(*, bars: list[Bar], today: date) -> bytes:
    image, draw = _frame("")
    top = _text_block(draw, 118, "The race to commercialise solid-state batteries", 52, INK, 2)
    top = _text_block(
        draw, top + 8, "Who promised what, by when, and how past promises slipped.", 30, INK_SOFT, 2
    )
    _timeline(draw, top + 24, bars[:MAX_BARS], today)
    return _png(image)
