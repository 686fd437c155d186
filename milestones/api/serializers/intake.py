"""The intake assistant in the API: the article in, the proposals out (in the API's own
representations: organisation summaries, the milestone's target shape), and the selection
the editor confirms."""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from django_countries import countries
from rest_framework import serializers

from milestones import services
from milestones.api.serializers.base import TextRule
from milestones.api.shapes import (
    AnnouncementSummarySerializer,
    Links,
    OrganisationSummarySerializer,
    PersonSummarySerializer,
    Shape,
    TargetSerializer,
    iso,
)
from milestones.domain.intake import ClaimProposal, OrganisationMention, QuoteProposal, Sentence
from milestones.models import Milestone, Organisation

_SLUG = RegexValidator(r"^[-a-zA-Z0-9_]+$", "Give a slug: letters, digits, hyphens and underscores.")
MARK_KINDS = ("organisation", "phrase", "speaker", "verb")
MAX_ARTICLE = 200_000  # characters: a long feature is 60,000; a page's HTML a few times that


def _line(max_length: int, **kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, validators=[TextRule(multiline=False)], **kwargs)


# --- the request ----------------------------------------------------------------------------


class IntakeRequestSerializer(serializers.Serializer):
    text = serializers.CharField(
        max_length=MAX_ARTICLE,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="The article as plain text (or the page's HTML: it is recognised and extracted).",
    )
    html = serializers.CharField(
        max_length=MAX_ARTICLE,
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text="The page's HTML; its main text is extracted, and blank fields below taken from its metadata.",
    )
    url = serializers.URLField(max_length=1000, required=False, allow_blank=True)
    published_on = serializers.DateField(
        required=False, allow_null=True, help_text="Relative phrases ('next year') are read against it."
    )
    publisher = _line(200, required=False, allow_blank=True)
    title = _line(300, required=False, allow_blank=True)
    include_third_party = serializers.BooleanField(
        default=False, help_text="Also propose outside expectations ('analysts believe …'), as 'expects'."
    )

    def validate(self, data: dict) -> dict:
        if not (data.get("html") or data.get("text") or "").strip():
            raise serializers.ValidationError({"text": "Give the article as `text` or `html`."})
        return data


# --- the proposals --------------------------------------------------------------------------


class MarkSerializer(Shape):
    kind = serializers.ChoiceField(choices=list(MARK_KINDS))
    start = serializers.IntegerField(help_text="Offset in the sentence's text.")
    end = serializers.IntegerField()

    @staticmethod
    def build(mark, link=None) -> dict:
        return {"kind": mark.kind, "start": mark.start, "end": mark.end}


class SentenceSerializer(Shape):
    text = serializers.CharField()
    start = serializers.IntegerField(help_text="Offset of the sentence in the article's text.")
    marks = MarkSerializer(many=True, help_text="The matched organisation, phrase, verb and speaker.")

    @staticmethod
    def build(sentence: Sentence, link=None) -> dict:
        return {
            "text": sentence.text,
            "start": sentence.start,
            "marks": [MarkSerializer.build(m) for m in sentence.marks],
        }


class DuplicateSerializer(Shape):
    reason = serializers.ChoiceField(choices=["url", "title"])
    announcement = AnnouncementSummarySerializer()

    @staticmethod
    def build(duplicate, link: Links) -> dict:
        return {
            "reason": duplicate.reason,
            "announcement": AnnouncementSummarySerializer.build(duplicate.announcement, link),
        }


class AnnouncementProposalSerializer(Shape):
    title = serializers.CharField(allow_blank=True)
    published_on = serializers.DateField(allow_null=True)
    date_source = serializers.ChoiceField(
        choices=["given", "dateline", "none"], help_text="Which date relative phrases were read against."
    )
    publisher = serializers.CharField(allow_blank=True)
    source_url = serializers.CharField(allow_blank=True)
    duplicates = DuplicateSerializer(many=True, help_text="Recorded announcements this may already be.")

    @staticmethod
    def build(reading, link: Links) -> dict:
        found = reading.proposals.announcement
        return {
            "title": found.title,
            "published_on": iso(found.published_on),
            "date_source": found.date_source,
            "publisher": found.publisher,
            "source_url": found.url,
            "duplicates": [DuplicateSerializer.build(d, link) for d in reading.duplicates],
        }


def _summary(shape, record, link: Links) -> dict | None:
    return shape.build(record, link) if record is not None else None


