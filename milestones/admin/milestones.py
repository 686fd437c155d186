"""Milestones and their read-only target history."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html

from milestones import selectors, services
from milestones.admin import resources
from milestones.admin.base import CuratedAdmin, CuratedForm, InUseChoicesFilter
from milestones.admin.target_preview import PREVIEW_ID, TargetTextInput, target_preview_view
from milestones.domain.targets import ACCEPTED_FORMS
from milestones.domain.text import whole_number
from milestones.models import Milestone, TargetRevision
from milestones.selectors.exports import MILESTONE_CLASSIFICATION


class MilestoneAdminForm(CuratedForm):
    not_a_repeat = forms.BooleanField(
        required=False,
        label="This is a new claim, not a repeat",
        help_text="Tick to save although an open milestone of this owner and category has the same deadline.",
    )
    moved_by = forms.ModelChoiceField(
        queryset=selectors.announcement_choices(),
        required=False,
        help_text="The announcement that set or moved this target (recorded with the revision, "
        "and added to the evidence).",
        widget=AutocompleteSelect(TargetRevision._meta.get_field("moved_by"), admin.site),
    )

    class Meta:
        model = Milestone
        fields = "__all__"
        help_texts = {"target_text": f"As the source said it. Accepted: {ACCEPTED_FORMS}."}

    def service_data(self) -> dict:
        names = [f.name for f in Milestone._meta.get_fields() if f.name in self.fields]
        return {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}

    def service_check(self) -> None:
        services.milestone_check(
            milestone=self.instance, data=self.service_data(), moved_by=self.cleaned_data.get("moved_by")
        )
        self._check_repeat()

    def _check_repeat(self) -> None:
        """A new milestone that repeats an open one is usually a reaffirmation: say so."""
        milestone = self.instance
        if milestone.pk or not milestone.owner_id or self.cleaned_data.get("not_a_repeat"):
            return
        repeats = selectors.milestones_repeating(
            owner=milestone.owner, category=milestone.category, window_end=milestone.window_end
        )
        if repeat := repeats.first():
            self.add_error(
                None,
                f"“{repeat.title}” already records this claim ({repeat.target_display}). Add the new "
                "announcement to its evidence to record a reaffirmation, or tick “This is a new claim”.",
            )


class DeadlineYearFilter(admin.SimpleListFilter):
    title = "deadline year"
    parameter_name = "deadline_year"

    def lookups(self, request, model_admin):
        return [(str(year), str(year)) for year in selectors.milestone_deadline_years()]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        year = whole_number(self.value(), minimum=1, maximum=9999)
        if year is None:
            messages.warning(request, f"“{self.value()[:20]}” is not a year: showing every deadline year.")
            return queryset
        return queryset.filter(window_end__year=year)


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue (window ended, not final)")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(selectors.overdue_q(today=timezone.localdate()))
        return queryset


class StaleFilter(admin.SimpleListFilter):
    title = "confirmation"
    parameter_name = "stale"

    def lookups(self, request, model_admin):
        return [("yes", "Unconfirmed for 12 months"), ("no", "Confirmed within 12 months")]

    def queryset(self, request, queryset):
        stale = selectors.stale_q(today=timezone.localdate())
        if self.value() == "yes":
            return queryset.filter(stale)
        if self.value() == "no":
            return queryset.exclude(stale)
        return queryset


class TargetRevisionInline(admin.TabularInline):
    model = TargetRevision
    extra = 0
    can_delete = False
    fields = ("recorded_at", "old_display", "new_display", "window", "moved_by", "recorded_by", "note")
    readonly_fields = fields
    verbose_name_plural = "Target history (read-only)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def get_queryset(self, request):
        return selectors.revisions_for_admin()

    @admin.display(description="new window")
    def window(self, revision: TargetRevision) -> str:
        return f"{revision.new_start} – {revision.new_end or 'open-ended'}"


def _status_action(status: str, label: str):
    def action(modeladmin, request: HttpRequest, queryset: QuerySet[Milestone]) -> None:
        count = services.milestones_set_status(milestones=queryset.select_related("owner"), status=status)
        modeladmin.message_user(request, f"{count} milestone(s) marked {label}.", messages.SUCCESS)

    action.__name__ = f"mark_{status}"
    return admin.action(description=f"Mark selected as {label}", permissions=["change"])(action)


@admin.register(Milestone)
class MilestoneAdmin(CuratedAdmin):
    form = MilestoneAdminForm
    resource_classes = [resources.MilestoneResource]
    list_display = (
        "title",
        "owner",
        "category",
        "technology",
        "target_display",
        "window",
        "status",
        "overdue",
        "unconfirmed_since",
    )
    list_filter = (
        "status",
        ("category", InUseChoicesFilter),
        ("technology", InUseChoicesFilter),
        ("electrolyte", InUseChoicesFilter),
        "claim_strength",
        "semi_solid_called_solid_state",
        OverdueFilter,
        StaleFilter,
        DeadlineYearFilter,
        ("owner__kind", InUseChoicesFilter),
        ("owner__region", InUseChoicesFilter),
        ("owner__country", InUseChoicesFilter),
    )
    search_fields = ("title", "slug", "owner__name", "owner__aliases", "description")
    autocomplete_fields = ("owner", "participants", "evidence")
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = ("computed_window",)
    date_hierarchy = "window_end"
    inlines = [TargetRevisionInline]
    actions = [_status_action(s, label.lower()) for s, label in Milestone.Status.choices]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "title",
                    "slug",
                    "owner",
                    "participants",
                    *MILESTONE_CLASSIFICATION,
                )
            },
        ),
        ("Target", {"fields": ("target_text", "computed_window", "moved_by", "not_a_repeat")}),
        ("Progress", {"fields": ("status", "achieved_on", "evidence", "description", "loaded_version")}),
    )

    @admin.display(description="window", ordering="window_end")
    def window(self, milestone: Milestone) -> str:
        return f"{milestone.window_start} – {milestone.window_end or 'open-ended'}"

    def get_urls(self):
        preview = self.admin_site.admin_view(target_preview_view)
        return [
            path("target-preview/", preview, name="milestones_milestone_target_preview"),
            *super().get_urls(),
        ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.base_fields["target_text"].widget = TargetTextInput(milestone_id=obj.pk if obj else None)
        return form

    @admin.display(description="computed window")
    def computed_window(self, milestone: Milestone) -> str:
        # Live as the editor types (target_preview.py); this is the reading stored now.
        return format_html(
            '<div id="{}" aria-live="polite">{}</div>', PREVIEW_ID, self._stored_window(milestone)
        )

    def _stored_window(self, milestone: Milestone) -> str:
        if not milestone.pk:
            return "Computed from the target when you save."
        flags = [
            flag
            for flag, on in (
                ("approximate", milestone.target_approximate),
                ("open start", milestone.target_open_start),
                ("open-ended", milestone.window_end is None),
                (f"read against {milestone.target_relative_to}", milestone.target_relative_to),
            )
            if on
        ]
        extra = f" ({', '.join(flags)})" if flags else ""
        return format_html(
            "<strong>{}</strong>: {} to {}{} · EDTF <code>{}</code>",
            milestone.target_display,
            milestone.window_start,
            milestone.window_end or "no end",
            extra,
            milestone.target_edtf,
        )

    @admin.display(boolean=True, description="overdue")
    def overdue(self, milestone: Milestone) -> bool:
        return milestone.is_overdue(timezone.localdate())

    @admin.display(description="unconfirmed since", ordering="last_evidence_on")
    def unconfirmed_since(self, milestone: Milestone) -> str:
        if selectors.is_stale(milestone, today=timezone.localdate()):
            return format_html(
                '<span title="no new evidence for 12 months">⚠ {}</span>', milestone.last_evidence_on
            )
        return "—"

    def get_queryset(self, request):
        return selectors.milestones_for_admin()

    def save_model(
        self, request: HttpRequest, obj: Milestone, form: MilestoneAdminForm, change: bool
    ) -> None:
        # The form's check already compared and locked the version.
        services.milestone_save(
            milestone=obj,
            data=form.service_data(),
            moved_by=form.cleaned_data.get("moved_by"),
            recorded_by=request.user,
        )


@admin.register(TargetRevision)
class TargetRevisionAdmin(admin.ModelAdmin):
    """Read-only: revisions are written only by the milestone service."""

    list_display = ("milestone", "old_display", "new_display", "new_end", "moved_by", "recorded_at")
    list_filter = ("recorded_at",)
    search_fields = ("milestone__title", "old_text", "new_text")

    def get_queryset(self, request):
        return selectors.revisions_for_admin()

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
