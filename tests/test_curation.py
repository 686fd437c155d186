"""Curation at speed: import/export in the admin, de-duplication, staleness, reaffirmations."""

from __future__ import annotations

import csv
import io
import time
from datetime import date, timedelta

import pytest
import tablib
from django.urls import reverse

from milestones import selectors, services
from milestones.admin.resources import MilestoneResource
from milestones.domain.urls import normalize_url
from milestones.models import Announcement, Milestone, Organisation
from milestones.selectors.exports import MILESTONE_COLUMNS
from tests.factories import AnnouncementFactory, OrganisationFactory, make_milestone
from tests.formdata import form_data

pytestmark = pytest.mark.django_db

HEADER = [
    "slug",
    "title",
    "owner",
    "participants",
    "category",
    "technology",
    "electrolyte",
    "target_text",
    "status",
]


def csv_file(rows: list[dict], name: str = "milestones.csv") -> io.BytesIO:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    upload = io.BytesIO(buffer.getvalue().encode())
    upload.name = name
    return upload


def milestone_row(slug: str, owner: str = "CATL", target: str = "2027", **extra) -> dict:
    row = dict.fromkeys(HEADER, "")
    row.update(
        slug=slug,
        title=f"Milestone {slug}",
        owner=owner,
        category="start_of_production",
        technology="all_solid_state",
        electrolyte="sulfide",
        target_text=target,
        status="announced",
    )
    row.update(extra)
    return row


def preview(client, model: str, upload, fmt: str = "0"):
    """Upload a file: the admin answers with a dry-run preview, writing nothing."""
    response = client.post(
        reverse(f"admin:milestones_{model}_import"), {"import_file": upload, "format": fmt, "resource": "0"}
    )
    assert response.status_code == 200
    return response


def confirm(client, model: str, response):
    data = form_data(response.content.decode(), None)
    confirm_data = {
        k: data[k] for k in ("import_file_name", "original_file_name", "format", "resource") if k in data
    }
    return client.post(reverse(f"admin:milestones_{model}_process_import"), confirm_data)


def totals(response) -> dict:
    return dict(response.context["result"].totals)


def test_export_uses_the_api_csv_columns(editor_client, seed):
    response = editor_client.post(
        reverse("admin:milestones_milestone_export"),
        {"format": "0", "resource": "0", **{f"milestoneresource_{c}": "on" for c in MILESTONE_COLUMNS}},
    )
    assert response.status_code == 200, response.content[:500]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == [c for c in MILESTONE_COLUMNS if c != "url"]
    nissan = next(r for r in rows if r["owner"] == "Nissan")
    assert (nissan["target_start"], nissan["target_end"], nissan["target_display"]) == (
        "2028-04-01",
        "2029-03-31",
        "FY2028",
    )


def test_preview_shows_new_update_and_skip_and_writes_nothing(editor_client, seed):
    existing = Milestone.objects.get(owner__slug="toyota")
    rows = [
        milestone_row("new-one", owner="Contemporary Amperex Technology", target="H2 2026"),
        milestone_row(
            existing.slug,
            owner="Toyota",
            target="2027/28",
            title="Toyota: launch renamed",
            category=existing.category,
        ),
    ]
    response = preview(editor_client, "milestone", csv_file(rows))
    assert totals(response)["new"] == 1 and totals(response)["update"] == 1
    assert not Milestone.objects.filter(slug="new-one").exists()
    assert Milestone.objects.get(slug=existing.slug).title != "Toyota: launch renamed"
    assert "process_import" in response.content.decode()


def test_confirmed_import_applies_through_the_services(editor_client, seed):
    rows = [milestone_row("catl-line", owner="宁德时代", target="H2 2026", participants="CALB; Svolt")]
    confirm(editor_client, "milestone", preview(editor_client, "milestone", csv_file(rows)))
    milestone = Milestone.objects.get(slug="catl-line")
    assert milestone.owner.slug == "catl"
    assert {o.slug for o in milestone.participants.all()} == {"calb", "svolt"}
    assert (milestone.window_start, milestone.window_end) == (date(2026, 7, 1), date(2026, 12, 31))
    assert milestone.revisions.count() == 1


def test_import_that_moves_a_target_records_a_revision_and_delays(editor_client, seed):
    nissan = Milestone.objects.get(owner__slug="nissan")
    rows = [
        milestone_row(
            nissan.slug, owner="nissan", target="FY2029", title=nissan.title, category=nissan.category
        )
    ]
    confirm(editor_client, "milestone", preview(editor_client, "milestone", csv_file(rows)))
    nissan.refresh_from_db()
    assert (nissan.window_end, nissan.status) == (date(2030, 3, 31), "delayed")
    assert nissan.revisions.order_by("-id").first().old_display == "FY2028"


