from django.urls import path

from . import views

app_name = "milestones"

urlpatterns = [
    path("", views.home, name="home"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation"),
    path("milestones/<slug:slug>/", views.milestone_detail, name="milestone"),
    path("announcements/<slug:slug>/", views.announcement_detail, name="announcement"),
]
