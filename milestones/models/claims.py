"""What is claimed: announcements with their quotes, milestones and the history of their targets."""

from __future__ import annotations

import functools
from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from milestones.domain.urls import normalize_url
from milestones.models.organisations import Organisation, Person, Publisher, TimeStamped


class Announcement(TimeStamped):
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True)
    published_on = models.DateField(db_index=True)
    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="announcements")
    url = models.URLField(max_length=1000)
    # Filled from ``url`` on save; the unique index is what catches duplicates
    # that differ only by scheme, "www.", a trailing slash or tracking tags.
    url_normalized = models.CharField(max_length=1000, unique=True, editable=False)
    paywalled = models.BooleanField(default=False)
    original_source = models.ForeignKey(
        Publisher,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cited_by",
        help_text="When the report is second-hand: 'according to Nikkei Asia'.",
    )
    summary = models.TextField(blank=True)
    organisations = models.ManyToManyField(Organisation, blank=True, related_name="announcements")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-published_on", "title"]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        self.url_normalized = normalize_url(self.url)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("milestones:announcement", kwargs={"slug": self.slug})


class Quote(models.Model):
    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="quotes")
    speaker = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="quotes")
    text = models.TextField()
    occasion = models.CharField(max_length=300, blank=True, help_text="e.g. CASIP opening ceremony")
    said_on = models.DateField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["announcement", "position", "id"]

    def __str__(self) -> str:
        return f"{self.speaker}: {self.text[:60]}"


class TargetFields(models.Model):
    """A fuzzy target as stored: the words, the EDTF and the derived window."""

    target_text = models.CharField(max_length=120, help_text="As the source said it.")
    target_edtf = models.CharField(max_length=60)
    target_display = models.CharField(max_length=120)
    window_start = models.DateField(db_index=True)
    # NULL only for an open-ended target ("2028 onwards", EDTF 2028/..): no sentinel dates.
    window_end = models.DateField(null=True, blank=True, db_index=True)
    target_approximate = models.BooleanField(default=False)
    target_open_start = models.BooleanField(default=False)
    target_open_end = models.BooleanField(default=False)
    target_relative_to = models.DateField(
        null=True,
        blank=True,
        help_text="The stating announcement's date a relative phrase ('next year') was read against.",
    )

    class Meta:
        abstract = True

    def set_target(self, target) -> None:
        self.target_text = target.text
        self.target_edtf = target.edtf
        self.target_display = target.display
        self.window_start = target.start
        self.window_end = target.end
        self.target_approximate = target.approximate
        self.target_open_start = target.open_start
        self.target_open_end = target.open_end
        self.target_relative_to = target.relative_to


