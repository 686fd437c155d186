"""Reader pages a newcomer meets first: the reminders page, the confirmation preview,
share cards (Open Graph, Twitter, canonical, card PNGs) and plain-language facts."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from django.conf import settings
from django.core.cache import cache
from django.template import Context, Template
from django.test import Client
from PIL import Image

from milestones import services
from milestones.models import Subscription
from tests.factories import AnnouncementFactory, OrganisationFactory, make_milestone

TOYOTA = "/milestones/toyota-first-solid-state-cars-2027-28/"
READER_PAGES = [
    "/",
    "/embed/",
    "/organisations/toyota/",
    TOYOTA,
    "/upcoming/",
    "/overdue/",
    "/search/?q=toyota",
    "/race/",
    "/methodology/",
    "/subscriptions/",
]


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def meta(html: str, attribute: str, name: str) -> str:
    found = re.search(rf'<meta {attribute}="{re.escape(name)}" content="([^"]*)">', html)
    assert found, f"no {name}"
    return unescape(found.group(1))


def canonical(html: str) -> str:
    return re.search(r'<link rel="canonical" href="([^"]*)">', html).group(1)


def pending_confirmation(email: str = "edna@example.com", **scope) -> tuple[Subscription, str]:
    scope = scope or {"scope": "all"}
    subscription = Subscription.objects.create(email=email, **scope)
    token = services.subscription_confirm_token(subscription=subscription, kinds=["before_7", "deadline"])
    return subscription, token


# --- the subscriptions page -----------------------------------------------------------


@pytest.mark.django_db
def test_subscriptions_page_explains_scope_reminders_frequency_and_stopping(client):
    html = client.get("/subscriptions/").content.decode()
    for phrase in ("Everything", "One organisation", "One milestone", "30 days before the deadline"):
        assert phrase in html
    assert "one digest" in html and "unsubscribe" in html
    assert "Subscribe to everything" in html


@pytest.mark.django_db
def test_every_page_links_to_the_subscriptions_page(client):
    html = client.get("/methodology/").content.decode()
    assert html.count('href="/subscriptions/"') >= 2  # navigation and footer


@pytest.mark.django_db
def test_subscribe_tag_renders_the_styled_box_with_labelled_checkboxes():
    milestone = make_milestone(target="2030")
    html = Template("{% load subscriptions %}{% subscribe_form milestone=milestone %}").render(
        Context({"milestone": milestone})
    )
    assert 'class="subscribe-box"' in html and 'class="subscribe-kinds"' in html
    assert html.count('type="checkbox"') == 5
    assert html.count("<label for=") == 6  # the address and each kind


# --- the confirmation page ----------------------------------------------------------------


@pytest.mark.django_db
def test_confirm_page_shows_the_masked_address_scope_and_kinds():
    milestone = make_milestone(target="2030", title="Toyota cars")
    _subscription, token = pending_confirmation(scope="milestone", milestone=milestone)
    html = Client().get(f"/subscriptions/confirm/{token}/").content.decode()
    assert "e•••@example.com" in html and "edna@example.com" not in html
    assert "Toyota cars" in html
    assert "7 days before the deadline" in html and "Deadline day" in html
    assert "30 days overdue" not in html


@pytest.mark.django_db
def test_confirm_page_names_the_organisation_for_an_organisation_subscription():
    organisation = OrganisationFactory(name="Cellmaker Ltd")
    _subscription, token = pending_confirmation(scope="organisation", organisation=organisation)
    html = Client().get(f"/subscriptions/confirm/{token}/").content.decode()
    assert "every milestone of" in html and "Cellmaker Ltd" in html


@pytest.mark.django_db
def test_getting_the_confirm_page_does_not_confirm():
    subscription, token = pending_confirmation()
    assert Client().get(f"/subscriptions/confirm/{token}/").status_code == 200
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None


@pytest.mark.django_db
def test_confirm_page_with_a_bad_token_says_so_without_details():
    html = Client().get("/subscriptions/confirm/not-a-token/").content.decode()
    assert "not valid or has expired" in html


# --- share cards -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", READER_PAGES)
def test_reader_pages_carry_absolute_open_graph_twitter_and_canonical(client, seed, path):
    html = client.get(path).content.decode()
    for name in ("og:title", "og:description", "og:type", "og:url", "og:image"):
        assert meta(html, "property", name)
    assert meta(html, "name", "twitter:card") == "summary_large_image"
    assert canonical(html).startswith(settings.SITE_URL + "/")
    assert meta(html, "property", "og:image").startswith(settings.SITE_URL + "/")
    assert meta(html, "property", "og:url") == canonical(html)


@pytest.mark.django_db
def test_milestone_description_states_the_target_and_image_is_its_card(client, seed):
    html = client.get(TOYOTA).content.decode()
    assert "2027" in meta(html, "property", "og:description")
    assert meta(html, "property", "og:image") == f"{settings.SITE_URL}{TOYOTA}card.png"
    assert meta(html, "property", "og:type") == "article"


@pytest.mark.django_db
def test_announcement_page_carries_share_tags(client):
    announcement = AnnouncementFactory(summary="Pilot line opens.")
    html = client.get(announcement.get_absolute_url()).content.decode()
    assert "Pilot line opens." in meta(html, "property", "og:description")
    assert canonical(html) == settings.SITE_URL + announcement.get_absolute_url()


@pytest.mark.django_db
def test_canonical_drops_filters_and_tracking_but_keeps_the_search_text(client, seed):
    home = client.get("/?region=japan&utm_source=x").content.decode()
    assert canonical(home) == settings.SITE_URL + "/"
    search = client.get("/search/?q=toyota&utm_source=x").content.decode()
    assert canonical(search) == settings.SITE_URL + "/search/?q=toyota"


def open_png(response) -> Image.Image:
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    return Image.open(io.BytesIO(response.content))


@pytest.mark.django_db
@pytest.mark.parametrize("path", [f"{TOYOTA}card.png", "/organisations/toyota/card.png", "/card.png"])
def test_cards_are_1200_by_630_pngs_browsers_may_cache(client, seed, path):
    response = client.get(path)
    image = open_png(response)
    assert image.format == "PNG" and image.size == (1200, 630)
    assert "max-age" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_card_is_drawn_once_until_the_data_changes(client, seed, monkeypatch):
    from milestones.web import cards

    calls = []
    original = cards.milestone_card
    monkeypatch.setattr(cards, "milestone_card", lambda **kw: calls.append(1) or original(**kw))
    first = client.get(f"{TOYOTA}card.png").content
    assert client.get(f"{TOYOTA}card.png").content == first
    assert len(calls) == 1
    make_milestone(target="2031")  # any edit changes the fingerprint
    client.get(f"{TOYOTA}card.png")
    assert len(calls) == 2


@pytest.mark.django_db
def test_card_of_an_unknown_milestone_is_404(client):
    assert client.get("/milestones/nope/card.png").status_code == 404


# --- plain language ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_organisation_page_names_the_fiscal_month(client):
    organisation = OrganisationFactory(name="Fiscal Co", fiscal_year_start_month=4)
    html = client.get(organisation.get_absolute_url()).content.decode()
    assert "<dt>Fiscal year starts</dt><dd>April</dd>" in html
    assert "month 4" not in html


@pytest.mark.parametrize(("month", "name"), [(1, "January"), (4, "April"), (10, "October"), (13, "")])
def test_month_name_filter(month, name):
    assert Template("{% load timeline %}{{ m|month_name }}").render(Context({"m": month})) == name
