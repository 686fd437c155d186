"""Keyset ("cursor") pagination over the list's full ordering plus the primary key.

Why not DRF's ``CursorPagination``: it keys on the first ordering field only and
steps over ties with an OFFSET capped at 1,000, so thousands of milestones that
share the deadline 2030-12-31 could not be paged through, and a deep page would
cost an OFFSET scan. Here the cursor holds the last row's values of every
ordering field and the id, so each page is one indexed range query of
``page_size + 1`` rows, at any depth, with no ``COUNT(*)``, and rows inserted
meanwhile never shift a page.

A nullable ordering field (an open-ended target's ``window_end``) sorts NULL as
"after every value" on every database engine, and the cursor compares it so. When
it leads the ordering, the rows after a dated cursor are a range of dated rows
followed by the NULL ones: one OR cannot be an index range, so the page reads the
range first (``window_end >= d``, an index range scan) and only a page that runs
out of dated rows reads the NULL ones in a second query. A deep page then costs
what the first does (bench/api.py), instead of filtering every row before it.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Model, Q, QuerySet
from django.db.models.constants import LOOKUP_SEP
from rest_framework import serializers
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from milestones.domain.text import whole_number

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
_INVALID_CURSOR = "Invalid cursor: use the next/previous links as given."


def _ordering(queryset: QuerySet) -> list[str]:
    """The queryset's ordering as plain ``field``/``-field`` names, ending with ``pk``."""
    fields = [str(field) for field in (queryset.query.order_by or queryset.model._meta.ordering)]
    if not any(field.lstrip("-") in ("pk", "id") for field in fields):
        fields.append("-pk" if fields and fields[0].startswith("-") else "pk")
    return ["pk" if field == "id" else "-pk" if field == "-id" else field for field in fields]


def _value(obj: Any, field: str) -> Any:
    for part in field.lstrip("-").split(LOOKUP_SEP):
        obj = getattr(obj, part)
    return obj


