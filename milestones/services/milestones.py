"""Writes that touch several rows. Admin, API, imports and tasks all come here.

Functions are keyword-only and atomic; they raise ``ValidationError`` with
field names so every edge (admin form, API 400, command exit) can show the
same message.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from milestones.domain.targets import Target, TargetError, parse_target
from milestones.domain.urls import normalize_url
from milestones.models import Announcement, Milestone, Organisation, Quote, TargetRevision
from milestones.services.reminders import reminders_cancel_stale

EDITORS_GROUP = "Editors"
# Curating means every model of this app plus reading its change history;
# nothing in auth (users, groups), so editors cannot grant themselves more.
_CURATED_APPS = ("milestones",)
_EXTRA_PERMISSIONS = (("authtoken", "view_tokenproxy"),)


def target_parse(*, text: str, owner: Organisation | None, opened_on: date | None = None) -> Target:
    """Parse a target in the owner's fiscal calendar; a ``ValidationError`` on ``target_text`` if not."""
    fiscal_start = owner.fiscal_year_start_month if owner else 1
    try:
        return parse_target(text, fiscal_year_start=fiscal_start, opened_on=opened_on)
    except TargetError as error:
        raise ValidationError({"target_text": str(error)}) from None


def _target_key(milestone: Milestone | dict) -> tuple:
    if isinstance(milestone, dict):
        return (milestone["target_edtf"], milestone["window_start"], milestone["window_end"])
    return (milestone.target_edtf, milestone.window_start, milestone.window_end)


@transaction.atomic
def milestone_save(
    *,
    milestone: Milestone,
    target: Target | None = None,
    moved_by: Announcement | None = None,
    recorded_by=None,
    note: str = "",
    now: datetime | None = None,
) -> Milestone:
    """Save a milestone (new or changed); a changed target is recorded as a revision.

    Moving the deadline later marks the milestone delayed unless it is final.
    The previous row is read ``FOR UPDATE`` so two concurrent edits cannot both
    record a revision from the same old target.
    """
    now = now or timezone.now()
    previous = None
    if milestone.pk:
        previous = (
            Milestone.objects.select_for_update()
            .filter(pk=milestone.pk)
            .values("target_text", "target_edtf", "target_display", "window_start", "window_end")
            .first()
        )
    if target is not None:
        milestone.set_target(target)
    _check_achieved(milestone)
    changed = previous is None or _target_key(previous) != _target_key(milestone)
    if previous and changed and milestone.window_end > previous["window_end"] and not milestone.is_final:
        milestone.status = Milestone.Status.DELAYED
    milestone.save()
    if changed:
        _record_revision(milestone, previous, moved_by=moved_by, recorded_by=recorded_by, note=note, now=now)
        if previous:  # reminders still pending for the old window no longer apply
            reminders_cancel_stale(milestone=milestone, now=now)
    return milestone


def _check_achieved(milestone: Milestone) -> None:
    if milestone.achieved_on and milestone.status != Milestone.Status.ACHIEVED:
        raise ValidationError({"achieved_on": "A date achieved is only allowed when the status is achieved."})


def _record_revision(milestone, previous, *, moved_by, recorded_by, note, now) -> TargetRevision:
    old = previous or {}
    return TargetRevision.objects.create(
        milestone=milestone,
        old_text=old.get("target_text", ""),
        old_edtf=old.get("target_edtf", ""),
        old_display=old.get("target_display", ""),
        old_start=old.get("window_start"),
        old_end=old.get("window_end"),
        new_text=milestone.target_text,
        new_edtf=milestone.target_edtf,
        new_display=milestone.target_display,
        new_start=milestone.window_start,
        new_end=milestone.window_end,
        moved_by=moved_by,
        recorded_by=recorded_by if getattr(recorded_by, "pk", None) else None,
        recorded_at=now,
        effective_on=moved_by.published_on if moved_by else timezone.localdate(now),
        note=note,
    )


def milestone_reschedule(
    *,
    milestone: Milestone,
    target_text: str,
    moved_by: Announcement | None = None,
    recorded_by=None,
    now: datetime | None = None,
) -> Milestone:
    """Move a milestone's target to what ``target_text`` says (a phrase or EDTF)."""
    opened_on = moved_by.published_on if moved_by else _opened_on(milestone)
    target = target_parse(text=target_text, owner=milestone.owner, opened_on=opened_on)
    return milestone_save(
        milestone=milestone, target=target, moved_by=moved_by, recorded_by=recorded_by, now=now
    )


def _opened_on(milestone: Milestone) -> date | None:
    """When an open "by …" deadline started: kept from the stored window when it was one."""
    if milestone.pk and milestone.target_open_start:
        return milestone.window_start
    return None