def test_row_errors_are_listed_before_anything_is_written(editor_client, seed):
    rows = [
        milestone_row("fine", target="2028"),
        milestone_row("nobody", owner="Acme Imaginary Cells"),
        milestone_row("vague", target="someday soon"),
    ]
    response = preview(editor_client, "milestone", csv_file(rows))
    page = response.content.decode()
    assert (
        "unknown organisation &#x27;Acme Imaginary Cells&#x27;" in page
        or "unknown organisation 'Acme" in page
    )
    assert "not a target date we understand" in page
    assert response.context["result"].has_validation_errors()
    assert "process_import" not in page  # nothing to confirm
    assert not Milestone.objects.filter(slug__in=["fine", "nobody", "vague"]).exists()


def test_duplicate_url_is_a_row_error_on_announcement_import(editor_client, seed):
    rows = [
        {
            "slug": "",
            "title": "Same story, other link",
            "published_on": "2024-02-14",
            "publisher": "electrive",
            "source_url": "http://electrive.com/2024/02/13/chinas-car-and-battery-industry-launches-solid-state-battery-offensive?utm_medium=rss",
            "paywalled": "0",
            "organisations": "CATL",
        },
    ]
    response = preview(editor_client, "announcement", csv_file(rows, "announcements.csv"))
    assert "already recorded as" in response.content.decode()
    assert Announcement.objects.count() == 1


def test_reimporting_the_same_file_changes_nothing(editor_client, seed):
    rows = [milestone_row(f"m-{i}", target=f"Q{i % 4 + 1} 2028", participants="CALB") for i in range(5)]
    confirm(editor_client, "milestone", preview(editor_client, "milestone", csv_file(rows)))
    before = (list(Milestone.objects.values()), Milestone.history.count())
    response = preview(editor_client, "milestone", csv_file(rows))
    assert totals(response)["skip"] == 5 and totals(response)["new"] == totals(response)["update"] == 0
    confirm(editor_client, "milestone", response)
    assert (list(Milestone.objects.values()), Milestone.history.count()) == before


def test_export_then_reimport_is_a_no_op(editor_client, seed):
    exported = editor_client.post(
        reverse("admin:milestones_milestone_export"),
        {"format": "0", "resource": "0", **{f"milestoneresource_{c}": "on" for c in MILESTONE_COLUMNS}},
    ).content
    upload = io.BytesIO(exported)
    upload.name = "export.csv"
    response = preview(editor_client, "milestone", upload)
    assert totals(response)["skip"] == Milestone.objects.count()


def test_json_import_is_accepted(editor_client, seed):
    data = tablib.Dataset(headers=HEADER)
    row = milestone_row("json-row", target="late 2029")
    data.append([row[h] for h in HEADER])
    upload = io.BytesIO(data.export("json").encode())
    upload.name = "milestones.json"
    confirm(editor_client, "milestone", preview(editor_client, "milestone", upload, fmt="1"))
    assert Milestone.objects.get(slug="json-row").window_start == date(2029, 9, 1)


def test_import_applies_entirely_or_not_at_all(seed):
    dataset = tablib.Dataset(headers=HEADER)
    for row in (milestone_row("first-ok"), milestone_row("second-bad", target="eventually")):
        dataset.append([row[h] for h in HEADER])
    result = MilestoneResource().import_data(dataset, dry_run=False, rollback_on_validation_errors=True)
    assert result.has_validation_errors()
    assert not Milestone.objects.filter(slug="first-ok").exists()


def test_relations_import_by_names_and_aliases(editor_client, seed):
    rows = [
        {
            "source": "Build Your Dreams",
            "kind": "partner_of",
            "target": "Nio",
            "role": "joint venture",
            "started_on": "2025-03-01",
            "ended_on": "",
            "note": "",
            "evidence": "",
        }
    ]
    confirm(editor_client, "relation", preview(editor_client, "relation", csv_file(rows, "relations.csv")))
    relation = Organisation.objects.get(slug="byd").relations_out.get(kind="partner_of")
    assert relation.target.slug == "nio" and relation.started_on == date(2025, 3, 1)


def test_500_row_csv_import_through_the_admin(editor_client, seed, record_property, capsys):
    rows = [
        milestone_row(
            f"bulk-{i}",
            owner=["CATL", "calb", "EVE Energy", "蜂巢能源"][i % 4],
            target=["H2 2027", "FY2029", "by 2030", "Q3 2028", "around 2031"][i % 5],
        )
        for i in range(500)
    ]
    started = time.perf_counter()
    response = preview(editor_client, "milestone", csv_file(rows))
    previewed = time.perf_counter()
    confirm(editor_client, "milestone", response)
    finished = time.perf_counter()
    assert Milestone.objects.filter(slug__startswith="bulk-").count() == 500
    timing = f"500-row CSV import: preview {previewed - started:.2f} s, apply {finished - previewed:.2f} s"
    record_property("import_500_rows", timing)
    with capsys.disabled():
        print(f"\n{timing}")


