"""Announcements with their quotes."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import path
from django.utils.html import format_html

from milestones import selectors, services
from milestones.admin import resources
from milestones.admin.base import CuratedAdmin, CuratedForm, add_service_errors
from milestones.admin.intake import intake_view
from milestones.models import Announcement, Quote


class AnnouncementAdminForm(CuratedForm):
    not_a_duplicate = forms.BooleanField(
        required=False,
        label="This is not a duplicate",
        help_text="Tick to save although a very similar title was published the same week.",
    )

    class Meta:
        model = Announcement
        fields = "__all__"

    def service_check(self) -> None:
        services.announcement_check(announcement=self.instance)
        self._check_similar()

    def _check_similar(self) -> None:
        title, published_on = self.cleaned_data.get("title"), self.cleaned_data.get("published_on")
        if not title or not published_on or self.cleaned_data.get("not_a_duplicate"):
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


class QuoteForm(forms.ModelForm):
    """A quote's text under the same character rule as every record (a form error, not a 500)."""

    def _post_clean(self) -> None:
        super()._post_clean()
        if not self.errors:
            try:
                services.record_text_check(instance=self.instance)
            except ValidationError as error:
                add_service_errors(self, error)


class QuoteInline(admin.StackedInline):
    model = Quote
    form = QuoteForm
    extra = 1
    autocomplete_fields = ("speaker",)
    fields = (("speaker", "occasion", "said_on"), "text", "position")


_QUOTE_FIELDS = ("speaker", "text", "occasion", "said_on", "position")


@admin.register(Announcement)
class AnnouncementAdmin(CuratedAdmin):
    form = AnnouncementAdminForm
    resource_classes = [resources.AnnouncementResource]
    list_display = ("title", "publisher", "published_on", "paywalled", "original_source", "link")
    list_filter = (
        "paywalled",
        ("publisher", admin.RelatedOnlyFieldListFilter),
        ("original_source", admin.RelatedOnlyFieldListFilter),
        "published_on",
    )
    search_fields = ("title", "summary", "url", "organisations__name", "organisations__aliases")
    autocomplete_fields = ("publisher", "original_source", "organisations")
    prepopulated_fields = {"slug": ("title",)}
    date_hierarchy = "published_on"
    inlines = [QuoteInline]
    change_list_template = "admin/milestones/announcement/change_list.html"  # "Add from article"

    def get_urls(self):
        intake = self.admin_site.admin_view(lambda request: intake_view(request, self))
        return [path("intake/", intake, name="milestones_announcement_intake"), *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        # The button only for those who may confirm: it writes every kind of record.
        extra_context = {**(extra_context or {}), "intake_allowed": services.intake_allowed(request.user)}
        return super().changelist_view(request, extra_context)

    @admin.display(description="source")
    def link(self, announcement: Announcement) -> str:
        return format_html(
            '<a href="{}" rel="noopener noreferrer" target="_blank">open ↗</a>', announcement.url
        )

    def get_queryset(self, request):
        return selectors.announcements_for_admin()

    def save_model(self, request: HttpRequest, obj: Announcement, form, change: bool) -> None:
        services.announcement_save(announcement=obj, data=form.many())

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        # The quotes on the page replace the stored ones, as when the API writes them.
        formset.save(commit=False)  # writes nothing; fills the lists the change message reads
        kept = [
            inline.cleaned_data
            for inline in formset.forms
            if inline.cleaned_data and inline not in formset.deleted_forms and inline.cleaned_data.get("text")
        ]
        quotes = [
            {name: quote.get(name) for name in _QUOTE_FIELDS if quote.get(name) is not None} for quote in kept
        ]
        services.announcement_save(announcement=form.instance, data={}, quotes=quotes)
