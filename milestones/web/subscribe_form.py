"""The reminder sign-up form, shared by the page form and the template tag."""

from __future__ import annotations

from django import forms

from milestones.models import Milestone, Organisation, Reminder, Subscription


class SubscribeForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Your email")
    scope = forms.ChoiceField(choices=Subscription.Scope.choices, widget=forms.HiddenInput)
    milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.all(), required=False, widget=forms.HiddenInput
    )
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.all(), required=False, widget=forms.HiddenInput
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