@transaction.atomic
def milestone_set_status(
    *,
    milestone: Milestone,
    status: str,
    achieved_on: date | None = None,
    today: date | None = None,
) -> Milestone:
    """Change the status; achieving without a date means today, leaving achieved clears the date."""
    if status not in Milestone.Status.values:
        raise ValidationError(
            {"status": f"'{status}' is not a status; choose one of {', '.join(Milestone.Status.values)}."}
        )
    if status == Milestone.Status.ACHIEVED:
        milestone.achieved_on = achieved_on or milestone.achieved_on or today or timezone.localdate()
    elif achieved_on:
        raise ValidationError({"achieved_on": "A date achieved is only allowed when the status is achieved."})
    else:
        milestone.achieved_on = None
    milestone.status = status
    milestone.save(update_fields=["status", "achieved_on", "updated_at"])
    return milestone


def milestones_set_status(*, milestones: Iterable[Milestone], status: str, today: date | None = None) -> int:
    """Bulk status change: the same code path as a single edit, one milestone at a time."""
    count = 0
    with transaction.atomic():
        for milestone in milestones:
            milestone_set_status(milestone=milestone, status=status, today=today)
            count += 1
    return count


def announcement_url_check(*, url: str, exclude_pk: int | None = None) -> None:
    """Refuse a URL that normalises to one already recorded, naming the existing announcement."""
    existing = Announcement.objects.filter(url_normalized=normalize_url(url))
    if exclude_pk:
        existing = existing.exclude(pk=exclude_pk)
    duplicate = existing.only("title", "published_on").first()
    if duplicate:
        raise ValidationError(
            {"url": f"This article is already recorded as “{duplicate.title}” ({duplicate.published_on})."}
        )


def editors_group_ensure(*, using: str = "default") -> Group:
    """Create or refresh the Editors group with exactly the curation permissions. Idempotent."""
    group, _ = Group.objects.using(using).get_or_create(name=EDITORS_GROUP)
    extra = Q()
    for app_label, codename in _EXTRA_PERMISSIONS:
        extra |= Q(content_type__app_label=app_label, codename=codename)
    permissions = (
        Permission.objects.using(using)
        .filter(Q(content_type__app_label__in=_CURATED_APPS) | extra)
        # History and target revisions are written by the app itself, only read by people.
        .exclude(
            Q(content_type__model__startswith="historical") | Q(content_type__model="targetrevision"),
            ~Q(codename__startswith="view_"),
        )
    )
    group.permissions.set(permissions)
    return group


# --- REST API writes (issue 3) -------------------------------------------------


@transaction.atomic
def record_save(*, instance, many: dict[str, Iterable] | None = None):
    """Validate (fields, uniques, check constraints) and save any curated record, then set its
    many-to-many links. For models without a richer service of their own (organisations,
    relations, people, publishers)."""
    many = many or {}
    # Non-editable fields (region, url_normalized) are derived in Model.save(), so still empty here.
    derived = [field.name for field in instance._meta.fields if not field.editable]
    instance.full_clean(exclude=[*many, *derived])
    instance.save()
    for name, values in many.items():
        getattr(instance, name).set(values)
    return instance


@transaction.atomic
def milestone_write(
    *,
    milestone: Milestone,
    target: Target | None = None,
    moved_by: Announcement | None = None,
    participants: Iterable[Organisation] | None = None,
    evidence: Iterable[Announcement] | None = None,
    recorded_by=None,
    now: datetime | None = None,
) -> Milestone:
    """Create or change a milestone with its links in one transaction (the API's path).

    Achieving without a date means today, as in :func:`milestone_set_status`; a
    changed target is recorded as a revision by :func:`milestone_save`.
    """
    if milestone.status == Milestone.Status.ACHIEVED and milestone.achieved_on is None:
        milestone.achieved_on = timezone.localdate(now)
    milestone_save(milestone=milestone, target=target, moved_by=moved_by, recorded_by=recorded_by, now=now)
    if participants is not None:
        milestone.participants.set(participants)
    if evidence is not None:
        milestone.evidence.set(evidence)
    return milestone


@transaction.atomic
def announcement_write(
    *,
    announcement: Announcement,
    organisations: Iterable[Organisation] | None = None,
    quotes: list[dict] | None = None,
) -> Announcement:
    """Save an announcement, its organisations and (when given) its quotes, replacing the old ones."""
    announcement_url_check(url=announcement.url, exclude_pk=announcement.pk)
    record_save(instance=announcement)
    if organisations is not None:
        announcement.organisations.set(organisations)
    if quotes is not None:
        announcement.quotes.all().delete()
        Quote.objects.bulk_create(
            Quote(announcement=announcement, position=quote.pop("position", index), **quote)
            for index, quote in enumerate(dict(q) for q in quotes)
        )
    return announcement


def _citing_evidence(announcement: Announcement) -> list:
    return [*announcement.milestones.all(), *announcement.relations.all()]


@transaction.atomic
def record_delete(*, instance) -> None:
    """Delete a record unless something still cites it (``ProtectedError`` names what does).

    An announcement that is a milestone's or relation's evidence counts as cited too:
    the database would silently drop those links, and with them the proof.
    """
    if isinstance(instance, Announcement):
        citing = _citing_evidence(instance)
        if citing:
            raise ProtectedError(f"{instance} is evidence for other records", set(citing))
    instance.delete()
