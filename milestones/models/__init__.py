"""The stored records, one module per group: who claims (organisations), what is claimed
(claims) and who is reminded (reminders). Fields, constraints and own-row properties only;
rules live in the services."""

from milestones.models.claims import Announcement, Milestone, Quote, TargetFields, TargetRevision
from milestones.models.organisations import (
    Organisation,
    Person,
    Publisher,
    Region,
    Relation,
    TimeStamped,
    region_for_country,
)
from milestones.models.reminders import EditorDigest, RateBucket, Reminder, Subscription

__all__ = [
    "Announcement",
    "EditorDigest",
    "Milestone",
    "Organisation",
    "Person",
    "Publisher",
    "Quote",
    "RateBucket",
    "Region",
    "Relation",
    "Reminder",
    "Subscription",
    "TargetFields",
    "TargetRevision",
    "TimeStamped",
    "region_for_country",
]
