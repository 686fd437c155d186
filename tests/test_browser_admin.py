"""Every admin changelist fits a 1400 px window: no sideways scrolling of the page, and the
results table no wider than its container. SSB_ADMIN_SCREENSHOTS=docs/screenshots/admin keeps PNGs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.contrib import admin
from django.urls import reverse

from milestones.models import Milestone
from tests.conftest import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHANGELISTS = sorted((model._meta.app_label, model._meta.model_name) for model in admin.site._registry)


@pytest.fixture
def admin_page(browser, live_server, seed, admin_user, client) -> Iterator:
    yield from signed_in_page(browser, live_server, client, admin_user)


@pytest.mark.parametrize(("app_label", "model_name"), CHANGELISTS)
def test_changelist_fits_1400_px(admin_page, app_label, model_name):
    admin_page.goto(reverse(f"admin:{app_label}_{model_name}_changelist"))
    if folder := os.environ.get("SSB_ADMIN_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        admin_page.screenshot(path=f"{folder}/{model_name}-1400.png", full_page=True)
    assert admin_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    widths = admin_page.evaluate(
        """() => {
            const table = document.querySelector('#result_list');
            return table ? [table.scrollWidth, table.parentElement.clientWidth] : [0, 0];
        }"""
    )
    assert widths[0] <= widths[1], f"table {widths[0]} px in a {widths[1]} px container"


def test_country_filter_lists_only_countries_in_use(admin_page):
    admin_page.goto(reverse("admin:milestones_milestone_changelist"))
    countries = admin_page.locator("#changelist-filter details", has_text="By country").locator("li")
    names = countries.all_inner_texts()
    assert "Japan" in names and "China" in names
    assert "France" not in names and len(names) < 10
    assert admin_page.evaluate("document.documentElement.scrollHeight") < 4000


def test_typing_a_target_shows_its_reading_live(admin_page):
    """The milestone form's htmx reading: window and the announcement date used, no console error."""
    errors: list[str] = []
    admin_page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    toyota = Milestone.objects.get(slug="toyota-first-solid-state-cars-2027-28")
    stated = min(toyota.evidence.values_list("published_on", flat=True))
    admin_page.goto(reverse("admin:milestones_milestone_change", args=[toyota.pk]))
    admin_page.fill("#id_target_text", "next year")
    reading = admin_page.locator("#target-preview")
    reading.get_by_text(f"Read against the announcement of {stated:%-d %B %Y}").wait_for()
    assert f"1 Jan {stated.year + 1} to 31 Dec {stated.year + 1}" in reading.inner_text()
    admin_page.fill("#id_target_text", "2028 onwards")
    reading.get_by_text("no end (open-ended)").wait_for()
    assert not errors, errors
