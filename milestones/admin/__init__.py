"""Curation in the Django admin: one module per group of models; every write goes through services."""

from milestones.admin import curation, reminders  # noqa: F401  (registers the model admins)
