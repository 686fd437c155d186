"""Reader pages. One module per concern; ``milestones.urls`` imports the views from here."""

from .pages import (
    announcement_detail,
    milestone_detail,
    organisation_detail,
    overdue,
    race,
    search,
    upcoming,
)
from .timeline import embed, home

__all__ = [
    "announcement_detail",
    "embed",
    "home",
    "milestone_detail",
    "organisation_detail",
    "overdue",
    "race",
    "search",
    "upcoming",
]
