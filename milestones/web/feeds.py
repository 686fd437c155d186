"""iCalendar and Atom feeds.

Calendars: one all-day event per milestone with a UID that never changes and
a SEQUENCE that grows with every target revision, so calendar apps update the
event when a target slips instead of adding a second one.

All feeds answer conditional requests (``caching.conditional``): ETag,
Last-Modified and the 304 decision all come from one reading of
``selectors.freshness()`` per request (latest change and row counts of every
row they could show); the ETag adds the query string.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlparse

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.views.decorators.http import require_safe
from icalendar import Calendar, Event

from milestones import selectors
from milestones.domain.text import printable
from milestones.models import Announcement, Milestone
from milestones.selectors import pages as page_selectors
from milestones.web.caching import cached_page, conditional
from milestones.web.views.timeline import filter_form

FEED_LENGTH = 50
_UID_DOMAIN = urlparse(settings.SITE_URL).hostname or "ssbtracker"


def _event(milestone: Milestone, request: HttpRequest) -> Event:
    event = Event()
    event.add("uid", f"milestone-{milestone.pk}@{_UID_DOMAIN}")
    # Editing the title or status does not bump it; a calendar learns the new
    # text on its next refresh. Target moves are what must replace the event.
    event.add("sequence", max(getattr(milestone, "revision_count", 1) - 1, 0))
    event.add("summary", printable(f"{milestone.title} ({milestone.target_display})"))
    start = milestone.window_end if milestone.target_open_start else milestone.window_start
    event.add("dtstart", start)
    # DTEND of an all-day event is exclusive; an open-ended target is one event on its start day.
    event.add("dtend", (milestone.window_end or milestone.window_start) + timedelta(days=1))
    event.add("dtstamp", milestone.updated_at)
    event.add("last-modified", milestone.updated_at)
    url = request.build_absolute_uri(milestone.get_absolute_url())
    event.add("url", url)
    event.add("description", printable(_event_description(milestone, url)))
    event.add("categories", [printable(milestone.get_category_display())])
    if milestone.status == Milestone.Status.CANCELLED:
        event.add("status", "CANCELLED")
    return event


def _window_line(milestone: Milestone) -> str:
    if milestone.window_end is None:
        return f"Window: from {milestone.window_start:%d %b %Y} (open-ended, no end)"
    return f"Window: {milestone.window_start:%d %b %Y} – {milestone.window_end:%d %b %Y}" + (
        " (deadline; open start)" if milestone.target_open_start else ""
    )


def _event_description(milestone: Milestone, url: str) -> str:
    evidence = selectors.prefetched(milestone, "evidence")
    lines = [
        f"{milestone.owner.name}: “{milestone.target_text}”",
        _window_line(milestone),
        f"Status: {milestone.get_status_display()}",
    ]
    if evidence:
        lines.append(f"Source: {evidence[0].publisher.name}, {evidence[0].published_on:%d %b %Y}")
    lines.append(url)
    return "\n".join(lines)


def _calendar_response(name: str, milestones, request: HttpRequest) -> HttpResponse:
    calendar = Calendar()
    calendar.add("prodid", "-//SSB Tracker//Solid-state battery milestones//EN")
    calendar.add("version", "2.0")
    # X- properties are not escaped as TEXT: a name with a line break would end the line.
    calendar.add("x-wr-calname", " ".join(printable(name).split()))
    calendar.add("method", "PUBLISH")
    for milestone in milestones:
        calendar.add_component(_event(milestone, request))
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="ssb-tracker.ics"'
    return response


@require_safe
@conditional
@cached_page
def timeline_ics(request: HttpRequest) -> HttpResponse:
    """The timeline's filters (same GET parameters) as a calendar."""
    form = filter_form(request)
    if form.errors:
        return HttpResponse(
            "Invalid filter: "
            + "; ".join(f"{field}: {' '.join(errors)}" for field, errors in form.errors.items()),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    milestones = page_selectors.timeline_milestones(form.filters())
    return _calendar_response("SSB Tracker milestones", milestones, request)


@require_safe
@conditional
@cached_page
def organisation_ics(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = get_object_or_404(page_selectors.organisations_by_slug(), slug=slug)
    milestones = page_selectors.organisation_milestones(organisation)
    return _calendar_response(f"{organisation.name} · SSB Tracker", milestones, request)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


class PlainTextAtomFeed(Atom1Feed):
    """Atom whose summaries are what editors wrote: plain text (``type="text"``), so a feed
    reader never takes ``<img onerror=…>`` in a summary for markup; and every text passes
    ``printable``, so a control character stored before the text rule cannot break the XML."""

    def add_item(self, **kwargs) -> None:
        super().add_item(**{name: _printable_values(value) for name, value in kwargs.items()})

    def add_item_elements(self, handler, item) -> None:
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


def _printable_values(value):
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, list | tuple):
        return type(value)(_printable_values(part) for part in value)
    return value


class SiteFeed(Feed):
    """An Atom feed of the site, linking to its home page."""

    feed_type = PlainTextAtomFeed

    def link(self) -> str:
        return reverse("milestones:home")


class AnnouncementsFeed(SiteFeed):
    title = "SSB Tracker: new announcements"
    subtitle = "Sourced statements about solid-state battery commercialisation."

    def items(self):
        return page_selectors.announcements_latest(limit=FEED_LENGTH)

    def item_title(self, item: Announcement) -> str:
        return item.title

    def item_description(self, item: Announcement) -> str:
        paywall = " (paywalled)" if item.paywalled else ""
        return f"{item.summary}\n\n{item.publisher.name}, {item.published_on:%d %b %Y}{paywall}"

    def item_author_name(self, item: Announcement) -> str:
        return item.publisher.name

    def item_pubdate(self, item: Announcement) -> datetime:
        return _midnight(item.published_on)

    def item_updateddate(self, item: Announcement) -> datetime:
        return item.updated_at


@dataclass(frozen=True)
class Change:
    guid: str
    title: str
    description: str
    link: str
    when: datetime


def _target_changes() -> list[Change]:
    changes = []
    for revision in selectors.target_moves(limit=FEED_LENGTH):
        milestone = revision.milestone
        moved_by = (
            f" Moved by “{revision.moved_by.title}” ({revision.moved_by.publisher.name})."
            if revision.moved_by
            else ""
        )
        changes.append(
            Change(
                guid=f"revision-{revision.pk}",
                title=f"{milestone.title}: target {revision.old_display} → {revision.new_display}",
                description=f"{milestone.owner.name} moved the target from {revision.old_display} "
                f"to {revision.new_display}.{moved_by}",
                link=milestone.get_absolute_url(),
                when=revision.recorded_at,
            )
        )
    return changes


def _status_changes() -> list[Change]:
    labels = dict(Milestone.Status.choices)
    return [
        Change(
            guid=f"status-{row['history_id']}",
            title=f"{row['title']}: {labels.get(row['old_status'])} → {labels.get(row['status'])}",
            description=f"Status changed from {labels.get(row['old_status'])} to {labels.get(row['status'])}.",
            link=reverse("milestones:milestone", kwargs={"slug": row["slug"]}),
            when=row["history_date"],
        )
        for row in selectors.milestone_status_changes(limit=FEED_LENGTH)
    ]


class ChangesFeed(SiteFeed):
    title = "SSB Tracker: milestone changes"
    subtitle = "Targets that moved and statuses that changed."

    def items(self) -> list[Change]:
        changes = _target_changes() + _status_changes()
        return sorted(changes, key=lambda change: change.when, reverse=True)[:FEED_LENGTH]

    def item_title(self, item: Change) -> str:
        return item.title

    def item_description(self, item: Change) -> str:
        return item.description

    def item_link(self, item: Change) -> str:
        return item.link

    def item_guid(self, item: Change) -> str:
        return f"tag:{_UID_DOMAIN},2024:{item.guid}"

    def item_guid_is_permalink(self, item: Change) -> bool:
        return False

    def item_pubdate(self, item: Change) -> datetime:
        return item.when

    def item_updateddate(self, item: Change) -> datetime:
        return item.when


announcements_feed = require_safe(conditional(AnnouncementsFeed()))
changes_feed = require_safe(conditional(ChangesFeed()))
