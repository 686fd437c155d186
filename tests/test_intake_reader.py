"""The intake reader's claims: the seed article, the corpus goals, and one behaviour per test."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from milestones.domain.intake import Article, Knowledge, KnownMilestone, Mark, propose
from milestones.domain.intake.scoring import GOAL_PRECISION, GOAL_RECALL, load_case, load_corpus, score, total

CORPUS = Path(__file__).resolve().parent / "data" / "articles"
KNOWLEDGE, CASES = load_corpus(CORPUS)
NO_MILESTONES = Knowledge(KNOWLEDGE.organisations, KNOWLEDGE.people, ())


def read(
    text: str, published_on: date | None = date(2026, 5, 12), known: Knowledge = NO_MILESTONES, **options
):
    return propose(Article(text, published_on=published_on), known, **options)


def only_claim(proposals):
    assert len(proposals.claims) == 1, [(c.owner_slug, c.phrase) for c in proposals.claims]
    return proposals.claims[0]


def marked(sentence, kind: str) -> list[str]:
    return [sentence.text[m.start : m.end] for m in sentence.marks if m.kind == kind]


# -- the seed article ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed():
    return propose(load_case(CORPUS / "casip-electrive.json").article, KNOWLEDGE)


def _claim(proposals, owner, phrase):
    found = [c for c in proposals.claims if c.owner_slug == owner and c.phrase == phrase]
    assert found, [(c.owner_slug, c.phrase) for c in proposals.claims]
    return found[0]


def test_seed_yields_casip_supply_chain_by_2030(seed):
    claim = _claim(seed, "casip", "by 2030")
    assert (claim.target.start, claim.target.end) == (date(2024, 2, 13), date(2030, 12, 31))
    assert (claim.category, claim.strength) == ("supply_chain", "aims")


def test_seed_yields_toyota_2027_28(seed):
    claim = _claim(seed, "toyota", "2027/28")
    assert (claim.target.start, claim.target.end) == (date(2027, 1, 1), date(2028, 12, 31))
    assert claim.category == "vehicle_launch"


def test_seed_reads_nissan_financial_year_in_its_april_calendar(seed):
    claim = _claim(seed, "nissan", "the 2028 financial year")
    assert (claim.target.start, claim.target.end) == (date(2028, 4, 1), date(2029, 3, 31))
    assert claim.strength == "plans"


def test_seed_yields_around_2030_as_casip_expectation(seed):
    claim = _claim(seed, "casip", "around 2030")
    assert (claim.strength, claim.target.approximate) == ("expects", True)


def test_seed_founding_month_is_not_a_target(seed):
    assert [c.phrase for c in seed.claims if "January" in c.phrase] == []


def test_seed_claims_repeat_the_seeded_milestones(seed):
    assert {c.milestone_slug for c in seed.claims} == {
        "casip-solid-state-supply-chain-by-2030",
        "china-industrialisation-breakthrough-around-2030",
        "toyota-first-solid-state-cars-2027-28",
        "nissan-solid-state-cars-fy2028",
    }
    assert {c.kind for c in seed.claims} == {"repeat"}


# -- the corpus ------------------------------------------------------------------------------


def test_corpus_meets_recall_and_precision_goals():
    overall = total([score(case, propose(case.article, KNOWLEDGE)) for case in CASES])
    assert len(CASES) >= 12
    assert overall.recall >= GOAL_RECALL, overall.missed
    assert overall.precision >= GOAL_PRECISION, [(c.owner_slug, c.phrase) for c in overall.extra]


def test_corpus_with_third_party_views_meets_goals():
    overall = total(
        [score(c, propose(c.article, KNOWLEDGE, include_third_party=True), third_party=True) for c in CASES]
    )
    assert overall.recall >= GOAL_RECALL and overall.precision >= GOAL_PRECISION


def test_scoring_counts_a_claim_only_when_owner_and_window_match():
    case = load_case(CORPUS / "casip-electrive.json")
    proposals = propose(case.article, KNOWLEDGE)
    claims = proposals.claims
    result = score(case, replace(proposals, claims=(replace(claims[0], owner_slug="catl"), *claims[1:])))
    assert (result.matched, result.expected, [m.phrase for m in result.missed]) == (3, 4, ["by 2030"])


def test_scoring_flags_a_non_claim_taken_as_a_claim():
    case = load_case(CORPUS / "casip-electrive.json")
    proposals = propose(case.article, KNOWLEDGE)
    casip = next(
        c for c in proposals.claims if c.phrase == "by 2030"
    )  # its sentence says "founded in January"
    result = score(case, replace(proposals, claims=(replace(casip, phrase="January"),)))
    assert [n.phrase for n in result.violated] == ["January"]


def test_corpus_dates_come_from_the_dateline_when_none_is_given():
    for case in CASES:
        announcement = propose(case.article, KNOWLEDGE).announcement
        assert (announcement.published_on, announcement.date_source) == (
            case.expected_date,
            case.expected_date_source,
        ), case.name


# -- owner, phrase, window -------------------------------------------------------------------


def test_owner_is_the_subject_not_every_organisation_named():
    claim = only_claim(
        read("Toyota and Idemitsu plan to start mass production of solid-state batteries in 2028.")
    )
    assert claim.owner_slug == "toyota"


def test_owner_of_a_relative_clause_is_the_name_it_hangs_on():
    text = "Factorial also works with Stellantis, which plans to put a demo fleet with Factorial cells on the road in 2026."
    assert only_claim(read(text)).owner_slug == "stellantis"


def test_respectively_pairs_names_and_dates_in_order():
    claims = read("Its rivals Samsung SDI and SK On have set 2027 and 2029 respectively.").claims
    assert [(c.owner_slug, c.phrase) for c in claims] == [("samsung-sdi", "2027"), ("sk-on", "2029")]


def test_pronoun_subject_is_the_previous_claims_owner():
    text = "Samsung SDI will begin mass production of solid-state cells in 2027. It also aims to ship samples in 2026."
    assert [c.owner_slug for c in read(text).claims] == ["samsung-sdi", "samsung-sdi"]


def test_phrase_is_kept_as_written():
    claim = only_claim(
        read("Honda aims to launch models with solid-state batteries in the second half of the 2020s.")
    )
    assert claim.phrase == "the second half of the 2020s"
    assert (claim.target.start, claim.target.end) == (date(2025, 1, 1), date(2029, 12, 31))


def test_relative_phrase_is_read_against_the_publication_date():
    claim = only_claim(
        read("QuantumScape plans to start low-volume production of solid-state cells next year.")
    )
    assert (claim.target.start, claim.target.end, claim.target.relative_to) == (
        date(2027, 1, 1),
        date(2027, 12, 31),
        date(2026, 5, 12),
    )


def test_fiscal_year_is_read_in_the_owners_calendar():
    toyota = only_claim(read("Toyota plans to launch a solid-state car in FY2028."))
    catl = only_claim(read("CATL plans to mass-produce solid-state cells in FY2028."))
    assert (toyota.target.start, toyota.target.end) == (date(2028, 4, 1), date(2029, 3, 31))
    assert (catl.target.start, catl.target.end) == (date(2028, 1, 1), date(2028, 12, 31))


def test_alias_owner_gets_the_organisation_slug():
    claim = only_claim(
        read("Contemporary Amperex Technology hopes to produce solid-state cells in small batches in 2027.")
    )
    assert (claim.owner_slug, claim.owner_name) == ("catl", "CATL")


@pytest.mark.parametrize(
    ("sentence", "strength"),
    [
        ("Samsung SDI will start mass production of solid-state cells in 2027.", "will"),
        ("Samsung SDI is set to start mass production of solid-state cells in 2027.", "will"),
        ("Samsung SDI plans to start mass production of solid-state cells in 2027.", "plans"),
        ("Samsung SDI aims to start mass production of solid-state cells in 2027.", "aims"),
        ("Samsung SDI wants to start mass production of solid-state cells in 2027.", "aims"),
        ("Samsung SDI targets mass production of solid-state cells in 2027.", "aims"),
        ("Samsung SDI hopes to start mass production of solid-state cells in 2027.", "aims"),
        ("Samsung SDI expects to start mass production of solid-state cells in 2027.", "expects"),
        ("Samsung SDI will likely start mass production of solid-state cells in 2027.", "expects"),
    ],
)
def test_strength_comes_from_the_verb(sentence, strength):
    assert only_claim(read(sentence)).strength == strength


@pytest.mark.parametrize(
    ("sentence", "category", "technology", "electrolyte"),
    [
        (
            "Nissan will open a pilot line for solid-state cells in 2027.",
            "pilot_line",
            "all_solid_state",
            "unspecified",
        ),
        (
            "Samsung SDI will ship sulfide solid-state samples in 2026.",
            "samples",
            "all_solid_state",
            "sulfide",
        ),
        ("SAIC plans to launch semi-solid cars in 2027.", "vehicle_launch", "semi_solid", "unspecified"),
        (
            "CASIP aims to build a solid-state supply chain by 2030.",
            "supply_chain",
            "all_solid_state",
            "unspecified",
        ),
        (
            "ProLogium plans 4 GWh of oxide solid-state capacity in 2030.",
            "capacity",
            "all_solid_state",
            "oxide",
        ),
    ],
)
def test_category_technology_and_electrolyte_come_from_keywords(sentence, category, technology, electrolyte):
    claim = only_claim(read(sentence))
    assert (claim.category, claim.technology, claim.electrolyte) == (category, technology, electrolyte)


def test_claim_marks_point_at_owner_phrase_and_verb():
    claim = only_claim(read("Toyota, for example, wants to launch solid-state cars in 2027/28."))
    assert marked(claim.sentence, "organisation") == ["Toyota"]
    assert marked(claim.sentence, "phrase") == ["2027/28"]
    assert marked(claim.sentence, "verb") == ["wants"]


# -- not claims ------------------------------------------------------------------------------


def test_founding_date_is_not_a_claim():
    assert read("CATL, founded in 2011, makes solid-state cells and will sell them widely by 2030.").claims[
        0
    ].phrase == ("by 2030")
    assert read("The Ningde company was founded in 2031 according to the plan.").claims == ()


def test_analyst_market_forecast_is_not_a_claim():
    text = "The solid-state battery market is forecast to reach $8 billion by 2031, according to research firm IDTechEx."
    assert read(text).claims == ()


def test_past_date_without_achievement_is_not_a_claim():
    assert read("Toyota said in 2023 that solid-state cars were years away.").claims == ()


def test_article_dateline_is_not_a_claim():
    text = "TOKYO, May 12, 2026 — Toyota will launch solid-state cars in 2027/28."
    assert [c.phrase for c in read(text).claims] == ["2027/28"]


def test_hedged_third_party_view_is_left_out_by_default():
    assert read("Analysts believe Toyota could launch solid-state cars around 2030.").claims == ()


def test_third_party_view_is_proposed_as_expects_when_asked_for():
    claim = only_claim(
        read("Analysts believe Toyota could launch solid-state cars around 2030.", include_third_party=True)
    )
    assert (claim.owner_slug, claim.strength, claim.third_party) == ("toyota", "expects", True)
    assert (marked(claim.sentence, "organisation"), marked(claim.sentence, "verb")) == (
        ["Toyota"],
        ["believe"],
    )


def test_restated_claim_is_proposed_once():
    text = 'Samsung SDI will begin mass production of solid-state cells in 2027. "We will start in 2027," it said.'
    assert len(read(text).claims) == 1


# -- new, repeat, move, achieved ---------------------------------------------------------------

KNOWN = Knowledge(
    KNOWLEDGE.organisations,
    KNOWLEDGE.people,
    (
        KnownMilestone(
            "sk-on-2030", "SK On: production", "sk-on", "start_of_production", "all_solid_state", "2030",
            date(2030, 1, 1), date(2030, 12, 31),
        ),
    ),
)  # fmt: skip


def test_same_window_as_a_known_milestone_is_a_repeat():
    claim = only_claim(read("SK On aims to start mass production of solid-state cells in 2030.", known=KNOWN))
    assert (claim.kind, claim.milestone_slug) == ("repeat", "sk-on-2030")


def test_other_window_for_a_known_milestone_is_a_move():
    claim = only_claim(read("SK On aims to start mass production of solid-state cells in 2029.", known=KNOWN))
    assert (claim.kind, claim.milestone_slug, claim.previous_target_text) == ("move", "sk-on-2030", "2030")


def test_unknown_milestone_is_new():
    claim = only_claim(read("SK On aims to open a pilot line for solid-state cells in 2029.", known=KNOWN))
    assert (claim.kind, claim.milestone_slug) == ("new", None)


def test_past_achievement_is_proposed_as_achieved():
    claim = only_claim(read("SK On began mass production of solid-state cells in March 2026.", known=KNOWN))
    assert (claim.kind, claim.achieved_on, claim.milestone_slug) == (
        "achieved",
        date(2026, 3, 1),
        "sk-on-2030",
    )


def test_reading_twice_gives_the_same_proposals():
    case = CASES[0]
    assert propose(case.article, KNOWLEDGE) == propose(case.article, KNOWLEDGE)


def test_marks_are_offsets_into_the_sentence():
    claim = only_claim(read("Intro line.\nSK On aims to start mass production of solid-state cells in 2030."))
    assert claim.sentence.start == len("Intro line.\n")
    assert (
        Mark("phrase", claim.sentence.text.index("2030"), claim.sentence.text.index("2030") + 4)
        in claim.sentence.marks
    )
