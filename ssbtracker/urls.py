from django.contrib import admin
from django.urls import include, path

from milestones.api.subscriptions import SubscriptionRequestView
from milestones.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/subscriptions/", SubscriptionRequestView.as_view(), name="api-subscriptions"),
    path("api/v1/", include("milestones.api.urls")),
    path("", include("milestones.urls")),
]

handler400 = "milestones.api.exceptions.bad_request"
