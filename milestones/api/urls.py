"""/api/v1/: the six resources, webhooks, the intake assistant, the OpenAPI schema and its two readers (served from our static files)."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from . import root, views
from .intake import IntakeApplyView, IntakeView
from .subscriptions import SubscriptionRequestView
from .tokens import TokenRevokeView
from .webhooks import WebhookEndpointViewSet

app_name = "api"


class Router(DefaultRouter):
    APIRootView = root.ApiRootView
    # No format suffixes ("/milestones.json"): ?format= is the one documented way, and
    # "/relations/0.5/" is an unknown record (404), not an unknown format (400).
    include_format_suffixes = False


router = Router()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("relations", views.RelationViewSet, basename="relation")
router.register("people", views.PersonViewSet, basename="person")
router.register("publishers", views.PublisherViewSet, basename="publisher")
router.register("announcements", views.AnnouncementViewSet, basename="announcement")
router.register("milestones", views.MilestoneViewSet, basename="milestone")
router.register("webhooks", WebhookEndpointViewSet, basename="webhook")

urlpatterns = [
    path("subscriptions/", SubscriptionRequestView.as_view(), name="subscriptions"),
    path("token/", TokenRevokeView.as_view(), name="token"),
    path("intake/", IntakeView.as_view(), name="intake"),
    path("intake/apply/", IntakeApplyView.as_view(), name="intake-apply"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path(
        "redoc/",
        SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html"),
        name="redoc",
    ),
    path("redoc/redoc.standalone.js", root.redoc_bundle, name="redoc_bundle"),
    *router.urls,
    # The API first spelt it the American way; old links and clients keep working.
    re_path(r"^organizations(?:[/.][\s\S]*)?$", views.organizations_moved),
    # Anything else under /api/v1/ is a JSON 404, not the site's HTML error page.
    re_path(r"^[\s\S]*$", views.not_found),
]
