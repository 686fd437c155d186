from django.urls import path

from milestones.web import feeds, views
from milestones.web.views import cards as views_cards
from milestones.web.views import methodology as views_methodology
from milestones.web.views import subscriptions as views_subscriptions

app_name = "milestones"

urlpatterns = [
    path("", views.home, name="home"),
    path("organisations/<slug:slug>/", views.organisation_detail, name="organisation"),
    path("milestones/<slug:slug>/", views.milestone_detail, name="milestone"),
    path("announcements/<slug:slug>/", views.announcement_detail, name="announcement"),
    # Share cards (og:image)
    path("card.png", views_cards.site_card, name="site_card"),
    path("organisations/<slug:slug>/card.png", views_cards.organisation_card, name="organisation_card"),
    path("milestones/<slug:slug>/card.png", views_cards.milestone_card, name="milestone_card"),
    # Reader pages and feeds
    path("embed/", views.embed, name="embed"),
    path("upcoming/", views.upcoming, name="upcoming"),
    path("overdue/", views.overdue, name="overdue"),
    path("search/", views.search, name="search"),
    path("race/", views.race, name="race"),
    path("methodology/", views_methodology.methodology, name="methodology"),
    path("feeds/timeline.ics", feeds.timeline_ics, name="timeline_ics"),
    path("organisations/<slug:slug>/calendar.ics", feeds.organisation_ics, name="organisation_ics"),
    path("feeds/announcements.atom", feeds.announcements_feed, name="announcements_feed"),
    path("feeds/changes.atom", feeds.changes_feed, name="changes_feed"),
    # Reminders
    path("subscriptions/", views_subscriptions.subscribe, name="subscribe"),
    path(
        "subscriptions/confirm/<str:token>/",
        views_subscriptions.subscription_confirm,
        name="subscription_confirm",
    ),
    path("subscriptions/unsubscribe/<str:token>/", views_subscriptions.unsubscribe, name="unsubscribe"),
]
