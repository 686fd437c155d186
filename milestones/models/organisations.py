"""Who makes the claims: organisations, their relations, people and publishers."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords


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
