"""Tags for the timeline chart and the pages around it.

The lane SVG is assembled in Python rather than a template loop: a timeline
of 2,000 milestones is ~20,000 SVG elements, and string building keeps the
page within a small multiple of returning the same rows as JSON.
"""

from __future__ import annotations

import calendar
import html
from datetime import date

from django import template
from django.http import QueryDict
from django.template import engines
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from milestones.domain.chart import ROW_HEIGHT, STATUS_GLYPHS, Bar, Lane, Timeline
from milestones.models import Milestone
from milestones.selectors import prefetched
from milestones.web.rows import Rows
from milestones.web.templatetags.share import share_meta

register = template.Library()

_LABEL_Y, _BAR_Y, _BAR_H = 13, 17, 12


@register.filter
def status_glyph(status: str) -> str:
    return STATUS_GLYPHS.get(status, "")


register.simple_tag(takes_context=True)(share_meta)


@register.filter
def month_name(month: int) -> str:
    """``4`` -> ``April``: fiscal years are spoken of by their first month's name."""
    try:
        return calendar.month_name[int(month)] or ""
    except (TypeError, ValueError, IndexError):
        return ""


@register.simple_tag
def subscriptions_available() -> bool:
    """True once the reminders app ships its ``subscriptions`` tag library."""
    return "subscriptions" in engines["django"].engine.template_libraries


@register.simple_tag(takes_context=True)
def query_with(context: template.Context, **changes) -> str:
    """The current query string with some parameters replaced (None or "" removes them)."""
    request = context.get("request")
    query: QueryDict = request.GET.copy() if request else QueryDict(mutable=True)
    for name, value in changes.items():
        query.pop(name, None)
        if value not in (None, ""):
            query[name] = str(value)
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else "?"


def _window_text(milestone) -> str:
    if milestone.window_end is None:
        return f"from {_day(milestone.window_start)}, no end"
    if milestone.target_open_start:
        return f"by {_day(milestone.window_end)}"
    if milestone.window_start == milestone.window_end:
        return _day(milestone.window_start)
    return f"{_day(milestone.window_start)} – {_day(milestone.window_end)}"


_MONTHS = [calendar.month_abbr[number] for number in range(13)]


def _day(day: date) -> str:
    # strftime("%b") per row is slow; English month abbreviations, as the pages write dates.
    return f"{day.day} {_MONTHS[day.month]} {day.year}"


@register.filter
def window_text(milestone) -> str:
    return _window_text(milestone)


def _source_text(milestone) -> str:
    evidence = prefetched(milestone, "evidence")
    if not evidence:
        return "no source recorded"
    first = evidence[0]
    return f"{first.publisher.name}, {_day(first.published_on)}"


# The hot builders below escape with the standard library: Django's ``escape`` is the same
# ``html.escape`` wrapped for lazy text, which costs more than the escaping on 2,000 rows.
_esc = html.escape
_MILESTONE_ROUTE = "milestones:milestone"


def _milestone_item(milestone, show_owner: bool, rows: Rows) -> str:
    """One line of a milestone list; built in Python because a timeline lists every milestone."""
    status = milestone.status
    meta = f"{_esc(milestone.owner.name)} · " if show_owner else ""
    meta += (
        f"{_esc(rows.label(Milestone.Category, milestone.category))} · “{_esc(milestone.target_text)}”"
        f" · {_window_text(milestone)}"
    )
    first = milestone.first_revisions[0] if getattr(milestone, "first_revisions", None) else None
    if first is not None and first.new_end != milestone.window_end:
        meta += f' · <span class="slip">first announced as {_esc(first.new_display)}</span>'
    if milestone.achieved_on:
        meta += f" · achieved {_day(milestone.achieved_on)}"
    return (
        f'<li class="ms-item"><span class="badge s-{status}"><span aria-hidden="true">'
        f"{STATUS_GLYPHS.get(status, '')}</span> {_esc(rows.label(Milestone.Status, status))}</span>"
        f' <a class="ms-title" href="{rows.url(_MILESTONE_ROUTE, milestone.slug)}">{_esc(milestone.title)}</a>'
        f'<span class="ms-meta">{meta}</span></li>'
    )


@register.simple_tag
def milestone_items(milestones, show_owner: bool = True) -> SafeString:
    """The ``<li>`` of each milestone (the list around it is the page's)."""
    rows = Rows()
    return mark_safe("".join([_milestone_item(m, show_owner, rows) for m in milestones]))  # escaped above


