"""The outside view's small charts, drawn server-side like the timeline.

Geometry comes from ``milestones.domain.chart`` (x positions in percent, so an
SVG scales to any width without a viewBox); this module only writes SVG, with
every interpolated text escaped. Each chart carries a text alternative: an
``aria-label`` and ``<title>`` saying in words what the marks show.
"""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from milestones.domain.chart import outlook_marks, strip_plot

register = template.Library()

_MAX_YEAR_LABELS = 8


@register.filter
def month(day: date | None) -> str:
    """``March 2030``: the outside view is shown to the month, never to the day."""
    return f"{day:%B %Y}" if day else ""


@register.filter
def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{round(rate * 100)}%"


@register.filter
def ratio(value: float | None) -> str:
    """A slip ratio to two decimals with its sign (−0.06, 0, +0.27)."""
    if value is None:
        return "—"
    if round(value, 2) == 0:
        return "0"
    return f"{value:+.2f}".replace("-", "−")


def _anchor(x: float) -> str:
    """Keep a label inside the chart near either edge."""
    if x > 90:
        return ' text-anchor="end"'
    if x < 10:
        return ' text-anchor="start"'
    return ' text-anchor="middle"'


def _outside_view_text(milestone, view) -> str:
    return (
        f"Stated window {milestone.window_start:%-d %B %Y} to {milestone.window_end:%-d %B %Y}. "
        f"Outside view from {view.n} past claims by {view.reference_class.label}: "
        f"P50 around {month(view.p50)}, P80 {month(view.p80)}."
    )


@register.simple_tag
def outside_view_svg(milestone, view) -> SafeString:
    """Stated window as a bar, a faint band to P80, and the P50 and P80 marks, on a year axis."""
    marks = outlook_marks(
        window_start=milestone.window_start, window_end=milestone.window_end, p50=view.p50, p80=view.p80
    )
    text = escape(_outside_view_text(milestone, view))
    every = -(-len(marks.years) // _MAX_YEAR_LABELS)  # label every n-th year on long spans
    parts = [
        f'<svg class="ov-chart" width="100%" height="70" role="img" aria-label="{text}"><title>{text}</title>'
    ]
    for index, tick in enumerate(marks.years):
        parts.append(f'<line class="ov-grid" x1="{tick.x}%" x2="{tick.x}%" y1="16" y2="56"/>')
        if index % every == 0:
            parts.append(f'<text class="ov-year" x="{tick.x}%" dx="3" y="68">{tick.year}</text>')
    width = round(max(marks.end_x - marks.start_x, 0.6), 3)
    band = round(max(marks.p80_x - marks.end_x, 0), 3)
    parts += [
        f'<rect class="ov-range" x="{marks.end_x}%" y="28" width="{band}%" height="14"/>',
        f'<rect class="ov-window" x="{marks.start_x}%" y="28" width="{width}%" height="14" rx="3"/>',
        f'<line class="ov-p50" x1="{marks.p50_x}%" x2="{marks.p50_x}%" y1="20" y2="50"/>',
        f'<line class="ov-p80" x1="{marks.p80_x}%" x2="{marks.p80_x}%" y1="20" y2="50"/>',
    ]
    p50_anchor, p80_anchor = _anchor(marks.p50_x), _anchor(marks.p80_x)
    if marks.p80_x - marks.p50_x < 12:  # close marks: labels lean away from each other
        p50_anchor, p80_anchor = ' text-anchor="end"', ' text-anchor="start"'
    parts += [
        f'<text class="ov-label" x="{marks.p50_x}%" y="14"{p50_anchor}>P50</text>',
        f'<text class="ov-label" x="{marks.p80_x}%" y="14"{p80_anchor}>P80</text>',
        "</svg>",
    ]
    return mark_safe("".join(parts))  # every interpolated text above is escaped


_DOT_ROW = 14
_STRIP_TOP = 22


def strip_text(ratios) -> str:
    plot = strip_plot(ratios)
    listed = ", ".join(ratio(value) for value in sorted(ratios))
    return f"Slip ratios of {len(ratios)} claim{'s' if len(ratios) != 1 else ''}, lowest first: {listed}. Median {ratio(plot.median)}."


@register.simple_tag
def slip_strip_svg(outcomes) -> SafeString:
    """A strip plot of the claims that have a slip ratio: one dot each, a zero line and the median."""
    measured = [outcome for outcome in outcomes if outcome.ratio is not None]
    ratios = [outcome.ratio for outcome in measured]
    plot = strip_plot(ratios)
    height = _STRIP_TOP + plot.rows * _DOT_ROW + 30
    axis_y = height - 22
    text = escape(strip_text(ratios))
    parts = [
        f'<svg class="slip-strip" width="100%" height="{height}" role="img" aria-label="{text}"><title>{text}</title>',
        f'<line class="ss-axis" x1="0" x2="100%" y1="{axis_y}" y2="{axis_y}"/>',
    ]
    for value, x in plot.ticks:
        parts.append(
            f'<line class="ss-tick" x1="{x}%" x2="{x}%" y1="{axis_y}" y2="{axis_y + 5}"/>'
            f'<text class="ss-tick-label" x="{x}%" y="{height - 4}"{_anchor(x)}>{ratio(value)}</text>'
        )
    parts += [
        f'<line class="ss-zero" x1="{plot.zero_x}%" x2="{plot.zero_x}%" y1="{_STRIP_TOP - 6}" y2="{axis_y}"/>',
        f'<line class="ss-median" x1="{plot.median_x}%" x2="{plot.median_x}%" y1="{_STRIP_TOP - 6}" y2="{axis_y}"/>',
        f'<text class="ss-median-label" x="{plot.median_x}%" y="{_STRIP_TOP - 10}"{_anchor(plot.median_x)}>'
        f"median {ratio(plot.median)}</text>",
    ]
    for dot in plot.dots:
        outcome = measured[dot.index]
        label = escape(f"{outcome.title}: {ratio(dot.ratio)}")
        cy = _STRIP_TOP + dot.row * _DOT_ROW + _DOT_ROW / 2
        parts.append(f'<circle class="ss-dot" cx="{dot.x}%" cy="{cy}" r="5"><title>{label}</title></circle>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text above is escaped
