"""The outside view's charts in a real browser (Playwright driving Debian's Chromium).

Set SSB_OUTLOOK_SCREENSHOT=docs/outside-view.png to also keep a screenshot of an
organisation page with a made-up track record.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from milestones import services
from tests.factories import make_milestone
from tests.test_pages_outlook import open_claim, owner_with_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = pytest.mark.parametrize("width", [1400, 375])


@pytest.fixture
def history(settings) -> dict:
    """Slowcell: six past claims with a slip ratio, one missed and one open."""
    settings.PAGE_CACHE_SECONDS = 0
    owner = owner_with_record("Slowcell")
    missed = make_milestone(
        owner=owner, target="2022", title="Slowcell: first pilot cars", opened_on=date(2019, 3, 1)
    )
    services.milestone_set_status(milestone=missed, status="missed")
    launch = open_claim(owner, title="Slowcell: solid-state cars on sale")
    return {"organisation": owner.get_absolute_url(), "milestone": launch.get_absolute_url()}


@pytest.fixture
def open_page(browser, live_server) -> Iterator:
    contexts = []

    def open_at(path: str, width: int):
        context = browser.new_context(viewport={"width": width, "height": 900}, base_url=live_server.url)
        contexts.append(context)
        page = context.new_page()
        page.goto(path)
        page.wait_for_load_state("load")
        return page

    yield open_at
    for context in contexts:
        context.close()


def assert_fits(page, selector: str, width: int) -> None:
    """The chart is drawn, inside the viewport, and the page does not scroll sideways."""
    box = page.locator(selector).bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 30
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@WIDTHS
def test_milestone_chart_renders_with_a_text_alternative(open_page, history, width):
    page = open_page(history["milestone"], width)
    chart = page.locator("svg.ov-chart")
    assert chart.is_visible()
    assert_fits(page, "svg.ov-chart", width)
    assert chart.get_attribute("role") == "img"
    label = chart.get_attribute("aria-label")
    assert "P50 around November 2028, P80 March 2030" in label
    assert chart.locator("title").text_content() == label
    for mark in (".ov-window", ".ov-p50", ".ov-p80"):
        mark_box = chart.locator(mark).bounding_box()
        assert mark_box is not None and 0 <= mark_box["x"] <= width


@WIDTHS
def test_organisation_strip_plot_renders_with_a_text_alternative(open_page, history, width):
    page = open_page(history["organisation"], width)
    chart = page.locator("svg.slip-strip")
    assert chart.is_visible()
    assert_fits(page, "svg.slip-strip", width)
    assert chart.get_attribute("role") == "img"
    assert chart.get_attribute("aria-label").startswith("Slip ratios of 7 claims, lowest first: −0.06")
    dots = chart.locator("circle.ss-dot")
    assert dots.count() == 7  # six past claims and the open one (so far on time: 0)
    chart_box = chart.bounding_box()
    for index in range(dots.count()):
        dot = dots.nth(index).bounding_box()
        assert chart_box["x"] - 6 <= dot["x"] <= chart_box["x"] + chart_box["width"]


def test_screenshot_of_an_organisation_page(open_page, history, tmp_path):
    """A full-page PNG (SSB_OUTLOOK_SCREENSHOT=docs/outside-view.png keeps it for the README)."""
    target = Path(os.environ.get("SSB_OUTLOOK_SCREENSHOT") or tmp_path / "outside-view.png")
    page = open_page(history["organisation"], 1400)
    page.locator("summary", has_text="behind these numbers").click()
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert target.stat().st_size > 20_000
