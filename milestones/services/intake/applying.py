"""Write what the editor selected from the proposals, in one transaction, through the services
every other face uses: the same rules and the same errors, keyed by the item they concern
(``claims.2.phrase``). A second confirm of the same article finds what the first wrote and
creates nothing new."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Model

from milestones.models import Announcement, Milestone, Organisation, Person, Publisher, Quote
from milestones.selectors.curation import UnknownOrganisation, _fold, organisation_resolve
from milestones.selectors.intake import (
    intake_announcement_existing,
    intake_milestone_existing,
    intake_moved_already,
)
from milestones.services.announcements import announcement_save
from milestones.services.milestones import milestone_reschedule, milestone_save
from milestones.services.records import record_check, record_save

__all__ = [
    "INTAKE_CLAIM_KINDS",
    "INTAKE_PERMISSIONS",
    "IntakeResult",
    "PickedAnnouncement",
    "PickedClaim",
    "PickedOrganisation",
    "PickedQuote",
    "Selection",
    "intake_allowed",
    "intake_apply",
]

# Confirming writes every kind of record an article supports: an editor's rights over each.
INTAKE_PERMISSIONS = tuple(
    f"milestones.{action}_{model}"
    for model in ("announcement", "quote", "organisation", "person", "publisher", "milestone")
    for action in ("add", "change")
)
INTAKE_CLAIM_KINDS = ("new", "repeat", "move", "achieved")
# Service field -> the selection's name for it, so an error names what the editor edits.
_CLAIM_NAMES = {"target_text": "phrase", "claim_strength": "strength", "status": "kind", "evidence": "kind"}


def intake_allowed(user) -> bool:
    return bool(user and user.is_active and user.has_perms(INTAKE_PERMISSIONS))


@dataclass(frozen=True)
class PickedAnnouncement:
    title: str
    published_on: date | None
    publisher: str  # a publisher's name (found, else created)
    url: str
    summary: str = ""


@dataclass(frozen=True)
class PickedOrganisation:
    """An organisation the reader proposed as "new?" and the editor confirmed."""

    name: str
    kind: str
    country: str
    aliases: str = ""


@dataclass(frozen=True)
class PickedClaim:
    owner: str  # slug, name or alias of a known organisation, or the name of a picked new one
    phrase: str
    category: str
    kind: str = "new"  # new | repeat | move | achieved
    milestone: str = ""  # the existing milestone's slug for repeat, move and achieved
    title: str = ""
    technology: str = Milestone.Technology.ALL_SOLID_STATE
    electrolyte: str = Milestone.Electrolyte.UNSPECIFIED
    strength: str = Milestone.ClaimStrength.UNSTATED
    achieved_on: date | None = None


@dataclass(frozen=True)
class PickedQuote:
    text: str
    speaker: str  # a person's slug or name; an unknown name becomes a new person
    affiliation: str = ""  # for a new speaker: an organisation's slug, name or alias


@dataclass(frozen=True)
class Selection:
    announcement: PickedAnnouncement
    organisations: tuple[PickedOrganisation, ...] = ()
    claims: tuple[PickedClaim, ...] = ()
    quotes: tuple[PickedQuote, ...] = ()
    mentioned: tuple[str, ...] = ()  # slugs of known organisations the article involves


@dataclass
class IntakeResult:
    announcement: Announcement
    created: list[Model] = field(default_factory=list)
    updated: list[Model] = field(default_factory=list)

    def summary(self) -> str:
        def named(rows: list[Model]) -> str:
            return "; ".join(f"{row._meta.verbose_name} “{row}”" for row in rows)

        parts = [
            f"{verb} {named(rows)}"
            for verb, rows in (("created", self.created), ("updated", self.updated))
            if rows
        ]
        said = "; and ".join(parts)
        return said[:1].upper() + said[1:] + "." if said else "Nothing new: every selected record was there."


class _Errors:
    """Each refusal under the name of the item it concerns; the transaction is rolled back
    once every item has been tried, so the editor sees all of them at once."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def attempt(self, prefix: str, write: Callable[[], Any], names: dict[str, str] | None = None) -> Any:
        try:
            return write()
        except UnknownOrganisation as error:
            self.add(
                f"{prefix}.owner" if prefix.startswith("claims") else f"{prefix}.affiliation", str(error)
            )
        except ValidationError as error:
            by_field = (
                error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
            )
            for name, messages in by_field.items():
                name = (names or {}).get(name, name)
                for message in messages:
                    self.add(prefix if name == NON_FIELD_ERRORS else f"{prefix}.{name}", message)
        return None

    def add(self, key: str, message: str) -> None:
        self.by_field.setdefault(key, []).append(message)

    def raise_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


