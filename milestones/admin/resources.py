"""Import and export (django-import-export) in the same columns as the API's CSV.

Imports are previewed as a dry run (new / update / skip per row, and each
row's errors) before anything is written; the confirmed import runs in one
transaction, so a file applies entirely or not at all. Rows identical to what
is stored are skipped, so re-importing a file changes nothing. Every row is
checked and saved by the same services as the admin and the API, links
included; a row with ``delete`` set to yes deletes its record unless something
cites it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from import_export import fields, resources, widgets

from milestones import selectors, services
from milestones.domain.text import spreadsheet_uncell
from milestones.http import site_url
from milestones.models import Announcement, Milestone, Organisation, Publisher, Relation
from milestones.selectors import UnknownOrganisation, organisation_resolve
from milestones.selectors.exports import ANNOUNCEMENT_COLUMNS, MILESTONE_COLUMNS, ORGANISATION_FIELDS

LIST_SEPARATOR = "; "


class OrganisationWidget(widgets.ForeignKeyWidget):
    """An organisation typed as slug, name or alias; exported as its name."""

    def __init__(self, **kwargs) -> None:
        super().__init__(Organisation, field="name", **kwargs)

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        try:
            return organisation_resolve(str(value))
        except UnknownOrganisation as error:
            raise ValueError(str(error)) from None


class OrganisationsWidget(widgets.ManyToManyWidget):
    def __init__(self, **kwargs) -> None:
        super().__init__(Organisation, separator=LIST_SEPARATOR.strip(), field="name", **kwargs)

    def clean(self, value, row=None, **kwargs):
        names = [n.strip() for n in str(value or "").split(self.separator) if n.strip()]
        resolved, unknown = [], []
        for name in names:
            try:
                resolved.append(organisation_resolve(name))
            except UnknownOrganisation as error:
                unknown.append(str(error))
        if unknown:
            raise ValueError("; ".join(unknown))
        return selectors.organisations_by_pks([o.pk for o in resolved])

    def render(self, value, obj=None, **kwargs):
        return LIST_SEPARATOR.join(o.name for o in value.all()) if value is not None else ""


class AnnouncementsByUrlWidget(widgets.ManyToManyWidget):
    """Evidence as article URLs (any spelling of them: they are normalised)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(Announcement, separator=LIST_SEPARATOR.strip(), field="url", **kwargs)

    def clean(self, value, row=None, **kwargs):
        urls = [u.strip() for u in str(value or "").split(self.separator) if u.strip()]
        found, missing = selectors.announcements_by_urls(urls)
        if missing:
            raise ValueError("no announcement recorded for " + ", ".join(missing))
        return found

    def render(self, value, obj=None, **kwargs):
        return LIST_SEPARATOR.join(a.url for a in value.all()) if value is not None else ""


class PublisherWidget(widgets.ForeignKeyWidget):
    def __init__(self, **kwargs) -> None:
        super().__init__(Publisher, field="name", **kwargs)

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        text = str(value).strip()
        publisher = selectors.publisher_resolve(text)
        if publisher is None:
            raise ValueError(f"unknown publisher '{text}' (add it in the admin first)")
        return publisher


class AliasesWidget(widgets.Widget):
    """Aliases are stored one per line and exchanged as a '; '-separated list."""

    def clean(self, value, row=None, **kwargs):
        return "\n".join(a.strip() for a in str(value or "").replace("\n", ";").split(";") if a.strip())

    def render(self, value, obj=None, **kwargs):
        return LIST_SEPARATOR.join(line.strip() for line in (value or "").splitlines() if line.strip())


_YES = {"1", "true", "yes", "y", "delete"}


class CuratedResource(resources.ModelResource):
    """Rows checked and saved by the services; unchanged rows skipped; one transaction."""

    class Meta:
        abstract = True
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        import_id_fields = ("slug",)

    def before_import_row(self, row, **kwargs) -> None:
        """A file we exported imports unchanged: the apostrophe guarding a formula comes off."""
        for column, value in list(row.items()):
            if isinstance(value, str):
                row[column] = spreadsheet_uncell(value)

    def many(self, row) -> dict:
        """The row's many-to-many values that its file has columns for."""
        found, errors = {}, {}
        for field in self.get_import_fields():
            if isinstance(field.widget, widgets.ManyToManyWidget) and field.column_name in row:
                try:
                    found[field.attribute] = list(field.clean(row))
                except ValueError as error:
                    errors[field.attribute] = str(error)
        if errors:
            raise ValidationError(errors)
        return found

    # The services check every rule when the row is saved; a ValidationError there marks the
    # row invalid (shown in the preview), exactly as a field error would.
    def save_instance(self, instance, is_create, row, **kwargs) -> None:
        self.service_save(instance, row)

    def service_save(self, instance, row) -> None:
        services.record_save(instance=instance, many=self.many(row))

    def save_m2m(self, instance, row, **kwargs) -> None:
        """Saved with the record by :meth:`service_save`."""

    def for_delete(self, row, instance) -> bool:
        return str(row.get("delete") or "").strip().lower() in _YES

    def delete_instance(self, instance, row, **kwargs) -> None:
        try:
            services.record_delete(instance=instance)
        except services.RecordInUse as error:
            raise ValidationError({"delete": str(error)}) from None


