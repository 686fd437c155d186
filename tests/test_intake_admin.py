"""“Add from article” in the admin: the button, the paste form, the review, confirm and errors."""

from __future__ import annotations

import pytest
from django.urls import reverse

from milestones.models import Announcement, Milestone, Organisation, Person
from tests.factories import AnnouncementFactory, OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db

URL = "/admin/milestones/announcement/intake/"
ARTICLE = (
    "Yokohama, 13 February 2025 — Nissan plans to launch cars with all-solid-state batteries in FY2028, "
    "the company said. Toyota <i>wants</i> solid-state cars & trucks on the road in 2027/28.\n\n"
    '"We will be first," said Ouyang Minggao, a professor at Tsinghua University.'
)
PASTE = {
    "text": ARTICLE,
    "url": "https://cellwire.example/race",
    "published_on": "2025-02-13",
    "publisher": "Cell Wire",
    "title": "The race",
}


@pytest.fixture
def orgs():
    nissan = OrganisationFactory(
        name="Nissan", slug="nissan", kind="automaker", country="JP", fiscal_year_start_month=4
    )
    toyota = OrganisationFactory(name="Toyota", slug="toyota", kind="automaker", country="JP")
    tsinghua = OrganisationFactory(name="Tsinghua University", slug="tsinghua-university", kind="research")
    PersonFactory(name="Ouyang Minggao", slug="ouyang-minggao", affiliation=tsinghua)
    return {"nissan": nissan, "toyota": toyota}


def _review_data(response) -> dict:
    """What the review page posts back as it stands: every field's value, ticked boxes only."""
    page = response.context["page"]
    paste = response.context["paste"]
    data: dict = {name: paste[name].value() or "" for name in paste.fields if name != "include_third_party"}
    forms = [page.announcement, *page.orgs, *page.claims, *page.quotes]
    for management in (page.orgs, page.claims, page.quotes):
        for name in management.management_form.fields:
            data[management.management_form.add_prefix(name)] = management.management_form[name].value()
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is True:
                data[form.add_prefix(name)] = "on"
            elif value not in (None, False):
                data[form.add_prefix(name)] = value
    data["mentioned"] = [
        mention.slug for mention, _, involved in response.context["rows"]["known"] if involved
    ]
    data["confirm"] = "Create selected"
    return data


def _claim_index(response, owner: str) -> int:
    return next(
        i for i, c in enumerate(response.context["page"].reading.proposals.claims) if c.owner_slug == owner
    )


def test_the_announcements_list_has_an_add_from_article_button(editor_client):
    html = editor_client.get(reverse("admin:milestones_announcement_changelist")).content.decode()
    assert f'href="{URL}"' in html and "Add from article" in html


def test_the_paste_form_has_a_label_for_every_field(editor_client):
    response = editor_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("text", "url", "published_on", "publisher", "title", "include_third_party"):
        assert f'<label for="id_{name}"' in html
    assert "Include third-party expectations" in html


def test_only_editors_open_the_page(client, reader, django_user_model):
    assert client.get(URL).status_code == 302  # to the login page
    staff = django_user_model.objects.create_user(username="sam", password="x-long-password-1", is_staff=True)
    client.force_login(staff)
    assert client.get(URL).status_code == 403


