"""Small builders for test data. Milestones go through the service, as in the app."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import factory
from django.utils.text import slugify

from milestones import services
from milestones.models import Announcement, Milestone, Organisation, Person, Publisher


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Cellmaker {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    kind = Organisation.Kind.BATTERY_MAKER
    country = "CN"


class PublisherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Publisher
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Battery News {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    name = factory.Sequence(lambda n: f"Speaker {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class AnnouncementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Announcement

    title = factory.Sequence(lambda n: f"Solid-state news {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))
    published_on = date(2025, 1, 15)
    publisher = factory.SubFactory(PublisherFactory)
    url = factory.Sequence(lambda n: f"https://news.example.com/articles/{n}")


def make_milestone(
    *,
    owner: Organisation | None = None,
    title: str = "Solid-state cells in production",
    target: str = "2030",
    category: str = Milestone.Category.START_OF_PRODUCTION,
    status: str = Milestone.Status.ANNOUNCED,
    slug: str | None = None,
    opened_on: date | None = None,
    moved_by: Announcement | None = None,
    **fields,
) -> Milestone:
    """A milestone saved through the service; ``opened_on`` records it as stated on that day."""
    owner = owner or OrganisationFactory()
    data = {
        "owner": owner,
        "title": title,
        "slug": slug or f"{owner.slug}-{Milestone.objects.count() + 1}",
        "category": category,
        "status": status,
        "target_text": target,
        **fields,
    }
    now = datetime.combine(opened_on, time(12), tzinfo=UTC) if opened_on else None
    return services.milestone_save(data=data, moved_by=moved_by, now=now)
