"""Timeline layout: milestones -> lanes, rows and x positions for the chart.

Pure Python (no ORM, no templates), so the geometry can be tested with plain
dates. x positions are percentages of the plot width: each lane is its own
SVG scaled to the page width, and SVG accepts percentages for x, width and
cx, so the chart stays crisp at any width without a fixed viewBox.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

ROW_HEIGHT = 34  # px: an 12 px label line above a 12 px bar, plus air
LANE_PADDING = 6
# Labels are drawn in text, whose pixel width the server cannot know; the
# packing assumes a plot about 800 px wide and 6.5 px per character so that
# labels rarely run into the next bar. Overlap is cosmetic, never data loss.
ASSUMED_PLOT_PX = 800
CHAR_PX = 6.5
ROW_GAP_PCT = 1.0
MIN_YEARS = 3
MAX_YEARS = 40


@dataclass(frozen=True)
class Item:
    """What the layout needs to know about one milestone."""

    ref: Any  # handed back untouched (the milestone)
    lane_key: str
    lane_label: str
    start: date
    end: date | None  # None: open-ended ("2028 onwards"), drawn fading out to the right
    label: str
    open_start: bool = False
    approximate: bool = False
    achieved_on: date | None = None
    first_start: date | None = None
    first_end: date | None = None
    lane_url: str = ""
    lane_order: tuple = ()
    outlook_end: date | None = None  # the outside view's P80, drawn as a faint extension

    @property
    def is_point(self) -> bool:
        return self.start == self.end and not self.open_start

    @property
    def open_end(self) -> bool:
        return self.end is None

    @property
    def slipped(self) -> bool:
        return self.first_end is not None and (self.first_start, self.first_end) != (self.start, self.end)


@dataclass
class Bar:
    item: Item
    x: float
    width: float
    row: int = 0
    ghost_x: float | None = None
    ghost_width: float | None = None
    achieved_x: float | None = None
    label_end: bool = False  # anchor the label at the bar's end (bars near the right edge)
    clipped_start: bool = False
    clipped_end: bool = False
    outlook_x: float | None = None
    outlook_width: float | None = None

    @property
    def centre(self) -> float:
        return self.x + self.width / 2

    @property
    def right(self) -> float:
        return self.x + self.width


@dataclass
class Lane:
    key: str
    label: str
    url: str = ""
    bars: list[Bar] = field(default_factory=list)
    rows: int = 1

    @property
    def height(self) -> int:
        return self.rows * ROW_HEIGHT + LANE_PADDING


@dataclass(frozen=True)
class YearTick:
    year: int
    x: float
    width: float


@dataclass
class Timeline:
    year_from: int
    year_to: int
    lanes: list[Lane]
    years: list[YearTick]
    today_x: float | None

    @property
    def empty(self) -> bool:
        return not self.lanes


class Scale:
    """Maps dates in [first day of year_from, last day of year_to] to 0-100."""

    def __init__(self, year_from: int, year_to: int) -> None:
        self.start = date(year_from, 1, 1)
        self.end = date(year_to + 1, 1, 1)
        self.days = (self.end - self.start).days

    def x(self, day: date) -> float:
        return round((day - self.start).days / self.days * 100, 3)

    def clamp(self, day: date) -> date:
        return min(max(day, self.start), self.end)


def year_range(items: Iterable[Item], today: date) -> tuple[int, int]:
    """The default span: every window and first claim, plus today, at least MIN_YEARS wide."""
    years = [today.year]
    for item in items:
        years += [item.start.year, item.end.year if item.end else item.start.year]
        if item.first_start:
            years += [item.first_start.year, (item.first_end or item.first_start).year]
        if item.outlook_end:
            years.append(item.outlook_end.year)
    low, high = min(years), max(years)
    if high - low + 1 < MIN_YEARS:
        high = low + MIN_YEARS - 1
    return low, min(high, low + MAX_YEARS - 1)


def build(
    items: Sequence[Item],
    *,
    today: date,
    year_from: int | None = None,
    year_to: int | None = None,
) -> Timeline:
    """Lay items out in lanes (in first-seen order unless ``lane_order`` says otherwise)."""
    auto_from, auto_to = year_range(items, today)
    low = year_from or auto_from
    high = max(year_to or auto_to, low)
    scale = Scale(low, high)
    lanes: dict[str, Lane] = {}
    for item in items:
        lane = lanes.get(item.lane_key)
        if lane is None:
            lane = lanes[item.lane_key] = Lane(key=item.lane_key, label=item.lane_label, url=item.lane_url)
        bar = _bar(item, scale)
        if bar is not None:
            lane.bars.append(bar)
    ordered = sorted(
        (lane for lane in lanes.values() if lane.bars), key=lambda lane: lane.bars[0].item.lane_order
    )
    for lane in ordered:
        _pack(lane)
    today_x = scale.x(today) if scale.start <= today < scale.end else None
    return Timeline(low, high, ordered, _ticks(scale, low, high), today_x)


def _bar(item: Item, scale: Scale) -> Bar | None:
    # An open end runs to the right edge of whatever range is shown.
    item_end = item.end if item.end is not None else scale.end
    if item_end < scale.start or item.start >= scale.end:
        return None  # outside the zoomed range
    start, end = scale.clamp(item.start), scale.clamp(item_end + timedelta(days=1))
    bar = Bar(
        item=item,
        x=scale.x(start),
        width=round(max(scale.x(end) - scale.x(start), 0.0), 3),
        clipped_start=item.start < scale.start,
        clipped_end=item_end >= scale.end,
    )
    if item.slipped:
        ghost_start = scale.clamp(item.first_start)
        ghost_end = scale.clamp((item.first_end or scale.end) + timedelta(days=1))
        if ghost_end > ghost_start:
            bar.ghost_x = scale.x(ghost_start)
            bar.ghost_width = round(scale.x(ghost_end) - bar.ghost_x, 3)
    if item.outlook_end and item.end and item.outlook_end > item.end:
        outlook_start = scale.clamp(item.end + timedelta(days=1))
        outlook_end = scale.clamp(item.outlook_end + timedelta(days=1))
        if outlook_end > outlook_start:
            bar.outlook_x = scale.x(outlook_start)
            bar.outlook_width = round(scale.x(outlook_end) - bar.outlook_x, 3)
    if item.achieved_on and scale.start <= item.achieved_on < scale.end:
        bar.achieved_x = scale.x(item.achieved_on)
    label_pct = len(item.label) * CHAR_PX / ASSUMED_PLOT_PX * 100
    bar.label_end = bar.x + label_pct > 100 and bar.right - label_pct >= 0
    return bar


def _extent(bar: Bar) -> tuple[float, float]:
    """Horizontal space a bar needs in its row: window, first claim and label."""
    label_pct = len(bar.item.label) * CHAR_PX / ASSUMED_PLOT_PX * 100
    left, right = bar.x, max(bar.right, bar.x + 0.8)
    if bar.label_end:
        left = min(left, bar.right - label_pct)
    else:
        right = max(right, bar.x + label_pct)
    if bar.ghost_x is not None:
        left, right = min(left, bar.ghost_x), max(right, bar.ghost_x + bar.ghost_width)
    if bar.outlook_x is not None:
        right = max(right, bar.outlook_x + bar.outlook_width)
    return left, right


def _pack(lane: Lane) -> None:
    """Greedy interval packing: each bar goes to the first row it fits in."""
    row_ends: list[float] = []
    for bar in sorted(lane.bars, key=lambda bar: (_extent(bar)[0], bar.right)):
        left, right = _extent(bar)
        for row, row_end in enumerate(row_ends):
            if left >= row_end + ROW_GAP_PCT:
                bar.row, row_ends[row] = row, right
                break
        else:
            bar.row = len(row_ends)
            row_ends.append(right)
    lane.rows = max(len(row_ends), 1)
    lane.bars.sort(key=lambda bar: (bar.row, bar.x))


def _ticks(scale: Scale, low: int, high: int) -> list[YearTick]:
    ticks = []
    for year in range(low, high + 1):
        x = scale.x(date(year, 1, 1))
        ticks.append(YearTick(year, x, round(scale.x(date(year + 1, 1, 1)) - x, 3)))
    return ticks


@dataclass(frozen=True)
class OutlookMarks:
    """The milestone page's small chart: stated window, then P50 and P80, on a year axis."""

    start_x: float
    end_x: float
    p50_x: float
    p80_x: float
    years: list[YearTick]


