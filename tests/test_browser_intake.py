"""The founding article, pasted into “Add from article” in a real browser: untick one claim,
create the rest, and find the records on the public pages with their source linked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from milestones.models import Announcement, Milestone, Organisation
from tests.conftest import signed_in_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The seed article (../shared/seeds/casip-article.txt), kept in the corpus so a clean clone has it.
SEED_ARTICLE = Path(__file__).resolve().parent / "data" / "articles" / "casip-electrive.txt"
SOURCE = "https://www.electrive.com/2024/02/13/chinas-car-and-battery-industry-launches-solid-state-battery-offensive/"


@pytest.fixture
def organisations_only(db) -> None:
    """The seed's organisations, people and publishers, but none of its claims or announcements:
    every proposal the article yields is new."""
    call_command("load_seed", verbosity=0)
    Milestone.objects.all().delete()  # test setup: its revisions go with it
    Announcement.objects.all().delete()


@pytest.fixture
def editor_page(browser, live_server, organisations_only, editor, client) -> Iterator:
    yield from signed_in_page(browser, live_server, client, editor)


def test_paste_the_seed_article_untick_one_claim_and_find_the_records_on_the_public_pages(editor_page):
    page = editor_page
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(reverse("admin:milestones_announcement_changelist"))
    page.get_by_role("link", name="Add from article").click()
    page.get_by_label("Article text or HTML").fill(SEED_ARTICLE.read_text(encoding="utf-8"))
    page.get_by_label("URL").fill(SOURCE)
    page.get_by_label("Publication date").fill("2024-02-13")
    page.get_by_label("Publisher").fill("electrive")
    page.get_by_label("Title").fill("China launches solid-state battery offensive")
    page.get_by_role("button", name="Read the article").click()

    claims = page.locator("fieldset.intake-claim")
    claims.first.wait_for()
    legends = claims.locator("legend").all_inner_texts()
    assert any("by 2030" in legend for legend in legends), legends
    assert any("2027/28" in legend for legend in legends), legends
    assert any("around 2030" in legend for legend in legends), legends
    assert page.locator("mark.intake-phrase", has_text="2027/28").count() >= 1
    around = claims.filter(has=page.locator("legend", has_text="around 2030"))
    around.get_by_label("Create").uncheck()
    page.get_by_role("button", name="Create selected").click()

    page.locator(".messagelist .success").wait_for()
    message = page.locator(".messagelist .success").inner_text()
    assert "China launches solid-state battery offensive" in message
    news = Announcement.objects.get(url_normalized__contains="chinas-car-and-battery-industry")
    assert page.url.endswith(reverse("admin:milestones_announcement_change", args=[news.pk]))

    casip = Organisation.objects.get(slug="casip")
    supply = Milestone.objects.get(owner=casip, target_text="by 2030", category="supply_chain")
    toyota = Milestone.objects.get(owner__slug="toyota")
    assert not Milestone.objects.filter(target_text="around 2030").exists()

    page.goto(supply.get_absolute_url())
    evidence = page.locator("#evidence-h + ul")
    assert evidence.locator(f'a[href="{SOURCE}"]').count() == 1  # the original article
    evidence.get_by_role("link", name=news.title, exact=True).click()
    page.wait_for_url(f"**{news.get_absolute_url()}")
    body = page.locator("main").inner_text()
    assert news.title in body
    page.goto(casip.get_absolute_url())
    body = page.locator("main").inner_text()
    assert supply.title in body and "around 2030" not in body
    page.goto(toyota.get_absolute_url())
    assert "2027/28" in page.locator("main").inner_text()
    assert not errors, errors
