"""One core owns every rule: the same input through every face gives the same rows, and a
record something cites cannot be deleted through any face."""

from __future__ import annotations

from datetime import date

import pytest
import tablib
from django.urls import reverse

from milestones import services
from milestones.admin.resources import AnnouncementResource, MilestoneResource, OrganisationResource
from milestones.management.commands.load_seed import SeedLoader
from milestones.models import Announcement, Milestone, Organisation, Person, Quote
from tests.api_support import send, token_client
from tests.factories import make_milestone
from tests.formdata import form_data

pytestmark = pytest.mark.django_db

BASE = {
    "publishers": [{"slug": "nikkei", "name": "Nikkei Asia"}],
    "organisations": [
        {
            "slug": "nissan",
            "name": "Nissan",
            "kind": "automaker",
            "country": "JP",
            "fiscal_year_start_month": 4,
        },
        {"slug": "lg-energy", "name": "LG Energy Solution", "kind": "battery_maker", "country": "KR"},
    ],
    "people": [],
    "announcements": [
        {
            "slug": "nissan-pilot-line",
            "title": "Nissan opens all-solid-state pilot line",
            "published_on": "2024-04-16",
            "publisher": "nikkei",
            "url": "https://asia.nikkei.com/nissan-pilot-line",
        },
        {
            "slug": "nissan-reaffirms",
            "title": "Nissan reaffirms its solid-state plan",
            "published_on": "2025-01-20",
            "publisher": "nikkei",
            "url": "https://asia.nikkei.com/nissan-reaffirms",
        },
    ],
    "relations": [],
    "milestones": [],
}
TITLE = "Nissan all-solid-state cars on sale"
SLUG = "nissan-all-solid-state-cars-on-sale"
TARGET = "by FY2028"


@pytest.fixture
def base() -> None:
    SeedLoader({**BASE}).load()


def through_admin(editor_client, target: str = TARGET) -> None:
    url = reverse("admin:milestones_milestone_add")
    data = form_data(editor_client.get(url).content.decode(), "milestone_form")
    data.update(
        title=TITLE,
        slug="",
        owner=str(Organisation.objects.get(slug="nissan").pk),
        participants=[str(Organisation.objects.get(slug="lg-energy").pk)],
        category="vehicle_launch",
        technology="all_solid_state",
        electrolyte="unspecified",
        claim_strength="plans",
        target_text=target,
        status="announced",
        evidence=[str(a.pk) for a in Announcement.objects.order_by("-published_on")],
    )
    response = editor_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors


def through_api(editor, target: str = TARGET) -> None:
    body = {
        "title": TITLE,
        "owner": "nissan",
        "participants": ["lg-energy"],
        "category": "vehicle_launch",
        "claim_strength": "plans",
        "target": target,
        "evidence": ["nissan-reaffirms", "nissan-pilot-line"],
    }
    response = send(token_client(editor), "post", "/api/v1/milestones/", body)
    assert response.status_code == 201, response.content


def through_import(editor, target: str = TARGET) -> None:
    dataset = tablib.Dataset(
        headers=[
            "slug",
            "title",
            "owner",
            "participants",
            "category",
            "claim_strength",
            "target_text",
            "evidence",
        ]
    )
    dataset.append(
        [
            "",
            TITLE,
            "Nissan",
            "LG Energy Solution",
            "vehicle_launch",
            "plans",
            target,
            "https://asia.nikkei.com/nissan-reaffirms; https://www.asia.nikkei.com/nissan-pilot-line/",
        ]
    )
    result = MilestoneResource().import_data(dataset, dry_run=False, rollback_on_validation_errors=True)
    assert not result.has_errors() and not result.has_validation_errors(), [
        row.validation_error for row in result.invalid_rows
    ]


def through_seed(editor, target: str = TARGET) -> None:
    row = {
        "slug": SLUG,
        "title": TITLE,
        "owner": "nissan",
        "participants": ["lg-energy"],
        "category": "vehicle_launch",
        "claim_strength": "plans",
        "target": target,
        "evidence": ["nissan-reaffirms", "nissan-pilot-line"],
    }
    SeedLoader({**BASE, "milestones": [row]}).load()


def stored(milestone: Milestone) -> dict:
    first = milestone.revisions.order_by("recorded_at", "id").first()
    return {
        "slug": milestone.slug,
        "owner": milestone.owner.slug,
        "participants": sorted(milestone.participants.values_list("slug", flat=True)),
        "window": (milestone.window_start, milestone.window_end),
        "edtf": milestone.target_edtf,
        "open_start": milestone.target_open_start,
        "open_end": milestone.target_open_end,
        "relative_to": milestone.target_relative_to,
        "text": milestone.target_text,
        "status": (milestone.status, milestone.achieved_on),
        "evidence": sorted(milestone.evidence.values_list("slug", flat=True)),
        "first_revision": (first.old_edtf, first.new_edtf, first.moved_by.slug, first.effective_on),
        "revisions": milestone.revisions.count(),
    }


@pytest.mark.parametrize("face", [through_admin, through_api, through_import, through_seed])
def test_the_same_milestone_through_every_face_gives_identical_rows(face, base, editor, editor_client):
    face(editor_client if face is through_admin else editor)
    milestone = Milestone.objects.get()
    # "by FY2028" opens on the earliest source and closes at Nissan's fiscal year end (March 2029);
    # that source stated the claim first.
    assert stored(milestone) == {
        "slug": SLUG,
        "owner": "nissan",
        "participants": ["lg-energy"],
        "window": (date(2024, 4, 16), date(2029, 3, 31)),
        "edtf": "../2029-03",
        "open_start": True,
        "open_end": False,
        "relative_to": None,
        "text": TARGET,
        "status": ("announced", None),
        "evidence": ["nissan-pilot-line", "nissan-reaffirms"],
        "first_revision": ("", "../2029-03", "nissan-pilot-line", date(2024, 4, 16)),
        "revisions": 1,
    }


