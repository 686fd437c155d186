"""What every resource's serializer shares: writes through the services, slugs left to them."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django_countries import countries
from rest_framework import serializers

from milestones import services

COUNTRY_CHOICES = [(code, name) for code, name in countries]
TIMESTAMPS = ("created_at", "updated_at")
NULLABLE_URI = {"type": "string", "format": "uri", "nullable": True}


def slug_field(model) -> serializers.SlugField:
    # Uniqueness and the slug made from the name are the services' rules.
    return serializers.SlugField(
        max_length=200, required=False, help_text="Left out on create, it is made from the name or title."
    )


class CuratedSerializer(serializers.ModelSerializer):
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
            raise serializers.ValidationError(self._api_errors(error)) from None

    def _persist(self, instance, data: dict, many: dict):
        return services.record_save(instance=instance, data=data, many=many)

    def _api_errors(self, error: DjangoValidationError) -> dict:
        by_field = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
        return {self.api_names.get(field, field): messages for field, messages in by_field.items()}
