"""The intake reader's organisations, quotes and dates: one behaviour per test."""

from __future__ import annotations

from datetime import date

from milestones.domain.intake import Article, Knowledge, KnownOrganisation, KnownPerson, propose

CATL = KnownOrganisation("catl", "CATL", ("Contemporary Amperex Technology", "宁德时代"))
MOST = KnownOrganisation("most", "Ministry of Science and Technology", ("MOST",))
TOYOTA = KnownOrganisation("toyota", "Toyota", ("Toyota Motor Corporation",), 4)
OUYANG = KnownPerson("ouyang-minggao", "Ouyang Minggao", "tsinghua-university")
KNOWN = Knowledge((CATL, MOST, TOYOTA), (OUYANG,))


def read(text: str, published_on: date | None = date(2026, 5, 12), known: Knowledge = KNOWN):
    return propose(Article(text, published_on=published_on), known)


def mentions(proposals) -> list[tuple[str | None, str]]:
    return [(m.slug, m.text) for m in proposals.organisations]


# -- organisations ---------------------------------------------------------------------------


def test_alias_matches_with_the_text_that_matched():
    found = read("Contemporary Amperex Technology will sell cells.").organisations[0]
    assert (found.slug, found.text, found.matched) == (
        "catl",
        "Contemporary Amperex Technology",
        "Contemporary Amperex Technology",
    )


def test_native_script_name_matches_without_word_boundaries():
    assert ("catl", "宁德时代") in mentions(read("据报道，宁德时代宣布了新的计划。"))


def test_latin_names_match_whole_words_only():
    assert mentions(read("Catalonia and Toyotas are not organisations here.")) == []


def test_names_ignore_case():
    assert mentions(read("The report names contemporary amperex technology once.")) == [
        ("catl", "contemporary amperex technology")
    ]


def test_acronym_alias_matches_only_as_written():
    assert mentions(read("Most makers agree; MOST does too.")) == [("most", "MOST")]


def test_each_name_is_listed_once_with_the_sentence_marked():
    proposals = read("CATL grows. CATL grows again.")
    assert len(proposals.organisations) == 1
    sentence = proposals.organisations[0].sentence
    assert [sentence.text[m.start : m.end] for m in sentence.marks] == ["CATL"]


def test_company_suffix_marks_a_new_organisation():
    assert (None, "Blue Cell Energy") in mentions(read("Blue Cell Energy will build a plant."))


def test_descriptor_marks_a_new_organisation():
    assert (None, "WeLion") in mentions(read("The pack comes from battery maker WeLion."))


def test_camel_case_name_before_a_verb_is_a_new_organisation():
    assert (None, "QuantumScape") in mentions(read("QuantumScape said it shipped cells."))


def test_capitalised_sentence_start_is_not_a_new_organisation():
    assert mentions(read("Analysts were cautious. Meanwhile Prices fell. Engineers said nothing.")) == []


def test_known_name_is_not_also_new():
    assert mentions(read("Toyota Motor Corporation said it will sell cars.")) == [
        ("toyota", "Toyota Motor Corporation")
    ]


def test_thousands_of_organisations_are_matched_in_one_pass():
    many = tuple(KnownOrganisation(f"org-{i}", f"Org{i:04d} Cells", (f"O{i:04d}",)) for i in range(2000))
    known = Knowledge((*many, CATL), ())
    assert mentions(read("Org1999 Cells and O0007 work with CATL.", known=known)) == [
        ("org-1999", "Org1999 Cells"),
        ("org-7", "O0007"),
        ("catl", "CATL"),
    ]


# -- quotes ----------------------------------------------------------------------------------


def test_quote_speaker_named_in_the_previous_sentence_is_matched_to_a_known_person():
    text = "Ouyang Minggao, professor at Tsinghua University, spoke. He was quoted: “We need to be prepared for it.”"
    quote = read(text).quotes[0]
    assert (quote.text, quote.speaker_slug, quote.affiliation_slug) == (
        "We need to be prepared for it.",
        "ouyang-minggao",
        "tsinghua-university",
    )


