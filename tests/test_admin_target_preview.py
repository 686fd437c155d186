"""The admin's live target reading: the window as the editor types, with the announcement date used."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from tests.factories import AnnouncementFactory, OrganisationFactory, make_milestone

PREVIEW = "admin:milestones_milestone_target_preview"


def preview(client, **params) -> str:
    response = client.get(reverse(PREVIEW), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_relative_phrase_is_read_against_the_earliest_evidence_chosen(editor_client):
    early, late = (
        AnnouncementFactory(published_on=date(2026, 12, 20)),
        AnnouncementFactory(published_on=date(2027, 3, 1)),
    )
    html = preview(editor_client, target_text="the fourth quarter", evidence=[late.pk, early.pk])
    assert "Q4 2026" in html and "1 Oct 2026 to 31 Dec 2026" in html
    assert "Read against the announcement of 20 December 2026" in html


@pytest.mark.django_db
def test_moving_announcement_outranks_the_evidence(editor_client):
    evidence, moved_by = (
        AnnouncementFactory(published_on=date(2026, 12, 20)),
        AnnouncementFactory(published_on=date(2027, 1, 5)),
    )
    html = preview(
        editor_client, target_text="the fourth quarter", evidence=[evidence.pk], moved_by=moved_by.pk
    )
    assert "Q4 2027" in html and "Read against the announcement of 5 January 2027" in html


@pytest.mark.django_db
def test_relative_phrase_without_an_announcement_shows_the_refusal(editor_client):
    html = preview(editor_client, target_text="next year")
    assert "is relative; attach the announcement that said it" in html and "Accepted forms" in html


@pytest.mark.django_db
def test_owner_fiscal_calendar_and_open_end_are_shown(editor_client):
    nissan = OrganisationFactory(fiscal_year_start_month=4)
    assert "1 Oct 2027 to 31 Mar 2028" in preview(
        editor_client, target_text="second half of fiscal 2027", owner=nissan.pk
    )
    assert "no end (open-ended)" in preview(editor_client, target_text="2028 onwards")


@pytest.mark.django_db
def test_an_existing_milestone_reads_against_its_stored_evidence(editor_client):
    milestone = make_milestone(target="2027", evidence=[AnnouncementFactory(published_on=date(2025, 6, 1))])
    html = preview(
        editor_client,
        target_text="next year",
        milestone=milestone.pk,
        evidence=list(milestone.evidence.values_list("pk", flat=True)),
    )
    assert "1 Jan 2026 to 31 Dec 2026" in html and "1 June 2025" in html


@pytest.mark.django_db
def test_junk_ids_are_ignored_not_a_500(editor_client):
    html = preview(editor_client, target_text="2030", owner="x", milestone="'", moved_by="-1", evidence=["a"])
    assert "1 Jan 2030 to 31 Dec 2030" in html


@pytest.mark.django_db
def test_the_preview_is_for_admin_users_only(client):
    response = client.get(reverse(PREVIEW), {"target_text": "2030"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_the_target_field_asks_for_the_reading(editor_client):
    page = editor_client.get(reverse("admin:milestones_milestone_add")).content.decode()
    assert f'hx-get="{reverse(PREVIEW)}"' in page and 'id="target-preview"' in page
    assert "django_htmx/htmx-2.min.js" in page
