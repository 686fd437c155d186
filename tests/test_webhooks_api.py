"""``/api/v1/webhooks/``: own endpoints only, the secret once, which changes make which events."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone
from jsonschema import Draft202012Validator

from milestones import services
from milestones.domain.webhooks import EVENT_TYPES, MAX_PAYLOAD_BYTES
from milestones.models import Milestone, TargetRevision, WebhookDelivery, WebhookEvent
from tests.api_support import API, relaxed_throttle, send, token_client  # noqa: F401
from tests.factories import AnnouncementFactory, OrganisationFactory, make_milestone
from tests.test_api_schema import _strict

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_settings", "relaxed_throttle")]
URL = "http://127.0.0.1:9/hook"  # never called: these tests look at the outbox, not the wire


def register(user, **fields) -> dict:
    response = send(token_client(user), "post", f"{API}/webhooks/", {"url": URL, **fields})
    assert response.status_code == 201, response.content
    return response.json()


def sent_types() -> list[str]:
    return list(WebhookEvent.objects.order_by("pk").values_list("type", flat=True))


def test_the_secret_is_shown_only_when_the_endpoint_is_made(editor):
    created = register(editor, description="CI bot")
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    shown = token_client(editor).get(f"{API}/webhooks/{created['id']}/").json()
    assert "secret" not in shown and created["secret"] not in json.dumps(shown)
    listed = token_client(editor).get(f"{API}/webhooks/").json()["results"]
    assert [row["id"] for row in listed] == [created["id"]] and "secret" not in listed[0]


def test_any_authenticated_user_may_register_but_not_anonymous(reader, client):
    assert register(reader)["events"] == []
    assert send(client, "post", f"{API}/webhooks/", {"url": URL}).status_code == 401
    assert client.get(f"{API}/webhooks/").status_code == 401


def test_someone_elses_endpoint_is_a_404_for_every_operation(editor, reader):
    theirs = register(editor)["id"]
    client = token_client(reader)
    base = f"{API}/webhooks/{theirs}/"
    for method, path in [
        ("get", base),
        ("patch", base),
        ("delete", base),
        ("post", f"{base}rotate-secret/"),
        ("post", f"{base}test/"),
        ("get", f"{base}deliveries/"),
    ]:
        assert send(client, method, path, {} if method == "patch" else None).status_code == 404, path
    assert client.get(f"{API}/webhooks/").json()["results"] == []
    assert token_client(editor).get(base).status_code == 200


def test_owner_may_change_and_delete(editor):
    endpoint = register(editor)
    base = f"{API}/webhooks/{endpoint['id']}/"
    changed = send(token_client(editor), "patch", base, {"events": ["milestone.slipped"], "description": "x"})
    assert changed.status_code == 200 and changed.json()["events"] == ["milestone.slipped"]
    assert send(token_client(editor), "delete", base).status_code == 204
    assert token_client(editor).get(base).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": URL, "events": ["milestone.exploded"]}, "events"),
        ({"url": URL, "events": "milestone.created"}, "events"),
        ({"url": URL, "organisations": ["no-such-company"]}, "organisations"),
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://127.0.0.1/"}, "url"),
        ({"url": "https://user:pw@127.0.0.1/"}, "url"),
        ({}, "url"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(editor, body, field):
    response = send(token_client(editor), "post", f"{API}/webhooks/", body)
    assert response.status_code == 400, response.content
    assert field in {error["field"].split(".")[0] for error in response.json()["errors"]}


def test_organisations_filter_by_slug_or_alias(editor):
    catl = OrganisationFactory(name="CATL", slug="catl", aliases="宁德时代")
    endpoint = register(editor, organisations=["宁德时代"])
    assert endpoint["organisations"] == ["catl"]
    make_milestone(owner=OrganisationFactory(name="Other"))
    assert sent_types() == []
    make_milestone(owner=catl)
    assert sent_types() == ["milestone.created"]


def test_events_filter(editor):
    register(editor, events=["milestone.achieved"])
    milestone = make_milestone()
    services.milestone_set_status(milestone=milestone, status="achieved", today=date(2026, 1, 5))
    assert sent_types() == ["milestone.achieved"]


def test_each_change_makes_its_event(editor):
    register(editor)
    milestone = make_milestone(target="2028")
    services.milestone_save(milestone=milestone, data={"title": "Renamed"})
    services.milestone_reschedule(milestone=milestone, target_text="2030")
    services.milestone_reschedule(milestone=milestone, target_text="2029")
    services.milestone_set_status(milestone=milestone, status="achieved", today=date(2026, 1, 5))
    services.milestone_save(milestone=milestone, data={})  # nothing changed: no event
    assert sent_types() == [
        "milestone.created",
        "milestone.changed",
        "milestone.slipped",
        "milestone.pulled_in",
        "milestone.achieved",
    ]
    pulled_in = json.loads(WebhookEvent.objects.get(type="milestone.pulled_in").body)["data"]
    assert pulled_in["previous_target"]["end"] == "2030-12-31" and pulled_in["moved_by"] is None


def test_evidence_added_is_a_change(editor):
    milestone = make_milestone()
    register(editor, events=["milestone.changed"])
    services.milestone_save(milestone=milestone, data={"evidence": [AnnouncementFactory()]})
    assert sent_types() == ["milestone.changed"]


def test_a_new_announcement_is_an_event_with_the_api_representation(editor):
    register(editor, events=["announcement.created"])
    publisher = AnnouncementFactory().publisher
    announcement = services.announcement_save(
        data={
            "title": "Toyota confirms",
            "published_on": date(2025, 3, 1),
            "publisher": publisher,
            "url": "https://news.example.com/toyota",
        }
    )
    services.announcement_save(announcement=announcement, data={"title": "Toyota confirms again"})
    (event,) = WebhookEvent.objects.all()
    body = json.loads(event.body)
    assert body["type"] == "announcement.created"
    assert body["data"] | {"title": "Toyota confirms again", "updated_at": None} == token_client(editor).get(
        f"{API}/announcements/{announcement.slug}/"
    ).json() | {"updated_at": None}


def test_overdue_is_sent_once_per_target_window(editor):
    register(editor, events=["milestone.overdue"])
    milestone = make_milestone(target="2025")
    days_after = lambda n: timezone.make_aware(timezone.datetime(2026, 1, 1, 12) + timedelta(days=n))  # noqa: E731
    for day in (0, 1, 2):
        with time_machine.travel(days_after(day)):
            call_command("deliver_webhooks", stdout=io.StringIO())
    assert sent_types() == ["milestone.overdue"]
    with time_machine.travel(days_after(3)):
        services.milestone_reschedule(milestone=milestone, target_text="2025-12-31")  # a new target…
        services.milestone_reschedule(milestone=milestone, target_text="2026-01-02")  # …that ends too
    with time_machine.travel(days_after(4)):
        call_command("deliver_webhooks", stdout=io.StringIO())
        call_command("deliver_webhooks", stdout=io.StringIO())
    assert sent_types() == ["milestone.overdue", "milestone.overdue"]


def test_final_or_long_past_milestones_are_not_overdue_events(editor):
    register(editor, events=["milestone.overdue"])
    make_milestone(target="2020")
    make_milestone(target="2025", status=Milestone.Status.ACHIEVED, achieved_on=date(2025, 6, 1))
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 1, 2, 12))):
        call_command("deliver_webhooks", stdout=io.StringIO())
    assert sent_types() == []


def test_a_huge_resource_is_cut_to_fit_64_kib(editor):
    milestone = make_milestone(target="2028", description="long " * 2000)
    TargetRevision.objects.bulk_create(
        TargetRevision(
            milestone=milestone,
            new_text="2028",
            new_edtf="2028",
            new_display="2028",
            new_start=date(2028, 1, 1),
            new_end=date(2028, 12, 31),
            note="n" * 300,
            recorded_at=timezone.now(),
            effective_on=date(2025, 1, 1),
        )
        for _ in range(250)
    )
    register(editor)
    services.milestone_save(milestone=milestone, data={"title": "Big"})
    event = WebhookEvent.objects.get()
    body = json.loads(event.body)
    assert len(event.body.encode()) <= MAX_PAYLOAD_BYTES
    assert body["truncated"] == ["revisions"] and body["data"]["title"] == "Big"


def test_nobody_listening_writes_nothing(editor):
    milestone = make_milestone()
    services.milestone_reschedule(milestone=milestone, target_text="2031")
    assert not WebhookEvent.objects.exists() and not WebhookDelivery.objects.exists()


def test_the_delivery_log_pages_with_a_cursor(editor):
    endpoint = register(editor)
    for _ in range(3):
        send(token_client(editor), "post", f"{API}/webhooks/{endpoint['id']}/test/")
    client = token_client(editor)
    first = client.get(f"{API}/webhooks/{endpoint['id']}/deliveries/?page_size=2").json()
    second = client.get(first["next"]).json()
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert len(ids) == 3 and ids == sorted(ids, reverse=True) and second["next"] is None


def test_the_admin_lists_endpoints_and_deliveries_without_secrets_and_editors_disable(editor, client):
    endpoint = register(editor)
    rotated = send(token_client(editor), "post", f"{API}/webhooks/{endpoint['id']}/rotate-secret/").json()
    send(token_client(editor), "post", f"{API}/webhooks/{endpoint['id']}/test/")
    client.force_login(editor)
    delivery = WebhookDelivery.objects.get()
    for path in [
        "/admin/milestones/webhookendpoint/",
        f"/admin/milestones/webhookendpoint/{endpoint['id']}/change/",
        "/admin/milestones/webhookdelivery/",
        f"/admin/milestones/webhookdelivery/{delivery.pk}/change/",
    ]:
        page = client.get(path)
        assert page.status_code == 200, path
        html = page.content.decode()
        assert URL in html
        for secret in (endpoint["secret"], rotated["secret"]):
            assert secret.removeprefix("whsec_")[:20] not in html, path
    response = client.post(
        "/admin/milestones/webhookendpoint/",
        {"action": "disable", "_selected_action": [endpoint["id"]]},
        follow=True,
    )
    assert "1 endpoint(s) disabled." in response.content.decode()
    shown = token_client(editor).get(f"{API}/webhooks/{endpoint['id']}/").json()
    assert shown["enabled"] is False and "edna" in shown["disabled_reason"]


def test_every_event_body_matches_its_schema(editor, client):
    schema = client.get(f"{API}/schema/?format=json").json()
    root = {"$ref": "#/components/schemas/WebhookEvent", "components": _strict(schema["components"])}
    validator = Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
    endpoint = register(editor)
    milestone = make_milestone(target="2025")
    services.milestone_save(milestone=milestone, data={"title": "Renamed"})
    services.milestone_reschedule(milestone=milestone, target_text="2030", moved_by=AnnouncementFactory())
    services.milestone_reschedule(milestone=milestone, target_text="2029")
    services.milestone_set_status(milestone=milestone, status="achieved", today=date(2026, 1, 5))
    services.announcement_save(
        data={
            "title": "News",
            "published_on": date(2025, 3, 1),
            "url": "https://n.example.com/1",
            "publisher": AnnouncementFactory().publisher,
        }
    )
    send(token_client(editor), "post", f"{API}/webhooks/{endpoint['id']}/test/")
    make_milestone(target="2025")  # overdue on the day below
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 1, 2, 12))):
        services.webhooks_overdue_scan()
    assert set(sent_types()) == {*EVENT_TYPES, "ping"}  # every kind of body
    for event in WebhookEvent.objects.all():
        validator.validate(json.loads(event.body))