# Issue 12's families through every face: one parser, one reference-date rule (the earliest
# evidence, Nissan's pilot line of 16 April 2024, states the claim; Nissan's year starts in April).
FAMILY_READINGS = {
    "next year": (date(2025, 1, 1), date(2025, 12, 31), "2025", date(2024, 4, 16)),
    "2028 onwards": (date(2028, 1, 1), None, "2028/..", None),
    "the second half of fiscal 2027": (date(2027, 10, 1), date(2028, 3, 31), "2027-10/2028-03", None),
    "the fourth quarter (2026)": (date(2026, 10, 1), date(2026, 12, 31), "2026-36", None),
    "within two years": (date(2024, 4, 16), date(2026, 4, 16), "../2026-04-16", date(2024, 4, 16)),
    "the late 2020s": (date(2027, 1, 1), date(2029, 12, 31), "2027/2029", None),
}


@pytest.mark.parametrize("phrase", list(FAMILY_READINGS))
@pytest.mark.parametrize("face", [through_admin, through_api, through_import, through_seed])
def test_every_phrase_family_reads_the_same_through_every_face(face, phrase, base, editor, editor_client):
    face(editor_client if face is through_admin else editor, target=phrase)
    start, end, edtf, relative_to = FAMILY_READINGS[phrase]
    row = stored(Milestone.objects.get())
    assert (row["window"], row["edtf"], row["relative_to"], row["text"]) == (
        (start, end),
        edtf,
        relative_to,
        phrase,
    )
    assert row["open_end"] is (end is None)
    assert row["first_revision"][1] == edtf


@pytest.fixture
def cited(base) -> dict:
    nissan = Organisation.objects.get(slug="nissan")
    source = Announcement.objects.get(slug="nissan-pilot-line")
    speaker = Person.objects.create(name="Kunio Nakaguro", slug="kunio-nakaguro", affiliation=nissan)
    services.announcement_save(
        announcement=source, data={}, quotes=[{"speaker": speaker, "text": "We will be first."}]
    )
    make_milestone(owner=nissan, target="FY2028", slug="nissan-ssb", moved_by=source)
    return {"organisation": nissan, "announcement": source, "person": speaker}


def still_there(cited: dict) -> bool:
    return (
        Organisation.objects.filter(pk=cited["organisation"].pk).exists()
        and Announcement.objects.filter(pk=cited["announcement"].pk, milestones__slug="nissan-ssb").exists()
        and Quote.objects.filter(speaker=cited["person"]).exists()
    )


@pytest.mark.parametrize("kind", ["organisation", "announcement", "person"])
def test_admin_refuses_to_delete_a_cited_record(kind, cited, editor_client):
    record = cited[kind]
    url = reverse(f"admin:milestones_{record._meta.model_name}_delete", args=[record.pk])
    response = editor_client.post(url, {"post": "yes"})
    assert response.status_code == 200  # the "cannot delete" page, not a redirect
    assert "Cannot delete" in response.content.decode()
    assert still_there(cited)


def test_admin_bulk_delete_of_cited_announcements_is_refused(cited, editor_client):
    url = reverse("admin:milestones_announcement_changelist")
    pks = [str(a.pk) for a in Announcement.objects.all()]
    response = editor_client.post(url, {"action": "delete_selected", "_selected_action": pks, "post": "yes"})
    assert "Cannot delete" in response.content.decode()
    assert Announcement.objects.count() == 2 and still_there(cited)


@pytest.mark.parametrize("kind", ["organisation", "announcement", "person"])
def test_api_refuses_to_delete_a_cited_record_with_409(kind, cited, editor):
    path = {"organisation": "organisations", "announcement": "announcements", "person": "people"}[kind]
    response = send(token_client(editor), "delete", f"/api/v1/{path}/{cited[kind].slug}/", if_match="*")
    assert response.status_code == 409
    assert "cannot be deleted" in response.json()["detail"]
    assert still_there(cited)


@pytest.mark.parametrize(
    ("resource", "kind"), [(AnnouncementResource, "announcement"), (OrganisationResource, "organisation")]
)
def test_import_refuses_to_delete_a_cited_record_as_a_row_error(resource, kind, cited):
    dataset = tablib.Dataset(headers=["slug", "delete"])
    dataset.append([cited[kind].slug, "yes"])
    result = resource().import_data(dataset, dry_run=False, rollback_on_validation_errors=True)
    (row,) = result.invalid_rows
    assert "cannot be deleted" in str(row.error_dict)
    assert still_there(cited)


def test_import_deletes_an_uncited_record(base):
    dataset = tablib.Dataset(headers=["slug", "delete"])
    dataset.append(["nissan-reaffirms", "yes"])
    result = AnnouncementResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and not result.has_validation_errors()
    assert not Announcement.objects.filter(slug="nissan-reaffirms").exists()


def test_the_announcement_that_moves_a_target_becomes_evidence(cited, client):
    milestone = Milestone.objects.get(slug="nissan-ssb")
    report = Announcement.objects.get(slug="nissan-reaffirms")
    services.milestone_reschedule(milestone=milestone, target_text="FY2029", moved_by=report)
    assert set(milestone.evidence.values_list("slug", flat=True)) == {"nissan-pilot-line", "nissan-reaffirms"}
    data = client.get("/api/v1/milestones/nissan-ssb/").json()
    assert data["last_evidence_on"] == "2025-01-20"
    assert "nissan-reaffirms" in [a["slug"] for a in data["evidence"]]
