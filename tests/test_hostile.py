"""Hostile input, proxies and secrets: each numbered defect of the attack report, through the
face where it was seen (feed URL, admin page, API call)."""

from __future__ import annotations

import base64
import csv
import io
import json
import urllib.error
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import feedparser
import icalendar
import pytest
import time_machine
from django.core import mail as outbox_module
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from milestones import services
from milestones.models import Announcement, Milestone, RateBucket
from milestones.selectors.exports import MILESTONE_COLUMNS
from tests.api_support import API, HIGH_RATES, send, token_client
from tests.factories import AnnouncementFactory, OrganisationFactory, make_milestone
from tests.formdata import form_data
from tests.test_deploy import _get, gunicorn  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def relaxed(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": HIGH_RATES}


@pytest.fixture
def editor_api(editor, relaxed) -> Client:
    return token_client(editor)


def cursor(payload: dict | str) -> str:
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    return base64.urlsafe_b64encode(raw.encode("utf-8", "surrogatepass")).decode().rstrip("=")


# 1. Control characters -------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\x0b", "\x0c", "\x00", "\x1b", "\x7f", "\x85", "\x9f", "\ufffe"])
def test_api_refuses_control_characters_in_every_text_field_naming_it(editor_api, char):
    owner = OrganisationFactory()
    for path, body, field in (
        (f"{API}/organisations/", {"name": f"Bad{char}Co", "kind": "start_up", "country": "DE"}, "name"),
        (
            f"{API}/milestones/",
            {"title": f"Pilot{char}line", "owner": owner.slug, "category": "pilot_line", "target": "2030"},
            "title",
        ),
        (
            f"{API}/milestones/",
            {
                "title": "ok",
                "owner": owner.slug,
                "category": "pilot_line",
                "target": "2030",
                "description": f"a{char}b",
            },
            "description",
        ),
    ):
        response = send(editor_api, "post", path, body)
        assert response.status_code == 400, (path, response.content)
        error = response.json()["errors"][0]
        assert error["field"] == field
        # DRF's own check words a NUL its way; every other character is named by code point.
        assert f"U+{ord(char):04X}" in error["reason"] or (char == "\x00" and "Null" in error["reason"])
    assert not Milestone.objects.exists()


def announcement_body(title: str, source_url: str) -> dict:
    return {"title": title, "published_on": "2025-02-01", "publisher": "electrive", "source_url": source_url}


def test_announcement_title_and_quote_with_control_characters_are_400(editor_api, seed):
    body = announcement_body("Vertical\x0btab", "https://example.com/vt")
    response = send(editor_api, "post", f"{API}/announcements/", body)
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "title"
    quoted = {**body, "title": "Fine", "quotes": [{"speaker": "ouyang-minggao", "text": "bell\x07"}]}
    response = send(editor_api, "post", f"{API}/announcements/", quoted)
    assert response.status_code == 400, response.content
    assert (
        response.json()["errors"][0]["field"].startswith("quotes") and "U+0007" in response.content.decode()
    )
    assert not Announcement.objects.filter(url__contains="example.com/vt").exists()


def test_single_line_fields_refuse_line_breaks_multi_line_fields_keep_them_as_lf(editor_api):
    owner = OrganisationFactory()
    body = {"title": "One\ntwo", "owner": owner.slug, "category": "pilot_line", "target": "2030"}
    response = send(editor_api, "post", f"{API}/milestones/", body)
    assert response.status_code == 400 and "single line" in response.json()["errors"][0]["reason"]
    body = {**body, "title": "Cafe\u0301 line", "description": "first\r\nsecond\rthird\tcolumn"}
    response = send(editor_api, "post", f"{API}/milestones/", body)
    assert response.status_code == 201, response.content
    stored = Milestone.objects.get()
    assert stored.title == "Café line"  # NFC: one code point, not e + combining accent
    assert stored.description == "first\nsecond\nthird\tcolumn"


def test_admin_form_shows_the_control_character_error(editor_client):
    owner = OrganisationFactory()
    url = reverse("admin:milestones_milestone_add")
    data = form_data(editor_client.get(url).content.decode(), None)
    data.update(
        {
            "title": "Bad\x0ctitle",
            "owner": owner.pk,
            "category": "pilot_line",
            "target_text": "2030",
            "slug": "",
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "U+000C" in response.content.decode()
    assert not Milestone.objects.exists()


def _stored_before_the_rule():
    """Rows and history written before the text rule: control characters in titles, a slip, and
    a later fix of the title (the changes feed reads the old title from history)."""
    milestone = make_milestone(title="Clean", target="2027")
    services.milestone_reschedule(milestone=milestone, target_text="2029")
    milestone.refresh_from_db()
    milestone.title = "Form\x0cfeed title"
    milestone.save()  # straight to the row (and its history), as an old version of the app did
    milestone.status = Milestone.Status.CANCELLED
    milestone.save()
    milestone.title = "Fixed title"
    milestone.save()
    announcement = AnnouncementFactory(title="Vertical tab")
    Announcement.objects.filter(pk=announcement.pk).update(
        title="Vertical\x0btab", summary="bell\x07 <b>x</b>"
    )
    return milestone


def test_feeds_and_calendars_survive_control_characters_already_stored(client):
    _stored_before_the_rule()
    for url in ("/feeds/announcements.atom", "/feeds/changes.atom"):
        response = client.get(url)
        assert response.status_code == 200, url
        ET.fromstring(response.content)
        assert not feedparser.parse(response.content).bozo
    calendar = client.get("/feeds/timeline.ics")
    assert calendar.status_code == 200
    assert not any(byte in calendar.content for byte in (b"\x0b", b"\x0c", b"\x07"))
    assert icalendar.Calendar.from_ical(calendar.content).walk("VEVENT")


# 3. Malformed parameters -----------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"page_size": "²"},
        {"page_size": "١٠"},
        {"page_size": "9" * 40},
        {"cursor": cursor({"v": ["2029-03-31", "abc"], "r": 0})},
        {"cursor": cursor({"v": ["abc", 1], "r": 0})},
        {"cursor": cursor({"v": ["2029-03-31", 10**30], "r": 0})},
        {"cursor": cursor({"v": ["2029-03-31", -(2**63) - 1], "r": 0})},
        {"cursor": cursor('{"v": ["\\ud800", 1], "r": 0}')},
        {"cursor": cursor({"v": ["2029-02-30", 1], "r": 0})},
        {"cursor": cursor({"v": [["2029"], 1], "r": 0})},
    ],
)
def test_malformed_list_parameters_are_400_json_naming_the_parameter(client, relaxed, seed, query):
    response = client.get(f"{API}/milestones/", query)
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["errors"][0]["field"] == next(iter(query))


def test_moved_by_that_is_not_a_number_is_a_400(editor_api):
    milestone = make_milestone(target="2027")
    path = f"{API}/milestones/{milestone.slug}/"
    response = send(editor_api, "patch", path, {"target": "2028", "moved_by": "²"}, if_match="*")
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "moved_by"


def test_port_out_of_range_is_refused_in_the_api_and_the_admin(editor_api, editor_client, seed):
    body = announcement_body("Port", "https://example.com:99999/article")
    response = send(editor_api, "post", f"{API}/announcements/", body)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == "source_url"
    assert "65535" in response.json()["errors"][0]["reason"]
    url = reverse("admin:milestones_announcement_add")
    data = form_data(editor_client.get(url).content.decode(), None)
    data.update(
        {
            "title": "Port",
            "slug": "",
            "published_on": "2025-02-01",
            "publisher": Announcement.objects.first().publisher_id,
            "url": "https://example.com:99999/article",
        }
    )
    page = editor_client.post(url, data)
    assert page.status_code == 200 and "65535" in page.content.decode()
    assert not Announcement.objects.filter(title="Port").exists()


def test_admin_deadline_year_that_is_not_a_year_shows_a_message(editor_client, seed):
    response = editor_client.get(
        reverse("admin:milestones_milestone_changelist"), {"deadline_year": "²"}, follow=True
    )
    assert response.status_code == 200
    assert "is not a year" in response.content.decode()


# 4 and 5. The client address and NUM_PROXIES ---------------------------------------------


@pytest.fixture
def throttled(settings):
    """A tight anonymous limit with fresh counters. Counters live in the shared cache, one
    per client and clock-aligned minute: the clock stands still at a minute no other test
    uses, so neither a minute boundary nor another worker's requests from 127.0.0.1 count."""

    def limit(rate: str) -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {"anon": rate, "user": rate},
        }

    cache.clear()
    with time_machine.travel(datetime(2033, 7, 8, 9, 10, 5, tzinfo=UTC), tick=False):
        yield limit
    cache.clear()


