"""Text search: one rule for the search page, the timeline's ``q`` and the API's ``q``.

On PostgreSQL words go through full-text search on the trigger-kept, GIN-indexed
``search_vector`` columns (migration 0009); on SQLite through ``icontains``. What both
backends must agree on runs on either; the rest says which it needs.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import connection

from milestones import selectors, services
from milestones.models import Announcement
from tests.factories import AnnouncementFactory, OrganisationFactory, make_milestone

API = "/api/v1"
INDEXES = {"milestone_search_gin", "announcement_search_gin"}


@pytest.fixture
def world(db):
    catl = OrganisationFactory(name="CATL", aliases="宁德时代\nContemporary Amperex Technology")
    toyota = OrganisationFactory(name="Toyota", aliases="トヨタ", country="JP")
    nissan = OrganisationFactory(name="Nissan", country="JP")
    rows = {
        "cars": make_milestone(owner=toyota, title="First cars with solid-state batteries", target="2028"),
        "line": make_milestone(
            owner=nissan,
            title="Pilot line for sulfide cells",
            target="2026",
            description="The line will later make a battery pack.",
        ),
        "cells": make_milestone(
            owner=catl, title="Samples of oxide cells", target="2027", participants=[toyota]
        ),
    }
    news = AnnouncementFactory(title="Battery day", summary="Toyota shows its sulfide plans.")
    news.organisations.add(catl)
    rows["news"] = news
    rows["other"] = AnnouncementFactory(title="Zinc-air update", summary="Nothing about lithium.")
    return rows


def found(text: str, kind: str = "milestones") -> list[str]:
    search = selectors.search_milestones if kind == "milestones" else selectors.search_announcements
    return [row.slug for row in search(text)]


# Behaviour both backends share ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sulfide", {"line"}),  # a title word
        ("battery pack", {"line"}),  # description words
        ("Toyota", {"cars", "cells"}),  # owner, and a participant
        ("トヨタ", {"cars", "cells"}),  # the same by a native-script alias
        ("宁德时代", {"cells"}),
        ("zeppelin", set()),
    ],
)
def test_milestones_found_by_words_owner_and_participants(world, text, expected):
    assert set(found(text)) == {world[name].slug for name in expected}


def test_announcements_found_by_title_summary_and_organisations(world):
    assert found("sulfide", "announcements") == [world["news"].slug]  # summary
    assert found("battery", "announcements") == [world["news"].slug]  # title
    assert found("宁德时代", "announcements") == [world["news"].slug]  # an organisation involved
    assert found("zeppelin", "announcements") == []


def test_page_timeline_and_api_apply_the_same_rule(client, world):
    """The search page, the timeline filter and the API's q find the same milestones."""
    for text in ("Toyota", "宁德时代", "sulfide"):
        expected = set(found(text))
        api = {row["slug"] for row in client.get(f"{API}/milestones/", {"q": text}).json()["results"]}
        assert api == expected, text
        page = client.get("/search/", {"q": text}).content.decode()
        assert all(world[name].title in page for name in world if world[name].slug in expected)
        api_news = {row["slug"] for row in client.get(f"{API}/announcements/", {"q": text}).json()["results"]}
        assert api_news == set(found(text, "announcements")), text


def test_search_page_query_count_is_pinned(client, world, django_assert_num_queries):
    # Organisations, milestones (+ participants, evidence prefetched), announcements.
    with django_assert_num_queries(5):
        response = client.get("/search/", {"q": "Toyota"})
    assert "First cars with solid-state batteries" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_migration_0009_reverses_and_reapplies():
    call_command("migrate", "milestones", "0008", verbosity=0)
    assert not _search_indexes()
    call_command("migrate", "milestones", verbosity=0)
    if connection.vendor == "postgresql":
        assert _search_indexes() == INDEXES
        # Rows written before the migration are searchable after it (the backfill).
        milestone = make_milestone(title="Halide electrolyte samples")
        call_command("migrate", "milestones", "0008", verbosity=0)
        call_command("migrate", "milestones", verbosity=0)
        assert found("halide") == [milestone.slug]
    else:
        assert not _search_indexes()


def _search_indexes() -> set[str]:
    if connection.vendor != "postgresql":
        return set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s)", [list(INDEXES)])
        return {row[0] for row in cursor.fetchall()}


# SQLite: icontains ----------------------------------------------------------------------


@pytest.fixture
def sqlite():
    if connection.vendor != "sqlite":
        pytest.skip("the icontains path is SQLite's; PostgreSQL uses full-text search")


def test_sqlite_matches_any_substring(world, sqlite):
    assert found("olid-sta") == [world["cars"].slug]
    assert found("ulfid", "announcements") == [world["news"].slug]


# PostgreSQL: full-text search -------------------------------------------------------------


@pytest.mark.postgres
def test_full_text_stems_words(world, postgres):
    assert found("battery") == [world["cars"].slug, world["line"].slug]  # batteries, battery
    assert found("batteries", "announcements") == [world["news"].slug]  # Battery


