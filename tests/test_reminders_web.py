"""Sign-up, double opt-in and unsubscribe through HTTP (form and API), EMAIL_URL and the editors' digest."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail as outbox
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template
from django.test import Client

from milestones import services
from milestones.models import EditorDigest, Reminder, Subscription
from ssbtracker.celery import app as celery_app
from ssbtracker.env import email_settings
from tests.factories import AnnouncementFactory, OrganisationFactory, make_milestone
from tests.reminder_support import subscribe

UTC = ZoneInfo("UTC")
API = "/api/v1/subscriptions/"


@pytest.fixture(autouse=True)
def _eager_tasks_and_fresh_limits():
    """Confirmation mails are Celery tasks: run them in-process. (Rate limits live in the
    database and roll back with each test; the page cache is cleared.)"""
    celery_app.conf.task_always_eager = True
    cache.clear()
    yield
    celery_app.conf.task_always_eager = False
    cache.clear()


def post_form(client, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/subscriptions/", data)


def link_in(message, name: str) -> str:
    return re.search(rf"https?://\S+/subscriptions/{name}/\S+/", message.body).group(0).split("8000", 1)[1]


@pytest.mark.django_db
@pytest.mark.parametrize("scope", ["milestone", "organisation", "all"])
def test_subscribe_form_tag_renders_a_form_for_each_scope(scope):
    milestone = make_milestone(target="2030", title="Toyota cars")
    template = Template(
        "{% load subscriptions %}"
        + {
            "milestone": "{% subscribe_form milestone=milestone %}",
            "organisation": "{% subscribe_form organisation=milestone.owner %}",
            "all": "{% subscribe_form %}",
        }[scope]
    )
    html = template.render(Context({"milestone": milestone}))
    assert 'action="/subscriptions/"' in html
    assert f'name="scope" value="{scope}"' in html
    assert html.count('type="checkbox"') == 5


@pytest.mark.django_db
def test_form_signup_mails_a_link_and_sends_nothing_until_confirmed(
    client, django_capture_on_commit_callbacks
):
    milestone = make_milestone(target="2030")
    response = post_form(
        client,
        django_capture_on_commit_callbacks,
        email="New@Example.com",
        scope="milestone",
        milestone=milestone.pk,
        kinds=["deadline"],
    )
    assert response.status_code == 200 and b"Check your inbox" in response.content
    subscription = Subscription.objects.get()
    assert subscription.email == "new@example.com" and subscription.confirmed_at is None
    assert len(outbox.outbox) == 1 and "please confirm" in outbox.outbox[0].subject
    assert outbox.outbox[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert services.reminders_scan(day=date(2030, 12, 31)) == 0  # unconfirmed


@pytest.mark.django_db
def test_confirm_link_shows_a_button_and_the_post_confirms_with_the_chosen_lead_times(
    client, django_capture_on_commit_callbacks
):
    milestone = make_milestone(target="2030")
    post_form(
        client,
        django_capture_on_commit_callbacks,
        email="a@example.com",
        scope="milestone",
        milestone=milestone.pk,
        kinds=["deadline", "overdue_30"],
    )
    confirm = link_in(outbox.outbox[0], "confirm")
    assert client.get(confirm).status_code == 200
    assert Subscription.objects.get().confirmed_at is None  # GET alone (a link scanner) confirms nothing
    assert client.post(confirm).status_code == 200
    subscription = Subscription.objects.get()
    assert subscription.is_active
    assert (subscription.remind_deadline, subscription.remind_30_overdue, subscription.remind_7_before) == (
        True,
        True,
        False,
    )
    assert services.reminders_scan(day=date(2030, 12, 31)) == 1


@pytest.mark.django_db
def test_form_answers_the_same_for_new_pending_and_confirmed_addresses(
    client, django_capture_on_commit_callbacks
):
    data = {"email": "same@example.com", "scope": "all", "kinds": ["deadline"]}
    first = post_form(client, django_capture_on_commit_callbacks, **data)
    second = post_form(client, django_capture_on_commit_callbacks, **data)
    Subscription.objects.update(confirmed_at=datetime(2030, 1, 1, tzinfo=UTC), active_from=date(2030, 1, 1))
    third = post_form(client, django_capture_on_commit_callbacks, **data)
    assert first.status_code == second.status_code == third.status_code == 200
    assert first.content == second.content == third.content
    assert Subscription.objects.count() == 1
    assert Subscription.objects.get().remind_30_before  # a sign-up alone changes nothing


@pytest.mark.django_db
def test_bad_or_expired_confirm_link_is_refused_with_a_message(client, django_capture_on_commit_callbacks):
    post_form(
        client, django_capture_on_commit_callbacks, email="a@example.com", scope="all", kinds=["deadline"]
    )
    confirm = link_in(outbox.outbox[0], "confirm")
    assert b"not valid" in client.post(confirm.replace(":", "x", 1)).content
    with time_machine.travel(datetime.now(UTC) + timedelta(days=8)):
        response = client.post(confirm)
    assert response.status_code == 400 and b"expired" in response.content
    assert Subscription.objects.get().confirmed_at is None


@pytest.mark.django_db
def test_invalid_form_is_a_400_naming_the_field(client, django_capture_on_commit_callbacks):
    response = post_form(
        client, django_capture_on_commit_callbacks, email="not-an-address", scope="milestone"
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "email: Enter a valid email address." in body and "milestone: Choose the milestone" in body
    assert not Subscription.objects.exists()


@pytest.mark.django_db
def test_form_is_rate_limited_per_client(client, settings, django_capture_on_commit_callbacks):
    settings.SUBSCRIBE_RATE_PER_IP = 2
    codes = [
        post_form(
            client,
            django_capture_on_commit_callbacks,
            email=f"r{n}@example.com",
            scope="all",
            kinds=["deadline"],
        ).status_code
        for n in range(3)
    ]
    assert codes == [200, 200, 429]
    assert Subscription.objects.count() == 2


@pytest.mark.django_db
def test_confirmation_mails_per_address_are_capped(client, settings, django_capture_on_commit_callbacks):
    settings.SUBSCRIBE_RATE_PER_EMAIL = 2
    for _ in range(4):
        post_form(
            client,
            django_capture_on_commit_callbacks,
            email="victim@example.com",
            scope="all",
            kinds=["deadline"],
        )
    assert len(outbox.outbox) == 2


@pytest.mark.django_db
def test_unsubscribe_get_asks_and_post_unsubscribes_every_subscription_of_the_address():
    milestone = make_milestone(target="2030")
    subscribe("gone@example.com")
    subscribe("gone@example.com", milestone=milestone)
    subscribe("stays@example.com")
    services.reminders_scan(day=date(2030, 12, 24))
    url = services.unsubscribe_url(email="gone@example.com").split("8000", 1)[1]
    client = Client(enforce_csrf_checks=True)
    assert client.get(url).status_code == 200
    assert Subscription.objects.filter(unsubscribed_at__isnull=False).count() == 0
    assert client.post(url).status_code == 200
    assert set(
        Subscription.objects.filter(unsubscribed_at__isnull=False).values_list("email", flat=True)
    ) == {"gone@example.com"}
    assert set(
        Reminder.objects.filter(subscription__email="gone@example.com").values_list("status", flat=True)
    ) == {"cancelled"}
    assert Client().post(url.replace("/unsubscribe/", "/unsubscribe/x")).status_code == 400


def api_post(client, django_capture_on_commit_callbacks, payload):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(API, payload, content_type="application/json")


@pytest.mark.django_db
def test_api_answers_202_the_same_for_new_and_existing_addresses(client, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory(name="Nissan")
    payload = {"email": "api@example.com", "scope": "organisation", "organisation": organisation.slug}
    first = api_post(client, django_capture_on_commit_callbacks, payload)
    Subscription.objects.update(confirmed_at=datetime(2030, 1, 1, tzinfo=UTC), active_from=date(2030, 1, 1))
    second = api_post(client, django_capture_on_commit_callbacks, payload)
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert len(outbox.outbox) == 2
    assert Subscription.objects.get().organisation == organisation


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"email": "x@example.com", "scope": "milestone"}, "milestone"),
        ({"email": "x@example.com", "scope": "all", "kinds": ["someday"]}, "kinds"),
        ({"email": "nope", "scope": "all"}, "email"),
        ({"email": "x@example.com", "scope": "organisation", "organisation": "no-such-org"}, "organisation"),
    ],
)
def test_api_bad_input_is_a_400_naming_the_field(client, django_capture_on_commit_callbacks, payload, field):
    response = api_post(client, django_capture_on_commit_callbacks, payload)
    assert response.status_code == 400
    assert field in response.content.decode()
    assert not Subscription.objects.exists()


@pytest.mark.django_db
def test_api_is_rate_limited(client, settings, django_capture_on_commit_callbacks):
    settings.SUBSCRIBE_RATE_PER_IP = 1
    payload = {"email": "x@example.com", "scope": "all"}
    assert api_post(client, django_capture_on_commit_callbacks, payload).status_code == 202
    assert api_post(client, django_capture_on_commit_callbacks, payload).status_code == 429


def test_email_url_unset_writes_files_under_var():
    assert email_settings("", file_path="/srv/var/mail") == {
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": "/srv/var/mail",
    }


def test_email_url_plain_smtp():
    config = email_settings("smtp://127.0.0.1:1025", file_path="")
    assert (config["EMAIL_HOST"], config["EMAIL_PORT"], config["EMAIL_USE_TLS"], config["EMAIL_USE_SSL"]) == (
        "127.0.0.1",
        1025,
        False,
        False,
    )


def test_email_url_starttls_with_quoted_credentials():
    config = email_settings("smtp+tls://mailer%40example.com:p%40ss%3Aword@smtp.example.com", file_path="")
    assert config["EMAIL_PORT"] == 587 and config["EMAIL_USE_TLS"] and not config["EMAIL_USE_SSL"]
    assert (config["EMAIL_HOST_USER"], config["EMAIL_HOST_PASSWORD"]) == ("mailer@example.com", "p@ss:word")


def test_email_url_implicit_tls_and_timeout():
    config = email_settings("smtp+ssl://smtp.example.com?timeout=3", file_path="")
    assert (config["EMAIL_PORT"], config["EMAIL_USE_SSL"], config["EMAIL_TIMEOUT"]) == (465, True, 3.0)


@pytest.mark.parametrize(
    ("url", "reason"),
    [("imap://mail.example.com", "not supported"), ("smtp://", "names no host"), ("smtp://h:port", "port")],
)
def test_bad_email_url_is_refused_at_start_up(url, reason):
    with pytest.raises(ImproperlyConfigured, match=reason):
        email_settings(url, file_path="")


@pytest.mark.django_db
def test_editors_get_one_weekly_digest_with_admin_links(editor, django_user_model):
    editor.email = "edna@example.com"
    editor.save()
    django_user_model.objects.create_user(username="rita", email="rita@example.com")  # not an editor
    overdue = make_milestone(target="2029", title="Overdue cells")
    quiet = make_milestone(target="2032", title="Quiet cells")
    quiet.evidence.add(AnnouncementFactory(published_on=date(2028, 6, 1)))
    fresh = make_milestone(target="2033", title="Fresh cells")
    fresh.evidence.add(AnnouncementFactory(published_on=date(2030, 3, 1)))
    monday = datetime(2030, 6, 3, 9, tzinfo=UTC)
    with time_machine.travel(monday, tick=False):
        assert services.editor_digests_schedule(today=monday.date()) == 1
        assert services.editor_digests_schedule(today=monday.date()) == 0
        assert services.editor_digests_send(today=monday.date()).sent == 1
        assert services.editor_digests_send(today=monday.date()).sent == 0
    assert [m.to for m in outbox.outbox] == [["edna@example.com"]]
    body = outbox.outbox[0].body
    assert f"/admin/milestones/milestone/{overdue.pk}/change/" in body
    assert f"/admin/milestones/milestone/{quiet.pk}/change/" in body
    assert "Fresh cells" not in body
    assert EditorDigest.objects.get().status == "sent"
