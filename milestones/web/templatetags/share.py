"""``{% share_meta %}``: Open Graph, Twitter card and canonical tags for a reader page.

Registered in the ``timeline`` library (the tag libraries are listed in settings.TEMPLATES):
{% load timeline %}
{% block share %}{% share_meta title=milestone.title description=… image=card_url og_type="article" %}{% endblock %}

Links are absolute (``SITE_URL``): chat apps and search engines read them outside our site.
The canonical URL drops every query parameter except those named in ``keep`` (the ones
that define the page, such as a search's ``q``), so tracking and view tweaks collapse to one page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from milestones.http import site_url

SITE_TITLE = "SSB Tracker"
SITE_DESCRIPTION = (
    "A curated, source-backed record of the race to commercialise solid-state batteries: "
    "who promised what, by when, and how past promises slipped."
)


def canonical_url(request, keep: str = "") -> str:
    if request is None:
        return site_url("/")
    names = [name for name in keep.split(",") if name]
    params = [(name, value) for name in names for value in request.GET.getlist(name) if value]
    query = f"?{urlencode(params)}" if params else ""
    return site_url(f"{request.path}{query}")


def share_meta(
    context: template.Context,
    title: str = "",
    description: str = "",
    image: str = "",
    og_type: str = "website",
    keep: str = "",
) -> str:
    url = canonical_url(context.get("request"), keep)
    title = f"{title} · {SITE_TITLE}" if title else SITE_TITLE
    image = site_url(image or reverse("milestones:site_card"))
    properties = [
        ("og:site_name", SITE_TITLE),
        ("og:type", og_type),
        ("og:title", title),
        ("og:description", description or SITE_DESCRIPTION),
        ("og:url", url),
        ("og:image", image),
        ("og:image:type", "image/png"),
        ("og:image:width", "1200"),
        ("og:image:height", "630"),
        ("og:image:alt", title),
    ]
    names = [
        ("twitter:card", "summary_large_image"),
        ("twitter:title", title),
        ("twitter:description", description or SITE_DESCRIPTION),
        ("twitter:image", image),
    ]
    return format_html(
        '<link rel="canonical" href="{}">\n  <meta name="description" content="{}">\n  {}\n  {}',
        url,
        description or SITE_DESCRIPTION,
        format_html_join("\n  ", '<meta property="{}" content="{}">', properties),
        format_html_join("\n  ", '<meta name="{}" content="{}">', names),
    )
