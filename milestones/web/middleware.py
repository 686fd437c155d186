"""Request ids, one log line per request (JSON, or text while DEBUG), and the Content-Security-Policy per path."""

from __future__ import annotations

import contextvars
import copy
import logging
import re
import time
import uuid
from collections.abc import Callable

from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.functional import empty

from milestones.http import client_address

request_logger = logging.getLogger("ssbtracker.request")

# Read by RequestIdLogFilter, so any log line written while serving a request carries its id.
current_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# An incoming id is echoed into headers and logs: accept only short, plain tokens.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")
REQUEST_ID_HEADER = "X-Request-ID"


def request_id_for(request: HttpRequest) -> str:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    return incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex


def _user_id(request: HttpRequest) -> int | None:
    """The user id, without forcing a session lookup the view itself never needed.

    Evaluating the lazy ``request.user`` costs a query, which would also change
    the query counts the views pin in their tests.
    """
    user = getattr(request, "user", None)
    if user is None or getattr(user, "_wrapped", None) is empty:
        return None
    return user.pk if user.is_authenticated else None


# URL parts that are secrets (confirm and unsubscribe links): never written to a log.
SECRET_URL_KWARGS = ("token", "key")


def loggable_path(request: HttpRequest) -> str:
    path = request.path
    match = getattr(request, "resolver_match", None)
    for name in SECRET_URL_KWARGS:
        value = match.kwargs.get(name) if match else None
        if value:
            path = path.replace(str(value), "[redacted]")
    return path


class RequestLogMiddleware:
    """Give each request an id (``X-Request-ID`` in, or a fresh one), echo it back and log one JSON line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request)
        request.request_id = request_id
        token = current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            self._log(request, response.status_code, started, request_id)
            return response
        finally:
            current_request_id.reset(token)

    @staticmethod
    def _log(request: HttpRequest, status: int, started: float, request_id: str) -> None:
        request_logger.info(
            "request",
            extra={
                "method": request.method,
                "path": loggable_path(request),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "request_id": request_id,
                "user_id": _user_id(request),
                "client": client_address(request),
            },
        )


class RequestIdLogFilter(logging.Filter):
    """Stamp every log record with the id of the request being served ("-" outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # django.request logs 4xx after the middleware returned, but hands over the request.
            request = getattr(record, "request", None)
            record.request_id = getattr(request, "request_id", None) or current_request_id.get()
        return True


# Secrets as they can appear in a message (Django's "Not Found: <path>", an exception's
# text): link tokens after /confirm/ or /unsubscribe/, auth headers, key=value pairs.
_SECRETS_IN_TEXT = re.compile(
    r"(/confirm/|/unsubscribe/|(?-i:\b(?:Token|Bearer) )|\b(?:password|secret|token|key)=)[^/&\s'\",]+",
    re.IGNORECASE,
)


class SecretRedactingFilter(logging.Filter):
    """The last guard before a line is written: whatever a message says, tokens, link
    secrets and passwords come out as ``[redacted]`` (the request line is built without them)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's to report
            return True
        redacted = _SECRETS_IN_TEXT.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


class TextLogFormatter(logging.Formatter):
    """LOG_FORMAT=text: a request record reads ``GET /path 200 12.3 ms`` instead of ``request``."""

    def __init__(self, fmt: str = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s") -> None:
        super().__init__(fmt)

    def formatMessage(self, record: logging.LogRecord) -> str:
        if record.name == request_logger.name and hasattr(record, "status"):
            # A copy: other handlers format the same record object.
            record = copy.copy(record)
            user = f" user={record.user_id}" if record.user_id is not None else ""
            record.message = f"{record.method} {record.path} {record.status} {record.duration_ms} ms{user}"
        return super().formatMessage(record)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp, plus per-path changes from ``CSP_PATH_OVERRIDES`` (prefix -> directives).

    One strict policy for the site; the few pages that need more (the
    framable ``/embed/``, ReDoc's injected styles) get it by path here, so the
    views that own them need no CSP knowledge. A view's own ``csp_replace``
    decorator still wins over the path override.
    """

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponse, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if report_only:
            return parts
        override = _path_override(request.path_info)
        if override:
            parts.replace = {**override, **(parts.replace or {})}
        return parts


def _path_override(path: str) -> dict | None:
    for prefix, directives in getattr(settings, "CSP_PATH_OVERRIDES", {}).items():
        if path.startswith(prefix):
            return directives
    return None