def outlook_marks(*, window_start: date, window_end: date, p50: date, p80: date) -> OutlookMarks:
    low = min(window_start, p50).year
    high = max(window_end, p80).year
    scale = Scale(low, max(high, low + 1))
    return OutlookMarks(
        start_x=scale.x(window_start),
        end_x=scale.x(window_end + timedelta(days=1)),
        p50_x=scale.x(p50),
        p80_x=scale.x(p80),
        years=_ticks(scale, scale.start.year, scale.end.year - 1),
    )


@dataclass(frozen=True)
class StripDot:
    index: int  # position in the ratios given, to find the claim behind the dot
    ratio: float
    x: float
    row: int


@dataclass(frozen=True)
class StripPlot:
    """Slip ratios along one axis: a dot per claim, stacked where dots would touch."""

    dots: list[StripDot]
    rows: int
    zero_x: float
    median: float
    median_x: float
    ticks: list[tuple[float, float]]  # (ratio, x)


STRIP_DOT_PCT = 2.5  # dots closer than this (in % of the width) go to the next row


def strip_plot(ratios: Sequence[float]) -> StripPlot:
    median = statistics.median(ratios)
    low = min(0.0, *ratios)
    high = max(1.0, *ratios)
    step = next(
        (s for s in (0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0) if (high - low) / s <= 8), (high - low) / 8
    )
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step

    def x(value: float) -> float:
        return round((value - low) / (high - low) * 100, 3)

    row_ends: list[float] = []
    dots = []
    for index, ratio in sorted(enumerate(ratios), key=lambda pair: pair[1]):
        position = x(ratio)
        row = next((i for i, end in enumerate(row_ends) if position - end >= STRIP_DOT_PCT), len(row_ends))
        row_ends[row : row + 1] = [position]
        dots.append(StripDot(index, ratio, position, row))
    count = round((high - low) / step)
    ticks = [(round(low + i * step, 2), x(low + i * step)) for i in range(count + 1)]
    return StripPlot(dots, max(len(row_ends), 1), x(0.0), median, x(median), ticks)


def list_year(start: date, end: date | None, *, open_start: bool) -> int:
    """The year a milestone is listed under: when its window opens, or its deadline for "by …"."""
    return end.year if open_start else start.year


def group_by_year(refs: Iterable[Any], key: Callable[[Any], int]) -> list[tuple[int, list[Any]]]:
    groups: dict[int, list[Any]] = {}
    for ref in refs:
        groups.setdefault(key(ref), []).append(ref)
    return sorted(groups.items())


def zoom(year_from: int, year_to: int, *, step: int) -> tuple[int, int]:
    """Narrow (step > 0) or widen (step < 0) a year range around its centre; at least one year."""
    low, high = year_from + step, year_to - step
    if low > high:
        middle = (year_from + year_to) // 2
        low = high = middle
    if high - low + 1 > MAX_YEARS:
        return year_from, year_to
    return low, high


# Colour is never the only signal: each status also has a glyph (in labels,
# lists and the legend) and, for the troubled ones, a fill pattern.
STATUS_GLYPHS = {
    "announced": "○",
    "on_track": "→",
    "at_risk": "!",
    "delayed": "»",
    "achieved": "✓",
    "missed": "✕",
    "cancelled": "⊘",
}
STATUS_PATTERNS = {
    "at_risk": "dotted",
    "delayed": "hatched",
    "missed": "cross-hatched",
    "cancelled": "hatched",
}
