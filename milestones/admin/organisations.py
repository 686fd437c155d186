"""Organisations with their relations and owned milestones; people and publishers."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from milestones import selectors, services
from milestones.admin import resources
from milestones.admin.base import CuratedAdmin, CuratedForm, InUseChoicesFilter, ServiceAdmin
from milestones.admin.milestones import MilestoneAdminForm
from milestones.models import Milestone, Organisation, Person, Publisher, Relation


class RelationInline(admin.TabularInline):
    model = Relation
    form = CuratedForm
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
class OrganisationAdmin(CuratedAdmin):
    resource_classes = [resources.OrganisationResource]
    list_display = ("name", "kind", "country", "region", "state_owned", "parent", "fiscal_year_start_month")
    list_filter = (
        ("kind", InUseChoicesFilter),
        ("region", InUseChoicesFilter),
        ("country", InUseChoicesFilter),
        "state_owned",
    )
    search_fields = ("name", "slug", "aliases")
    autocomplete_fields = ("parent",)
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("region",)
    inlines = [RelationInline, OwnedMilestoneInline]

    def get_queryset(self, request):
        return selectors.organisations_for_admin()

    def save_inline(self, request: HttpRequest, inline: CuratedForm) -> None:
        if isinstance(inline, MilestoneAdminForm):
            services.milestone_save(
                milestone=inline.instance, data=inline.service_data(), recorded_by=request.user
            )
        else:
            super().save_inline(request, inline)


@admin.register(Relation)
class RelationAdmin(CuratedAdmin):
    resource_classes = [resources.RelationResource]
    list_display = ("source", "kind", "target", "role", "started_on", "ended_on")
    list_filter = (("kind", InUseChoicesFilter), ("source__region", InUseChoicesFilter))
    search_fields = ("source__name", "source__aliases", "target__name", "target__aliases", "role")
    autocomplete_fields = ("source", "target", "evidence")

    def get_queryset(self, request):
        return selectors.relations_for_admin()


@admin.register(Person)
class PersonAdmin(ServiceAdmin):
    list_display = ("name", "title", "affiliation")
    search_fields = ("name", "title", "affiliation__name")
    autocomplete_fields = ("affiliation",)
    prepopulated_fields = {"slug": ("name",)}

    def get_queryset(self, request):
        return selectors.people_for_admin()


@admin.register(Publisher)
class PublisherAdmin(ServiceAdmin):
    list_display = ("name", "website", "country")
    search_fields = ("name",)
    prepopulated_fields = {"slug": ("name",)}
