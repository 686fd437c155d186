"""One JSON error shape for every failure, and no 500 for anything a client can send.

Every error body is ``{"status": 400, "detail": "...", "errors": [{"field": ..., "reason": ...}]}``;
``errors`` lists each invalid field (nested fields as ``quotes.1.text``) and is empty
for errors that concern the whole request.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler

from milestones.domain.targets import TargetError
from milestones.services.records import RecordInUse

logger = logging.getLogger(__name__)


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"

    def __init__(self, detail=None, *, field_errors: dict | None = None) -> None:
        super().__init__(detail)
        self.field_errors = field_errors or {}


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource changed since you read it: GET it again and retry with the new ETag."
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "Send If-Match with the ETag from your last GET, or 'If-Match: *' to overwrite without checking."
    )
    default_code = "precondition_required"


def _flatten(detail: Any, prefix: str = "") -> Iterable[tuple[str, str]]:
    """Turn DRF's nested error structure into (dotted field, reason) pairs."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else str(key)
            yield from _flatten(value, f"{prefix}.{name}" if prefix else name)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            for item in detail:
                yield prefix, str(item)
        else:
            for index, item in enumerate(detail):
                if item:
                    yield from _flatten(item, f"{prefix}.{index}" if prefix else str(index))
    else:
        yield prefix, str(detail)


def _body(status_code: int, detail: str, field_errors: Any = None) -> dict:
    errors = [{"field": field or None, "reason": reason} for field, reason in _flatten(field_errors or {})]
    return {"status": status_code, "detail": detail, "errors": errors}


def _convert(exc: Exception) -> Exception:
    """Map domain and database errors onto API exceptions before DRF formats them."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        return exceptions.ValidationError(detail)
    if isinstance(exc, TargetError):
        return exceptions.ValidationError({"target": [str(exc)]})
    if isinstance(exc, RecordInUse):
        return Conflict(str(exc))
    if isinstance(exc, IntegrityError):
        # A concurrent write won the race for a unique value the serializer checked a moment ago.
        logger.info("API write refused by a database constraint: %s", exc)
        return Conflict("Another change to the same record was saved first; read it again and retry.")
    if isinstance(exc, DataError):
        return exceptions.ValidationError(
            {NON_FIELD_ERRORS: ["A value is out of the range the database stores."]}
        )
    return exc


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    exc = _convert(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = _body(response.status_code, "Invalid input.", exc.detail)
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else str(response.data)
        response.data = _body(response.status_code, str(detail), getattr(exc, "field_errors", None))
    return response


def bad_request(request, exception=None):
    """Django's own 400s (an oversized body, a bad Host) as JSON under /api/, HTML elsewhere."""
    from django.http import JsonResponse
    from django.views.defaults import bad_request as html_bad_request

    if request.path.startswith("/api/"):
        detail = str(exception) if exception else "Bad request."
        return JsonResponse({"status": 400, "detail": detail, "errors": []}, status=400)
    return html_bad_request(request, exception)
