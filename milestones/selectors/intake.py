"""Reads for the intake assistant: what the reader knows, and what an article may duplicate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Q

from milestones.domain.intake import Knowledge, KnownMilestone, KnownOrganisation, KnownPerson
from milestones.domain.urls import normalize_url
from milestones.models import Announcement, Milestone, Organisation, Person, TargetRevision
from milestones.selectors.curation import _fold, announcements_similar

__all__ = [
    "IntakeDuplicate",
    "intake_announcement_existing",
    "intake_duplicates",
    "intake_knowledge",
    "intake_milestone_existing",
    "intake_moved_already",
    "intake_records",
]


def intake_knowledge() -> Knowledge:
    """Every organisation (aliases one per line, fiscal month), person and milestone, as the
    pure reader wants them: three queries whatever the size of the catalogue."""
    organisations = tuple(
        KnownOrganisation(
            slug=row["slug"],
            name=row["name"],
            aliases=tuple(line.strip() for line in row["aliases"].splitlines() if line.strip()),
            fiscal_year_start_month=row["fiscal_year_start_month"],
        )
        for row in Organisation.objects.order_by("pk").values(
            "slug", "name", "aliases", "fiscal_year_start_month"
        )
    )
    people = tuple(
        KnownPerson(slug=row["slug"], name=row["name"], affiliation_slug=row["affiliation__slug"])
        for row in Person.objects.order_by("pk").values("slug", "name", "affiliation__slug")
    )
    milestones = tuple(
        KnownMilestone(
            slug=row["slug"],
            title=row["title"],
            owner_slug=row["owner__slug"],
            category=row["category"],
            technology=row["technology"],
            target_text=row["target_text"],
            window_start=row["window_start"],
            window_end=row["window_end"],
        )
        for row in Milestone.objects.order_by("pk").values(
            "slug",
            "title",
            "owner__slug",
            "category",
            "technology",
            "target_text",
            "window_start",
            "window_end",
        )
    )
    return Knowledge(organisations=organisations, people=people, milestones=milestones)


@dataclass(frozen=True)
class IntakeDuplicate:
    """An announcement already recorded that the article may be: why, and which one."""

    reason: str  # "url" | "title"
    announcement: Announcement


def _normalized(url: str) -> str | None:
    try:
        return normalize_url(url) if url.strip() else None
    except ValueError:  # a port out of range: not a URL any record can have
        return None


def intake_duplicates(*, url: str, title: str, published_on: date | None) -> list[IntakeDuplicate]:
    """Announcements with the same normalised URL, or a near-identical title (the same week
    when the date is known, else the same title anywhere)."""
    found: list[IntakeDuplicate] = []
    if normalized := _normalized(url):
        same_url = Announcement.objects.filter(url_normalized=normalized).select_related("publisher")
        found += [IntakeDuplicate("url", a) for a in same_url]
    if title.strip():
        if published_on is not None:
            similar = announcements_similar(title=title, published_on=published_on)
        else:
            wanted = _fold(title)
            similar = [
                a
                for a in Announcement.objects.filter(title__iexact=title.strip()).select_related("publisher")
                if _fold(a.title) == wanted
            ]
        seen = {d.announcement.pk for d in found}
        found += [IntakeDuplicate("title", a) for a in similar if a.pk not in seen]
    return found


def intake_announcement_existing(
    *, url: str, title: str, published_on: date | None, publisher: str
) -> Announcement | None:
    """The announcement an earlier confirm of the same article wrote: by normalised URL, or
    (no URL) by the same title, date and publisher."""
    if url.strip():
        normalized = _normalized(url)  # a URL that cannot be one is refused by the announcement's rule
        return Announcement.objects.filter(url_normalized=normalized).first() if normalized else None
    if not title.strip() or published_on is None:
        return None
    return Announcement.objects.filter(
        title__iexact=title.strip(), published_on=published_on, publisher__name__iexact=publisher.strip()
    ).first()


def intake_milestone_existing(
    *, owner: Organisation, announcement: Announcement, phrase: str, title: str
) -> Milestone | None:
    """A milestone of ``owner`` already backed by ``announcement`` and saying the same target
    (or carrying the same title): what an earlier confirm of this claim created."""
    return (
        Milestone.objects.filter(owner=owner, evidence=announcement)
        .filter(Q(target_text__iexact=phrase.strip()) | Q(title__iexact=title.strip()))
        .first()
    )


def intake_moved_already(*, milestone: Milestone, announcement: Announcement) -> bool:
    """``announcement`` already moved ``milestone``'s target (a second confirm moves nothing)."""
    return TargetRevision.objects.filter(milestone=milestone, moved_by=announcement).exists()


def intake_records(
    *, organisation_slugs: set[str], person_slugs: set[str]
) -> tuple[dict[str, Organisation], dict[str, Person]]:
    """The organisations and people proposals name, by slug, for the faces to show (two queries)."""
    organisations = Organisation.objects.filter(slug__in=organisation_slugs) if organisation_slugs else []
    people = Person.objects.filter(slug__in=person_slugs) if person_slugs else []
    return {o.slug: o for o in organisations}, {p.slug: p for p in people}
