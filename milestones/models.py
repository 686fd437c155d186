"""The domain: organisations, announcements and the milestones they promise."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from milestones.domain.urls import normalize_url


class Region(models.TextChoices):
    CHINA = "china", "China"
    JAPAN = "japan", "Japan"
    SOUTH_KOREA = "south_korea", "South Korea"
    NORTH_AMERICA = "north_america", "North America"
    EUROPE = "europe", "Europe"
    OTHER = "other", "Other"


_REGION_BY_COUNTRY = {
    "CN": Region.CHINA,
    "HK": Region.CHINA,
    "MO": Region.CHINA,
    "JP": Region.JAPAN,
    "KR": Region.SOUTH_KOREA,
    "US": Region.NORTH_AMERICA,
    "CA": Region.NORTH_AMERICA,
    "MX": Region.NORTH_AMERICA,
}
_EUROPE = set(
    "AD AL AT BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GI GR HR HU IE IS IT LI LT LU "
    "LV MC MD ME MK MT NL NO PL PT RO RS SE SI SK SM UA VA XK".split()
)


def region_for_country(country_code: str) -> str:
    code = (country_code or "").upper()
    if code in _EUROPE:
        return Region.EUROPE
    return _REGION_BY_COUNTRY.get(code, Region.OTHER)


class TimeStamped(models.Model):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class Organisation(TimeStamped):
    class Kind(models.TextChoices):
        BATTERY_MAKER = "battery_maker", "Battery maker"
        AUTOMAKER = "automaker", "Automaker"
        MATERIALS_SUPPLIER = "materials_supplier", "Materials supplier"
        EQUIPMENT_MAKER = "equipment_maker", "Equipment maker"
        START_UP = "start_up", "Start-up"
        GOVERNMENT_BODY = "government_body", "Government body"
        RESEARCH = "research", "Research institute / university"
        CONSORTIUM = "consortium", "Consortium"
        INVESTOR = "investor", "Investor / fund"
        PUBLISHER = "publisher", "Publisher"

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices, db_index=True)
    country = CountryField(help_text="ISO 3166-1 alpha-2")
    region = models.CharField(max_length=32, choices=Region.choices, editable=False, db_index=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="subsidiaries"
    )
    state_owned = models.BooleanField(default=False)
    aliases = models.TextField(
        blank=True,
        help_text="Other spellings and native names, one per line (used by search and de-duplication).",
    )
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="First month of the fiscal year: 1 = January, 4 = April (most Japanese companies).",
    )
    founded = models.CharField(max_length=60, blank=True, help_text="As stated, e.g. 'January 2025'.")
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year_start_month__gte=1) & Q(fiscal_year_start_month__lte=12),
                name="organisation_fiscal_month_1_12",
                violation_error_message="The fiscal year start month must be between 1 and 12.",
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("pk")),
                name="organisation_not_own_parent",
                violation_error_message="An organisation cannot be its own parent.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.region = region_for_country(str(self.country))
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("milestones:organisation", kwargs={"slug": self.slug})

    @property
    def alias_list(self) -> list[str]:
        return [line.strip() for line in self.aliases.splitlines() if line.strip()]


class Relation(TimeStamped):
    class Kind(models.TextChoices):
        MEMBER_OF = "member_of", "member of"
        SUBSIDIARY_OF = "subsidiary_of", "subsidiary of"
        PARTNER_OF = "partner_of", "partner of"
        SUPPLIER_TO = "supplier_to", "supplier to"
        INVESTOR_IN = "investor_in", "investor in"
        LITIGATION_AGAINST = "litigation_against", "litigation against"

    source = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="relations_out")
    target = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="relations_in")
    kind = models.CharField(max_length=32, choices=Kind.choices, db_index=True)
    role = models.CharField(max_length=120, blank=True, help_text="e.g. battery maker, government, research")
    started_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    evidence = models.ManyToManyField("Announcement", blank=True, related_name="relations")
    history = HistoricalRecords()

    class Meta:
        ordering = ["source__name", "kind", "target__name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=F("target")),
                name="relation_not_to_self",
                violation_error_message="An organisation cannot have a relation with itself.",
            ),
            models.CheckConstraint(
                condition=Q(started_on__isnull=True)
                | Q(ended_on__isnull=True)
                | Q(ended_on__gte=F("started_on")),
                name="relation_ends_after_start",
                violation_error_message="A relation cannot end before it starts.",
            ),
            models.UniqueConstraint(
                fields=["source", "target", "kind"],
                name="relation_unique_kind",
                violation_error_message="This relation is already recorded.",
            ),
        ]

    def __str__(self) -> str:
        role = f" ({self.role})" if self.role else ""
        return f"{self.source} {self.get_kind_display()} {self.target}{role}"


class Person(TimeStamped):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    affiliation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    title = models.CharField(max_length=200, blank=True, help_text="e.g. professor")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self) -> str:
        return self.name


class Publisher(TimeStamped):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    website = models.URLField(blank=True)
    country = CountryField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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
    window_end = models.DateField(db_index=True)
    target_approximate = models.BooleanField(default=False)
    target_open_start = models.BooleanField(default=False)

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
    history = HistoricalRecords()

    class Meta:
        ordering = ["window_end", "window_start", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_start__lte=F("window_end")),
                name="milestone_window_ordered",
                violation_error_message="The target window cannot end before it starts.",
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

    def get_absolute_url(self) -> str:
        return reverse("milestones:milestone", kwargs={"slug": self.slug})

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    def is_overdue(self, today: date | None = None) -> bool:
        return not self.is_final and self.window_end < (today or date.today())


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
    new_end = models.DateField()
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
                condition=Q(new_start__lte=F("new_end")),
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
        """Days the deadline moved (positive = later); 0 for the original claim."""
        if self.old_end is None:
            return 0
        return (self.new_end - self.old_end).days


# --- Reminders (issue 5) ---


class Subscription(TimeStamped):
    """An email address that wants deadline reminders; no account needed.

    Nothing is sent until ``confirmed_at`` is set by the signed link of the
    double opt-in mail, and nothing after ``unsubscribed_at``.
    """

    class Scope(models.TextChoices):
        MILESTONE = "milestone", "One milestone"
        ORGANISATION = "organisation", "All milestones of an organisation"
        ALL = "all", "Every milestone"

    email = models.EmailField(max_length=254, db_index=True)
    scope = models.CharField(max_length=16, choices=Scope.choices)
    milestone = models.ForeignKey(
        Milestone, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.CASCADE, related_name="subscriptions"
    )
    # Lead times, one flag per Reminder.Kind so the scan can filter in SQL.
    remind_30_before = models.BooleanField("30 days before the deadline", default=True)
    remind_7_before = models.BooleanField("7 days before the deadline", default=True)
    remind_window_opens = models.BooleanField("the day the window opens", default=True)
    remind_deadline = models.BooleanField("on the deadline day", default=True)
    remind_30_overdue = models.BooleanField("30 days overdue, if not final", default=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Local day of confirmation: reminders due earlier are not back-filled.
    active_from = models.DateField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # A confirmation mail still to send (set on request, cleared once handed to SMTP):
    # if the broker is down when someone subscribes, the next beat tick sends it.
    confirmation_requested_at = models.DateTimeField(null=True, blank=True, db_index=True)
    confirmation_kinds = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["email", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope="milestone", milestone__isnull=False, organisation__isnull=True)
                    | Q(scope="organisation", milestone__isnull=True, organisation__isnull=False)
                    | Q(scope="all", milestone__isnull=True, organisation__isnull=True)
                ),
                name="subscription_scope_matches_target",
                violation_error_message="A subscription names exactly what its scope needs.",
            ),
            # NULLs never collide in a unique index, hence one constraint per scope.
            models.UniqueConstraint(
                fields=["email", "milestone"],
                condition=Q(scope="milestone"),
                name="subscription_unique_milestone",
            ),
            models.UniqueConstraint(
                fields=["email", "organisation"],
                condition=Q(scope="organisation"),
                name="subscription_unique_organisation",
            ),
            models.UniqueConstraint(
                fields=["email"], condition=Q(scope="all"), name="subscription_unique_all"
            ),
        ]
        indexes = [
            # The scan joins only active subscriptions, per scope.
            models.Index(
                fields=["scope", "milestone", "organisation"],
                condition=Q(confirmed_at__isnull=False, unsubscribed_at__isnull=True),
                name="subscription_active_scope",
            ),
        ]

    def __str__(self) -> str:
        if self.scope == self.Scope.MILESTONE:
            return f"{self.email} → milestone #{self.milestone_id}"
        if self.scope == self.Scope.ORGANISATION:
            return f"{self.email} → organisation #{self.organisation_id}"
        return f"{self.email} → everything"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class Reminder(models.Model):
    """The outbox: one row per reminder that fell due, written once by the scan.

    The unique key includes ``window_end``, so a re-run (or two beats at once)
    inserts nothing, while a moved target schedules fresh reminders.
    """

    class Kind(models.TextChoices):
        BEFORE_30 = "before_30", "30 days before the deadline"
        BEFORE_7 = "before_7", "7 days before the deadline"
        WINDOW_OPENS = "window_opens", "The window opens"
        DEADLINE = "deadline", "Deadline day"
        OVERDUE_30 = "overdue_30", "30 days overdue"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    # No single-column FK indexes: the unique key and (milestone, status) lead with
    # these columns already, and every index slows the scan's bulk insert.
    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="reminders", db_index=False
    )
    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, related_name="reminders", db_index=False
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    window_end = models.DateField()
    due_on = models.DateField(db_index=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A claim is a lease: a sender that dies leaves rows another reclaims after it.
    claim_token = models.CharField(max_length=36, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-due_on", "subscription", "milestone", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "milestone", "kind", "window_end"],
                name="reminder_unique_per_window",
            ),
        ]
        indexes = [
            # Serves the senders' claim query: only pending rows are ever scanned.
            models.Index(
                fields=["next_attempt_at", "subscription"],
                condition=Q(status="pending"),
                name="reminder_pending",
            ),
            models.Index(fields=["milestone", "status"], name="reminder_milestone_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.milestone_id} → {self.subscription_id} ({self.status})"


class EditorDigest(models.Model):
    """One weekly "please verify" digest per editor; the unique week makes re-runs harmless."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week_of = models.DateField(help_text="Monday of the week the digest covers.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claim_token = models.CharField(max_length=36, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-week_of", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "week_of"], name="editor_digest_unique_week"),
        ]

    def __str__(self) -> str:
        return f"Editor digest {self.week_of} → user #{self.user_id} ({self.status})"
