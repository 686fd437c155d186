"""Fields whose written form differs from their read form, and the two link fields.

A related record is written as its slug and read as its summary (``shapes.py``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from milestones import selectors
from milestones.models import Announcement

from .shapes import SUMMARIES, TargetSerializer, links


class SummaryRelatedField(serializers.SlugRelatedField):
    """Written as the related object's slug, read as its short summary."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("slug_field", "slug")
        super().__init__(**kwargs)

    def to_representation(self, obj: Model) -> dict:
        return SUMMARIES[type(obj)].build(obj, links(self.context))

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
        return TargetSerializer.build(obj)

    def to_internal_value(self, data: Any) -> dict:
        if isinstance(data, dict):
            data = data.get("text") or data.get("edtf")
        if not isinstance(data, str):
            self.fail("invalid")
        if not data.strip():
            self.fail("blank")
        if "\x00" in data:
            self.fail("invalid")
        return {"target_text": data.strip()}


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
        found = selectors.announcement_by_slug_or_id(key) if "\x00" not in key else None
        if found is None:
            self.fail("missing", value=key[:60])
        return found
