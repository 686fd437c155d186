"""Milestones: every rule about a claim, its target, its status and its evidence.

The admin, the API, imports and the seed loader all pass raw field values to
:func:`milestone_save`; it alone decides when a window opens, what a status
implies for the achieved date, which slug a milestone gets and what counts as
evidence, so the same input gives the same rows whichever face it came through.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from milestones.domain.targets import Target, TargetError, parse_target
from milestones.domain.text import TextRefused, text_clean
from milestones.models import Announcement, Milestone, Organisation, TargetRevision
from milestones.services.records import record_check, version_check
from milestones.services.reminders import reminders_cancel_stale
from milestones.services.webhooks import webhooks_milestone_before, webhooks_milestone_saved

_TARGET_COLUMNS = (
    "target_text",
    "target_edtf",
    "target_display",
    "window_start",
    "window_end",
    "target_open_end",
    "target_relative_to",
)
_ACHIEVED_ONLY = "A date achieved is only allowed when the status is achieved."


def target_parse(
    *,
    text: str,
    owner: Organisation | None,
    opened_on: date | None = None,
    stated_on: date | None = None,
) -> Target:
    """Parse a target in the owner's fiscal calendar; a ``ValidationError`` on ``target_text`` if not.

    ``stated_on`` is the publication date of the announcement that said it (see
    :func:`target_stated_on`): relative phrases ("next year") are read against it.
    """
    fiscal_start = owner.fiscal_year_start_month if owner else 1
    try:
        return parse_target(text, fiscal_year_start=fiscal_start, opened_on=opened_on, stated_on=stated_on)
    except TargetError as error:
        raise ValidationError({"target_text": str(error)}) from None


def target_stated_on(
    *, milestone: Milestone | None, moved_by: Announcement | None, evidence: Iterable | None
) -> date | None:
    """The one reference-date rule: the announcement that moves the target, else the
    milestone's first evidence (as given, else as stored); None when there is none."""
    if moved_by is not None:
        return moved_by.published_on
    if evidence is None:
        evidence = list(milestone.evidence.all()) if milestone is not None and milestone.pk else []
    return min((announcement.published_on for announcement in evidence), default=None)


@dataclass
class MilestoneChange:
    """What :func:`milestone_check` decided, for :func:`milestone_save` to write."""

    milestone: Milestone
    target: Target | None
    moved_by: Announcement | None
    participants: list | None
    evidence: list | None
    stored: dict | None  # the target as stored before this change (None for a new milestone)


def milestone_check(
    *,
    milestone: Milestone,
    data: dict,
    moved_by: Announcement | None = None,
    today: date | None = None,
) -> MilestoneChange:
    """Apply ``data`` to ``milestone`` in memory and check every rule; nothing is written.

    ``data`` holds model field values plus ``target_text``, ``participants`` and
    ``evidence``. Raises ``ValidationError`` keyed by field name.
    """
    today = today or timezone.localdate()
    data = dict(data)
    participants, evidence = _listed(data.pop("participants", None)), _listed(data.pop("evidence", None))
    stored = _stored_target(milestone)
    for name, value in data.items():
        setattr(milestone, name, value)
    _achieved_on_apply(milestone, data, today)
    if moved_by is None and milestone.pk is None and evidence:
        # A new claim was first stated by its earliest source.
        moved_by = min(evidence, key=lambda a: (a.published_on, a.pk))
    target = None
    text = milestone.target_text
    if text and (stored is None or text != stored["target_text"] or milestone.owner_id != stored["owner_id"]):
        opened_on, stated_on = _reading_dates(milestone, stored, moved_by, evidence, today)
        target = target_parse(text=text, owner=_owner(milestone), opened_on=opened_on, stated_on=stated_on)
        milestone.set_target(target)
    elif stored is not None:
        _restore_target(milestone, stored)
    record_check(instance=milestone, exclude=("participants", "evidence"))
    return MilestoneChange(milestone, target, moved_by, participants, evidence, stored)


def _listed(values: Iterable | None) -> list | None:
    return None if values is None else list(values)


def _owner(milestone: Milestone) -> Organisation | None:
    # In the organisation page's inline the owner is the (maybe unsaved) parent object.
    try:
        return milestone.owner
    except Organisation.DoesNotExist:
        return None


def _stored_target(milestone: Milestone) -> dict | None:
    if milestone.pk is None:
        return None
    return (
        Milestone.objects.filter(pk=milestone.pk)
        .values(*_TARGET_COLUMNS, "target_open_start", "owner_id")
        .first()
    )


def _restore_target(milestone: Milestone, stored: dict) -> None:
    # The form may have put a blank or re-typed text on the instance; the stored target stands.
    for name in _TARGET_COLUMNS:
        setattr(milestone, name, stored[name])


def _achieved_on_apply(milestone: Milestone, data: dict, today: date) -> None:
    """Achieved without a date means today; leaving "achieved" clears the date; a date
    given for any other status is refused."""
    if milestone.status == Milestone.Status.ACHIEVED:
        milestone.achieved_on = milestone.achieved_on or today
    elif milestone.achieved_on and ("achieved_on" in data or "status" not in data):
        raise ValidationError({"achieved_on": _ACHIEVED_ONLY})
    else:
        milestone.achieved_on = None


def _reading_dates(milestone, stored, moved_by, evidence, today: date) -> tuple[date, date | None]:
    """(When a "by …" window opens, the stating date relative phrases are read against)."""
    stated_on = target_stated_on(milestone=milestone, moved_by=moved_by, evidence=evidence)
    return _opened_on(stored, moved_by, stated_on, today), stated_on


