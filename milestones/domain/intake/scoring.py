"""Score the reader against a hand-annotated corpus: recall and precision of claims.

Shared by ``bench/intake.py`` and the tests so both count the same way. A
proposed claim matches an expected one when the owner and the window (start
and end) are the same; each expected claim is matched at most once. A
non-claim (a sentence fragment and the phrase in it) is violated when a
proposal takes that phrase from a sentence containing that fragment.

The corpus is a folder of ``<name>.txt`` articles, each with a ``<name>.json``
annotation, and one ``knowledge.json`` for all of them (see
``tests/data/articles/README.md``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from milestones.domain.intake import (
    Article,
    ClaimProposal,
    Knowledge,
    KnownMilestone,
    KnownOrganisation,
    KnownPerson,
    Proposals,
)

GOAL_RECALL = 0.90
GOAL_PRECISION = 0.85


@dataclass(frozen=True)
class Expected:
    owner: str
    phrase: str
    start: date
    end: date | None
    strength: str
    kind: str


@dataclass(frozen=True)
class NonClaim:
    fragment: str
    phrase: str
    why: str


@dataclass(frozen=True)
class Case:
    name: str
    article: Article
    claims: tuple[Expected, ...]
    third_party_claims: tuple[Expected, ...]
    non_claims: tuple[NonClaim, ...]
    expected_date: date | None
    expected_date_source: str


@dataclass
class Score:
    name: str
    expected: int = 0
    proposed: int = 0
    matched: int = 0
    missed: list[Expected] = field(default_factory=list)
    extra: list[ClaimProposal] = field(default_factory=list)
    violated: list[NonClaim] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.matched / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.proposed if self.proposed else 1.0


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def load_knowledge(path: Path) -> Knowledge:
    data = json.loads(path.read_text(encoding="utf-8"))
    organisations = tuple(
        KnownOrganisation(
            o["slug"], o["name"], tuple(o.get("aliases", ())), o.get("fiscal_year_start_month", 1)
        )
        for o in data["organisations"]
    )
    people = tuple(KnownPerson(p["slug"], p["name"], p.get("affiliation")) for p in data.get("people", ()))
    milestones = tuple(
        KnownMilestone(
            slug=m["slug"],
            title=m["title"],
            owner_slug=m["owner"],
            category=m["category"],
            technology=m["technology"],
            target_text=m["target_text"],
            window_start=date.fromisoformat(m["window_start"]),
            window_end=_day(m["window_end"]),
        )
        for m in data.get("milestones", ())
    )
    return Knowledge(organisations, people, milestones)


def _expected(items: list[dict]) -> tuple[Expected, ...]:
    return tuple(
        Expected(
            c["owner"], c["phrase"], date.fromisoformat(c["start"]), _day(c["end"]), c["strength"], c["kind"]
        )
        for c in items
    )


def load_case(path: Path) -> Case:
    data = json.loads(path.read_text(encoding="utf-8"))
    text = (path.parent / data["text"]).read_text(encoding="utf-8")
    published_on = _day(data.get("published_on"))
    article = Article(
        text=text,
        url=data.get("url", ""),
        published_on=published_on,
        publisher=data.get("publisher", ""),
        title=data.get("title", ""),
    )
    return Case(
        name=path.stem,
        article=article,
        claims=_expected(data["claims"]),
        third_party_claims=_expected(data.get("third_party_claims", [])),
        non_claims=tuple(
            NonClaim(n["fragment"], n["phrase"], n.get("why", "")) for n in data.get("non_claims", [])
        ),
        expected_date=_day(data["expected_date"]) if "expected_date" in data else published_on,
        expected_date_source=data.get("expected_date_source", "given"),
    )


def load_corpus(folder: Path) -> tuple[Knowledge, list[Case]]:
    knowledge = load_knowledge(folder / "knowledge.json")
    cases = [load_case(path) for path in sorted(folder.glob("*.json")) if path.name != "knowledge.json"]
    return knowledge, cases


def score(case: Case, proposals: Proposals, *, third_party: bool = False) -> Score:
    """Match proposals to the expected claims (with the third-party ones when those were asked for)."""
    expected = list(case.claims) + (list(case.third_party_claims) if third_party else [])
    result = Score(case.name, expected=len(expected), proposed=len(proposals.claims))
    remaining = list(expected)
    for claim in proposals.claims:
        match = next((e for e in remaining if _matches(e, claim)), None)
        if match is None:
            result.extra.append(claim)
        else:
            remaining.remove(match)
            result.matched += 1
    result.missed = remaining
    for non_claim in case.non_claims:
        if any(
            c.phrase == non_claim.phrase and non_claim.fragment in c.sentence.text for c in proposals.claims
        ):
            result.violated.append(non_claim)
    return result


def _matches(expected: Expected, claim: ClaimProposal) -> bool:
    return (
        claim.owner_slug == expected.owner
        and claim.target.start == expected.start
        and claim.target.end == expected.end
    )


def total(scores: list[Score]) -> Score:
    out = Score("total")
    for item in scores:
        out.expected += item.expected
        out.proposed += item.proposed
        out.matched += item.matched
        out.missed.extend(item.missed)
        out.extra.extend(item.extra)
        out.violated.extend(item.violated)
    return out