def test_reading_shows_proposals_with_marked_escaped_sentences_and_writes_nothing(editor_client, orgs):
    before = Announcement.objects.count(), Milestone.objects.count()
    response = editor_client.post(URL, {**PASTE, "read": "Read the article"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<mark class="intake-phrase" title="phrase">FY2028</mark>' in html
    assert '<mark class="intake-organisation" title="organisation">Nissan</mark>' in html
    assert "Toyota &lt;i&gt;wants&lt;/i&gt; solid-state cars &amp; trucks" in html
    assert "<i>wants</i>" not in html
    assert 'name="confirm"' in html and 'type="checkbox" name="claims-0-pick"' in html
    assert (Announcement.objects.count(), Milestone.objects.count()) == before


def test_a_recorded_url_is_flagged_on_the_review(editor_client, orgs):
    recorded = AnnouncementFactory(title="Earlier story", url="https://cellwire.example/race/")
    html = editor_client.post(URL, {**PASTE, "read": "1"}).content.decode()
    assert "Same URL" in html and recorded.title in html


def test_create_selected_writes_the_ticked_items_and_lands_on_the_announcement(editor_client, orgs):
    review = editor_client.post(URL, {**PASTE, "read": "1"})
    data = _review_data(review)
    toyota = _claim_index(review, "toyota")
    data.pop(f"claims-{toyota}-pick")  # untick Toyota's claim
    response = editor_client.post(URL, data)
    news = Announcement.objects.get(url_normalized="cellwire.example/race")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:milestones_announcement_change", args=[news.pk])
    nissan = Milestone.objects.get(owner=orgs["nissan"])
    assert nissan.target_text == "FY2028" and list(nissan.evidence.all()) == [news]
    assert not Milestone.objects.filter(owner=orgs["toyota"]).exists()
    assert [q.speaker.slug for q in news.quotes.all()] == ["ouyang-minggao"]
    message = str(next(iter(response.wsgi_request._messages)))
    assert "Created" in message and nissan.title in message


def test_confirming_the_same_page_twice_creates_nothing_new(editor_client, orgs):
    data = _review_data(editor_client.post(URL, {**PASTE, "read": "1"}))
    editor_client.post(URL, data)
    counts = [m.objects.count() for m in (Announcement, Milestone, Organisation, Person)]
    response = editor_client.post(URL, data)
    assert response.status_code == 302
    assert [m.objects.count() for m in (Announcement, Milestone, Organisation, Person)] == counts
    assert "Nothing new" in str(list(response.wsgi_request._messages)[-1])


def test_a_bad_phrase_is_shown_on_its_claim_and_nothing_is_written(editor_client, orgs):
    review = editor_client.post(URL, {**PASTE, "read": "1"})
    data = _review_data(review)
    nissan = _claim_index(review, "nissan")
    data[f"claims-{nissan}-phrase"] = "whenever it suits"
    response = editor_client.post(URL, data)
    assert response.status_code == 200
    form = response.context["page"].claims[nissan]
    assert list(form.errors) == ["phrase"]
    assert 'class="errorlist' in response.content.decode()
    assert not Announcement.objects.filter(url_normalized="cellwire.example/race").exists()
    assert not Milestone.objects.exists()


def test_a_new_organisation_needs_its_country_when_ticked(editor_client, orgs):
    text = "Blue Solid Energy will ship all-solid-state samples in 2026, Blue Solid Energy said on Monday."
    review = editor_client.post(URL, {**PASTE, "text": text, "read": "1"})
    new = [form.initial["name"] for form in review.context["page"].orgs]
    assert any("Blue Solid" in name for name in new), new
    data = _review_data(review)
    index = next(i for i, name in enumerate(new) if "Blue Solid" in name)
    data[f"orgs-{index}-pick"] = "on"
    data[f"orgs-{index}-kind"] = "start_up"
    data[f"orgs-{index}-country"] = ""
    response = editor_client.post(URL, data)
    assert response.status_code == 200
    assert "country" in response.context["page"].orgs[index].errors
    assert not Organisation.objects.filter(name__startswith="Blue Solid").exists()


def test_the_button_is_hidden_from_staff_who_may_not_confirm(client, django_user_model):
    from django.contrib.auth.models import Permission

    staff = django_user_model.objects.create_user(username="vic", password="x-long-password-1", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_announcement", "add_announcement"])
    )
    client.force_login(staff)
    html = client.get(reverse("admin:milestones_announcement_changelist")).content.decode()
    assert "Add from article" not in html
