"""Reader pages on narrow phones and the filter row on a wide screen, in Debian's Chromium.

Set SSB_SCREENSHOT_DIR=/tmp/shots to also save a screenshot of each page at each width.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from milestones import services
from milestones.models import Organisation, Subscription
from tests.factories import OrganisationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_URL = "https://www." + "very-long-subdomain-name-" * 7 + "example.com/" + "x" * 10
LONG_NAME = "Supercalifragilisticexpialidocious" + "Batteries" * 3  # 61 chars, no break


def reader_paths() -> list[str]:
    seed_longest = max(Organisation.objects.all(), key=lambda o: (len(o.website), len(o.name)))
    long = OrganisationFactory(name=LONG_NAME, slug="long-name", website=LONG_URL[:200])
    subscription = Subscription.objects.create(email="a-rather-long-address@example.com", scope="all")
    token = services.subscription_confirm_token(subscription=subscription, kinds=["deadline"])
    return [
        "/",
        "/embed/",
        seed_longest.get_absolute_url(),
        long.get_absolute_url(),
        "/milestones/toyota-first-solid-state-cars-2027-28/",
        "/announcements/" + services_announcement_slug() + "/",
        "/upcoming/",
        "/overdue/",
        "/search/?q=solid",
        "/race/",
        "/methodology/",
        "/subscriptions/",
        f"/subscriptions/confirm/{token}/",
    ]


def services_announcement_slug() -> str:
    from milestones.models import Announcement

    return Announcement.objects.order_by("id").values_list("slug", flat=True).first()


@pytest.fixture
def context_at(browser, live_server, seed) -> Iterator:
    contexts = []

    def make(width: int):
        context = browser.new_context(viewport={"width": width, "height": 800}, base_url=live_server.url)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.mark.parametrize("width", [320, 375])
def test_no_reader_page_scrolls_sideways(context_at, width):
    paths = reader_paths()
    assert len(LONG_URL[:200]) == 200 and len(LONG_NAME) >= 60
    page = context_at(width)
    too_wide = {}
    shots = os.environ.get("SSB_SCREENSHOT_DIR")
    for index, path in enumerate(paths):
        assert page.goto(path).status == 200, path
        scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if scroll > inner:
            too_wide[path] = scroll
        if shots:
            page.screenshot(path=f"{shots}/{width}-{index:02d}.png", full_page=True)
    assert too_wide == {}, f"wider than {width}px: {too_wide}"


def test_filter_row_controls_share_a_baseline_at_1400(context_at):
    page = context_at(1400)
    page.goto("/")
    bottoms = page.eval_on_selector_all(
        ".filter-group:not(.view-group) .field-grid .field",
        "fields => fields.map(f => { const c = f.querySelector('input, select');"
        " const r = c.getBoundingClientRect(); return [Math.round(r.top), Math.round(r.bottom)]; })",
    )
    first_row_top = min(top for top, _ in bottoms)
    first_row = [bottom for top, bottom in bottoms if top - first_row_top < 40]
    assert len(first_row) >= 4
    assert max(first_row) - min(first_row) <= 3, bottoms


def test_text_filter_placeholder_fits(context_at):
    page = context_at(1400)
    page.goto("/")
    fits = page.eval_on_selector(
        "#id_q",
        "input => { const c = document.createElement('canvas').getContext('2d');"
        " c.font = getComputedStyle(input).font;"
        " return c.measureText(input.placeholder).width <= input.clientWidth - 8; }",
    )
    assert fits
