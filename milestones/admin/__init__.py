"""Curation in the Django admin: one module per group of models; every write goes through services."""

from django.contrib import admin

from milestones.admin import (  # noqa: F401  (registers)
    announcements,
    milestones,
    organisations,
    reminders,
    tokens,
    webhooks,
)

admin.site.site_header = "SSB Tracker curation"
admin.site.site_title = "SSB Tracker"
admin.site.index_title = "Curate solid-state battery claims"
# The model list beside every page costs a third of a 1400 px window; the index and the
# breadcrumbs lead to every model already.
admin.site.enable_nav_sidebar = False