class MentionSerializer(Shape):
    text = serializers.CharField(help_text="As written in the article.")
    matched = serializers.CharField(help_text="The name or alias that matched.")
    organisation = OrganisationSummarySerializer(allow_null=True, help_text="Null: a name proposed as new.")
    new = serializers.BooleanField(help_text="Unknown: proposed as a new organisation.")
    sentence = SentenceSerializer()

    @staticmethod
    def build(mention: OrganisationMention, link: Links, records=None) -> dict:
        organisation = records[0].get(mention.slug) if records and mention.slug else None
        return {
            "text": mention.text,
            "matched": mention.matched,
            "organisation": _summary(OrganisationSummarySerializer, organisation, link),
            "new": mention.slug is None,
            "sentence": SentenceSerializer.build(mention.sentence),
        }


class ClaimProposalSerializer(Shape):
    owner = OrganisationSummarySerializer(allow_null=True, help_text="Null: the owner is proposed as new.")
    owner_name = serializers.CharField()
    phrase = serializers.CharField(help_text="The target as written.")
    target = TargetSerializer(help_text="The phrase read in the owner's fiscal calendar, against the date.")
    strength = serializers.ChoiceField(choices=Milestone.ClaimStrength.choices)
    category = serializers.ChoiceField(choices=Milestone.Category.choices)
    technology = serializers.ChoiceField(choices=Milestone.Technology.choices)
    electrolyte = serializers.ChoiceField(choices=Milestone.Electrolyte.choices)
    title = serializers.CharField()
    kind = serializers.ChoiceField(choices=list(services.INTAKE_CLAIM_KINDS))
    milestone = serializers.CharField(
        allow_null=True, help_text="Slug of the milestone repeated, moved or achieved."
    )
    previous_target = serializers.CharField(allow_blank=True, help_text="For a move: the target before.")
    achieved_on = serializers.DateField(allow_null=True)
    third_party = serializers.BooleanField(help_text="An outside expectation, not the owner's own plan.")
    sentence = SentenceSerializer()

    @staticmethod
    def build(claim: ClaimProposal, link: Links, records=None) -> dict:
        owner = records[0].get(claim.owner_slug) if records and claim.owner_slug else None
        target = Milestone()
        target.set_target(claim.target)  # the milestone's own target shape, never saved
        return {
            "owner": _summary(OrganisationSummarySerializer, owner, link),
            "owner_name": claim.owner_name,
            "phrase": claim.phrase,
            "target": TargetSerializer.build(target),
            "strength": claim.strength,
            "category": claim.category,
            "technology": claim.technology,
            "electrolyte": claim.electrolyte,
            "title": claim.title,
            "kind": claim.kind,
            "milestone": claim.milestone_slug,
            "previous_target": claim.previous_target_text,
            "achieved_on": iso(claim.achieved_on),
            "third_party": claim.third_party,
            "sentence": SentenceSerializer.build(claim.sentence),
        }


class QuoteProposalSerializer(Shape):
    text = serializers.CharField()
    speaker_name = serializers.CharField(allow_blank=True, help_text="Blank when the sentence names no one.")
    speaker = PersonSummarySerializer(allow_null=True, help_text="A known person; null: proposed as new.")
    affiliation = OrganisationSummarySerializer(allow_null=True)
    sentence = SentenceSerializer()

    @staticmethod
    def build(quote: QuoteProposal, link: Links, records=None) -> dict:
        people = records[1] if records else {}
        organisations = records[0] if records else {}
        return {
            "text": quote.text,
            "speaker_name": quote.speaker_name,
            "speaker": _summary(PersonSummarySerializer, people.get(quote.speaker_slug or ""), link),
            "affiliation": _summary(
                OrganisationSummarySerializer, organisations.get(quote.affiliation_slug or ""), link
            ),
            "sentence": SentenceSerializer.build(quote.sentence),
        }


class IntakeProposalsSerializer(Shape):
    announcement = AnnouncementProposalSerializer()
    organisations = MentionSerializer(many=True)
    claims = ClaimProposalSerializer(many=True)
    quotes = QuoteProposalSerializer(many=True)
    notes = serializers.ListField(child=serializers.CharField(), help_text="E.g. which date was used.")
    text = serializers.CharField(help_text="The text the proposals were read from (extracted from HTML).")

    @staticmethod
    def build(reading, link: Links, records=None) -> dict:
        found = reading.proposals
        return {
            "announcement": AnnouncementProposalSerializer.build(reading, link),
            "organisations": [MentionSerializer.build(m, link, records) for m in found.organisations],
            "claims": [ClaimProposalSerializer.build(c, link, records) for c in found.claims],
            "quotes": [QuoteProposalSerializer.build(q, link, records) for q in found.quotes],
            "notes": list(reading.notes),
            "text": reading.text,
        }


# --- the selection --------------------------------------------------------------------------