class OrganisationResource(CuratedResource):
    slug_source = "name"
    parent = fields.Field(attribute="parent", column_name="parent", widget=OrganisationWidget())
    aliases = fields.Field(attribute="aliases", column_name="aliases", widget=AliasesWidget())
    region = fields.Field(attribute="region", column_name="region", readonly=True)
    page_url = fields.Field(column_name="page_url", readonly=True)

    class Meta(CuratedResource.Meta):
        model = Organisation
        fields = (*ORGANISATION_FIELDS, "page_url")
        export_order = fields

    def dehydrate_page_url(self, organisation: Organisation) -> str:
        return site_url(organisation.get_absolute_url())


class AnnouncementResource(CuratedResource):
    publisher = fields.Field(attribute="publisher", column_name="publisher", widget=PublisherWidget())
    original_source = fields.Field(
        attribute="original_source", column_name="original_source", widget=PublisherWidget()
    )
    source_url = fields.Field(attribute="url", column_name="source_url")
    organisations = fields.Field(
        attribute="organisations", column_name="organisations", widget=OrganisationsWidget()
    )
    published_on = fields.Field(
        attribute="published_on", column_name="published_on", widget=widgets.DateWidget("%Y-%m-%d")
    )
    quotes = fields.Field(column_name="quotes", readonly=True)
    page_url = fields.Field(column_name="page_url", readonly=True)

    class Meta(CuratedResource.Meta):
        model = Announcement
        # The API's CSV columns, minus its API `url`: one list serves both.
        fields = tuple(column for column in ANNOUNCEMENT_COLUMNS if column != "url")
        export_order = fields

    def service_save(self, instance: Announcement, row) -> None:
        services.announcement_save(announcement=instance, data=self.many(row))

    def dehydrate_quotes(self, announcement: Announcement) -> int:
        return announcement.quotes.count()

    def dehydrate_page_url(self, announcement: Announcement) -> str:
        return site_url(announcement.get_absolute_url())


class MilestoneResource(CuratedResource):
    owner = fields.Field(attribute="owner", column_name="owner", widget=OrganisationWidget())
    participants = fields.Field(
        attribute="participants", column_name="participants", widget=OrganisationsWidget()
    )
    evidence = fields.Field(attribute="evidence", column_name="evidence", widget=AnnouncementsByUrlWidget())
    achieved_on = fields.Field(
        attribute="achieved_on", column_name="achieved_on", widget=widgets.DateWidget("%Y-%m-%d")
    )
    owner_slug = fields.Field(attribute="owner__slug", column_name="owner_slug", readonly=True)
    owner_country = fields.Field(attribute="owner__country", column_name="owner_country", readonly=True)
    owner_region = fields.Field(attribute="owner__region", column_name="owner_region", readonly=True)
    target_edtf = fields.Field(attribute="target_edtf", column_name="target_edtf", readonly=True)
    target_display = fields.Field(attribute="target_display", column_name="target_display", readonly=True)
    target_start = fields.Field(attribute="window_start", column_name="target_start", readonly=True)
    target_end = fields.Field(attribute="window_end", column_name="target_end", readonly=True)
    target_approximate = fields.Field(
        attribute="target_approximate", column_name="target_approximate", readonly=True
    )
    overdue = fields.Field(column_name="overdue", readonly=True)
    stale = fields.Field(column_name="stale", readonly=True)
    last_evidence_on = fields.Field(column_name="last_evidence_on", readonly=True)
    page_url = fields.Field(column_name="page_url", readonly=True)

    class Meta(CuratedResource.Meta):
        model = Milestone
        # The API's CSV columns, minus its API `url`: one list serves both.
        fields = tuple(column for column in MILESTONE_COLUMNS if column != "url")
        export_order = fields

    def service_save(self, instance: Milestone, row) -> None:
        services.milestone_save(milestone=instance, data=self.many(row))

    def dehydrate_overdue(self, milestone: Milestone) -> bool:
        return milestone.is_overdue(timezone.localdate())

    def dehydrate_stale(self, milestone: Milestone) -> bool:
        return selectors.is_stale(milestone, today=timezone.localdate())

    def dehydrate_last_evidence_on(self, milestone: Milestone):
        return selectors.last_evidence_date(milestone)

    def dehydrate_page_url(self, milestone: Milestone) -> str:
        return site_url(milestone.get_absolute_url())


class RelationResource(CuratedResource):
    source = fields.Field(attribute="source", column_name="source", widget=OrganisationWidget())
    target = fields.Field(attribute="target", column_name="target", widget=OrganisationWidget())
    evidence = fields.Field(attribute="evidence", column_name="evidence", widget=AnnouncementsByUrlWidget())
    started_on = fields.Field(
        attribute="started_on", column_name="started_on", widget=widgets.DateWidget("%Y-%m-%d")
    )
    ended_on = fields.Field(
        attribute="ended_on", column_name="ended_on", widget=widgets.DateWidget("%Y-%m-%d")
    )

    class Meta(CuratedResource.Meta):
        model = Relation
        import_id_fields = ("source", "kind", "target")
        fields = ("source", "kind", "target", "role", "started_on", "ended_on", "note", "evidence")
        export_order = fields
