"""``{% subscribe_form %}``: the reminder sign-up form, for any page to include.

{% load subscriptions %}
{% subscribe_form milestone=milestone %}
{% subscribe_form organisation=organisation %}
{% subscribe_form %}            {# everything #}
"""

from __future__ import annotations

from django import template

from milestones.models import Milestone, Organisation

register = template.Library()


@register.inclusion_tag("milestones/_subscribe_form.html", takes_context=True)
def subscribe_form(
    context: template.Context,
    milestone: Milestone | None = None,
    organisation: Organisation | None = None,
) -> dict:
    # Imported here so the tag module loads even while the form module is being edited.
    from milestones.web.forms import SubscribeForm

    if milestone is not None:
        initial = {"scope": "milestone", "milestone": milestone.pk}
        subject = milestone.title
    elif organisation is not None:
        initial = {"scope": "organisation", "organisation": organisation.pk}
        subject = f"all milestones of {organisation.name}"
    else:
        initial = {"scope": "all"}
        subject = "every milestone"
    return {
        "form": SubscribeForm(initial=initial),
        "subject": subject,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }
