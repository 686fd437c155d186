"""What every resource's serializer shares: writes through the services, slugs left to them."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.db.models import CharField, TextField
from django_countries import countries
from rest_framework import serializers

from milestones import services
from milestones.api.exceptions import Conflict
from milestones.domain.text import MULTILINE_PATTERN, SINGLE_LINE_PATTERN, TextRefused, text_clean

COUNTRY_CHOICES = [(code, name) for code, name in countries]
TIMESTAMPS = ("created_at", "updated_at")
NULLABLE_URI = {"type": "string", "format": "uri", "nullable": True}


def slug_field(model) -> serializers.SlugField:
    # Uniqueness and the slug made from the name are the services' rules.
    return serializers.SlugField(
        max_length=200, required=False, help_text="Left out on create, it is made from the name or title."
    )


def _only_taken(error: DjangoValidationError) -> bool:
    """Every message is Django's uniqueness check ("… with this Slug already exists.")."""
    if not hasattr(error, "error_dict"):
        return False
    return all(e.code == "unique" for errors in error.error_dict.values() for e in errors)


class TextRule(RegexValidator):
    """The services' text rule (milestones/domain/text.py) on a serializer field: the same
    message, and, being a RegexValidator, a ``pattern`` in the OpenAPI schema."""

    def __init__(self, *, multiline: bool) -> None:
        super().__init__(MULTILINE_PATTERN if multiline else SINGLE_LINE_PATTERN)
        self.multiline = multiline

    def __call__(self, value) -> None:
        try:
            text_clean(str(value), multiline=self.multiline)
        except TextRefused as refusal:
            raise DjangoValidationError(str(refusal)) from None


class TextRuleMixin:
    """Every plain text field written to a model text field carries the text rule."""

    def get_fields(self) -> dict:
        fields = super().get_fields()
        for name, field in fields.items():
            if type(field) is not serializers.CharField or field.read_only:
                continue
            try:
                model_field = self.Meta.model._meta.get_field(field.source or name)
            except FieldDoesNotExist:
                continue
            if isinstance(model_field, CharField | TextField):
                field.validators.append(TextRule(multiline=isinstance(model_field, TextField)))
        return fields


class CuratedSerializer(TextRuleMixin, serializers.ModelSerializer):
    """Writes through the services; their errors become 400s named by the API's field names."""

    many_fields: tuple[str, ...] = ()
    # Model field -> API field, where the API names a field differently.
    api_names: dict[str, str] = {}

    def create(self, validated_data: dict):
        return self._save(self.Meta.model(), validated_data)

    def update(self, instance, validated_data: dict):
        return self._save(instance, validated_data)

    def _save(self, instance, validated_data: dict):
        many = {name: validated_data.pop(name) for name in self.many_fields if name in validated_data}
        try:
            return self._persist(instance, validated_data, many)
        except DjangoValidationError as error:
            if _only_taken(error):  # a unique value another record holds: a conflict, not bad input
                taken = self._api_errors(error)
                raise Conflict("That value is taken by another record.", field_errors=taken) from None
            raise serializers.ValidationError(self._api_errors(error)) from None

    def _persist(self, instance, data: dict, many: dict):
        return services.record_save(instance=instance, data=data, many=many)

    def _api_errors(self, error: DjangoValidationError) -> dict:
        by_field = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        return {self.api_names.get(field, field): messages for field, messages in by_field.items()}
