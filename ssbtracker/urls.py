from django.contrib import admin
from django.urls import include, path

from milestones.web.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("milestones.api.urls")),
    path("", include("milestones.web.urls")),
]

handler400 = "milestones.api.exceptions.bad_request"