@transaction.atomic
def intake_apply(*, selection: Selection, user) -> IntakeResult:
    """Write the selection: the announcement (found when already recorded), confirmed new
    organisations, claims as new milestones, repeats, moves and achievements with the
    announcement as evidence, and quotes with their speakers. All or nothing."""
    errors = _Errors()
    picked = selection.announcement
    existing = intake_announcement_existing(
        url=picked.url, title=picked.title, published_on=picked.published_on, publisher=picked.publisher
    )
    result = IntakeResult(announcement=existing) if existing else None
    if result is None:
        result = errors.attempt("announcement", lambda: _announcement_create(picked))
        errors.raise_any()  # every other record hangs on the announcement
    announcement = result.announcement
    new_orgs: dict[str, Organisation] = {}
    for index, org in enumerate(selection.organisations):
        made = errors.attempt(f"organisations.{index}", lambda org=org: _organisation(org, result))
        if made is not None:
            new_orgs[_fold(org.name)] = made
    involved = list(new_orgs.values())
    for index, slug in enumerate(selection.mentioned):
        found = errors.attempt(f"mentioned.{index}", lambda slug=slug: _known(slug))
        involved += [found] if found else []
    for index, claim in enumerate(selection.claims):
        owner = errors.attempt(f"claims.{index}", lambda claim=claim: _owner(claim.owner, new_orgs))
        if owner is not None:
            involved.append(owner)
            errors.attempt(
                f"claims.{index}",
                lambda c=claim, o=owner: _claim(c, o, announcement, user, result),
                _CLAIM_NAMES,
            )
    quotes = [
        errors.attempt(
            f"quotes.{index}", lambda q=quote, i=index: _quote(q, i, announcement, new_orgs, result)
        )
        for index, quote in enumerate(selection.quotes)
    ]
    errors.raise_any()
    _announcement_links(announcement, involved, [q for q in quotes if q], result)
    return result


def _announcement_create(picked: PickedAnnouncement) -> IntakeResult:
    name = picked.publisher.strip()
    if not name:
        raise ValidationError({"publisher": "Name the publisher (found by name, else created)."})
    created: list[Model] = []
    publisher = Publisher.objects.filter(name__iexact=name).first()
    if publisher is None:
        publisher = record_save(instance=Publisher(name=name))
        created.append(publisher)
    data = {"title": picked.title, "published_on": picked.published_on, "publisher": publisher}
    announcement = announcement_save(data={**data, "url": picked.url, "summary": picked.summary})
    return IntakeResult(announcement=announcement, created=[*created, announcement])


def _organisation(picked: PickedOrganisation, result: IntakeResult) -> Organisation:
    found = Organisation.objects.filter(name__iexact=picked.name.strip()).first()
    if found is not None:
        return found
    fields = {"name": picked.name, "kind": picked.kind, "country": picked.country, "aliases": picked.aliases}
    organisation = record_save(instance=Organisation(**fields))
    result.created.append(organisation)
    return organisation


def _known(slug: str) -> Organisation:
    found = Organisation.objects.filter(slug=slug).first()
    if found is None:
        raise ValidationError(f"No organisation has the slug '{slug[:60]}'.")
    return found


def _owner(text: str, new_orgs: dict[str, Organisation]) -> Organisation:
    return new_orgs.get(_fold(text or "")) or organisation_resolve(text)


def _milestone(slug: str) -> Milestone:
    found = Milestone.objects.filter(slug=slug).first() if slug else None
    if found is None:
        raise ValidationError(
            {
                "milestone": f"No milestone has the slug '{slug[:60]}'."
                if slug
                else "Name the milestone this claim repeats, moves or achieves."
            }
        )
    return found