@dataclass(frozen=True)
class TargetPreview:
    """What a target would read as if saved now: the target, or the refusal, and the stating date."""

    target: Target | None
    error: str
    stated_on: date | None


def target_preview(
    *,
    text: str,
    owner_id: str | int | None,
    milestone_id: str | int | None = None,
    moved_by_id: str | int | None = None,
    evidence_ids: Iterable[str | int] = (),
    today: date | None = None,
) -> TargetPreview:
    """The admin's live reading of a target as the editor types: the same parser and the same
    reference-date rule as :func:`milestone_check`, from the form's raw (unsaved) values."""
    today = today or timezone.localdate()
    owner = Organisation.objects.filter(pk=owner_id).first() if str(owner_id or "").isdigit() else None
    milestone = (
        Milestone.objects.filter(pk=milestone_id).first() if str(milestone_id or "").isdigit() else None
    )
    moved_by = (
        Announcement.objects.filter(pk=moved_by_id).first() if str(moved_by_id or "").isdigit() else None
    )
    ids = [int(pk) for pk in evidence_ids if str(pk).isdigit()]
    evidence = list(Announcement.objects.filter(pk__in=ids))  # the form always sends the evidence field
    if moved_by is None and milestone is None and evidence:
        moved_by = min(evidence, key=lambda a: (a.published_on, a.pk))
    stored = _stored_target(milestone) if milestone else None
    opened_on, stated_on = _reading_dates(milestone, stored, moved_by, evidence, today)
    try:
        target = target_parse(text=text, owner=owner, opened_on=opened_on, stated_on=stated_on)
    except ValidationError as error:
        return TargetPreview(None, error.message_dict["target_text"][0], stated_on)
    return TargetPreview(target, "", stated_on)


def _opened_on(stored: dict | None, moved_by, stated_on: date | None, today: date) -> date:
    """When an open "by …" window starts: the moving announcement's date; else, for a
    target that already was an open deadline, its stored start; else the earliest
    evidence; else today."""
    if moved_by is not None:
        return moved_by.published_on
    if stored and stored["target_open_start"]:
        return stored["window_start"]
    return stated_on or today


@transaction.atomic
def milestone_save(
    *,
    milestone: Milestone | None = None,
    data: dict | None = None,
    moved_by: Announcement | None = None,
    recorded_by=None,
    expected_version: str | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Milestone:
    """Create (``milestone=None``) or change a milestone with its links, in one transaction.

    A changed target is recorded as a revision; moving the deadline later marks
    the milestone delayed unless it is final; the announcement that set or moved
    the target becomes evidence. The row is locked ``FOR UPDATE`` first, so two
    concurrent edits cannot both record a revision from the same old target.
    """
    now = now or timezone.now()
    try:
        note = text_clean(note or "", multiline=True)
    except TextRefused as refusal:
        raise ValidationError({"note": str(refusal)}) from None
    milestone = milestone or Milestone()
    if milestone.pk:
        version_check(instance=milestone, expected=expected_version)
    webhooks_before = webhooks_milestone_before(milestone=milestone)  # after the lock, like the check
    # Read after the lock: the stored target the check compares with is the latest one.
    change = milestone_check(
        milestone=milestone, data=data or {}, moved_by=moved_by, today=timezone.localdate(now)
    )
    previous = change.stored
    if previous and change.target and _later(change.target, previous) and not milestone.is_final:
        milestone.status = Milestone.Status.DELAYED
    milestone.save()
    if change.participants is not None:
        milestone.participants.set(change.participants)
    if change.evidence is not None:
        milestone.evidence.set(change.evidence)
    if change.target and (previous is None or _moved(change.target, previous)):
        if change.moved_by is not None:
            milestone.evidence.add(change.moved_by)
        _revision_record(milestone, previous, change.moved_by, recorded_by, note, now)
        if previous:  # reminders still pending for the old window no longer apply
            reminders_cancel_stale(milestone=milestone, now=now)
    # In this transaction: a rolled-back edit leaves no webhook event behind.
    webhooks_milestone_saved(milestone=milestone, before=webhooks_before, moved_by=change.moved_by, now=now)
    return milestone


def _later(target: Target, previous: dict) -> bool:
    """The deadline moved later; an open end is later than any end."""
    if target.end is None or previous["window_end"] is None:
        if target.end is None and previous["window_end"] is None:
            return target.start > previous["window_start"]
        return target.end is None
    return target.end > previous["window_end"]


def _moved(target: Target, previous: dict) -> bool:
    return (target.edtf, target.start, target.end) != (
        previous["target_edtf"],
        previous["window_start"],
        previous["window_end"],
    )


def _revision_record(milestone, previous, moved_by, recorded_by, note, now) -> TargetRevision:
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
    return milestone_save(
        milestone=milestone,
        data={"target_text": target_text},
        moved_by=moved_by,
        recorded_by=recorded_by,
        now=now,
    )


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
    data = {"status": status, **({"achieved_on": achieved_on} if achieved_on else {})}
    if status == Milestone.Status.ACHIEVED and not achieved_on:
        data["achieved_on"] = milestone.achieved_on or today
    return milestone_save(milestone=milestone, data=data)


def milestones_set_status(*, milestones: Iterable[Milestone], status: str, today: date | None = None) -> int:
    """Bulk status change: the same code path as a single edit, one milestone at a time."""
    count = 0
    with transaction.atomic():
        for milestone in milestones:
            milestone_set_status(milestone=milestone, status=status, today=today)
            count += 1
    return count
