"""Curation in the Django admin. Every write goes through ``services``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from . import services
from .models import (
    Announcement,
    Milestone,
    Organisation,
    Person,
    Publisher,
    Quote,
    Relation,
    TargetRevision,
)
from .normalize import unique_slug
from .targets import ACCEPTED_FORMS

admin.site.site_header = "SSB Tracker curation"
admin.site.site_title = "SSB Tracker"
admin.site.index_title = "Curate solid-state battery claims"


def _free_slug(model, text: str, exclude_pk: int | None) -> str:
    base = unique_slug(text)
    taken = set(
        model.objects.filter(slug__startswith=base).exclude(pk=exclude_pk).values_list("slug", flat=True)
    )
    return unique_slug(text, taken)


class SlugFromTitleForm(forms.ModelForm):
    """Slug optional: filled from the title (or name) when left blank."""

    slug_source = "title"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = "Left blank, it is made from the title."

    def clean(self):
        cleaned = super().clean()
        if "slug" in self.fields and not cleaned.get("slug") and cleaned.get(self.slug_source):
            cleaned["slug"] = _free_slug(self._meta.model, cleaned[self.slug_source], self.instance.pk)
        return cleaned


# --- milestones --------------------------------------------------------------


class MilestoneAdminForm(SlugFromTitleForm):
    moved_by = forms.ModelChoiceField(
        queryset=Announcement.objects.all(),
        required=False,
        help_text="The announcement that set or moved this target (recorded with the revision).",
        widget=AutocompleteSelect(TargetRevision._meta.get_field("moved_by"), admin.site),
    )

    class Meta:
        model = Milestone
        fields = "__all__"
        help_texts = {
            "target_text": f"As the source said it. Accepted: {ACCEPTED_FORMS}.",
        }

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("target_text")
        if text:
            try:
                self.target = services.target_parse(
                    text=text, owner=self._owner(cleaned), opened_on=self._opened_on(cleaned)
                )
            except ValidationError as error:
                self.add_error("target_text", error.message_dict["target_text"])
            else:
                self.instance.set_target(self.target)
        return cleaned

    def _owner(self, cleaned) -> Organisation | None:
        # In the organisation page's inline the owner is the (maybe unsaved) parent object.
        if cleaned.get("owner"):
            return cleaned["owner"]
        try:
            return self.instance.owner
        except Organisation.DoesNotExist:
            return None

    def _opened_on(self, cleaned):
        moved_by = cleaned.get("moved_by")
        if moved_by:
            return moved_by.published_on
        evidence = cleaned.get("evidence")
        if evidence:
            return min(a.published_on for a in evidence)
        return services._opened_on(self.instance) or timezone.localdate()


class DeadlineYearFilter(admin.SimpleListFilter):
    title = "deadline year"
    parameter_name = "deadline_year"

    def lookups(self, request, model_admin):
        years = Milestone.objects.dates("window_end", "year")
        return [(str(d.year), str(d.year)) for d in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(window_end__year=int(self.value()))
        return queryset


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "Overdue (window ended, not final)")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(window_end__lt=timezone.localdate()).exclude(
                status__in=Milestone.FINAL_STATUSES
            )
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

    @admin.display(description="new window")
    def window(self, revision: TargetRevision) -> str:
        return f"{revision.new_start} – {revision.new_end}"


def _status_action(status: str, label: str):
    def action(modeladmin, request: HttpRequest, queryset: QuerySet[Milestone]) -> None:
        count = services.milestones_set_status(milestones=queryset.select_related("owner"), status=status)
        modeladmin.message_user(request, f"{count} milestone(s) marked {label}.", messages.SUCCESS)

    action.__name__ = f"mark_{status}"
    return admin.action(description=f"Mark selected as {label}", permissions=["change"])(action)


@admin.register(Milestone)
class MilestoneAdmin(SimpleHistoryAdmin):
    form = MilestoneAdminForm
    list_display = (
        "title",
        "owner",
        "category",
        "technology",
        "target_display",
        "window",
        "status",
        "overdue",
    )
    list_filter = (
        "status",
        "category",
        "technology",
        "electrolyte",
        OverdueFilter,
        DeadlineYearFilter,
        "owner__kind",
        "owner__region",
        "owner__country",
    )
    search_fields = ("title", "slug", "owner__name", "owner__aliases", "description")
    autocomplete_fields = ("owner", "participants", "evidence")
    prepopulated_fields = {"slug": ("title",)}
    list_select_related = ("owner",)
    readonly_fields = ("computed_window",)
    date_hierarchy = "window_end"
    inlines = [TargetRevisionInline]
    actions = [_status_action(s, label.lower()) for s, label in Milestone.Status.choices]
    fieldsets = (
        (
            None,
            {"fields": ("title", "slug", "owner", "participants", "category", "technology", "electrolyte")},
        ),
        ("Target", {"fields": ("target_text", "computed_window", "moved_by")}),
        ("Progress", {"fields": ("status", "achieved_on", "evidence", "description")}),
    )

    @admin.display(description="window", ordering="window_end")
    def window(self, milestone: Milestone) -> str:
        return f"{milestone.window_start} – {milestone.window_end}"

    @admin.display(description="computed window")
    def computed_window(self, milestone: Milestone) -> str:
        if not milestone.pk:
            return "Computed from the target when you save."
        flags = [
            flag
            for flag, on in (
                ("approximate", milestone.target_approximate),
                ("open start", milestone.target_open_start),
            )
            if on
        ]
        extra = f" ({', '.join(flags)})" if flags else ""
        return format_html(
            "<strong>{}</strong>: {} to {}{} · EDTF <code>{}</code>",
            milestone.target_display,
            milestone.window_start,
            milestone.window_end,
            extra,
            milestone.target_edtf,
        )

    @admin.display(boolean=True, description="overdue")
    def overdue(self, milestone: Milestone) -> bool:
        return milestone.is_overdue(timezone.localdate())

    def save_model(self, request, obj: Milestone, form, change: bool) -> None:
        services.milestone_save(
            milestone=obj,
            target=getattr(form, "target", None),
            moved_by=form.cleaned_data.get("moved_by"),
            recorded_by=request.user,
        )


# --- organisations -----------------------------------------------------------


class OrganisationAdminForm(SlugFromTitleForm):
    slug_source = "name"

    class Meta:
        model = Organisation
        fields = "__all__"


class RelationInline(admin.TabularInline):
    model = Relation
    fk_name = "source"
    extra = 0
    autocomplete_fields = ("target", "evidence")
    fields = ("kind", "target", "role", "started_on", "ended_on", "evidence")
    verbose_name_plural = "Relations (this organisation → another)"


class OwnedMilestoneInline(admin.TabularInline):
    model = Milestone
    form = MilestoneAdminForm
    fk_name = "owner"
    extra = 0
    show_change_link = True
    fields = ("title", "slug", "category", "technology", "target_text", "status")
    prepopulated_fields = {"slug": ("title",)}
    verbose_name_plural = "Milestones owned"


@admin.register(Organisation)
class OrganisationAdmin(SimpleHistoryAdmin):
    form = OrganisationAdminForm
    list_display = ("name", "kind", "country", "region", "state_owned", "parent", "fiscal_year_start_month")
    list_filter = ("kind", "region", "country", "state_owned")
    search_fields = ("name", "slug", "aliases")
    autocomplete_fields = ("parent",)
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("parent",)
    readonly_fields = ("region",)
    inlines = [RelationInline, OwnedMilestoneInline]

    def save_formset(self, request, form, formset, change: bool) -> None:
        if formset.model is not Milestone:
            return super().save_formset(request, form, formset, change)
        for milestone in formset.save(commit=False):
            inline_form = next(f for f in formset.forms if f.instance is milestone)
            services.milestone_save(
                milestone=milestone, target=getattr(inline_form, "target", None), recorded_by=request.user
            )
        for milestone in formset.deleted_objects:
            milestone.delete()
        formset.save_m2m()


@admin.register(Relation)
class RelationAdmin(SimpleHistoryAdmin):
    list_display = ("source", "kind", "target", "role", "started_on", "ended_on")
    list_filter = ("kind", "source__region")
    search_fields = ("source__name", "source__aliases", "target__name", "target__aliases", "role")
    autocomplete_fields = ("source", "target", "evidence")
    list_select_related = ("source", "target")


# --- announcements -----------------------------------------------------------


class AnnouncementAdminForm(SlugFromTitleForm):
    class Meta:
        model = Announcement
        fields = "__all__"

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("url"):
            try:
                services.announcement_url_check(url=cleaned["url"], exclude_pk=self.instance.pk)
            except ValidationError as error:
                self.add_error("url", error.message_dict["url"])
        return cleaned


class QuoteInline(admin.StackedInline):
    model = Quote
    extra = 1
    autocomplete_fields = ("speaker",)
    fields = (("speaker", "occasion", "said_on"), "text", "position")


@admin.register(Announcement)
class AnnouncementAdmin(SimpleHistoryAdmin):
    form = AnnouncementAdminForm
    list_display = ("title", "publisher", "published_on", "paywalled", "original_source", "link")
    list_filter = ("paywalled", "publisher", "original_source", "published_on")
    search_fields = ("title", "summary", "url", "organisations__name", "organisations__aliases")
    autocomplete_fields = ("publisher", "original_source", "organisations")
    prepopulated_fields = {"slug": ("title",)}
    list_select_related = ("publisher", "original_source")
    date_hierarchy = "published_on"
    inlines = [QuoteInline]

    @admin.display(description="source")
    def link(self, announcement: Announcement) -> str:
        return format_html(
            '<a href="{}" rel="noopener noreferrer" target="_blank">open ↗</a>', announcement.url
        )


class PersonAdminForm(SlugFromTitleForm):
    slug_source = "name"

    class Meta:
        model = Person
        fields = "__all__"


class PublisherAdminForm(SlugFromTitleForm):
    slug_source = "name"

    class Meta:
        model = Publisher
        fields = "__all__"


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    form = PersonAdminForm
    list_display = ("name", "title", "affiliation")
    search_fields = ("name", "title", "affiliation__name")
    autocomplete_fields = ("affiliation",)
    prepopulated_fields = {"slug": ("name",)}
    list_select_related = ("affiliation",)


@admin.register(Publisher)
class PublisherAdmin(admin.ModelAdmin):
    form = PublisherAdminForm
    list_display = ("name", "website", "country")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}


@admin.register(TargetRevision)
class TargetRevisionAdmin(admin.ModelAdmin):
    """Read-only: revisions are written only by the reschedule service."""

    list_display = ("milestone", "old_display", "new_display", "new_end", "moved_by", "recorded_at")
    list_filter = ("recorded_at",)
    search_fields = ("milestone__title", "old_text", "new_text")
    list_select_related = ("milestone", "moved_by")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