@pytest.mark.parametrize(
    "variant",
    [
        "http://www.electrive.com/2024/02/13/story/",
        "https://electrive.com/2024/02/13/story?utm_source=x&utm_campaign=y",
        "https://electrive.com/2024/02/13/story/amp/",
        "https://amp.electrive.com/2024/02/13/story",
        "https://ELECTRIVE.com/2024/02/13/story#comments",
        "https://electrive.com/2024/02/13/story?fbclid=abc",
    ],
)
def test_url_variants_normalise_to_one_article(variant):
    assert normalize_url(variant) == normalize_url("https://www.electrive.com/2024/02/13/story")


def test_meaningful_query_parameters_are_kept():
    assert normalize_url("https://ex.com/a?id=2") != normalize_url("https://ex.com/a?id=3")


def announcement_post(client, **fields):
    url = reverse("admin:milestones_announcement_add")
    data = form_data(client.get(url).content.decode(), "announcement_form")
    data.update(fields)
    return client.post(url, data)


def test_similar_title_in_the_same_week_asks_for_confirmation(editor_client):
    first = AnnouncementFactory(
        title="Toyota confirms solid-state EV launch in 2027", published_on=date(2025, 3, 3)
    )
    fields = dict(
        title="Toyota confirms solid-state EV launch for 2027",
        published_on="2025-03-05",
        publisher=str(first.publisher.pk),
        url="https://other.example/toyota-ssb",
    )
    response = announcement_post(editor_client, **fields)
    assert "Possible duplicate of" in response.context["adminform"].form.errors["title"][0]
    assert Announcement.objects.count() == 1
    response = announcement_post(editor_client, not_a_duplicate="on", **fields)
    assert response.status_code == 302 and Announcement.objects.count() == 2


def test_similar_title_a_month_later_is_not_flagged(editor_client):
    first = AnnouncementFactory(
        title="Toyota confirms solid-state EV launch in 2027", published_on=date(2025, 3, 3)
    )
    response = announcement_post(
        editor_client,
        title="Toyota confirms solid-state EV launch in 2027",
        published_on="2025-04-10",
        publisher=str(first.publisher.pk),
        url="https://other.example/toyota-ssb-april",
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "typed",
    ["Contemporary Amperex Technology", "宁德时代", "catl", "CATL", "contemporary amperex technology"],
)
def test_aliases_resolve_to_the_organisation(seed, typed):
    assert selectors.organisation_resolve(typed).slug == "catl"


def test_unknown_and_ambiguous_organisations_are_named(seed):
    with pytest.raises(selectors.UnknownOrganisation, match="unknown organisation 'Umbrella'"):
        selectors.organisation_resolve("Umbrella")
    OrganisationFactory(name="Twin A", aliases="Twins")
    OrganisationFactory(name="Twin B", aliases="Twins")
    with pytest.raises(selectors.UnknownOrganisation, match="ambiguous"):
        selectors.organisation_resolve("Twins")


def test_new_milestone_repeating_an_open_one_points_to_reaffirmation(editor_client, seed):
    toyota = Organisation.objects.get(slug="toyota")
    url = reverse("admin:milestones_milestone_add")
    data = form_data(editor_client.get(url).content.decode(), "milestone_form")
    data.update(
        title="Toyota SSB cars",
        slug="",
        owner=str(toyota.pk),
        category="vehicle_launch",
        technology="all_solid_state",
        electrolyte="unspecified",
        target_text="2028",
        status="announced",
    )
    response = editor_client.post(url, data)
    assert "reaffirmation" in str(response.context["adminform"].form.non_field_errors())
    assert Milestone.objects.filter(owner=toyota).count() == 1
    data["not_a_repeat"] = "on"
    assert editor_client.post(url, data).status_code == 302


def test_linking_a_later_announcement_with_the_same_target_is_a_reaffirmation(seed):
    toyota = Milestone.objects.get(owner__slug="toyota")
    later = AnnouncementFactory(title="Toyota reiterates 2027/28", published_on=date(2025, 6, 1))
    toyota.evidence.add(later)
    assert selectors.reaffirmations(toyota) == [later]
    services.milestone_reschedule(milestone=toyota, target_text="2028/29", moved_by=later)
    assert selectors.reaffirmations(toyota) == []


