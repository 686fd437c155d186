"""The milestone form's live target reading: as the editor types, htmx asks the core how the
phrase reads (window, EDTF, the announcement date it was read against) and shows the answer."""

from __future__ import annotations

import json

from django import forms
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from milestones import services

PREVIEW_ID = "target-preview"
# Select2 (owner, evidence, moved by) changes do not reach htmx as native events; the script
# re-announces them as "ssb:context" on the target field.
CONTEXT_EVENT = "ssb:context"


class TargetTextInput(forms.TextInput):
    """The target field, asking for a fresh reading on input and when the form's context changes."""

    def __init__(self, *, milestone_id: int | None = None) -> None:
        super().__init__(attrs={"size": 60, "autocomplete": "off"})
        self.milestone_id = milestone_id

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {
                "hx-get": reverse("admin:milestones_milestone_target_preview"),
                "hx-trigger": f"input changed delay:250ms, {CONTEXT_EVENT}",
                "hx-target": f"#{PREVIEW_ID}",
                "hx-include": "#id_owner, #id_evidence, #id_moved_by",
                "hx-vals": json.dumps({"milestone": self.milestone_id or ""}),
                "aria-describedby": PREVIEW_ID,
            }
        )
        return context

    class Media:
        js = ("django_htmx/htmx-2.min.js", "milestones/admin-target-preview.js")


@require_GET
def target_preview_view(request: HttpRequest) -> HttpResponse:
    preview = services.target_preview(
        text=request.GET.get("target_text", ""),
        owner_id=request.GET.get("owner"),
        milestone_id=request.GET.get("milestone"),
        moved_by_id=request.GET.get("moved_by"),
        evidence_ids=request.GET.getlist("evidence"),
        today=timezone.localdate(),
    )
    html = render_to_string("admin/milestones/target_preview.html", {"preview": preview}, request=request)
    return HttpResponse(html)
