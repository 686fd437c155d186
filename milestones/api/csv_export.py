"""Flat rows for ``?format=csv``: one line per milestone or announcement, lists joined by "; "."""

from __future__ import annotations

from django.utils import timezone

from milestones import selectors
from milestones.models import Announcement, Milestone

from .shapes import links


def _joined(values) -> str:
    return "; ".join(str(value) for value in values)


def milestone_row(milestone: Milestone, context: dict) -> dict:
    as_of = context.get("as_of")
    if as_of:
        selectors.apply_as_of(milestone)
    link = links(context)
    return {
        "slug": milestone.slug,
        "title": milestone.title,
        # The list queryset carries these as annotations (selectors.milestones_for_api): no join per row.
        "owner": milestone.owner_name,
        "owner_slug": milestone.owner_slug,
        "owner_country": milestone.owner_country,
        "owner_region": milestone.owner_region,
        "participants": _joined(org.name for org in milestone.participants_list),
        "category": milestone.category,
        "technology": milestone.technology,
        "electrolyte": milestone.electrolyte,
        "claim_strength": milestone.claim_strength,
        "semi_solid_called_solid_state": milestone.semi_solid_called_solid_state,
        "target_text": milestone.target_text,
        "target_edtf": milestone.target_edtf,
        "target_display": milestone.target_display,
        "target_start": milestone.window_start,
        "target_end": milestone.window_end,
        "target_approximate": milestone.target_approximate,
        "status": milestone.status,
        "overdue": milestone.is_overdue(as_of or timezone.localdate()),
        "stale": selectors.is_stale(
            milestone, today=as_of or timezone.localdate(), evidence=milestone.evidence_list
        ),
        "last_evidence_on": selectors.last_evidence_date(milestone, milestone.evidence_list),
        "achieved_on": milestone.achieved_on,
        "evidence": _joined(a.url for a in milestone.evidence_list),
        "url": link.api("milestone", milestone.slug),
        "page_url": link.page(milestone),
    }


def announcement_row(announcement: Announcement, context: dict) -> dict:
    link = links(context)
    return {
        "slug": announcement.slug,
        "title": announcement.title,
        "published_on": announcement.published_on,
        "publisher": announcement.publisher.name,
        "source_url": announcement.url,
        "paywalled": announcement.paywalled,
        "original_source": announcement.original_source.name if announcement.original_source else "",
        "organisations": _joined(org.name for org in announcement.organisations.all()),
        "summary": announcement.summary,
        "quotes": len(announcement.quotes.all()),
        "url": link.api("announcement", announcement.slug),
        "page_url": link.page(announcement),
    }
