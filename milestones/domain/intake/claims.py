"""From a target phrase in a sentence to a claim: whose plan, how firmly, what kind of milestone.

The owner is the subject the plan is attributed to, not every organisation
named: the last organisation before the verb of intent in the phrase's
clause that no preposition or relative clause demotes ("Idemitsu's partner
Toyota plans…" → Toyota; "Toyota and Idemitsu plan…" → Toyota; "CATL, which
supplies BMW, will…" → CATL). A pronoun subject ("it", "we", "the company")
is the owner of the last claim, else the last sentence's subject; "…, Toyota
said" after the phrase names it too. No owner, no claim.

Not claims: a phrase right after "founded in", "said on", "since"… (a date of
record, not a target); a past window (unless the clause says it was achieved:
then an "achieved" proposal); a market forecast naming no organisation; a
clause with no word of intent; an outside view ("analysts believe Toyota
could…") unless third-party views are asked for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from milestones.domain.intake import ClaimProposal, KnownMilestone, Mark, Sentence
from milestones.domain.intake.names import Found
from milestones.domain.intake.spotting import Found as Phrase
from milestones.domain.intake.vocabulary import (
    ACHIEVED,
    CATEGORY,
    CATEGORY_OF,
    CATEGORY_TITLE,
    CLAUSE_BREAK,
    ELECTROLYTE,
    HEDGE,
    MARKET,
    NOT_A_TARGET_BEFORE,
    NOT_SUBJECT_BEFORE,
    PRONOUN_SUBJECT,
    SAID_AFTER,
    SEMI_SOLID,
    SOLID_STATE,
    SPECULATION,
    STRENGTH_VERB,
    TECHNOLOGY_LABEL,
    THIRD_PARTY,
)
from milestones.domain.targets import Target, TargetError, parse_target

_RELATIVE_CLAUSE = re.compile(r"\b(?:which|who|whose|that)\b[^,]*$", re.IGNORECASE)
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_EXPLICIT = re.compile(r"\d{4}|\b(?:next|this|current|within|coming|decade|years?|months?)\b", re.IGNORECASE)
_PAST_TENSE = re.compile(
    r"\b(?:(?!(?:need|speed|feed|seed|bed|red|shed)\b)\w{2,}ed|began|begun|signed|said|made|took|won|held|went"
    r"|came|broke|built|got|sold|bought|saw|told|wrote|led|set up)\b",
    re.IGNORECASE,
)
_RELATIVE_VERB = re.compile(r",\s*(?:which|who)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)


@dataclass
class Context:
    """What the reader knows while it reads: the date, the owners seen so far, the known milestones."""

    published_on: date | None
    names: dict[str, str]  # slug -> name
    fiscal_months: dict[str, int]
    milestones: dict[str, list[KnownMilestone]]  # by owner slug
    technology: str  # the article's, when a sentence names none
    include_third_party: bool = False
    last_owner: Found | None = None  # the owner of the last claim
    last_subject: Found | None = None  # the subject of the last sentence that had one
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (phrase, why), for notes and the bench


@dataclass(frozen=True)
class Verb:
    start: int
    end: int
    strength: str


def clause_bounds(text: str, at: int) -> tuple[int, int, bool]:
    """The clause of ``text`` around offset ``at``: (start, end, whether it is the sentence's first)."""
    start, end = 0, len(text)
    for cut in CLAUSE_BREAK.finditer(text):
        if cut.end() <= at:
            start = cut.end()
        elif cut.start() >= at:
            end = cut.start()
            break
    return start, end, start == 0


def _verb(text: str, start: int, end: int, phrase: Phrase) -> Verb | None:
    # The nearest word of intent before the phrase, else the first after it ("In 2027, Toyota will…").
    before = list(STRENGTH_VERB.finditer(text, max(start, phrase.start - 160), phrase.start))
    chosen = before[-1] if before else STRENGTH_VERB.search(text, phrase.end, end)
    return chosen and Verb(chosen.start(), chosen.end(), chosen.lastgroup)


def _is_subject(text: str, mention: Found, clause_start: int) -> bool:
    return _subject_at(text, mention.start, clause_start)


def _subject_at(text: str, at: int, clause_start: int) -> bool:
    """Whether a name at ``at`` can be the clause's subject: not after a preposition, not in a relative clause."""
    before = text[max(clause_start, at - 30) : at]
    if NOT_SUBJECT_BEFORE.search(before) and before.strip():
        return False
    segment = text[clause_start:at].rsplit(",", 1)[-1]
    return not _RELATIVE_CLAUSE.search(segment)


def find_owner(
    text: str, mentions: list[Found], phrase: Phrase, verb: Verb | None, ctx: Context
) -> tuple[Found | None, bool]:
    """The claim's owner and whether the sentence names it (False: resolved from a pronoun)."""
    start, _, first_clause = clause_bounds(text, phrase.start)
    limit = verb.start if verb and verb.start < phrase.start else phrase.start
    relative = _RELATIVE_VERB.search(text, start, limit)
    if relative:  # "…, Stellantis, which plans to…": the name the relative clause hangs on
        before = [m for m in mentions if m.end <= relative.start() and relative.start() - m.end <= 2]
        if before:
            return before[-1], True
    subjects = [m for m in mentions if start <= m.start < limit and _is_subject(text, m, start)]
    if subjects:
        return subjects[-1], True
    pronoun = PRONOUN_SUBJECT.search(text, start, limit)
    if not first_clause and pronoun is None:
        earlier = [m for m in mentions if m.start < start and _is_subject(text, m, 0)]
        if earlier:
            return earlier[0], True
    for mention in mentions:
        if mention.start >= phrase.end and SAID_AFTER.match(text, mention.end):
            return mention, True
    if pronoun is not None or (verb and not _any_subject(text, start, limit)):
        return ctx.last_owner or ctx.last_subject, False
    return None, False


def _any_subject(text: str, start: int, limit: int) -> bool:
    """Whether the clause has words of its own before the verb (a subject we could not name)."""
    return bool(re.search(r"[A-Za-z]{3,}", text[start:limit].replace("By", "").replace("by", "")))


def sentence_subject(text: str, mentions: list[Found]) -> Found | None:
    for mention in mentions:
        if _is_subject(text, mention, 0):
            return mention
    return None


def read_claim(
    sentence: Sentence, mentions: list[Found], phrase: Phrase, ctx: Context, *, respective: int | None = None
) -> ClaimProposal | None:
    """The claim ``phrase`` states, or None (the reason is kept in ``ctx.skipped``).

    ``respective`` is the phrase's place among its clause's phrases when the sentence pairs
    names and dates "respectively" ("Samsung SDI and SK On have set 2027 and 2029 respectively").
    """
    text = sentence.text
    if phrase.target is None:
        return _skip(ctx, phrase, "relative phrase and no date to read it against")
    start, end, _ = clause_bounds(text, phrase.start)
    clause = text[start:end]
    achieved = _achieved(text, start, phrase, ctx)
    if NOT_A_TARGET_BEFORE.search(text, max(0, phrase.start - 40), phrase.start) and achieved is None:
        return _skip(ctx, phrase, "a date of record (founded, said, since…), not a target")
    third = next(
        (t for t in THIRD_PARTY.finditer(text, start, phrase.start) if _subject_at(text, t.start(), start)),
        None,
    )
    speculation = third and SPECULATION.search(text, third.end(), phrase.start)
    if third and speculation:
        if not ctx.include_third_party:
            return _skip(ctx, phrase, "an outside expectation (third party)")
        # "Analysts believe Toyota could…": whose plan it is comes after the verb, never the analyst itself
        owner = next((m for m in mentions if speculation.end() <= m.start < phrase.start), None)
        if owner is None:
            return _skip(ctx, phrase, "an outside expectation naming no organisation")
        verb = Verb(speculation.start(), speculation.end(), "expects")
        return _build(sentence, phrase, owner, True, verb, ctx, third_party=True)
    if MARKET.search(clause) and not any(start <= m.start < end for m in mentions):
        return _skip(ctx, phrase, "a market forecast, no organisation")
    verb = _verb(text, start, end, phrase)
    if achieved is None and _past_without_year(text, start, phrase):
        return _skip(ctx, phrase, "a month or season without a year, told in the past tense")
    if achieved is None and _past(phrase.target, ctx):
        return _skip(ctx, phrase, "in the past")
    if verb is None and achieved is None:
        return _skip(ctx, phrase, "no word of intent")
    owner, named = find_owner(text, mentions, phrase, verb, ctx)
    if respective is not None:
        listed = [m for m in mentions if start <= m.start < phrase.start]
        if respective < len(listed):
            owner, named = listed[respective], True
    if owner is None:
        return _skip(ctx, phrase, "no owner")
    return _build(sentence, phrase, owner, named, verb, ctx, achieved=achieved)


def _past(target: Target, ctx: Context) -> bool:
    return ctx.published_on is not None and target.end is not None and target.end < ctx.published_on


def _achieved(text: str, clause_start: int, phrase: Phrase, ctx: Context) -> date | None:
    """The day a past-tense achievement happened ("began mass production in March 2025").

    The verb and the thing achieved must sit right before the phrase (after the last comma or
    date): "began studying batteries in 2013" names no milestone; "started trial production
    of cells in 2024" does (a pilot line).
    """
    target = phrase.target
    if target is None or ctx.published_on is None or target.start > ctx.published_on or target.open_start:
        return None
    segment = _segment_before(text, clause_start, phrase.start)
    if (
        STRENGTH_VERB.search(segment)
        or not ACHIEVED.search(segment)
        or _category(segment) in (None, "research_breakthrough", "other")
    ):
        return None
    return target.start


def _segment_before(text: str, clause_start: int, at: int) -> str:
    """The words leading up to a phrase: from the last comma, earlier date or clause start."""
    return text[max(clause_start, text.rfind(",", 0, at) + 1, _previous_date_end(text, at)) : at]


def _past_without_year(text: str, clause_start: int, phrase: Phrase) -> bool:
    """ "Signed a deal in July": the parser reads a bare month forward (next July); the verb says it is past."""
    if _EXPLICIT.search(phrase.text):
        return False
    segment = _segment_before(text, clause_start, phrase.start)
    return bool(_PAST_TENSE.search(segment)) and not STRENGTH_VERB.search(segment)


def _previous_date_end(text: str, before: int) -> int:
    years = [m.end() for m in _YEAR.finditer(text, 0, before)]
    return years[-1] if years else 0


def _skip(ctx: Context, phrase: Phrase, why: str) -> None:
    ctx.skipped.append((phrase.text, why))
    return None


def _build(
    sentence: Sentence,
    phrase: Phrase,
    owner: Found,
    named: bool,
    verb: Verb | None,
    ctx: Context,
    *,
    achieved: date | None = None,
    third_party: bool = False,
) -> ClaimProposal:
    text = sentence.text
    slug = owner.key or None
    target = _reparse(phrase, ctx.fiscal_months.get(owner.key, 1), ctx.published_on)
    start, end, _ = clause_bounds(text, phrase.start)
    clause = text[start:end]
    if achieved is not None:
        strength = "unstated"  # an achievement is a fact, not a promise
    elif third_party or HEDGE.search(clause):
        strength = "expects"
    else:
        strength = verb.strength if verb else "unstated"
    # The nearest words name the milestone: "…on a pilot line in 2026, with mass production in 2027".
    lead_from = verb.start if verb and verb.start < phrase.start else start
    category = (
        _category(_segment_before(text, start, phrase.start))
        or _category(text[lead_from : phrase.end])
        or _category(clause)
        or _category(text)
        or "other"
    )
    technology = _technology(text) or ctx.technology
    electrolyte_word = ELECTROLYTE.search(text)
    electrolyte = electrolyte_word.lastgroup if electrolyte_word else "unspecified"
    owner_name = ctx.names.get(owner.key, owner.name) if slug else owner.text
    kind, milestone, previous = _kind(slug, category, target, ctx, achieved)
    marks = [Mark("phrase", phrase.start, phrase.end)]
    if named:
        marks.append(Mark("organisation", owner.start, owner.end))
    if verb:
        marks.append(Mark("verb", verb.start, verb.end))
    ctx.last_owner = owner
    label = TECHNOLOGY_LABEL[technology]
    return ClaimProposal(
        owner_slug=slug,
        owner_name=owner_name,
        phrase=phrase.text,
        target=target,
        strength=strength,
        category=category,
        technology=technology,
        electrolyte=electrolyte,
        title=f"{owner_name}: {CATEGORY_TITLE[category]}" + (f" ({label})" if label else ""),
        kind=kind,
        sentence=Sentence(text, sentence.start, tuple(sorted(marks, key=lambda m: m.start))),
        milestone_slug=milestone.slug if milestone else None,
        previous_target_text=previous,
        achieved_on=achieved,
        third_party=third_party,
    )


def _reparse(phrase: Phrase, fiscal_month: int, published_on: date | None) -> Target:
    """The phrase in the owner's fiscal calendar ("FY2028" for an April-start owner)."""
    assert phrase.target is not None
    if fiscal_month == 1:
        return phrase.target
    try:
        return parse_target(
            phrase.text,
            fiscal_year_start=fiscal_month,
            opened_on=published_on or date.max,
            stated_on=published_on,
        )
    except TargetError:  # an owner's fiscal month outside 1-12: the calendar year's reading stands
        return phrase.target


def _category(text: str) -> str | None:
    found = sorted({int(m.lastgroup[1:]) for m in CATEGORY.finditer(text)})
    return CATEGORY_OF[f"c{found[0]}"] if found else None


def _technology(text: str) -> str | None:
    if SEMI_SOLID.search(text):
        return "semi_solid"
    if SOLID_STATE.search(text):
        return "all_solid_state"
    return None


def article_technology(text: str) -> str:
    semi, solid = len(SEMI_SOLID.findall(text)), len(SOLID_STATE.findall(text))
    if semi == solid == 0:
        return "unspecified"
    return "semi_solid" if semi > solid - semi else "all_solid_state"


def _kind(
    slug: str | None, category: str, target: Target, ctx: Context, achieved: date | None
) -> tuple[str, KnownMilestone | None, str]:
    """New, or the owner's milestone of that category it repeats (same window) or moves."""
    owned = ctx.milestones.get(slug or "", [])
    candidates = [m for m in owned if m.category == category]
    if achieved is not None:
        return "achieved", (candidates[0] if candidates else None), ""
    # The same window is a repeat even when the keywords suggested another category.
    for milestone in candidates + [m for m in owned if m.category != category]:
        if _same_window(milestone, target):
            return "repeat", milestone, ""
    if candidates:
        closest = min(
            candidates, key=lambda m: abs((m.window_end or m.window_start) - (target.end or target.start))
        )
        return "move", closest, closest.target_text
    return "new", None, ""


def _same_window(milestone: KnownMilestone, target: Target) -> bool:
    if milestone.window_end != target.end:
        return False
    return target.open_start or milestone.window_start == target.start
