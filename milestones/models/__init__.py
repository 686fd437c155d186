"""The stored records, one module per group: who claims (organisations), what is claimed
(claims), who is reminded (reminders), who may write through the API (tokens) and which
integrations hear of changes (webhooks). Fields, constraints and own-row properties only; rules
live in the services."""

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
from milestones.models.tokens import ApiToken
from milestones.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

__all__ = [
    "Announcement",
    "ApiToken",
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
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "region_for_country",
]
