"""The timeline in a real browser: Playwright driving Debian's Chromium against a live server.

Set SSB_SCREENSHOT=docs/timeline.png to also save a screenshot of the seed timeline.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOYOTA = "/milestones/toyota-first-solid-state-cars-2027-28/"
NISSAN = "/milestones/nissan-solid-state-cars-fy2028/"


class Console:
    """Collects console errors and uncaught exceptions of a page."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))


@pytest.fixture
def page(browser, live_server, seed) -> Iterator:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    page.console = Console(page)
    yield page
    context.close()


def lane_labels(page) -> list[str]:
    return [label.strip() for label in page.locator(".tl-lane .tl-lane-label").all_inner_texts()]


def bar_box(page, href: str) -> dict:
    return page.locator(f'a.tl-bar[href="{href}"] .tl-win').bounding_box()


def test_seed_timeline_shows_toyota_nissan_and_casip(page):
    page.goto("/")
    assert lane_labels(page) == ["Toyota", "Nissan", "CASIP"]
    assert page.locator("a.tl-bar").count() == 5
    assert page.locator(".tl-today-label").is_visible()


def test_nissan_bar_starts_right_of_toyotas_start(page):
    page.goto("/")
    toyota, nissan = bar_box(page, TOYOTA), bar_box(page, NISSAN)
    assert nissan["x"] > toyota["x"] + 50  # FY2028 opens in April 2028, Toyota in January 2027
    assert nissan["x"] + nissan["width"] > toyota["x"] + toyota["width"]


def test_filtering_region_japan_hides_casip(page):
    page.goto("/")
    with page.expect_navigation():
        page.get_by_label("Region").select_option("japan")  # site.js submits on change
    assert "region=japan" in page.url
    assert lane_labels(page) == ["Toyota", "Nissan"]
    assert not page.get_by_text("CASIP", exact=True).is_visible()


def test_clicking_a_milestone_opens_its_page(page):
    page.goto("/")
    page.locator(f'a.tl-bar[href="{TOYOTA}"] .tl-win').click()
    page.wait_for_url(f"**{TOYOTA}")
    assert (
        page.locator("h1").inner_text() == "Toyota: first electric cars with solid-state batteries launched"
    )


def test_keyboard_focus_reaches_a_milestone_and_shows_details(page):
    page.goto("/")
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('tl-bar')"):
            break
    else:
        pytest.fail("Tab never reached a milestone bar")
    tip = page.locator("#tl-tip")
    assert tip.is_visible()
    assert "Source said" in tip.inner_text() and "Status" in tip.inner_text()
    page.keyboard.press("Enter")
    page.wait_for_url("**/milestones/**")


def test_hover_shows_phrase_window_status_and_source(page):
    page.goto("/")
    page.locator(f'a.tl-bar[href="{NISSAN}"] .tl-win').hover()
    tip = page.locator("#tl-tip").inner_text()
    for expected in ("“the 2028 financial year”", "1 Apr 2028 – 31 Mar 2029", "Announced", "electrive"):
        assert expected in tip


def test_no_console_errors_on_reader_pages(page):
    for url in (
        "/",
        "/?lanes=region",
        "/embed/",
        "/organisations/casip/",
        TOYOTA,
        "/race/",
        "/search/?q=catl",
    ):
        page.goto(url)
        page.wait_for_load_state("load")
    assert page.console.errors == []


def test_narrow_viewport_shows_the_list_instead_of_the_chart(page):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto("/")
    assert page.locator("#list").is_visible()
    assert page.get_by_role(
        "link", name="Toyota: first electric cars with solid-state batteries launched"
    ).is_visible()
    assert not page.locator(".tl-chart").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling


def test_zoom_works_without_javascript(browser, live_server, seed):
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    page.goto("/?year_from=2025&year_to=2031")
    page.get_by_role("link", name="Zoom in (fewer years)").click()
    page.wait_for_url("**year_from=2026**")
    assert page.locator(".tl-year").all_text_contents() == [str(year) for year in range(2026, 2031)]
    context.close()


def test_embed_code_can_be_copied(page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto("/?region=japan")
    page.locator("summary", has_text="Embed this timeline").click()
    page.get_by_role("button", name="Copy embed code").click()
    page.locator(".js-copy-status", has_text="Copied.").wait_for()
    assert "/embed/?region=japan" in page.evaluate("navigator.clipboard.readText()")


def test_screenshot_of_the_seed_timeline(page, tmp_path):
    """Renders a full-page PNG (SSB_SCREENSHOT=docs/timeline.png keeps it for the README)."""
    target = Path(os.environ.get("SSB_SCREENSHOT") or tmp_path / "timeline.png")
    page.goto("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(target), full_page=True)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert target.stat().st_size > 20_000  # a drawn chart, not a blank page
