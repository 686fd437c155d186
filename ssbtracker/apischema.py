"""drf-spectacular's settings: the schema's title, the bundled (sidecar) viewers and enum names.

Kept out of settings.py (like csp.py and logconfig.py) so that file stays readable."""

SPECTACULAR_SETTINGS = {
    "TITLE": "SSB Tracker API",
    "DESCRIPTION": "Who promised what in solid-state batteries, by when, and whether it happened.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Fields such as a milestone's target are written as a phrase but read as an object.
    "COMPONENT_SPLIT_REQUEST": True,
    # A delivery's status is not a milestone's: each enum keeps a name of its own.
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "milestones.models.Milestone.Status",
        "WebhookDeliveryStatusEnum": "milestones.models.WebhookDelivery.Status",
        "ClaimStrengthEnum": "milestones.models.Milestone.ClaimStrength",
        "OrganisationKindEnum": "milestones.models.Organisation.Kind",
        "IntakeClaimKindEnum": "milestones.services.intake.applying.INTAKE_CLAIM_KINDS",
        "IntakeMarkKindEnum": "milestones.api.serializers.intake.MARK_KINDS",
    },
}
