"""Read an article: sentences, names, dates, claims and quotes, in one pass each.

Names are found once over the whole text (one compiled pattern for every
known organisation, one for every known person) and handed to the sentences
they fall in, so a long article against thousands of organisations costs one
scan, not one per organisation per sentence.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict

from milestones.domain.intake import (
    AnnouncementProposal,
    Article,
    ClaimProposal,
    Knowledge,
    Mark,
    OrganisationMention,
    Proposals,
    Sentence,
)
from milestones.domain.intake.claims import (
    Context,
    article_technology,
    clause_bounds,
    read_claim,
    sentence_subject,
)
from milestones.domain.intake.dateline import Dateline, find_dateline
from milestones.domain.intake.names import Found
from milestones.domain.intake.organisations import new_names, organisation_matcher, person_matcher
from milestones.domain.intake.quotes import quote_proposals, unknown_people
from milestones.domain.intake.sentences import Span, split_sentences
from milestones.domain.intake.spotting import find_phrases


def read(article: Article, known: Knowledge, *, include_third_party: bool = False) -> Proposals:
    text = article.text
    notes: list[str] = []
    dateline = find_dateline(text)
    published_on, date_source = article.published_on, "given"
    if published_on is None:
        if dateline is not None:
            published_on, date_source = dateline.on, "dateline"
            notes.append(
                f"no publication date given; used the dateline {_day(dateline.on)} ('{dateline.text}')"
            )
        else:
            date_source = "none"
            notes.append(
                "no publication date given and no dateline found: relative phrases ('next year') are "
                "skipped and deadlines ('by 2030') open at their end; enter the date to read them"
            )
    spans = split_sentences(text)
    starts = [span.start for span in spans]
    organisations = organisation_matcher(known.organisations).find(text)
    people = person_matcher(known.people).find(text)
    strangers = unknown_people(text, [(f.start, f.end) for f in organisations + people])
    newcomers = new_names(text, organisations, people + strangers)
    by_sentence: dict[int, list[Found]] = defaultdict(list)
    for found in sorted(organisations + newcomers, key=lambda f: f.start):
        by_sentence[bisect_right(starts, found.start) - 1].append(found)

    ctx = Context(
        published_on=published_on,
        names={o.slug: o.name for o in known.organisations},
        fiscal_months={o.slug: o.fiscal_year_start_month for o in known.organisations},
        milestones=_by_owner(known),
        technology=article_technology(text),
        include_third_party=include_third_party,
    )
    claims = _claims(spans, by_sentence, dateline, ctx, headline=_headline(spans, article))
    notes.extend(f"skipped '{phrase}': {why}" for phrase, why in ctx.skipped if why.startswith("relative"))
    return Proposals(
        announcement=AnnouncementProposal(
            title=article.title.strip() or _first_line(text),
            published_on=published_on,
            date_source=date_source,
            publisher=article.publisher,
            url=article.url,
        ),
        organisations=_mentions(spans, by_sentence),
        claims=tuple(claims),
        quotes=quote_proposals(text, spans, sorted(people + strangers, key=lambda f: f.start), known),
        notes=tuple(notes),
    )


def _day(on) -> str:
    return f"{on.day} {on:%B %Y}"


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")[:300]


def _by_owner(known: Knowledge) -> dict:
    out: dict = defaultdict(list)
    for milestone in known.milestones:
        out[milestone.owner_slug].append(milestone)
    return out


def _local(found: Found, span: Span) -> Found:
    return Found(found.start - span.start, found.end - span.start, found.text, found.key, found.name)


def _headline(spans: list[Span], article: Article) -> int:
    """The index of the headline (skipped for claims: it restates the story's), or -1.

    The first sentence is the headline when it is the article's title or a line without a final
    full stop followed by more text.
    """
    if not spans:
        return -1
    first = spans[0].text
    if article.title.strip() and first == article.title.strip():
        return 0
    ends_line = article.text[spans[0].start + len(first) : spans[0].start + len(first) + 1] in ("\n", "")
    return 0 if len(spans) > 1 and ends_line and not first.endswith((".", "!", "?", "”", '"')) else -1


def _claims(
    spans: list[Span],
    by_sentence: dict[int, list[Found]],
    dateline: Dateline | None,
    ctx: Context,
    *,
    headline: int,
) -> list[ClaimProposal]:
    claims: list[ClaimProposal] = []
    seen: set[tuple] = set()
    for index, span in enumerate(spans):
        mentions = [_local(f, span) for f in by_sentence.get(index, [])]
        if index == headline:
            continue
        phrases = find_phrases(span.text, fiscal_month=1, published_on=ctx.published_on)
        sentence = Sentence(span.text, span.start)
        respective = _respective(span.text, phrases)
        for number, phrase in enumerate(phrases):
            if (
                dateline is not None
                and span.start + phrase.start < dateline.end <= span.start + phrase.end + 1
            ):
                continue  # the article's own date
            claim = read_claim(sentence, mentions, phrase, ctx, respective=respective.get(number))
            # A quote or a later sentence restating a claim proposes no second milestone.
            key = claim and (claim.owner_slug or claim.owner_name, claim.target.start, claim.target.end)
            if claim is not None and key not in seen:
                seen.add(key)
                claims.append(claim)
        subject = sentence_subject(span.text, mentions)
        if subject is not None:
            ctx.last_subject = subject
    return claims


def _respective(text: str, phrases: list) -> dict[int, int]:
    """ "A and B have set 2027 and 2029 respectively": each phrase's place among its clause's phrases."""
    if "respectively" not in text or len(phrases) < 2:
        return {}
    places: dict[int, int] = {}
    clauses: dict[tuple[int, int], int] = {}
    for number, phrase in enumerate(phrases):
        bounds = clause_bounds(text, phrase.start)[:2]
        places[number] = clauses.get(bounds, 0)
        clauses[bounds] = places[number] + 1
    return places


def _mentions(spans: list[Span], by_sentence: dict[int, list[Found]]) -> tuple[OrganisationMention, ...]:
    seen: set[tuple[str, str]] = set()
    out = []
    for index, span in enumerate(spans):
        for found in by_sentence.get(index, []):
            key = (found.key, found.text if not found.key else found.text.lower())
            if key in seen:
                continue
            seen.add(key)
            local = _local(found, span)
            sentence = Sentence(span.text, span.start, (Mark("organisation", local.start, local.end),))
            out.append(OrganisationMention(found.text, found.key or None, found.name, sentence))
    return tuple(out)
