"""What every curated model's admin shares: forms that ask the services, saves and deletes
that go through them, and import/export in the API's columns."""

from __future__ import annotations

import copy

from django import forms
from django.contrib import admin
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, JSON
from simple_history.admin import SimpleHistoryAdmin

from milestones import selectors, services
from milestones.domain.text import spreadsheet_cell


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ``ValidationError`` on the form: by field where the form has it."""
    by_field = error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
    for field, messages_ in by_field.items():
        known = field in form.fields or field == NON_FIELD_ERRORS
        for message in messages_:
            form.add_error(field if known else None, message if known else f"{field}: {message}")


class CuratedForm(forms.ModelForm):
    """Slug optional (the service makes one); rules checked by the services; stale saves refused.

    ``loaded_version`` carries the row's version from when the page was opened.
    The admin saves inside a transaction and the version check locks the row,
    so of two editors who opened the same version the second to save is refused.
    """

    loaded_version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields["slug"].required = False
            self.fields["slug"].help_text = "Left blank, it is made from the title or name."
        if self.instance.pk:
            self.fields["loaded_version"].initial = services.record_version(self.instance)

    def _post_clean(self) -> None:
        super()._post_clean()  # puts the cleaned values on the instance
        if self.errors:
            return
        try:
            if self.instance.pk:
                services.version_check(
                    instance=self.instance, expected=self.cleaned_data.get("loaded_version")
                )
            self.service_check()
        except services.StaleWrite as error:
            self.add_error(None, str(error))
        except ValidationError as error:
            add_service_errors(self, error)

    def service_check(self) -> None:
        services.record_check(instance=self.instance, exclude=self.many_names())

    def many_names(self) -> list[str]:
        return [f.name for f in self._meta.model._meta.many_to_many if f.name in self.fields]

    def many(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.many_names()}


class InUseChoicesFilter(admin.ChoicesFieldListFilter):
    """A choices filter that lists only the values some row has (a handful of countries, not 250)."""

    def __init__(self, field, request, params, model, model_admin, field_path) -> None:
        in_use = {str(value) for value in selectors.values_in_use(model, field_path)}
        narrowed = copy.copy(field)
        narrowed.choices = [(value, label) for value, label in field.flatchoices if str(value) in in_use]
        super().__init__(narrowed, request, params, model, model_admin, field_path)


class ServiceAdmin(admin.ModelAdmin):
    """Saves and deletes through the services, inlines included; a cited record cannot be deleted."""

    form = CuratedForm

    def save_model(self, request: HttpRequest, obj: Model, form: CuratedForm, change: bool) -> None:
        services.record_save(instance=obj, many=form.many())

    def save_related(self, request: HttpRequest, form: CuratedForm, formsets, change: bool) -> None:
        # Many-to-many links were saved by the service with the record; only inlines are left.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        # commit=False writes nothing: it links new rows to the parent and lists what changed
        # (the admin's change message reads those lists); the services then write.
        formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.record_delete(instance=obj)
        for inline in formset.forms:
            if inline.has_changed() and inline not in formset.deleted_forms:
                self.save_inline(request, inline)

    def save_inline(self, request: HttpRequest, inline: CuratedForm) -> None:
        services.record_save(instance=inline.instance, many=inline.many())

    def get_deleted_objects(self, objs, request: HttpRequest):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # Evidence links are many-to-many, so Django would drop them without asking.
        known = set(map(str, protected))
        for obj in objs:
            for citing in services.record_citations(instance=obj):
                label = f"{citing._meta.verbose_name.capitalize()}: {citing} (cites {obj})"
                if str(citing) not in known:
                    protected.append(label)
        return deleted, counts, perms_needed, protected

    def delete_model(self, request: HttpRequest, obj: Model) -> None:
        services.record_delete(instance=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            services.record_delete(instance=obj)


class SpreadsheetSafeCSV(CSV):
    """CSV cells under the one spreadsheet rule (milestones/domain/text.py), as the API's CSV:
    a cell a spreadsheet would run as a formula starts with an apostrophe. JSON is not
    opened by spreadsheets and carries the text as stored."""

    def export_data(self, dataset, **kwargs):
        rows = [[spreadsheet_cell(c) if isinstance(c, str) else c for c in row] for row in dataset]
        return super().export_data(type(dataset)(*rows, headers=dataset.headers), **kwargs)


class CuratedAdmin(ImportExportMixin, SimpleHistoryAdmin, ServiceAdmin):
    """Also imports and exports (CSV and JSON in the API's columns, previewed as a dry run before
    anything is written) and shows the change history."""

    formats = [CSV, JSON]

    def get_export_data(self, file_format, request, queryset, **kwargs):
        if isinstance(file_format, CSV):
            file_format = SpreadsheetSafeCSV()
        return super().get_export_data(file_format, request, queryset, **kwargs)
