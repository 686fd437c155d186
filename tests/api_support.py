"""Helpers for the REST API tests: clients per persona and a bulk-built data set."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from milestones import services
from milestones.models import (
    Announcement,
    Milestone,
    Organisation,
    Person,
    Publisher,
    Quote,
    Relation,
    TargetRevision,
)

API = "/api/v1"
HIGH_RATES = {"anon": "100000/minute", "user": "100000/minute"}


@pytest.fixture
def relaxed_throttle(settings) -> None:
    """Other tests share the client address 127.0.0.1; only the throttle test counts requests."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": HIGH_RATES}


def api_token(user) -> str:
    """A new API key of ``user``, for ``Authorization: Token <key>``."""
    _, key = services.api_token_create(user=user)
    return key


def token_client(user) -> Client:
    """A client sending a new API key of ``user``, as a program would."""
    return Client(HTTP_AUTHORIZATION=f"Token {api_token(user)}")


def send(client: Client, method: str, path: str, data=None, **headers):
    """A JSON request; headers as keyword arguments, e.g. if_match='*'."""
    extra = {f"HTTP_{name.upper()}": value for name, value in headers.items()}
    kwargs = {"content_type": "application/json"} if data is not None else {}
    return getattr(client, method.lower())(path, data=data, **kwargs, **extra)


def populate(count: int) -> dict[str, list]:
    """``count`` of every resource, each milestone with 2 participants, 2 pieces of evidence and
    a revision, each announcement with 2 organisations and a quote: enough links that an N+1
    query would show up in a count."""
    publishers = Publisher.objects.bulk_create(
        Publisher(name=f"Publisher {i:04d}", slug=f"publisher-{i:04d}") for i in range(count)
    )
    orgs = Organisation.objects.bulk_create(
        Organisation(
            name=f"Org {i:04d}",
            slug=f"org-{i:04d}",
            kind=Organisation.Kind.BATTERY_MAKER,
            country="JP" if i % 2 else "CN",
            region="japan" if i % 2 else "china",
            fiscal_year_start_month=4 if i % 2 else 1,
        )
        for i in range(count + 2)
    )
    people = Person.objects.bulk_create(
        Person(name=f"Person {i:04d}", slug=f"person-{i:04d}", affiliation=orgs[i]) for i in range(count)
    )
    announcements = Announcement.objects.bulk_create(
        Announcement(
            title=f"News {i:04d}",
            slug=f"news-{i:04d}",
            published_on=date(2024, 1, 1) + timedelta(days=i),
            publisher=publishers[i % count],
            url=f"https://news.example.com/{i}",
            url_normalized=f"news.example.com/{i}",
        )
        for i in range(count + 2)
    )
    Announcement.organisations.through.objects.bulk_create(
        Announcement.organisations.through(announcement=a, organisation=orgs[i + k])
        for i, a in enumerate(announcements[:count])
        for k in (0, 1)
    )
    Quote.objects.bulk_create(
        Quote(announcement=announcements[i], speaker=people[i], text=f"Quote {i}") for i in range(count)
    )
    Relation.objects.bulk_create(
        Relation(source=orgs[i], target=orgs[i + 1], kind=Relation.Kind.PARTNER_OF) for i in range(count)
    )
    Relation.evidence.through.objects.bulk_create(
        Relation.evidence.through(relation=r, announcement=announcements[i])
        for i, r in enumerate(Relation.objects.order_by("pk"))
    )
    milestones = []
    for i in range(count):
        target = services.target_parse(text=str(2026 + i % 5), owner=orgs[i])
        milestone = Milestone(
            title=f"Milestone {i:04d}", slug=f"milestone-{i:04d}", owner=orgs[i], category="samples"
        )
        milestone.set_target(target)
        milestones.append(milestone)
    Milestone.objects.bulk_create(milestones)
    Milestone.participants.through.objects.bulk_create(
        Milestone.participants.through(milestone=m, organisation=orgs[i + k])
        for i, m in enumerate(milestones)
        for k in (1, 2)
    )
    Milestone.evidence.through.objects.bulk_create(
        Milestone.evidence.through(milestone=m, announcement=announcements[i + k])
        for i, m in enumerate(milestones)
        for k in (0, 1)
    )
    now = timezone.now()
    TargetRevision.objects.bulk_create(
        TargetRevision(
            milestone=m,
            new_text=m.target_text,
            new_edtf=m.target_edtf,
            new_display=m.target_display,
            new_start=m.window_start,
            new_end=m.window_end,
            recorded_at=now,
            effective_on=now.date(),
        )
        for m in milestones
    )
    return {"organisations": orgs, "announcements": announcements, "milestones": milestones}