def _encode(values: list[Any], reverse: bool) -> str:
    plain = [value.isoformat() if isinstance(value, date) else value for value in values]
    raw = json.dumps({"v": plain, "r": int(reverse)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str, size: int) -> tuple[list[Any], bool]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        values, reverse = data["v"], bool(data["r"])
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise serializers.ValidationError({"cursor": [_INVALID_CURSOR]}) from None
    if not isinstance(values, list) or len(values) != size:
        raise serializers.ValidationError({"cursor": ["This cursor belongs to a different ordering."]})
    if not all(v is None or (isinstance(v, str | int) and not isinstance(v, bool)) for v in values):
        raise serializers.ValidationError({"cursor": [_INVALID_CURSOR]})
    return values, reverse


def _typed(values: list[Any], ordering: list[str], model) -> list[Any]:
    """Each cursor value as its ordering field's type, or a 400: a hand-made cursor must
    not reach the database with a date that is not a date or an integer out of range."""
    typed = []
    for value, field_name in zip(values, ordering, strict=True):
        field = _model_field(model, field_name.lstrip("-"))
        try:
            if isinstance(value, str):
                value.encode()  # a lone surrogate cannot be sent to the database
                if "\x00" in value:
                    raise ValueError
            value = field.to_python(value) if field is not None else value
            if isinstance(value, int) and not -(2**63) <= value < 2**63:
                raise ValueError
        except (DjangoValidationError, ValueError, TypeError, OverflowError, UnicodeEncodeError):
            raise serializers.ValidationError({"cursor": [_INVALID_CURSOR]}) from None
        typed.append(value)
    return typed


def _model_field(model, name: str):
    if name == "pk":
        return model._meta.pk
    *path, last = name.split(LOOKUP_SEP)
    try:
        for part in path:
            model = model._meta.get_field(part).related_model
        field = model._meta.get_field(last)
    except FieldDoesNotExist:  # an annotation: the database compares it as given
        return None
    return field.target_field if field.is_relation else field


def _nullable(model: type[Model], name: str) -> bool:
    try:
        return LOOKUP_SEP not in name and model._meta.get_field(name).null
    except FieldDoesNotExist:
        return False


_NOTHING = Q(pk__in=[])


def _beyond(name: str, value: Any, descending: bool, nullable: bool) -> Q:
    """Rows past ``value`` in one field's order; NULL counts as larger than every value."""
    if value is None:
        return Q(**{f"{name}__isnull": False}) if descending else _NOTHING
    step = Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
    return step | Q(**{f"{name}__isnull": True}) if nullable and not descending else step


def _after(
    ordering: list[str], values: list[Any], reverse: bool, model: type[Model], *, first_nulls: bool = True
) -> Q:
    """Rows strictly after ``values`` in ``ordering`` (before them when ``reverse``);
    ``first_nulls=False`` leaves out the rows whose first field is NULL (read apart)."""
    condition = Q()
    for index in range(len(ordering) - 1, -1, -1):
        field = ordering[index]
        descending = field.startswith("-") != reverse
        name = field.lstrip("-")
        nullable = _nullable(model, name) and (first_nulls or index > 0)
        step = _beyond(name, values[index], descending, nullable)
        if index < len(ordering) - 1:
            step |= Q(**{name: values[index]}) & condition
        condition = step
    # The redundant bound on the first field lets the database start an index
    # range scan there instead of testing the OR on every row from the start.
    first = ordering[0]
    descending = first.startswith("-") != reverse
    if values[0] is None or (first_nulls and _nulls_follow(ordering, values, reverse, model)):
        return condition
    return Q(**{f"{first.lstrip('-')}__{'lte' if descending else 'gte'}": values[0]}) & condition


def _nulls_follow(ordering: list[str], values: list[Any], reverse: bool, model: type[Model]) -> bool:
    """Whether rows with a NULL first field come after this dated cursor (NULL sorts last)."""
    first = ordering[0]
    ascending = first.startswith("-") == reverse
    return ascending and values[0] is not None and _nullable(model, first.lstrip("-"))


def _order_by(ordering: list[str], model: type[Model]) -> list[Any]:
    """``ordering`` for the query, with NULL last ascending (first descending) on every engine."""
    out: list[Any] = []
    for field in ordering:
        name = field.lstrip("-")
        if not _nullable(model, name):
            out.append(field)
        elif field.startswith("-"):
            out.append(F(name).desc(nulls_first=True))
        else:
            out.append(F(name).asc(nulls_last=True))
    return out


def _flip(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"


class KeysetPagination(BasePagination):
    cursor_query_param = "cursor"
    page_size_query_param = "page_size"

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return DEFAULT_PAGE_SIZE
        size = whole_number(raw, minimum=1, maximum=MAX_PAGE_SIZE)
        if size is None:
            raise serializers.ValidationError(
                {"page_size": [f"Must be a whole number from 1 to {MAX_PAGE_SIZE}."]}
            )
        return size

    def paginate_queryset(self, queryset: QuerySet, request: Request, view=None) -> list:
        self.request = request
        self.base_url = request.build_absolute_uri()
        size = self.get_page_size(request)
        ordering = _ordering(queryset)
        cursor = request.query_params.get(self.cursor_query_param)
        reverse, nulls = False, None
        model = queryset.model
        if cursor:
            values, reverse = _decode(cursor, len(ordering))
            values = _typed(values, ordering, model)
            if _nulls_follow(ordering, values, reverse, model):
                nulls = queryset.filter(**{f"{ordering[0].lstrip('-')}__isnull": True})
            queryset = queryset.filter(_after(ordering, values, reverse, model, first_nulls=nulls is None))
        query_ordering = _order_by([_flip(field) for field in ordering] if reverse else ordering, model)
        rows = list(queryset.order_by(*query_ordering)[: size + 1])
        if nulls is not None and len(rows) <= size:  # the dated rows ran out: the NULL ones follow
            rows += nulls.order_by(*query_ordering)[: size + 1 - len(rows)]
        has_more = len(rows) > size
        rows = rows[:size]
        if reverse:
            rows.reverse()
        # Positions are read now, before serialising: an as_of view rewrites the
        # instances' target fields in memory, and the cursor must use the stored ones.
        first = [_value(rows[0], f) for f in ordering] if rows else None
        last = [_value(rows[-1], f) for f in ordering] if rows else None
        self.next_cursor = _encode(last, False) if rows and (has_more or reverse) else None
        self.previous_cursor = (
            _encode(first, True) if rows and ((cursor and not reverse) or (reverse and has_more)) else None
        )
        if not rows and cursor:
            # Past the end (or before the start): offer the way back.
            self.previous_cursor = cursor if not reverse else None
            self.next_cursor = cursor if reverse else None
        return rows

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        return replace_query_param(self.base_url, self.cursor_query_param, cursor)

    def get_next_link(self) -> str | None:
        return self._link(self.next_cursor)

    def get_previous_link(self) -> str | None:
        return self._link(self.previous_cursor)

    def get_paginated_response(self, data: list) -> Response:
        return Response({"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "format": "uri", "nullable": True}
        return {
            "type": "object",
            "required": ["next", "previous", "results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "Opaque position from a `next` or `previous` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "in": "query",
                "required": False,
                "description": f"Rows per page (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
            },
        ]