def test_stale_milestones_are_flagged_in_the_admin(editor_client):
    old = AnnouncementFactory(published_on=date.today() - timedelta(days=500))
    stale = make_milestone(title="Quiet claim", target="2030", slug="quiet")
    stale.evidence.add(old)
    fresh = make_milestone(title="Fresh claim", target="2030", slug="fresh")
    fresh.evidence.add(AnnouncementFactory(published_on=date.today() - timedelta(days=10)))
    response = editor_client.get(reverse("admin:milestones_milestone_changelist"), {"stale": "yes"})
    assert [m.slug for m in response.context["cl"].result_list] == ["quiet"]
    assert f"⚠ {old.published_on}" in response.content.decode()


def test_api_filters_by_claim_strength_and_semi_solid_wording(client, seed):
    Milestone.objects.filter(owner__slug="nissan").update(semi_solid_called_solid_state=True)
    plans = client.get("/api/v1/milestones/", {"claim_strength": "plans"}).json()["results"]
    assert [m["slug"] for m in plans] == ["nissan-solid-state-cars-fy2028"]
    assert plans[0]["claim_strength"] == "plans" and plans[0]["semi_solid_called_solid_state"] is True
    firm = client.get("/api/v1/milestones/", {"claim_strength": ["plans", "expects"]}).json()["results"]
    assert len(firm) == 2
    flagged = client.get("/api/v1/milestones/", {"semi_solid_called_solid_state": "true"}).json()["results"]
    assert [m["owner"]["slug"] for m in flagged] == ["nissan"]


def test_api_stale_filter_and_unconfirmed_since(client):
    quiet = make_milestone(title="Quiet claim", target="2030", slug="quiet")
    quiet.evidence.add(AnnouncementFactory(published_on=date.today() - timedelta(days=500)))
    fresh = make_milestone(title="Fresh claim", target="2030", slug="fresh")
    fresh.evidence.add(AnnouncementFactory(published_on=date.today() - timedelta(days=3)))
    stale = client.get("/api/v1/milestones/", {"stale": "true"}).json()["results"]
    assert [m["slug"] for m in stale] == ["quiet"]
    assert stale[0]["stale"] is True
    assert stale[0]["last_evidence_on"] == (date.today() - timedelta(days=500)).isoformat()
    confirmed = client.get("/api/v1/milestones/", {"stale": "false"}).json()["results"]
    assert [m["slug"] for m in confirmed] == ["fresh"] and confirmed[0]["stale"] is False


def test_api_owner_filter_accepts_aliases(client, seed):
    for typed in ("宁德时代", "Contemporary Amperex Technology", "catl"):
        Milestone.objects.filter(slug="casip-solid-state-supply-chain-by-2030").update(
            owner=Organisation.objects.get(slug="catl")
        )
        found = client.get("/api/v1/milestones/", {"owner": typed}).json()["results"]
        assert [m["owner"]["slug"] for m in found] == ["catl"], typed
    members = client.get(
        "/api/v1/organisations/",
        {"member_of": "China All-Solid-State Battery Collaborative Innovation Platform"},
    )
    assert len(members.json()["results"]) == 13


def test_api_detail_lists_reaffirmations(client, seed):
    toyota = Milestone.objects.get(owner__slug="toyota")
    later = AnnouncementFactory(title="Toyota reiterates 2027/28", published_on=date(2025, 6, 1))
    toyota.evidence.add(later)
    detail = client.get(f"/api/v1/milestones/{toyota.slug}/").json()
    assert [a["slug"] for a in detail["reaffirmations"]] == [later.slug]
    assert detail["reaffirmations"][0]["published_on"] == "2025-06-01"


def test_milestone_page_shows_strength_staleness_and_reaffirmations(client, seed):
    toyota = Milestone.objects.get(owner__slug="toyota")
    repeated_on = date.today() - timedelta(days=400)
    later = AnnouncementFactory(title="Toyota reiterates 2027/28", published_on=repeated_on)
    toyota.evidence.add(later)
    page = client.get(toyota.get_absolute_url()).content.decode()
    assert "the source says it <strong>aims</strong>" in page
    assert "Reaffirmed" in page and "Toyota reiterates 2027/28" in page
    assert f"Unconfirmed since {repeated_on.day} {repeated_on:%b %Y}" in page
    toyota.evidence.add(AnnouncementFactory(title="Toyota again", published_on=date.today()))
    assert "Unconfirmed since" not in client.get(toyota.get_absolute_url()).content.decode()


def test_timeline_filters_by_claim_strength(client, seed):
    page = client.get("/", {"claim_strength": "plans"}).content.decode()
    assert "Nissan: electric cars" in page and "Toyota: first electric cars" not in page
    assert 'name="claim_strength"' in page
