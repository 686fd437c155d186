"""The intake assistant: read a news article and propose the records it supports.

Pure Python, no Django, deterministic, offline. ``propose(article, known)`` is
the single entry point; the services gather ``Knowledge`` from the database,
call it, and write what the editor confirms. Nothing here writes anything.

Every proposal carries the ``Sentence`` it came from, with the matched
organisation, phrase and speaker marked (offsets into the sentence), so the
assistant can explain itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from milestones.domain.targets import Target

__all__ = [
    "AnnouncementProposal",
    "Article",
    "ClaimProposal",
    "Knowledge",
    "KnownMilestone",
    "KnownOrganisation",
    "KnownPerson",
    "Mark",
    "OrganisationMention",
    "Proposals",
    "QuoteProposal",
    "Sentence",
    "propose",
]


@dataclass(frozen=True)
class Article:
    text: str  # plain text (HTML is extracted to text before it gets here)
    url: str = ""
    published_on: date | None = None
    publisher: str = ""
    title: str = ""


@dataclass(frozen=True)
class KnownOrganisation:
    slug: str
    name: str
    aliases: tuple[str, ...] = ()
    fiscal_year_start_month: int = 1


@dataclass(frozen=True)
class KnownPerson:
    slug: str
    name: str
    affiliation_slug: str | None = None


@dataclass(frozen=True)
class KnownMilestone:
    slug: str
    title: str
    owner_slug: str
    category: str
    technology: str
    target_text: str
    window_start: date
    window_end: date | None


@dataclass(frozen=True)
class Knowledge:
    organisations: tuple[KnownOrganisation, ...] = ()
    people: tuple[KnownPerson, ...] = ()
    milestones: tuple[KnownMilestone, ...] = ()


@dataclass(frozen=True)
class Mark:
    kind: str  # "organisation" | "phrase" | "speaker" | "verb"
    start: int  # offsets into Sentence.text
    end: int


@dataclass(frozen=True)
class Sentence:
    text: str
    start: int  # offset of the sentence in Article.text
    marks: tuple[Mark, ...] = ()


@dataclass(frozen=True)
class AnnouncementProposal:
    title: str
    published_on: date | None
    date_source: str  # "given" | "dateline" | "none": which date relative phrases were read against
    publisher: str
    url: str


@dataclass(frozen=True)
class OrganisationMention:
    text: str  # as written in the article
    slug: str | None  # the known organisation; None: an unknown name that looks like one ("new?")
    matched: str  # the name or alias that matched (the text itself for "new?")
    sentence: Sentence


@dataclass(frozen=True)
class ClaimProposal:
    owner_slug: str | None  # None: an organisation proposed as new (owner_name)
    owner_name: str
    phrase: str  # the target phrase exactly as written
    target: Target  # resolved: the owner's fiscal calendar, relative phrases against the article's date
    strength: str  # Milestone.ClaimStrength value
    category: str  # Milestone.Category value
    technology: str  # Milestone.Technology value
    electrolyte: str  # Milestone.Electrolyte value
    title: str  # a proposed milestone title
    kind: str  # "new" | "repeat" | "move" | "achieved"
    sentence: Sentence
    milestone_slug: str | None = None  # the existing milestone for repeat / move / achieved
    previous_target_text: str = ""  # for "move": the milestone's target before (old -> new)
    achieved_on: date | None = None  # for "achieved"
    third_party: bool = False  # an outside expectation, only with include_third_party


@dataclass(frozen=True)
class QuoteProposal:
    text: str
    speaker_name: str  # "" when the sentence names no speaker
    speaker_slug: str | None  # a known person; None: proposed as new (or unknown)
    affiliation_slug: str | None
    sentence: Sentence


@dataclass(frozen=True)
class Proposals:
    announcement: AnnouncementProposal
    organisations: tuple[OrganisationMention, ...] = ()
    claims: tuple[ClaimProposal, ...] = ()
    quotes: tuple[QuoteProposal, ...] = ()
    notes: tuple[str, ...] = field(default=())  # e.g. "no date given; used the dateline 13 February 2024"


def propose(article: Article, known: Knowledge, *, include_third_party: bool = False) -> Proposals:
    """Read ``article`` against what is ``known`` and propose the records it supports."""
    from milestones.domain.intake.reader import read

    return read(article, known, include_third_party=include_third_party)