def _bar_svg(bar: Bar, rows: Rows) -> str:
    milestone = bar.item.ref
    top = bar.row * ROW_HEIGHT + 3
    title, phrase, window = _esc(milestone.title), f"“{_esc(milestone.target_text)}”", _window_text(milestone)
    status, source = _esc(rows.label(Milestone.Status, milestone.status)), _esc(_source_text(milestone))
    aria = f"{title}. {phrase}. {window}. {status}. {source}"
    data = (
        f' data-title="{title}" data-owner="{_esc(milestone.owner.name)}" data-phrase="{phrase}"'
        f' data-window="{window}" data-status="{status}" data-source="{source}"'
    )
    if bar.ghost_x is not None:
        first = f"first announced as {_esc(milestone.first_revisions[0].new_display)}"
        aria += f". {first}"
        data += f' data-first="{first}"'
    if bar.outlook_x is not None:
        outlook = f"P80 {bar.item.outlook_end:%B %Y} if it slips like past claims"
        aria += f". {outlook}"
        data += f' data-outlook="{outlook}"'
    parts = [
        f'<a class="tl-bar s-{milestone.status}" href="{rows.url(_MILESTONE_ROUTE, milestone.slug)}"'
        f' aria-label="{aria}"{data}><title>{aria}</title>'
    ]
    bar_y = top + _BAR_Y
    if bar.ghost_x is not None:
        parts.append(
            f'<rect class="tl-ghost" x="{bar.ghost_x}%" y="{bar_y}" width="{bar.ghost_width}%"'
            f' height="{_BAR_H}" rx="2"/>'
        )
    if bar.outlook_x is not None:
        # Drawn before the window so the bar's own end stays crisp on top of it.
        parts.append(
            f'<rect class="tl-outlook" x="{bar.outlook_x}%" y="{bar_y + 3}" width="{bar.outlook_width}%"'
            f' height="{_BAR_H - 6}"/>'
        )
    parts.append(_shape_svg(bar, bar_y))
    if bar.achieved_x is not None:
        parts.append(
            f'<circle class="tl-achieved" cx="{bar.achieved_x}%" cy="{bar_y + _BAR_H / 2}" r="7"/>'
            f'<text class="tl-achieved-mark" x="{bar.achieved_x}%" y="{bar_y + _BAR_H / 2 + 4}"'
            f' text-anchor="middle">✓</text>'
        )
    glyph = STATUS_GLYPHS.get(milestone.status, "")
    anchor = f'x="{bar.right}%" text-anchor="end"' if bar.label_end else f'x="{bar.x}%"'
    parts.append(
        f'<text class="tl-label" {anchor} y="{top + _LABEL_Y}">'
        f'<tspan class="tl-glyph">{glyph}</tspan> {_esc(bar.item.label)}</text></a>'
    )
    return "".join(parts)


def _shape_svg(bar: Bar, bar_y: int) -> str:
    item = bar.item
    if item.is_point:
        return f'<circle class="tl-win tl-point" cx="{bar.centre}%" cy="{bar_y + _BAR_H / 2}" r="6"/>'
    mask = ""
    if item.open_start:
        mask = ' mask="url(#tl-m-open)"'
    elif item.open_end:
        mask = ' mask="url(#tl-m-open-end)"'
    elif item.approximate:
        mask = ' mask="url(#tl-m-soft)"'
    shape = (
        f'<rect class="tl-win" x="{bar.x}%" y="{bar_y}" width="{bar.width}%" height="{_BAR_H}" rx="3"{mask}/>'
    )
    if item.open_start and not bar.clipped_end:
        # The deadline is the one hard edge of a "by …" target.
        shape += (
            f'<line class="tl-deadline" x1="{bar.right}%" x2="{bar.right}%" y1="{bar_y - 3}"'
            f' y2="{bar_y + _BAR_H + 3}"/>'
        )
    return shape


@register.simple_tag
def timeline_lane_svg(timeline: Timeline, lane: Lane) -> SafeString:
    """One lane as an SVG: year grid, today line and the lane's bars."""
    height = lane.height
    parts = [
        f'<svg class="tl-lane-svg" width="100%" height="{height}" role="group"'
        f' aria-label="{escape(lane.label)}">'
    ]
    for tick in timeline.years[1:]:
        parts.append(f'<line class="tl-grid" x1="{tick.x}%" x2="{tick.x}%" y1="0" y2="{height}"/>')
    if timeline.today_x is not None:
        parts.append(
            f'<line class="tl-today" x1="{timeline.today_x}%" x2="{timeline.today_x}%" y1="0" y2="{height}"/>'
        )
    rows = Rows()
    parts.extend(_bar_svg(bar, rows) for bar in lane.bars)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every interpolated text above is escaped