def test_quote_pronoun_speaker_is_the_last_speaker():
    text = "Ouyang Minggao spoke first. “We need to be prepared for that,” he said. He adds: “AI is changing materials research.”"
    assert [q.speaker_name for q in read(text).quotes] == ["Ouyang Minggao", "Ouyang Minggao"]


def test_unknown_speaker_is_proposed_without_a_slug():
    quote = read(
        '"This is a major step for the company," said Jane Porter, chief executive of the firm.'
    ).quotes[0]
    assert (quote.speaker_name, quote.speaker_slug) == ("Jane Porter", None)


def test_speaker_named_by_surname_is_the_person_named_in_full_before():
    text = 'Executive officer Tetsuji Mishina told reporters about it. "Costs must fall a long way," Mishina said.'
    quote = read(text).quotes[0]
    assert (quote.speaker_name, quote.speaker_slug) == ("Tetsuji Mishina", None)


def test_quote_running_on_from_the_previous_sentence_keeps_its_speaker():
    text = '"Cost is the hurdle, not chemistry," said Cheng Qian. "Our job is to bring the price down."'
    assert [q.speaker_name for q in read(text).quotes] == ["Cheng Qian", "Cheng Qian"]


def test_hyphenated_given_name_is_one_speaker():
    quote = read(
        '"Solid-state is a marathon, not a sprint," chief executive Kim Dong-myung told analysts.'
    ).quotes[0]
    assert quote.speaker_name == "Kim Dong-myung"


def test_quote_speaker_is_marked_in_the_sentence():
    quote = read('"We will mass-produce the cells ourselves," Hideyuki Sakamoto said.').quotes[0]
    assert [quote.sentence.text[m.start : m.end] for m in quote.sentence.marks if m.kind == "speaker"] == [
        "Hideyuki Sakamoto"
    ]


def test_quoted_name_is_not_a_quote():
    assert read("According to “Nikkei Asia”, the plan is real.").quotes == ()


def test_quote_without_a_named_speaker_has_none():
    quote = read("According to the paper, “influential state funds are also on the list”.").quotes[0]
    assert (quote.speaker_name, quote.speaker_slug) == ("", None)


# -- the date relative phrases are read against ---------------------------------------------


def test_given_date_is_used():
    announcement = read("Toyota will launch cars next year.").announcement
    assert (announcement.published_on, announcement.date_source) == (date(2026, 5, 12), "given")


def test_dateline_is_used_when_no_date_is_given_and_said():
    proposals = read(
        "TOKYO, March 3, 2025 — Toyota will launch solid-state cars next year.", published_on=None
    )
    assert (proposals.announcement.published_on, proposals.announcement.date_source) == (
        date(2025, 3, 3),
        "dateline",
    )
    assert any("3 March 2025" in note for note in proposals.notes)
    assert [(c.target.start, c.target.end) for c in proposals.claims] == [
        (date(2026, 1, 1), date(2026, 12, 31))
    ]


def test_published_line_and_day_month_year_datelines_are_read():
    assert read("Title\nPublished: 2025-03-03\nText.", published_on=None).announcement.published_on == date(
        2025, 3, 3
    )
    assert read("Title\n13 Feb 2024\nText.", published_on=None).announcement.published_on == date(2024, 2, 13)


def test_without_any_date_relative_phrases_are_skipped_with_a_note():
    proposals = read("Toyota will launch solid-state cars next year and more around 2030.", published_on=None)
    assert proposals.announcement.date_source == "none"
    assert [c.phrase for c in proposals.claims] == ["around 2030"]
    assert any("next year" in note for note in proposals.notes)
    assert any("no dateline" in note for note in proposals.notes)


def test_announcement_title_defaults_to_the_first_line():
    assert read("Headline here\n\nBody text.").announcement.title == "Headline here"
