"""The intake reader on the seed article: the claims it must find and the date it must not take."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from milestones.domain.intake import Article, Knowledge, KnownOrganisation, KnownPerson, propose

ROOT = Path(__file__).resolve().parent.parent
SEED = json.loads((ROOT / "milestones" / "seed" / "casip.json").read_text())
SEED_TEXT = Path("/work/shared/seeds/casip-article.txt")


def seed_knowledge() -> Knowledge:
    organisations = tuple(
        KnownOrganisation(
            o["slug"], o["name"], tuple(o.get("aliases", ())), o.get("fiscal_year_start_month", 1)
        )
        for o in SEED["organisations"]
    )
    people = tuple(KnownPerson(p["slug"], p["name"], p.get("affiliation")) for p in SEED["people"])
    return Knowledge(organisations, people)


@pytest.fixture(scope="module")
def seed_proposals():
    text = (ROOT / "tests" / "data" / "articles" / "casip-electrive.txt").read_text()
    body = text.split("\n\n", 1)[1] if text.startswith("#") else text
    return propose(Article(body, published_on=date(2024, 2, 13)), seed_knowledge())


def _claim(proposals, owner, phrase):
    found = [c for c in proposals.claims if c.owner_slug == owner and c.phrase == phrase]
    assert found, [(c.owner_slug, c.phrase) for c in proposals.claims]
    return found[0]


def test_seed_casip_supply_chain_by_2030(seed_proposals):
    claim = _claim(seed_proposals, "casip", "by 2030")
    assert (claim.target.start, claim.target.end) == (date(2024, 2, 13), date(2030, 12, 31))
    assert (claim.category, claim.strength) == ("supply_chain", "aims")


def test_seed_toyota_2027_28(seed_proposals):
    claim = _claim(seed_proposals, "toyota", "2027/28")
    assert (claim.target.start, claim.target.end) == (date(2027, 1, 1), date(2028, 12, 31))


def test_seed_nissan_financial_year_in_april_calendar(seed_proposals):
    claim = _claim(seed_proposals, "nissan", "the 2028 financial year")
    assert (claim.target.start, claim.target.end) == (date(2028, 4, 1), date(2029, 3, 31))
    assert claim.strength == "plans"


def test_seed_around_2030_is_an_expectation_of_casip(seed_proposals):
    claim = _claim(seed_proposals, "casip", "around 2030")
    assert claim.strength == "expects"
    assert claim.target.approximate


def test_seed_founding_month_is_not_a_target(seed_proposals):
    assert not [c for c in seed_proposals.claims if "January" in c.phrase]