class PickedAnnouncementSerializer(serializers.Serializer):
    title = _line(300)
    published_on = serializers.DateField()
    publisher = _line(200, help_text="The publisher's name: found, else created.")
    source_url = serializers.URLField(max_length=1000, help_text="The article itself.")
    summary = serializers.CharField(
        required=False, allow_blank=True, max_length=5000, validators=[TextRule(multiline=True)]
    )


class PickedOrganisationSerializer(serializers.Serializer):
    name = _line(200, help_text="A name proposed as new and confirmed.")
    kind = serializers.ChoiceField(choices=Organisation.Kind.choices)
    country = serializers.ChoiceField(choices=list(countries), help_text="ISO 3166-1 alpha-2.")
    aliases = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, validators=[TextRule(multiline=True)]
    )


class PickedClaimSerializer(serializers.Serializer):
    owner = _line(200, help_text="An organisation's slug, name or alias, or the name of a new one above.")
    phrase = _line(120, help_text="The target as written ('by 2030', 'FY2028').")
    category = serializers.ChoiceField(choices=Milestone.Category.choices)
    kind = serializers.ChoiceField(choices=list(services.INTAKE_CLAIM_KINDS), default="new")
    milestone = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        validators=[_SLUG],
        help_text="For repeat, move and achieved: the milestone's slug.",
    )
    title = _line(
        300, required=False, allow_blank=True, help_text="Left out: made from owner, category, phrase."
    )
    technology = serializers.ChoiceField(choices=Milestone.Technology.choices, default="all_solid_state")
    electrolyte = serializers.ChoiceField(choices=Milestone.Electrolyte.choices, default="unspecified")
    strength = serializers.ChoiceField(choices=Milestone.ClaimStrength.choices, default="unstated")
    achieved_on = serializers.DateField(required=False, allow_null=True)


class PickedQuoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000, validators=[TextRule(multiline=True)])
    speaker = _line(200, help_text="A person's slug or name; an unknown name becomes a new person.")
    affiliation = _line(
        200, required=False, allow_blank=True, help_text="For a new speaker: an organisation."
    )


class IntakeApplySerializer(serializers.Serializer):
    announcement = PickedAnnouncementSerializer()
    organisations = PickedOrganisationSerializer(many=True, required=False, help_text="New ones confirmed.")
    claims = PickedClaimSerializer(many=True, required=False)
    quotes = PickedQuoteSerializer(many=True, required=False)
    mentioned = serializers.ListField(
        child=serializers.CharField(max_length=200, validators=[_SLUG]),
        required=False,
        help_text="Slugs of known organisations the article involves.",
    )

    def selection(self) -> services.Selection:
        data: dict[str, Any] = self.validated_data
        picked = data["announcement"]
        return services.Selection(
            announcement=services.PickedAnnouncement(
                title=picked["title"],
                published_on=picked["published_on"],
                publisher=picked["publisher"],
                url=picked["source_url"],
                summary=picked.get("summary", ""),
            ),
            organisations=tuple(services.PickedOrganisation(**o) for o in data.get("organisations", [])),
            claims=tuple(services.PickedClaim(**c) for c in data.get("claims", [])),
            quotes=tuple(services.PickedQuote(**q) for q in data.get("quotes", [])),
            mentioned=tuple(data.get("mentioned", [])),
        )


class WrittenSerializer(Shape):
    type = serializers.CharField(
        help_text="announcement, milestone, organisation, person, publisher or quote."
    )
    name = serializers.CharField()
    url = serializers.URLField(help_text="The record in the API (a quote: its announcement).")
    page_url = serializers.URLField(allow_null=True, help_text="Its page, for the records that have one.")

    @staticmethod
    def build(row, link: Links) -> dict:
        model = type(row)._meta.model_name
        route, keyed = {"quote": ("announcement", getattr(row, "announcement", None))}.get(
            model, (model, row)
        )
        has_page = model in ("announcement", "milestone", "organisation")
        return {
            "type": model,
            "name": str(row),
            "url": link.api(route, keyed.slug),
            "page_url": link.page(row) if has_page else None,
        }


class IntakeAppliedSerializer(Shape):
    announcement = AnnouncementSummarySerializer()
    created = WrittenSerializer(many=True)
    updated = WrittenSerializer(many=True, help_text="Milestones repeated, moved or achieved.")
    summary = serializers.CharField()

    @staticmethod
    def build(result, link: Links) -> dict:
        return {
            "announcement": AnnouncementSummarySerializer.build(result.announcement, link),
            "created": [WrittenSerializer.build(row, link) for row in result.created],
            "updated": [WrittenSerializer.build(row, link) for row in result.updated],
            "summary": result.summary(),
        }
