"""Subscribing from a milestone page in a real browser: form, double opt-in, unsubscribe."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail

from milestones import services
from milestones.models import Subscription

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NISSAN = "/milestones/nissan-solid-state-cars-fy2028/"


@pytest.fixture
def page(browser, live_server, seed):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    yield page
    context.close()


def test_reader_subscribes_from_a_milestone_page_then_confirms(page):
    page.goto(NISSAN)
    form = page.locator("form.subscribe-form")
    form.get_by_label("Your email").fill("Reader@Example.com")
    form.get_by_label("30 days overdue").uncheck()
    form.get_by_role("button", name="Subscribe").click()
    page.wait_for_load_state()
    assert "reader@example.com" in page.content().lower()
    subscription = Subscription.objects.get(email="reader@example.com")
    assert (
        subscription.confirmed_at is None and subscription.milestone.slug == "nissan-solid-state-cars-fy2028"
    )
    assert "overdue_30" not in subscription.confirmation_kinds

    # The confirmation mail (sent here in-process, as a worker would) carries a signed link.
    assert services.subscription_confirmation_send(subscription_id=subscription.pk)
    link = re.search(r"https?://\S+/subscriptions/confirm/\S+/", mail.outbox[-1].body).group()
    page.goto(urlsplit(link).path)  # the mail links to SITE_URL; here the live server serves it
    page.get_by_role("button", name="Yes, send me these reminders").click()
    page.wait_for_load_state()
    subscription.refresh_from_db()
    assert subscription.confirmed_at is not None and not subscription.remind_30_overdue
    assert page.errors == []


def test_a_bad_address_is_shown_as_a_form_error(page):
    page.goto(NISSAN)
    form = page.locator("form.subscribe-form")
    form.get_by_label("Your email").fill("not-an-address")
    form.get_by_label("Your email").evaluate("input => input.type = 'text'")  # past the browser's own check
    form.get_by_role("button", name="Subscribe").click()
    page.wait_for_load_state()
    assert "Enter a valid email address" in page.content()
    assert not Subscription.objects.exists()