def test_anonymous_throttle_ignores_invented_forwarded_addresses(throttled, client, seed):
    throttled("5/minute")
    codes = [
        client.get(f"{API}/organisations/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
        for n in range(7)
    ]
    assert codes == [200] * 5 + [429] * 2


def test_behind_one_proxy_each_client_has_its_own_throttle(settings, throttled, client, seed):
    settings.NUM_PROXIES = 1
    throttled("2/minute")
    # The proxy (REMOTE_ADDR 127.0.0.1) appends the address it saw; a client may prepend lies.
    first = [
        client.get(f"{API}/organisations/", HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 198.51.100.7").status_code
        for n in range(3)
    ]
    second = client.get(f"{API}/organisations/", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code
    assert first == [200, 200, 429] and second == 200


def _sign_up(client: Client, email: str, forwarded: str, django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(
            f"{API}/subscriptions/",
            {"email": email, "scope": "all"},
            content_type="application/json",
            HTTP_X_FORWARDED_FOR=forwarded,
        ).status_code


def test_sign_up_limit_behind_a_proxy_is_per_client_not_per_proxy(
    settings, client, relaxed, django_capture_on_commit_callbacks
):
    settings.NUM_PROXIES = 1
    settings.SUBSCRIBE_RATE_PER_IP = 2
    noisy = [
        _sign_up(client, f"n{n}@example.com", "198.51.100.1", django_capture_on_commit_callbacks)
        for n in range(3)
    ]
    other = _sign_up(client, "quiet@example.com", "198.51.100.2", django_capture_on_commit_callbacks)
    assert noisy == [202, 202, 429] and other == 202


def test_without_proxies_forwarded_addresses_do_not_reset_the_sign_up_limit(
    client, settings, relaxed, django_capture_on_commit_callbacks
):
    settings.SUBSCRIBE_RATE_PER_IP = 2
    codes = [
        _sign_up(client, f"x{n}@example.com", f"203.0.113.{n}", django_capture_on_commit_callbacks)
        for n in range(3)
    ]
    assert codes == [202, 202, 429]


@pytest.fixture
def eager_tasks():
    from ssbtracker.celery import app as celery_app

    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_confirmation_cap_per_address_is_kept_in_the_database(
    client, settings, relaxed, eager_tasks, django_capture_on_commit_callbacks
):
    """Another process has its own memory and an empty cache; the cap must still hold."""
    settings.SUBSCRIBE_RATE_PER_EMAIL = 2
    for n in range(4):
        cache.clear()  # what a second gunicorn worker (or Celery) would see without Redis
        _sign_up(client, "victim@example.com", f"203.0.113.{n}", django_capture_on_commit_callbacks)
    assert len(outbox_module.outbox) == 2
    assert RateBucket.objects.get(key="subscribe-email:victim@example.com").count == 4


# 6. Atom summaries are text ----------------------------------------------------------------


def test_atom_summaries_are_declared_text_and_carry_markup_as_text(client):
    AnnouncementFactory(title="Markup", summary='<img src=x onerror="alert(1)">')
    root = ET.fromstring(client.get("/feeds/announcements.atom").content)
    summaries = list(root.iter(f"{ATOM}summary"))
    assert summaries and {s.get("type") for s in summaries} == {"text"}
    assert '<img src=x onerror="alert(1)">' in summaries[0].text
    parsed = feedparser.parse(client.get("/feeds/announcements.atom").content)
    assert parsed.entries[0].summary_detail.type == "text/plain"


# 7. Spreadsheet formulas in the admin export -----------------------------------------------


def test_admin_csv_export_neutralises_formulas_like_the_api_csv(editor_client, client, relaxed):
    for title in ('=HYPERLINK("http://evil.example","x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"):
        make_milestone(title=title, target="2030")
    exported = editor_client.post(
        reverse("admin:milestones_milestone_export"),
        {"format": "0", "resource": "0", **{f"milestoneresource_{c}": "on" for c in MILESTONE_COLUMNS}},
    )
    admin_titles = sorted(row["title"] for row in csv.DictReader(io.StringIO(exported.content.decode())))
    api = b"".join(client.get(f"{API}/milestones/?format=csv").streaming_content).decode()
    api_titles = sorted(row["title"] for row in csv.DictReader(io.StringIO(api)))
    assert admin_titles == api_titles
    assert all(title.startswith("'") for title in admin_titles), admin_titles


# 8. The page cache and the Host header ------------------------------------------------------


def test_cached_calendar_and_embed_follow_the_requested_host(settings, client, seed):
    settings.PAGE_CACHE_SECONDS = 300
    settings.ALLOWED_HOSTS = ["one.example", "two.example"]
    cache.clear()
    try:
        for path in ("/feeds/timeline.ics", "/embed/"):
            first = client.get(path, HTTP_HOST="one.example").content.decode()
            second = client.get(path, HTTP_HOST="two.example").content.decode()
            if "://" in first:
                assert "one.example" in first and "two.example" not in first, path
                assert "two.example" in second and "one.example" not in second, path
    finally:
        cache.clear()


# 10. Format suffixes -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/relations/0.5/", "/milestones.json", "/organisations/catl.json"])
def test_format_suffix_paths_are_unknown_resources(editor_api, seed, path):
    response = editor_api.delete(f"{API}{path}") if "relations" in path else editor_api.get(f"{API}{path}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


# Redirects we issue stay on our host ----------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_admin_login_and_logout_never_redirect_off_site(editor, client, target):
    client.force_login(editor)
    response = client.post(f"/admin/logout/?next={target}")
    location = response.get("Location", "")
    assert "evil.example" not in location and not location.startswith("javascript:")
    response = client.post(
        f"/admin/login/?next={target}",
        {"username": "edna", "password": "curate-carefully-42", "next": target},
    )
    location = response.get("Location", "")
    assert "evil.example" not in location and not location.startswith("javascript:")


def test_published_on_far_past_keeps_working(editor_api, seed):
    """A regression guard that the text rule does not touch dates (no str fields there)."""
    body = {
        "title": "Old",
        "published_on": "1999-01-01",
        "publisher": "electrive",
        "source_url": "https://e.example/o",
    }
    assert send(editor_api, "post", f"{API}/announcements/", body).status_code == 201
    assert Announcement.objects.get(title="Old").published_on == date(1999, 1, 1)


# The same defects where they were seen: gunicorn with DEBUG=0 ------------------------------


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_gunicorn_without_debug_answers_feeds_and_bad_parameters_cleanly(request, postgres):
    """The attack ran against gunicorn with DEBUG=0, where a 500 is an HTML page: the feeds
    with old control characters answer 200, malformed parameters answer JSON 400s."""
    base_url, _, _ = request.getfixturevalue("gunicorn")
    _stored_before_the_rule()
    for path in ("/feeds/announcements.atom", "/feeds/changes.atom", "/feeds/timeline.ics"):
        response = _get(f"{base_url}{path}")
        assert response.status == 200, path
        if path.endswith(".atom"):
            ET.fromstring(response.read())
    bad = cursor({"v": ["2029-03-31", "abc"], "r": 0})
    for query in ("page_size=%C2%B2", f"cursor={bad}", "page_size=99999999999999999999999"):
        with pytest.raises(urllib.error.HTTPError) as answer:
            _get(f"{base_url}{API}/milestones/?{query}")
        assert answer.value.code == 400, query
        assert answer.value.headers["Content-Type"].startswith("application/json")
        assert json.loads(answer.value.read())["errors"][0]["field"] in ("page_size", "cursor")
