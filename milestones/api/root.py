"""The API's front door: ``/api/v1/`` for people and clients, and ReDoc's script without its CDN logo."""

from __future__ import annotations

import functools

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from rest_framework import routers
from rest_framework.renderers import TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from .renderers import OrjsonRenderer

# One line per resource on the API root's page, in the router's order.
RESOURCE_SUMMARIES = {
    "organisations": "Companies, governments and institutes, with their region, kind and parent.",
    "relations": "Who owns, supplies, funds or partners with whom, and since when.",
    "people": "The executives and officials quoted in announcements.",
    "publishers": "Newspapers, agencies and companies whose articles are cited.",
    "announcements": "The sources: what was said, by whom, where and when.",
    "milestones": "Promised targets, their date windows, status and slips (?format=csv gives every row).",
    "webhooks": "Your own endpoints for signed events (slips, achievements, new announcements…); needs a login.",
}


class ApiRootView(routers.APIRootView):
    """The resource links as JSON for clients (unchanged), and a page for people in a browser
    that also points to the schema, its two readers and how to authenticate."""

    renderer_classes = [OrjsonRenderer, TemplateHTMLRenderer]
    template_name = "api/root.html"

    def get(self, request: Request, *args, **kwargs) -> Response:
        response = super().get(request, *args, **kwargs)
        if request.accepted_renderer.format == "html":
            response.data = {
                "resources": [
                    {"name": name, "url": url, "summary": RESOURCE_SUMMARIES.get(name, "")}
                    for name, url in response.data.items()
                ]
            }
        return response


_REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
_REDOC_CDN_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@functools.cache
def _redoc_bundle_text() -> str:
    with open(finders.find(_REDOC_BUNDLE), encoding="utf-8") as bundle:
        return bundle.read().replace(_REDOC_CDN_LOGO, static("milestones/favicon.svg"))


def redoc_bundle(request: HttpRequest) -> HttpResponse:
    """ReDoc's script as the sidecar ships it, except that the "API docs by Redocly" badge shows
    our icon instead of loading one from Redocly's CDN (the site loads nothing from outside)."""
    response = HttpResponse(_redoc_bundle_text(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response
