"""Links, short summaries and the fields whose written form differs from their read form.

Summaries are built by plain functions rather than nested serializers: a
100-row milestone page has several hundred of them, and the generic
serializer machinery is the bulk of a response's cost. The ``*SummarySerializer``
classes in ``serializers.py`` describe the same keys for the schema (a test
keeps the two in step).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import Model
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from milestones.models import Announcement, Organisation, Person, Publisher
from milestones.selectors import TrackRecord

# Placeholders that match the routes' patterns, swapped for the real key after reversing once.
_SLUG_KEY, _PK_KEY = "__key__", "9081726354"


class Links:
    """Absolute API and page URLs for one request; reverse() runs once per route, not per row."""

    def __init__(self, request) -> None:
        self.origin = request.build_absolute_uri("/")[:-1] if request is not None else ""
        self._templates: dict[str, str] = {}
        self._pages: dict[type, str] = {}

    def api(self, route: str, key: Any) -> str:
        template = self._templates.get(route)
        if template is None:
            kwargs = {"pk": _PK_KEY} if route == "relation" else {"slug": _SLUG_KEY}
            template = self.origin + reverse(f"api:{route}-detail", kwargs=kwargs)
            self._templates[route] = template
        return template.replace(_PK_KEY if route == "relation" else _SLUG_KEY, str(key))

    def page(self, obj: Any) -> str:
        # The model's own get_absolute_url(), asked once per model and request with a placeholder.
        model = getattr(obj, "page_model", None) or type(obj)
        template = self._pages.get(model)
        if template is None:
            template = self._pages[model] = self.origin + model(slug=_SLUG_KEY).get_absolute_url()
        return template.replace(_SLUG_KEY, obj.slug)


def links(context: dict) -> Links:
    found = context.get("links")
    if found is None:
        found = context["links"] = Links(context.get("request"))
    return found


def iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def iso_datetime(value: datetime) -> str:
    """As DRF's DateTimeField writes it (current time zone, "Z" for UTC), at a fraction of the cost."""
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def organisation_summary(org: Organisation, link: Links) -> dict:
    return {
        "slug": org.slug,
        "name": org.name,
        "country": str(org.country),
        "region": org.region,
        "url": link.api("organisation", org.slug),
        "page_url": link.page(org),
    }


def publisher_summary(publisher: Publisher, link: Links) -> dict:
    return {"slug": publisher.slug, "name": publisher.name, "url": link.api("publisher", publisher.slug)}


def person_summary(person: Person, link: Links) -> dict:
    return {"slug": person.slug, "name": person.name, "url": link.api("person", person.slug)}


def announcement_summary(announcement: Announcement, link: Links) -> dict:
    return {
        "slug": announcement.slug,
        "title": announcement.title,
        "published_on": announcement.published_on.isoformat(),
        "publisher": publisher_summary(announcement.publisher, link),
        "paywalled": announcement.paywalled,
        "source_url": announcement.url,
        "url": link.api("announcement", announcement.slug),
        "page_url": link.page(announcement),
    }


def target_representation(obj: Any) -> dict:
    return {
        "edtf": obj.target_edtf,
        "text": obj.target_text,
        "display": obj.target_display,
        "start": obj.window_start.isoformat(),
        "end": obj.window_end.isoformat(),
        "approximate": obj.target_approximate,
    }


def track_record_representation(record: TrackRecord) -> dict:
    return {
        "achieved_on_time": record.achieved_on_time,
        "achieved_late": record.achieved_late,
        "missed": record.missed,
        "slips": record.slips,
        "average_slip_months": record.average_slip_months,
    }


SUMMARIES = {
    Organisation: organisation_summary,
    Publisher: publisher_summary,
    Person: person_summary,
    Announcement: announcement_summary,
}


class SummaryRelatedField(serializers.SlugRelatedField):
    """Written as the related object's slug, read as its short summary."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("slug_field", "slug")
        super().__init__(**kwargs)

    def to_representation(self, obj: Model) -> dict:
        return SUMMARIES[type(obj)](obj, links(self.context))

    def to_internal_value(self, data: Any) -> Model:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.URI)
class SelfLinkField(serializers.Field):
    """The absolute API URL of the object itself."""

    def __init__(self, route: str, key: str = "slug", **kwargs) -> None:
        self.route, self.key = route, key
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj: Model) -> str:
        return links(self.context).api(self.route, getattr(obj, self.key))


@extend_schema_field(OpenApiTypes.URI)
class PageLinkField(serializers.Field):
    """The absolute URL of the object's page in the browser."""

    def __init__(self, **kwargs) -> None:
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, obj: Model) -> str:
        return links(self.context).page(obj)


class TargetField(serializers.Field):
    """Read as ``{edtf, text, display, start, end, approximate}``; written as a phrase or EDTF
    string ("FY2028", "by 2030", "2027-35") or an object carrying ``text`` or ``edtf``.
    Parsing needs the owner's fiscal year, so the serializer turns the text into a target."""

    default_error_messages = {
        "invalid": "Give the target as a string such as 'FY2028' or an object with 'text' or 'edtf'.",
        "blank": "The target is empty.",
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(source="*", **kwargs)

    def to_representation(self, obj: Any) -> dict:
        return target_representation(obj)

    def to_internal_value(self, data: Any) -> dict:
        if isinstance(data, dict):
            data = data.get("text") or data.get("edtf")
        if not isinstance(data, str):
            self.fail("invalid")
        if not data.strip():
            self.fail("blank")
        if "\x00" in data:
            self.fail("invalid")
        return {"target": data.strip()}


class MovedByField(serializers.Field):
    """The announcement that moved the target, by slug or id (write-only)."""

    default_error_messages = {
        "invalid": "Give the announcement's slug or numeric id.",
        "missing": "No announcement has the slug or id '{value}'.",
    }

    def to_representation(self, obj: Any) -> Any:
        return obj.slug if obj else None

    def to_internal_value(self, data: Any) -> Announcement:
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        key = str(data).strip()
        announcements = Announcement.objects.select_related("publisher")
        found = None
        if key.isdigit() and int(key) < 2**63:
            found = announcements.filter(pk=int(key)).first()
        if found is None and key and "\x00" not in key:
            found = announcements.filter(slug=key).first()
        if found is None:
            self.fail("missing", value=key[:60])
        return found