@pytest.mark.postgres
def test_title_matches_rank_before_other_text(world, postgres):
    # "battery": in the cars' title (weight A) and the line's description (B); the title
    # wins although the line's deadline is earlier.
    ranked = list(selectors.search_milestones("battery"))
    assert [row.slug for row in ranked] == [world["cars"].slug, world["line"].slug]
    assert ranked[0].rank > ranked[1].rank > 0


@pytest.mark.postgres
def test_owner_only_matches_follow_word_matches(world, postgres):
    sulfide_owner = make_milestone(owner=OrganisationFactory(name="Sulfide Corp"), title="Anode plant")
    assert found("sulfide") == [world["line"].slug, sulfide_owner.slug]


@pytest.mark.postgres
def test_websearch_syntax_and_prefix_of_the_last_word(world, postgres):
    assert found("Sampl") == [world["cells"].slug]  # prefix of the last word
    assert found("pilot lin") == [world["line"].slug]
    assert found('"pilot line"') == [world["line"].slug]
    assert found('"line pilot"') == []  # a phrase keeps its order
    assert set(found("sulfide or oxide")) == {world["line"].slug, world["cells"].slug}
    assert found("cells -oxide") == [world["line"].slug]
    assert found("the") == []  # only a stop word: nothing, not everything


@pytest.mark.postgres
def test_edits_are_searchable_at_once(world, postgres):
    # The trigger keeps the vector whatever writes the row: a service save or a bulk update.
    line = world["line"]
    services.milestone_save(milestone=line, data={"title": "Pilot line for halide cells"})
    assert found("halide") == [line.slug]
    assert found("sulfide") == []
    Announcement.objects.filter(pk=world["other"].pk).update(summary="Now about lithium-metal anodes.")
    assert found("anode", "announcements") == [world["other"].slug]


@pytest.mark.postgres
def test_gin_indexes_exist_and_serve_the_search(world, postgres):
    assert _search_indexes() == INDEXES
    with connection.cursor() as cursor:
        # Tiny tables are cheaper to read whole, or along one index with a filter; forbid
        # both to see what the bitmap scans can serve (as they do at 10,000 rows, bench/search.py).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        milestones = selectors.search_milestones("sulfide").explain()
        announcements = selectors.search_announcements("sulfide").explain()
    assert "Bitmap Index Scan on milestone_search_gin" in milestones
    assert "Bitmap Index Scan on announcement_search_gin" in announcements
    # The organisation part is an index condition too, not a join that reads every row.
    assert "Index Cond: (owner_id = ANY ($" in milestones


@pytest.mark.postgres
@pytest.mark.parametrize(
    "text",
    [
        "battery",
        "batteries",
        "Toyo",
        "pilot lin",
        "pilot line",
        "the",
        "sulfide or oxide",
        '"pilot line"',
        "cells -oxide",
    ],
)
def test_the_match_finds_the_rows_the_ranking_query_finds(world, postgres, text):
    # Rows are matched with the prefix form alone (one term keeps the planner's estimate
    # true) and ranked with whole | prefix: both must find the same rows.
    from django.contrib.postgres.search import SearchVectorExact

    from milestones.models import Milestone
    from milestones.selectors.search import StoredVector, match_query, search_query

    def rows(model, query):
        return set(
            model.objects.filter(SearchVectorExact(StoredVector(), query)).values_list("pk", flat=True)
        )

    for model in (Milestone, Announcement):
        assert rows(model, match_query(text)) == rows(model, search_query(text)), (model.__name__, text)


def _fastupdate() -> dict[str, str | None]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, array_to_string(reloptions, ',') FROM pg_class WHERE relname = ANY(%s)",
            [list(INDEXES)],
        )
        return dict(cursor.fetchall())


@pytest.mark.postgres
def test_new_rows_go_straight_into_the_gin_indexes(world, postgres):
    # No pending list for every search to scan until a vacuum merges it (migration 0011).
    assert _fastupdate() == dict.fromkeys(INDEXES, "fastupdate=off")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pgstattuple'")
        if cursor.fetchone() is None:
            pytest.skip("PostgreSQL's pgstattuple extension (to read the pending list) is not installed")
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")  # rolled back with the test
        for i in range(50):
            make_milestone(title=f"Halide sample batch {i}")
            AnnouncementFactory(title=f"Halide news {i}", summary="Words for the index.")
        for index in INDEXES:
            cursor.execute("SELECT pending_pages, pending_tuples FROM pgstatginindex(%s::regclass)", [index])
            assert cursor.fetchone() == (0, 0), index
    assert len(found("halide")) == 50


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_migration_0011_reverses_and_reapplies(postgres):
    call_command("migrate", "milestones", "0010", verbosity=0)
    assert _fastupdate() == dict.fromkeys(INDEXES, None)
    call_command("migrate", "milestones", verbosity=0)
    assert _fastupdate() == dict.fromkeys(INDEXES, "fastupdate=off")