def _claim(claim: PickedClaim, owner: Organisation, announcement: Announcement, user, result) -> None:
    if claim.kind not in INTAKE_CLAIM_KINDS:
        raise ValidationError(
            {"kind": f"'{claim.kind[:30]}' is not a kind; choose one of {', '.join(INTAKE_CLAIM_KINDS)}."}
        )
    if claim.kind == "new":
        return _claim_new(claim, owner, announcement, user, result)
    milestone = _milestone(claim.milestone)
    evidence = list(milestone.evidence.all())
    cited = announcement in evidence
    if claim.kind == "move" and not intake_moved_already(milestone=milestone, announcement=announcement):
        milestone = milestone_reschedule(
            milestone=milestone, target_text=claim.phrase, moved_by=announcement, recorded_by=user
        )
        cited = announcement in milestone.evidence.all()
    elif claim.kind == "achieved" and milestone.status != Milestone.Status.ACHIEVED:
        achieved_on = claim.achieved_on or announcement.published_on
        data = {
            "status": Milestone.Status.ACHIEVED,
            "achieved_on": achieved_on,
            "evidence": [*evidence, announcement],
        }
        milestone, cited = milestone_save(milestone=milestone, data=data), True
    elif not cited:
        milestone, cited = (
            milestone_save(milestone=milestone, data={"evidence": [*evidence, announcement]}),
            True,
        )
    else:
        return None
    if not cited:  # a "move" to the same window records no revision, but the article still backs it
        milestone_save(milestone=milestone, data={"evidence": [*milestone.evidence.all(), announcement]})
    result.updated.append(milestone)
    return None


def _claim_new(claim: PickedClaim, owner: Organisation, announcement: Announcement, user, result) -> None:
    title = claim.title.strip() or f"{owner.name}: {claim.category.replace('_', ' ')} {claim.phrase}".strip()
    if intake_milestone_existing(owner=owner, announcement=announcement, phrase=claim.phrase, title=title):
        return
    data = {
        "owner": owner,
        "title": title,
        "category": claim.category,
        "technology": claim.technology,
        "electrolyte": claim.electrolyte,
        "claim_strength": claim.strength,
        "target_text": claim.phrase,
        # The announcement as the first evidence: relative phrases are read against its date.
        "evidence": [announcement],
    }
    result.created.append(milestone_save(data=data, recorded_by=user))


def _quote(picked: PickedQuote, index: int, announcement: Announcement, new_orgs, result) -> dict | None:
    if any(q.text.strip() == picked.text.strip() for q in announcement.quotes.all()):
        return None  # confirmed before
    speaker = _speaker(picked, new_orgs, result)
    row = Quote(announcement=announcement, speaker=speaker, text=picked.text, position=index)
    record_check(instance=row, exclude=("announcement", "speaker"))
    return {"speaker": speaker, "text": row.text}


def _speaker(picked: PickedQuote, new_orgs: dict[str, Organisation], result: IntakeResult) -> Person:
    name = picked.speaker.strip()
    if not name:
        raise ValidationError({"speaker": "Name the speaker: a quote is kept with who said it."})
    found = Person.objects.filter(slug=name).first() or Person.objects.filter(name__iexact=name).first()
    if found is not None:
        return found
    affiliation = _owner(picked.affiliation, new_orgs) if picked.affiliation.strip() else None
    person = record_save(instance=Person(name=name, affiliation=affiliation))
    result.created.append(person)
    return person


def _announcement_links(announcement: Announcement, involved: list, quotes: list[dict], result) -> None:
    """Add the involved organisations and the new quotes, keeping what was there."""
    current = list(announcement.organisations.all())
    organisations = current + [org for org in dict.fromkeys(involved) if org not in current]
    if len(organisations) == len(current) and not quotes:
        return
    kept = [
        {"speaker": q.speaker, "text": q.text, "occasion": q.occasion, "said_on": q.said_on}
        for q in announcement.quotes.select_related("speaker")
    ]
    announcement_save(
        announcement=announcement,
        data={"organisations": organisations},
        quotes=[{**quote, "position": position} for position, quote in enumerate([*kept, *quotes])],
    )
    result.created += list(announcement.quotes.all()[len(kept) :])
