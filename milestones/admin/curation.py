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
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, JSON
from simple_history.admin import SimpleHistoryAdmin

from milestones import selectors, services
from milestones.admin import resources
from milestones.domain.targets import ACCEPTED_FORMS
from milestones.domain.urls import unique_slug
from milestones.models import (
    Announcement,
    Milestone,
    Organisation,
    Person,
    Publisher,
    Quote,
    Relation,
    TargetRevision,
)

admin.site.site_header = "SSB Tracker curation"
admin.site.site_title = "SSB Tracker"
admin.site.index_title = "Curate solid-state battery claims"


def _free_slug(model, text: str, exclude_pk: int | None) -> str:
    base = unique_slug(text)
    taken = set(
        model.objects.filter(slug__startswith=base).exclude(pk=exclude_pk).values_list("slug", flat=True)
    )
    return unique_slug(text, taken)


class CuratedImportExport(ImportExportMixin):
    """CSV and JSON, in the API's columns; previewed as a dry run before anything is written."""

    formats = [CSV, JSON]


class SlugFromTitleForm(forms.ModelForm):
    """Slug optional (made from the title or name); stale saves refused.

    ``loaded_version`` carries the row's ``updated_at`` from when the page was
    opened. The admin saves inside a transaction, so reading the row ``FOR
    UPDATE`` here holds it until this save commits: of two editors who opened
    the same version, the second to save is refused instead of overwriting.
    """

    slug_source = "title"
    loaded_version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = "Left blank, it is made from the title."
        if self.instance.pk and getattr(self.instance, "updated_at", None):
            self.fields["loaded_version"].initial = self.instance.updated_at.isoformat()

    def clean(self):
        cleaned = super().clean()
        if "slug" in self.fields and not cleaned.get("slug") and cleaned.get(self.slug_source):
            cleaned["slug"] = _free_slug(self._meta.model, cleaned[self.slug_source], self.instance.pk)
        self._refuse_stale_save(cleaned.get("loaded_version"))
        return cleaned

    def _refuse_stale_save(self, loaded_version: str | None) -> None:
        if not self.instance.pk or not loaded_version:
            return
        model = self._meta.model
        current = (
            model.objects.select_for_update().filter(pk=self.instance.pk).values_list("updated_at", flat=True)
        )
        current = current.first()
        if current and current.isoformat() != loaded_version:
            who = (
                getattr(model.history.filter(id=self.instance.pk).first(), "history_user", None)
                if hasattr(model, "history")
                else None
            )
            by = f" by {who}" if who else ""
            raise ValidationError(
                f"Someone else saved this {model._meta.verbose_name}{by} at "
                f"{timezone.localtime(current):%Y-%m-%d %H:%M:%S} after you opened it. Your changes were not "
                "saved: reload the page to see theirs, then apply yours again."
            )


# --- milestones --------------------------------------------------------------


class MilestoneAdminForm(SlugFromTitleForm):
    not_a_repeat = forms.BooleanField(
        required=False,
        label="This is a new claim, not a repeat",
        help_text="Tick to save although an open milestone of this owner and category has the same deadline.",
    )
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
                self._check_repeat(cleaned)
        return cleaned

    def _check_repeat(self, cleaned) -> None:
        """A new milestone that repeats an open one is usually a reaffirmation: say so."""
        owner = self._owner(cleaned)
        if self.instance.pk or not owner or not owner.pk or cleaned.get("not_a_repeat"):
            return
        repeats = selectors.milestones_repeating(
            owner=owner, category=cleaned.get("category"), window_end=self.target.end
        )
        if repeat := repeats.first():
            self.add_error(
                None,
                f"“{repeat.title}” already records this claim ({repeat.target_display}). Add the new "
                "announcement to its evidence to record a reaffirmation, or tick “This is a new claim”.",
            )

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
class MilestoneAdmin(CuratedImportExport, SimpleHistoryAdmin):
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
        "category",
        "technology",
        "electrolyte",
        "claim_strength",
        "semi_solid_called_solid_state",
        OverdueFilter,
        StaleFilter,
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
            {
                "fields": (
                    "title",
                    "slug",
                    "owner",
                    "participants",
                    "category",
                    "technology",
                    "electrolyte",
                    "claim_strength",
                    "semi_solid_called_solid_state",
                )
            },
        ),
        ("Target", {"fields": ("target_text", "computed_window", "moved_by", "not_a_repeat")}),
        ("Progress", {"fields": ("status", "achieved_on", "evidence", "description", "loaded_version")}),
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

    @admin.display(description="unconfirmed since", ordering="last_evidence_on")
    def unconfirmed_since(self, milestone: Milestone) -> str:
        if selectors.is_stale(milestone, today=timezone.localdate()):
            return format_html(
                '<span title="no new evidence for 12 months">⚠ {}</span>', milestone.last_evidence_on
            )
        return "—"

    def get_queryset(self, request):
        return selectors.with_last_evidence(super().get_queryset(request))

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
class OrganisationAdmin(CuratedImportExport, SimpleHistoryAdmin):
    form = OrganisationAdminForm
    resource_classes = [resources.OrganisationResource]
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
class RelationAdmin(CuratedImportExport, SimpleHistoryAdmin):
    resource_classes = [resources.RelationResource]
    list_display = ("source", "kind", "target", "role", "started_on", "ended_on")
    list_filter = ("kind", "source__region")
    search_fields = ("source__name", "source__aliases", "target__name", "target__aliases", "role")
    autocomplete_fields = ("source", "target", "evidence")
    list_select_related = ("source", "target")


# --- announcements -----------------------------------------------------------


class AnnouncementAdminForm(SlugFromTitleForm):
    not_a_duplicate = forms.BooleanField(
        required=False,
        label="This is not a duplicate",
        help_text="Tick to save although a very similar title was published the same week.",
    )

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
        self._check_similar(cleaned)
        return cleaned

    def _check_similar(self, cleaned) -> None:
        title, published_on = cleaned.get("title"), cleaned.get("published_on")
        if not title or not published_on or cleaned.get("not_a_duplicate"):
            return
        if self.instance.pk and "title" not in self.changed_data and "published_on" not in self.changed_data:
            return
        similar = selectors.announcements_similar(
            title=title, published_on=published_on, exclude_pk=self.instance.pk
        )
        if similar:
            same = "; ".join(f"“{a.title}” ({a.publisher}, {a.published_on})" for a in similar[:3])
            self.add_error(
                "title", f"Possible duplicate of {same}. Tick “This is not a duplicate” to save anyway."
            )


class QuoteInline(admin.StackedInline):
    model = Quote
    extra = 1
    autocomplete_fields = ("speaker",)
    fields = (("speaker", "occasion", "said_on"), "text", "position")


@admin.register(Announcement)
class AnnouncementAdmin(CuratedImportExport, SimpleHistoryAdmin):
    form = AnnouncementAdminForm
    resource_classes = [resources.AnnouncementResource]
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
