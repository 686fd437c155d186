"""Curation through the real admin over HTTP, as an editor."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse

from milestones.models import Announcement, Milestone, Organisation, Quote
from tests.factories import (
    AnnouncementFactory,
    OrganisationFactory,
    PersonFactory,
    PublisherFactory,
    make_milestone,
)
from tests.formdata import form_data

pytestmark = pytest.mark.django_db


def admin_form(client, url: str, form_id: str) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    return form_data(response.content.decode(), form_id)


def add_milestone(client, owner: Organisation, target: str, **extra):
    data = admin_form(client, reverse("admin:milestones_milestone_add"), "milestone_form")
    data.update(
        title="Semi-solid pack in series production",
        slug="",
        owner=str(owner.pk),
        category="start_of_production",
        technology="semi_solid",
        electrolyte="oxide",
        target_text=target,
        status="announced",
        **extra,
    )
    return client.post(reverse("admin:milestones_milestone_add"), data)


def test_editor_adds_a_milestone_typed_as_h2_2026(editor_client):
    owner = OrganisationFactory()
    response = add_milestone(editor_client, owner, "H2 2026")
    assert response.status_code == 302, response.content.decode()[:2000]
    milestone = Milestone.objects.get()
    assert (milestone.window_start, milestone.window_end) == (date(2026, 7, 1), date(2026, 12, 31))
    assert milestone.slug == "semi-solid-pack-in-series-production"
    assert milestone.revisions.get().recorded_by.username == "edna"


def test_change_page_shows_the_computed_window(editor_client):
    milestone = make_milestone(target="Q3 2027")
    page = editor_client.get(
        reverse("admin:milestones_milestone_change", args=[milestone.pk])
    ).content.decode()
    assert "2027-07-01 to 2027-09-30" in page and "2027-35" in page


def test_unknown_phrase_is_a_form_error_listing_accepted_forms(editor_client):
    response = add_milestone(editor_client, OrganisationFactory(), "sometime soonish")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "not a target date we understand" in errors["target_text"][0]
    assert "FY2028" in errors["target_text"][0]
    assert not Milestone.objects.exists()


def test_end_before_start_is_a_form_error(editor_client):
    response = add_milestone(editor_client, OrganisationFactory(), "2030/2027")
    assert "ends before it starts" in response.context["adminform"].form.errors["target_text"][0]
    assert not Milestone.objects.exists()


def test_achieved_on_without_achieved_status_is_a_form_error(editor_client):
    response = add_milestone(editor_client, OrganisationFactory(), "2026", achieved_on="2026-05-01")
    assert response.status_code == 200
    assert "only allowed when the status is achieved" in str(response.context["adminform"].form.errors)
    assert not Milestone.objects.exists()


def test_fiscal_target_uses_the_owner_fiscal_year(editor_client):
    nissan = OrganisationFactory(name="Nissan", country="JP", fiscal_year_start_month=4)
    add_milestone(editor_client, nissan, "FY2028")
    milestone = Milestone.objects.get()
    assert (milestone.window_start, milestone.window_end) == (date(2028, 4, 1), date(2029, 3, 31))


def test_changing_the_target_in_the_admin_records_a_revision_with_the_announcement(editor_client):
    milestone = make_milestone(target="2027/28", status="on_track")
    report = AnnouncementFactory(published_on=date(2026, 2, 1))
    url = reverse("admin:milestones_milestone_change", args=[milestone.pk])
    data = admin_form(editor_client, url, "milestone_form")
    data.update(target_text="2029", moved_by=str(report.pk))
    response = editor_client.post(url, data)
    assert response.status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == "delayed"
    latest = milestone.revisions.order_by("-id").first()
    assert (latest.old_display, latest.new_display, latest.moved_by) == ("2027/28", "2029", report)


def test_editor_adds_an_announcement_with_quotes(editor_client):
    publisher = PublisherFactory(name="electrive")
    speaker = PersonFactory(name="Ouyang Minggao")
    catl = OrganisationFactory(name="CATL")
    url = reverse("admin:milestones_announcement_add")
    data = admin_form(editor_client, url, "announcement_form")
    data.update(
        {
            "title": "China launches solid-state battery offensive",
            "slug": "",
            "published_on": "2024-02-13",
            "publisher": str(publisher.pk),
            "url": "https://www.electrive.com/2024/02/13/offensive/",
            "organisations": [str(catl.pk)],
            "quotes-0-speaker": str(speaker.pk),
            "quotes-0-text": "We need to be prepared for the risk that all-solid-state battery technology could overturn.",
            "quotes-0-occasion": "CASIP opening ceremony",
            "quotes-0-position": "0",
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    announcement = Announcement.objects.get()
    assert announcement.url_normalized == "electrive.com/2024/02/13/offensive"
    assert list(announcement.organisations.all()) == [catl]
    assert Quote.objects.get().speaker == speaker


def test_duplicate_url_is_a_form_error_naming_the_existing_announcement(editor_client):
    existing = AnnouncementFactory(url="https://www.electrive.com/story/", title="First report")
    url = reverse("admin:milestones_announcement_add")
    data = admin_form(editor_client, url, "announcement_form")
    data.update(
        title="Same story again",
        published_on="2024-02-14",
        publisher=str(existing.publisher.pk),
        url="http://electrive.com/story?utm_source=newsletter",
    )
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert "First report" in response.context["adminform"].form.errors["url"][0]
    assert Announcement.objects.count() == 1


def test_organisation_page_adds_milestones_inline_in_its_fiscal_year(editor_client):
    url = reverse("admin:milestones_organisation_add")
    data = admin_form(editor_client, url, "organisation_form")
    data.update(
        {
            "name": "Honda",
            "slug": "",
            "kind": "automaker",
            "country": "JP",
            "fiscal_year_start_month": "4",
            "milestones-TOTAL_FORMS": "1",
            "milestones-0-title": "Honda pilot line",
            "milestones-0-slug": "honda-pilot-line",
            "milestones-0-category": "pilot_line",
            "milestones-0-technology": "all_solid_state",
            "milestones-0-target_text": "FY2025",
            "milestones-0-status": "announced",
        }
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    honda = Organisation.objects.get(slug="honda")
    milestone = honda.milestones.get()
    assert (milestone.window_start, milestone.window_end) == (date(2025, 4, 1), date(2026, 3, 31))
    assert milestone.revisions.count() == 1


def test_bulk_status_action_changes_every_selected_milestone(editor_client):
    milestones = [make_milestone(target=str(2027 + i)) for i in range(3)]
    response = editor_client.post(
        reverse("admin:milestones_milestone_changelist"),
        {"action": "mark_at_risk", "_selected_action": [str(m.pk) for m in milestones]},
    )
    assert response.status_code == 302
    assert set(Milestone.objects.values_list("status", flat=True)) == {"at_risk"}
    assert Milestone.history.filter(status="at_risk", history_user__username="edna").count() == 3


def test_history_records_who_changed_an_organisation(editor_client):
    organisation = OrganisationFactory(name="SVOLT")
    url = reverse("admin:milestones_organisation_change", args=[organisation.pk])
    data = admin_form(editor_client, url, "organisation_form")
    data.update(aliases="Svolt\n蜂巢能源")
    assert editor_client.post(url, data).status_code == 302
    latest = organisation.history.first()
    assert latest.history_user.username == "edna" and "蜂巢能源" in latest.aliases
    history_page = editor_client.get(reverse("admin:milestones_organisation_history", args=[organisation.pk]))
    assert "edna" in history_page.content.decode()


def test_autocomplete_finds_an_organisation_by_alias(editor_client, seed):
    response = editor_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "milestones",
            "model_name": "milestone",
            "field_name": "owner",
            "term": "Contemporary Amperex",
        },
    )
    assert [item["text"] for item in response.json()["results"]] == ["CATL"]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("admin:milestones_milestone_changelist", {"status": "announced", "category": "vehicle_launch"}),
        ("admin:milestones_milestone_changelist", {"owner__region": "japan", "deadline_year": "2028"}),
        ("admin:milestones_milestone_changelist", {"overdue": "yes", "q": "Nissan"}),
        ("admin:milestones_organisation_changelist", {"q": "弗迪电池"}),
        ("admin:milestones_announcement_changelist", {"q": "CATL"}),
        ("admin:milestones_relation_changelist", {"kind": "litigation_against"}),
    ],
)
def test_lists_search_and_filter(editor_client, seed, path, query):
    response = editor_client.get(reverse(path), query)
    assert response.status_code == 200
    assert response.context["cl"].result_count >= (0 if query.get("overdue") else 1)


def test_editors_cannot_manage_users(editor_client):
    assert editor_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    assert editor_client.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_editors_cannot_edit_revisions(editor_client):
    milestone = make_milestone()
    revision = milestone.revisions.get()
    response = editor_client.post(reverse("admin:milestones_targetrevision_change", args=[revision.pk]), {})
    assert response.status_code == 403


def test_two_editors_saving_the_same_milestone_the_later_stale_save_is_refused(
    editor_client, django_user_model, editors_group
):
    milestone = make_milestone(title="Toyota launch", target="2027/28")
    url = reverse("admin:milestones_milestone_change", args=[milestone.pk])
    other = django_user_model.objects.create_user(username="otto", password="x-curate-42", is_staff=True)
    other.groups.add(editors_group)
    client = Client()
    client.force_login(other)
    first = admin_form(editor_client, url, "milestone_form")
    second = admin_form(client, url, "milestone_form")
    first.update(title="Toyota launch (edna)")
    assert editor_client.post(url, first).status_code == 302
    second.update(title="Toyota launch (otto)")
    response = client.post(url, second)
    assert response.status_code == 200
    assert "Someone else saved this milestone by edna" in str(
        response.context["adminform"].form.non_field_errors()
    )
    milestone.refresh_from_db()
    assert milestone.title == "Toyota launch (edna)"


def test_reloading_after_a_refused_save_allows_saving(editor_client):
    organisation = OrganisationFactory(name="Old name")
    url = reverse("admin:milestones_organisation_change", args=[organisation.pk])
    data = admin_form(editor_client, url, "organisation_form")
    data.update(name="New name")
    assert editor_client.post(url, data).status_code == 302
    data = admin_form(editor_client, url, "organisation_form")
    data.update(name="Newer name")
    assert editor_client.post(url, data).status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Newer name"
