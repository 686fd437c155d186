"""How django-axes sees a sign-in: the client's address, and the page it shows instead of the
admin login after too many wrong passwords."""

from __future__ import annotations

import ipaddress

from axes.helpers import get_client_username
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from milestones.http import client_address


def client_ip(request: HttpRequest) -> str | None:
    """The address throttles use (AXES_CLIENT_IP_CALLABLE); None when a request has none, as
    Django's ``force_login`` does, since axes stores it in an IP address column."""
    address = client_address(request)
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials
) -> HttpResponse:
    """How long signing in is paused and what to do, as an admin page (AXES_LOCKOUT_CALLABLE)."""
    pause = settings.AXES_COOLOFF_TIME
    # Rendered here: axes' middleware sits after the stage that renders template responses.
    response = render(
        request,
        "admin/locked_out.html",
        {
            **admin.site.each_context(request),
            "title": "Signing in is paused",
            "username": get_client_username(request, credentials) or "",
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "lockout_minutes": round(pause.total_seconds() / 60),
        },
        status=429,
    )
    response["Retry-After"] = str(int(pause.total_seconds()))
    return response
