"""Reads that keep curation clean: resolving typed organisation names,
spotting duplicates and repeats, staleness and reaffirmations."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta
from difflib import SequenceMatcher

from django.contrib.auth import get_user_model
from django.db.models import Max, Model, Q, QuerySet
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from milestones.domain.urls import normalize_url
from milestones.models import (
    Announcement,
    ApiToken,
    EditorDigest,
    Milestone,
    Organisation,
    Person,
    Publisher,
    Relation,
    Reminder,
    Subscription,
    TargetRevision,
)

STALE_AFTER = timedelta(days=365)
SIMILAR_TITLE_RATIO = 0.85
SAME_WEEK = timedelta(days=7)


class UnknownOrganisation(ValueError):
    pass


def _fold(text: str) -> str:
    """Case-, accent- and punctuation-insensitive form for comparisons."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def organisation_resolve(text: str) -> Organisation:
    """The organisation a person meant: by slug, name or any alias (native names included).

    "Contemporary Amperex Technology" and "宁德时代" both give CATL. Raises
    ``UnknownOrganisation`` naming the text when nothing (or more than one) matches.
    """
    wanted = _fold(text or "")
    if not wanted:
        raise UnknownOrganisation("an organisation is required")
    exact = Organisation.objects.filter(Q(slug=text.strip()) | Q(name__iexact=text.strip()))
    if len(found := list(exact[:2])) == 1:
        return found[0]
    candidates = Organisation.objects.filter(
        Q(name__icontains=text.strip()) | Q(aliases__icontains=text.strip())
    )
    matches = [org for org in candidates if wanted in {_fold(org.name), *map(_fold, org.alias_list)}]
    if len(matches) == 1:
        return matches[0]
    if matches:
        names = ", ".join(sorted(org.name for org in matches))
        raise UnknownOrganisation(f"'{text}' is ambiguous: it names {names}; use the slug")
    raise UnknownOrganisation(
        f"unknown organisation '{text}' (not a name, slug or alias of any organisation)"
    )


def announcements_similar(
    *, title: str, published_on: date, exclude_pk: int | None = None
) -> list[Announcement]:
    """Announcements from the same week whose titles are very similar (likely the same story)."""
    nearby = Announcement.objects.filter(
        published_on__gte=published_on - SAME_WEEK, published_on__lte=published_on + SAME_WEEK
    ).select_related("publisher")
    if exclude_pk:
        nearby = nearby.exclude(pk=exclude_pk)
    wanted = _fold(title)
    return [a for a in nearby if SequenceMatcher(None, wanted, _fold(a.title)).ratio() >= SIMILAR_TITLE_RATIO]


def milestones_repeating(
    *, owner: Organisation, category: str, window_end: date, exclude_pk: int | None = None
) -> QuerySet[Milestone]:
    """Open milestones of the same owner and category with the same deadline: a
    new announcement of one of these is a reaffirmation, not a new milestone."""
    same = Milestone.objects.filter(owner=owner, category=category, window_end=window_end).exclude(
        status__in=Milestone.FINAL_STATUSES
    )
    return same.exclude(pk=exclude_pk) if exclude_pk else same


def with_last_evidence(queryset: QuerySet[Milestone]) -> QuerySet[Milestone]:
    """Annotate ``last_evidence_on``: the newest evidence, else the day the milestone was recorded."""
    return queryset.annotate(
        last_evidence_on=Coalesce(Max("evidence__published_on"), TruncDate("created_at"))
    )


def stale_q(*, today: date) -> Q:
    """Not final and no new evidence for a year (use on ``with_last_evidence`` querysets)."""
    return Q(last_evidence_on__lt=today - STALE_AFTER) & ~Q(status__in=Milestone.FINAL_STATUSES)


def prefetched(milestone: Milestone, name: str) -> list:
    """The rows a ``Prefetch(name, ..., to_attr=f"{name}_list")`` left, else the related rows.

    ``to_attr`` matters for speed: a plain prefetch with its own queryset builds a related
    manager and clones that queryset for every row (about 1 ms each), which cost more than
    the rest of a 2,000-milestone timeline together."""
    found = getattr(milestone, f"{name}_list", None)
    return found if found is not None else list(getattr(milestone, name).all())


def last_evidence_date(milestone: Milestone, evidence: list | None = None) -> date:
    """The newest evidence's date, else the day the milestone was recorded.

    Uses the ``with_last_evidence`` annotation when present, else the (prefetched) evidence."""
    annotated = getattr(milestone, "last_evidence_on", None)
    if annotated is not None:
        return annotated
    rows = evidence if evidence is not None else prefetched(milestone, "evidence")
    if rows:  # the fallback's time zone look-up is not free on a 100-row page
        return max(a.published_on for a in rows)
    return timezone.localtime(milestone.created_at).date()


