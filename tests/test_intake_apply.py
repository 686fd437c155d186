"""The intake assistant's writes and reads through the real database: one transaction, all or
nothing, idempotent, the same rules as every other face."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from milestones import selectors, services
from milestones.models import Announcement, Milestone, Organisation, Person, Publisher, Quote, TargetRevision
from milestones.services import PickedAnnouncement, PickedClaim, PickedOrganisation, PickedQuote, Selection
from tests.factories import AnnouncementFactory, OrganisationFactory, PersonFactory, make_milestone

pytestmark = pytest.mark.django_db

ARTICLE = PickedAnnouncement(
    title="Solid-state alliance sets 2030 goal",
    published_on=date(2025, 2, 13),
    publisher="Cell Wire",
    url="https://cellwire.example/solid-state-alliance?utm_source=x",
)


@pytest.fixture
def world():
    catl = OrganisationFactory(name="CATL", slug="catl", aliases="宁德时代\nContemporary Amperex")
    nissan = OrganisationFactory(name="Nissan", slug="nissan", kind="automaker", country="JP",
                                 fiscal_year_start_month=4)  # fmt: skip
    toyota = OrganisationFactory(name="Toyota", slug="toyota", kind="automaker", country="JP")
    old = AnnouncementFactory(title="Toyota's first word", published_on=date(2023, 6, 1))
    toyota_cars = make_milestone(owner=toyota, title="Toyota solid-state cars", target="2027", slug="toyota-cars",
                                 category="vehicle_launch", evidence=[old])  # fmt: skip
    nissan_cars = make_milestone(owner=nissan, title="Nissan solid-state cars", target="FY2028",
                                 slug="nissan-cars", category="vehicle_launch", evidence=[old])  # fmt: skip
    pilot = make_milestone(owner=catl, title="CATL pilot line", target="2024", slug="catl-pilot",
                           category="pilot_line", evidence=[old])  # fmt: skip
    return {"catl": catl, "nissan": nissan, "toyota": toyota, "toyota_cars": toyota_cars,
            "nissan_cars": nissan_cars, "pilot": pilot, "old": old}  # fmt: skip


def _selection(**changes) -> Selection:
    base = {
        "announcement": ARTICLE,
        "organisations": (PickedOrganisation(name="Solid Power Ventures", kind="start_up", country="US"),),
        "claims": (
            PickedClaim(owner="宁德时代", phrase="by 2030", category="supply_chain", strength="aims"),
            PickedClaim(
                owner="Solid Power Ventures", phrase="next year", category="samples", strength="will"
            ),
            PickedClaim(
                owner="nissan",
                phrase="FY2028",
                category="vehicle_launch",
                kind="repeat",
                milestone="nissan-cars",
            ),
            PickedClaim(
                owner="toyota",
                phrase="2027/28",
                category="vehicle_launch",
                kind="move",
                milestone="toyota-cars",
            ),
            PickedClaim(
                owner="catl",
                phrase="2024",
                category="pilot_line",
                kind="achieved",
                milestone="catl-pilot",
                achieved_on=date(2024, 12, 20),
            ),
        ),
        "quotes": (
            PickedQuote(text="We will lead.", speaker="Wu Kai", affiliation="catl"),
            PickedQuote(text="Around 2030, maybe.", speaker="ouyang-minggao"),
        ),
        "mentioned": ("catl",),
    }
    return Selection(**{**base, **changes})


def _counts() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Announcement, Publisher, Organisation, Person, Quote, Milestone, TargetRevision)
    )


def test_apply_writes_every_kind_in_one_confirm(world, editor):
    PersonFactory(name="Ouyang Minggao", slug="ouyang-minggao")
    result = services.intake_apply(selection=_selection(), user=editor)

    news = result.announcement
    assert news.url_normalized.endswith("cellwire.example/solid-state-alliance")
    assert news.publisher.name == "Cell Wire"
    supply = Milestone.objects.get(owner=world["catl"], category="supply_chain")
    assert (supply.window_start, supply.window_end) == (date(2025, 2, 13), date(2030, 12, 31))
    assert supply.claim_strength == "aims" and list(supply.evidence.all()) == [news]
    newcomer = Organisation.objects.get(name="Solid Power Ventures")
    samples = Milestone.objects.get(owner=newcomer)
    assert (samples.window_start, samples.window_end) == (date(2026, 1, 1), date(2026, 12, 31))
    assert samples.target_relative_to == date(2025, 2, 13)  # read against the article's date
    assert news in world["nissan_cars"].evidence.all()
    pilot = Milestone.objects.get(slug="catl-pilot")
    assert (pilot.status, pilot.achieved_on) == ("achieved", date(2024, 12, 20))
    assert [(q.speaker.name, q.text) for q in news.quotes.all()] == [
        ("Wu Kai", "We will lead."),
        ("Ouyang Minggao", "Around 2030, maybe."),
    ]
    assert Person.objects.get(name="Wu Kai").affiliation == world["catl"]
    assert set(news.organisations.all()) >= {world["catl"], newcomer, world["toyota"], world["nissan"]}
    assert {type(row).__name__ for row in result.created} >= {"Announcement", "Publisher", "Organisation",
                                                               "Milestone", "Person", "Quote"}  # fmt: skip
    assert "Wu Kai" in result.summary()


def test_a_move_is_a_revision_moved_by_the_announcement(world, editor):
    result = services.intake_apply(selection=_selection(), user=editor)
    cars = Milestone.objects.get(slug="toyota-cars")
    revision = cars.revisions.order_by("-recorded_at", "-id").first()
    assert revision.moved_by == result.announcement and revision.recorded_by == editor
    assert (revision.old_text, revision.new_text) == ("2027", "2027/28")
    assert cars.window_end == date(2028, 12, 31) and cars.status == "delayed"
    assert result.announcement in cars.evidence.all()


def test_a_repeat_adds_the_announcement_as_evidence_and_moves_nothing(world, editor):
    before = world["nissan_cars"].revisions.count()
    result = services.intake_apply(selection=_selection(), user=editor)
    cars = Milestone.objects.get(slug="nissan-cars")
    assert set(cars.evidence.all()) == {world["old"], result.announcement}
    assert cars.revisions.count() == before and cars.target_text == "FY2028"


def test_confirming_twice_creates_nothing_new(world, editor):
    services.intake_apply(selection=_selection(), user=editor)
    counts = _counts()
    second = services.intake_apply(selection=_selection(), user=editor)
    assert _counts() == counts
    assert second.created == [] and second.updated == []
    assert second.summary().startswith("Nothing new")


def test_without_a_url_the_second_confirm_finds_the_announcement_by_title_date_and_publisher(world, editor):
    picked = PickedAnnouncement(
        title="Alliance news", published_on=date(2025, 2, 13), publisher="Cell Wire", url=""
    )
    with pytest.raises(ValidationError) as refused:  # an announcement is kept with its source
        services.intake_apply(selection=_selection(announcement=picked), user=editor)
    assert "announcement.url" in refused.value.message_dict
    AnnouncementFactory(title="Alliance news", published_on=date(2025, 2, 13),
                        publisher=Publisher.objects.create(name="Cell Wire", slug="cell-wire"))  # fmt: skip
    counts = _counts()
    result = services.intake_apply(
        selection=_selection(announcement=picked, claims=(), quotes=()), user=editor
    )
    assert result.announcement.title == "Alliance news"
    assert _counts()[0] == counts[0]


def test_a_bad_phrase_is_refused_on_its_claim_and_nothing_is_written(world, editor):
    counts = _counts()
    claims = (*_selection().claims[:2], PickedClaim(owner="catl", phrase="soonish", category="samples"))
    with pytest.raises(ValidationError) as refused:
        services.intake_apply(selection=_selection(claims=claims), user=editor)
    errors = refused.value.message_dict
    assert list(errors) == ["claims.2.phrase"]
    assert "soonish" in errors["claims.2.phrase"][0] or "understand" in errors["claims.2.phrase"][0].lower()
    assert _counts() == counts  # the announcement, the organisation and two milestones rolled back


def test_every_bad_item_is_named_at_once(world, editor):
    selection = _selection(
        organisations=(PickedOrganisation(name="Nowhere Cells", kind="start_up", country="ZZ"),),
        claims=(
            PickedClaim(owner="Unheard Of Corp", phrase="2030", category="samples"),
            PickedClaim(owner="catl", phrase="2030", category="teleportation"),
            PickedClaim(owner="catl", phrase="2030", category="samples", kind="move", milestone="no-such"),
        ),
        quotes=(PickedQuote(text="Hello.", speaker=""),),
    )
    with pytest.raises(ValidationError) as refused:
        services.intake_apply(selection=selection, user=editor)
    assert set(refused.value.message_dict) == {
        "organisations.0.country",
        "claims.0.owner",
        "claims.1.category",
        "claims.2.milestone",
        "quotes.0.speaker",
    }
    assert not Announcement.objects.filter(title=ARTICLE.title).exists()


def test_a_missing_publisher_is_refused_on_the_announcement(world, editor):
    picked = PickedAnnouncement(
        title="x", published_on=date(2025, 1, 1), publisher=" ", url="https://a.example/x"
    )
    with pytest.raises(ValidationError) as refused:
        services.intake_apply(selection=_selection(announcement=picked), user=editor)
    assert list(refused.value.message_dict) == ["announcement.publisher"]


def test_only_editors_may_confirm(editor, reader):
    assert services.intake_allowed(editor)
    assert not services.intake_allowed(reader)


def test_knowledge_is_read_in_three_queries_however_many_records(world):
    for n in range(5):
        PersonFactory(affiliation=world["catl"])
        make_milestone(owner=world["catl"], title=f"More {n}")
    with CaptureQueriesContext(connection) as queries:
        known = selectors.intake_knowledge()
    assert len(queries) == 3
    catl = next(org for org in known.organisations if org.slug == "catl")
    assert catl.aliases == ("宁德时代", "Contemporary Amperex")
    nissan = next(org for org in known.organisations if org.slug == "nissan")
    assert nissan.fiscal_year_start_month == 4
    assert {p.affiliation_slug for p in known.people} == {"catl"}
    cars = next(m for m in known.milestones if m.slug == "nissan-cars")
    assert (cars.owner_slug, cars.window_start, cars.window_end) == (
        "nissan",
        date(2028, 4, 1),
        date(2029, 3, 31),
    )


def test_duplicates_name_the_recorded_announcement(world):
    found = selectors.intake_duplicates(url="http://www." + world["old"].url.split("://")[1] + "/",
                                        title="", published_on=None)  # fmt: skip
    assert [(d.reason, d.announcement) for d in found] == [("url", world["old"])]
    similar = selectors.intake_duplicates(url="", title="Toyota’s first word!", published_on=date(2023, 6, 3))
    assert [(d.reason, d.announcement) for d in similar] == [("title", world["old"])]
    assert selectors.intake_duplicates(url="https://else.example/", title="Other", published_on=None) == []


def test_a_short_html_fragment_still_gives_its_text_without_scripts():
    fragment = "<div><p>Nissan plans cars in FY2028.</p><script>var x = 'FY1999';</script></div>"
    text = services.intake_article_text(text=fragment)
    assert "Nissan plans cars in FY2028." in text and "FY1999" not in text
    assert services.intake_article_text(text="Plain text, 3 < 4.") == "Plain text, 3 < 4."
