"""Representations of the six resources; writes validate the input's shape here and save through
the services, one module per resource group."""

from milestones.api.serializers.announcements import AnnouncementSerializer, QuoteSerializer
from milestones.api.serializers.base import CuratedSerializer
from milestones.api.serializers.milestones import MilestoneDetailSerializer, MilestoneSerializer
from milestones.api.serializers.records import (
    AliasesField,
    OrganisationSerializer,
    PersonSerializer,
    PublisherSerializer,
    RelationSerializer,
)

__all__ = [
    "AliasesField",
    "AnnouncementSerializer",
    "CuratedSerializer",
    "MilestoneDetailSerializer",
    "MilestoneSerializer",
    "OrganisationSerializer",
    "PersonSerializer",
    "PublisherSerializer",
    "QuoteSerializer",
    "RelationSerializer",
]