def is_stale(milestone: Milestone, *, today: date, evidence: list | None = None) -> bool:
    """Not final and no new evidence for a year: shown as "unconfirmed since …"."""
    return not milestone.is_final and last_evidence_date(milestone, evidence) < today - STALE_AFTER


def reaffirmations(milestone: Milestone, evidence: list | None = None) -> list:
    """Evidence published after the current target was set that did not move it:
    each repeats the standing target. Uses prefetched ``evidence``/``revisions`` when present."""
    revisions = sorted(milestone.revisions.all(), key=lambda r: (r.effective_on, r.recorded_at, r.id))
    if not revisions:
        return []
    current = revisions[-1]
    movers = {r.moved_by.slug for r in revisions if r.moved_by_id}
    rows = evidence if evidence is not None else prefetched(milestone, "evidence")
    return sorted(
        (a for a in rows if a.published_on > current.effective_on and a.slug not in movers),
        key=lambda a: a.published_on,
    )


def overdue_q(*, today: date) -> Q:
    """Not final and the window has ended: derived, never stored."""
    return Q(window_end__lt=today) & ~Q(status__in=Milestone.FINAL_STATUSES)


def milestone_deadline_years() -> list[int]:
    return [day.year for day in Milestone.objects.dates("window_end", "year")]


def milestones_for_admin() -> QuerySet[Milestone]:
    """The admin's milestone list: owner joined, ``last_evidence_on`` annotated."""
    return with_last_evidence(Milestone.objects.select_related("owner"))


def organisations_for_admin() -> QuerySet[Organisation]:
    return Organisation.objects.select_related("parent")


def relations_for_admin() -> QuerySet[Relation]:
    return Relation.objects.select_related("source", "target")


def people_for_admin() -> QuerySet[Person]:
    return Person.objects.select_related("affiliation")


def announcements_for_admin() -> QuerySet[Announcement]:
    return Announcement.objects.select_related("publisher", "original_source")


def announcement_choices() -> QuerySet[Announcement]:
    return Announcement.objects.select_related("publisher")


def revisions_for_admin() -> QuerySet[TargetRevision]:
    return TargetRevision.objects.select_related("milestone", "moved_by", "recorded_by")


def api_tokens() -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("user").order_by("user__username", "created")


def api_tokens_visible_to(user) -> QuerySet[ApiToken]:
    """A superuser sees every key (to revoke a leaked one); anyone else only their own."""
    tokens = api_tokens()
    return tokens if user.is_superuser else tokens.filter(user=user)


def user_by_name(username: str):
    """The account with this username; ``DoesNotExist`` if there is none."""
    user_model = get_user_model()
    return user_model._default_manager.get(**{user_model.USERNAME_FIELD: username})


def superuser_exists(*, username: str | None = None) -> bool:
    users = get_user_model()._default_manager.filter(is_superuser=True)
    return (users.filter(username=username) if username else users).exists()


def organisation_choices() -> QuerySet[Organisation]:
    """Organisations a form or the API may link to, by slug."""
    return Organisation.objects.all()


def person_choices() -> QuerySet[Person]:
    return Person.objects.all()


def publisher_choices() -> QuerySet[Publisher]:
    return Publisher.objects.all()


def milestone_choices() -> QuerySet[Milestone]:
    return Milestone.objects.all()


def organisations_by_pks(pks: list[int]) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=pks)


def announcements_by_urls(urls: list[str]) -> tuple[QuerySet[Announcement], list[str]]:
    """The announcements recorded for these article URLs (any spelling), and the URLs with none."""
    wanted = {normalize_url(url): url for url in urls}
    found = Announcement.objects.filter(url_normalized__in=wanted)
    missing = set(wanted) - set(found.values_list("url_normalized", flat=True))
    return found, sorted(wanted[key] for key in missing)


def publisher_resolve(text: str) -> Publisher | None:
    """A publisher by slug, else by name (any case)."""
    return Publisher.objects.filter(slug=text).first() or Publisher.objects.filter(name__iexact=text).first()


def record_find(model: type[Model], lookup: dict) -> Model | None:
    return model._default_manager.filter(**lookup).first()


def values_in_use(model: type[Model], field_path: str) -> set:
    """The distinct values ``field_path`` (``owner__country``) has across ``model``'s rows: what an
    admin filter offers, rather than every choice the field allows (250 countries)."""
    return set(model._default_manager.order_by().values_list(field_path, flat=True).distinct())


def subscriptions_for_admin() -> QuerySet[Subscription]:
    return Subscription.objects.select_related("milestone", "organisation")


def reminders_for_admin() -> QuerySet[Reminder]:
    return Reminder.objects.select_related("milestone", "subscription")


def editor_digests_for_admin() -> QuerySet[EditorDigest]:
    return EditorDigest.objects.select_related("user")
