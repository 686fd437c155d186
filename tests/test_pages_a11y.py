"""Accessibility and markup rules every reader page keeps: landmarks, one h1, unique ids,
labelled controls, no inline scripts or styles, and colours with enough contrast."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

CSS = Path(__file__).resolve().parent.parent / "static" / "milestones" / "site.css"
PAGES = [
    "/",
    "/?lanes=region&region=japan",
    "/?q=nothing-matches",
    "/embed/",
    "/organisations/casip/",
    "/organisations/catl/",
    "/milestones/toyota-first-solid-state-cars-2027-28/",
    "/milestones/casip-solid-state-supply-chain-by-2030/",
    "/announcements/china-launches-solid-state-battery-offensive/",
    "/upcoming/",
    "/overdue/",
    "/search/",
    "/search/?q=catl",
    "/race/",
]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self.label_for: set[str] = set()
        self.open_labels = 0
        self.controls: list[tuple[dict, bool]] = []
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.inline_scripts = 0
        self.in_script = False

    def handle_starttag(self, tag: str, attrs) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if "id" in attributes:
            self.ids.append(attributes["id"])
        if tag == "label":
            self.open_labels += 1
            if attributes.get("for"):
                self.label_for.add(attributes["for"])
        if tag in ("input", "select", "textarea"):
            self.controls.append((attributes, self.open_labels > 0))
        if tag == "script":
            self.in_script = "src" not in attributes
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs) -> None:
        """``<rect …/>``: SVG's self-closing elements open and close at once."""
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.open_labels -= 1
        if tag == "script":
            self.in_script = False
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.inline_scripts += 1

    def count(self, tag: str) -> int:
        return sum(1 for name, _ in self.tags if name == tag)


def parse(client, url: str) -> Page:
    response = client.get(url)
    assert response.status_code == 200, url
    page = Page()
    page.feed(response.content.decode())
    return page


@pytest.mark.parametrize("url", PAGES)
def test_page_structure(client, seed, url):
    """Valid nesting, unique ids, one h1 and one main; then the script/style and label rules."""
    page = parse(client, url)
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    assert not duplicates, f"duplicate ids on {url}: {duplicates}"
    assert page.count("h1") == 1
    assert page.count("main") == 1
    assert not page.errors, page.errors[:3]
    assert page.stack == [], f"unclosed: {page.stack}"
    html_tag = next(attrs for tag, attrs in page.tags if tag == "html")
    assert html_tag.get("lang") == "en"
    no_inline_scripts_or_styles(page)
    every_control_labelled(page, url)


def no_inline_scripts_or_styles(page: Page) -> None:
    # A strict Content-Security-Policy is coming: no inline script, handler or style.
    assert page.inline_scripts == 0
    assert all(tag == "script" and attrs.get("src") for tag, attrs in page.tags if tag == "script")
    assert not [tag for tag, attrs in page.tags if "style" in attrs]
    assert not [tag for tag, attrs in page.tags if any(name.startswith("on") for name in attrs)]


def every_control_labelled(page: Page, url: str) -> None:
    for attributes, wrapped in page.controls:
        if attributes.get("type") in ("hidden", "submit", "button"):
            continue
        labelled = wrapped or attributes.get("id") in page.label_for or attributes.get("aria-label")
        assert labelled, f"unlabelled control on {url}: {attributes}"


def test_site_pages_have_banner_navigation_and_footer(client, seed):
    page = parse(client, "/")
    assert page.count("header") >= 1 and page.count("footer") == 1
    assert any(tag == "nav" and attrs.get("aria-label") == "Main" for tag, attrs in page.tags)
    assert any(tag == "form" and attrs.get("role") == "search" for tag, attrs in page.tags)
    assert any(tag == "a" and attrs.get("href") == "#main" for tag, attrs in page.tags)  # skip link


def test_chart_bars_are_links_with_accessible_names(client, seed):
    page = parse(client, "/")
    bars = [attrs for tag, attrs in page.tags if tag == "a" and "tl-bar" in attrs.get("class", "")]
    assert len(bars) == 5
    assert all(bar["aria-label"] and bar["href"].startswith("/milestones/") for bar in bars)


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def css_variables() -> dict[str, str]:
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", CSS.read_text()))


@pytest.mark.parametrize(
    "name", ["s-announced", "s-on_track", "s-at_risk", "s-delayed", "s-achieved", "s-missed", "s-cancelled"]
)
def test_status_colours_carry_white_text_at_4_5_to_1(name):
    # Badges put white text on the status colour; the chart uses the same colours.
    assert contrast("#ffffff", css_variables()[name]) >= 4.5


@pytest.mark.parametrize(
    ("fg", "bg"),
    [
        ("ink", "paper"),
        ("ink-soft", "paper"),
        ("ink-soft", "paper-2"),
        ("accent", "paper"),
        ("accent", "paper-2"),
        ("today", "paper"),
    ],
)
def test_text_colours_have_4_5_to_1(fg, bg):
    variables = css_variables()
    assert contrast(variables[fg], variables[bg]) >= 4.5


def test_focus_is_visible():
    css = CSS.read_text()
    assert ":focus-visible { outline: 3px solid" in css
    assert ".tl-bar:focus-visible .tl-win { stroke:" in css