class Milestone(TargetFields, TimeStamped):
    class Category(models.TextChoices):
        RESEARCH_BREAKTHROUGH = "research_breakthrough", "Research breakthrough"
        PILOT_LINE = "pilot_line", "Pilot line"
        SAMPLES = "samples", "Samples"
        VEHICLE_DEMO = "vehicle_demo", "Vehicle demo"
        START_OF_PRODUCTION = "start_of_production", "Start of production"
        VEHICLE_LAUNCH = "vehicle_launch", "Vehicle launch"
        SUPPLY_CHAIN = "supply_chain", "Supply chain"
        CAPACITY = "capacity", "Capacity"
        OTHER = "other", "Other"

    class Technology(models.TextChoices):
        ALL_SOLID_STATE = "all_solid_state", "All-solid-state"
        SEMI_SOLID = "semi_solid", "Semi-solid"
        UNSPECIFIED = "unspecified", "Unspecified"

    class Electrolyte(models.TextChoices):
        SULFIDE = "sulfide", "Sulfide"
        OXIDE = "oxide", "Oxide"
        POLYMER = "polymer", "Polymer"
        HALIDE = "halide", "Halide"
        UNSPECIFIED = "unspecified", "Unspecified"

    class ClaimStrength(models.TextChoices):
        WILL = "will", "will (a commitment)"
        PLANS = "plans", "plans"
        AIMS = "aims", "aims / wants"
        EXPECTS = "expects", "expects (a forecast)"
        UNSTATED = "unstated", "not stated"

    class Status(models.TextChoices):
        ANNOUNCED = "announced", "Announced"
        ON_TRACK = "on_track", "On track"
        AT_RISK = "at_risk", "At risk"
        DELAYED = "delayed", "Delayed"
        ACHIEVED = "achieved", "Achieved"
        MISSED = "missed", "Missed"
        CANCELLED = "cancelled", "Cancelled"

    FINAL_STATUSES = (Status.ACHIEVED, Status.MISSED, Status.CANCELLED)

    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=200, unique=True)
    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="milestones")
    participants = models.ManyToManyField(Organisation, blank=True, related_name="participations")
    category = models.CharField(max_length=32, choices=Category.choices, db_index=True)
    technology = models.CharField(
        max_length=32, choices=Technology.choices, default=Technology.ALL_SOLID_STATE, db_index=True
    )
    electrolyte = models.CharField(
        max_length=32, choices=Electrolyte.choices, default=Electrolyte.UNSPECIFIED
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ANNOUNCED, db_index=True)
    achieved_on = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)
    evidence = models.ManyToManyField(Announcement, blank=True, related_name="milestones")
    claim_strength = models.CharField(
        max_length=16,
        choices=ClaimStrength.choices,
        default=ClaimStrength.UNSTATED,
        db_index=True,
        help_text="How firmly the source put it: 'will' is a commitment, 'expects' a forecast.",
    )
    semi_solid_called_solid_state = models.BooleanField(
        default=False,
        verbose_name="semi-solid called “solid-state”",
        help_text="The source called semi-solid (gel or hybrid electrolyte) cells “solid-state”.",
    )
    # When a field that lists, charts, calendars and the outside view read last changed:
    # anything but the description. Caches of those keep serving when only prose is edited.
    listed_changed_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    history = HistoricalRecords()

    UNLISTED_FIELDS = frozenset({"description", "created_at", "updated_at", "listed_changed_at"})

    class Meta:
        ordering = [F("window_end").asc(nulls_last=True), "window_start", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__isnull=True) | Q(window_start__lte=F("window_end")),
                name="milestone_window_ordered",
                violation_error_message="The target window cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(window_end__isnull=True, target_open_end=True)
                | Q(window_end__isnull=False, target_open_end=False),
                name="milestone_open_end_has_no_end",
                violation_error_message="Only an open-ended target has no window end.",
            ),
            models.CheckConstraint(
                condition=Q(achieved_on__isnull=True) | Q(status="achieved"),
                name="milestone_achieved_on_only_when_achieved",
                violation_error_message="A date achieved is only allowed when the status is achieved.",
            ),
        ]
        indexes = [
            # Upcoming/overdue lists and the reminder scan filter on status and order by deadline.
            models.Index(fields=["status", "window_end"], name="milestone_status_deadline"),
            models.Index(fields=["owner", "window_end"], name="milestone_owner_deadline"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs) -> None:
        before = self._listed_before()
        if self._state.adding or before is None or before != self._listed_values():
            self.listed_changed_at = timezone.now()
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "listed_changed_at"}
        super().save(*args, **kwargs)
        self._listed_loaded = self._listed_values()

    def get_absolute_url(self) -> str:
        return reverse("milestones:milestone", kwargs={"slug": self.slug})

    @classmethod
    def from_db(cls, db, field_names, values):
        # Keep the row as loaded; only a save compares it (a page loads thousands of rows
        # and saves none, so picking the listed fields out here cost more than the rest).
        instance = super().from_db(db, field_names, values)
        instance._loaded_row = (field_names, values)
        return instance

    def _listed_before(self) -> tuple | None:
        """The listed fields as loaded or last saved; None when unknown (one was deferred)."""
        if "_listed_loaded" in self.__dict__:
            return self._listed_loaded
        row = self.__dict__.get("_loaded_row")
        if row is None:
            return None
        return _listed_of(dict(zip(*row, strict=True)))

    def _listed_values(self) -> tuple | None:
        """The listed fields as they are now; None when one was not loaded (deferred)."""
        return _listed_of(self.__dict__)

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    def is_overdue(self, today: date | None = None) -> bool:
        return not self.is_final and self.window_end is not None and self.window_end < (today or date.today())


class TargetRevision(models.Model):
    """One change of a milestone's target; the first row (no old target) is the original claim."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="revisions")
    old_text = models.CharField(max_length=120, blank=True)
    old_edtf = models.CharField(max_length=60, blank=True)
    old_display = models.CharField(max_length=120, blank=True)
    old_start = models.DateField(null=True, blank=True)
    old_end = models.DateField(null=True, blank=True)
    new_text = models.CharField(max_length=120)
    new_edtf = models.CharField(max_length=60)
    new_display = models.CharField(max_length=120)
    new_start = models.DateField()
    new_end = models.DateField(null=True, blank=True)  # NULL: the new target is open-ended
    moved_by = models.ForeignKey(
        Announcement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="target_revisions",
    )
    recorded_at = models.DateTimeField(db_index=True)
    # When the world learnt of this target: the moving announcement's date, else
    # the day it was recorded. ``as_of`` views ("what was believed on …") use it.
    effective_on = models.DateField(db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["milestone", "recorded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(new_end__isnull=True) | Q(new_start__lte=F("new_end")),
                name="revision_window_ordered",
                violation_error_message="The target window cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        if not self.old_edtf:
            return f"{self.milestone}: first stated as {self.new_display}"
        return f"{self.milestone}: {self.old_display} → {self.new_display}"

    @property
    def slip_days(self) -> int:
        """Days the deadline moved (positive = later); 0 for the original claim or an open end."""
        if self.old_end is None or self.new_end is None:
            return 0
        return (self.new_end - self.old_end).days


@functools.cache
def _listed_field_names() -> tuple[str, ...]:
    return tuple(
        f.attname for f in Milestone._meta.concrete_fields if f.attname not in Milestone.UNLISTED_FIELDS
    )


def _listed_of(values: dict) -> tuple | None:
    """The listed fields from ``values`` (by attname); None when one is missing (deferred)."""
    names = _listed_field_names()
    if any(name not in values for name in names):
        return None
    return tuple(values[name] for name in names)
