"""The reader pages' forms: the timeline's filters (every filter is a GET parameter, so a view
is a shareable URL) and the reminder sign-up, shared by its page and its template tag."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils import timezone

from milestones import selectors
from milestones.models import Milestone, Organisation, Region, Reminder, Subscription
from milestones.selectors import MilestoneFilters

LANE_CHOICES = [("organisation", "Organisation"), ("region", "Region"), ("category", "Category")]
MIN_YEAR, MAX_YEAR = 2000, 2060
# How the chart is drawn, not which milestones it shows.
VIEW_FIELDS = ("lanes", "as_of", "outside")


def _any(choices) -> list[tuple[str, str]]:
    return [("", "Any"), *choices]


class TimelineFilterForm(forms.Form):
    q = forms.CharField(label="Text", required=False, max_length=100)
    region = forms.ChoiceField(required=False, choices=_any(Region.choices))
    country = forms.ChoiceField(required=False)
    kind = forms.ChoiceField(
        label="Organisation kind", required=False, choices=_any(Organisation.Kind.choices)
    )
    organisation = forms.ChoiceField(required=False)
    technology = forms.ChoiceField(required=False, choices=_any(Milestone.Technology.choices))
    category = forms.ChoiceField(required=False, choices=_any(Milestone.Category.choices))
    status = forms.ChoiceField(required=False, choices=_any(Milestone.Status.choices))
    claim_strength = forms.ChoiceField(
        label="Stated as", required=False, choices=_any(Milestone.ClaimStrength.choices)
    )
    year_from = forms.IntegerField(label="From year", required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)
    year_to = forms.IntegerField(label="To year", required=False, min_value=MIN_YEAR, max_value=MAX_YEAR)
    lanes = forms.ChoiceField(label="Lanes by", required=False, choices=LANE_CHOICES)
    as_of = forms.DateField(
        label="As believed on",
        required=False,
        input_formats=["%Y-%m-%d"],
        help_text="YYYY-MM-DD",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    outside = forms.BooleanField(
        label="Show outside view",
        required=False,
        help_text="Extend each open bar to its P80: when it would end if it slipped like past claims.",
        widget=forms.CheckboxInput(attrs={"value": "1"}),  # ?outside=1 in the shareable URL
        label_suffix="",  # a checkbox label reads as a statement
    )

    def __init__(self, *args, organisations=(), countries=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = _any(organisations)
        self.fields["country"].choices = _any(countries)
        self.fields["q"].widget.attrs.update(type="search", placeholder="title, phrase, organisation")

    def clean_as_of(self) -> date | None:
        as_of = self.cleaned_data.get("as_of")
        if as_of and as_of > timezone.localdate():
            raise forms.ValidationError("As-of dates cannot be in the future.")
        return as_of

    def clean(self) -> dict:
        cleaned = super().clean()
        low, high = cleaned.get("year_from"), cleaned.get("year_to")
        if low and high and low > high:
            self.add_error("year_to", "The end year must not be before the start year.")
        return cleaned

    def value(self, name: str):
        """A cleaned value, or empty when absent or invalid (invalid input is reported, not applied)."""
        data = getattr(self, "cleaned_data", {})
        return data.get(name) or None

    def filters(self) -> MilestoneFilters:
        return MilestoneFilters(
            region=self.value("region") or "",
            country=self.value("country") or "",
            kind=self.value("kind") or "",
            organisation=self.value("organisation") or "",
            technology=self.value("technology") or "",
            category=self.value("category") or "",
            status=self.value("status") or "",
            claim_strength=self.value("claim_strength") or "",
            text=(self.value("q") or "").strip(),
            year_from=self.value("year_from"),
            year_to=self.value("year_to") if "year_to" not in self.errors else None,
        )

    @property
    def active(self) -> bool:
        """Any narrowing filter set (lanes, as-of and the outside view are views, not filters)."""
        return any(self.value(name) for name in self.fields if name not in VIEW_FIELDS)


class SearchForm(forms.Form):
    q = forms.CharField(label="Search", max_length=100, required=False)


class SubscribeForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Your email")
    scope = forms.ChoiceField(choices=Subscription.Scope.choices, widget=forms.HiddenInput)
    milestone = forms.ModelChoiceField(
        queryset=selectors.milestone_choices(), required=False, widget=forms.HiddenInput
    )
    organisation = forms.ModelChoiceField(
        queryset=selectors.organisation_choices(), required=False, widget=forms.HiddenInput
    )
    kinds = forms.MultipleChoiceField(
        label="Remind me",
        choices=Reminder.Kind.choices,
        initial=Reminder.Kind.values,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one reminder."},
    )

    def clean(self) -> dict:
        data = super().clean()
        scope = data.get("scope")
        if scope == Subscription.Scope.MILESTONE and not data.get("milestone"):
            self.add_error("milestone", "Choose the milestone to follow.")
        if scope == Subscription.Scope.ORGANISATION and not data.get("organisation"):
            self.add_error("organisation", "Choose the organisation to follow.")
        return data
