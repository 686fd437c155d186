"""Whole-page caching of the heavy reader pages: fast under load, never wrong for long."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from milestones.models import Milestone
from milestones.web.caching import _key

pytestmark = pytest.mark.django_db


def rename_toyota(title: str) -> None:
    toyota = Milestone.objects.get(owner__slug="toyota")
    toyota.title = title
    toyota.save()


@pytest.mark.parametrize(
    "path", ["/", "/embed/", "/upcoming/", "/race/", "/search/?q=Toyota", "/feeds/timeline.ics"]
)
def test_second_request_is_served_from_the_cache(client, page_cache, path, django_assert_max_num_queries):
    first = client.get(path)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_max_num_queries(4):  # only the freshness fingerprint
        second = client.get(path)
    assert second["X-Page-Cache"] == "hit" and second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_an_edit_is_shown_on_the_next_request(client, page_cache):
    client.get("/")
    rename_toyota("Toyota: renamed launch")
    response = client.get("/")
    assert response["X-Page-Cache"] == "miss" and "Toyota: renamed launch" in response.content.decode()


def test_within_the_fresh_window_no_query_is_made_and_edits_wait(
    client, page_cache, django_assert_num_queries
):
    page_cache.PAGE_CACHE_FRESH_SECONDS = 60
    # Ahead of the seed's timestamps: an edit's updated_at is always the newest, as in real life.
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False) as traveller:
        client.get("/")
        rename_toyota("Toyota: renamed launch")
        with django_assert_num_queries(0):
            assert "Toyota: renamed launch" not in client.get("/").content.decode()
        traveller.shift(61)
        assert "Toyota: renamed launch" in client.get("/").content.decode()


def test_while_another_process_redraws_the_previous_page_is_served(client, page_cache):
    old = client.get("/").content
    rename_toyota("Toyota: renamed launch")
    request = client.get("/").wsgi_request  # renders once more, then simulate a concurrent redraw
    rename_toyota("Toyota: renamed again")
    cache.add(_key(request, "home") + ":drawing", 1, 30)
    response = client.get("/")
    assert response["X-Page-Cache"] == "stale" and response.content != old
    assert "renamed again" not in response.content.decode()


def test_pages_with_a_subscribe_form_are_never_cached(client, page_cache):
    path = Milestone.objects.get(owner__slug="toyota").get_absolute_url()
    client.get(path)
    assert "X-Page-Cache" not in client.get(path)


def test_editing_only_a_description_keeps_the_timeline_but_not_the_search_page(client, page_cache):
    from milestones import services

    client.get("/")
    client.get("/search/?q=Toyota")
    toyota = Milestone.objects.get(owner__slug="toyota")
    services.milestone_save(milestone=toyota, data={"description": "A new account of the plan."})
    assert client.get("/")["X-Page-Cache"] == "hit"
    assert client.get("/?q=Toyota")["X-Page-Cache"] == "miss"  # a text filter matches descriptions
    assert client.get("/search/?q=Toyota")["X-Page-Cache"] == "miss"
    services.milestone_save(milestone=toyota, data={"title": "Toyota: a renamed launch"})
    response = client.get("/")
    assert response["X-Page-Cache"] == "miss" and "Toyota: a renamed launch" in response.content.decode()


# Stale-while-revalidate: a reader never waits for a redraw of a recently confirmed page.


def test_an_anonymous_reader_gets_the_previous_page_and_the_redraw_follows_the_response(client, page_cache):
    page_cache.PAGE_CACHE_STALE_SECONDS = 60
    old = client.get("/").content.decode()
    rename_toyota("Toyota: renamed launch")
    response = client.get("/")  # the test client, like a WSGI server, closes the response after it
    assert response["X-Page-Cache"] == "stale" and response.content.decode() == old
    assert "Toyota: renamed launch" not in response.content.decode()
    following = client.get("/")  # drawn when the stale answer was closed
    assert following["X-Page-Cache"] == "hit" and "Toyota: renamed launch" in following.content.decode()


def test_a_visitor_with_a_session_waits_for_the_redraw_and_sees_the_edit(editor_client, page_cache):
    page_cache.PAGE_CACHE_STALE_SECONDS = 60
    editor_client.get("/")
    rename_toyota("Toyota: renamed launch")
    response = editor_client.get("/")
    assert response["X-Page-Cache"] == "miss" and "Toyota: renamed launch" in response.content.decode()


def test_a_page_not_confirmed_within_the_stale_window_is_redrawn_before_answering(client, page_cache):
    page_cache.PAGE_CACHE_STALE_SECONDS = 60
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False) as traveller:
        client.get("/")
        traveller.shift(61)
        rename_toyota("Toyota: renamed launch")
        response = client.get("/")
    assert response["X-Page-Cache"] == "miss" and "Toyota: renamed launch" in response.content.decode()


def test_a_failed_redraw_after_the_response_is_logged_and_the_next_reader_draws(
    client, page_cache, monkeypatch, caplog
):
    from milestones.web.views import timeline

    page_cache.PAGE_CACHE_STALE_SECONDS = 60
    old = client.get("/").content
    rename_toyota("Toyota: renamed launch")
    drawn = timeline.timeline_context

    def broken(request):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(timeline, "timeline_context", broken)
    with caplog.at_level("ERROR", logger="milestones.web.caching"):
        response = client.get("/")
    assert response.status_code == 200 and response.content == old  # the reader never saw it
    assert "redrawing" in caplog.text and "the database went away" in caplog.text
    assert cache.get(_key(response.wsgi_request, "home") + ":drawing") is None  # the lock is freed
    monkeypatch.setattr(timeline, "timeline_context", drawn)
    assert client.get("/")["X-Page-Cache"] == "stale"  # the next reader's redraw succeeds…
    assert "Toyota: renamed launch" in client.get("/").content.decode()  # …for the one after
