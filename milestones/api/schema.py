"""OpenAPI details drf-spectacular cannot infer: fields read and written in different
shapes, the CSV variant of two lists, and the error responses every operation can give."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema

from milestones.domain.text import SINGLE_LINE_PATTERN

from .renderers import CSVRenderer
from .shapes import SUMMARIES, ErrorSerializer, TargetSerializer, TargetWriteSerializer

SLUG_PATTERN = "^[-a-zA-Z0-9_]+$"

_ERRORS = {
    "400": "Invalid input: `errors` names each field and the reason.",
    "401": "Not authenticated: send `Authorization: Token <key>`.",
    "403": "Authenticated, but not allowed (writes need the Editors group).",
    "404": "No such resource.",
    "409": "Conflict: the record is still cited, a slug is taken by another record (`errors` names it), "
    "or a concurrent write won.",
    "412": "If-Match does not match the current ETag: GET again and retry.",
    "428": "If-Match is required: send the ETag from a GET, or `*`.",
    "429": "Too many requests: slow down (see Retry-After).",
}


def _error_codes(method: str, has_lookup: bool) -> list[str]:
    if method == "GET":
        return ["400", "404", "429"] if has_lookup else ["400", "429"]
    if method == "POST":
        return ["400", "401", "403", "409", "429"]
    if method == "DELETE":
        return ["401", "403", "404", "409", "412", "428", "429"]
    return ["400", "401", "403", "404", "409", "412", "428", "429"]


class ApiSchema(AutoSchema):
    def map_renderers(self, attribute: str) -> list:
        # CSV is described separately below, as text, not as the JSON shape.
        return [
            value
            for renderer, value in zip(
                self.view.get_renderers(), super().map_renderers(attribute), strict=False
            )
            if not isinstance(renderer, CSVRenderer)
        ]

    def _get_response_bodies(self, direction: str = "response") -> dict:
        responses = super()._get_response_bodies(direction)
        is_list = self._is_list_view()
        if is_list and any(isinstance(r, CSVRenderer) for r in self.view.get_renderers()):
            responses["200"]["content"]["text/csv"] = {"schema": {"type": "string"}}
        error = self.resolve_serializer(ErrorSerializer, direction).ref
        has_lookup = "{" in self.path
        for code in _error_codes(self.method, has_lookup):
            responses.setdefault(
                code, {"description": _ERRORS[code], "content": {"application/json": {"schema": error}}}
            )
        if self.method == "GET" and has_lookup:
            responses.setdefault("304", {"description": "Not modified: If-None-Match matched the ETag."})
        return responses


class SummaryRelatedFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "milestones.api.fields.SummaryRelatedField"

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict:
        if direction == "request":
            return {"type": "string", "pattern": SLUG_PATTERN, "description": "Slug of the related record."}
        summary = SUMMARIES[self.target.queryset.model]
        return auto_schema.resolve_serializer(summary, direction).ref


class TargetFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "milestones.api.fields.TargetField"

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict:
        if direction == "request":
            written = auto_schema.resolve_serializer(TargetWriteSerializer, direction).ref
            phrase = {
                "type": "string",
                "minLength": 1,
                "maxLength": 120,
                "pattern": SINGLE_LINE_PATTERN,
                "description": "A phrase as the source wrote it, or EDTF: 'FY2028', 'H2 2027', 'by 2030', "
                "'around 2029', '2027-03', '2028/2029'. The README lists every accepted form.",
            }
            return {"oneOf": [phrase, written]}
        return auto_schema.resolve_serializer(TargetSerializer, direction).ref


class MovedByFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "milestones.api.fields.MovedByField"

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict:
        # Documented as the slug; a numeric id (string or number) is accepted too.
        return {"type": "string", "pattern": SLUG_PATTERN}
